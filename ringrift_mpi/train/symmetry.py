"""Board symmetries for augmentation: 8 dihedral maps on square boards, 12 on hex boards.

A symmetry is an integer 2x2 matrix M on cell coordinates (square: (x, y) about the
board's centre; hex: axial (q, r) = cube (x, y)), applied alike to the feature
planes (a gather over the H x W grid) and to the policy indices (a table per
symmetry, old index -> new index). The feature planes are functions of cells and
of their Moore (square) or hex neighbourhoods, which these maps preserve, and the
20 globals are counts and phase flags, which they leave alone.

Not every policy index can be remapped from the index alone. RingRift anchors a
``process_line`` index on the line's first cell and a ``choose_territory_option``
index on the region's smallest (y, x) cell; after a reflection the line's first
cell or the region's smallest cell is another cell, which the index does not
tell. Those indices map to -1, and ``Augmenter`` keeps a sample whose target holds
one in its original orientation. Placements, movements (all four kinds), the
``eliminate_rings_from_stack`` cell and the cell-free special indices remap
exactly; tests/train/test_symmetry.py checks that against the move generator and
the encoder on transformed game states.
"""
from __future__ import annotations

import functools

import numpy as np

from kernels.encoding.layout import POLICY_SIZE, SPATIAL

SQ_DIRS = ((-1, -1), (0, -1), (1, -1), (-1, 0), (1, 0), (-1, 1), (0, 1), (1, 1))  # RingRift's (dx, dy) order
HEX_DIRS = ((1, 0), (0, 1), (-1, 1), (-1, 0), (0, -1), (1, -1))                    # (dq, dr)


def _square_mats():
    r = np.array([[0, -1], [1, 0]])
    f = np.array([[-1, 0], [0, 1]])
    mats = [np.linalg.matrix_power(r, k) for k in range(4)]
    return [m.astype(np.int64) for m in mats + [m @ f for m in mats]]


def _hex_mats():
    r = np.array([[0, -1], [1, 1]])   # 60 degrees: (q, r) -> (-r, q + r)
    f = np.array([[0, 1], [1, 0]])    # reflection: (q, r) -> (r, q)
    mats = [np.linalg.matrix_power(r, k) for k in range(6)]
    return [m.astype(np.int64) for m in mats + [m @ f for m in mats]]


def is_hex(board: int) -> bool:
    return board >= 2


def matrices(board: int) -> list[np.ndarray]:
    """The symmetries of a board (index 0 is the identity)."""
    return _hex_mats() if is_hex(board) else _square_mats()


