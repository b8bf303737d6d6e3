"""State pools: start positions for fitness games and evaluation (``pool.h5``).

attributes: format = "ringrift-mpi/state-pool", format_version = 2, state_layout
(kernels.state.STATE_LAYOUT_VERSION of the states), board (name), players,
state_size, source (free text: how the states were made)
``states``  int32 [state, slot]: kernel game states (kernels/state.py layout), all
            of the same board and player count, each still in play.

Version 2 added ``state_layout``. ``python -m ringrift_mpi.statepool`` samples pools
from self-play datasets; ``write_pool`` is the one writer.
"""
from __future__ import annotations

import os

import numpy as np

from .atomic import StorageError
from .h5 import attr_str, h5_writer, open_h5, read_errors
from .registry import Format, register

POOL_FORMAT = "ringrift-mpi/state-pool"
POOL_VERSION = 2


def write_pool(path: str, states: np.ndarray, board: str, players: int, source: str = "",
               compress: bool = False) -> None:
    """``compress``: gzip with byte shuffling (pools shipped in the repository: ~10x smaller)."""
    states = np.ascontiguousarray(states, np.int32)
    if states.ndim != 2 or len(states) == 0:
        raise ValueError("states must be a non-empty [state, slot] array")
    opts = {"compression": "gzip", "compression_opts": 9, "shuffle": True} if compress else {}
    with h5_writer(path, POOL) as f:
        f.attrs.update({"board": board, "players": int(players), "state_size": int(states.shape[1]),
                        "source": source})
        ds = f.create_dataset("states", data=states, chunks=(min(len(states), 64), states.shape[1]), **opts)
        ds.attrs["axes"] = "state,slot"


def _load(path: str) -> tuple[dict, np.ndarray]:
    path = os.fspath(path)
    with open_h5(path, POOL) as f, read_errors(path, POOL.title):
        attrs = {k: attr_str(v) for k, v in f.attrs.items()}
        states = np.asarray(f["states"][()], np.int32)
    return attrs, states


def _problems(path: str, attrs: dict, states: np.ndarray, board: str | None, players: int | None,
              deep: bool) -> list[str]:
    """What is wrong with a pool's states; deep: also run the kernel invariant checker on each."""
    from kernels import geometry as G
    from kernels import state as S
    from kernels.newgame import new_game
    board = attrs.get("board") if board is None else board
    players = attrs.get("players") if players is None else players
    if board not in G.BOARD_NAMES or players not in (2, 3, 4):
        return [f"{path}: board {board!r} / players {players!r} are not a board name and 2-4"]
    ref = new_game(G.board_id(board), int(players))
    if states.ndim != 2 or len(states) == 0 or states.shape[1] != ref.size:
        return [f"{path}: states have shape {states.shape}, expected [n, {ref.size}] for {board} {players}p"]
    bad = np.flatnonzero((states[:, S.H_N] != ref[S.H_N]) | (states[:, S.H_P] != players)
                         | (states[:, S.H_BOARD] != ref[S.H_BOARD]) | (states[:, S.H_STATUS] != S.ACTIVE)
                         | (states[:, S.H_R] != ref[S.H_R])
                         | np.any(states[:, S.O_TOP:S.O_MORD + 1] != ref[S.O_TOP:S.O_MORD + 1], axis=1))
    if len(bad):
        return [f"{path}: state {int(bad[0])} is not an active {board} {players}p game state"
                + (f" ({len(bad)} such states)" if len(bad) > 1 else "")]
    if deep:
        from kernels.playout import INVARIANT_NAMES, invariant_violation
        geo = G.build(G.board_id(board))
        for i, s in enumerate(states):
            v = invariant_violation(geo, s.copy(), 0)
            if v:
                return [f"{path}: state {i} fails the kernel invariant check ({INVARIANT_NAMES[v]})"]
    return []


def read_pool(path: str, board: str, players: int) -> np.ndarray:
    """The pool's states, checked against the job's board and player count and the kernel invariants."""
    attrs, states = _load(path)
    if attrs.get("board") != board or attrs.get("players") != players:
        raise StorageError(f"{path}: pool holds {attrs.get('board')} {attrs.get('players')}p states, "
                           f"the job plays {board} {players}p")
    problems = _problems(path, attrs, states, board, players, deep=True)
    if problems:
        raise StorageError(problems[0])
    return states


def validate_pool(path: str) -> list[str]:
    try:
        attrs, states = _load(path)
    except StorageError as e:
        return [str(e)]
    p = []
    if attrs.get("state_size") != (states.shape[1] if states.ndim == 2 else None):
        p.append(f"{path}: attribute state_size {attrs.get('state_size')} but states are {states.shape}")
    return p + _problems(path, attrs, states, None, None, deep=True)


def describe_pool(path: str) -> dict:
    attrs, states = _load(path)
    return {"format": f"{POOL_FORMAT} v{POOL_VERSION}", "board": attrs.get("board"), "players": attrs.get("players"),
            "states": len(states), "state layout": attrs.get("state_layout"), "source": attrs.get("source")}


def read_pool_states(path: str) -> np.ndarray:
    """The states of any pool (the registry's reader; jobs use ``read_pool``, which checks them)."""
    return _load(path)[1]


POOL = register(Format(POOL_FORMAT, POOL_VERSION, "state pool", "hdf5", __name__, read_pool_states,
                       validate_pool, describe_pool, stores_states=True,
                       files="`pool.h5` (kernel states)"))
