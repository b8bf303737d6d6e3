"""Legal-move generation for every phase (RR-CANON-R070-R115, R120-R145, R200-R207).

``legal_moves(geo, s, out)`` writes the moves of the player to move into the
preallocated int64 buffer ``out`` and returns how many there are. It returns
exactly the list RingRift's engine offers (its interactive moves, or the single
bookkeeping move a phase requires when there are none), repeats included. It
never changes ``s``; RingRift's listing has one side effect on its own state
(marker order), which callers replay with ``recovery.listing_side_effect``.
Recovery slides are generated in kernels/recovery.py.
"""
from __future__ import annotations

import numpy as np

from .detect import MAX_LINES, MAX_REGIONS, find_lines, find_regions, step
from .geometry import G_N, G_ND
from .moves import (CHOOSE_LINE_OPTION, CHOOSE_TERRITORY_OPTION, CONTINUE_CAPTURE_SEGMENT,
                    ELIMINATE_RINGS_FROM_STACK, FORCED_ELIMINATION, MOVE_STACK, NO_LINE_ACTION,
                    NO_MOVEMENT_ACTION, NO_PLACEMENT_ACTION, NO_TERRITORY_ACTION, OVERTAKING_CAPTURE,
                    PLACE_RING, PROCESS_LINE, SKIP_CAPTURE, SKIP_PLACEMENT,
                    SKIP_TERRITORY_PROCESSING, SWAP_SIDES, enc)
from .recovery import has_recovery, recovery_eligible, recovery_moves
from .state import (ACTIVE, CAPTURE, CHAIN_CAPTURE, FORCED_ELIMINATION as PH_FE, H_ATTACKER, H_CHAIN,
                    H_CUR, H_LAST_MOVER, H_LINE_LEN, H_MUSTMOVE, H_P, H_P1_MOVED, H_P2_MOVED,
                    H_PENDING_LINE, H_PHASE, H_RPP, H_RUN_RECOVERY, H_STATUS, H_SWAP_ON, H_SWAPPED,
                    H_TERR_ELIM, LINE_PROCESSING, MOVEMENT, NP1, O_CNT, O_CTRL, O_H, O_MARK, O_REG,
                    RING_PLACEMENT, TERRITORY_PROCESSING, cap, collapsed, controls_stack, ctrl, hand, height,
                    is_open, jit, jit_borrow, marker, rings_in_play, stack_order)


# --- movement and capture ---------------------------------------------------

@jit_borrow
def movement_from(geo, s, c, h, out, k, limit):
    """Non-capture moves of a stack of height h at c (RR-CANON-R090-R092)."""
    nd = geo[G_ND]
    for d in range(nd):
        cur = c
        dist = 0
        while True:
            cur = step(geo, cur, d)
            dist += 1
            if cur < 0 or not is_open(s, cur):
                break
            if dist >= h:
                if k < out.shape[0]:
                    out[k] = enc(MOVE_STACK, c, cur, -1, 0)
                k += 1
                if limit > 0 and k >= limit:
                    return k
    return k


@jit_borrow
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
            if cur < 0 or collapsed(s, cur) != 0:
                break
            if height(s, cur) > 0:
                if capv >= cap(s, cur):
                    tgt = cur
                break
        if tgt < 0:
            continue
        land = tgt
        while True:
            land = step(geo, land, d)
            dist += 1
            if land < 0 or not is_open(s, land):
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
            if cur < 0 or not is_open(s, cur):
                ok = False
                break
        if not ok:
            continue
        cur = step(geo, cur, d)
        if cur >= 0 and collapsed(s, cur) == 0:
            return True
    buf = np.empty(1, np.int64)
    return captures_from(geo, s, c, h, capv, OVERTAKING_CAPTURE, buf, 0, 1) > 0


@jit
def _move_or_capture(geo, s, c, h, capv):
    buf = np.empty(1, np.int64)
    if movement_from(geo, s, c, h, buf, 0, 1) > 0:
        return True
    return captures_from(geo, s, c, h, capv, OVERTAKING_CAPTURE, buf, 0, 1) > 0


# what _each_movable_stack lists for every stack of p that may move
_MOVES, _CAPTURES, _LOOSE = 0, 1, 2


@jit
def _each_movable_stack(geo, s, p, must, what, mt, out, k, limit):
    """Moves of every stack p may move (all of p's stacks, or only the one at ``must`` >= 0),
    in cell order: non-capture moves (_MOVES), capture segments of type mt (_CAPTURES), or
    one entry for the first stack passing RingRift's loose test (_LOOSE, out untouched).
    Appends to out[k:] and returns the new count; stops at ``limit`` > 0 moves."""
    lo, hi = 0, geo[G_N]
    if must >= 0:
        lo, hi = must, must + 1
    for c in range(lo, hi):
        if ctrl(s, c) != p:
            continue
        if what == _MOVES:
            k = movement_from(geo, s, c, height(s, c), out, k, limit)
        elif what == _CAPTURES:
            k = captures_from(geo, s, c, height(s, c), cap(s, c), mt, out, k, limit)
        elif _loose_move_or_capture(geo, s, c, height(s, c), cap(s, c)):
            k += 1
        if limit > 0 and k >= limit:
            return k
    return k


