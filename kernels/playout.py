"""Seeded uniformly-random playouts and a state invariant checker.

Everything here is numba code (``@njit(cache=True, nogil=True)``). A move is
chosen as ``rng_below(st, k)`` among the ``k`` legal moves in ``legal_moves``
order, from the game's own splitmix64 stream (kernels/rng.py), so a seed gives
the same game on every machine, process and thread.

``random_playout(geo, s, seed, max_moves, moves_out)``
    plays ``s`` to the end in place; returns the number of moves applied.
``play_random_games(geo, s0, seeds, max_moves, out_winner, out_moves,
out_capped, out_viol, out_legal, check)``
    plays one game per seed from copies of ``s0`` (a plain loop, nogil, so
    several Python threads can each run a batch).
``invariant_violation(geo, s, supply)``
    0 when ``s`` is consistent, else the code of the first failed check
    (see ``INVARIANT_NAMES``). A checked playout also holds every move to
    RR-CANON-R191 (``progress_violation``, S from ``state.s_invariant``).

Move cap: when ``max_moves`` > 0 moves were applied by the playout and the
game is still on, the game is ended exactly the way ``apply_move`` ends a game
at the state's own ``H_MOVE_CAP``: status COMPLETED, winner 0, phase GAME_OVER,
``H_HIT_CAP`` = 1. A cap set in the state (``new_game(move_cap=...)``) works
too and looks the same.
"""
from __future__ import annotations

import numpy as np

from .apply import apply_move
from .movegen import legal_moves
from .moves import CONTINUE_CAPTURE_SEGMENT, MAX_MOVES, MOVE_STACK, OVERTAKING_CAPTURE, mtype
from .recovery import listing_side_effect
from .rng import rng_below, rng_seed
from .state import (ACTIVE, COMPLETED, GAME_OVER, H_CUR, H_HIT_CAP, H_MORD_CTR, H_N, H_NFREE, H_P, H_PHASE,
                    H_PLY, H_R, H_RPP, H_STATUS, H_TOTAL_ELIM, H_WINNER, NP1, O_BELIM, O_BOT, O_CAP, O_CNT,
                    O_COLL, O_CTRL, O_DN, O_ELIM, O_H, O_HAND, O_MARK, O_MORD, O_OWN, O_TERR, O_TOP, O_UP, jit,
                    s_invariant)
from .victory import end_capped

# --- invariant codes ------------------------------------------------------------------
INV_OK = 0
INV_CONSERVATION = 1      # sum_p (hand + rings of colour p on board) + H_TOTAL_ELIM != P * supply
INV_PLAYER_SUPPLY = 2     # some player's hand < 0, or hand + rings on board > supply
INV_STACK_LIST = 3        # height / top / bottom / up-down links / controller / cap disagree with the ring list
INV_COUNTS = 4            # O_CNT (rings per colour per cell) disagrees with the ring list
INV_CELL_EXCLUSIVE = 5    # a cell holds two of {stack, marker, collapsed space}
INV_POOL = 6              # free ring slots + rings on board != ring pool size
INV_ELIM_CREDIT = 7       # sum of O_ELIM (or O_BELIM) over players != H_TOTAL_ELIM
INV_TERRITORY = 8         # O_TERR[p] != number of spaces collapsed for p
INV_STATUS = 9            # status / phase / winner / current player inconsistent
INV_RANGE = 10            # a ring colour, marker or collapsed owner outside 1..P
INV_NO_MOVES = 11         # ACTIVE but legal_moves returned 0
INV_MOVES_AFTER_END = 12  # COMPLETED but legal_moves returned moves
INV_MARKER_ORDER = 13     # marker-order stamps: missing / left behind, repeated, or above H_MORD_CTR
INV_PROGRESS = 14         # a move lowered S = markers + collapsed + eliminated, or a movement/capture kept it

INVARIANT_NAMES = ("ok", "ring conservation (total)", "player ring supply", "stack list / caches",
                   "per-colour ring counts", "cell exclusivity", "ring pool", "elimination credit",
                   "territory count", "status/phase/winner", "value range", "no legal moves while active",
                   "legal moves after game over", "marker order stamps", "progress measure S (RR-CANON-R191)")

# --- invariants ---------------------------------------------------------------------------

