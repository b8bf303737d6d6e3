"""The 21 components of RingRift's HeuristicAI evaluation, one function each (heuristic.py sums them).

Each component takes the evaluating player ``me``, the weights ``w`` and the
stack and marker cells of the position in cell order (``stk[:ns]``,
``mks[:nmk]``, built once per evaluation by heuristic.py) and returns its
weighted value, as RingRift's evaluators/*.py compute it. A few components are
computed together because they share a pass: opponent_threats with mobility,
the three victory-proximity terms, vulnerability with overtake_potential.
Helpers ending in a player's "base" value (``_prox``, ``_closure``, ...) are
evaluated for me and for every opponent, then combined the way RingRift does
for that component (the best opponent, usually).

Float expressions keep RingRift's operation order: every eval vector matches to
the bit, and the greedy player's exact-tie rule depends on it.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from kernels import geometry as G
from kernels import state as S
from kernels.heuristic_weights import HEURISTIC_WEIGHT_KEYS
from kernels.recovery import has_recovery_slide
from kernels.state import jit_borrow

# The components are inlined into evaluate_ordered (numba IR inlining): as calls, passing the
# state, weights and cell lists to 18 functions cost about 5 % of an evaluation.
component = njit(cache=True, nogil=True, inline="always")

# weight indices (HEURISTIC_WEIGHT_KEYS order)
W_STACK_CONTROL, W_STACK_HEIGHT, W_CAP_HEIGHT, W_TERRITORY, W_RINGS_IN_HAND = 0, 1, 2, 3, 4
W_CENTER_CONTROL, W_OPPONENT_THREAT, W_MOBILITY, W_ELIMINATED_RINGS = 5, 7, 8, 9
W_LINE_POTENTIAL, W_VICTORY_PROXIMITY, W_MARKER_COUNT, W_VULNERABILITY = 10, 11, 12, 13
W_OVERTAKE_POTENTIAL, W_TERRITORY_CLOSURE, W_LINE_CONNECTIVITY, W_TERRITORY_SAFETY = 14, 15, 16, 17
W_STACK_MOBILITY, W_OPPONENT_VICTORY_THREAT, W_FORCED_ELIMINATION_RISK = 18, 19, 20
W_LPS_ACTION_ADVANTAGE, W_MULTI_LEADER_THREAT = 21, 22
W_NO_STACKS_PENALTY, W_SINGLE_STACK_PENALTY, W_STACK_DIVERSITY_BONUS = 23, 24, 25
W_VICTORY_THRESHOLD_BONUS, W_RINGS_PROXIMITY_FACTOR, W_TERRITORY_PROXIMITY_FACTOR = 28, 29, 30
W_TWO_IN_ROW, W_THREE_IN_ROW, W_FOUR_IN_ROW = 31, 32, 33
W_CONNECTED_NEIGHBOR, W_GAP_POTENTIAL, W_BLOCKED_STACK_PENALTY = 34, 35, 36
W_RECOVERY_POTENTIAL, W_RECOVERY_ELIGIBILITY, W_BURIED_RING_VALUE = 45, 46, 47

assert HEURISTIC_WEIGHT_KEYS[W_BURIED_RING_VALUE] == "WEIGHT_BURIED_RING_VALUE"
assert HEURISTIC_WEIGHT_KEYS[W_STACK_MOBILITY] == "WEIGHT_STACK_MOBILITY"
assert HEURISTIC_WEIGHT_KEYS[W_GAP_POTENTIAL] == "WEIGHT_GAP_POTENTIAL"


# --- geometry helpers ---------------------------------------------------------

@jit_borrow
def n_adj(geo):
    """Directions used for adjacency and line offsets: none on hex8 (RingRift's lookup bug)."""
    if geo[G.G_BOARD] == G.HEX8:
        return 0
    return geo[G.G_ND]


@jit_borrow
def _in_center(geo, c):
    b = geo[G.G_BOARD]
    x = geo[geo[G.G_CX] + c]
    y = geo[geo[G.G_CY] + c]
    if b == G.SQUARE8:
        return 3 <= x <= 4 and 3 <= y <= 4
    if b == G.SQUARE19:
        return 8 <= x <= 10 and 8 <= y <= 10
    z = geo[geo[G.G_CZ] + c]
    r = max(abs(x), max(abs(y), abs(z)))
    if b == G.HEX8:
        return r <= 1
    return r <= 2


@jit_borrow
def _dist(geo, a, b):
    """RingRift's DIST: |dx|+|dy|(+|dz| on hex), i.e. 2x the hex distance on hex boards."""
    return (abs(geo[geo[G.G_CX] + a] - geo[geo[G.G_CX] + b])
            + abs(geo[geo[G.G_CY] + a] - geo[geo[G.G_CY] + b])
            + abs(geo[geo[G.G_CZ] + a] - geo[geo[G.G_CZ] + b]))


# --- per-player helpers ---------------------------------------------------------

@jit_borrow
def _prox(s, p, w):
    """Victory proximity base score of player p (shared by components 8, 9, 11)."""
    bonus = w[W_VICTORY_THRESHOLD_BONUS]
    if s[S.H_LPS_CONSEC_P] == p:
        req = s[S.H_LPS_REQ]
        if req <= 0:
            req = 3
        r = s[S.H_LPS_CONSEC]
        if r >= req:
            return bonus
        if r > 0:
            if req <= 1:
                return bonus
            frac = float(r) / float(req - 1)
            if frac < 0.0:
                frac = 0.0
            if frac > 1.0:
                frac = 1.0
            return bonus * (0.90 + 0.09 * frac)
    rn = s[S.H_VICTORY] - S.eliminated(s, p)
    tn = s[S.H_TERR_VICTORY] - S.territory(s, p)
    if rn <= 0 or tn <= 0:
        return bonus
    v = 0.0
    v += (1.0 / max(1, rn)) * w[W_RINGS_PROXIMITY_FACTOR]
    v += (1.0 / max(1, tn)) * w[W_TERRITORY_PROXIMITY_FACTOR]
    return v


@jit_borrow
def _open_targets(geo, s, c, p, nadj, cap_of):
    """#{adjacent a: not collapsed and (no stack, or a stack not p's with cap <= cap_of)}."""
    nd = geo[G.G_ND]
    ray = geo[G.G_RAY]
    v = 0
    for d in range(nadj):
        a = geo[ray + c * nd + d]
        if a < 0 or S.collapsed(s, a) != 0:
            continue
        if S.height(s, a) == 0:
            v += 1
        elif S.ctrl(s, a) != p and cap_of >= S.cap(s, a):
            v += 1
    return v


@jit_borrow
def _actions(geo, s, p, nadj, stk, ns):
    """Approximate number of real actions of p (FE risk and LPS advantage).

    stk[0:ns]: the cells holding stacks, in cell order (built once per evaluation)."""
    n = s[S.H_N]
    k = 0
    for i in range(ns):
        c = stk[i]
        if S.ctrl(s, c) == p:
            if _open_targets(geo, s, c, p, nadj, S.cap(s, c)) > 0:
                k += 1
    if S.hand(s, p) > 0:
        for c in range(n):
            if S.height(s, c) == 0 and S.collapsed(s, c) == 0:
                k += 1
                break
    return k


@jit_borrow
def _stack_mobility(geo, s, p, nadj, w, stk, ns):
    v = 0.0
    for i in range(ns):
        c = stk[i]
        if S.ctrl(s, c) == p:
            k = _open_targets(geo, s, c, p, nadj, S.cap(s, c))
            v += k
            if k == 0:
                v -= w[W_BLOCKED_STACK_PENALTY]
    return v


@jit_borrow
def _line_potential(geo, s, p, nadj, w, mks, nmk):
    nd = geo[G.G_ND]
    ray = geo[G.G_RAY]
    v = 0.0
    for i in range(nmk):
        m = mks[i]
        if S.marker(s, m) != p:
            continue
        for d in range(nadj):
            k1 = geo[ray + m * nd + d]
            if k1 < 0:
                continue
            if S.marker(s, k1) == p:
                v += w[W_TWO_IN_ROW]
                k2 = geo[ray + k1 * nd + d]
                if k2 < 0:
                    continue
                if S.marker(s, k2) == p:
                    v += w[W_THREE_IN_ROW]
                    k3 = geo[ray + k2 * nd + d]
                    if k3 < 0:
                        continue
                    if S.marker(s, k3) == p:
                        v += w[W_FOUR_IN_ROW]
    return v


@jit_borrow
def _line_connectivity(geo, s, p, nadj, w, mks, nmk):
    nd = geo[G.G_ND]
    ray = geo[G.G_RAY]
    v = 0.0
    for i in range(nmk):
        m = mks[i]
        if S.marker(s, m) != p:
            continue
        for d in range(nadj):
            k1 = geo[ray + m * nd + d]
            if k1 < 0:
                continue
            k2 = geo[ray + k1 * nd + d]
            h1 = S.marker(s, k1) == p
            h2 = k2 >= 0 and S.marker(s, k2) == p
            if h1:
                v += w[W_CONNECTED_NEIGHBOR]
            if h2 and not h1 and S.collapsed(s, k1) == 0 and S.height(s, k1) == 0:
                v += w[W_GAP_POTENTIAL]
    return v


@jit_borrow
def _closure(geo, s, p, morder, nm, chk, mks, nmk):
    """territory_closure base of p over its first 10 markers in RingRift's dict order.

    The order is the cells morder[0:nm], or the state's marker stamps when nm < 0.
    chk: int64 scratch of 20.
    """
    nc = 0
    total_markers = 0
    if nm >= 0:
        for i in range(nm):
            c = morder[i]
            if S.marker(s, c) == p:
                if nc < 10:
                    chk[nc] = c
                    nc += 1
                total_markers += 1
    else:
        # the 10 smallest stamps, kept sorted in chk[10:20] (cells in chk[0:10])
        mk = s[S.O_MARK]
        om = s[S.O_MORD]
        for i in range(nmk):
            c = mks[i]
            if s[mk + c] != p:
                continue
            total_markers += 1
            st = s[om + c]
            if nc == 10 and st >= chk[19]:
                continue
            j = nc if nc < 10 else 9
            while j > 0 and chk[9 + j] > st:
                chk[j] = chk[j - 1]
                chk[10 + j] = chk[9 + j]
                j -= 1
            chk[j] = c
            chk[10 + j] = st
            if nc < 10:
                nc += 1
    if total_markers == 0:
        return 0.0
    tot = 0.0
    cnt = 0
    for i in range(nc):
        for j in range(i + 1, nc):
            tot += _dist(geo, chk[i], chk[j])
            cnt += 1
    if cnt == 0:
        return 0.0
    return 10.0 / max(1.0, tot / cnt) + total_markers * 0.5


@jit_borrow
def _safety(geo, s, p, stk, ns, mks, nmk):
    has_m = False
    for i in range(nmk):
        if S.marker(s, mks[i]) == p:
            has_m = True
            break
    ne = 0
    for i in range(ns):
        if S.ctrl(s, stk[i]) != p:
            ne += 1
    if not has_m or ne == 0:
        return 0.0
    v = 0.0
    for j in range(nmk):
        m = mks[j]
        if S.marker(s, m) != p:
            continue
        best = 1 << 30
        for i in range(ns):
            e = stk[i]
            if S.ctrl(s, e) == p:
                continue
            d = _dist(geo, m, e)
            if d < best:
                best = d
        if best <= 2:
            v -= (3.0 - best)
    return v


@jit_borrow
def _fe_risk(geo, s, p, nadj, stk, ns):
    mine = 0
    for i in range(ns):
        if S.ctrl(s, stk[i]) == p:
            mine += 1
    if mine == 0:
        return 0.0
    r = _actions(geo, s, p, nadj, stk, ns) / max(1, mine)
    if r >= 2.0:
        return 0.0
    if r >= 1.0:
        return 2.0 - r
    return 1.0 + (1.0 - r)


@jit_borrow
def _recovery(geo, s, p, w, stk, ns, mks, nmk):
    buried = 0
    controls = False
    for i in range(ns):
        c = stk[i]
        if S.ctrl(s, c) == p:
            controls = True
            continue
        # rings of p in this stack, excluding the top ring (top is not p's: ctrl != p)
        buried += S.ring_count(s, c, p)
    has_m = False
    for i in range(nmk):
        if S.marker(s, mks[i]) == p:
            has_m = True
            break
    if (not controls) and has_m and buried >= 1:
        v = w[W_RECOVERY_ELIGIBILITY]
        if has_recovery_slide(geo, s, p):
            v += w[W_RECOVERY_POTENTIAL]
        return v
    return (buried * w[W_BURIED_RING_VALUE]) * 0.3


@jit_borrow
def _los_sum(geo, s, me, c, sign):
    """Sum over the first stack on each ray from c (LoS) not controlled by me of
    (their cap - my cap) where positive (sign=+1: vulnerability) or
    (my cap - their cap) where positive (sign=-1: overtake)."""
    nd = geo[G.G_ND]
    ray = geo[G.G_RAY]
    mc = S.cap(s, c)
    v = 0.0
    for d in range(nd):
        a = geo[ray + c * nd + d]
        while a >= 0 and S.height(s, a) == 0:
            a = geo[ray + a * nd + d]
        if a < 0 or S.ctrl(s, a) == me:
            continue
        diff = (S.cap(s, a) - mc) * sign
        if diff > 0:
            v += diff * 1.0
    return v


@jit_borrow
def _div(n, w):
    if n == 0:
        return -w[W_NO_STACKS_PENALTY]
    if n == 1:
        return -w[W_SINGLE_STACK_PENALTY]
    return n * w[W_STACK_DIVERSITY_BONUS]


@jit_borrow
def _eff(h):
    if h <= 5:
        return float(h)
    return 5 + (h - 5) * 0.1


# --- the components ----------------------------------------------------------------
# 0 stack_control


@component
def stack_control(s, me, w, stk, ns):
    no = max(1, s[S.H_P] - 1)
    my_n = 0
    op_n = 0
    my_h = 0.0
    op_h = 0.0
    my_c = 0
    op_c = 0
    for i in range(ns):
        c = stk[i]
        h = S.height(s, c)
        if S.ctrl(s, c) == me:
            my_n += 1
            my_h += _eff(h)
            my_c += S.cap(s, c)
        else:
            op_n += 1
            op_h += _eff(h)
            op_c += S.cap(s, c)
    a = (my_n - op_n / no) * w[W_STACK_CONTROL]
    b = (my_h - op_h / no) * w[W_STACK_HEIGHT]
    cc = (my_c - op_c / no) * w[W_CAP_HEIGHT]
    return a + b + cc + (_div(my_n, w) - _div(op_n / no, w))


# 1 territory, 2 rings_in_hand: against the best opponent

@component
def territory(s, me, w):
    mt = 0
    for p in range(1, s[S.H_P] + 1):
        if p != me:
            mt = max(mt, S.territory(s, p))
    return (S.territory(s, me) - mt) * w[W_TERRITORY]


@component
def rings_in_hand(s, me, w):
    mh = 0
    for p in range(1, s[S.H_P] + 1):
        if p != me:
            mh = max(mh, S.hand(s, p))
    return (S.hand(s, me) - mh) * w[W_RINGS_IN_HAND]


# 3 center_control

@component
def center_control(geo, s, me, w, stk, ns):
    cm = 0
    co = 0
    for i in range(ns):
        c = stk[i]
        if _in_center(geo, c):
            if S.ctrl(s, c) == me:
                cm += 1
            else:
                co += 1
    return (cm - co) * w[W_CENTER_CONTROL]


# 4 opponent_threats and 5 mobility: one pass over the neighbours of every stack

@component
def opponent_threats_and_mobility(geo, s, me, w, nadj, stk, ns):
    nd = geo[G.G_ND]
    ray = geo[G.G_RAY]
    thr = 0.0
    mob_my = 0
    mob_op = 0
    for i in range(ns):
        c = stk[i]
        mine = S.ctrl(s, c) == me
        sc = S.cap(s, c)
        for d in range(nadj):
            t = geo[ray + c * nd + d]
            if t < 0:
                continue
            th = S.height(s, t)
            tmine = S.ctrl(s, t) == me
            if mine and th > 0 and not tmine:
                thr -= ((S.cap(s, t) - sc) * w[W_OPPONENT_THREAT]) * 0.5
            if S.collapsed(s, t) != 0:
                continue
            if mine:
                if th == 0 or (not tmine and sc >= S.cap(s, t)):
                    mob_my += 1
            else:
                if th == 0 or (tmine and sc >= S.cap(s, t)):
                    mob_op += 1
    return thr, (mob_my - mob_op) * w[W_MOBILITY]


# 6 eliminated_rings

@component
def eliminated_rings(s, me, w):
    return S.eliminated(s, me) * w[W_ELIMINATED_RINGS]


# 7 marker_count: against the opponent with the most markers

@component
def marker_count(s, me, w, mks, nmk):
    mcount = np.zeros(S.NP1, np.int64)
    for i in range(nmk):
        mcount[S.marker(s, mks[i])] += 1
    mo = 0
    for p in range(1, s[S.H_P] + 1):
        if p != me:
            mo = max(mo, mcount[p])
    return (mcount[me] - mo) * w[W_MARKER_COUNT]


# 8 victory_proximity, 9 opponent_victory_threat, 11 multi_leader_threat: all from _prox

@component
def victory_proximity_terms(s, me, w):
    """(victory_proximity, opponent_victory_threat, multi_leader_threat); the last is 0.0
    below three players."""
    P = s[S.H_P]
    pm = _prox(s, me, w)
    M = 0.0
    t1 = -np.inf
    t2 = -np.inf
    nopp = 0
    for p in range(1, P + 1):
        if p == me:
            continue
        v = _prox(s, p, w)
        if v > M:
            M = v
        nopp += 1
        if v > t1:
            t2 = t1
            t1 = v
        elif v > t2:
            t2 = v
    gap = M - pm
    multi = 0.0
    if P > 2 and nopp >= 2:
        g2 = t1 - t2
        multi = -(g2 if g2 > 0.0 else 0.0) * w[W_MULTI_LEADER_THREAT]
    return (pm - M) * w[W_VICTORY_PROXIMITY], -(gap if gap > 0.0 else 0.0) * w[W_OPPONENT_VICTORY_THREAT], multi


# 10 stack_mobility

@component
def stack_mobility(geo, s, me, w, nadj, stk, ns):
    sm_me = _stack_mobility(geo, s, me, nadj, w, stk, ns)
    first = True
    sm_o = 0.0
    for p in range(1, s[S.H_P] + 1):
        if p != me:
            v = _stack_mobility(geo, s, p, nadj, w, stk, ns)
            if first or v > sm_o:
                sm_o = v
                first = False
    return (sm_me - sm_o) * w[W_STACK_MOBILITY]


# --- tier 2 (full mode only) ----------------------------------------------------------
# 12 line_potential, 13 line_connectivity: against the best opponent

@component
def line_potential(geo, s, me, w, nadj, mks, nmk):
    best = 0.0
    first = True
    for p in range(1, s[S.H_P] + 1):
        if p != me:
            v = _line_potential(geo, s, p, nadj, w, mks, nmk)
            if first or v > best:
                best = v
                first = False
    return (_line_potential(geo, s, me, nadj, w, mks, nmk) - best) * w[W_LINE_POTENTIAL]


@component
def line_connectivity(geo, s, me, w, nadj, mks, nmk):
    best = 0.0
    first = True
    for p in range(1, s[S.H_P] + 1):
        if p != me:
            v = _line_connectivity(geo, s, p, nadj, w, mks, nmk)
            if first or v > best:
                best = v
                first = False
    return (_line_connectivity(geo, s, me, nadj, w, mks, nmk) - best) * w[W_LINE_CONNECTIVITY]


# 14 vulnerability, 15 overtake_potential: one line-of-sight pass over my stacks

@component
def vulnerability_and_overtake(geo, s, me, w, stk, ns):
    vul = 0.0
    ovt = 0.0
    for i in range(ns):
        c = stk[i]
        if S.ctrl(s, c) == me:
            vul += -_los_sum(geo, s, me, c, 1)
            ovt += _los_sum(geo, s, me, c, -1)
    return vul * w[W_VULNERABILITY], ovt * w[W_OVERTAKE_POTENTIAL]


# 16 territory_closure, 17 territory_safety, 18 forced_elimination_risk: against the best opponent

@component
def territory_closure(geo, s, me, w, morder, nm, mks, nmk):
    chk = np.empty(20, np.int64)
    best = 0.0
    first = True
    for p in range(1, s[S.H_P] + 1):
        if p != me:
            v = _closure(geo, s, p, morder, nm, chk, mks, nmk)
            if first or v > best:
                best = v
                first = False
    return (_closure(geo, s, me, morder, nm, chk, mks, nmk) - best) * w[W_TERRITORY_CLOSURE]


@component
def territory_safety(geo, s, me, w, stk, ns, mks, nmk):
    best = 0.0
    first = True
    for p in range(1, s[S.H_P] + 1):
        if p != me:
            v = _safety(geo, s, p, stk, ns, mks, nmk)
            if first or v > best:
                best = v
                first = False
    return (_safety(geo, s, me, stk, ns, mks, nmk) - best) * w[W_TERRITORY_SAFETY]


@component
def forced_elimination_risk(geo, s, me, w, nadj, stk, ns):
    best = 0.0
    first = True
    for p in range(1, s[S.H_P] + 1):
        if p != me:
            v = _fe_risk(geo, s, p, nadj, stk, ns)
            if first or v > best:
                best = v
                first = False
    return -(_fe_risk(geo, s, me, nadj, stk, ns) - best) * w[W_FORCED_ELIMINATION_RISK]


# 19 lps_action_advantage (three or more players)

@component
def lps_action_advantage(geo, s, me, w, nadj, stk, ns):
    P = s[S.H_P]
    if P <= 2:
        return 0.0
    if _actions(geo, s, me, nadj, stk, ns) == 0:
        adv = -1.0
    else:
        k = 0
        for p in range(1, P + 1):
            if p != me and _actions(geo, s, p, nadj, stk, ns) > 0:
                k += 1
        adv = (P - 1 - k) / float(P - 1)
    return adv * w[W_LPS_ACTION_ADVANTAGE]


# 20 recovery_potential: against the best opponent, unweighted (the weights are inside _recovery)

@component
def recovery_potential(geo, s, me, w, stk, ns, mks, nmk):
    best = 0.0
    first = True
    for p in range(1, s[S.H_P] + 1):
        if p != me:
            v = _recovery(geo, s, p, w, stk, ns, mks, nmk)
            if first or v > best:
                best = v
                first = False
    return _recovery(geo, s, me, w, stk, ns, mks, nmk) - best
