"""The training job under mpiexec: the ranks find each other through MPI (rank 0's address
broadcast), train with gloo DDP and stop together."""
import os
import tempfile

import pytest


@pytest.mark.mpi(min_size=2)
def test_training_under_mpiexec():
    pytest.importorskip("torch", reason="the [train] extra (torch) is not installed")
    from mpi4py import MPI

    from ringrift_mpi.selfplay.job import main as selfplay
    from ringrift_mpi.storage.train_run import read_checkpoint_record
    from ringrift_mpi.train.config import TrainConfig
    from ringrift_mpi.train.loop import run

    comm = MPI.COMM_WORLD
    d = comm.bcast(tempfile.mkdtemp(prefix="train-mpi-") if comm.rank == 0 else None)
    data = os.path.join(d, "data")
    root = os.path.join(os.path.dirname(__file__), "..", "..")
    # the self-play job on both ranks makes the data (6 games), as a real pipeline would
    assert selfplay(["--config", os.path.join(root, "jobs", "smoke_selfplay.toml"), "--run-dir", data,
                     "--games", "6", "--seed", "3"], comm=comm) == 0
    comm.Barrier()
    cfg = TrainConfig.load(os.path.join(root, "jobs", "smoke_train.toml"),
                           overrides={"optim.steps": 4, "device.threads": 1, "export.enabled": False,
                                      "data.val_fraction": 0.0}, env={})
    assert run(cfg, os.path.join(d, "run"), [data], out=open(os.devnull, "w")) == 0
    comm.Barrier()
    if comm.rank == 0:
        rec = read_checkpoint_record(os.path.join(d, "run"))
        assert rec["step"] == 4
        log = open(os.path.join(d, "run", "train.log")).read()
        assert f"{comm.size} rank(s) via mpi on cpu (gloo)" in log
