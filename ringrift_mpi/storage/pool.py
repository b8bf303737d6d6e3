"""State pools: start positions for fitness games and evaluation (``pool.h5``).

attributes: format = "ringrift-mpi/state-pool", format_version = 1, board (name),
players, state_size, source (free text: how the states were made)
``states``  int32 [state, slot]: kernel game states (kernels/state.py layout), all
            of the same board and player count, each still in play.

The self-play job will write pools from its games; ``write_pool`` is the one writer.
"""
from __future__ import annotations

import numpy as np

from .atomic import H5_LIBVER, StorageError, atomic_file, open_h5

POOL_FORMAT = "ringrift-mpi/state-pool"
POOL_VERSION = 1


def write_pool(path: str, states: np.ndarray, board: str, players: int, source: str = "") -> None:
    import h5py
    states = np.ascontiguousarray(states, np.int32)
    if states.ndim != 2 or len(states) == 0:
        raise ValueError("states must be a non-empty [state, slot] array")
    with atomic_file(path, ".h5") as tmp:
        with h5py.File(tmp, "w", libver=H5_LIBVER) as f:
            f.attrs.update({"format": POOL_FORMAT, "format_version": POOL_VERSION, "board": board,
                            "players": int(players), "state_size": int(states.shape[1]), "source": source})
            ds = f.create_dataset("states", data=states, chunks=(min(len(states), 64), states.shape[1]))
            ds.attrs["axes"] = "state,slot"


def read_pool(path: str, board: str, players: int) -> np.ndarray:
    """The pool's states, checked against the job's board and player count."""
    from kernels import geometry as G
    from kernels import state as S
    from kernels.newgame import new_game
    with open_h5(path, POOL_FORMAT, POOL_VERSION, "state pool") as f:
        if f.attrs.get("board") != board or int(f.attrs.get("players", 0)) != players:
            raise StorageError(f"{path}: pool holds {f.attrs.get('board')} {f.attrs.get('players')}p states, "
                               f"the job plays {board} {players}p")
        if "states" not in f:
            raise StorageError(f"{path}: state pool lacks 'states'")
        states = np.asarray(f["states"][()], np.int32)
    ref = new_game(G.board_id(board), players)
    if states.ndim != 2 or states.shape[1] != ref.size or len(states) == 0:
        raise StorageError(f"{path}: states have shape {states.shape}, expected [n, {ref.size}]")
    bad = np.flatnonzero((states[:, S.H_N] != ref[S.H_N]) | (states[:, S.H_P] != players)
                         | (states[:, S.H_BOARD] != ref[S.H_BOARD]) | (states[:, S.H_STATUS] != S.ACTIVE))
    if len(bad):
        raise StorageError(f"{path}: state {int(bad[0])} is not an active {board} {players}p game state")
    return states
