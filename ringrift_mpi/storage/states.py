"""What a stored kernel state depends on, as a fingerprint: the guard of STATE_LAYOUT_VERSION.

Files of kernel states carry ``kernels.state.STATE_LAYOUT_VERSION``; the number is
only as good as the habit of bumping it. ``layout_fingerprint()`` hashes what a
stored state's meaning rests on (every slot and encoding constant of
kernels/state.py, the table order and sizes ``empty_state`` lays out, and each
board's cell numbering), and a test pins it to the version, so a layout change
without a bump fails the tests instead of silently misreading old files.
"""
from __future__ import annotations

import hashlib

import numpy as np


def layout_fingerprint() -> str:
    from kernels import geometry as G
    from kernels import state as S
    h = hashlib.sha256()
    consts = sorted((k, int(v)) for k, v in vars(S).items()
                    if k.isupper() and k != "STATE_LAYOUT_VERSION" and isinstance(v, int))
    h.update(repr(consts).encode())
    h.update(repr(S.PHASE_NAMES).encode())
    # two (cells, rings) sizes pin each table's offset as a function of both
    for n, r in ((10, 7), (13, 20)):
        h.update(np.ascontiguousarray(S.empty_state(n, r, 0, 2), np.int32).tobytes())
    for b, name in enumerate(G.BOARD_NAMES):
        h.update(name.encode())
        h.update(repr(G.cell_coords(b)).encode())
    return h.hexdigest()[:16]
