"""RingRift's HeuristicAI evaluator (app/ai/heuristic_ai.py + evaluators/*.py) over kernel states.

``evaluate(geo, s, player, weights, mode, out)`` writes the 21 components of
RingRift's ``get_evaluation_breakdown`` into ``out[0:21]`` (order = ``COMPONENTS``)
and returns their total (a left fold in that order, as RingRift's ``sum``).
``score(geo, s, player, weights, mode)`` is RingRift's ``evaluate_position``: the
same total, except +/-100000 (or 0 for a draw) when the game is over.

``weights`` is a float64 array of 59 values in ``HEURISTIC_WEIGHT_KEYS`` order
(kernels/heuristic_weights.py); ``mode`` is FULL (0) or LIGHT (1). In light mode
the nine tier-2 components (indices 12..20) are 0.0.

RingRift's oddities are reproduced on purpose (see docs/heuristic.md): no
adjacency and no line offsets on hex8, pooled/averaged/maxed opponent
aggregation that differs per component, float-equality penalties in the stack
diversity term, -0.0 in opponent_victory_threat, etc.

Marker order: territory_closure looks at the first 10 markers of a player in
RingRift's ``board.markers`` insertion order. The kernel state carries that
order (``state.O_MORD`` stamps, kept by the rules kernels and by
``state_from_json`` as RingRift's engine keeps its dict), and ``evaluate`` uses
it; ``evaluate_ordered`` takes an explicit order instead (cells, e.g. from a
GameState JSON, see ``marker_order``). Order matters only for a player with
>= 11 markers.
"""
from __future__ import annotations

import numpy as np

from kernels import geometry as G
from kernels import state as S
from kernels.heuristic_weights import (  # noqa: F401  (re-exported)
    BASE_V1_BALANCED_WEIGHTS, HEURISTIC_WEIGHT_KEYS, weights_array, weights_dict,
)
from kernels.recovery import recovery_eligible, recovery_scan_restamp
from kernels.state import jit

FULL, LIGHT = 0, 1

COMPONENTS = (
    "stack_control", "territory", "rings_in_hand", "center_control", "opponent_threats",
    "mobility", "eliminated_rings", "marker_count", "victory_proximity",
    "opponent_victory_threat", "stack_mobility", "multi_leader_threat", "line_potential",
    "line_connectivity", "vulnerability", "overtake_potential", "territory_closure",
    "territory_safety", "forced_elimination_risk", "lps_action_advantage", "recovery_potential",
)
N_COMPONENTS = 21
TIER2_FIRST = 12  # components 12..20 are skipped (0.0) in light mode

TERMINAL_SCORE = 100000.0

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

@jit
def _n_adj(geo):
    """Directions used for adjacency and line offsets: none on hex8 (RingRift's lookup bug)."""
    if geo[G.G_BOARD] == G.HEX8:
        return 0
    return geo[G.G_ND]


@jit
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


@jit
def _dist(geo, a, b):
    """RingRift's DIST: |dx|+|dy|(+|dz| on hex), i.e. 2x the hex distance on hex boards."""
    return (abs(geo[geo[G.G_CX] + a] - geo[geo[G.G_CX] + b])
            + abs(geo[geo[G.G_CY] + a] - geo[geo[G.G_CY] + b])
            + abs(geo[geo[G.G_CZ] + a] - geo[geo[G.G_CZ] + b]))


# --- per-player helpers ---------------------------------------------------------

@jit
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
    rn = s[S.H_VICTORY] - s[s[S.O_ELIM] + p]
    tn = s[S.H_TERR_VICTORY] - s[s[S.O_TERR] + p]
    if rn <= 0 or tn <= 0:
        return bonus
    v = 0.0
    v += (1.0 / max(1, rn)) * w[W_RINGS_PROXIMITY_FACTOR]
    v += (1.0 / max(1, tn)) * w[W_TERRITORY_PROXIMITY_FACTOR]
    return v


@jit
def _open_targets(geo, s, c, p, nadj, cap_of):
    """#{adjacent a: not collapsed and (no stack, or a stack not p's with cap <= cap_of)}."""
    nd = geo[G.G_ND]
    ray = geo[G.G_RAY]
    v = 0
    for d in range(nadj):
        a = geo[ray + c * nd + d]
        if a < 0 or s[s[S.O_COLL] + a] != 0:
            continue
        if s[s[S.O_H] + a] == 0:
            v += 1
        elif s[s[S.O_CTRL] + a] != p and cap_of >= s[s[S.O_CAP] + a]:
            v += 1
    return v


