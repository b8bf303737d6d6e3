"""The game state: one flat int32 array per game.

A state is ``s = np.zeros(state_size(n_cells, n_rings), np.int32)``: a header
of scalars followed by per-cell, per-ring and per-player tables whose offsets
live in the header (so every kernel can take ``s`` alone, and a batch of games
is simply a 2-D array, one row per game).

Stacks are doubly-linked lists over a pool of ring slots: ``top[c]``/``bot[c]``
are slot ids (-1 when the cell holds no stack), ``dn[slot]`` points to the ring
below, ``up[slot]`` to the ring above, ``own[slot]`` is the ring's colour. The
pool is sized to the rings that exist (on board + in hand), so capturing,
moving and merging stacks are O(1) and a state stays small on every board.
``h``, ``ctrl``, ``cap`` and ``cnt[c, p]`` are caches kept in step with the
lists. ``ord[c]`` records when the stack at c was created: RingRift keeps
stacks in an insertion-ordered dict and a few of its choices take "the first
eligible stack", so we keep the same order. ``mord[c]`` does the same for the
marker on c (0 when none): RingRift's HeuristicAI reads a player's first 10
markers in ``board.markers`` order (territory_closure), so every marker write
follows Python dict semantics (see ``new_marker`` / ``flip_marker`` /
``clear_marker`` / ``restamp_marker``).

Players are numbered 1..P; per-player tables have 5 slots (index 0 unused).
See docs/formats.md (kernel state) for every slot.
"""
from __future__ import annotations

import numpy as np
from numba import njit

jit = njit(cache=True, nogil=True)
# For hot helpers that allocate nothing (numba refuses to compile an allocation in one): an
# NRT function increfs every array argument on entry and decrefs it on exit, atomic calls
# that cost the evaluator ~5 % of its time when spread over its per-player helpers. The
# caller keeps the arrays alive, so the helper may borrow them. numba's own library
# compiles its allocation-free helpers the same way.
jit_borrow = njit(cache=True, nogil=True, _nrt=False)

# Files that store states (pool.h5, ...) carry this number and refuse other values on read.
# Bump it whenever the meaning of a stored state changes: a slot, a table, the table order,
# an encoding (phases, status) or the cell numbering of kernels/geometry.py.
# tests/storage/test_layout.py pins a fingerprint of all that to this number.
STATE_LAYOUT_VERSION = 1

# phases (values are ours; names are RingRift's)
RING_PLACEMENT, MOVEMENT, CAPTURE, CHAIN_CAPTURE = 0, 1, 2, 3
LINE_PROCESSING, TERRITORY_PROCESSING, FORCED_ELIMINATION, GAME_OVER = 4, 5, 6, 7
PHASE_NAMES = ("ring_placement", "movement", "capture", "chain_capture", "line_processing",
               "territory_processing", "forced_elimination", "game_over")

ACTIVE, COMPLETED = 0, 1

# header slots -------------------------------------------------------------
H_N, H_P, H_R, H_BOARD = 0, 1, 2, 3
H_PHASE, H_CUR, H_STATUS, H_WINNER = 4, 5, 6, 7
H_MUSTMOVE, H_ATTACKER, H_CHAIN = 8, 9, 10          # cells, -1 when unset
H_PENDING_LINE = 11                                  # a line reward elimination is owed
H_LAST_MOVER, H_RUN_CHANGE, H_RUN_RECOVERY = 12, 13, 14  # facts about the current run of moves
H_TERR_ELIM = 15                                     # region in REG was just processed: elimination owed
H_SWAP_ON, H_P1_MOVED, H_P2_MOVED, H_SWAPPED = 16, 17, 18, 19
H_VICTORY, H_TERR_VICTORY = 20, 21
H_LPS_REQ, H_LPS_ROUND, H_LPS_FIRST, H_LPS_EXCL_DONE, H_LPS_CONSEC, H_LPS_CONSEC_P = 22, 23, 24, 25, 26, 27
H_RPP, H_LINE_LEN, H_PLY, H_TOTAL_ELIM, H_NFREE, H_ORDER_CTR, H_RINGS_IN_PLAY = 28, 29, 30, 31, 32, 33, 34
H_MOVE_CAP, H_HIT_CAP, H_LAST_ACTOR = 35, 36, 37
H_MORD_CTR = 38                                      # last marker-order stamp handed out
# table offsets
O_TOP, O_BOT, O_H, O_CTRL, O_CAP, O_CNT, O_MARK, O_COLL, O_ORD, O_REG = 40, 41, 42, 43, 44, 45, 46, 47, 48, 49
O_UP, O_DN, O_OWN, O_FREE = 50, 51, 52, 53
O_HAND, O_ELIM, O_TERR, O_LPSM, O_BELIM = 54, 55, 56, 57, 58
O_MORD = 59
HDR = 64
NP1 = 5  # per-player table width


