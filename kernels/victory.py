"""Victory: how a game ends (RR-CANON-R061, R062, R170-R173) and how it is scored afterwards.

During play, ``check_victory`` ends the game when a rule applies, in RingRift's
order: ring elimination, territory control, a lone stack owner, then the
structural stalemate with its tie-break ladder. Last-player-standing needs
round bookkeeping at every turn start (``lps_track``, ``lps_victory``; turn.py
calls them).

Afterwards, a finished state is labelled and scored the way RingRift's
game-record exporter does it (conformance/outcome.py writes those labels):
``ladder_type`` is its post-hoc victory ladder (from the final state, not from
the rule that ended the game), ``final_scores`` its finalScore and
``final_ranks`` the rank of every seat by the tie-break keys.
"""
from __future__ import annotations

import numpy as np

from .geometry import G_N
from .movegen import can_place_on_bare_board, has_real_action
from .state import (ACTIVE, COMPLETED, GAME_OVER, H_CUR, H_HIT_CAP, H_LAST_ACTOR, H_LPS_CONSEC, H_LPS_CONSEC_P,
                    H_LPS_EXCL_DONE, H_LPS_FIRST, H_LPS_REQ, H_LPS_ROUND, H_N, H_P, H_PHASE, H_STATUS,
                    H_TERR_VICTORY, H_VICTORY, H_WINNER, NP1, O_LPSM, board_eliminated, collapsed, ctrl,
                    eliminated, hand, height, jit, marker, ring_count, rings_in_play, territory)

# how a game ended (games.play_games' out_vtype)
VT_UNFINISHED = 0        # still active: no legal move (never happens in a consistent state)
VT_RING_ELIMINATION = 1
VT_TERRITORY = 2
VT_LAST_PLAYER_STANDING = 3
VT_STALEMATE = 4         # no stacks left; the tie-break ladder named the winner (RingRift labels it 'draw')
VT_MOVE_CAP = 5          # the move cap ended the game: a draw
VT_DRAW = 6              # ended without a winner otherwise
VICTORY_TYPE_NAMES = ("unfinished", "ring_elimination", "territory_control", "last_player_standing",
                      "stalemate", "move_cap", "draw")
# RingRift's game-record "outcome" for each type ladder_type returns
OUTCOME_LABELS = {VT_RING_ELIMINATION: "ring_elimination", VT_TERRITORY: "territory_control",
                  VT_LAST_PLAYER_STANDING: "last_player_standing", VT_STALEMATE: "draw", VT_DRAW: "draw"}


# --- ending the game during play ------------------------------------------------------

@jit
def declare_winner(s, p):
    s[H_STATUS] = COMPLETED
    s[H_WINNER] = p
    s[H_CUR] = p
    s[H_PHASE] = GAME_OVER


@jit
def _stalemate_winner(geo, s, terr, markers, hand_counts):
    """The structural stalemate's tie-break ladder: territory, eliminated rings (+ hand when
    hands count), markers, last to act; equal keys: the lowest seat."""
    best = 0
    best_key = np.full(4, -1, np.int64)
    key = np.empty(4, np.int64)
    for p in range(1, s[H_P] + 1):
        key[0] = terr[p]
        key[1] = eliminated(s, p) + (hand(s, p) if hand_counts else 0)
        key[2] = markers[p]
        key[3] = 1 if s[H_LAST_ACTOR] == p else 0
        better = False
        for j in range(4):
            if key[j] != best_key[j]:
                better = key[j] > best_key[j]
                break
        if better:
            best = p
            best_key[:] = key
    return best


@jit
def check_victory(geo, s):
    """RR-CANON-R061/R062/R172/R173 in RingRift's order. Ends the game if one applies."""
    n = geo[G_N]
    np_ = s[H_P]
    for p in range(1, np_ + 1):
        if eliminated(s, p) >= s[H_VICTORY]:
            declare_winner(s, p)
            return
    terr = np.zeros(NP1, np.int64)
    markers = np.zeros(NP1, np.int64)
    owners = 0
    stacks = 0
    for c in range(n):
        o = collapsed(s, c)
        if o > 0:
            terr[o] += 1
        mk = marker(s, c)
        if mk > 0:
            markers[mk] += 1
        if height(s, c) > 0:
            stacks += 1
            owners |= 1 << ctrl(s, c)
    total = 0
    for p in range(1, np_ + 1):
        total += terr[p]
    for p in range(1, np_ + 1):
        if terr[p] >= s[H_TERR_VICTORY] and terr[p] > total - terr[p]:
            declare_winner(s, p)
            return
    if owners != 0 and (owners & (owners - 1)) == 0:
        o = 0
        for p in range(1, NP1):
            if owners == 1 << p:
                o = p
        alone = True
        for p in range(1, np_ + 1):
            if p != o and rings_in_play(s, p) > 0:
                alone = False
                break
        if alone:
            declare_winner(s, o)
            return
    if stacks > 0:
        return
    any_hand = False
    for p in range(1, np_ + 1):
        if hand(s, p) > 0:
            any_hand = True
    hand_counts = False
    if any_hand:
        for p in range(1, np_ + 1):
            if hand(s, p) > 0 and can_place_on_bare_board(geo, s, p):
                return
        hand_counts = True
    declare_winner(s, _stalemate_winner(geo, s, terr, markers, hand_counts))


@jit
def end_capped(s):
    """End an active game as a capped draw (the state's H_MOVE_CAP, or a playout's own cap)."""
    s[H_STATUS] = COMPLETED
    s[H_WINNER] = 0
    s[H_HIT_CAP] = 1
    s[H_PHASE] = GAME_OVER


