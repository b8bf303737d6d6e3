"""A recorded game -> its training samples, the way RingRift's exporter walks a game."""
from __future__ import annotations

import numpy as np

from ..apply import apply_move
from ..state import H_CUR, jit
from .globalfeat import global_features
from .history import push_frame, stack_frames
from .layout import BASE_PLANES, FRAMES, IN_CHANNELS, N_GLOBALS, SPATIAL
from .policy import policy_index


@jit
def encode_game(geo, s, moves, every, offset, ring, features, globals_, policy, plies, movers):
    """Replay ``moves`` from s (modified in place: it ends as the final state) and write its samples.

    Ply i is sampled when i >= offset and (i - offset) % every == 0, and kept when
    RingRift can encode its move (policy index >= 0); every ply's frame enters the
    history all the same. Sample j gets features[j], globals_[j], policy[j] (the
    played move's index), plies[j] (i) and movers[j] (the player to move, for the
    value targets: values.sample_values on the final state). Writing stops when
    the buffers are full. Returns the number of samples written.
    """
    count = 0
    k = 0
    cap = features.shape[0]
    for i in range(moves.shape[0]):
        count = push_frame(geo, s, ring, count)
        if i >= offset and (i - offset) % every == 0 and k < cap:
            idx = policy_index(geo, s, moves[i])
            if idx >= 0:
                stack_frames(ring, count, features[k])
                global_features(geo, s, globals_[k])
                policy[k] = idx
                plies[k] = i
                movers[k] = s[H_CUR]
                k += 1
        apply_move(geo, s, moves[i])
    return k


def new_buffers(board: int, n: int):
    """(ring, features, globals, policy, plies, movers) for up to n samples of one game."""
    side = SPATIAL[board]
    return (np.zeros((FRAMES, BASE_PLANES[board], side, side), np.float32),
            np.zeros((n, IN_CHANNELS[board], side, side), np.float32), np.zeros((n, N_GLOBALS), np.float32),
            np.zeros(n, np.int32), np.zeros(n, np.int32), np.zeros(n, np.int32))