def state_size(n: int, r: int) -> int:
    return HDR + n * 10 + n * NP1 + r * 4 + NP1 * 5


def empty_state(n: int, r: int, board: int, players: int) -> np.ndarray:
    """An all-empty board with the layout filled in; callers set the rest."""
    s = np.zeros(state_size(n, r), np.int32)
    s[H_N], s[H_R], s[H_P], s[H_BOARD] = n, r, players, board
    off = HDR
    for slot, size in ((O_TOP, n), (O_BOT, n), (O_H, n), (O_CTRL, n), (O_CAP, n), (O_CNT, n * NP1),
                       (O_MARK, n), (O_COLL, n), (O_ORD, n), (O_REG, n), (O_MORD, n), (O_UP, r), (O_DN, r),
                       (O_OWN, r), (O_FREE, r), (O_HAND, NP1), (O_ELIM, NP1), (O_TERR, NP1),
                       (O_LPSM, NP1), (O_BELIM, NP1)):
        s[slot] = off
        off += size
    assert off == s.size
    s[s[O_TOP]:s[O_TOP] + n] = -1
    s[s[O_BOT]:s[O_BOT] + n] = -1
    s[s[O_LPSM]:s[O_LPSM] + NP1] = -1
    s[H_MUSTMOVE] = s[H_ATTACKER] = s[H_CHAIN] = -1
    # every ring slot starts free; slot r-1 is handed out first
    s[s[O_FREE]:s[O_FREE] + r] = np.arange(r, dtype=np.int32)
    s[H_NFREE] = r
    s[H_PHASE] = RING_PLACEMENT
    s[H_CUR] = 1
    return s


# --- accessors -----------------------------------------------------------------
# Every kernel reads the tables through these (numba inlines them); writes stay
# explicit ``s[s[O_X] + i] = v`` so a reader sees at a glance what a function changes.

@jit
def height(s, c):
    return s[s[O_H] + c]


@jit
def ctrl(s, c):
    """The player on top of the stack at c (0: no stack)."""
    return s[s[O_CTRL] + c]


@jit
def cap(s, c):
    """Cap height: the rings of the controller on top of c, counted down to the first other colour."""
    return s[s[O_CAP] + c]


@jit
def marker(s, c):
    """Owner of the marker on c (0: none)."""
    return s[s[O_MARK] + c]


@jit
def collapsed(s, c):
    """Owner of the collapsed space c (0: not collapsed)."""
    return s[s[O_COLL] + c]


@jit
def is_open(s, c):
    """c is neither collapsed nor holding a stack (a marker may be there)."""
    return s[s[O_COLL] + c] == 0 and s[s[O_H] + c] == 0


@jit
def ring_count(s, c, p):
    """Rings of colour p in the stack at c (buried ones included)."""
    return s[s[O_CNT] + c * NP1 + p]


@jit
def stack_order(s, c):
    """When the stack at c was created (RingRift's dict order of stacks)."""
    return s[s[O_ORD] + c]


@jit
def in_region(s, c):
    """c belongs to the territory region processed last (O_REG)."""
    return s[s[O_REG] + c]


@jit
def hand(s, p):
    return s[s[O_HAND] + p]


@jit
def eliminated(s, p):
    """Rings credited to p as eliminated (RingRift's player.eliminatedRings: the victory count)."""
    return s[s[O_ELIM] + p]


@jit
def board_eliminated(s, p):
    """RingRift's board.eliminatedRings[p]; our moves credit it with ``eliminated``, so the two
    differ only where a JSON input state made them differ."""
    return s[s[O_BELIM] + p]


@jit
def territory(s, p):
    """Spaces collapsed for p."""
    return s[s[O_TERR] + p]


