"""Applying a move: its board effects here, then the phase and turn logic (turn.py), then victory
(victory.py). Recovery slides are applied in recovery.py.

``apply_move(geo, s, m)`` changes ``s`` in place; callers that need the old
state copy it first (``s.copy()`` is a single memcpy). It assumes ``m`` came
from ``legal_moves`` on this very state.
"""
from __future__ import annotations

import numpy as np

from .detect import MAX_LINES, MAX_REGIONS, border_markers, find_lines, find_regions, line_cell, step
from .geometry import G_N, G_ND
from .moves import (EXPLICIT_REGION, CHOOSE_LINE_OPTION, CHOOSE_TERRITORY_OPTION, CONTINUE_CAPTURE_SEGMENT,
                    ELIMINATE_RINGS_FROM_STACK, FORCED_ELIMINATION, MOVE_STACK, NO_PLACEMENT_ACTION,
                    OVERTAKING_CAPTURE, PLACE_RING, PROCESS_LINE, RECOVERY_SLIDE, SKIP_PLACEMENT, SWAP_SIDES,
                    mextra, mfrom, mtarget, mto, mtype)
from .recovery import apply_recovery, recovery_eligible, recovery_scan_restamp
from .state import (ACTIVE, H_CHAIN, H_CUR, H_LAST_ACTOR, H_LAST_MOVER, H_LINE_LEN, H_MOVE_CAP, H_MUSTMOVE,
                    H_P1_MOVED, H_P2_MOVED, H_PENDING_LINE, H_PHASE, H_PLY, H_RUN_CHANGE, H_RUN_RECOVERY,
                    H_STATUS, H_SWAPPED, H_TERR_ELIM, LINE_PROCESSING, MOVEMENT, NP1, O_HAND, O_REG, O_TERR, cap,
                    clear_marker, collapse, controls_stack, credit_elimination, eliminate_top, flip_marker, hand,
                    height, in_region, jit, marker, move_stack_cells, new_marker, pop_top, push_top,
                    remove_bottom_of, transfer_top_to_bottom)
from .turn import advance_phase, no_board_change
from .victory import check_victory, end_capped


@jit
def _path_markers(geo, s, a, b, d, p):
    """Flip or collapse the markers strictly between a and b (RR-CANON-R092)."""
    c = step(geo, a, d)
    gained = 0
    while c != b and c >= 0:
        mk = marker(s, c)
        if mk == p:
            collapse(s, c, p)
            gained += 1
        elif mk != 0:
            flip_marker(s, c, p)
        c = step(geo, c, d)
    s[s[O_TERR] + p] += gained


@jit
def _direction(geo, a, b):
    nd = geo[G_ND]
    for d in range(nd):
        c = a
        while c >= 0:
            c = step(geo, c, d)
            if c == b:
                return d
    return -1


@jit
def _move_stack(geo, s, a, b, p):
    d = _direction(geo, a, b)
    move_stack_cells(s, a, b)
    new_marker(s, a, p)
    _path_markers(geo, s, a, b, d, p)
    if marker(s, b) != 0:
        clear_marker(s, b)
        eliminate_top(s, b, p, 1)


@jit
def _capture(geo, s, a, t, b, p):
    d = _direction(geo, a, b)
    new_marker(s, a, p)
    _path_markers(geo, s, a, t, d, p)
    _path_markers(geo, s, t, b, d, p)
    transfer_top_to_bottom(s, t, a)
    move_stack_cells(s, a, b)
    if marker(s, b) != 0:
        clear_marker(s, b)
        eliminate_top(s, b, p, 1)
    s[H_CHAIN] = b


@jit
def _line(geo, s, m, p):
    lines = np.empty((MAX_LINES, 4), np.int32)
    find_lines(geo, s, s[H_LINE_LEN], lines)
    x = mextra(m)
    i = x % 64
    opt = x // 64
    ln = lines[i, 3]
    j0 = 0
    cnt = ln
    if opt >= 2:
        j0 = opt - 2
        cnt = s[H_LINE_LEN]
    for j in range(j0, j0 + cnt):
        c = line_cell(geo, lines, i, j)
        while height(s, c) > 0:  # never happens with canonical lines; RingRift returns such rings to hand
            s[s[O_HAND] + pop_top(s, c)] += 1
        collapse(s, c, p)
    s[s[O_TERR] + p] += cnt
    if cnt >= ln and controls_stack(s, p):
        s[H_PENDING_LINE] = 1


