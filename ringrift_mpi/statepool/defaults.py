"""The recipe of the shipped default pools: self-play games, then ``sample_states``.

For each board and player count: the self-play job's defaults (RingRift's default
heuristic in every seat, epsilon 0.05, RingRift's move limit) with seed 1 and
``GAMES[board]`` games, played on one rank into a temporary run directory, then
``SIZE`` positions sampled with seed 1. Deterministic for a given engine: run it
again after a change of the kernels' play or of STATE_LAYOUT_VERSION (a pool of
another layout is refused with one line saying so).
"""
from __future__ import annotations

import os
import tempfile

from ..storage.pool import write_pool
from . import default_pool
from .sample import sample_states

GAMES = {"square8": 48, "hex8": 48, "square19": 8, "hexagonal": 6}
SIZE = 32
BOARDS = ("square8", "square19", "hex8", "hexagonal")


def build(board: str, players: int, out: str | None = None, quiet: bool = True) -> dict:
    import contextlib
    import io
    from ..selfplay.job import main as selfplay
    out = out or default_pool(board, players)
    with tempfile.TemporaryDirectory(prefix="ringrift-pool-") as tmp:
        run = os.path.join(tmp, "run")
        args = ["--run-dir", run, "--board", board, "--num-players", str(players), "--games", str(GAMES[board]),
                "--seed", "1"]
        sink = io.StringIO()
        with contextlib.redirect_stdout(sink) if quiet else contextlib.nullcontext():
            rc = selfplay(args)
        if rc != 0:
            raise RuntimeError(f"self-play for the {board} {players}p pool failed:\n{sink.getvalue()}")
        states, facts = sample_states(run, size=SIZE, seed=1)
    write_pool(out, states, board, players, compress=True,
               source=f"ringrift_mpi.statepool.defaults: {GAMES[board]} self-play games (job defaults, seed 1), "
                      f"{len(states)} positions sampled with seed 1 from {facts['candidates']} candidates")
    return {**facts, "path": out, "bytes": os.path.getsize(out)}
