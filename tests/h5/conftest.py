"""Shared files for the ringrift-h5 tests: a sample of every format and a real CMA-ES run directory."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.storage import samples

SMOKE = str(Path(__file__).resolve().parents[2] / "jobs" / "smoke_cmaes.toml")


@pytest.fixture(scope="session")
def sample_files(tmp_path_factory) -> dict[str, str]:
    return samples.make_samples(tmp_path_factory.mktemp("samples"))


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory) -> str:
    """What `python -m ringrift_mpi.cmaes --config jobs/smoke_cmaes.toml` leaves, with two iterations
    of two generations (so there are iteration boundaries and two evaluation matches)."""
    from ringrift_mpi.cmaes import main
    d = str(tmp_path_factory.mktemp("cmaes") / "run")
    assert main(["--config", SMOKE, "--run-dir", d, "--generations", "2", "--iterations", "2"]) == 0
    return d
