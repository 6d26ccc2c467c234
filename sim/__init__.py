"""sim: a discrete-event simulator of just-in-time parts supply to automotive final-assembly lines.

The Python API a notebook needs::

    import sim
    scenario = sim.load_scenario("scenarios/nanshan.yaml", overrides=["replications=3"])
    result = sim.run(scenario)            # typed RunResult, nothing written
    result.summary.kpis["stoppage_min"]  # Stat(mean=..., ci95=..., n=3)
    folder = sim.save(result)             # results/<name>/<run-id>/, with plots and report
"""

from sim.errors import ResultsError, ScenarioError, SimError  # noqa: E402
from sim.version import __version__  # noqa: E402

__all__ = ["ResultsError", "Scenario", "ScenarioError", "SimError", "__version__", "load_scenario", "run", "save"]


def __getattr__(name):  # lazy: `import sim` (and so the CLI's start, when Ctrl-C must be one clean line) stays light
    if name in ("Scenario", "load_scenario"):
        from sim import scenario
        return getattr(scenario, name)
    if name == "run":
        from sim.runner import run
        return run
    if name == "save":
        from sim.app import save_run
        return save_run
    raise AttributeError(name)
