"""check_world under the launchers of slurm/*.sbatch: RINGRIFT_WORLD_SIZE, set by the scripts, wins."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from ringrift_mpi.mpi.world import check_world


@pytest.fixture
def env(monkeypatch):
    for k in ("RINGRIFT_WORLD_SIZE", "SLURM_NTASKS", "SLURM_STEP_ID"):
        monkeypatch.delenv(k, raising=False)
    return monkeypatch


def test_mpiexec_inside_a_batch_job(env):
    # Hydra's ranks see the srun step of its proxies: one task per node, not the job's 2 ranks
    env.setenv("SLURM_NTASKS", "1")
    env.setenv("SLURM_STEP_ID", "0")
    assert check_world(SimpleNamespace(size=2)) is not None  # without the launcher's count: a false alarm
    env.setenv("RINGRIFT_WORLD_SIZE", "2")
    assert check_world(SimpleNamespace(size=2)) is None


def test_ranks_that_did_not_join_one_world(env):
    # srun --mpi=none (or a PMI plugin the MPI does not speak): N one-rank worlds
    env.setenv("SLURM_NTASKS", "4")
    env.setenv("SLURM_STEP_ID", "0")
    env.setenv("RINGRIFT_WORLD_SIZE", "4")
    msg = check_world(SimpleNamespace(size=1))
    assert "1 rank(s) but the launcher asked for 4" in msg and "RINGRIFT_WORLD_SIZE" in msg
    env.delenv("RINGRIFT_WORLD_SIZE")
    assert "Slurm started 4 tasks" in check_world(SimpleNamespace(size=1))


def test_outside_slurm_nothing_to_check(env):
    assert check_world(SimpleNamespace(size=3)) is None
