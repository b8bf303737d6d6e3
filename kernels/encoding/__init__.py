"""RingRift's training-data encoder over kernel states, as numba kernels (no I/O).

Bit for bit what RingRift's exporter writes for the same positions:

- ``planes.frame``: one position's base frame (square: 14 planes, hex: 16);
- ``history``: a sample's stacked features (current + 3 previous plies' frames,
  56 or 64 channels) from a ring of base frames, each ply encoded once;
- ``globalfeat.global_features``: its 20 globals (with the 3-4 player threat
  opponent);
- ``policy.policy_index``: the played move's index in RingRift's board-aware
  policy space, -1 where RingRift drops the sample;
- ``values``: value targets from the finished game;
- ``game.encode_game``: a recorded game's samples, as RingRift's exporter walks it.

``layout`` holds the shapes and the exporter's metadata; docs/formats.md lists
every tensor.
"""
from __future__ import annotations

import numpy as np

from .game import encode_game
from .globalfeat import global_features, threat_opponent, victory_progress
from .history import encode_sample, push_frame, stack_frames
from .layout import (BASE_PLANES, ENCODER_TYPE, FRAMES, IN_CHANNELS, N_GLOBALS, POLICY_SIZE, SPATIAL, metadata)
from .planes import frame
from .policy import policy_index
from .values import has_winner, rank, value_for, values_mp, sample_values


def new_ring(board: int) -> np.ndarray:
    """An empty ring of base frames for one game (pass it to push_frame / encode_sample)."""
    return np.zeros((FRAMES, BASE_PLANES[board], SPATIAL[board], SPATIAL[board]), np.float32)


def feature_shape(board: int) -> tuple[int, int, int]:
    """(C, H, W) of one sample's features."""
    return IN_CHANNELS[board], SPATIAL[board], SPATIAL[board]


__all__ = ["BASE_PLANES", "ENCODER_TYPE", "FRAMES", "IN_CHANNELS", "N_GLOBALS", "POLICY_SIZE", "SPATIAL",
           "encode_game", "encode_sample", "feature_shape", "frame", "global_features", "has_winner", "metadata",
           "new_ring", "policy_index", "push_frame", "rank", "sample_values", "stack_frames", "threat_opponent",
           "value_for", "values_mp", "victory_progress"]
