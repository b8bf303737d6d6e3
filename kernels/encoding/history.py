"""History stacking: a sample is the current frame then the 3 previous plies' frames, newest first.

Every frame is the base encoding (planes.frame) of the state before one ply,
from the point of view of that state's player to move; frames before the
start of the game are zeros. Every ply counts (bookkeeping plies, and plies
whose move has no policy index, whose sample is dropped).

A game loop keeps a ring of the last 4 base frames, ``ring`` (4, planes, H,
W) float32, and ``count``, the number of frames pushed so far, so every
ply's frame is encoded once::

    count = 0
    while playing:
        count = encode_sample(geo, s, ring, count, features, globals_)  # or push_frame alone
        ... pick and apply a move ...
"""
from __future__ import annotations

from ..state import jit
from .globalfeat import global_features
from .layout import FRAMES
from .planes import frame


@jit
def push_frame(geo, s, ring, count):
    """Encode s's base frame into the ring as the newest frame; return the new count."""
    frame(geo, s, ring[count % FRAMES])
    return count + 1


@jit
def stack_frames(ring, count, out):
    """Write the newest frame and the 3 before it (zeros where none) into out (4 * planes, H, W).

    ring and out must be C-contiguous (a row of a preallocated (N, C, H, W) buffer is).
    """
    # explicit loops over flat views: numba's slice assignment copies ~3x slower than this
    size = ring.shape[1] * ring.shape[2] * ring.shape[3]
    src = ring.reshape(FRAMES * size)
    dst = out.reshape(FRAMES * size)
    for k in range(FRAMES):
        j = count - 1 - k
        o = k * size
        if j >= 0:
            i = (j % FRAMES) * size
            for q in range(size):
                dst[o + q] = src[i + q]
        else:
            for q in range(size):
                dst[o + q] = 0.0


@jit
def encode_sample(geo, s, ring, count, features, globals_):
    """Push s's frame, then write its stacked features and its 20 globals; return the new count."""
    count = push_frame(geo, s, ring, count)
    stack_frames(ring, count, features)
    global_features(geo, s, globals_)
    return count