@jit
def structural_violation(s, supply):
    """The checks of invariant_violation that need no move generation (codes 1-10, 13)."""
    n = s[H_N]
    P = s[H_P]
    R = s[H_R]
    if supply <= 0:
        supply = s[H_RPP]
    on_board = np.zeros(NP1, np.int64)
    cnt = np.zeros(NP1, np.int64)
    terr = np.zeros(NP1, np.int64)
    total_h = 0
    for c in range(n):
        h = s[s[O_H] + c]
        mk = s[s[O_MARK] + c]
        co = s[s[O_COLL] + c]
        if mk < 0 or mk > P or co < 0 or co > P:
            return INV_RANGE
        if co > 0:
            terr[co] += 1
        if (h > 0) + (mk > 0) + (co > 0) > 1:
            return INV_CELL_EXCLUSIVE
        top = s[s[O_TOP] + c]
        bot = s[s[O_BOT] + c]
        if h == 0:
            if top != -1 or bot != -1 or s[s[O_CTRL] + c] != 0 or s[s[O_CAP] + c] != 0:
                return INV_STACK_LIST
            for p in range(NP1):
                if s[s[O_CNT] + c * NP1 + p] != 0:
                    return INV_COUNTS
            continue
        if h < 0 or top < 0 or bot < 0 or top >= R or bot >= R:
            return INV_STACK_LIST
        # walk bottom -> top, checking the links both ways
        for p in range(NP1):
            cnt[p] = 0
        slot = bot
        prev = -1
        k = 0
        while slot >= 0:
            if slot >= R or k >= R or s[s[O_DN] + slot] != prev:
                return INV_STACK_LIST
            col = s[s[O_OWN] + slot]
            if col < 1 or col > P:
                return INV_RANGE
            cnt[col] += 1
            k += 1
            prev = slot
            slot = s[s[O_UP] + slot]
        if prev != top or k != h:
            return INV_STACK_LIST
        # controller and cap from the top
        ctl = s[s[O_OWN] + top]
        capk = 0
        slot = top
        while slot >= 0 and s[s[O_OWN] + slot] == ctl:
            capk += 1
            slot = s[s[O_DN] + slot]
        if s[s[O_CTRL] + c] != ctl or s[s[O_CAP] + c] != capk:
            return INV_STACK_LIST
        for p in range(NP1):
            if s[s[O_CNT] + c * NP1 + p] != cnt[p]:
                return INV_COUNTS
            on_board[p] += cnt[p]
        total_h += h
    if s[H_NFREE] + total_h != R:
        return INV_POOL
    tot = np.int64(s[H_TOTAL_ELIM])
    e1 = np.int64(0)
    e2 = np.int64(0)
    for p in range(1, P + 1):
        hd = s[s[O_HAND] + p]
        if hd < 0 or hd + on_board[p] > supply:
            return INV_PLAYER_SUPPLY
        tot += hd + on_board[p]
        e1 += s[s[O_ELIM] + p]
        e2 += s[s[O_BELIM] + p]
    if tot != np.int64(P) * supply:
        return INV_CONSERVATION
    if e1 != s[H_TOTAL_ELIM] or e2 != s[H_TOTAL_ELIM]:
        return INV_ELIM_CREDIT
    for p in range(1, P + 1):
        if s[s[O_TERR] + p] != terr[p]:
            return INV_TERRITORY
    st = s[H_STATUS]
    if st == ACTIVE:
        if s[H_PHASE] == GAME_OVER or s[H_WINNER] != 0 or s[H_CUR] < 1 or s[H_CUR] > P:
            return INV_STATUS
    elif st == COMPLETED:
        if s[H_PHASE] != GAME_OVER or s[H_WINNER] < 0 or s[H_WINNER] > P:
            return INV_STATUS
    else:
        return INV_STATUS
    om = s[O_MORD]
    seen = np.zeros(n, np.int64)
    k = 0
    for c in range(n):
        st = s[om + c]
        if (st > 0) != (s[s[O_MARK] + c] > 0) or st < 0 or st > s[H_MORD_CTR]:
            return INV_MARKER_ORDER
        if st > 0:
            seen[k] = st
            k += 1
    seen[:k].sort()
    for i in range(1, k):
        if seen[i] == seen[i - 1]:
            return INV_MARKER_ORDER
    return INV_OK


@jit
def invariant_violation(geo, s, supply):
    """0 if s is consistent, else the first failed check's code (INV_*; see INVARIANT_NAMES).

    ``supply`` is the ring supply per player (0: the state's own H_RPP).
    Eliminated rings are tracked by the player credited, not by colour, so
    conservation is checked in total: sum over players of (hand + rings of
    that colour on the board) + H_TOTAL_ELIM == P * supply.
    """
    v = structural_violation(s, supply)
    if v != 0:
        return v
    buf = np.empty(MAX_MOVES, np.int64)
    k = legal_moves(geo, s, buf)
    if s[H_STATUS] == ACTIVE and k == 0:
        return INV_NO_MOVES
    if s[H_STATUS] != ACTIVE and k != 0:
        return INV_MOVES_AFTER_END
    return INV_OK