@jit
def s_invariant(s):
    """RingRift's progress measure S = M + C + E (RR-CANON-R191): markers, collapsed spaces, eliminated rings.

    E is the game's running total (H_TOTAL_ELIM, RingRift's ``totalRingsEliminated``), which is what
    RingRift's TS engine reads (``computeProgressSnapshot``), not the per-player or board-level
    credits: a serialized state may carry those inconsistently, and only the total moves with every
    elimination in both engines. No legal move lowers S; a movement or capture raises it.
    """
    n = s[H_N]
    mk = s[O_MARK]
    co = s[O_COLL]
    k = 0
    for c in range(n):
        if s[mk + c] > 0:
            k += 1
        if s[co + c] > 0:
            k += 1
    return k + s[H_TOTAL_ELIM]


# --- ring-pool stack operations ----------------------------------------------

@jit
def _alloc(s):
    s[H_NFREE] -= 1
    return s[s[O_FREE] + s[H_NFREE]]


@jit
def _release(s, slot):
    s[s[O_FREE] + s[H_NFREE]] = slot
    s[H_NFREE] += 1


@jit
def refresh_cap(s, c):
    """Recompute controller and cap height of cell c from its ring list."""
    t = s[s[O_TOP] + c]
    if t < 0:
        s[s[O_CTRL] + c] = 0
        s[s[O_CAP] + c] = 0
        s[s[O_H] + c] = 0
        return
    p = s[s[O_OWN] + t]
    k = 0
    dn = s[O_DN]
    own = s[O_OWN]
    while t >= 0 and s[own + t] == p:
        k += 1
        t = s[dn + t]
    s[s[O_CTRL] + c] = p
    s[s[O_CAP] + c] = k


@jit
def _note_new_stack(s, c):
    s[s[O_ORD] + c] = s[H_ORDER_CTR]
    s[H_ORDER_CTR] += 1


@jit
def push_top(s, c, p, k):
    """Put k rings of colour p on top of cell c (creating the stack if empty)."""
    if s[s[O_TOP] + c] < 0:
        _note_new_stack(s, c)
    for _ in range(k):
        slot = _alloc(s)
        s[s[O_OWN] + slot] = p
        t = s[s[O_TOP] + c]
        s[s[O_DN] + slot] = t
        s[s[O_UP] + slot] = -1
        if t >= 0:
            s[s[O_UP] + t] = slot
        else:
            s[s[O_BOT] + c] = slot
        s[s[O_TOP] + c] = slot
        s[s[O_H] + c] += 1
        s[s[O_CNT] + c * NP1 + p] += 1
    refresh_cap(s, c)


@jit
def _unlink(s, c, slot):
    up = s[s[O_UP] + slot]
    dn = s[s[O_DN] + slot]
    if up >= 0:
        s[s[O_DN] + up] = dn
    else:
        s[s[O_TOP] + c] = dn
    if dn >= 0:
        s[s[O_UP] + dn] = up
    else:
        s[s[O_BOT] + c] = up
    s[s[O_H] + c] -= 1
    s[s[O_CNT] + c * NP1 + s[s[O_OWN] + slot]] -= 1


@jit
def pop_top(s, c):
    """Remove the top ring of cell c; return its colour (0 if empty). Slot is freed."""
    t = s[s[O_TOP] + c]
    if t < 0:
        return 0
    p = s[s[O_OWN] + t]
    _unlink(s, c, t)
    _release(s, t)
    refresh_cap(s, c)
    return p


@jit
def remove_bottom_of(s, c, p, buried_only):
    """Remove the bottom-most ring of colour p at c (not the top one if buried_only).

    Returns 1 if a ring was removed, 0 otherwise.
    """
    slot = s[s[O_BOT] + c]
    top = s[s[O_TOP] + c]
    while slot >= 0:
        if s[s[O_OWN] + slot] == p and not (buried_only and slot == top):
            _unlink(s, c, slot)
            _release(s, slot)
            refresh_cap(s, c)
            return 1
        slot = s[s[O_UP] + slot]
    return 0


@jit
def transfer_top_to_bottom(s, src, dst):
    """Move the top ring of src to the bottom of dst (an overtaking capture)."""
    t = s[s[O_TOP] + src]
    p = s[s[O_OWN] + t]
    _unlink(s, src, t)
    b = s[s[O_BOT] + dst]
    s[s[O_UP] + t] = b
    s[s[O_DN] + t] = -1
    if b >= 0:
        s[s[O_DN] + b] = t
    else:
        s[s[O_TOP] + dst] = t
    s[s[O_BOT] + dst] = t
    s[s[O_H] + dst] += 1
    s[s[O_CNT] + dst * NP1 + p] += 1
    refresh_cap(s, src)
    refresh_cap(s, dst)