@jit
def stack_movements(geo, s, p, must, out, k):
    return _each_movable_stack(geo, s, p, must, _MOVES, MOVE_STACK, out, k, 0)


@jit
def stack_captures(geo, s, p, must, mt, out, k):
    return _each_movable_stack(geo, s, p, must, _CAPTURES, mt, out, k, 0)


@jit
def has_movement(geo, s, p, must):
    buf = np.empty(1, np.int64)
    return _each_movable_stack(geo, s, p, must, _MOVES, MOVE_STACK, buf, 0, 1) > 0


@jit
def has_capture(geo, s, p, must):
    buf = np.empty(1, np.int64)
    return _each_movable_stack(geo, s, p, must, _CAPTURES, OVERTAKING_CAPTURE, buf, 0, 1) > 0


# --- placement ----------------------------------------------------------------

@jit_borrow
def _placement_room(s, p):
    """Rings p may still place: min(hand, per-player supply minus rings on board)."""
    rih = hand(s, p)
    if rih <= 0:
        return 0
    on_board = rings_in_play(s, p) - rih
    room = s[H_RPP] - on_board
    return min(room, rih)


@jit_borrow
def _hyp(s, c, p, count):
    """Height and cap of the stack at c after placing count rings of p there."""
    h = height(s, c)
    if h > 0:
        capv = cap(s, c) + count if ctrl(s, c) == p else count
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
        if collapsed(s, c) != 0 or marker(s, c) != 0:
            continue
        occupied = height(s, c) > 0
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
    if hand(s, p) <= 0:
        return False
    n = geo[G_N]
    for c in range(n):
        if collapsed(s, c) != 0 or marker(s, c) != 0:
            continue
        if _loose_move_or_capture(geo, s, c, 1, 1):
            return True
    return False


@jit
def skip_placement_offered(geo, s, p):
    """skip_placement is legal: p has rings in hand and either a stack that could move
    (RingRift's loose test) or, with no stack, a recovery to make instead."""
    if hand(s, p) <= 0:
        return False
    if not controls_stack(s, p):
        return recovery_eligible(s, p)
    buf = np.empty(1, np.int64)
    return _each_movable_stack(geo, s, p, -1, _LOOSE, MOVE_STACK, buf, 0, 1) > 0


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
            if ctrl(s, c) == p:
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
            if ctrl(s, c) == p:
                if k < out.shape[0]:
                    out[k] = enc(FORCED_ELIMINATION, -1, c, -1, 0)
                k += 1
        return k
    # RingRift's host then synthesises one elimination on its oldest eligible stack
    best = -1
    for c in range(n):
        if ctrl(s, c) == p and cap(s, c) > 0:
            if best < 0 or stack_order(s, c) < stack_order(s, best):
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
    """All legal moves of the player to move; 0 when the game is over. ``s`` is not changed.

    Where RingRift's flow lists moves on a live state, call
    ``recovery.listing_side_effect`` too: RingRift's listing reorders markers.
    """
    if s[H_STATUS] != ACTIVE:
        return 0
    p = s[H_CUR]
    ph = s[H_PHASE]
    k = 0
    if ph == RING_PLACEMENT:
        k = placements(geo, s, p, out, 0, False)
        if skip_placement_offered(geo, s, p):
            out[k] = enc(SKIP_PLACEMENT, -1, -1, -1, 0)
            k += 1
    elif ph == MOVEMENT:
        must = s[H_MUSTMOVE]
        k = stack_movements(geo, s, p, must, out, 0)
        k = stack_captures(geo, s, p, must, OVERTAKING_CAPTURE, out, k)
        if recovery_eligible(s, p):
            k = recovery_moves(geo, s, p, out, k)
    elif ph == CAPTURE:
        a = s[H_ATTACKER]
        if a >= 0 and ctrl(s, a) == p:
            k = captures_from(geo, s, a, height(s, a), cap(s, a), OVERTAKING_CAPTURE, out, 0, 0)
        out[k] = enc(SKIP_CAPTURE, -1, -1, -1, 0)
        k += 1
    elif ph == CHAIN_CAPTURE:
        a = s[H_CHAIN]
        if a >= 0 and ctrl(s, a) == p:
            k = captures_from(geo, s, a, height(s, a), cap(s, a), CONTINUE_CAPTURE_SEGMENT, out, 0, 0)
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