@jit
def _territory(geo, s, m, p):
    n = geo[G_N]
    rcell = np.empty(n * NP1 + 1, np.int32)
    rstart = np.empty(MAX_REGIONS, np.int32)
    rlen = np.empty(MAX_REGIONS, np.int32)
    r = mextra(m)
    inreg = np.zeros(n, np.uint8)
    size = 0
    if r == EXPLICIT_REGION:
        for c in range(n):
            if in_region(s, c):
                inreg[c] = 1
                size += 1
    else:
        find_regions(geo, s, rcell, rstart, rlen)
        size = rlen[r]
        for j in range(size):
            inreg[rcell[rstart[r] + j]] = 1
    border = np.empty(n, np.int32)
    nb = border_markers(geo, s, inreg, border)
    for c in range(n):
        s[s[O_REG] + c] = inreg[c]
        if inreg[c]:
            eliminate_top(s, c, p, height(s, c))
            collapse(s, c, p)
    for j in range(nb):
        collapse(s, border[j], p)
    s[s[O_TERR] + p] += size + nb
    s[H_TERR_ELIM] = 1


@jit
def apply_move(geo, s, m):
    t = mtype(m)
    p = s[H_CUR]
    if s[H_LAST_MOVER] != p:
        s[H_RUN_CHANGE] = 0
        s[H_RUN_RECOVERY] = 0
    s[H_LAST_MOVER] = p
    s[H_LAST_ACTOR] = p
    if not no_board_change(t):
        s[H_RUN_CHANGE] = 1
    if t == RECOVERY_SLIDE:
        s[H_RUN_RECOVERY] = 1
    s[H_TERR_ELIM] = 0
    if p == 1:
        s[H_P1_MOVED] = 1
    if p == 2 and t != SWAP_SIDES:
        s[H_P2_MOVED] = 1
    s[H_PLY] += 1
    a = mfrom(m)
    b = mto(m)

    if t == PLACE_RING:
        k = mextra(m)
        push_top(s, b, p, k)
        s[s[O_HAND] + p] -= k
        s[H_MUSTMOVE] = b
    elif t == MOVE_STACK:
        _move_stack(geo, s, a, b, p)
        if s[H_MUSTMOVE] == a:
            s[H_MUSTMOVE] = b
    elif t == OVERTAKING_CAPTURE or t == CONTINUE_CAPTURE_SEGMENT:
        _capture(geo, s, a, mtarget(m), b, p)
        if s[H_MUSTMOVE] == a:
            s[H_MUSTMOVE] = b
    elif t == RECOVERY_SLIDE:
        apply_recovery(geo, s, a, b, mextra(m), p)
    elif t == PROCESS_LINE or t == CHOOSE_LINE_OPTION:
        _line(geo, s, m, p)
    elif t == ELIMINATE_RINGS_FROM_STACK:
        if s[H_PHASE] == LINE_PROCESSING:
            eliminate_top(s, b, p, 1)
            s[H_PENDING_LINE] = 0
        elif s[H_RUN_RECOVERY]:
            if remove_bottom_of(s, b, p, True):
                credit_elimination(s, p, 1)
        else:
            eliminate_top(s, b, p, max(1, cap(s, b)))
    elif t == CHOOSE_TERRITORY_OPTION:
        _territory(geo, s, m, p)
    elif t == FORCED_ELIMINATION:
        eliminate_top(s, b, p, max(1, cap(s, b)))
    elif t == SWAP_SIDES:
        s[H_SWAPPED] = 1

    advance_phase(geo, s, t, m)
    # Unconditional, as RingRift's apply_move calls _check_victory after the phase update even
    # when the turn rotation inside it has just awarded last-player-standing: a threshold
    # reached by this very move (a forced elimination crediting the mover) takes precedence.
    check_victory(geo, s)
    if s[H_STATUS] == ACTIVE and s[H_MOVE_CAP] > 0 and s[H_PLY] >= s[H_MOVE_CAP]:
        end_capped(s)
    if ((t == SKIP_PLACEMENT or t == NO_PLACEMENT_ACTION) and s[H_STATUS] == ACTIVE
            and s[H_PHASE] == MOVEMENT and hand(s, p) > 0 and recovery_eligible(s, p)):
        # RingRift's apply_move (outside trace mode) ends with an ANM check that lists
        # the mover's movement-phase moves, reordering its markers (recovery.listing_side_effect)
        recovery_scan_restamp(geo, s, p)
