"""Move choice: the uniform random player and RingRift's greedy one-ply HeuristicAI.

``greedy_move`` is RingRift's ``HeuristicAI.select_move`` (ai-service/app/ai/
heuristic_ai.py) on kernel states: with probability ``eps`` a uniformly random
legal move (no evaluation); otherwise every legal move of the current decision
is applied to a scratch copy and scored with ``evaluate_position`` from the
mover's point of view (+/-100000 or 0 once the game is over), and the best
score wins, exact ties broken uniformly at random. ``swap_sides`` is scored
from the seat the mover takes over (seat 1 for seat 2), as RingRift does.
With ``temp`` > 0 the move is instead sampled with probability proportional
to ``exp((score - best) / temp)`` (RingRift's unused softmax path).

The same policy takes every decision of a turn: placements, movements,
chain-capture segments, line and territory choices, eliminations, recovery
and bookkeeping moves all come out of ``legal_moves``.

Randomness comes from the caller's splitmix64 stream (kernels/rng.py), so a
game is a pure function of its inputs. RingRift's choice consumes Python's
MT19937; bit-identical tie-breaks with RingRift are not a goal, the
distribution is the same.
"""
from __future__ import annotations

import numpy as np

from .apply import apply_move
from .heuristic import N_COMPONENTS, TERMINAL_SCORE, evaluate
from .movegen import legal_moves
from .moves import PLACE_RING, SWAP_SIDES, mextra, mto, mtype
from .rng import rng_below, rng_uniform
from .state import (COMPLETED, H_CUR, H_MOVE_CAP, H_NFREE, H_ORDER_CTR, H_PLY, H_STATUS, H_WINNER, O_DN, O_FREE,
                    O_HAND, O_ORD, O_OWN, O_UP, jit, pop_top, push_top)


@jit
def position_score(geo, s, me, w, mode, comp):
    """RingRift's evaluate_position: terminal +/-100000 (0 for no winner), else the total.

    comp: float64 scratch of N_COMPONENTS (overwritten).
    """
    if s[H_STATUS] == COMPLETED:
        win = s[H_WINNER]
        if win == me:
            return TERMINAL_SCORE
        if win != 0:
            return -TERMINAL_SCORE
        return 0.0
    return evaluate(geo, s, me, w, mode, comp)


@jit
def placement_score(geo, s, m, w, mode, comp, keep):
    """The mover's evaluate_position after placement m, computed in place and undone.

    Placing rings changes one stack and the mover's hand; everything else
    apply_move does for a placement (phase, ply, must-move cell, run flags)
    is invisible to the evaluator, and a placement can neither end the game
    nor complete a turn. So the evaluation of the placed position needs no
    copy of the state, which is most of the cost on the big boards, where
    placement decisions offer 800-1400 options. The caller makes sure the
    state's own move cap is not reached by this move. ``s`` is restored bit
    for bit: ring-pool free list, the stale links of free slots and the
    stack-creation order included. keep: int64 scratch of 9.
    """
    me = s[H_CUR]
    c = mto(m)
    k = mextra(m)
    ctr = s[H_ORDER_CTR]
    ordc = s[s[O_ORD] + c]
    nf = s[H_NFREE]
    for j in range(k):
        slot = s[s[O_FREE] + nf - 1 - j]
        keep[3 * j] = s[s[O_UP] + slot]
        keep[3 * j + 1] = s[s[O_DN] + slot]
        keep[3 * j + 2] = s[s[O_OWN] + slot]
    push_top(s, c, me, k)
    s[s[O_HAND] + me] -= k
    v = evaluate(geo, s, me, w, mode, comp)
    for _ in range(k):
        pop_top(s, c)
    s[s[O_HAND] + me] += k
    s[H_ORDER_CTR] = ctr
    s[s[O_ORD] + c] = ordc
    for j in range(k):
        slot = s[s[O_FREE] + nf - 1 - j]
        s[s[O_UP] + slot] = keep[3 * j]
        s[s[O_DN] + slot] = keep[3 * j + 1]
        s[s[O_OWN] + slot] = keep[3 * j + 2]
    return v


