"""Legal-move generation for every phase (RR-CANON-R070-R115, R120-R145, R200-R207).

``legal_moves(geo, s, out)`` writes the moves of the player to move into the
preallocated int64 buffer ``out`` and returns how many there are. It returns
exactly the list RingRift's engine offers (its interactive moves, or the single
bookkeeping move a phase requires when there are none), repeats included.
"""
from __future__ import annotations

import numpy as np

from .detect import MAX_LINES, MAX_REGIONS, find_lines, find_regions, line_through, step
from .geometry import G_N, G_ND
from .moves import (CHOOSE_LINE_OPTION, CHOOSE_TERRITORY_OPTION, CONTINUE_CAPTURE_SEGMENT,
                    ELIMINATE_RINGS_FROM_STACK, FORCED_ELIMINATION, MOVE_STACK, NO_LINE_ACTION,
                    NO_MOVEMENT_ACTION, NO_PLACEMENT_ACTION, NO_TERRITORY_ACTION, OVERTAKING_CAPTURE,
                    PLACE_RING, PROCESS_LINE, REC_FALLBACK, REC_LINE_ALL, REC_LINE_MIN, REC_STRIKE,
                    RECOVERY_SLIDE, SKIP_CAPTURE, SKIP_PLACEMENT, SKIP_RECOVERY,
                    SKIP_TERRITORY_PROCESSING, SWAP_SIDES, enc)
from .state import (ACTIVE, CAPTURE, CHAIN_CAPTURE, FORCED_ELIMINATION as PH_FE, H_ATTACKER, H_CHAIN,
                    H_CUR, H_LAST_MOVER, H_LINE_LEN, H_MUSTMOVE, H_P, H_P1_MOVED, H_P2_MOVED,
                    H_PENDING_LINE, H_PHASE, H_RPP, H_RUN_RECOVERY, H_STATUS, H_SWAP_ON, H_SWAPPED,
                    H_TERR_ELIM, LINE_PROCESSING, MOVEMENT, NP1, O_CAP, O_CNT, O_COLL, O_CTRL, O_H,
                    O_HAND, O_MARK, O_MORD, O_ORD, O_REG, RING_PLACEMENT, TERRITORY_PROCESSING,
                    H_MORD_CTR, buried_rings, controls_stack, has_marker_of, jit, restamp_marker, rings_in_play)


# --- movement and capture ---------------------------------------------------

@jit
def _free(s, c):
    return s[s[O_COLL] + c] == 0 and s[s[O_H] + c] == 0


@jit
def movement_from(geo, s, c, h, out, k, limit):
    """Non-capture moves of a stack of height h at c (RR-CANON-R090-R092)."""
    nd = geo[G_ND]
    for d in range(nd):
        cur = c
        dist = 0
        while True:
            cur = step(geo, cur, d)
            dist += 1
            if cur < 0 or not _free(s, cur):
                break
            if dist >= h:
                if k < out.shape[0]:
                    out[k] = enc(MOVE_STACK, c, cur, -1, 0)
                k += 1
                if limit > 0 and k >= limit:
                    return k
    return k


@jit
def captures_from(geo, s, c, h, capv, mt, out, k, limit):
    """Overtaking segments of an attacker of height h, cap capv at c (RR-CANON-R101-R103).

    The target is the first stack along a ray (own stacks too) whose cap is not
    higher; the landing is any empty, uncollapsed cell beyond it at distance >= h.
    """
    nd = geo[G_ND]
    for d in range(nd):
        cur = c
        dist = 0
        tgt = -1
        while True:
            cur = step(geo, cur, d)
            dist += 1
            if cur < 0 or s[s[O_COLL] + cur] != 0:
                break
            if s[s[O_H] + cur] > 0:
                if capv >= s[s[O_CAP] + cur]:
                    tgt = cur
                break
        if tgt < 0:
            continue
        land = tgt
        while True:
            land = step(geo, land, d)
            dist += 1
            if land < 0 or not _free(s, land):
                break
            if dist >= h:
                if k < out.shape[0]:
                    out[k] = enc(mt, c, land, tgt, 0)
                k += 1
                if limit > 0 and k >= limit:
                    return k
    return k


