"""sim: a discrete-event simulator of just-in-time parts supply to automotive final-assembly lines.

The Python API a notebook needs::

    import sim
    scenario = sim.load_scenario("scenarios/nanshan.yaml", overrides=["replications=3"])
    result = sim.run(scenario)            # typed RunResult, nothing written
    result.summary["kpis"]["stoppage_min"]
    folder = sim.save(result)             # results/<name>/<run-id>/
"""

__version__ = "0.1.0"

from sim.errors import ResultsError, ScenarioError, SimError  # noqa: E402
from sim.scenario import Scenario, load_scenario  # noqa: E402

__all__ = ["ResultsError", "Scenario", "ScenarioError", "SimError", "__version__", "load_scenario", "run", "save"]


def __getattr__(name):  # lazy: importing sim must not import simpy, numpy and matplotlib at once
    if name == "run":
        from sim.runner import run
        return run
    if name == "save":
        from sim.results import save
        return save
    raise AttributeError(name)
