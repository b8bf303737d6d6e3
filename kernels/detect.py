"""Line and territory detection (RR-CANON-R120, R140-R143).

Lines are written into an int32 array ``lines[k] = (player, start_cell,
direction, length)``: the cells are ``start`` and its successors along the
movement direction ``direction``, which is one of the board's canonical line
directions; ``start`` is the run's end nearest the negative side, as RingRift
orders a line's positions.

Regions are written as a flat cell list: ``rcell[rstart[k]:rstart[k]+rlen[k]]``.
A region may be reported more than once (once per marker colour that borders
it, once more if collapsed spaces alone do): RingRift's engine offers one
territory decision per report, so legal-move counts include the repeats.
"""
from __future__ import annotations

import numpy as np

from .geometry import G_HEX, G_LDIR, G_N, G_ND, G_NLD, G_NTN, G_OPP, G_RAY, G_TN, G_BM
from .state import NP1, O_CNT, O_COLL, O_CTRL, O_H, O_MARK, jit

MAX_LINES = 128
MAX_REGIONS = 256


@jit
def step(geo, c, d):
    return geo[geo[G_RAY] + c * geo[G_ND] + d]


@jit
def _is_run_cell(s, c, p):
    return c >= 0 and s[s[O_MARK] + c] == p and s[s[O_COLL] + c] == 0 and s[s[O_H] + c] == 0


@jit
def find_lines(geo, s, min_len, lines):
    """All maximal runs of one player's markers of length >= min_len. Returns count."""
    n = geo[G_N]
    nld = geo[G_NLD]
    k = 0
    for c in range(n):
        p = s[s[O_MARK] + c]
        if p == 0 or not _is_run_cell(s, c, p):
            continue
        for li in range(nld):
            d = geo[geo[G_LDIR] + li]
            back = step(geo, c, geo[geo[G_OPP] + d])
            if _is_run_cell(s, back, p):
                continue  # not the start of this run
            length = 1
            cur = step(geo, c, d)
            while _is_run_cell(s, cur, p):
                length += 1
                cur = step(geo, cur, d)
            if length >= min_len and k < lines.shape[0]:
                lines[k, 0] = p
                lines[k, 1] = c
                lines[k, 2] = d
                lines[k, 3] = length
                k += 1
    return k


@jit
def line_cell(geo, lines, i, j):
    """The j-th cell of line i."""
    c = lines[i, 1]
    d = lines[i, 2]
    for _ in range(j):
        c = step(geo, c, d)
    return c


@jit
def line_through(geo, s, c, p, min_len, out):
    """The first canonical-direction run of p's markers through c with length >= min_len.

    Writes its cells (negative end first) into out and returns the length, or 0.
    Used by recovery, which (like RingRift) takes the first direction that works.
    """
    nld = geo[G_NLD]
    for li in range(nld):
        d = geo[geo[G_LDIR] + li]
        o = geo[geo[G_OPP] + d]
        start = c
        b = step(geo, c, o)
        while _is_run_cell(s, b, p):
            start = b
            b = step(geo, b, o)
        length = 0
        cur = start
        while cur == c or _is_run_cell(s, cur, p):
            if length < out.shape[0]:
                out[length] = cur
            length += 1
            cur = step(geo, cur, d)
        if length >= min_len:
            return length
    return 0


@jit
def active_mask(s):
    """Bit p set when some stack holds a ring of colour p."""
    n = s[0]
    m = 0
    base = s[O_CNT]
    for c in range(n):
        if s[s[O_H] + c] > 0:
            for p in range(1, NP1):
                if s[base + c * NP1 + p] > 0:
                    m |= 1 << p
    return m


