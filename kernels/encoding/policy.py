"""Move code -> index in RingRift's board-aware policy space (``encode_move_for_board``).

``policy_index(geo, s, m)`` takes a legal move code m of state s (the state
the move is played in) and returns its index in [0, layout.POLICY_SIZE), or
-1 where RingRift cannot encode the move (the exporter then drops the sample).

Square boards (N = 8 or 19, D = N - 1, cell = y * N + x):

==========================================  =====================================================
place_ring                                  cell * 3 + (count - 1)
move_stack, overtaking_capture,             3N^2 + from * 8D + dir * D + (dist - 1); dir in
continue_capture_segment, recovery_slide    (-1,-1) (0,-1) (1,-1) (-1,0) (1,0) (-1,1) (0,1) (1,1)
                                            as (dx, dy), dist = Chebyshev distance to the
                                            landing cell
process_line                                LINE_FORM + cell(line start) * 4 (no direction)
eliminate_rings_from_stack                  TERRITORY_CLAIM + cell(stack)
choose_line_option                          LINE_CHOICE: RingRift's moves carry no option number,
                                            so every option gets the first slot
choose_territory_option                     TERRITORY_CHOICE + cell * 32 + min(size - 1, 7) * 4 +
                                            (mover - 1) % 4; cell = the region's smallest (y, x)
skips, no_*_action, swap_sides,             one index each (SPECIAL, EXTRA_SPECIAL below)
forced_elimination
==========================================  =====================================================

The region's controlling player is the mover: RingRift's (default) fast region
finder leaves it 0 and the move generator then puts the mover there.

Hex boards (S = 9 or 25, R = (S - 1) / 2, D = S - 1, cell = (y + R) * S + x + R
with cube x, y): placements and the four movement types as above with 6
directions (1,0) (0,1) (-1,1) (-1,0) (0,-1) (1,-1); every other move except
swap_sides shares the single index 3S^2 + 6S^2 D; swap_sides gives -1.
"""
from __future__ import annotations

import numpy as np

from ..detect import MAX_REGIONS, find_regions
from ..geometry import G_CX, G_CY, G_HEX, G_N, G_SIZE
from ..moves import (CHOOSE_LINE_OPTION, CHOOSE_TERRITORY_OPTION, CONTINUE_CAPTURE_SEGMENT, ELIMINATE_RINGS_FROM_STACK,
                     EXPLICIT_REGION, FORCED_ELIMINATION, MOVE_STACK, NO_LINE_ACTION, NO_MOVEMENT_ACTION,
                     NO_PLACEMENT_ACTION, NO_TERRITORY_ACTION, OVERTAKING_CAPTURE, PLACE_RING, PROCESS_LINE,
                     RECOVERY_SLIDE, SKIP_CAPTURE, SKIP_PLACEMENT, SKIP_RECOVERY, SKIP_TERRITORY_PROCESSING,
                     SWAP_SIDES, mextra, mfrom, mto, mtype)
from ..state import H_CUR, NP1, O_REG, jit

INVALID = -1
TERRITORY_SIZE_BUCKETS = 8
TERRITORY_PLAYERS = 4


@jit
def _is_movement(t):
    return t == MOVE_STACK or t == OVERTAKING_CAPTURE or t == CONTINUE_CAPTURE_SEGMENT or t == RECOVERY_SLIDE


# --- square -----------------------------------------------------------------------------------

@jit
def square_bases(size):
    """(movement, line formation, territory claim, special, line choice, territory choice, extra special)."""
    n2 = size * size
    dmax = size - 1
    movement = 3 * n2
    line_form = movement + n2 * 8 * dmax
    terr_claim = line_form + n2 * 4
    special = terr_claim + n2
    line_choice = special + 3
    terr_choice = line_choice + 4
    extra = terr_choice + n2 * TERRITORY_SIZE_BUCKETS * TERRITORY_PLAYERS
    return movement, line_form, terr_claim, special, line_choice, terr_choice, extra


@jit
def _ray(geo, m, dmax):
    """A movement's from-cell, unit step (x, y) and distance; distance 0 where the move is not a
    ray of at most ``dmax`` cells (the encoder has no index for it)."""
    a = mfrom(m)
    b = mto(m)
    if a < 0 or b < 0:
        return a, 0, 0, 0
    cx, cy = geo[G_CX], geo[G_CY]
    dx = geo[cx + b] - geo[cx + a]
    dy = geo[cy + b] - geo[cy + a]
    dist = max(abs(dx), abs(dy))
    if dist == 0 or dist > dmax:
        return a, 0, 0, 0
    return a, dx // dist, dy // dist, dist


@jit
def _square_dir(dx, dy):
    # (-1,-1) (0,-1) (1,-1) (-1,0) (1,0) (-1,1) (0,1) (1,1)
    if dy == -1:
        return dx + 1 if -1 <= dx <= 1 else -1
    if dy == 0:
        if dx == -1:
            return 3
        if dx == 1:
            return 4
        return -1
    if dy == 1:
        return dx + 6 if -1 <= dx <= 1 else -1
    return -1


