"""Compact training samples: what a dataset stores, and RingRift's features expanded from it.

A base frame (planes.frame) reads four facts per cell and the player to move,
nothing else: stack height, stack controller, marker owner and collapsed-space
owner. So a dataset stores, for every ply of a game, those facts as ``cells``
(4, n) uint8 in kernel cell order (rows: height, controller, marker, collapsed)
and the player to move, instead of the stacked float32 features (14.3 KB per
square8 sample, 160 KB on hexagonal). ``expand`` rebuilds a sample's stacked
features from the rows of its ply and the 3 plies before, bit for bit what
history.stack_frames gives on the real states: tests hold the two equal.

Heights are stored capped at 255, which changes no plane: every plane reads a
height through min(h / 5, 1) or a neighbour sum capped at 6 * 5 = 30.
"""
from __future__ import annotations

import numpy as np

from ..apply import apply_move
from ..geometry import G_N
from ..moves import mtype
from ..state import H_CUR, H_PHASE, O_COLL, O_CTRL, O_H, O_MARK, jit
from .globalfeat import global_features
from .layout import FRAMES
from .planes import frame
from .policy import policy_index

CELL_ROWS = 4          # height, controller, marker owner, collapsed owner
HEIGHT_CAP = 255


@jit
def cells_of(s, out):
    """Write s's per-cell facts into out ((4, n) uint8)."""
    oh, octrl, omark, ocoll = s[O_H], s[O_CTRL], s[O_MARK], s[O_COLL]
    for c in range(out.shape[1]):
        out[0, c] = min(s[oh + c], HEIGHT_CAP)
        out[1, c] = s[octrl + c]
        out[2, c] = s[omark + c]
        out[3, c] = s[ocoll + c]


@jit
def encode_game_compact(geo, s, moves, every, offset, cells, movers_all, globals_, policy, plies, movers,
                        phases, mtypes):
    """Replay ``moves`` from s (in place: s ends as the final state) and write its compact samples.

    Every ply i gets cells[i] and movers_all[i] (the history of later samples).
    Ply i is sampled as in game.encode_game: i >= offset, (i - offset) % every == 0,
    and a policy index >= 0; sample j gets globals_[j], policy[j], plies[j] (i),
    movers[j], phases[j] (the phase before the move) and mtypes[j] (the move's
    type). Returns the number of samples written (at most len(policy)).
    """
    k = 0
    cap = policy.shape[0]
    for i in range(moves.shape[0]):
        cells_of(s, cells[i])
        movers_all[i] = s[H_CUR]
        if i >= offset and (i - offset) % every == 0 and k < cap:
            idx = policy_index(geo, s, moves[i])
            if idx >= 0:
                global_features(geo, s, globals_[k])
                policy[k] = idx
                plies[k] = i
                movers[k] = s[H_CUR]
                phases[k] = s[H_PHASE]
                mtypes[k] = mtype(moves[i])
                k += 1
        apply_move(geo, s, moves[i])
    return k


@jit
def replay(geo, s, moves):
    """Apply moves to s in place."""
    for i in range(moves.shape[0]):
        apply_move(geo, s, moves[i])


@jit
def record_positions(geo, states, moves, lo, hi, cells, globals_):
    """The compact record of states[lo:hi] (each the position before moves[i]): cells and globals
    into rows 0.. of the buffers, and the policy index. Returns the sum of the indices (a checksum).

    A timing aid (ringrift_mpi.bench --mode selfplay): the job records a game's plies while
    replaying it (encode_game_compact), which also applies the moves.
    """
    acc = 0
    for i in range(lo, hi):
        cells_of(states[i], cells[i - lo])
        global_features(geo, states[i], globals_[i - lo])
        acc += policy_index(geo, states[i], moves[i])
    return acc


@jit
def frame_from_cells(geo, row, mover, scratch, out):
    """The base frame of a position given by its cells row and player to move.

    scratch: any kernel state of the board (its four cell tables and H_CUR are overwritten).
    """
    oh, octrl, omark, ocoll = scratch[O_H], scratch[O_CTRL], scratch[O_MARK], scratch[O_COLL]
    for c in range(geo[G_N]):
        scratch[oh + c] = row[0, c]
        scratch[octrl + c] = row[1, c]
        scratch[omark + c] = row[2, c]
        scratch[ocoll + c] = row[3, c]
    scratch[H_CUR] = mover
    frame(geo, scratch, out)


@jit
def expand(geo, cells, movers_all, rows, plies, scratch, cache, cache_rows, out):
    """out[j] = the stacked features of the sample whose ply row is rows[j] (in cells / movers_all).

    Its history frames are rows rows[j] - 1, - 2, - 3 (the plies before, same game)
    while plies[j] - k >= 0, zeros before the start of the game. cache ((4, planes,
    H, W) float32) and cache_rows ((4,) int64, -1 at first) keep the last frames
    made, so samples in row order encode every ply once; keep them between calls
    over the same cells array. out: (m, 4 * planes, H, W) float32, C-contiguous.
    """
    size = cache.shape[1] * cache.shape[2] * cache.shape[3]
    src = cache.reshape(FRAMES * size)
    for j in range(rows.shape[0]):
        dst = out[j].reshape(FRAMES * size)
        for k in range(FRAMES):
            o = k * size
            if plies[j] - k < 0:
                for q in range(size):
                    dst[o + q] = 0.0
                continue
            r = rows[j] - k
            slot = r % FRAMES
            if cache_rows[slot] != r:
                frame_from_cells(geo, cells[r], movers_all[r], scratch, cache[slot])
                cache_rows[slot] = r
            i = slot * size
            for q in range(size):
                dst[o + q] = src[i + q]


def new_cache(board: int):
    """(cache, cache_rows) for ``expand``."""
    from .layout import BASE_PLANES, SPATIAL
    side = SPATIAL[board]
    return np.zeros((FRAMES, BASE_PLANES[board], side, side), np.float32), np.full(FRAMES, -1, np.int64)