@jit
def _actions(geo, s, p, nadj, stk, ns):
    """Approximate number of real actions of p (FE risk and LPS advantage).

    stk[0:ns]: the cells holding stacks, in cell order (built once per evaluation)."""
    n = s[S.H_N]
    k = 0
    for i in range(ns):
        c = stk[i]
        if s[s[S.O_CTRL] + c] == p:
            if _open_targets(geo, s, c, p, nadj, s[s[S.O_CAP] + c]) > 0:
                k += 1
    if s[s[S.O_HAND] + p] > 0:
        for c in range(n):
            if s[s[S.O_H] + c] == 0 and s[s[S.O_COLL] + c] == 0:
                k += 1
                break
    return k


@jit
def _stack_mobility(geo, s, p, nadj, w, stk, ns):
    v = 0.0
    for i in range(ns):
        c = stk[i]
        if s[s[S.O_CTRL] + c] == p:
            k = _open_targets(geo, s, c, p, nadj, s[s[S.O_CAP] + c])
            v += k
            if k == 0:
                v -= w[W_BLOCKED_STACK_PENALTY]
    return v


@jit
def _own_marker(s, c, p):
    return c >= 0 and s[s[S.O_MARK] + c] == p


@jit
def _line_potential(geo, s, p, nadj, w, mks, nmk):
    nd = geo[G.G_ND]
    ray = geo[G.G_RAY]
    v = 0.0
    for i in range(nmk):
        m = mks[i]
        if s[s[S.O_MARK] + m] != p:
            continue
        for d in range(nadj):
            k1 = geo[ray + m * nd + d]
            if k1 < 0:
                continue
            if s[s[S.O_MARK] + k1] == p:
                v += w[W_TWO_IN_ROW]
                k2 = geo[ray + k1 * nd + d]
                if k2 < 0:
                    continue
                if s[s[S.O_MARK] + k2] == p:
                    v += w[W_THREE_IN_ROW]
                    k3 = geo[ray + k2 * nd + d]
                    if k3 < 0:
                        continue
                    if s[s[S.O_MARK] + k3] == p:
                        v += w[W_FOUR_IN_ROW]
    return v


@jit
def _line_connectivity(geo, s, p, nadj, w, mks, nmk):
    nd = geo[G.G_ND]
    ray = geo[G.G_RAY]
    v = 0.0
    for i in range(nmk):
        m = mks[i]
        if s[s[S.O_MARK] + m] != p:
            continue
        for d in range(nadj):
            k1 = geo[ray + m * nd + d]
            if k1 < 0:
                continue
            k2 = geo[ray + k1 * nd + d]
            h1 = s[s[S.O_MARK] + k1] == p
            h2 = k2 >= 0 and s[s[S.O_MARK] + k2] == p
            if h1:
                v += w[W_CONNECTED_NEIGHBOR]
            if h2 and not h1 and s[s[S.O_COLL] + k1] == 0 and s[s[S.O_H] + k1] == 0:
                v += w[W_GAP_POTENTIAL]
    return v


@jit
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
            if s[s[S.O_MARK] + c] == p:
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


@jit
def _safety(geo, s, p, stk, ns, mks, nmk):
    has_m = False
    for i in range(nmk):
        if s[s[S.O_MARK] + mks[i]] == p:
            has_m = True
            break
    ne = 0
    for i in range(ns):
        if s[s[S.O_CTRL] + stk[i]] != p:
            ne += 1
    if not has_m or ne == 0:
        return 0.0
    v = 0.0
    for j in range(nmk):
        m = mks[j]
        if s[s[S.O_MARK] + m] != p:
            continue
        best = 1 << 30
        for i in range(ns):
            e = stk[i]
            if s[s[S.O_CTRL] + e] == p:
                continue
            d = _dist(geo, m, e)
            if d < best:
                best = d
        if best <= 2:
            v -= (3.0 - best)
    return v


@jit
def _fe_risk(geo, s, p, nadj, stk, ns):
    mine = 0
    for i in range(ns):
        if s[s[S.O_CTRL] + stk[i]] == p:
            mine += 1
    if mine == 0:
        return 0.0
    r = _actions(geo, s, p, nadj, stk, ns) / max(1, mine)
    if r >= 2.0:
        return 0.0
    if r >= 1.0:
        return 2.0 - r
    return 1.0 + (1.0 - r)


