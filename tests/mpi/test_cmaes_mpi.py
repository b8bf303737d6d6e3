"""The CMA-ES job under mpiexec -n 2 (pytest-mpi): a tiny run, rank-count independence, stop + resume."""
from __future__ import annotations

import json
import os
import signal
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SMOKE = str(ROOT / "jobs" / "smoke_cmaes.toml")


def _shared_dir(comm) -> str:
    d = tempfile.mkdtemp(prefix="ringrift-cmaes-") if comm.rank == 0 else None
    return comm.bcast(d, root=0)


def _records(run_dir):
    from ringrift_mpi.storage.cmaes_run import read_run
    rec = read_run(os.path.join(run_dir, "run.h5"))
    return {k: rec.gen_array(k) for k in ("candidates", "fitness", "mean", "sigma", "wins")}


def _weights(run_dir):
    return json.loads(Path(run_dir, "profile.json").read_text())["weights"]


@pytest.mark.mpi(min_size=2)
def test_tiny_run_and_rank_independence():
    from mpi4py import MPI
    from ringrift_mpi.cmaes import main
    comm = MPI.COMM_WORLD
    base = _shared_dir(comm)
    two = os.path.join(base, "two")
    assert main(["--config", SMOKE, "--run-dir", two, "--generations", "2"], comm=comm) == 0
    comm.Barrier()
    if comm.rank == 0:  # the same job on one rank
        one = os.path.join(base, "one")
        assert main(["--config", SMOKE, "--run-dir", one, "--generations", "2"], comm=MPI.COMM_SELF) == 0
        a, b = _records(one), _records(two)
        assert a["fitness"].shape == (2, 6)
        for k in a:
            assert np.array_equal(a[k], b[k]), k
        assert _weights(one) == _weights(two)
        assert len(_weights(two)) == 59
        log = Path(two, "cmaes.log").read_text()
        assert "gen   2" in log and "games/s" in log
    comm.Barrier()


@pytest.mark.mpi(min_size=2)
def test_sigterm_then_resume_equals_uninterrupted():
    from mpi4py import MPI
    from ringrift_mpi.cmaes import main
    comm = MPI.COMM_WORLD
    base = _shared_dir(comm)
    args = ["--config", SMOKE, "--generations", "4", "--games-per-eval", "16"]
    full = os.path.join(base, "full")
    assert main(args + ["--run-dir", full], comm=comm) == 0
    cut = os.path.join(base, "cut")
    killer = None
    if comm.rank == 0:
        def stop_after_first_checkpoint():
            cp = Path(cut, "checkpoint.json")
            while not cp.exists():
                time.sleep(0.005)
            os.kill(os.getpid(), signal.SIGTERM)
        killer = threading.Thread(target=stop_after_first_checkpoint, daemon=True)
        killer.start()
    assert main(args + ["--run-dir", cut], comm=comm) == 0
    if comm.rank == 0:
        killer.join(5)
        done = json.loads(Path(cut, "checkpoint.json").read_text())["generations_done"]
        assert 1 <= done < 4, done
        assert not Path(cut, "profile.json").exists()
    comm.Barrier()
    assert main(args + ["--run-dir", cut], comm=comm) == 0  # resume
    if comm.rank == 0:
        a, b = _records(full), _records(cut)
        for k in a:
            assert np.array_equal(a[k], b[k]), k
        assert _weights(full) == _weights(cut)
        assert "resuming after generation" in Path(cut, "cmaes.log").read_text()
    comm.Barrier()
