"""Board geometry tables, built once per board type.

Everything the rules kernels need to know about a board is packed into one
flat int32 array (``geo``) so that numba functions take a single argument and
the tables can be cached or shipped between processes cheaply.

Cell indexing
-------------
square boards: ``idx = y * size + x`` for 0 <= x, y < size.
hex boards (cube coordinates, x + y + z = 0, radius r): cells are numbered in
the order ``for x in -r..r: for y in -r..r: if |z| <= r`` (RingRift's own
position enumeration order).

Layout of ``geo`` (all int32)
-----------------------------
header (G_HDR slots), then the tables at the offsets stored in the header:
ray[N*ND]   neighbour of cell c in movement direction d (-1 off board)
opp[ND]     index of the opposite direction
ldir[NLD]   movement-direction index of each canonical line direction
tn[N*NTN]   territory neighbours (von Neumann on square, hex otherwise; -1 pad)
bm[N*8]     neighbours used to grow a region's border-marker set (see
            docs/rules.md: RingRift's quirk of 2-D Moore steps on hex8 and
            none on hexagonal)
cx, cy, cz  coordinates of each cell (cz = 0 on square boards)
"""
from __future__ import annotations

import functools

import numpy as np

SQUARE8, SQUARE19, HEX8, HEXAGONAL = 0, 1, 2, 3
BOARD_NAMES = ("square8", "square19", "hex8", "hexagonal")
BOARD_IDS = {name: i for i, name in enumerate(BOARD_NAMES)}

# size = grid side (square) or 2*radius+1 (hex), as RingRift serialises it
BOARD_SIZE = (8, 19, 9, 25)
BOARD_CELLS = (64, 361, 61, 469)
RINGS_PER_PLAYER = (18, 72, 18, 96)

# header slots
G_BOARD, G_N, G_ND, G_NLD, G_NTN, G_HEX, G_SIZE = 0, 1, 2, 3, 4, 5, 6
G_RAY, G_OPP, G_LDIR, G_TN, G_BM, G_CX, G_CY, G_CZ = 8, 9, 10, 11, 12, 13, 14, 15
G_HDR = 16

_SQ_DIRS = [(dx, dy, 0) for dx in (-1, 0, 1) for dy in (-1, 0, 1) if (dx, dy) != (0, 0)]
_HEX_DIRS = [(1, 0, -1), (0, 1, -1), (-1, 1, 0), (-1, 0, 1), (0, -1, 1), (1, -1, 0)]
# canonical line directions (one per axis), in RingRift's order
_SQ_LINE = [(1, 0, 0), (1, 1, 0), (0, 1, 0), (1, -1, 0)]
_HEX_LINE = [(1, 0, -1), (1, -1, 0), (0, -1, 1)]
_SQ_TERR = [(1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0)]
_MOORE_2D = [(1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1)]


def board_id(name: str) -> int:
    try:
        return BOARD_IDS[name]
    except KeyError:
        raise ValueError(f"unknown board type {name!r} (expected one of {', '.join(BOARD_NAMES)})") from None


def is_hex(board: int) -> bool:
    return board in (HEX8, HEXAGONAL)


def cell_coords(board: int, size: int = 0) -> list[tuple[int, int, int]]:
    size = size or BOARD_SIZE[board]
    if is_hex(board):
        r = (size - 1) // 2
        return [(x, y, -x - y) for x in range(-r, r + 1) for y in range(-r, r + 1) if abs(x + y) <= r]
    return [(i % size, i // size, 0) for i in range(size * size)]


@functools.lru_cache(maxsize=None)
def build(board: int, size: int = 0) -> np.ndarray:
    """Return the packed geometry array for a board (cached, read-only).

    ``size`` defaults to the board's standard size; RingRift's own fixtures also
    use smaller hexagonal boards (size 11 or 13), which it sizes the same way.
    """
    size = size or BOARD_SIZE[board]
    coords = cell_coords(board, size)
    n = len(coords)
    index = {c: i for i, c in enumerate(coords)}
    hexb = is_hex(board)
    dirs = _HEX_DIRS if hexb else _SQ_DIRS
    nd = len(dirs)
    ray = np.full(n * nd, -1, np.int32)
    for i, (x, y, z) in enumerate(coords):
        for d, (dx, dy, dz) in enumerate(dirs):
            ray[i * nd + d] = index.get((x + dx, y + dy, z + dz if hexb else 0), -1)
    opp = np.array([dirs.index((-dx, -dy, -dz if hexb else 0)) for dx, dy, dz in dirs], np.int32)
    ldir = np.array([dirs.index(d) for d in (_HEX_LINE if hexb else _SQ_LINE)], np.int32)
    tdirs = _HEX_DIRS if hexb else _SQ_TERR
    ntn = len(tdirs)
    tn = np.full(n * ntn, -1, np.int32)
    for i, (x, y, z) in enumerate(coords):
        for k, (dx, dy, dz) in enumerate(tdirs):
            tn[i * ntn + k] = index.get((x + dx, y + dy, z + dz if hexb else 0), -1)
    bm = np.full(n * 8, -1, np.int32)
    if board != HEXAGONAL:
        for i, (x, y, z) in enumerate(coords):
            for k, (dx, dy) in enumerate(_MOORE_2D):
                nx, ny = x + dx, y + dy
                bm[i * 8 + k] = index.get((nx, ny, -nx - ny) if hexb else (nx, ny, 0), -1)
    cx = np.array([c[0] for c in coords], np.int32)
    cy = np.array([c[1] for c in coords], np.int32)
    cz = np.array([c[2] for c in coords], np.int32)

    parts = [ray, opp, ldir, tn, bm, cx, cy, cz]
    slots = [G_RAY, G_OPP, G_LDIR, G_TN, G_BM, G_CX, G_CY, G_CZ]
    geo = np.zeros(G_HDR + sum(p.size for p in parts), np.int32)
    geo[G_BOARD], geo[G_N], geo[G_ND], geo[G_NLD] = board, n, nd, len(ldir)
    geo[G_NTN], geo[G_HEX], geo[G_SIZE] = ntn, int(hexb), size
    off = G_HDR
    for slot, part in zip(slots, parts):
        geo[slot] = off
        geo[off:off + part.size] = part
        off += part.size
    geo.setflags(write=False)
    return geo


def line_length(board: int, players: int) -> int:
    """Markers needed for a line (RR-CANON-R120): 4, or 3 on square8/hex8 with 3-4 players."""
    if board in (SQUARE8, HEX8):
        return 4 if players == 2 else 3
    return 4


def victory_threshold(board: int, players: int) -> int:
    """Ring-elimination threshold (RR-CANON-R061): round(rpp * (2/3 + (n-1)/3))."""
    rpp = RINGS_PER_PLAYER[board]
    return int(round(rpp * (2.0 / 3.0 + (players - 1) / 3.0)))


def territory_threshold(board: int) -> int:
    """RingRift's serialised territoryVictoryThreshold: more than half the cells."""
    return BOARD_CELLS[board] // 2 + 1
