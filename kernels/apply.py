"""Applying a move: board effects, then phase and turn logic, then victory.

``apply_move(geo, s, m)`` changes ``s`` in place; callers that need the old
state copy it first (``s.copy()`` is a single memcpy). It assumes ``m`` came
from ``legal_moves`` on this very state.
"""
from __future__ import annotations

import numpy as np

from .detect import MAX_LINES, MAX_REGIONS, border_markers, find_lines, find_regions, line_cell, line_through, step
from .geometry import G_N, G_ND
from .movegen import (can_place_on_bare_board, captures_from, first_extraction_stack, has_real_action,
                      line_moves, recovery_eligible, recovery_scan_restamp, territory_moves)
from .moves import (EXPLICIT_REGION, CHOOSE_LINE_OPTION, CHOOSE_TERRITORY_OPTION, CONTINUE_CAPTURE_SEGMENT,
                    ELIMINATE_RINGS_FROM_STACK, FORCED_ELIMINATION, MOVE_STACK, NO_LINE_ACTION,
                    NO_MOVEMENT_ACTION, NO_PLACEMENT_ACTION, NO_TERRITORY_ACTION, OVERTAKING_CAPTURE,
                    PLACE_RING, PROCESS_LINE, REC_FALLBACK, REC_LINE_ALL, REC_LINE_MIN, REC_STRIKE,
                    RECOVERY_SLIDE, SKIP_CAPTURE, SKIP_PLACEMENT, SKIP_RECOVERY,
                    SKIP_TERRITORY_PROCESSING, SWAP_SIDES, mextra, mfrom, mtarget, mto, mtype)
from .state import (ACTIVE, CAPTURE, CHAIN_CAPTURE, COMPLETED, FORCED_ELIMINATION as PH_FE, GAME_OVER,
                    H_ATTACKER, H_CHAIN, H_CUR, H_HIT_CAP, H_LAST_ACTOR, H_LAST_MOVER, H_LINE_LEN,
                    H_LPS_CONSEC, H_LPS_CONSEC_P, H_LPS_EXCL_DONE, H_LPS_FIRST, H_LPS_REQ, H_LPS_ROUND,
                    H_MOVE_CAP, H_MUSTMOVE, H_N, H_P, H_P1_MOVED, H_P2_MOVED, H_PENDING_LINE, H_PHASE,
                    H_PLY, H_RUN_CHANGE, H_RUN_RECOVERY, H_STATUS, H_SWAPPED, H_TERR_ELIM,
                    H_TERR_VICTORY, H_TOTAL_ELIM, H_VICTORY, H_WINNER, LINE_PROCESSING, MOVEMENT, NP1,
                    O_BELIM, O_CAP, O_COLL, O_CTRL, O_ELIM, O_H, O_HAND, O_LPSM, O_MARK, O_REG, O_TERR,
                    RING_PLACEMENT, TERRITORY_PROCESSING, clear_marker, controls_stack, flip_marker, jit,
                    move_stack_cells, new_marker, pop_top, push_top, remove_bottom_of, rings_in_play,
                    transfer_top_to_bottom)


@jit
def _credit(s, p, k):
    s[s[O_ELIM] + p] += k
    s[s[O_BELIM] + p] += k
    s[H_TOTAL_ELIM] += k


@jit
def _eliminate_top(s, c, p, k):
    """Eliminate up to k rings from the top of c, credited to p."""
    for _ in range(k):
        if s[s[O_H] + c] == 0:
            return
        pop_top(s, c)
        _credit(s, p, 1)


@jit
def _collapse(s, c, p):
    clear_marker(s, c)
    s[s[O_COLL] + c] = p


@jit
def _path_markers(geo, s, a, b, d, p):
    """Flip or collapse the markers strictly between a and b (RR-CANON-R092)."""
    c = step(geo, a, d)
    gained = 0
    while c != b and c >= 0:
        mk = s[s[O_MARK] + c]
        if mk == p:
            _collapse(s, c, p)
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
    if s[s[O_MARK] + b] != 0:
        clear_marker(s, b)
        _eliminate_top(s, b, p, 1)


@jit
def _capture(geo, s, a, t, b, p):
    d = _direction(geo, a, b)
    new_marker(s, a, p)
    _path_markers(geo, s, a, t, d, p)
    _path_markers(geo, s, t, b, d, p)
    transfer_top_to_bottom(s, t, a)
    move_stack_cells(s, a, b)
    if s[s[O_MARK] + b] != 0:
        clear_marker(s, b)
        _eliminate_top(s, b, p, 1)
    s[H_CHAIN] = b