@jit
def _flood(geo, s, start, wall, seen, queue, rcell, rpos):
    """Territory-adjacency flood fill from start over cells with wall == 0.

    Appends the component to rcell from rpos; returns (new rpos, controller mask,
    touches_marker) where touches_marker tells whether a marker cell borders it.
    """
    ntn = geo[G_NTN]
    tn = geo[G_TN]
    qh = 0
    qt = 0
    queue[qt] = start
    qt += 1
    seen[start] = 1
    mask = 0
    touches = False
    while qh < qt:
        c = queue[qh]
        qh += 1
        rcell[rpos] = c
        rpos += 1
        if s[s[O_H] + c] > 0:
            mask |= 1 << s[s[O_CTRL] + c]
        for k in range(ntn):
            nb = geo[tn + c * ntn + k]
            if nb < 0:
                continue
            if s[s[O_MARK] + nb] != 0 and wall[nb] != 0:
                touches = True
            if seen[nb] or wall[nb]:
                continue
            seen[nb] = 1
            queue[qt] = nb
            qt += 1
    return rpos, mask, touches


@jit
def find_regions(geo, s, rcell, rstart, rlen):
    """Disconnected regions (RR-CANON-R141/R142), RingRift's enumeration. Returns count."""
    n = geo[G_N]
    act = active_mask(s)
    if act == 0:
        return 0
    wall = np.zeros(n, np.uint8)
    seen = np.zeros(n, np.uint8)
    queue = np.empty(n, np.int32)
    colours = 0
    for c in range(n):
        m = s[s[O_MARK] + c]
        if m != 0:
            colours |= 1 << m
    k = 0
    rpos = 0
    maxr = rstart.shape[0]
    # pass 1: markers of one colour (plus collapsed spaces) as the border
    for b in range(1, NP1):
        if not (colours >> b) & 1:
            continue
        for c in range(n):
            wall[c] = 1 if (s[s[O_COLL] + c] != 0 or s[s[O_MARK] + c] == b) else 0
            seen[c] = 0
        for c in range(n):
            if seen[c] or wall[c]:
                continue
            r0 = rpos
            rpos, mask, _t = _flood(geo, s, c, wall, seen, queue, rcell, rpos)
            if (mask & ~act) == 0 and mask != act and k < maxr:
                rstart[k] = r0
                rlen[k] = rpos - r0
                k += 1
            else:
                rpos = r0
    # pass 2: collapsed spaces and edges alone; one represented player only
    for c in range(n):
        wall[c] = 1 if (s[s[O_COLL] + c] != 0 or s[s[O_MARK] + c] != 0) else 0
        seen[c] = 0
    for c in range(n):
        if seen[c] or wall[c]:
            continue
        r0 = rpos
        rpos, mask, touches = _flood(geo, s, c, wall, seen, queue, rcell, rpos)
        single = mask != 0 and (mask & (mask - 1)) == 0
        if (not touches) and single and (mask & ~act) == 0 and mask != act and k < maxr:
            rstart[k] = r0
            rlen[k] = rpos - r0
            k += 1
        else:
            rpos = r0
    return k


@jit
def border_markers(geo, s, inreg, out):
    """Markers bordering a region (inreg[c] = 1 inside), grown as RingRift does.

    Seeds: markers adjacent to the region by territory adjacency. Growth: any
    marker reachable from a seed through the board's border-marker steps
    (Moore steps on square boards, RingRift's 2-D Moore steps on hex8, none on
    hexagonal). Returns the count written to out.
    """
    n = geo[G_N]
    ntn = geo[G_NTN]
    tn = geo[G_TN]
    bm = geo[G_BM]
    mark = np.zeros(n, np.uint8)
    k = 0
    for c in range(n):
        if not inreg[c]:
            continue
        for j in range(ntn):
            nb = geo[tn + c * ntn + j]
            if nb >= 0 and not inreg[nb] and s[s[O_MARK] + nb] != 0 and not mark[nb]:
                mark[nb] = 1
                out[k] = nb
                k += 1
    h = 0
    while h < k:
        c = out[h]
        h += 1
        for j in range(8):
            nb = geo[bm + c * 8 + j]
            if nb < 0 or mark[nb] or inreg[nb]:
                continue
            if s[s[O_MARK] + nb] != 0:
                mark[nb] = 1
                out[k] = nb
                k += 1
    return k
