"""How RingRift labels a finished game (its game-record exporter's victory ladder)."""
from __future__ import annotations

import numpy as np

from kernels import state as S

from ..interop import Board


def outcome_label(board: Board, s: np.ndarray) -> str:
    """ring_elimination, territory_control, last_player_standing or draw.

    RingRift derives the label from the final state, not from the rule that
    ended the game: credited eliminations, then owned collapsed spaces, then
    the last completed LPS round; a board without stacks is a 'draw' even when
    tie-breaks named a winner; anything else falls back to ring_elimination.
    """
    w = int(s[S.H_WINNER])
    if w == 0:
        return "draw"
    n = board.n
    if s[s[S.O_BELIM] + w] >= s[S.H_VICTORY]:
        return "ring_elimination"
    if int((s[s[S.O_COLL]:s[S.O_COLL] + n] == w).sum()) >= s[S.H_TERR_VICTORY]:
        return "territory_control"
    if s[S.H_LPS_EXCL_DONE] == w:
        return "last_player_standing"
    if not (s[s[S.O_H]:s[S.O_H] + n] > 0).any():
        return "draw"
    return "ring_elimination"


def final_score(board: Board, s: np.ndarray) -> dict:
    """RingRift's finalScore: credited eliminations, territory spaces, rings still in play."""
    P = int(s[S.H_P])
    n = board.n
    cnt = s[s[S.O_CNT]:s[S.O_CNT] + n * S.NP1].reshape(n, S.NP1)
    return {
        "ringsEliminated": {str(p): int(s[s[S.O_BELIM] + p]) for p in range(1, P + 1) if s[s[S.O_BELIM] + p]},
        "territorySpaces": {str(p): int(s[s[S.O_TERR] + p]) for p in range(1, P + 1)},
        "ringsRemaining": {str(p): int(s[s[S.O_HAND] + p] + cnt[:, p].sum()) for p in range(1, P + 1)},
    }
