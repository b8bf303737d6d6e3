"""Shapes and names of RingRift's training tensors, per board (index = board id).

These are what RingRift's exporter (``scripts/export_replay_dataset.py``,
single-threaded path, ``history_length`` 3, ``feature_version`` 2) writes:
square boards use its legacy 14-plane encoder (``encoder_type`` "square_v2"),
hex boards its V3 encoder (16 planes, "hex_v3"); the sample stacks the current
frame and the 3 previous plies' frames.
"""
from __future__ import annotations

HISTORY_LENGTH = 3
FRAMES = HISTORY_LENGTH + 1           # current frame + history frames in one sample
FEATURE_VERSION = 2
N_GLOBALS = 20
MAX_PLAYERS = 4                       # width of values_mp

BASE_PLANES = (14, 14, 16, 16)        # planes per frame
IN_CHANNELS = (56, 56, 64, 64)        # BASE_PLANES * FRAMES
SPATIAL = (8, 19, 9, 25)              # H = W of a plane
POLICY_SIZE = (7000, 67000, 4500, 91876)
ENCODER_TYPE = ("square_v2", "square_v2", "hex_v3", "hex_v3")
POLICY_ENCODING = "board_aware"
INVALID_INDEX = -1                    # a move RingRift cannot encode: the sample is dropped


def metadata(board: int) -> dict:
    """The exporter's per-file metadata for a board (NPZ 0-d arrays / HDF5 attributes)."""
    from ..geometry import BOARD_NAMES
    return {
        "board_type": BOARD_NAMES[board], "board_size": SPATIAL[board], "history_length": HISTORY_LENGTH,
        "feature_version": FEATURE_VERSION, "policy_encoding": POLICY_ENCODING,
        "encoder_type": ENCODER_TYPE[board], "in_channels": IN_CHANNELS[board],
        "policy_size": POLICY_SIZE[board], "spatial_size": SPATIAL[board],
    }
