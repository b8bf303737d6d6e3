"""The CMA-ES job: ``python -m ringrift_mpi.cmaes --config jobs/<name>.toml --run-dir DIR``."""
from .job import main  # noqa: F401
