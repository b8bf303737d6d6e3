"""One position's base frame: RingRift's feature planes from the mover's point of view.

``frame(geo, s, out)`` overwrites ``out`` (float32, planes x H x W; see
layout.BASE_PLANES / SPATIAL). "Mine" is the player to move (``H_CUR``);
"opponent" is every other player together.

Square boards (RingRift's legacy ``NeuralNetAI._extract_features``), indexed
``[plane, x, y]`` (the row is x):

=====  =============================================================
0 / 1  stack height / 5, capped at 1, by controller (mine / other)
2 / 3  markers
4 / 5  collapsed spaces, by owner
6 / 7  per stack: liberties / 8, capped (a liberty is an on-board
       8-neighbour with no stack and not collapsed)
8 / 9  per marker: same-owner marker 8-neighbours / 4, capped
12     1 on every cell
10, 11, 13  0
=====  =============================================================

Hex boards (RingRift's ``HexStateEncoderV3``), indexed ``[plane, y + R, x + R]``
(cube x, y; R the radius); cells outside the hexagon stay 0 in every plane:

=======  ===========================================================
0 - 5    as square
6 / 7    liberties / 6
8 / 9    same-owner marker neighbours / 3, capped
10 / 11  every cell: friendly and enemy neighbours (stacks by
         controller, markers by owner); only where both are > 0:
         min(friendly / 3, 1) and min(enemy / 3, 1)
12 / 13  every cell: sum of (neighbour stack height / 5) / 6, capped,
         friendly and enemy
14       1 on every cell
15       every cell: on-board neighbours not collapsed / 6
=======  ===========================================================

Planes 14 and 15 are meant to hold only empty, uncollapsed cells, but
RingRift's occupancy test builds a two-part key ("q,r") that never matches the
board's three-part keys, so every cell counts as placeable; we keep that,
since RingRift's data and models have it. Plane 12/13 sums float64 terms in
RingRift's neighbour order, (1,0,-1), (-1,0,1), (0,1,-1), (0,-1,1), (1,-1,0),
(-1,1,0), so the rounding is the same too.
"""
from __future__ import annotations

import numpy as np

from ..geometry import G_CX, G_CY, G_HEX, G_N, G_ND, G_RAY, G_SIZE
from ..state import H_CUR, O_COLL, O_CTRL, O_H, O_MARK, jit

# RingRift's hex neighbour order (BoardGeometry.get_adjacent_positions), as (dx, dy)
_RR_HEX_DX = np.array([1, -1, 0, 0, 1, -1], np.int32)
_RR_HEX_DY = np.array([0, 0, 1, -1, -1, 1], np.int32)


@jit
def frame(geo, s, out):
    """Write the base frame of state s into out (planes x H x W float32, C-contiguous)."""
    flat = out.reshape(out.size)
    for i in range(flat.size):  # a plain loop: numba's out[:] = 0 on 3-D arrays is slower
        flat[i] = 0.0
    if geo[G_HEX]:
        _hex_frame(geo, s, out)
    else:
        _square_frame(geo, s, out)


@jit
def _square_frame(geo, s, out):
    n = geo[G_N]
    nd = geo[G_ND]
    ray = geo[G_RAY]
    me = s[H_CUR]
    oh, octrl, omark, ocoll = s[O_H], s[O_CTRL], s[O_MARK], s[O_COLL]
    for c in range(n):
        x = geo[geo[G_CX] + c]
        y = geo[geo[G_CY] + c]
        out[12, x, y] = 1.0
        h = s[oh + c]
        if h > 0:
            k = 0 if s[octrl + c] == me else 1
            out[k, x, y] = min(h / 5.0, 1.0)
            libs = 0
            for d in range(nd):
                nb = geo[ray + c * nd + d]
                if nb >= 0 and s[oh + nb] == 0 and s[ocoll + nb] == 0:
                    libs += 1
            out[6 + k, x, y] = min(libs / 8.0, 1.0)
        mk = s[omark + c]
        if mk != 0:
            k = 0 if mk == me else 1
            out[2 + k, x, y] = 1.0
            same = 0
            for d in range(nd):
                nb = geo[ray + c * nd + d]
                if nb >= 0 and s[omark + nb] == mk:
                    same += 1
            out[8 + k, x, y] = min(same / 4.0, 1.0)
        co = s[ocoll + c]
        if co != 0:
            out[4 if co == me else 5, x, y] = 1.0


@jit
def _rr_hex_order(geo):
    """Our ray-direction index of each of RingRift's 6 hex directions, in its order."""
    n = geo[G_N]
    nd = geo[G_ND]
    ray = geo[G_RAY]
    cx, cy = geo[G_CX], geo[G_CY]
    order = np.empty(6, np.int32)
    centre = 0
    for c in range(n):
        if geo[cx + c] == 0 and geo[cy + c] == 0:
            centre = c
    for k in range(6):
        for d in range(nd):
            nb = geo[ray + centre * nd + d]
            if geo[cx + nb] == _RR_HEX_DX[k] and geo[cy + nb] == _RR_HEX_DY[k]:
                order[k] = d
    return order


@jit
def _hex_frame(geo, s, out):
    n = geo[G_N]
    nd = geo[G_ND]
    ray = geo[G_RAY]
    r = (geo[G_SIZE] - 1) // 2
    me = s[H_CUR]
    oh, octrl, omark, ocoll = s[O_H], s[O_CTRL], s[O_MARK], s[O_COLL]
    order = _rr_hex_order(geo)
    for c in range(n):
        row = geo[geo[G_CY] + c] + r
        col = geo[geo[G_CX] + c] + r
        h = s[oh + c]
        mk = s[omark + c]
        co = s[ocoll + c]
        if co != 0:
            out[4 if co == me else 5, row, col] = 1.0
        libs = 0
        same = 0
        friend = 0
        enemy = 0
        fh = 0.0
        eh = 0.0
        free = 0
        for k in range(6):
            nb = geo[ray + c * nd + order[k]]
            if nb < 0:
                continue
            nh = s[oh + nb]
            nm = s[omark + nb]
            ncoll = s[ocoll + nb]
            if nh > 0:
                if s[octrl + nb] == me:
                    friend += 1
                    fh += nh / 5.0
                else:
                    enemy += 1
                    eh += nh / 5.0
            elif ncoll == 0:
                libs += 1
            if nm != 0:
                if nm == me:
                    friend += 1
                else:
                    enemy += 1
                if nm == mk:
                    same += 1
            if ncoll == 0:
                free += 1
        if h > 0:
            k = 0 if s[octrl + c] == me else 1
            out[k, row, col] = min(h / 5.0, 1.0)
            out[6 + k, row, col] = min(libs / 6.0, 1.0)
        if mk != 0:
            k = 0 if mk == me else 1
            out[2 + k, row, col] = 1.0
            out[8 + k, row, col] = min(same / 3.0, 1.0)
        if friend > 0 and enemy > 0:
            out[10, row, col] = min(friend / 3.0, 1.0)
            out[11, row, col] = min(enemy / 3.0, 1.0)
        out[12, row, col] = min(fh / 6.0, 1.0)
        out[13, row, col] = min(eh / 6.0, 1.0)
        out[14, row, col] = 1.0
        out[15, row, col] = free / 6.0