@jit
def _has_recovery(geo, s, p):
    """RingRift's has_any_recovery_move for an eligible p: some marker of p has an on-board,
    uncollapsed, marker-free neighbour (stack-strike on, so stacks count too)."""
    n = s[S.H_N]
    nd = geo[G.G_ND]
    ray = geo[G.G_RAY]
    for m in range(n):
        if s[s[S.O_MARK] + m] != p:
            continue
        for d in range(nd):
            a = geo[ray + m * nd + d]
            if a < 0 or s[s[S.O_COLL] + a] != 0 or s[s[S.O_MARK] + a] != 0:
                continue
            return True
    return False


@jit
def _recovery(geo, s, p, w, stk, ns, mks, nmk):
    buried = 0
    controls = False
    for i in range(ns):
        c = stk[i]
        if s[s[S.O_CTRL] + c] == p:
            controls = True
            continue
        # rings of p in this stack, excluding the top ring (top is not p's: ctrl != p)
        buried += s[s[S.O_CNT] + c * S.NP1 + p]
    has_m = False
    for i in range(nmk):
        if s[s[S.O_MARK] + mks[i]] == p:
            has_m = True
            break
    if (not controls) and has_m and buried >= 1:
        v = w[W_RECOVERY_ELIGIBILITY]
        if _has_recovery(geo, s, p):
            v += w[W_RECOVERY_POTENTIAL]
        return v
    return (buried * w[W_BURIED_RING_VALUE]) * 0.3


@jit
def _los_sum(geo, s, me, c, sign):
    """Sum over the first stack on each ray from c (LoS) not controlled by me of
    (their cap - my cap) where positive (sign=+1: vulnerability) or
    (my cap - their cap) where positive (sign=-1: overtake)."""
    nd = geo[G.G_ND]
    ray = geo[G.G_RAY]
    mc = s[s[S.O_CAP] + c]
    v = 0.0
    for d in range(nd):
        a = geo[ray + c * nd + d]
        while a >= 0 and s[s[S.O_H] + a] == 0:
            a = geo[ray + a * nd + d]
        if a < 0 or s[s[S.O_CTRL] + a] == me:
            continue
        diff = (s[s[S.O_CAP] + a] - mc) * sign
        if diff > 0:
            v += diff * 1.0
    return v


@jit
def _div(n, w):
    if n == 0:
        return -w[W_NO_STACKS_PENALTY]
    if n == 1:
        return -w[W_SINGLE_STACK_PENALTY]
    return n * w[W_STACK_DIVERSITY_BONUS]


@jit
def _eff(h):
    if h <= 5:
        return float(h)
    return 5 + (h - 5) * 0.1


# --- the evaluator ------------------------------------------------------------------