# --- last player standing (RR-CANON-R172) ----------------------------------------------

@jit
def lps_track(geo, s):
    """Last-player-standing round bookkeeping at the start of a turn."""
    np_ = s[H_P]
    active = 0
    for p in range(1, np_ + 1):
        if rings_in_play(s, p) > 0:
            active |= 1 << p
    cur = s[H_CUR]
    if active == 0 or not (active >> cur) & 1:
        return
    first = s[H_LPS_FIRST]
    mask = s[O_LPSM]
    any_recorded = False
    for p in range(1, NP1):
        if s[mask + p] >= 0:
            any_recorded = True
    if first == 0 or not (active >> first) & 1:
        s[H_LPS_ROUND] += 1
        s[H_LPS_FIRST] = cur
        for p in range(NP1):
            s[mask + p] = -1
        s[H_LPS_EXCL_DONE] = 0
        cp = s[H_LPS_CONSEC_P]
        if cp == 0 or not (active >> cp) & 1:
            s[H_LPS_CONSEC] = 0
            s[H_LPS_CONSEC_P] = 0
    elif cur == first and any_recorded:
        excl = 0
        nt = 0
        for p in range(1, np_ + 1):
            if (active >> p) & 1 and s[mask + p] == 1:
                nt += 1
                excl = p
        if nt != 1:
            excl = 0
        s[H_LPS_EXCL_DONE] = excl
        if excl != 0:
            if excl == s[H_LPS_CONSEC_P]:
                s[H_LPS_CONSEC] += 1
            else:
                s[H_LPS_CONSEC_P] = excl
                s[H_LPS_CONSEC] = 1
        else:
            s[H_LPS_CONSEC] = 0
            s[H_LPS_CONSEC_P] = 0
        s[H_LPS_ROUND] += 1
        for p in range(NP1):
            s[mask + p] = -1
        s[H_LPS_FIRST] = cur
    s[mask + cur] = 1 if has_real_action(geo, s, cur) else 0


@jit
def lps_victory(geo, s):
    """The player to move wins when they alone had real actions for the required rounds."""
    if s[H_STATUS] != ACTIVE or s[H_LPS_CONSEC] < s[H_LPS_REQ]:
        return
    cand = s[H_LPS_CONSEC_P]
    if cand == 0 or s[H_CUR] != cand:
        return
    if not has_real_action(geo, s, cand):
        return
    for p in range(1, s[H_P] + 1):
        if p != cand and rings_in_play(s, p) > 0 and has_real_action(geo, s, p):
            return
    declare_winner(s, cand)


# --- after the game: RingRift's outcome, scores and ranks ----------------------------------

@jit
def ladder_type(s):
    """RingRift's post-hoc victory ladder (VT_*): credited eliminations of the winner, then its
    collapsed spaces, then the last completed LPS round; a board without stacks is a stalemate
    even when the tie-breaks named a winner; anything else counts as ring elimination."""
    w = s[H_WINNER]
    if w == 0:
        return VT_DRAW
    if board_eliminated(s, w) >= s[H_VICTORY]:
        return VT_RING_ELIMINATION
    n = s[H_N]
    terr = 0
    stacks = 0
    for c in range(n):
        if collapsed(s, c) == w:
            terr += 1
        if height(s, c) > 0:
            stacks += 1
    if terr >= s[H_TERR_VICTORY]:
        return VT_TERRITORY
    if s[H_LPS_EXCL_DONE] == w:
        return VT_LAST_PLAYER_STANDING
    if stacks == 0:
        return VT_STALEMATE
    return VT_RING_ELIMINATION


@jit
def victory_type(s):
    """VT_* of a state: unfinished, capped, or ``ladder_type``."""
    if s[H_STATUS] == ACTIVE:
        return VT_UNFINISHED
    if s[H_HIT_CAP] != 0:
        return VT_MOVE_CAP
    return ladder_type(s)


@jit
def final_scores(s, agent, out):
    """RingRift's finalScore: out[agent[p]-1] = [credited eliminations (board-level),
    territory spaces, rings still in play (hand + board)] of each player p."""
    n = s[H_N]
    P = s[H_P]
    for p in range(1, P + 1):
        on_board = 0
        for c in range(n):
            on_board += ring_count(s, c, p)
        i = agent[p] - 1
        out[i, 0] = board_eliminated(s, p)
        out[i, 1] = territory(s, p)
        out[i, 2] = hand(s, p) + on_board


@jit
def final_ranks(s, agent, out):
    """out[agent[p]-1] = rank of p: the winner 1, the others by (territory, credited
    eliminations, markers), equal keys sharing a rank; a draw: all 1."""
    n = s[H_N]
    P = s[H_P]
    w = s[H_WINNER]
    if w == 0:
        for i in range(P):
            out[i] = 1
        return
    key = np.zeros((NP1, 3), np.int64)
    for p in range(1, P + 1):
        key[p, 0] = territory(s, p)
        key[p, 1] = board_eliminated(s, p)
    for c in range(n):
        mk = marker(s, c)
        if mk > 0:
            key[mk, 2] += 1
    for p in range(1, P + 1):
        if p == w:
            out[agent[p] - 1] = 1
            continue
        r = 2
        for q in range(1, P + 1):
            if q == w or q == p:
                continue
            better = False
            for j in range(3):
                if key[q, j] != key[p, j]:
                    better = key[q, j] > key[p, j]
                    break
            if better:
                r += 1
        out[agent[p] - 1] = r
