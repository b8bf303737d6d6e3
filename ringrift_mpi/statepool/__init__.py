"""State pools from self-play datasets: ``python -m ringrift_mpi.statepool`` (docs/selfplay.md).

``sample.sample_states`` picks diverse mid-game positions of a dataset; the
default pools of the 12 board x player configurations ship in ``pools/`` and
``default_pool(board, players)`` names them (the CMA-ES job's ``game.state_pool =
"default"``). ``__main__`` writes a pool from a dataset, or rebuilds the defaults
with the recipe in ``defaults.py``.
"""
from __future__ import annotations

import os

POOL_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pools")


def default_pool(board: str, players: int) -> str:
    """Path of the shipped pool for a board and player count."""
    return os.path.join(POOL_DIR, f"{board}_{players}p.h5")
