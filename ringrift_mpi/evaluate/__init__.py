"""Evaluation matches: ``python -m ringrift_mpi.evaluate`` (cli), seat kinds (players), the match
(match, sharing the CMA-ES job's games) and its statistics (stats)."""
from .cli import main  # noqa: F401
