"""The standard starting position of a new game."""
from __future__ import annotations

import numpy as np

from . import geometry as G
from . import state as S


def new_game(board: int, players: int, *, swap_rule: bool = False, lps_rounds: int = 3,
             move_cap: int = 0) -> np.ndarray:
    """Empty board, every player holding the board's ring supply, player 1 to place.

    ``move_cap`` > 0 ends the game as a draw once that many moves were applied
    (bookkeeping moves count); 0 means no cap.
    """
    if not 2 <= players <= 4:
        raise ValueError(f"players must be 2, 3 or 4 (got {players})")
    rpp = G.RINGS_PER_PLAYER[board]
    s = S.empty_state(G.BOARD_CELLS[board], rpp * players, board, players)
    for p in range(1, players + 1):
        s[s[S.O_HAND] + p] = rpp
    s[S.H_VICTORY] = G.victory_threshold(board, players)
    s[S.H_TERR_VICTORY] = G.territory_threshold(board)
    s[S.H_RPP] = rpp
    s[S.H_LINE_LEN] = G.line_length(board, players)
    s[S.H_RINGS_IN_PLAY] = rpp * players
    s[S.H_LPS_REQ] = lps_rounds
    s[S.H_SWAP_ON] = int(swap_rule)
    s[S.H_MOVE_CAP] = move_cap
    return s
