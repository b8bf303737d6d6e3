"""Encoding cost per sample, playing excluded: ``python -m kernels.encoding.timing``.

Random games are played and every pre-move state kept; then the states are
encoded in game order the way an exporter does (each ply's frame pushed into
the history ring, the stacked features, the globals and the played move's
policy index), and only that loop is timed. Every ply is a sample (RingRift's
exporter with ``--sample-every 1``), so the figure compares with its
per-sample cost (``RINGRIFT_MS``, measured on this kind of machine, one core:
docs in ../shared/notes/ringrift-dataset.md section 2.5).
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from .. import geometry as G
from ..apply import apply_move
from ..newgame import new_game
from ..playout import random_playout
from ..state import jit
from .globalfeat import global_features
from .history import push_frame, stack_frames
from .layout import BASE_PLANES, FRAMES, IN_CHANNELS, N_GLOBALS, SPATIAL
from .policy import policy_index

RINGRIFT_MS = {"square8": 0.47, "square19": 2.0, "hex8": 4.4, "hexagonal": 35.0}
# a few thousand samples per board; states are kept in memory (hexagonal: ~33 KB each)
DEFAULT_GAMES = {"square8": 20, "square19": 4, "hex8": 20, "hexagonal": 2}


@jit
def encode_positions(geo, states, moves, starts, lo, hi, ring, count, features, globals_):
    """Encode states[lo:hi] (rows in game order; starts[i] = 1 opens a game) after `count` pushed frames.

    Returns the new count and a checksum (so nothing is optimised away).
    """
    acc = 0.0
    for i in range(lo, hi):
        if starts[i]:
            count = 0
        s = states[i]
        count = push_frame(geo, s, ring, count)
        stack_frames(ring, count, features)
        global_features(geo, s, globals_)
        acc += policy_index(geo, s, moves[i]) + features[0, 0, 0] + globals_[5]
    return count, acc


def collect(board: int, players: int, games: int, seed: int, max_moves: int = 0):
    """(states, moves, starts) of random games: every pre-move state, row by row."""
    geo = G.build(board)
    states, moves, starts = [], [], []
    rec = np.zeros(20000, np.int64)
    for g in range(games):
        s = new_game(board, players)
        nm = random_playout(geo, s.copy(), seed + g, max_moves, rec)
        s2 = s
        for i in range(min(nm, rec.size)):
            states.append(s2.copy())
            moves.append(rec[i])
            starts.append(i == 0)
            apply_move(geo, s2, rec[i])
    return np.array(states), np.array(moves, np.int64), np.array(starts, np.uint8)


def time_encoding(board: int, players: int = 2, games: int = 0, seed: int = 0, repeat: int = 7,
                  chunk: int = 128) -> dict:
    """Encoding time per sample (ms) over ``games`` random games of one config.

    The samples are timed in chunks of ``chunk``, each chunk ``repeat`` times,
    and the fastest run of every chunk counts: a machine shared with other work
    then still shows the encoder's own cost (``median_ms`` is the median run).
    """
    geo = G.build(board)
    games = games or DEFAULT_GAMES[G.BOARD_NAMES[board]]
    states, moves, starts = collect(board, players, games, seed)
    ring = np.zeros((FRAMES, BASE_PLANES[board], SPATIAL[board], SPATIAL[board]), np.float32)
    feat = np.zeros((IN_CHANNELS[board], SPATIAL[board], SPATIAL[board]), np.float32)
    glob = np.zeros(N_GLOBALS, np.float32)
    encode_positions(geo, states, moves, starts, 0, 2, ring, 0, feat, glob)  # compile outside the timing
    best = median = 0.0
    count = 0
    for lo in range(0, len(states), chunk):
        hi = min(lo + chunk, len(states))
        runs = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            c, _ = encode_positions(geo, states, moves, starts, lo, hi, ring, count, feat, glob)
            runs.append(time.perf_counter() - t0)
        count = c
        best += min(runs)
        median += sorted(runs)[len(runs) // 2]
    name = G.BOARD_NAMES[board]
    ms = 1e3 * best / len(states)
    return {"board": name, "players": players, "samples": len(states), "ms_per_sample": ms,
            "median_ms": 1e3 * median / len(states), "ringrift_ms": RINGRIFT_MS[name],
            "x_ringrift": RINGRIFT_MS[name] / ms}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m kernels.encoding.timing", description=__doc__.splitlines()[0])
    ap.add_argument("--boards", default="square8,square19,hex8,hexagonal")
    ap.add_argument("--players", type=int, default=2)
    ap.add_argument("--games", type=int, default=0, help="games per board (default: DEFAULT_GAMES)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    print(f"{'board':10} {'samples':>8} {'ms/sample':>10} {'(median)':>9} {'RingRift ms':>12} {'x RingRift':>11}")
    for name in args.boards.split(","):
        r = time_encoding(G.board_id(name), args.players, args.games, args.seed)
        print(f"{r['board']:10} {r['samples']:8d} {r['ms_per_sample']:10.4f} {r['median_ms']:9.4f} "
              f"{r['ringrift_ms']:12.2f} {r['x_ringrift']:11.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