@jit
def evaluate_ordered(geo, s, me, w, mode, out, morder, nm):
    """As ``evaluate``, with RingRift's marker insertion order given as cells morder[0:nm]
    (nm < 0: the state's own marker order, as ``evaluate``)."""
    n = s[S.H_N]
    P = s[S.H_P]
    nadj = _n_adj(geo)
    nd = geo[G.G_ND]
    ray = geo[G.G_RAY]
    no = max(1, P - 1)
    for i in range(N_COMPONENTS):
        out[i] = 0.0
    # the stacks and the markers, in cell order: every loop below walks these lists, and
    # in the same order as a walk over all cells would (float sums stay bit-identical)
    stk = np.empty(n, np.int64)
    mks = np.empty(n, np.int64)
    ns = 0
    nmk = 0
    oh = s[S.O_H]
    omk = s[S.O_MARK]
    for c in range(n):
        if s[oh + c] > 0:
            stk[ns] = c
            ns += 1
        elif s[omk + c] > 0:
            mks[nmk] = c
            nmk += 1

    # 0 stack_control
    my_n = 0
    op_n = 0
    my_h = 0.0
    op_h = 0.0
    my_c = 0
    op_c = 0
    for i in range(ns):
        c = stk[i]
        h = s[oh + c]
        if s[s[S.O_CTRL] + c] == me:
            my_n += 1
            my_h += _eff(h)
            my_c += s[s[S.O_CAP] + c]
        else:
            op_n += 1
            op_h += _eff(h)
            op_c += s[s[S.O_CAP] + c]
    a = (my_n - op_n / no) * w[W_STACK_CONTROL]
    b = (my_h - op_h / no) * w[W_STACK_HEIGHT]
    cc = (my_c - op_c / no) * w[W_CAP_HEIGHT]
    out[0] = a + b + cc + (_div(my_n, w) - _div(op_n / no, w))

    # 1 territory, 2 rings_in_hand, 6 eliminated_rings, 7 marker_count
    mt = 0
    mh = 0
    for p in range(1, P + 1):
        if p != me:
            mt = max(mt, s[s[S.O_TERR] + p])
            mh = max(mh, s[s[S.O_HAND] + p])
    out[1] = (s[s[S.O_TERR] + me] - mt) * w[W_TERRITORY]
    out[2] = (s[s[S.O_HAND] + me] - mh) * w[W_RINGS_IN_HAND]
    out[6] = s[s[S.O_ELIM] + me] * w[W_ELIMINATED_RINGS]
    mcount = np.zeros(S.NP1, np.int64)
    for i in range(nmk):
        mcount[s[omk + mks[i]]] += 1
    mo = 0
    for p in range(1, P + 1):
        if p != me:
            mo = max(mo, mcount[p])
    out[7] = (mcount[me] - mo) * w[W_MARKER_COUNT]

    # 3 center_control
    cm = 0
    co = 0
    for i in range(ns):
        c = stk[i]
        if _in_center(geo, c):
            if s[s[S.O_CTRL] + c] == me:
                cm += 1
            else:
                co += 1
    out[3] = (cm - co) * w[W_CENTER_CONTROL]

    # 4 opponent_threats, 5 mobility
    thr = 0.0
    mob_my = 0
    mob_op = 0
    for i in range(ns):
        c = stk[i]
        mine = s[s[S.O_CTRL] + c] == me
        sc = s[s[S.O_CAP] + c]
        for d in range(nadj):
            t = geo[ray + c * nd + d]
            if t < 0:
                continue
            th = s[s[S.O_H] + t]
            tmine = s[s[S.O_CTRL] + t] == me
            if mine and th > 0 and not tmine:
                thr -= ((s[s[S.O_CAP] + t] - sc) * w[W_OPPONENT_THREAT]) * 0.5
            if s[s[S.O_COLL] + t] != 0:
                continue
            if mine:
                if th == 0 or (not tmine and sc >= s[s[S.O_CAP] + t]):
                    mob_my += 1
            else:
                if th == 0 or (tmine and sc >= s[s[S.O_CAP] + t]):
                    mob_op += 1
    out[4] = thr
    out[5] = (mob_my - mob_op) * w[W_MOBILITY]

    # 8 victory_proximity, 9 opponent_victory_threat, 11 multi_leader_threat
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
    out[8] = (pm - M) * w[W_VICTORY_PROXIMITY]
    gap = M - pm
    out[9] = -(gap if gap > 0.0 else 0.0) * w[W_OPPONENT_VICTORY_THREAT]
    if P > 2 and nopp >= 2:
        g2 = t1 - t2
        out[11] = -(g2 if g2 > 0.0 else 0.0) * w[W_MULTI_LEADER_THREAT]

    # 10 stack_mobility
    sm_me = _stack_mobility(geo, s, me, nadj, w, stk, ns)
    first = True
    sm_o = 0.0
    for p in range(1, P + 1):
        if p != me:
            v = _stack_mobility(geo, s, p, nadj, w, stk, ns)
            if first or v > sm_o:
                sm_o = v
                first = False
    out[10] = (sm_me - sm_o) * w[W_STACK_MOBILITY]

    if mode == LIGHT:
        return _total(out)

    # 12 line_potential, 13 line_connectivity
    lp_o = 0.0
    lc_o = 0.0
    first = True
    for p in range(1, P + 1):
        if p != me:
            v1 = _line_potential(geo, s, p, nadj, w, mks, nmk)
            v2 = _line_connectivity(geo, s, p, nadj, w, mks, nmk)
            if first:
                lp_o = v1
                lc_o = v2
                first = False
            else:
                if v1 > lp_o:
                    lp_o = v1
                if v2 > lc_o:
                    lc_o = v2
    out[12] = (_line_potential(geo, s, me, nadj, w, mks, nmk) - lp_o) * w[W_LINE_POTENTIAL]
    out[13] = (_line_connectivity(geo, s, me, nadj, w, mks, nmk) - lc_o) * w[W_LINE_CONNECTIVITY]

    # 14 vulnerability, 15 overtake_potential
    vul = 0.0
    ovt = 0.0
    for i in range(ns):
        c = stk[i]
        if s[s[S.O_CTRL] + c] == me:
            vul += -_los_sum(geo, s, me, c, 1)
            ovt += _los_sum(geo, s, me, c, -1)
    out[14] = vul * w[W_VULNERABILITY]
    out[15] = ovt * w[W_OVERTAKE_POTENTIAL]

    # 16 territory_closure, 17 territory_safety, 18 forced_elimination_risk, 20 recovery
    cl_o = 0.0
    sf_o = 0.0
    fe_o = 0.0
    rc_o = 0.0
    chk = np.empty(20, np.int64)
    first = True
    for p in range(1, P + 1):
        if p == me:
            continue
        v1 = _closure(geo, s, p, morder, nm, chk, mks, nmk)
        v2 = _safety(geo, s, p, stk, ns, mks, nmk)
        v3 = _fe_risk(geo, s, p, nadj, stk, ns)
        v4 = _recovery(geo, s, p, w, stk, ns, mks, nmk)
        if first:
            cl_o, sf_o, fe_o, rc_o = v1, v2, v3, v4
            first = False
        else:
            if v1 > cl_o:
                cl_o = v1
            if v2 > sf_o:
                sf_o = v2
            if v3 > fe_o:
                fe_o = v3
            if v4 > rc_o:
                rc_o = v4
    out[16] = (_closure(geo, s, me, morder, nm, chk, mks, nmk) - cl_o) * w[W_TERRITORY_CLOSURE]
    out[17] = (_safety(geo, s, me, stk, ns, mks, nmk) - sf_o) * w[W_TERRITORY_SAFETY]
    out[18] = -(_fe_risk(geo, s, me, nadj, stk, ns) - fe_o) * w[W_FORCED_ELIMINATION_RISK]

    # 19 lps_action_advantage
    if P > 2:
        if _actions(geo, s, me, nadj, stk, ns) == 0:
            adv = -1.0
        else:
            k = 0
            for p in range(1, P + 1):
                if p != me and _actions(geo, s, p, nadj, stk, ns) > 0:
                    k += 1
            adv = (P - 1 - k) / float(P - 1)
        out[19] = adv * w[W_LPS_ACTION_ADVANTAGE]

    out[20] = _recovery(geo, s, me, w, stk, ns, mks, nmk) - rc_o
    return _total(out)