def _cell_map(board: int, m: np.ndarray):
    """For every cell of the policy grid (cell = row * S + col as the policy flattens it):
    its image cell, or -1 when the cell is off the board. Square: cell = y*N + x;
    hex: cell = (r+R)*S + q+R."""
    S = SPATIAL[board]
    out = np.full(S * S, -1, np.int64)
    if is_hex(board):
        R = (S - 1) // 2
        for r in range(-R, R + 1):
            for q in range(-R, R + 1):
                if max(abs(q), abs(r), abs(q + r)) > R:
                    continue
                q2, r2 = m @ np.array([q, r])
                out[(r + R) * S + q + R] = (r2 + R) * S + q2 + R
    else:
        for y in range(S):
            for x in range(S):
                X, Y = m @ np.array([2 * x - (S - 1), 2 * y - (S - 1)])
                out[y * S + x] = ((Y + S - 1) // 2) * S + (X + S - 1) // 2
    return out


def _dir_map(board: int, m: np.ndarray):
    dirs = HEX_DIRS if is_hex(board) else SQ_DIRS
    return np.array([dirs.index(tuple(int(v) for v in m @ np.array(d))) for d in dirs], np.int64)


@functools.lru_cache(maxsize=None)
def policy_maps(board: int) -> np.ndarray:
    """int64 [symmetry, POLICY_SIZE]: the image of every policy index, -1 where not remappable."""
    from kernels.encoding.policy import hex_special, square_bases
    S = SPATIAL[board]
    P = POLICY_SIZE[board]
    D = S - 1
    out = []
    for m in matrices(board):
        cm, dm = _cell_map(board, m), _dir_map(board, m)
        t = np.full(P, -1, np.int64)
        cells = np.flatnonzero(cm >= 0)
        nd = len(dm)
        # placements: cell * 3 + count - 1
        for k in range(3):
            t[cells * 3 + k] = cm[cells] * 3 + k
        # movements: base + from * (nd * D) + dir * D + dist - 1
        base = 3 * S * S
        for d in range(nd):
            for dist in range(D):
                t[base + cells * nd * D + d * D + dist] = base + cm[cells] * nd * D + dm[d] * D + dist
        if is_hex(board):
            sp = hex_special(S)
            t[sp:] = np.arange(sp, P)  # the shared bookkeeping index and the padding
        else:
            movement, line_form, terr_claim, special, line_choice, terr_choice, extra = square_bases(S)
            # line formation [line_form, terr_claim) and territory choice [terr_choice, extra) stay -1
            t[terr_claim + cells] = terr_claim + cm[cells]
            t[special:terr_choice] = np.arange(special, terr_choice)
            t[extra:] = np.arange(extra, P)
        out.append(t)
    return np.stack(out)


@functools.lru_cache(maxsize=None)
def feature_gathers(board: int) -> np.ndarray:
    """int64 [symmetry, H*W]: out.flat[j] = in.flat[g[j]] for a feature plane.

    Square planes are indexed [x, y] (row = x), hex planes [r + R, q + R]; off-board
    hex cells (zero in every plane) gather themselves.
    """
    S = SPATIAL[board]
    out = []
    for m in matrices(board):
        cm = _cell_map(board, m)  # policy-grid cells
        g = np.arange(S * S, dtype=np.int64)
        for c in np.flatnonzero(cm >= 0):
            src, dst = c, cm[c]
            if is_hex(board):
                g[dst] = src  # the plane grid is the policy grid
            else:
                # policy cell y*S+x is plane element [x, y] = x*S + y
                g[(dst % S) * S + dst // S] = (src % S) * S + src // S
        out.append(g)
    return np.stack(out)


class Augmenter:
    """Random board symmetries applied to a batch (numpy), policy indices remapped.

    ``apply(features, policy_indices, rng)``: features (B, C, H, W) float32 (changed
    in place), policy_indices a list of int arrays (new list returned). Each sample
    gets a uniformly drawn symmetry (or the one ``choice`` names: the loader draws
    them per window of rows, so a row's symmetry does not depend on the rank that
    reads it); a sample whose target holds an index that cannot be remapped keeps
    the identity.
    """

    def __init__(self, board: int):
        self.board = board
        self.maps = policy_maps(board)
        self.gathers = feature_gathers(board)
        self.n = len(self.maps)

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.integers(0, self.n, n)

    def apply(self, features: np.ndarray, policy_indices, rng: np.random.Generator | None = None,
              choice: np.ndarray | None = None):
        """Transform each sample by ``choice`` (drawn from ``rng`` when not given); returns the new
        policy indices and the symmetry each sample got (0 where its target cannot be remapped)."""
        B, C, H, W = features.shape
        choice = self.draw(B, rng) if choice is None else np.array(choice, np.int64)
        new_idx = []
        for i, idx in enumerate(policy_indices):
            idx = np.asarray(idx, np.int64)
            mapped = self.maps[choice[i]][idx]
            if (mapped < 0).any():
                choice[i] = 0
                mapped = idx
            new_idx.append(mapped)
        flat = features.reshape(B, C, H * W)
        for t in range(1, self.n):
            sel = np.flatnonzero(choice == t)
            if len(sel):
                flat[sel] = flat[sel][:, :, self.gathers[t]]
        return new_idx, choice
