"""The self-play job under mpiexec -n 2 (pytest-mpi): the same dataset as one rank, stop + resume."""
from __future__ import annotations

import os
import signal
import tempfile
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SMOKE = str(ROOT / "jobs" / "smoke_selfplay.toml")


def _shared_dir(comm) -> str:
    d = tempfile.mkdtemp(prefix="ringrift-selfplay-") if comm.rank == 0 else None
    return comm.bcast(d, root=0)


@pytest.mark.mpi(min_size=2)
def test_two_ranks_make_the_one_rank_dataset():
    from mpi4py import MPI
    from ringrift_mpi.selfplay import main
    from ringrift_mpi.storage.dataset import Dataset, canonical, differences, list_shards
    comm = MPI.COMM_WORLD
    base = _shared_dir(comm)
    many = os.path.join(base, "many")
    # small tasks and a shard per task, so both ranks play and write
    assert main(["--config", SMOKE, "--run-dir", many, "--games-per-task", "1", "--flush-seconds", "0"],
                comm=comm) == 0
    comm.Barrier()
    if comm.rank == 0:
        one = os.path.join(base, "one")
        assert main(["--config", SMOKE, "--run-dir", one], comm=MPI.COMM_SELF) == 0
        ranks = {os.path.basename(p).split("-")[1] for p in list_shards(many)}
        assert len(ranks) == comm.size, ranks  # every rank wrote shards of its own
        assert differences(canonical(one), canonical(many)) == []
        with Dataset(many) as ds:
            assert ds.n_games == 24 and sorted(ds.games["id"].tolist()) == list(range(24))
        log = Path(many, "selfplay.log").read_text()
        assert f"{comm.size} rank(s)" in log and "positions/s" in log and "done: 24 of 24 games" in log
    comm.Barrier()


@pytest.mark.mpi(min_size=2)
def test_sigterm_on_two_ranks_then_resume_equals_uninterrupted():
    from mpi4py import MPI
    from ringrift_mpi.selfplay import main
    from ringrift_mpi.storage.dataset import canonical, differences, list_shards
    comm = MPI.COMM_WORLD
    base = _shared_dir(comm)
    args = ["--config", SMOKE, "--games-per-task", "1", "--flush-seconds", "0"]
    full = os.path.join(base, "full")
    assert main(args + ["--run-dir", full], comm=comm) == 0
    cut = os.path.join(base, "cut")
    killer = None
    if comm.rank == 0:
        def stop_after_first_shard():
            while not list_shards(cut):
                time.sleep(0.002)
            os.kill(os.getpid(), signal.SIGTERM)
        killer = threading.Thread(target=stop_after_first_shard, daemon=True)
        killer.start()
    assert main(args + ["--run-dir", cut], comm=comm) == 0
    if comm.rank == 0:
        killer.join(10)
        assert "SIGTERM received: stopped with" in Path(cut, "selfplay.log").read_text()
    comm.Barrier()
    assert main(args + ["--run-dir", cut], comm=comm) == 0  # resume
    if comm.rank == 0:
        assert differences(canonical(full), canonical(cut)) == []
        assert "resuming:" in Path(cut, "selfplay.log").read_text()
    comm.Barrier()