@jit
def _loose_move_or_capture(geo, s, c, h, capv):
    """RingRift's looser reachability test (skip_placement, bare-board stalemate).

    A ray counts when the cells before distance h are open and the cell at
    distance h is on the board and uncollapsed, even if a stack stands there.
    """
    nd = geo[G_ND]
    for d in range(nd):
        cur = c
        ok = True
        for _ in range(h - 1):
            cur = step(geo, cur, d)
            if cur < 0 or not _free(s, cur):
                ok = False
                break
        if not ok:
            continue
        cur = step(geo, cur, d)
        if cur >= 0 and s[s[O_COLL] + cur] == 0:
            return True
    buf = np.empty(1, np.int64)
    return captures_from(geo, s, c, h, capv, OVERTAKING_CAPTURE, buf, 0, 1) > 0


@jit
def _move_or_capture(geo, s, c, h, capv):
    buf = np.empty(1, np.int64)
    if movement_from(geo, s, c, h, buf, 0, 1) > 0:
        return True
    return captures_from(geo, s, c, h, capv, OVERTAKING_CAPTURE, buf, 0, 1) > 0


@jit
def stack_movements(geo, s, p, must, out, k):
    n = geo[G_N]
    for c in range(n):
        if s[s[O_CTRL] + c] != p or (must >= 0 and c != must):
            continue
        k = movement_from(geo, s, c, s[s[O_H] + c], out, k, 0)
    return k


@jit
def stack_captures(geo, s, p, must, mt, out, k):
    n = geo[G_N]
    for c in range(n):
        if s[s[O_CTRL] + c] != p or (must >= 0 and c != must):
            continue
        k = captures_from(geo, s, c, s[s[O_H] + c], s[s[O_CAP] + c], mt, out, k, 0)
    return k


@jit
def has_movement(geo, s, p, must):
    n = geo[G_N]
    buf = np.empty(1, np.int64)
    for c in range(n):
        if s[s[O_CTRL] + c] != p or (must >= 0 and c != must):
            continue
        if movement_from(geo, s, c, s[s[O_H] + c], buf, 0, 1) > 0:
            return True
    return False


@jit
def has_capture(geo, s, p, must):
    n = geo[G_N]
    buf = np.empty(1, np.int64)
    for c in range(n):
        if s[s[O_CTRL] + c] != p or (must >= 0 and c != must):
            continue
        if captures_from(geo, s, c, s[s[O_H] + c], s[s[O_CAP] + c], OVERTAKING_CAPTURE, buf, 0, 1) > 0:
            return True
    return False


# --- placement ----------------------------------------------------------------

@jit
def _placement_room(s, p):
    """Rings p may still place: min(hand, per-player supply minus rings on board)."""
    rih = s[s[O_HAND] + p]
    if rih <= 0:
        return 0
    on_board = rings_in_play(s, p) - rih
    room = s[H_RPP] - on_board
    return min(room, rih)


@jit
def _hyp(s, c, p, count):
    """Height and cap of the stack at c after placing count rings of p there."""
    h = s[s[O_H] + c]
    if h > 0:
        capv = s[s[O_CAP] + c] + count if s[s[O_CTRL] + c] == p else count
        return h + count, capv
    return count, count


@jit
def placements(geo, s, p, out, k, exists_only):
    """place_ring moves with the no-dead-placement rule (RR-CANON-R080-R082).

    Like RingRift, the highest workable count on a cell is found first and every
    lower count on that cell is offered too.
    """
    room = _placement_room(s, p)
    if room <= 0:
        return k
    n = geo[G_N]
    for c in range(n):
        if s[s[O_COLL] + c] != 0 or s[s[O_MARK] + c] != 0:
            continue
        occupied = s[s[O_H] + c] > 0
        maxper = 1 if occupied else min(3, room)
        valid = 0
        for cnt in range(maxper, 0, -1):
            hh, cv = _hyp(s, c, p, cnt)
            if _move_or_capture(geo, s, c, hh, cv):
                valid = cnt
                break
        if valid > 0:
            if exists_only:
                return k + 1
            for cnt in range(1, valid + 1):
                if k < out.shape[0]:
                    out[k] = enc(PLACE_RING, -1, c, -1, cnt)
                k += 1
    return k


@jit
def has_placement(geo, s, p):
    buf = np.empty(1, np.int64)
    return placements(geo, s, p, buf, 0, True) > 0


@jit
def can_place_on_bare_board(geo, s, p):
    """RingRift's bare-board test used by the structural stalemate (RR-CANON-R173)."""
    if s[s[O_HAND] + p] <= 0:
        return False
    n = geo[G_N]
    for c in range(n):
        if s[s[O_COLL] + c] != 0 or s[s[O_MARK] + c] != 0:
            continue
        if _loose_move_or_capture(geo, s, c, 1, 1):
            return True
    return False