@jit
def _region_anchor(geo, s, m):
    """(smallest cell, size) of the region a choose_territory_option code names."""
    n = geo[G_N]
    r = mextra(m)
    lo = n
    size = 0
    if r == EXPLICIT_REGION:
        for c in range(n):
            if s[s[O_REG] + c]:
                size += 1
                if c < lo:
                    lo = c
        return lo, size
    rcell = np.empty(n * NP1 + 1, np.int32)
    rstart = np.empty(MAX_REGIONS, np.int32)
    rlen = np.empty(MAX_REGIONS, np.int32)
    k = find_regions(geo, s, rcell, rstart, rlen)
    if r >= k:
        return -1, int(0)
    lo = n
    for j in range(rlen[r]):
        c = rcell[rstart[r] + j]
        if c < lo:
            lo = c
    return lo, int(rlen[r])


@jit
def _square_index(geo, s, m):
    size = geo[G_SIZE]
    cx, cy = geo[G_CX], geo[G_CY]
    movement, line_form, terr_claim, special, line_choice, terr_choice, extra = square_bases(size)
    dmax = size - 1
    t = mtype(m)
    if t == PLACE_RING:
        b = mto(m)
        cnt = mextra(m)
        return (geo[cy + b] * size + geo[cx + b]) * 3 + (cnt if cnt != 0 else 1) - 1
    if _is_movement(t):
        a, ux, uy, dist = _ray(geo, m, dmax)
        d = _square_dir(ux, uy)
        if dist == 0 or d < 0:
            return INVALID
        return movement + (geo[cy + a] * size + geo[cx + a]) * (8 * dmax) + d * dmax + dist - 1
    if t == PROCESS_LINE:
        b = mto(m)
        return line_form + (geo[cy + b] * size + geo[cx + b]) * 4
    if t == ELIMINATE_RINGS_FROM_STACK:
        b = mto(m)
        return terr_claim + geo[cy + b] * size + geo[cx + b]
    if t == SKIP_PLACEMENT:
        return special
    if t == SWAP_SIDES:
        return special + 1
    if t == SKIP_RECOVERY:
        return special + 2
    if t == CHOOSE_LINE_OPTION:
        return line_choice
    if t == CHOOSE_TERRITORY_OPTION:
        lo, rsize = _region_anchor(geo, s, m)
        if lo < 0 or rsize == 0:
            return INVALID
        pos = geo[cy + lo] * size + geo[cx + lo]
        return (terr_choice + pos * (TERRITORY_SIZE_BUCKETS * TERRITORY_PLAYERS)
                + min(rsize - 1, TERRITORY_SIZE_BUCKETS - 1) * TERRITORY_PLAYERS
                + (s[H_CUR] - 1) % TERRITORY_PLAYERS)
    if t == NO_PLACEMENT_ACTION:
        return extra
    if t == NO_MOVEMENT_ACTION:
        return extra + 1
    if t == SKIP_CAPTURE:
        return extra + 2
    if t == NO_LINE_ACTION:
        return extra + 3
    if t == NO_TERRITORY_ACTION:
        return extra + 4
    if t == SKIP_TERRITORY_PROCESSING:
        return extra + 5
    if t == FORCED_ELIMINATION:
        return extra + 6
    return INVALID


# --- hex --------------------------------------------------------------------------------------

@jit
def hex_special(size):
    return 3 * size * size + 6 * size * size * (size - 1)


@jit
def _hex_dir(dx, dy):
    # (1,0) (0,1) (-1,1) (-1,0) (0,-1) (1,-1)
    if dx == 1 and dy == 0:
        return 0
    if dx == 0 and dy == 1:
        return 1
    if dx == -1 and dy == 1:
        return 2
    if dx == -1 and dy == 0:
        return 3
    if dx == 0 and dy == -1:
        return 4
    if dx == 1 and dy == -1:
        return 5
    return -1


@jit
def _hex_shared(t):
    return (t == SKIP_PLACEMENT or t == NO_PLACEMENT_ACTION or t == NO_MOVEMENT_ACTION or t == SKIP_CAPTURE
            or t == NO_LINE_ACTION or t == NO_TERRITORY_ACTION or t == SKIP_TERRITORY_PROCESSING
            or t == FORCED_ELIMINATION or t == ELIMINATE_RINGS_FROM_STACK or t == CHOOSE_TERRITORY_OPTION
            or t == PROCESS_LINE or t == CHOOSE_LINE_OPTION or t == SKIP_RECOVERY)


@jit
def _hex_index(geo, s, m):
    size = geo[G_SIZE]
    r = (size - 1) // 2
    dmax = size - 1
    cx, cy = geo[G_CX], geo[G_CY]
    t = mtype(m)
    if t == PLACE_RING:
        b = mto(m)
        cnt = mextra(m)
        if cnt == 0:
            cnt = 1
        if cnt < 1 or cnt > 3:
            return INVALID
        return ((geo[cy + b] + r) * size + geo[cx + b] + r) * 3 + cnt - 1
    if _is_movement(t):
        a, ux, uy, dist = _ray(geo, m, dmax)
        d = _hex_dir(ux, uy)
        if dist == 0 or d < 0:
            return INVALID
        frm = (geo[cy + a] + r) * size + geo[cx + a] + r
        return 3 * size * size + frm * (6 * dmax) + d * dmax + dist - 1
    if _hex_shared(t):
        return hex_special(size)
    return INVALID  # swap_sides


@jit
def policy_index(geo, s, m):
    """RingRift's policy index of legal move m of state s; -1 where it cannot encode the move."""
    if geo[G_HEX]:
        return _hex_index(geo, s, m)
    return _square_index(geo, s, m)
