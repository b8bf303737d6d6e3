"""A small training-data generator: real games from the kernels, encoded by kernels.encoding.

``python -m ringrift_mpi.train.gendata --board square8 --players 2 --games 200 --out d.h5``
plays heuristic self-play games (RingRift's default weights, epsilon-greedy, a few
uniformly random opening plies that enter the history but are not sampled), or
uniformly random games (``--random``), and writes their positions in the dataset
layout ``source`` reads. Games without a winner give no samples (RingRift's
exporter drops them). Game i depends only on (seed, i). This is the trainer's own
test-data maker; the self-play job is the real producer.
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from kernels import geometry as G
from kernels.apply import apply_move
from kernels.encoding import has_winner, sample_values, values_mp
from kernels.encoding.game import encode_game, new_buffers
from kernels.games import run_games
from kernels.heuristic import FULL, LIGHT
from kernels.heuristic_weights import BASE_V1_BALANCED_WEIGHTS, weights_array
from kernels.newgame import new_game
from kernels.state import H_PHASE

from .source import write_dataset


def game_seeds(seed: int, first: int, n: int) -> np.ndarray:
    ss = np.random.SeedSequence([seed, 0x7A11])
    return (ss.generate_state(first + n, dtype=np.uint64)[first:] >> np.uint64(1)).astype(np.int64)


def generate(board: str, players: int, games: int, seed: int = 1, *, heuristic: bool = True, eps: float = 0.05,
             opening: int = 4, max_moves: int = 400, batch: int = 8, progress=None) -> tuple[dict, dict]:
    """(rows, games) dicts for write_dataset; see the module doc."""
    b = G.board_id(board)
    geo = G.build(b)
    start = new_game(b, players)
    W = weights_array(BASE_V1_BALANCED_WEIGHTS)[None, :]
    mode = LIGHT if board in ("square19", "hexagonal") else FULL
    rows = {k: [] for k in ("features", "globals", "values", "values_mp", "policy_indices", "move_numbers",
                            "total_game_moves", "phases", "victory_types", "game_ids")}
    recs = {k: [] for k in ("id", "seed", "winner", "victory_type", "length", "moves")}
    for g0 in range(0, games, batch):
        n = min(batch, games - g0)
        seeds = game_seeds(seed, g0, n)
        r = run_games(geo, start, 0, seeds, np.zeros(players, np.int64) if heuristic else -np.ones(players, np.int64),
                      W, mode=mode, eps=eps, opening=opening, max_moves=max_moves, record=max_moves)
        for j in range(n):
            nm = int(r.moves[j])
            moves = r.move_list[j, :nm].copy()
            recs["id"].append(g0 + j)
            recs["seed"].append(seeds[j])
            recs["winner"].append(r.winner[j])
            recs["victory_type"].append(r.vtype[j])
            recs["length"].append(nm)
            recs["moves"].append(moves)
            if r.winner[j] == 0:
                continue
            s = start.copy()
            ring, feats, globs, pol, plies, movers = new_buffers(b, nm)
            phases = np.zeros(nm, np.int8)
            k = encode_game(geo, s, moves, 1, opening, ring, feats, globs, pol, plies, movers)
            if not has_winner(s):
                continue
            vals = np.zeros(k, np.float32)
            sample_values(s, movers[:k], vals)
            vmp = np.zeros(4, np.float32)
            values_mp(s, vmp)
            # the phase of each sampled ply: replay once more (cheap next to playing)
            s2 = start.copy()
            for i in range(nm):
                phases[i] = s2[H_PHASE]
                apply_move(geo, s2, moves[i])
            rows["features"].append(feats[:k])
            rows["globals"].append(globs[:k])
            rows["values"].append(vals)
            rows["values_mp"].append(np.repeat(vmp[None], k, 0))
            rows["policy_indices"].extend([int(p)] for p in pol[:k])
            rows["move_numbers"].append(plies[:k])
            rows["total_game_moves"].append(np.full(k, nm, np.int32))
            rows["phases"].append(phases[plies[:k]])
            rows["victory_types"].append(np.full(k, r.vtype[j], np.int8))
            rows["game_ids"].append(np.full(k, g0 + j, np.int64))
        if progress:
            progress(g0 + n, sum(len(v) for v in rows["values"]))
    for k in rows:
        if k != "policy_indices":
            rows[k] = np.concatenate(rows[k]) if rows[k] else np.zeros(0)
    if not len(rows["values"]):
        raise ValueError("no game had a winner: nothing to write")
    return rows, recs


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m ringrift_mpi.train.gendata", description=__doc__.split("\n")[0])
    ap.add_argument("--board", default="square8", choices=G.BOARD_NAMES)
    ap.add_argument("--players", type=int, default=2, choices=(2, 3, 4))
    ap.add_argument("--games", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--random", action="store_true", help="uniformly random players instead of the heuristic")
    ap.add_argument("--eps", type=float, default=0.05, help="heuristic players' random-move probability")
    ap.add_argument("--opening", type=int, default=4, help="random opening plies (history only, not sampled)")
    ap.add_argument("--max-moves", type=int, default=400, help="move cap (a capped game is a draw: no samples)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    t0 = time.time()

    def progress(done, rows):
        print(f"\r{done}/{a.games} games, {rows} positions, {time.time() - t0:.0f} s", end="", file=sys.stderr)

    rows, games = generate(a.board, a.players, a.games, a.seed, heuristic=not a.random, eps=a.eps,
                           opening=a.opening, max_moves=a.max_moves, progress=progress)
    how = "random" if a.random else f"heuristic (default weights, eps {a.eps})"
    write_dataset(a.out, G.board_id(a.board), a.players, rows, games,
                  source=f"gendata {how}, {a.games} games, seed {a.seed}, opening {a.opening}, cap {a.max_moves}")
    print(f"\n{a.out}: {len(rows['values'])} positions from {a.games} games ({time.time() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
