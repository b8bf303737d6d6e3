"""Shared data for the training tests: a small self-play run of real heuristic games."""
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="the [train] extra (torch) is not installed")

SMOKE = str(Path(__file__).resolve().parents[2] / "jobs" / "smoke_selfplay.toml")


def selfplay_run(d, games: int, seed: int = 5) -> str:
    """A self-play run directory of ``games`` square8 2p heuristic games (the job's own code, one rank)."""
    from ringrift_mpi.selfplay import main
    assert main(["--config", SMOKE, "--run-dir", str(d), "--games", str(games), "--seed", str(seed)]) == 0
    return str(d)


@pytest.fixture(scope="session")
def sq8_data(tmp_path_factory):
    """square8 2p: 48 heuristic games (about 5,000 positions), a self-play run directory."""
    return selfplay_run(tmp_path_factory.mktemp("data") / "sp", 48)
