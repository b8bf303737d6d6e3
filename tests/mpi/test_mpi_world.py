import pytest


@pytest.mark.mpi(min_size=2)
def test_world_allreduce_of_ranks():
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    size = comm.Get_size()
    assert size >= 2
    assert comm.allreduce(comm.Get_rank(), op=MPI.SUM) == size * (size - 1) // 2
