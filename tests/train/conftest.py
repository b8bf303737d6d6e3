"""Shared data for the training tests: a small dataset of real heuristic self-play games."""
import pytest

torch = pytest.importorskip("torch", reason="the [train] extra (torch) is not installed")


@pytest.fixture(scope="session")
def sq8_data(tmp_path_factory):
    """square8 2p: 48 heuristic games (about 5,000 positions), written in the dataset layout."""
    from kernels.geometry import SQUARE8
    from ringrift_mpi.train.gendata import generate
    from ringrift_mpi.train.source import write_dataset
    rows, games = generate("square8", 2, 48, seed=5, eps=0.05, opening=4, max_moves=400)
    path = tmp_path_factory.mktemp("data") / "sq8.h5"
    write_dataset(str(path), SQUARE8, 2, rows, games, source="tests")
    return str(path)
