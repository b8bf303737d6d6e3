"""mpi/farm.run_tasks over the real COMM_WORLD (tests/run.sh runs it under mpiexec -n 2, with a timeout).

The farm's details (prefetch depth, failures) are tested over a fake world in tests/test_farm.py.
"""
from __future__ import annotations

import time

import pytest

from ringrift_mpi.mpi import farm


def _played_by(rank, delay=0.002):
    def do_task(task):
        time.sleep(delay * (1 + task % 3))  # uneven task lengths, so ranks interleave
        return (task * task, rank)
    return do_task


@pytest.mark.mpi(min_size=2)
def test_farm_over_mpi():
    from mpi4py import MPI
    comm = MPI.COMM_WORLD
    tasks = list(range(30))
    results = farm.run_tasks(comm, tasks if comm.rank == 0 else None, _played_by(comm.rank), prefetch=2)
    if comm.rank == 0:
        assert [r[0] for r in results] == [t * t for t in tasks]
        assert {r[1] for r in results} == set(range(comm.size))
    else:
        assert results is None
    # stop after 8 results: the rest stays undone, every rank leaves
    done = []
    results = farm.run_tasks(comm, tasks if comm.rank == 0 else None, _played_by(comm.rank), prefetch=2,
                             should_stop=lambda: len(done) >= 8, on_result=lambda k, n: done.append(k))
    if comm.rank == 0:
        finished = [i for i, r in enumerate(results) if r is not None]
        assert 8 <= len(finished) < len(tasks) and all(results[i][0] == i * i for i in finished)
    comm.Barrier()
