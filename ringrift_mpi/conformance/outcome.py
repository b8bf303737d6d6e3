"""How RingRift labels and scores a finished game (its game-record exporter): the kernels' ladder, named.

The ladder and the scores themselves live in kernels/victory.py (``ladder_type``,
``final_scores``), which the game kernel uses too; this module only turns them
into the JSON RingRift writes.
"""
from __future__ import annotations

import numpy as np

from kernels import state as S
from kernels.victory import OUTCOME_LABELS, final_scores, ladder_type


def outcome_label(s: np.ndarray) -> str:
    """ring_elimination, territory_control, last_player_standing or draw.

    RingRift derives the label from the final state, not from the rule that
    ended the game (see ``kernels.victory.ladder_type``); a stalemate whose
    tie-breaks named a winner is a 'draw' too.
    """
    return OUTCOME_LABELS[ladder_type(s)]


def final_score(s: np.ndarray) -> dict:
    """RingRift's finalScore: credited eliminations, territory spaces, rings still in play."""
    P = int(s[S.H_P])
    out = np.zeros((P, 3), np.int64)
    final_scores(s, np.arange(S.NP1, dtype=np.int64), out)
    return {
        "ringsEliminated": {str(p): int(out[p - 1, 0]) for p in range(1, P + 1) if out[p - 1, 0]},
        "territorySpaces": {str(p): int(out[p - 1, 1]) for p in range(1, P + 1)},
        "ringsRemaining": {str(p): int(out[p - 1, 2]) for p in range(1, P + 1)},
    }