# --- recovery (RR-CANON-R110-R115) ---------------------------------------------

@jit
def recovery_eligible(s, p):
    return (not controls_stack(s, p)) and has_marker_of(s, p) and buried_rings(s, p) >= 1


@jit
def recovery_moves(geo, s, p, out, k):
    n = geo[G_N]
    nd = geo[G_ND]
    L = s[H_LINE_LEN]
    line = np.empty(n, np.int32)
    k0 = k
    found_line = False
    for m in range(n):
        if s[s[O_MARK] + m] != p:
            continue
        for d in range(nd):
            t = step(geo, m, d)
            if t < 0 or not _free(s, t) or s[s[O_MARK] + t] != 0:
                continue
            s[s[O_MARK] + m] = 0
            s[s[O_MARK] + t] = p
            ln = line_through(geo, s, t, p, L, line)
            s[s[O_MARK] + t] = 0
            s[s[O_MARK] + m] = p
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
            if s[s[O_MARK] + m] != p:
                continue
            for d in range(nd):
                t = step(geo, m, d)
                if t < 0 or s[s[O_COLL] + t] != 0 or s[s[O_MARK] + t] != 0:
                    continue
                mode = REC_STRIKE if s[s[O_H] + t] > 0 else REC_FALLBACK
                if k < out.shape[0]:
                    out[k] = enc(RECOVERY_SLIDE, m, t, -1, mode)
                k += 1
    if k < out.shape[0]:
        out[k] = enc(SKIP_RECOVERY, -1, -1, -1, 0)
    k += 1
    return k


@jit
def _open_neighbour(geo, s, m):
    """Some neighbour of m is on the board, not collapsed and free of stacks and markers."""
    mk = s[O_MARK]
    for d in range(geo[G_ND]):
        t = step(geo, m, d)
        if t >= 0 and _free(s, t) and s[mk + t] == 0:
            return True
    return False