@jit
def _total(out):
    t = 0.0
    for i in range(N_COMPONENTS):
        t += out[i]
    return t


_NO_ORDER = np.zeros(1, np.int64)


@jit
def evaluate(geo, s, me, w, mode, out):
    """RingRift's get_evaluation_breakdown for player ``me``: components -> out[0:21], returns total.

    territory_closure takes markers in the state's own (RingRift dict) order (module docstring).
    """
    return evaluate_ordered(geo, s, me, w, mode, out, _NO_ORDER, -1)


@jit
def score(geo, s, me, w, mode):
    """RingRift's evaluate_position: +/-100000 (0 for no winner) when the game is over, else the total."""
    if s[S.H_STATUS] == S.COMPLETED:
        win = s[S.H_WINNER]
        if win == me:
            return TERMINAL_SCORE
        if win != 0:
            return -TERMINAL_SCORE
        return 0.0
    out = np.empty(N_COMPONENTS, np.float64)
    return evaluate(geo, s, me, w, mode, out)


@jit
def evaluation_side_effect(geo, s, me, mode):
    """What RingRift's evaluation does to the state it evaluates: nothing but marker order.

    In full mode, recovery_potential calls ``has_any_recovery_move`` for me, then for
    each opponent in seat order, whenever that player is recovery-eligible; it moves
    markers in ``board.markers`` (see movegen.recovery_scan_restamp, stop_at_line).
    This runs after territory_closure has read the order, so it never changes the
    evaluation itself, only later readers of the same state object. RingRift's greedy
    player evaluates throw-away copies, so live games never see it; its eval-vector
    generator evaluated the positions of a game in place (docs/heuristic.md).
    """
    if mode != FULL:
        return
    P = s[S.H_P]
    for i in range(P):
        q = me if i == 0 else (i if i < me else i + 1)
        if recovery_eligible(s, q):
            recovery_scan_restamp(geo, s, q, True)


def marker_order(board, state_json: dict) -> np.ndarray:
    """Cells of ``board.markers`` in the JSON's (= RingRift's dict) order, for evaluate_ordered."""
    keys = (state_json.get("board") or {}).get("markers") or {}
    return np.array([board.cell_from_key(k) for k in keys], np.int64)


def breakdown(geo, s, player: int, weights=None, mode: int = FULL, morder=None) -> dict:
    """Python convenience: {"total", 21 components} like RingRift's get_evaluation_breakdown."""
    w = weights if isinstance(weights, np.ndarray) else weights_array(weights)
    out = np.zeros(N_COMPONENTS, np.float64)
    if morder is None:
        tot = evaluate(geo, s, player, w, mode, out)
    else:
        mo = np.asarray(morder, np.int64)
        tot = evaluate_ordered(geo, s, player, w, mode, out, mo, len(mo))
    d = {"total": float(tot)}
    d.update({k: float(v) for k, v in zip(COMPONENTS, out)})
    return d
