"""Generating, scoring and choosing moves never change the state they are given.

``apply_move`` works in place by design on the state passed; everything else
(legal_moves, evaluate, scoring candidates, the greedy and random players)
must leave its input bit for bit as it was, over many random positions of
every board and player count. RingRift's listing side effect on marker order
is an explicit call (recovery.listing_side_effect); the positions include ones
where it changes the state, so a generator that reordered markers itself
would fail here.
"""
from __future__ import annotations

import numpy as np
import pytest

from kernels import geometry as G
from kernels import heuristic as HE
from kernels import state as S
from kernels.apply import apply_move
from kernels.heuristic_weights import BASE_V1_BALANCED_WEIGHTS, weights_array
from kernels.movegen import legal_moves
from kernels.newgame import new_game
from kernels.players import copy_score, greedy_move, random_move, scratch_for, score_moves
from kernels.playout import random_playout
from kernels.recovery import listing_side_effect
from kernels.rng import rng_seed

CONFIGS = [(b, p) for b in G.BOARD_NAMES for p in (2, 3, 4)]
# random games per config, and every how many plies a position is checked
GAMES = {"square8": 30, "hex8": 30, "square19": 2, "hexagonal": 2}
EVERY = {"square8": 3, "hex8": 3, "square19": 25, "hexagonal": 40}


def _positions(board, players):
    """(geo, state, reordered): positions of seeded random games as apply_move left them, before
    the listing side effect; ``reordered``: that side effect changes this state (a generator that
    made it itself would change its input exactly there)."""
    b = G.board_id(board)
    geo = G.build(b)
    s0 = new_game(b, players, swap_rule=players == 2)
    for seed in range(GAMES[board]):
        s = s0.copy()
        rec = np.zeros(50000, np.int64)
        n = random_playout(geo, s, 1000 + seed, 0, rec)
        t = s0.copy()
        for i in range(n):
            u = t.copy()
            listing_side_effect(geo, t)  # as the playout does before it lists
            moved = not np.array_equal(u, t)
            if i % EVERY[board] == 0 or moved:
                yield geo, u, moved
            apply_move(geo, t, rec[i])
        assert np.array_equal(t, s), "the replay is not the playout's game"
        yield geo, t, False  # the final position


@pytest.mark.parametrize("board,players", CONFIGS)
def test_move_generation_and_choice_leave_the_state_alone(board, players):
    w = weights_array(BASE_V1_BALANCED_WEIGHTS)
    w_rand = np.random.default_rng(players).uniform(-10, 10, w.size)  # every term exercised
    small = board in ("square8", "hex8")
    checked = reordered = 0
    for geo, s, moved in _positions(board, players):
        before = s.copy()
        buf, scratch, comp, scores = scratch_for(s)
        k = legal_moves(geo, s, buf)
        assert np.array_equal(s, before), "legal_moves changed its state"
        me = int(s[S.H_CUR])
        for mode in (HE.FULL, HE.LIGHT) if small else (HE.LIGHT,):
            HE.evaluate(geo, s, me, w_rand, mode, comp)
            assert np.array_equal(s, before), "evaluate changed its state"
            if k:
                score_moves(geo, s, buf, k, w_rand, mode, scratch, comp, scores)
                assert np.array_equal(s, before), "score_moves changed its state"
                for i in range(0, k, max(1, k // 4)):
                    copy_score(geo, s, buf[i], me, w, mode, scratch, comp)
                    assert np.array_equal(s, before), "copy_score changed its state"
            for eps, temp in ((0.0, 0.0), (0.5, 0.0), (0.0, 2.0)):
                greedy_move(geo, s, w, mode, eps, temp, rng_seed(checked), buf, scratch, comp, scores)
                assert np.array_equal(s, before), f"greedy_move (eps {eps}, temp {temp}) changed its state"
        random_move(geo, s, rng_seed(checked), buf)
        assert np.array_equal(s, before), "random_move changed its state"
        checked += 1
        reordered += moved
    assert checked > (200 if small else 40), checked
    if small:
        # positions RingRift's listing reorders (recovery-eligible movers) occur: legal_moves
        # was checked on them too
        assert reordered > 0
