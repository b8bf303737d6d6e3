"""Recovery (RR-CANON-R110-R115): a player with no stack but buried rings slides a marker.

Eligible: p controls no stack, owns a marker and has a ring buried in someone
else's stack. A slide moves one of p's markers to an adjacent empty cell; if
some slide completes a line of p only line slides are offered (collapse the
whole line, or, for an overlong line, the minimum segment without paying),
otherwise every fallback slide, plus stack strikes onto adjacent stacks. A
paid slide costs p's bottom-most ring in the oldest stack holding one that is
not its top ring (``first_extraction_stack``).

RingRift's recovery scans also reorder ``board.markers`` (its Python dict),
which the evaluator's territory_closure reads; ``recovery_scan_restamp`` does
that to the kernel's marker-order stamps, and ``listing_side_effect`` is the
scan RingRift's move listing makes on the live state (docs/heuristic.md,
"Marker order"). ``legal_moves`` itself never changes its state.
"""
from __future__ import annotations

import numpy as np

from .detect import line_through, step
from .geometry import G_N, G_ND
from .moves import REC_FALLBACK, REC_LINE_ALL, REC_LINE_MIN, REC_STRIKE, RECOVERY_SLIDE, SKIP_RECOVERY, enc
from .state import (ACTIVE, H_CUR, H_LINE_LEN, H_MORD_CTR, H_PHASE, H_STATUS, MOVEMENT, O_MARK, O_MORD,
                    O_TERR, buried_rings, collapse, collapsed, controls_stack, credit_elimination, ctrl,
                    eliminate_top, has_marker_of, height, is_open, jit, jit_borrow, marker, new_marker, clear_marker,
                    remove_bottom_of, restamp_marker, ring_count, stack_order)


@jit
def recovery_eligible(s, p):
    return (not controls_stack(s, p)) and has_marker_of(s, p) and buried_rings(s, p) >= 1


@jit_borrow
def has_recovery_slide(geo, s, p):
    """Some marker of p has a neighbour on the board, not collapsed and without a marker
    (a stack there counts: stack strikes are on). RingRift's has_any_recovery_move for an
    eligible p."""
    n = geo[G_N]
    nd = geo[G_ND]
    for m in range(n):
        if marker(s, m) != p:
            continue
        for d in range(nd):
            t = step(geo, m, d)
            if t >= 0 and collapsed(s, t) == 0 and marker(s, t) == 0:
                return True
    return False


@jit
def has_recovery(geo, s, p):
    """p may make a recovery slide now."""
    return recovery_eligible(s, p) and has_recovery_slide(geo, s, p)


@jit
def _empty(s, c):
    return is_open(s, c) and marker(s, c) == 0


@jit
def _line_after_slide(geo, s, m, t, p, L, line):
    """The length of p's line through t (cells into ``line``) were p's marker at m slid to t;
    ``s`` is left as it was."""
    mk = s[O_MARK]
    s[mk + m] = 0
    s[mk + t] = p
    ln = line_through(geo, s, t, p, L, line)
    s[mk + t] = 0
    s[mk + m] = p
    return ln


@jit
def recovery_moves(geo, s, p, out, k):
    """The recovery slides of p, then skip_recovery, appended to out[k:]; returns the new count.

    Each candidate line slide is tried on the state (marker moved, line measured,
    marker put back), so ``s`` ends exactly as it started.
    """
    n = geo[G_N]
    nd = geo[G_ND]
    L = s[H_LINE_LEN]
    line = np.empty(n, np.int32)
    k0 = k
    found_line = False
    for m in range(n):
        if marker(s, m) != p:
            continue
        for d in range(nd):
            t = step(geo, m, d)
            if t < 0 or not _empty(s, t):
                continue
            ln = _line_after_slide(geo, s, m, t, p, L, line)
            if ln >= L:
                found_line = True
                if ln > L:
                    if k < out.shape[0]:
                        out[k] = enc(RECOVERY_SLIDE, m, t, -1, REC_LINE_MIN)
                    k += 1
                if k < out.shape[0]:
                    out[k] = enc(RECOVERY_SLIDE, m, t, -1, REC_LINE_ALL)
                k += 1
    if not found_line:
        k = k0
        for m in range(n):
            if marker(s, m) != p:
                continue
            for d in range(nd):
                t = step(geo, m, d)
                if t < 0 or collapsed(s, t) != 0 or marker(s, t) != 0:
                    continue
                mode = REC_STRIKE if height(s, t) > 0 else REC_FALLBACK
                if k < out.shape[0]:
                    out[k] = enc(RECOVERY_SLIDE, m, t, -1, mode)
                k += 1
    if k < out.shape[0]:
        out[k] = enc(SKIP_RECOVERY, -1, -1, -1, 0)
    k += 1
    return k