@jit
def _recovery(geo, s, a, b, mode, p):
    ext = first_extraction_stack(geo, s, p)
    cost = 1
    if mode == REC_STRIKE or mode == REC_FALLBACK:
        # RingRift validates a fallback-class slide by enumerating the line slides,
        # which moves p's markers in its dict (see recovery_scan_restamp)
        recovery_scan_restamp(geo, s, p)
    clear_marker(s, a)
    if mode == REC_STRIKE:
        _eliminate_top(s, b, p, 1)
    else:
        new_marker(s, b, p)
        if mode == REC_LINE_ALL or mode == REC_LINE_MIN:
            line = np.empty(geo[G_N], np.int32)
            ln = line_through(geo, s, b, p, s[H_LINE_LEN], line)
            if mode == REC_LINE_MIN:
                ln = s[H_LINE_LEN]
                cost = 0
            for j in range(ln):
                _collapse(s, line[j], p)
            s[s[O_TERR] + p] += ln
    if cost > 0 and ext >= 0:
        if remove_bottom_of(s, ext, p, False):
            _credit(s, p, 1)


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
        while s[s[O_H] + c] > 0:  # never happens with canonical lines; RingRift returns such rings to hand
            s[s[O_HAND] + pop_top(s, c)] += 1
        _collapse(s, c, p)
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
            if s[s[O_REG] + c]:
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
            _eliminate_top(s, c, p, s[s[O_H] + c])
            _collapse(s, c, p)
    for j in range(nb):
        _collapse(s, border[j], p)
    s[s[O_TERR] + p] += size + nb
    s[H_TERR_ELIM] = 1


# --- victory and turn rotation -------------------------------------------------------

@jit
def _win(s, p):
    s[H_STATUS] = COMPLETED
    s[H_WINNER] = p
    s[H_CUR] = p
    s[H_PHASE] = GAME_OVER


@jit
def check_victory(geo, s):
    """RR-CANON-R061/R062/R172/R173 in RingRift's order. Ends the game if one applies."""
    n = geo[G_N]
    np_ = s[H_P]
    for p in range(1, np_ + 1):
        if s[s[O_ELIM] + p] >= s[H_VICTORY]:
            _win(s, p)
            return
    terr = np.zeros(NP1, np.int64)
    markers = np.zeros(NP1, np.int64)
    owners = 0
    stacks = 0
    for c in range(n):
        o = s[s[O_COLL] + c]
        if o > 0:
            terr[o] += 1
        mk = s[s[O_MARK] + c]
        if mk > 0:
            markers[mk] += 1
        if s[s[O_H] + c] > 0:
            stacks += 1
            owners |= 1 << s[s[O_CTRL] + c]
    total = 0
    for p in range(1, np_ + 1):
        total += terr[p]
    for p in range(1, np_ + 1):
        if terr[p] >= s[H_TERR_VICTORY] and terr[p] > total - terr[p]:
            _win(s, p)
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
            _win(s, o)
            return
    if stacks > 0:
        return
    any_hand = False
    for p in range(1, np_ + 1):
        if s[s[O_HAND] + p] > 0:
            any_hand = True
    hand_counts = False
    if any_hand:
        for p in range(1, np_ + 1):
            if s[s[O_HAND] + p] > 0 and can_place_on_bare_board(geo, s, p):
                return
        hand_counts = True
    # tie-breaks: territory, eliminated rings (+ hand), markers, last to act; then lowest seat
    best = 0
    best_key = np.full(4, -1, np.int64)
    key = np.empty(4, np.int64)
    for p in range(1, np_ + 1):
        key[0] = terr[p]
        key[1] = s[s[O_ELIM] + p] + (s[s[O_HAND] + p] if hand_counts else 0)
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
    _win(s, best)


@jit
def _lps_track(geo, s):
    """Last-player-standing round bookkeeping at the start of a turn (RR-CANON-R172)."""
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
def _lps_victory(geo, s):
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
    _win(s, cand)


@jit
def end_turn(geo, s):
    """Pass the turn to the next seat that still has a ring anywhere (RR-CANON-R201)."""
    if s[H_STATUS] != ACTIVE:
        return
    s[H_CHAIN] = -1
    np_ = s[H_P]
    p = s[H_CUR]
    for _ in range(np_):
        p = p % np_ + 1
        if rings_in_play(s, p) > 0:
            s[H_CUR] = p
            s[H_MUSTMOVE] = -1
            s[H_PHASE] = RING_PLACEMENT
            _lps_track(geo, s)
            _lps_victory(geo, s)
            return
    s[H_PHASE] = RING_PLACEMENT
    s[H_MUSTMOVE] = -1


@jit
def _to_line_processing(s):
    s[H_CHAIN] = -1
    s[H_MUSTMOVE] = -1
    s[H_PHASE] = LINE_PROCESSING


@jit
def _had_change(s):
    return s[H_LAST_MOVER] == s[H_CUR] and s[H_RUN_CHANGE] != 0


@jit
def _after_lines(geo, s, buf):
    if s[H_PENDING_LINE]:
        return
    p = s[H_CUR]
    if (territory_moves(geo, s, p, buf, 0) == 0 and not _had_change(s) and controls_stack(s, p)):
        s[H_PHASE] = PH_FE
    else:
        s[H_PHASE] = TERRITORY_PROCESSING


@jit
def _after_territory(geo, s):
    if not _had_change(s) and controls_stack(s, s[H_CUR]):
        s[H_PHASE] = PH_FE
        return
    check_victory(geo, s)
    if s[H_STATUS] != ACTIVE:
        return
    end_turn(geo, s)


