"""The simulation model: one replication of a plant on a SimPy environment."""

from sim.model import modes  # noqa: F401  (each delivery mode registers its loop class)
from sim.model.plant import Plant, Replication, run_replication

__all__ = ["Plant", "Replication", "run_replication"]
