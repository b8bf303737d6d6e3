"""The self-play job: ``python -m ringrift_mpi.selfplay`` (see job.py and docs/selfplay.md)."""
from .job import main  # noqa: F401
