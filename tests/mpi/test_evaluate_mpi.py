"""python -m ringrift_mpi.evaluate under mpiexec -n 2 (pytest-mpi): the same result as on one rank."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VS_RANDOM = str(ROOT / "profiles" / "square8_2p_vs_random.json")
VOLATILE = ("created", "ranks", "wall_s", "command")


def _result(path) -> dict:
    d = json.loads(Path(path).read_text())
    return {k: v for k, v in d.items() if k not in VOLATILE}


@pytest.mark.mpi(min_size=2)
@pytest.mark.parametrize("players,extra", [(2, []), (3, ["--opening-random-plies", "6"])])
def test_evaluate_is_independent_of_the_rank_count(players, extra):
    from mpi4py import MPI
    from ringrift_mpi.evaluate import main
    comm = MPI.COMM_WORLD
    base = comm.bcast(tempfile.mkdtemp(prefix="ringrift-evaluate-") if comm.rank == 0 else None, root=0)
    argv = [VS_RANDOM, "--vs", "default", "random", "--num-players", str(players), "--games", str(6 * players),
            "--seed", "11", "--games-per-task", str(players)] + extra
    two = os.path.join(base, "two.json")
    assert main(argv + ["--output", two], comm=comm) == 0
    comm.Barrier()
    if comm.rank == 0:
        one = os.path.join(base, "one.json")
        assert main(argv + ["--output", one, "--games-per-task", "1"], comm=MPI.COMM_SELF) == 0
        a, b = _result(one), _result(two)
        assert a == b
        assert json.loads(Path(two).read_text())["ranks"] == comm.size
        r = a["results"][0]
        assert r["games"] == 6 * players and r["mirror_games"] == (6 * players if players > 2 else 0)
    comm.Barrier()