@jit
def _advance(geo, s, t, m):
    p = s[H_CUR]
    if t == PLACE_RING or t == SKIP_PLACEMENT or t == NO_PLACEMENT_ACTION:
        s[H_PHASE] = MOVEMENT
        return
    buf = np.empty(4096, np.int64)  # only the branches below need scratch; placements are the hot case
    if t == FORCED_ELIMINATION:
        end_turn(geo, s)
    elif t == MOVE_STACK:
        s[H_CHAIN] = -1
        b = mto(m)
        if s[s[O_CTRL] + b] == p and captures_from(geo, s, b, s[s[O_H] + b], s[s[O_CAP] + b],
                                                   OVERTAKING_CAPTURE, buf, 0, 1) > 0:
            s[H_PHASE] = CAPTURE
            s[H_ATTACKER] = b
        else:
            _to_line_processing(s)
    elif t == NO_MOVEMENT_ACTION or t == SKIP_CAPTURE or t == RECOVERY_SLIDE or t == SKIP_RECOVERY:
        _to_line_processing(s)
    elif t == OVERTAKING_CAPTURE or t == CONTINUE_CAPTURE_SEGMENT:
        b = s[H_CHAIN]
        if s[s[O_CTRL] + b] == p and captures_from(geo, s, b, s[s[O_H] + b], s[s[O_CAP] + b],
                                                   CONTINUE_CAPTURE_SEGMENT, buf, 0, 1) > 0:
            s[H_PHASE] = CHAIN_CAPTURE
        else:
            _to_line_processing(s)
    elif t == PROCESS_LINE or t == CHOOSE_LINE_OPTION:
        if line_moves(geo, s, p, buf, 0) == 0:
            _after_lines(geo, s, buf)
    elif t == NO_LINE_ACTION:
        _after_lines(geo, s, buf)
    elif t == ELIMINATE_RINGS_FROM_STACK:
        if s[H_PHASE] != LINE_PROCESSING and territory_moves(geo, s, p, buf, 0) == 0:
            _after_territory(geo, s)
    elif t == CHOOSE_TERRITORY_OPTION:
        if territory_moves(geo, s, p, buf, 0) == 0:
            _after_territory(geo, s)
    elif t == SKIP_TERRITORY_PROCESSING or t == NO_TERRITORY_ACTION:
        _after_territory(geo, s)


@jit
def _no_board_change(t):
    return (t == NO_PLACEMENT_ACTION or t == NO_MOVEMENT_ACTION or t == NO_LINE_ACTION
            or t == NO_TERRITORY_ACTION or t == SKIP_PLACEMENT or t == SKIP_TERRITORY_PROCESSING
            or t == SKIP_CAPTURE or t == SKIP_RECOVERY)


@jit
def apply_move(geo, s, m):
    t = mtype(m)
    p = s[H_CUR]
    if s[H_LAST_MOVER] != p:
        s[H_RUN_CHANGE] = 0
        s[H_RUN_RECOVERY] = 0
    s[H_LAST_MOVER] = p
    s[H_LAST_ACTOR] = p
    if not _no_board_change(t):
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
        _recovery(geo, s, a, b, mextra(m), p)
    elif t == PROCESS_LINE or t == CHOOSE_LINE_OPTION:
        _line(geo, s, m, p)
    elif t == ELIMINATE_RINGS_FROM_STACK:
        if s[H_PHASE] == LINE_PROCESSING:
            _eliminate_top(s, b, p, 1)
            s[H_PENDING_LINE] = 0
        elif s[H_RUN_RECOVERY]:
            if remove_bottom_of(s, b, p, True):
                _credit(s, p, 1)
        else:
            _eliminate_top(s, b, p, max(1, s[s[O_CAP] + b]))
    elif t == CHOOSE_TERRITORY_OPTION:
        _territory(geo, s, m, p)
    elif t == FORCED_ELIMINATION:
        _eliminate_top(s, b, p, max(1, s[s[O_CAP] + b]))
    elif t == SWAP_SIDES:
        s[H_SWAPPED] = 1

    _advance(geo, s, t, m)
    # Unconditional, as RingRift's apply_move calls _check_victory after the phase update even
    # when the turn rotation inside it has just awarded last-player-standing: a threshold
    # reached by this very move (a forced elimination crediting the mover) takes precedence.
    check_victory(geo, s)
    if s[H_STATUS] == ACTIVE and s[H_MOVE_CAP] > 0 and s[H_PLY] >= s[H_MOVE_CAP]:
        s[H_STATUS] = COMPLETED
        s[H_WINNER] = 0
        s[H_HIT_CAP] = 1
        s[H_PHASE] = GAME_OVER
    if ((t == SKIP_PLACEMENT or t == NO_PLACEMENT_ACTION) and s[H_STATUS] == ACTIVE
            and s[H_PHASE] == MOVEMENT and s[s[O_HAND] + p] > 0 and recovery_eligible(s, p)):
        # RingRift's apply_move (outside trace mode) ends with an ANM check that lists
        # the mover's movement-phase moves, reordering its markers as legal_moves does
        recovery_scan_restamp(geo, s, p)
