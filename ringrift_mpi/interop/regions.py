"""RingRift's order of a territory region's cells: the order its Move JSON lists them in.

RingRift's Python engine finds regions in ``app/ai/territory_cache.py`` (its default
``RINGRIFT_USE_FAST_TERRITORY`` path). It numbers cells as ``kernels.geometry`` does
(square ``y * size + x``; hex ``for x: for y``), flood-fills each region depth first (a
list used as a stack) from its lowest-numbered cell, visiting neighbours in the order of
``_SQUARE`` / ``_HEX`` below, and collects the cells in a Python ``set`` of those numbers.
The region's ``spaces`` are that set in iteration order, and a ``choose_territory_option``
names ``spaces[0]`` as its ``to``.

The order is therefore CPython's set order, which depends on the cells and on the order they
were added (hash collisions, table resizes), not on anything about the board. We rebuild the
same set the same way; the kernels' own region cell order (breadth first, their neighbour
order) stays as it is, since nothing in a game depends on it.
"""
from __future__ import annotations

import functools

from kernels import geometry as G

_SQUARE = ((-1, 0, 0), (1, 0, 0), (0, -1, 0), (0, 1, 0))
_HEX = ((1, 0, -1), (1, -1, 0), (0, -1, 1), (-1, 0, 1), (-1, 1, 0), (0, 1, -1))


@functools.lru_cache(maxsize=None)
def _neighbours(board: int, size: int) -> tuple[tuple[int, ...], ...]:
    coords = G.cell_coords(board, size)
    index = {c: i for i, c in enumerate(coords)}
    dirs = _HEX if G.is_hex(board) else _SQUARE
    out = []
    for x, y, z in coords:
        nb = (index.get((x + dx, y + dy, z + dz)) for dx, dy, dz in dirs)
        out.append(tuple(c for c in nb if c is not None))
    return tuple(out)


def ringrift_region_order(board: int, size: int, cells) -> list[int]:
    """The cells of one region (any order, one connected region) in RingRift's order."""
    members = {int(c) for c in cells}
    if not members:
        return []
    nbrs = _neighbours(board, size)
    start = min(members)
    seen = {start}
    stack = [start]
    found: set[int] = set()  # RingRift's region container; its iteration order is the point
    while stack:
        c = stack.pop()
        found.add(c)
        for nb in nbrs[c]:
            if nb in members and nb not in seen:
                seen.add(nb)
                stack.append(nb)
    return list(found)
