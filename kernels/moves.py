"""Compact integer move encoding.

A move is one int64: ``type | a << 5 | b << 15 | c << 25 | x << 35`` where
a, b, c are cells (1023 = none) and x a small integer:

=========================  =====  ======  =========  ==============================
type                        a      b       c          x
=========================  =====  ======  =========  ==============================
PLACE_RING                  -      to      -          ring count (1-3)
MOVE_STACK                  from   to      -          -
OVERTAKING_CAPTURE,
CONTINUE_CAPTURE_SEGMENT    from   to      target     -
RECOVERY_SLIDE              from   to      -          REC_LINE_ALL, REC_LINE_MIN,
                                                      REC_FALLBACK, REC_STRIKE
PROCESS_LINE                -      start   -          line index
CHOOSE_LINE_OPTION          -      start   -          line index + 64 * opt; opt 1 =
                                                      collapse all, opt 2+j = the
                                                      minimum segment starting at j
ELIMINATE_RINGS_FROM_STACK,
FORCED_ELIMINATION          -      stack   -          -
CHOOSE_TERRITORY_OPTION     -      first   -          region index
others                      -      -       -          -
=========================  =====  ======  =========  ==============================

Line and region indices refer to the deterministic enumeration of the state
the move is generated in (kernels.detect), so a code is only meaningful with
that state.
"""
from __future__ import annotations

from .state import jit

PLACE_RING, SKIP_PLACEMENT, NO_PLACEMENT_ACTION = 0, 1, 2
MOVE_STACK, OVERTAKING_CAPTURE, CONTINUE_CAPTURE_SEGMENT, SKIP_CAPTURE, NO_MOVEMENT_ACTION = 3, 4, 5, 6, 7
RECOVERY_SLIDE, SKIP_RECOVERY = 8, 9
PROCESS_LINE, CHOOSE_LINE_OPTION, NO_LINE_ACTION = 10, 11, 12
ELIMINATE_RINGS_FROM_STACK, CHOOSE_TERRITORY_OPTION, SKIP_TERRITORY_PROCESSING = 13, 14, 15
NO_TERRITORY_ACTION, FORCED_ELIMINATION, SWAP_SIDES = 16, 17, 18

MOVE_TYPE_NAMES = (
    "place_ring", "skip_placement", "no_placement_action", "move_stack", "overtaking_capture",
    "continue_capture_segment", "skip_capture", "no_movement_action", "recovery_slide",
    "skip_recovery", "process_line", "choose_line_option", "no_line_action",
    "eliminate_rings_from_stack", "choose_territory_option", "skip_territory_processing",
    "no_territory_action", "forced_elimination", "swap_sides",
)
MOVE_TYPE_IDS = {name: i for i, name in enumerate(MOVE_TYPE_NAMES)}

REC_LINE_ALL, REC_LINE_MIN, REC_FALLBACK, REC_STRIKE = 0, 1, 2, 3
NONE = 1023
EXPLICIT_REGION = 4095  # CHOOSE_TERRITORY_OPTION extra: the region is the caller-filled REG mask
MAX_MOVES = 8192  # large enough for every position of every board (placement peaks at 1407)


@jit
def enc(t, a, b, c, x):
    return (t | ((a if a >= 0 else NONE) << 5) | ((b if b >= 0 else NONE) << 15)
            | ((c if c >= 0 else NONE) << 25) | (x << 35))


@jit
def mtype(m):
    return m & 31


@jit
def _cell(v):
    return -1 if v == NONE else v


@jit
def mfrom(m):
    return _cell((m >> 5) & 1023)


@jit
def mto(m):
    return _cell((m >> 15) & 1023)


@jit
def mtarget(m):
    return _cell((m >> 25) & 1023)


@jit
def mextra(m):
    return m >> 35