@jit
def copy_score(geo, s, m, me, w, mode, scratch, comp):
    """The mover's evaluate_position after m, applied to ``scratch`` (a copy of s); swap_sides is
    scored from the seat the mover takes over."""
    scratch[:] = s
    apply_move(geo, scratch, m)
    view = me
    if mtype(m) == SWAP_SIDES:
        view = 1 if me == 2 else 2
    return position_score(geo, scratch, view, w, mode, comp)


@jit
def score_moves(geo, s, buf, k, w, mode, scratch, comp, scores):
    """scores[i] = the mover's evaluate_position after buf[i], for i < k; ``s`` is left as it was.

    Placements take the in-place path (placement_score); every other move is
    applied to ``scratch``, a copy of ``s``. score_moves_copying scores every
    move the plain way, and tests hold the two equal.
    """
    me = s[H_CUR]
    fast = s[H_MOVE_CAP] == 0 or s[H_PLY] + 1 < s[H_MOVE_CAP]
    keep = np.empty(9, np.int64)
    for i in range(k):
        m = buf[i]
        if fast and mtype(m) == PLACE_RING:
            scores[i] = placement_score(geo, s, m, w, mode, comp, keep)
        else:
            scores[i] = copy_score(geo, s, m, me, w, mode, scratch, comp)


@jit
def score_moves_copying(geo, s, buf, k, w, mode, scratch, comp, scores):
    """The reference path of score_moves: every move applied to a fresh copy of ``s``."""
    me = s[H_CUR]
    for i in range(k):
        scores[i] = copy_score(geo, s, buf[i], me, w, mode, scratch, comp)


@jit
def pick_best(scores, k, temp, rng):
    """Index of the chosen move: best score with exact ties drawn uniformly, or softmax at temp > 0."""
    best = scores[0]
    for i in range(1, k):
        if scores[i] > best:
            best = scores[i]
    if temp > 0.0:
        tot = 0.0
        for i in range(k):
            tot += np.exp((scores[i] - best) / temp)
        r = rng_uniform(rng) * tot
        acc = 0.0
        for i in range(k):
            acc += np.exp((scores[i] - best) / temp)
            if r < acc:
                return i
        return k - 1
    nties = 0
    for i in range(k):
        if scores[i] == best:
            nties += 1
    j = rng_below(rng, nties)
    for i in range(k):
        if scores[i] == best:
            if j == 0:
                return i
            j -= 1
    return k - 1


@jit
def greedy_move(geo, s, w, mode, eps, temp, rng, buf, scratch, comp, scores):
    """RingRift's greedy HeuristicAI choice for the player to move; returns (move, legal move count).

    ``s`` is left exactly as it was (the game loop replays RingRift's listing side effect,
    recovery.listing_side_effect, before asking).

    buf: int64[MAX_MOVES]; scratch: a state-sized int32 array; comp:
    float64[N_COMPONENTS]; scores: float64[MAX_MOVES]. Returns (-1, 0) when
    there is no legal move.
    """
    k = legal_moves(geo, s, buf)
    if k == 0:
        return np.int64(-1), 0
    if eps > 0.0 and rng_uniform(rng) < eps:
        return buf[rng_below(rng, k)], k
    score_moves(geo, s, buf, k, w, mode, scratch, comp, scores)
    return buf[pick_best(scores, k, temp, rng)], k


@jit
def random_move(geo, s, rng, buf):
    """A uniformly random legal move; returns (move, legal move count), (-1, 0) when none."""
    k = legal_moves(geo, s, buf)
    if k == 0:
        return np.int64(-1), 0
    return buf[rng_below(rng, k)], k


def scratch_for(s: np.ndarray):
    """Python helper: the scratch buffers greedy_move needs for states shaped like ``s``."""
    from .moves import MAX_MOVES
    return (np.empty(MAX_MOVES, np.int64), np.empty_like(s), np.empty(N_COMPONENTS, np.float64),
            np.empty(MAX_MOVES, np.float64))