@jit
def recovery_scan_restamp(geo, s, p, stop_at_line=False):
    """The side effect of RingRift's recovery scans on ``board.markers`` order.

    For every marker of p (in dict order) and every direction to an empty cell
    (on the board, not collapsed, no stack, no marker), RingRift deletes the
    marker, inserts it at the slide target, tests for a line, deletes that and
    re-inserts the marker: so each marker of p with an empty neighbour moves to
    the end of the dict, in their previous relative order. The move generator
    (get_valid_moves in the movement phase) and the validation of a fallback or
    stack-strike slide scan every marker (then the order is a fixed point: a
    second scan changes nothing, not even a stamp); ``has_any_recovery_move``
    (the evaluator's recovery_potential) stops after the first marker whose
    slide completes a line (``stop_at_line``). Only marker-order stamps change.
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
                if t < 0 or not _free(s, t) or s[mk + t] != 0:
                    continue
                s[mk + best] = 0
                s[mk + t] = p
                ln = line_through(geo, s, t, p, L, line)
                s[mk + t] = 0
                s[mk + best] = p
                if ln >= L:
                    return


@jit
def has_recovery(geo, s, p):
    """Any recovery slide at all: a marker of p with an open or stacked neighbour."""
    if not recovery_eligible(s, p):
        return False
    n = geo[G_N]
    nd = geo[G_ND]
    for m in range(n):
        if s[s[O_MARK] + m] != p:
            continue
        for d in range(nd):
            t = step(geo, m, d)
            if t >= 0 and s[s[O_COLL] + t] == 0 and s[s[O_MARK] + t] == 0:
                return True
    return False


@jit
def first_extraction_stack(geo, s, p):
    """The oldest stack whose bottom-most ring of p is not its top ring (-1 if none)."""
    n = geo[G_N]
    best = -1
    best_ord = 0
    for c in range(n):
        h = s[s[O_H] + c]
        if h == 0 or s[s[O_CNT] + c * NP1 + p] == 0:
            continue
        if h == 1 or (s[s[O_CTRL] + c] == p and s[s[O_CNT] + c * NP1 + p] == 1):
            continue  # p's only ring here is the top ring
        o = s[s[O_ORD] + c]
        if best < 0 or o < best_ord:
            best = c
            best_ord = o
    return best


# --- action predicates used by turn logic -----------------------------------------

@jit
def has_valid_actions(geo, s, p):
    """Placement, movement, capture or recovery available (forced-elimination gate)."""
    must = s[H_MUSTMOVE]
    return (has_placement(geo, s, p) or has_movement(geo, s, p, must)
            or has_capture(geo, s, p, must) or has_recovery(geo, s, p))


@jit
def has_real_action(geo, s, p):
    """RR-CANON-R172 real actions: placement, movement or capture (not recovery)."""
    return has_placement(geo, s, p) or has_movement(geo, s, p, -1) or has_capture(geo, s, p, s[H_MUSTMOVE])


# --- decision phases ------------------------------------------------------------------

@jit
def line_moves(geo, s, p, out, k):
    n = geo[G_N]
    if s[H_PENDING_LINE]:
        for c in range(n):
            if s[s[O_CTRL] + c] == p:
                if k < out.shape[0]:
                    out[k] = enc(ELIMINATE_RINGS_FROM_STACK, -1, c, -1, 0)
                k += 1
        return k
    L = s[H_LINE_LEN]
    lines = np.empty((MAX_LINES, 4), np.int32)
    nl = find_lines(geo, s, L, lines)
    for i in range(nl):
        if lines[i, 0] != p:
            continue
        start = lines[i, 1]
        ln = lines[i, 3]
        if k + 1 < out.shape[0]:
            out[k] = enc(PROCESS_LINE, -1, start, -1, i)
            out[k + 1] = enc(CHOOSE_LINE_OPTION, -1, start, -1, i + 64)
        k += 2
        if ln > L:
            for seg in range(ln - L + 1):
                if k < out.shape[0]:
                    out[k] = enc(CHOOSE_LINE_OPTION, -1, start, -1, i + 64 * (seg + 2))
                k += 1
    return k


@jit
def territory_moves(geo, s, p, out, k):
    n = geo[G_N]
    if s[H_TERR_ELIM] and s[H_LAST_MOVER] == p:
        recovery = s[H_RUN_RECOVERY] != 0
        for c in range(n):
            if s[s[O_REG] + c] or s[s[O_H] + c] == 0:
                continue
            if recovery:
                below = s[s[O_CNT] + c * NP1 + p] - (1 if s[s[O_CTRL] + c] == p else 0)
                if below <= 0:
                    continue
            elif s[s[O_CTRL] + c] != p:
                continue
            if k < out.shape[0]:
                out[k] = enc(ELIMINATE_RINGS_FROM_STACK, -1, c, -1, 0)
            k += 1
        return k
    rcell = np.empty(n * NP1 + 1, np.int32)
    rstart = np.empty(MAX_REGIONS, np.int32)
    rlen = np.empty(MAX_REGIONS, np.int32)
    nr = find_regions(geo, s, rcell, rstart, rlen)
    if nr == 0:
        return k
    any_marker = False
    for c in range(n):
        if s[s[O_MARK] + c] != 0:
            any_marker = True
            break
    recovery = s[H_RUN_RECOVERY] != 0 and s[H_LAST_MOVER] == p
    inreg = np.zeros(n, np.uint8)
    k0 = k
    for r in range(nr):
        has_stack = False
        for j in range(rlen[r]):
            c = rcell[rstart[r] + j]
            inreg[c] = 1
            if s[s[O_H] + c] > 0:
                has_stack = True
        ok = has_stack or any_marker
        if ok:
            ok = False
            for c in range(n):
                if inreg[c] or s[s[O_H] + c] == 0:
                    continue
                if recovery:
                    below = s[s[O_CNT] + c * NP1 + p] - (1 if s[s[O_CTRL] + c] == p else 0)
                    if below > 0:
                        ok = True
                        break
                elif s[s[O_CTRL] + c] == p:
                    ok = True
                    break
        for j in range(rlen[r]):
            inreg[rcell[rstart[r] + j]] = 0
        if ok:
            if k < out.shape[0]:
                out[k] = enc(CHOOSE_TERRITORY_OPTION, -1, rcell[rstart[r]], -1, r)
            k += 1
    if k > k0:
        if k < out.shape[0]:
            out[k] = enc(SKIP_TERRITORY_PROCESSING, -1, -1, -1, 0)
        k += 1
    return k


@jit
def forced_elimination_moves(geo, s, p, out, k):
    n = geo[G_N]
    if not controls_stack(s, p):
        return k
    if not has_valid_actions(geo, s, p):
        for c in range(n):
            if s[s[O_CTRL] + c] == p:
                if k < out.shape[0]:
                    out[k] = enc(FORCED_ELIMINATION, -1, c, -1, 0)
                k += 1
        return k
    # RingRift's host then synthesises one elimination on its oldest eligible stack
    best = -1
    for c in range(n):
        if s[s[O_CTRL] + c] == p and s[s[O_CAP] + c] > 0:
            if best < 0 or s[s[O_ORD] + c] < s[s[O_ORD] + best]:
                best = c
    if best >= 0:
        out[k] = enc(FORCED_ELIMINATION, -1, best, -1, 0)
        k += 1
    return k


@jit
def swap_offered(s):
    """Pie rule (RR-CANON-R180): P2's one chance, right after P1's first turn."""
    if not s[H_SWAP_ON] or s[H_P] != 2 or s[H_CUR] != 2 or s[H_SWAPPED]:
        return False
    ph = s[H_PHASE]
    if ph != RING_PLACEMENT and ph != MOVEMENT and ph != CAPTURE and ph != CHAIN_CAPTURE:
        return False
    return s[H_P1_MOVED] != 0 and s[H_P2_MOVED] == 0


@jit
def legal_moves(geo, s, out):
    """All legal moves of the player to move; 0 when the game is over."""
    if s[H_STATUS] != ACTIVE:
        return 0
    p = s[H_CUR]
    ph = s[H_PHASE]
    k = 0
    if ph == RING_PLACEMENT:
        k = placements(geo, s, p, out, 0, False)
        if s[s[O_HAND] + p] > 0:
            if not controls_stack(s, p):
                if recovery_eligible(s, p):
                    out[k] = enc(SKIP_PLACEMENT, -1, -1, -1, 0)
                    k += 1
            else:
                n = geo[G_N]
                for c in range(n):
                    if s[s[O_CTRL] + c] == p and _loose_move_or_capture(
                            geo, s, c, s[s[O_H] + c], s[s[O_CAP] + c]):
                        out[k] = enc(SKIP_PLACEMENT, -1, -1, -1, 0)
                        k += 1
                        break
    elif ph == MOVEMENT:
        must = s[H_MUSTMOVE]
        k = stack_movements(geo, s, p, must, out, 0)
        k = stack_captures(geo, s, p, must, OVERTAKING_CAPTURE, out, k)
        if recovery_eligible(s, p):
            recovery_scan_restamp(geo, s, p)  # RingRift's move generation reorders board.markers
            k = recovery_moves(geo, s, p, out, k)
    elif ph == CAPTURE:
        a = s[H_ATTACKER]
        if a >= 0 and s[s[O_CTRL] + a] == p:
            k = captures_from(geo, s, a, s[s[O_H] + a], s[s[O_CAP] + a], OVERTAKING_CAPTURE, out, 0, 0)
        out[k] = enc(SKIP_CAPTURE, -1, -1, -1, 0)
        k += 1
    elif ph == CHAIN_CAPTURE:
        a = s[H_CHAIN]
        if a >= 0 and s[s[O_CTRL] + a] == p:
            k = captures_from(geo, s, a, s[s[O_H] + a], s[s[O_CAP] + a], CONTINUE_CAPTURE_SEGMENT, out, 0, 0)
    elif ph == LINE_PROCESSING:
        k = line_moves(geo, s, p, out, 0)
    elif ph == TERRITORY_PROCESSING:
        k = territory_moves(geo, s, p, out, 0)
    elif ph == PH_FE:
        k = forced_elimination_moves(geo, s, p, out, 0)
    if swap_offered(s):
        out[k] = enc(SWAP_SIDES, -1, -1, -1, 0)
        k += 1
    if k == 0:
        if ph == RING_PLACEMENT:
            out[0] = enc(NO_PLACEMENT_ACTION, -1, -1, -1, 0)
            k = 1
        elif ph == MOVEMENT:
            out[0] = enc(NO_MOVEMENT_ACTION, -1, -1, -1, 0)
            k = 1
        elif ph == LINE_PROCESSING:
            out[0] = enc(NO_LINE_ACTION, -1, -1, -1, 0)
            k = 1
        elif ph == TERRITORY_PROCESSING:
            out[0] = enc(NO_TERRITORY_ACTION, -1, -1, -1, 0)
            k = 1
    return k
