"""Turn flow: which phase follows a move, and passing the turn (RR-CANON-R070-R075, R201-R204).

A turn runs placement -> movement (or capture, chain capture) -> line
processing -> territory processing (-> forced elimination) and then passes to
the next seat that still has a ring. ``advance_phase`` moves the phase on after
``apply_move`` has changed the board; it asks the move generator whether a
decision remains (another capture segment, line, region), as RingRift does.
"""
from __future__ import annotations

import numpy as np

from .movegen import captures_from, line_moves, territory_moves
from .moves import (CHOOSE_LINE_OPTION, CHOOSE_TERRITORY_OPTION, CONTINUE_CAPTURE_SEGMENT,
                    ELIMINATE_RINGS_FROM_STACK, FORCED_ELIMINATION, MOVE_STACK, NO_LINE_ACTION,
                    NO_MOVEMENT_ACTION, NO_PLACEMENT_ACTION, NO_TERRITORY_ACTION, OVERTAKING_CAPTURE,
                    PLACE_RING, PROCESS_LINE, RECOVERY_SLIDE, SKIP_CAPTURE, SKIP_PLACEMENT, SKIP_RECOVERY,
                    SKIP_TERRITORY_PROCESSING, mto)
from .state import (ACTIVE, CAPTURE, CHAIN_CAPTURE, FORCED_ELIMINATION as PH_FE, H_ATTACKER, H_CHAIN, H_CUR,
                    H_LAST_MOVER, H_MUSTMOVE, H_P, H_PENDING_LINE, H_PHASE, H_RUN_CHANGE, H_STATUS,
                    LINE_PROCESSING, MOVEMENT, RING_PLACEMENT, TERRITORY_PROCESSING, cap, controls_stack, ctrl,
                    height, jit, rings_in_play)
from .victory import check_victory, lps_track, lps_victory


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
            lps_track(geo, s)
            lps_victory(geo, s)
            return
    s[H_PHASE] = RING_PLACEMENT
    s[H_MUSTMOVE] = -1


@jit
def no_board_change(t):
    """Move types that leave the board as it was (bookkeeping and skips)."""
    return (t == NO_PLACEMENT_ACTION or t == NO_MOVEMENT_ACTION or t == NO_LINE_ACTION
            or t == NO_TERRITORY_ACTION or t == SKIP_PLACEMENT or t == SKIP_TERRITORY_PROCESSING
            or t == SKIP_CAPTURE or t == SKIP_RECOVERY)


@jit
def _to_line_processing(s):
    s[H_CHAIN] = -1
    s[H_MUSTMOVE] = -1
    s[H_PHASE] = LINE_PROCESSING


@jit
def _had_change(s):
    """The player to move changed the board this turn (forced elimination is owed otherwise)."""
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
def _attacker_can_capture(geo, s, b, p, mt):
    buf = np.empty(1, np.int64)
    return ctrl(s, b) == p and captures_from(geo, s, b, height(s, b), cap(s, b), mt, buf, 0, 1) > 0


@jit
def advance_phase(geo, s, t, m):
    """The phase (and, at a turn's end, the player) after move m of type t was applied."""
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
        if _attacker_can_capture(geo, s, b, p, OVERTAKING_CAPTURE):
            s[H_PHASE] = CAPTURE
            s[H_ATTACKER] = b
        else:
            _to_line_processing(s)
    elif t == NO_MOVEMENT_ACTION or t == SKIP_CAPTURE or t == RECOVERY_SLIDE or t == SKIP_RECOVERY:
        _to_line_processing(s)
    elif t == OVERTAKING_CAPTURE or t == CONTINUE_CAPTURE_SEGMENT:
        if _attacker_can_capture(geo, s, s[H_CHAIN], p, CONTINUE_CAPTURE_SEGMENT):
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