@jit
def progress_violation(before, s, m):
    """INV_PROGRESS when move m took the state from S = before to s against RR-CANON-R191, else 0.

    No move may lower S; a movement or capture must raise it (it leaves a marker where it started).
    """
    after = s_invariant(s)
    t = mtype(m)
    if after < before or (after == before and (t == MOVE_STACK or t == OVERTAKING_CAPTURE
                                               or t == CONTINUE_CAPTURE_SEGMENT)):
        return INV_PROGRESS
    return INV_OK


# --- playouts -------------------------------------------------------------------------------

@jit
def playout(geo, s, seed, max_moves, moves_out, check, supply, buf, stats):
    """The general random playout; random_playout and play_random_games wrap it.

    moves_out: move codes are written there while it has room (pass a 0-size
    array to record nothing). check: run the invariant checks after every move.
    buf: int64 scratch of MAX_MOVES. stats (int64[5]) receives:
    [0] moves applied, [1] sum of legal-move counts over the decisions,
    [2] invariant violations seen (structure after each move, then S across
    it), [3] first violation code, [4] ply of s
    (H_PLY) where it was seen. Stops at the first violation of code
    INV_NO_MOVES (the game cannot go on); other violations are counted and
    play continues. Returns the number of moves applied.
    """
    st = rng_seed(seed)
    for i in range(5):
        stats[i] = 0
    rec = moves_out.shape[0]
    nm = 0
    if check:
        v = structural_violation(s, supply)
        if v != 0:
            stats[2] += 1
            stats[3] = v
            stats[4] = s[H_PLY]
    while s[H_STATUS] == ACTIVE:
        if max_moves > 0 and nm >= max_moves:
            end_capped(s)
            break
        listing_side_effect(geo, s)
        k = legal_moves(geo, s, buf)
        if k == 0:
            if check:
                stats[2] += 1
                if stats[3] == 0:
                    stats[3] = INV_NO_MOVES
                    stats[4] = s[H_PLY]
            break
        stats[1] += k
        m = buf[rng_below(st, k)]
        if nm < rec:
            moves_out[nm] = m
        before = s_invariant(s) if check else 0
        apply_move(geo, s, m)
        nm += 1
        if check:
            v = structural_violation(s, supply)
            if v == 0:
                v = progress_violation(before, s, m)
            if v != 0:
                stats[2] += 1
                if stats[3] == 0:
                    stats[3] = v
                    stats[4] = s[H_PLY]
    if check and s[H_STATUS] != ACTIVE:
        if legal_moves(geo, s, buf) != 0:
            stats[2] += 1
            if stats[3] == 0:
                stats[3] = INV_MOVES_AFTER_END
                stats[4] = s[H_PLY]
    stats[0] = nm
    return nm


@jit
def random_playout(geo, s, seed, max_moves, moves_out):
    """Play s to the end with uniformly random legal moves (seeded); return the moves applied.

    max_moves > 0 caps the playout (the game then ends as a capped draw, see
    the module doc); moves_out receives the move codes while it has room.
    """
    buf = np.empty(MAX_MOVES, np.int64)
    stats = np.zeros(5, np.int64)
    return playout(geo, s, seed, max_moves, moves_out, False, 0, buf, stats)


@jit
def play_random_games(geo, s0, seeds, max_moves, out_winner, out_moves, out_capped, out_viol, out_legal,
                      check):
    """One random game per seed from copies of s0.

    Per game g: out_winner[g] = winner (0 draw/capped, -1 game stuck: active
    with no legal move), out_moves[g] = moves applied, out_capped[g] = 1 when
    the move cap ended it, out_viol[g] = invariant violations (only counted
    when check), out_legal[g] = sum of legal-move counts over its decisions.
    Returns the first violation found as (game index, code, ply), or (-1, 0, 0).
    """
    buf = np.empty(MAX_MOVES, np.int64)
    stats = np.zeros(5, np.int64)
    none = np.empty(0, np.int64)
    first_g, first_code, first_ply = -1, 0, 0
    for g in range(seeds.shape[0]):
        s = s0.copy()
        playout(geo, s, seeds[g], max_moves, none, check, 0, buf, stats)
        out_moves[g] = stats[0]
        out_legal[g] = stats[1]
        out_viol[g] = stats[2]
        out_winner[g] = s[H_WINNER] if s[H_STATUS] != ACTIVE else -1
        out_capped[g] = s[H_HIT_CAP]
        if stats[2] > 0 and first_g < 0:
            first_g, first_code, first_ply = g, stats[3], stats[4]
    return first_g, first_code, first_ply