@jit
def move_stack_cells(s, src, dst):
    """Move the whole stack at src onto dst (placed on top of any stack there)."""
    t = s[s[O_TOP] + src]
    b = s[s[O_BOT] + src]
    if t < 0:
        return
    dt = s[s[O_TOP] + dst]
    if dt < 0:
        s[s[O_BOT] + dst] = b
        s[s[O_ORD] + dst] = s[H_ORDER_CTR]
        s[H_ORDER_CTR] += 1
    else:
        s[s[O_UP] + dt] = b
        s[s[O_DN] + b] = dt
    s[s[O_TOP] + dst] = t
    s[s[O_H] + dst] += s[s[O_H] + src]
    for p in range(1, NP1):
        s[s[O_CNT] + dst * NP1 + p] += s[s[O_CNT] + src * NP1 + p]
        s[s[O_CNT] + src * NP1 + p] = 0
    s[s[O_TOP] + src] = -1
    s[s[O_BOT] + src] = -1
    s[s[O_H] + src] = 0
    refresh_cap(s, src)
    refresh_cap(s, dst)


@jit
def rings_of(s, c, out):
    """Write the ring colours of cell c, bottom to top, into out; return the height."""
    slot = s[s[O_BOT] + c]
    k = 0
    while slot >= 0:
        out[k] = s[s[O_OWN] + slot]
        k += 1
        slot = s[s[O_UP] + slot]
    return k


@jit
def rings_in_play(s, p):
    """Rings of colour p on the board (buried included) plus in hand."""
    n = s[H_N]
    t = s[s[O_HAND] + p]
    base = s[O_CNT]
    for c in range(n):
        t += s[base + c * NP1 + p]
    return t


@jit
def controls_stack(s, p):
    n = s[H_N]
    base = s[O_CTRL]
    for c in range(n):
        if s[base + c] == p:
            return True
    return False


@jit
def has_any_rings(s, p):
    return rings_in_play(s, p) > 0


@jit
def buried_rings(s, p):
    """Rings of p inside stacks that p does not control (RingRift's 'buried rings')."""
    n = s[H_N]
    t = 0
    for c in range(n):
        if s[s[O_H] + c] > 0 and s[s[O_CTRL] + c] != p:
            t += s[s[O_CNT] + c * NP1 + p]
    return t


# --- markers: owner + RingRift's dict order -------------------------------------------

@jit
def new_marker(s, c, p):
    """A marker of p appears on c: a new dict key, so it goes last in marker order.

    (RingRift writes ``board.markers[key] = MarkerInfo(...)``; when c already holds
    a marker that is an update in place, which keeps its place: see flip_marker.)
    """
    if s[s[O_MARK] + c] == 0:
        s[H_MORD_CTR] += 1
        s[s[O_MORD] + c] = s[H_MORD_CTR]
    s[s[O_MARK] + c] = p


@jit
def flip_marker(s, c, p):
    """The marker on c changes owner in place (dict update): its place is kept."""
    s[s[O_MARK] + c] = p


@jit
def clear_marker(s, c):
    """The marker on c (if any) is deleted."""
    s[s[O_MARK] + c] = 0
    s[s[O_MORD] + c] = 0


@jit
def restamp_marker(s, c):
    """Delete and re-insert the marker on c: it moves to the end of marker order."""
    s[H_MORD_CTR] += 1
    s[s[O_MORD] + c] = s[H_MORD_CTR]


@jit
def has_marker_of(s, p):
    n = s[H_N]
    base = s[O_MARK]
    for c in range(n):
        if s[base + c] == p:
            return True
    return False


# --- eliminations and collapsed spaces ----------------------------------------

@jit
def credit_elimination(s, p, k):
    """k rings eliminated, credited to p (both RingRift counters and the total)."""
    s[s[O_ELIM] + p] += k
    s[s[O_BELIM] + p] += k
    s[H_TOTAL_ELIM] += k


@jit
def eliminate_top(s, c, p, k):
    """Eliminate up to k rings from the top of c, credited to p."""
    for _ in range(k):
        if s[s[O_H] + c] == 0:
            return
        pop_top(s, c)
        credit_elimination(s, p, 1)


@jit
def collapse(s, c, p):
    """c becomes a collapsed space of p; a marker there is deleted. The caller counts O_TERR."""
    clear_marker(s, c)
    s[s[O_COLL] + c] = p
