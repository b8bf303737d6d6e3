"""``python -m ringrift_mpi.bench --mode selfplay``: the self-play job's costs per board, one core.

For each board it plays ``games`` games the way the job does (default seats,
epsilon 0.05, the board's evaluation mode and RingRift's move limit), in the
job's tasks, encodes them and writes them as one shard, and reports:

- positions/s (wall clock and per CPU second) for playing + encoding + writing;
- the share of that time spent writing the shard (target < 5 %), of the wall clock and of the
  process's CPU time (the steadier figure on a shared machine);
- encoding cost per position: the compact record made at write time (cells, globals,
  policy index) plus the expansion of RingRift's features from it at read time, each
  timed as kernels.encoding.timing times the encoder (fastest of several runs of small
  chunks: on a shared machine the figure stays the code's own cost), next to
  RingRift's exporter (kernels.encoding.timing.RINGRIFT_MS; x RingRift = its ms per
  sample over ours, target >= 100x); the job makes the record while replaying each
  finished game, and that replay is shown apart (``replay us``);
- bytes per position on disk (and the dense float32 features it stands for),
  the write cost of each compression, and the time to read a random batch of
  256 positions (features and all) from the shard.
"""
from __future__ import annotations

import os
import tempfile
import time

import numpy as np

from kernels import geometry as G
from kernels.encoding import feature_shape
from kernels.encoding.timing import RINGRIFT_MS

from ..storage.dataset import Dataset, concat, write_dataset
from .config import SelfplayConfig
from .play import Setup, load_seats, play_block, shard_attrs

DEFAULT_GAMES = {"square8": 200, "hex8": 200, "square19": 8, "hexagonal": 4}
COMPRESSIONS = ("gzip", "lzf", "none")


def bench_board(board: str, players: int, games: int, seed: int, compression: str = "gzip",
                batches: int = 20) -> dict:
    cfg = SelfplayConfig.load(None, env={}, overrides={"game.board": board, "game.players": players,
                                                       "run.seed": seed})
    W, rows, hashes, table = load_seats(cfg.seat_specs, players)
    setup = Setup(board, players, seed, cfg.mode_name, cfg.players.epsilon, cfg.players.temperature, 0,
                  cfg.max_moves, True, 1, W, rows, hashes, attrs=shard_attrs(cfg, table))
    b = G.board_id(board)
    geo = G.build(b)
    n = G.BOARD_CELLS[b]
    with tempfile.TemporaryDirectory(prefix="ringrift-bench-selfplay-") as tmp:
        # warm-up: compile or load every kernel, and h5py's first file
        blk, _ = play_block(setup, 10 ** 9, 10 ** 9 + 1, geo)
        write_dataset(os.path.join(tmp, "warm.h5"), setup.attrs, [blk], n, compression)
        with Dataset(os.path.join(tmp, "warm.h5")) as ds:
            ds.batch(np.arange(min(ds.n_positions, 2)))
        blocks, play_s, encode_s = [], 0.0, 0.0
        c0, t0 = time.process_time(), time.perf_counter()
        per = cfg.games_per_task
        for g0 in range(0, games, per):
            blk, st = play_block(setup, g0, min(games, g0 + per), geo)
            blocks.append(blk)
            play_s += st["play_s"]
            encode_s += st["encode_s"]
        path = os.path.join(tmp, "shard.h5")
        tw, cw = time.perf_counter(), time.process_time()
        counts = write_dataset(path, setup.attrs, [concat(blocks)], n, compression)
        write_s, write_cpu = time.perf_counter() - tw, time.process_time() - cw
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        npos = counts["positions"]
        size = os.path.getsize(path)
        # every compression, the same rows (write cost and size)
        sizes = {}
        one = concat(blocks)
        for comp in COMPRESSIONS:
            p = os.path.join(tmp, f"{comp}.h5")
            t = time.perf_counter()
            write_dataset(p, setup.attrs, [one], n, comp)
            sizes[comp] = {"bytes_per_position": os.path.getsize(p) / max(npos, 1),
                           "write_us_per_position": 1e6 * (time.perf_counter() - t) / max(npos, 1)}
        with Dataset(path) as ds:
            exp_best = expand_cost(ds)
            rng = np.random.default_rng(seed)
            tb = time.perf_counter()
            for _ in range(batches):
                ds.batch(rng.integers(0, npos, 256))
            batch_s = (time.perf_counter() - tb) / batches
    enc_best, rep_best = encode_cost(setup, one, geo)
    enc_us = 1e6 * enc_best / max(npos, 1)
    exp_us = 1e6 * exp_best / max(npos, 1)
    rr = RINGRIFT_MS[board]
    return {"board": board, "players": players, "games": games, "positions": npos, "wall_s": wall, "cpu_s": cpu,
            "positions_per_s": npos / wall, "positions_per_cpu_s": npos / max(cpu, 1e-9),
            "play_share": play_s / wall, "encode_share": encode_s / wall, "write_share": write_s / wall,
            "write_share_cpu": write_cpu / max(cpu, 1e-9),
            "encode_us_per_position": enc_us, "expand_us_per_position": exp_us,
            "replay_us_per_position": 1e6 * rep_best / max(npos, 1), "ringrift_ms": rr,
            "x_ringrift": 1e3 * rr / (enc_us + exp_us), "bytes_per_position": size / max(npos, 1),
            "dense_bytes_per_position": 4 * int(np.prod(feature_shape(b))), "compression": compression,
            "compressions": sizes, "batch256_ms": 1e3 * batch_s}