@jit
def first_extraction_stack(geo, s, p):
    """The oldest stack whose bottom-most ring of p is not its top ring (-1 if none)."""
    n = geo[G_N]
    best = -1
    best_ord = 0
    for c in range(n):
        h = height(s, c)
        if h == 0 or ring_count(s, c, p) == 0:
            continue
        if h == 1 or (ctrl(s, c) == p and ring_count(s, c, p) == 1):
            continue  # p's only ring here is the top ring
        o = stack_order(s, c)
        if best < 0 or o < best_ord:
            best = c
            best_ord = o
    return best


# --- RingRift's marker-order side effects --------------------------------------------

@jit
def _open_neighbour(geo, s, m):
    """Some neighbour of m is on the board, not collapsed and free of stacks and markers."""
    for d in range(geo[G_ND]):
        t = step(geo, m, d)
        if t >= 0 and _empty(s, t):
            return True
    return False


@jit
def recovery_scan_restamp(geo, s, p, stop_at_line=False):
    """The side effect of RingRift's recovery scans on ``board.markers`` order.

    For every marker of p (in dict order) and every direction to an empty cell
    (on the board, not collapsed, no stack, no marker), RingRift deletes the
    marker, inserts it at the slide target, tests for a line, deletes that and
    re-inserts the marker: so each marker of p with an empty neighbour moves to
    the end of the dict, in their previous relative order. The move listing
    (get_valid_moves in the movement phase, see ``listing_side_effect``) and the
    validation of a fallback or stack-strike slide scan every marker (then the
    order is a fixed point: a second scan changes nothing, not even a stamp);
    ``has_any_recovery_move`` (the evaluator's recovery_potential) stops after
    the first marker whose slide completes a line (``stop_at_line``). Only
    marker-order stamps change.
    """
    n = geo[G_N]
    om = s[O_MORD]
    mk = s[O_MARK]
    if not stop_at_line:
        # nothing to do when the markers that would move already come last
        lo = np.int64(1) << 40
        hi = np.int64(0)
        for m in range(n):
            if s[mk + m] == 0:
                continue
            if s[mk + m] == p and _open_neighbour(geo, s, m):
                lo = min(lo, np.int64(s[om + m]))
            else:
                hi = max(hi, np.int64(s[om + m]))
        if lo > hi:
            return
    L = s[H_LINE_LEN]
    line = np.empty(n if stop_at_line else 0, np.int32)
    top = s[H_MORD_CTR]  # restamped markers get stamps above this and are not visited again
    last = 0
    while True:
        best = -1
        bst = top + 1
        for m in range(n):
            st = s[om + m]
            if s[mk + m] == p and last < st < bst:
                best = m
                bst = st
        if best < 0:
            return
        last = bst
        if not _open_neighbour(geo, s, best):
            continue
        restamp_marker(s, best)
        if stop_at_line:
            for d in range(geo[G_ND]):
                t = step(geo, best, d)
                if t < 0 or not _empty(s, t):
                    continue
                ln = _line_after_slide(geo, s, best, t, p, L, line)
                if ln >= L:
                    return


@jit
def listing_side_effect(geo, s):
    """What listing the legal moves does to RingRift's live state: call it where RingRift's flow
    lists them (every decision of a game), before or after ``legal_moves`` (they commute).

    RingRift's get_valid_moves in the movement phase runs the recovery scan for a
    recovery-eligible mover, which reorders its markers in ``board.markers``; the
    evaluator later reads that order (territory_closure). Our ``legal_moves`` is pure,
    so the games, playouts and conformance replays make this call themselves.
    """
    if s[H_STATUS] != ACTIVE or s[H_PHASE] != MOVEMENT:
        return
    p = s[H_CUR]
    if recovery_eligible(s, p):
        recovery_scan_restamp(geo, s, p)


# --- applying a slide ------------------------------------------------------------------

@jit
def apply_recovery(geo, s, a, b, mode, p):
    """p's recovery slide from a to b (REC_* mode): marker, line or strike, then the cost."""
    ext = first_extraction_stack(geo, s, p)
    cost = 1
    if mode == REC_STRIKE or mode == REC_FALLBACK:
        # RingRift validates a fallback-class slide by enumerating the line slides,
        # which moves p's markers in its dict
        recovery_scan_restamp(geo, s, p)
    clear_marker(s, a)
    if mode == REC_STRIKE:
        eliminate_top(s, b, p, 1)
    else:
        new_marker(s, b, p)
        if mode == REC_LINE_ALL or mode == REC_LINE_MIN:
            line = np.empty(geo[G_N], np.int32)
            ln = line_through(geo, s, b, p, s[H_LINE_LEN], line)
            if mode == REC_LINE_MIN:
                ln = s[H_LINE_LEN]
                cost = 0
            for j in range(ln):
                collapse(s, line[j], p)
            s[s[O_TERR] + p] += ln
    if cost > 0 and ext >= 0:
        if remove_bottom_of(s, ext, p, False):
            credit_elimination(s, p, 1)
