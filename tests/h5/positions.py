"""Positions from seeded random games (kernels' legal_moves + the playout RNG), for the
ringrift-h5 tests: the same state on every machine, no fixture needed."""
from __future__ import annotations

import numpy as np


def seeded(board_name: str, players: int, seed: int, plies: int):
    """(board, state after ``plies`` random moves, the move the same RNG plays next)."""
    from kernels import moves as M
    from kernels.apply import apply_move
    from kernels.movegen import legal_moves
    from kernels.playout import rng_below, rng_seed
    from ringrift_mpi.interop import initial_state
    board, s = initial_state(board_name, players)
    st = rng_seed(seed)
    buf = np.empty(M.MAX_MOVES, np.int64)
    for _ in range(plies):
        k = legal_moves(board.geo, s, buf)
        apply_move(board.geo, s, int(buf[rng_below(st, k)]))
    k = legal_moves(board.geo, s, buf)
    return board, s, int(buf[rng_below(st, k)])
