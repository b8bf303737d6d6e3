"""RingRift's HeuristicAI evaluator (app/ai/heuristic_ai.py + evaluators/*.py) over kernel states.

``evaluate(geo, s, player, weights, mode, out)`` writes the 21 components of
RingRift's ``get_evaluation_breakdown`` into ``out[0:21]`` (order = ``COMPONENTS``)
and returns their total (a left fold in that order, as RingRift's ``sum``).
Each component is a function of kernels/heuristic_components.py.
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

from kernels import heuristic_components as C
from kernels import state as S
from kernels.heuristic_weights import (  # noqa: F401  (re-exported)
    BASE_V1_BALANCED_WEIGHTS, HEURISTIC_WEIGHT_KEYS, weights_array, weights_dict,
)
from kernels.recovery import recovery_eligible, recovery_scan_restamp
from kernels.state import jit, jit_borrow

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


# --- the evaluator ------------------------------------------------------------------

@jit_borrow
def _stacks_and_markers(s, stk, mks):
    """The cells holding a stack, then those holding a marker, each in cell order: every
    component walks these lists in the order a walk over all cells would (float sums stay
    bit-identical). Returns (ns, nmk)."""
    ns = 0
    nmk = 0
    for c in range(s[S.H_N]):
        if S.height(s, c) > 0:
            stk[ns] = c
            ns += 1
        elif S.marker(s, c) > 0:
            mks[nmk] = c
            nmk += 1
    return ns, nmk


@jit
def evaluate_ordered(geo, s, me, w, mode, out, morder, nm):
    """As ``evaluate``, with RingRift's marker insertion order given as cells morder[0:nm]
    (nm < 0: the state's own marker order, as ``evaluate``)."""
    n = s[S.H_N]
    nadj = C.n_adj(geo)
    stk = np.empty(n, np.int64)
    mks = np.empty(n, np.int64)
    ns, nmk = _stacks_and_markers(s, stk, mks)
    for i in range(N_COMPONENTS):
        out[i] = 0.0
    out[0] = C.stack_control(s, me, w, stk, ns)
    out[1] = C.territory(s, me, w)
    out[2] = C.rings_in_hand(s, me, w)
    out[3] = C.center_control(geo, s, me, w, stk, ns)
    out[4], out[5] = C.opponent_threats_and_mobility(geo, s, me, w, nadj, stk, ns)
    out[6] = C.eliminated_rings(s, me, w)
    out[7] = C.marker_count(s, me, w, mks, nmk)
    out[8], out[9], out[11] = C.victory_proximity_terms(s, me, w)
    out[10] = C.stack_mobility(geo, s, me, w, nadj, stk, ns)
    if mode == LIGHT:
        return _total(out)
    out[12] = C.line_potential(geo, s, me, w, nadj, mks, nmk)
    out[13] = C.line_connectivity(geo, s, me, w, nadj, mks, nmk)
    out[14], out[15] = C.vulnerability_and_overtake(geo, s, me, w, stk, ns)
    out[16] = C.territory_closure(geo, s, me, w, morder, nm, mks, nmk)
    out[17] = C.territory_safety(geo, s, me, w, stk, ns, mks, nmk)
    out[18] = C.forced_elimination_risk(geo, s, me, w, nadj, stk, ns)
    out[19] = C.lps_action_advantage(geo, s, me, w, nadj, stk, ns)
    out[20] = C.recovery_potential(geo, s, me, w, stk, ns, mks, nmk)
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
    markers in ``board.markers`` (see recovery.recovery_scan_restamp, stop_at_line).
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