def encode_cost(setup: Setup, blk, geo, repeat: int = 7, chunk: int = 32) -> tuple[float, float]:
    """(encoding s, replay s) of the block's games with a winner, as kernels.encoding.timing times
    the encoder: the positions are rebuilt first, then their compact record (cells, globals, policy
    index) is timed in runs of ``chunk`` positions, the fastest of ``repeat`` runs of each; so on a
    shared machine the figure stays the encoder's own cost. The job makes the record while it
    replays the game (moves applied again after playing): that replay is timed the same way."""
    from kernels.apply import apply_move
    from kernels.encoding.compact import CELL_ROWS, record_positions, replay
    from kernels.encoding.layout import N_GLOBALS
    from kernels.newgame import new_game
    b, P = setup.board_id, setup.players
    a = blk.arrays
    starts = np.concatenate([[0], np.cumsum(a["games/length"])])
    cells = np.zeros((chunk, CELL_ROWS, G.BOARD_CELLS[b]), np.uint8)
    glob = np.zeros((chunk, N_GLOBALS), np.float32)
    enc = rep = 0.0
    for g in np.flatnonzero(a["games/winner"] != 0):
        moves = np.ascontiguousarray(a["games/moves"][starts[g]:starts[g + 1]])
        s = new_game(b, P)
        for lo in range(0, len(moves), chunk):
            part = moves[lo:lo + chunk]
            states = np.empty((len(part), s.size), np.int32)
            w = s.copy()
            for i, m in enumerate(part):  # the positions, before each move
                states[i] = w
                apply_move(geo, w, m)
            t_rep = float("inf")
            for _ in range(repeat):
                r = s.copy()
                t = time.perf_counter()
                replay(geo, r, part)
                t_rep = min(t_rep, time.perf_counter() - t)
            s = w
            t_enc = float("inf")
            for _ in range(repeat):
                t = time.perf_counter()
                record_positions(geo, states, part, 0, len(part), cells, glob)
                t_enc = min(t_enc, time.perf_counter() - t)
            enc += t_enc
            rep += t_rep
    return enc, rep


def expand_cost(ds: Dataset, chunk: int = 32, repeat: int = 7) -> float:
    """Seconds to expand RingRift's features of every position in order (Dataset.features' kernel),
    timed as kernels.encoding.timing times the encoder: the fastest of ``repeat`` runs per chunk."""
    from kernels.encoding.compact import expand, new_cache
    from kernels.newgame import new_game
    npos = ds.n_positions
    cells, movers = ds.read("plies/cells"), ds.read("plies/movers")
    plies = ds.read("move_numbers").astype(np.int32)
    rows = (ds.ply_start[ds.game_of(np.arange(npos))] + plies).astype(np.int64)
    out = np.zeros((chunk,) + feature_shape(ds.board), np.float32)
    cache, cache_rows = new_cache(ds.board)
    scratch = new_game(ds.board, ds.players)
    total = 0.0
    for lo in range(0, npos, chunk):
        hi = min(npos, lo + chunk)
        best = float("inf")
        for _ in range(repeat):
            c, cr = cache.copy(), cache_rows.copy()  # each run starts from the same cached frames
            t = time.perf_counter()
            expand(ds.geo, cells, movers, rows[lo:hi], plies[lo:hi], scratch, c, cr, out)
            best = min(best, time.perf_counter() - t)
        cache, cache_rows = c, cr
        total += best
    return total


def table(rows: list[dict]) -> str:
    head = ("board", "P", "games", "positions", "pos/s", "pos/cpu-s", "write %", "(cpu)", "encode us", "expand us",
            "replay us", "RingRift ms", "x RingRift", "B/pos", "dense B/pos", "batch256 ms")
    lines = [(r["board"], str(r["players"]), str(r["games"]), str(r["positions"]), f"{r['positions_per_s']:.0f}",
              f"{r['positions_per_cpu_s']:.0f}", f"{100 * r['write_share']:.1f}", f"{100 * r['write_share_cpu']:.1f}",
              f"{r['encode_us_per_position']:.1f}",
              f"{r['expand_us_per_position']:.1f}", f"{r['replay_us_per_position']:.1f}",
              f"{r['ringrift_ms']:.2f}", f"{r['x_ringrift']:.0f}",
              f"{r['bytes_per_position']:.0f}", str(r["dense_bytes_per_position"]), f"{r['batch256_ms']:.1f}")
             for r in rows]
    w = [max(len(h), *(len(x[i]) for x in lines)) if lines else len(h) for i, h in enumerate(head)]
    out = ["  ".join(h.rjust(w[i]) if i else h.ljust(w[i]) for i, h in enumerate(head))]
    out += ["  ".join(v.rjust(w[i]) if i else v.ljust(w[i]) for i, v in enumerate(x)) for x in lines]
    out.append("")
    out.append("compression: bytes per position, write us per position")
    out.append("     " + "".join(f"{r['board'] + ' ' + str(r['players']) + 'p':>22}" for r in rows))
    for comp in COMPRESSIONS:
        cells = [r["compressions"][comp] for r in rows]
        out.append(f"{comp:5s}" + "".join(f"{c['bytes_per_position']:11.0f} {c['write_us_per_position']:10.1f}"
                                          for c in cells))
    return "\n".join(out)


def run(boards, players_list, games: int | None, seed: int, compression: str = "gzip") -> list[dict]:
    rows = []
    import sys
    for board in boards:
        for p in players_list:
            g = games or DEFAULT_GAMES[board]
            r = bench_board(board, p, g, seed, compression)
            print(f"  {board} {p}p: {g} games, {r['positions']} positions in {r['wall_s']:.2f} s", file=sys.stderr,
                  flush=True)
            rows.append(r)
    return rows
