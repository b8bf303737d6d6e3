"""The 20 global features of a position, and RingRift's "threat opponent".

``global_features(geo, s, out)`` overwrites ``out`` (float32, 20):

=====  ====================================  ====================================
slot   square (legacy encoder)               hex (V3 encoder)
=====  ====================================  ====================================
0-4    phase one-hot: ring_placement, movement, capture, line_processing,
       territory_processing
       (chain_capture, forced_elimination:   (chain_capture sets 2,
       none set)                             forced_elimination sets 4)
5, 6   rings in hand of me, of the opponent, / rings per player
7, 8   eliminated rings of me, of the opponent, / rings per player
9      1
10     1 in chain_capture                    min(markers / 50, 1)
11     1 in forced_elimination               min(stacks / 30, 1)
12                                           my share of collapsed cells
13                                           my share of markers
14                                           my share of stacks (0 if none)
15                                           1 in chain_capture
16                                           1 in forced_elimination
rest   0                                     0
=====  ====================================  ====================================

"Me" is the player to move; "the opponent" is the other player with 2
players, and with 3-4 the threat opponent (``threat_opponent``).
"""
from __future__ import annotations

from ..geometry import G_HEX, G_N
from ..state import (CAPTURE, CHAIN_CAPTURE, FORCED_ELIMINATION, H_CUR, H_LPS_CONSEC, H_LPS_CONSEC_P, H_LPS_REQ,
                     H_P, H_PHASE, H_RPP, H_TERR_VICTORY, H_VICTORY, LINE_PROCESSING, MOVEMENT, O_COLL, O_CTRL,
                     O_ELIM, O_H, O_HAND, O_MARK, O_TERR, RING_PLACEMENT, TERRITORY_PROCESSING, jit)


@jit
def victory_progress(s, p):
    """How close player p is to winning (RingRift's victory_progress_for_player), in [0, 1].

    The largest of: eliminated rings / victory threshold, territory / territory
    threshold (both clamped to [0, 1]), and for the holder of an exclusive
    last-player-standing streak 0.90-0.99 (1 once the streak is complete).
    """
    vt = s[H_VICTORY]
    tt = s[H_TERR_VICTORY]
    elim = max(0.0, min(1.0, s[s[O_ELIM] + p] / float(max(vt, 1))))
    terr = max(0.0, min(1.0, s[s[O_TERR] + p] / float(max(tt, 1))))
    best = max(elim, terr)
    rounds = s[H_LPS_CONSEC]
    if s[H_LPS_CONSEC_P] == p and rounds > 0:
        req = s[H_LPS_REQ]
        if req <= 0:
            req = 3
        if rounds >= req or req == 1:
            lps = 1.0
        else:
            lps = 0.90 + 0.09 * min(1.0, max(0.0, rounds / float(req - 1)))
        best = max(best, lps)
    return best


@jit
def threat_opponent(s, me):
    """The opponent with the highest victory progress; the first in seat order on ties."""
    best_p = 0
    best = -1.0
    for p in range(1, s[H_P] + 1):
        if p == me:
            continue
        v = victory_progress(s, p)
        if v > best:
            best = v
            best_p = p
    return best_p


@jit
def opponent_for_globals(s, me):
    if s[H_P] <= 2:
        return 2 if me == 1 else 1
    return threat_opponent(s, me)


@jit
def global_features(geo, s, out):
    out[:] = 0.0
    hexb = geo[G_HEX] != 0
    ph = s[H_PHASE]
    me = s[H_CUR]
    if ph == RING_PLACEMENT:
        out[0] = 1.0
    elif ph == MOVEMENT:
        out[1] = 1.0
    elif ph == CAPTURE or (hexb and ph == CHAIN_CAPTURE):
        out[2] = 1.0
    elif ph == LINE_PROCESSING:
        out[3] = 1.0
    elif ph == TERRITORY_PROCESSING or (hexb and ph == FORCED_ELIMINATION):
        out[4] = 1.0
    opp = opponent_for_globals(s, me)
    rpp = float(s[H_RPP])
    out[5] = s[s[O_HAND] + me] / rpp
    out[7] = s[s[O_ELIM] + me] / rpp
    out[6] = s[s[O_HAND] + opp] / rpp
    out[8] = s[s[O_ELIM] + opp] / rpp
    out[9] = 1.0
    if not hexb:
        out[10] = 1.0 if ph == CHAIN_CAPTURE else 0.0
        out[11] = 1.0 if ph == FORCED_ELIMINATION else 0.0
        return
    n = geo[G_N]
    markers = mine_m = stacks = mine_s = coll = mine_c = 0
    for c in range(n):
        m = s[s[O_MARK] + c]
        if m != 0:
            markers += 1
            if m == me:
                mine_m += 1
        if s[s[O_H] + c] > 0:
            stacks += 1
            if s[s[O_CTRL] + c] == me:
                mine_s += 1
        o = s[s[O_COLL] + c]
        if o != 0:
            coll += 1
            if o == me:
                mine_c += 1
    out[10] = min(markers / 50.0, 1.0)
    out[11] = min(stacks / 30.0, 1.0)
    if coll > 0:
        out[12] = mine_c / coll
    if markers > 0:
        out[13] = mine_m / markers
    if stacks > 0:
        out[14] = mine_s / stacks
    out[15] = 1.0 if ph == CHAIN_CAPTURE else 0.0
    out[16] = 1.0 if ph == FORCED_ELIMINATION else 0.0
