"""Throughput benchmark of the rules kernels: ``ringrift-bench`` / ``python -m ringrift_mpi.bench``.

For every board x player count it plays ``--games`` seeded games on one core
and prints games/s, moves/s, mean moves per game, mean legal moves per
decision, invariant violations (with ``--check-invariants``: the full
``kernels.playout`` check after every move), capped games and wins by seat.
It also times numba compilation: a fresh interpreter imports the kernels and
plays one game, once with an empty NUMBA_CACHE_DIR (cold: everything is
compiled) and once more with the cache that run filled (warm: loaded from the
cache).

Modes are entries of ``MODES`` (name -> runner): ``random`` plays uniformly
random legal moves; ``heuristic`` is heuristic-vs-heuristic self-play the way
RingRift's CMA-ES plays it (greedy one-ply HeuristicAI with the default
weights, epsilon 0.02 with 2 players and 0 with 3-4, the board's training
evaluation mode: full on square8/hex8, light on square19/hexagonal). A runner
takes ``(board, players, seeds, max_moves, check)`` and returns a
``GameBatch``.

Where RingRift's own Python engine was timed on this kind of machine
(``REFERENCE``, from notes/ringrift-reference.md), the table also shows our
games/s and decisions/s as multiples of RingRift's.
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from kernels import geometry as G

BOARDS = ("square8", "hex8", "square19", "hexagonal")
# default games per config: the full 12-config matrix takes about a minute on one core
# (2-core Xeon VM, invariants checked), plus ~30 s of cold compilation
DEFAULT_GAMES = {"square8": 8000, "hex8": 6000, "square19": 400, "hexagonal": 200}


@dataclass
class GameBatch:
    """Per-game results of one config (arrays of length G)."""
    winner: np.ndarray   # 0 draw/capped, -1 stuck (active with no legal move), else the seat
    moves: np.ndarray    # moves applied
    capped: np.ndarray   # 1 when the move cap ended the game
    viol: np.ndarray     # invariant violations seen (0 unless checked)
    legal: np.ndarray    # sum of legal-move counts over the game's decisions
    first_violation: tuple = (-1, 0, 0)  # (game index, code, ply) of the first violation


def run_random(board: int, players: int, seeds: np.ndarray, max_moves: int, check: bool) -> GameBatch:
    from kernels.newgame import new_game
    from kernels.playout import play_random_games
    g = len(seeds)
    out = [np.zeros(g, np.int64) for _ in range(5)]
    first = play_random_games(G.build(board), new_game(board, players), seeds.astype(np.int64), max_moves,
                              *out, check)
    return GameBatch(*out, first_violation=tuple(int(v) for v in first))


def run_heuristic(board: int, players: int, seeds: np.ndarray, max_moves: int, check: bool) -> GameBatch:
    from kernels.games import VT_MOVE_CAP, run_games
    from kernels.heuristic import FULL, LIGHT
    from kernels.heuristic_weights import BASE_V1_BALANCED_WEIGHTS, weights_array
    from kernels.newgame import new_game
    if check:
        raise SystemExit("ringrift-bench: --check-invariants is for --mode random")
    w = weights_array(BASE_V1_BALANCED_WEIGHTS)[None, :]
    mode = LIGHT if board in (G.SQUARE19, G.HEXAGONAL) else FULL
    r = run_games(G.build(board), new_game(board, players), 0, seeds.astype(np.int64),
                  np.zeros(players, np.int64), w, mode=mode, eps=0.02 if players == 2 else 0.0,
                  max_moves=max_moves)
    g = len(seeds)
    return GameBatch(r.winner, r.moves, (r.vtype == VT_MOVE_CAP).astype(np.int64), np.zeros(g, np.int64),
                     r.legal)


MODES: dict[str, Callable[..., GameBatch]] = {"random": run_random, "heuristic": run_heuristic}

# RingRift's Python engine, one core of a machine like ours (notes/ringrift-reference.md):
# (mode, board, players) -> (games/s, decisions/s)
REFERENCE = {
    ("heuristic", "square8", 2): (0.27, 28.5), ("heuristic", "square8", 3): (0.25, 28.5),
    ("heuristic", "square8", 4): (0.28, 28.5), ("heuristic", "hex8", 2): (0.30, 39.0),
    ("heuristic", "square19", 2): (0.0034, 2.0), ("heuristic", "hexagonal", 2): (0.0018, 1.2),
    ("random", "square8", 2): (1 / 0.24, 551.0), ("random", "hex8", 2): (1 / 0.28, None),
    ("random", "square19", 2): (1 / 4.9, None), ("random", "hexagonal", 2): (1 / 11.6, None),
}
# the brief's targets for heuristic self-play, as multiples of RingRift's games/s per core
TARGET_RATIO = {"square8": 300, "hex8": 300, "square19": 1000, "hexagonal": 1000}
DEFAULT_HEURISTIC_GAMES = {"square8": 200, "hex8": 200, "square19": 4, "hexagonal": 2}


def machine_info() -> dict:
    return {"platform": platform.platform(), "machine": platform.machine(),
            "processor": platform.processor() or _cpu_model(), "cpu_count": os.cpu_count(),
            "python": platform.python_version(), "numba": _numba_version(), "numpy": np.__version__}


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def _numba_version() -> str:
    import numba
    return numba.__version__


_COMPILE_PROBE = """
import time
t0 = time.perf_counter()
import numpy as np
from kernels import geometry as G
from kernels.newgame import new_game
from kernels.playout import play_random_games, random_playout, invariant_violation
t1 = time.perf_counter()
geo = G.build(0)
s = new_game(0, 2)
random_playout(geo, s, 1, 0, np.empty(0, np.int64))
invariant_violation(geo, s, 0)
z = [np.zeros(1, np.int64) for _ in range(5)]
play_random_games(geo, new_game(0, 2), np.arange(1, dtype=np.int64), 0, *z, True)
t2 = time.perf_counter()
from kernels.games import run_games
from kernels.heuristic_weights import BASE_V1_BALANCED_WEIGHTS, weights_array
run_games(geo, new_game(0, 2), 0, np.arange(1), np.zeros(2, np.int64),
          weights_array(BASE_V1_BALANCED_WEIGHTS)[None, :], eps=0.02, max_moves=20)
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""


def compile_times() -> dict:
    """Seconds for 'import kernels + first playout' in a fresh interpreter, cold and warm cache."""
    res = {}
    with tempfile.TemporaryDirectory(prefix="ringrift-numba-cache-") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for label in ("cold", "warm"):
            t = time.perf_counter()
            p = subprocess.run([sys.executable, "-c", _COMPILE_PROBE], env=env, capture_output=True, text=True)
            wall = time.perf_counter() - t
            if p.returncode != 0:
                res[label] = {"error": p.stderr.strip().splitlines()[-1:] or ["?"]}
                continue
            imp, first, heur = (float(v) for v in p.stdout.split())
            res[label] = {"import_s": imp, "first_playout_s": first, "first_heuristic_game_s": heur,
                          "total_s": imp + first + heur, "process_wall_s": wall}
    return res


def bench_config(mode: str, board: str, players: int, games: int, seed: int, max_moves: int,
                 check: bool, clock: Callable[[], float] = time.perf_counter) -> dict:
    b = G.board_id(board)
    run = MODES[mode]
    run(b, players, np.array([seed], np.int64), max_moves, check)  # compile / warm up
    seeds = np.arange(games, dtype=np.int64) + seed * 1_000_000
    t = clock()
    r = run(b, players, seeds, max_moves, check)
    dt = clock() - t
    moves = int(r.moves.sum())
    wins = {str(p): int((r.winner == p).sum()) for p in range(1, players + 1)}
    ref = REFERENCE.get((mode, board, players))
    vs = None
    if ref is not None:
        vs = {"ringrift_games_per_s": ref[0], "ringrift_decisions_per_s": ref[1],
              "games_ratio": (games / dt) / ref[0] if dt > 0 else None,
              "decisions_ratio": (moves / dt) / ref[1] if (dt > 0 and ref[1]) else None,
              "target_ratio": TARGET_RATIO.get(board) if mode == "heuristic" else None}
    return {"vs_ringrift": vs, "board": board, "players": players, "mode": mode, "games": games, "seconds": dt,
            "games_per_s": games / dt if dt > 0 else float("inf"),
            "moves_per_s": moves / dt if dt > 0 else float("inf"),
            "mean_moves": moves / games, "max_moves": int(r.moves.max()),
            "mean_legal": float(r.legal.sum()) / max(moves, 1),
            "violations": int(r.viol.sum()) if check else None,
            "first_violation": ({"seed": int(seeds[r.first_violation[0]]), "code": r.first_violation[1],
                                 "ply": r.first_violation[2]} if r.first_violation[0] >= 0 else None),
            "capped": int(r.capped.sum()), "stuck": int((r.winner < 0).sum()),
            "draws": int((r.winner == 0).sum()), "wins": wins}


def _key(r: dict) -> str:
    return f"{r['mode']}/{r['board']}/{r['players']}p"


def write_json(path: str, data: dict) -> None:
    from .storage.json_formats import write_bench
    write_bench(path, data)


def _parse_list(text: str, conv, what: str, allowed=None) -> list:
    out = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            v = conv(part)
        except ValueError:
            raise argparse.ArgumentTypeError(f"bad {what}: {part!r}") from None
        if allowed is not None and v not in allowed:
            raise argparse.ArgumentTypeError(f"bad {what}: {part!r} (expected one of {', '.join(map(str, allowed))})")
        out.append(v)
    if not out:
        raise argparse.ArgumentTypeError(f"no {what} given")
    return out


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="ringrift-bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--mode", default="random", choices=sorted(MODES) + ["selfplay"],
                    help="move policy (default random); selfplay: the self-play job's positions/s, write share, "
                         "encoding cost and dataset size per board (ringrift_mpi/selfplay/bench.py)")
    ap.add_argument("--boards", default=",".join(BOARDS),
                    type=lambda t: _parse_list(t, str, "board", G.BOARD_NAMES), help="comma-separated boards")
    ap.add_argument("--players", default=None, type=lambda t: _parse_list(t, int, "player count", (2, 3, 4)),
                    help="comma-separated player counts (default 2,3,4; --mode selfplay: 2)")
    ap.add_argument("--games", type=int, default=None,
                    help="games per config (default per board, random: %s; heuristic: %s)" % (
                        ", ".join(f"{k} {v}" for k, v in DEFAULT_GAMES.items()),
                        ", ".join(f"{k} {v}" for k, v in DEFAULT_HEURISTIC_GAMES.items())))
    ap.add_argument("--seed", type=int, default=0, help="base seed (game i uses seed*1e6 + i)")
    ap.add_argument("--max-moves", type=int, default=20000, help="move cap per game, 0 = none (default 20000)")
    ap.add_argument("--check-invariants", action="store_true", help="check the state after every move")
    ap.add_argument("--no-compile-timing", action="store_true", help="skip the cold/warm compile measurement")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                    help="time each config by the wall clock (default) or by this process's CPU time: on a "
                         "machine shared with other busy processes, cpu gives the rate of a dedicated core")
    ap.add_argument("--json", metavar="OUT", help="write the figures to OUT (atomically)")
    ap.add_argument("--compare", metavar="OLD", help="print new/old ratios against an earlier --json file")
    return ap


def _fmt_table(rows: list[dict], check: bool) -> str:
    head = ("board", "P", "games", "games/s", "dec/s", "moves/game", "legal/dec", "viol", "capped", "x RingRift",
            "wins by seat")
    lines = []
    for r in rows:
        wins = " ".join(f"{p}:{n}" for p, n in r["wins"].items())
        if r["draws"]:
            wins += f" draw:{r['draws']}"
        if r["stuck"]:
            wins += f" STUCK:{r['stuck']}"
        vs = r.get("vs_ringrift")
        ratio = "-"
        if vs and vs.get("games_ratio"):
            ratio = f"{vs['games_ratio']:.0f}x"
            if vs.get("target_ratio"):
                ratio += f" (target {vs['target_ratio']}x)"
        gps = r["games_per_s"]
        lines.append((r["board"], str(r["players"]), str(r["games"]), f"{gps:.1f}" if gps >= 1 else f"{gps:.3f}",
                      f"{r['moves_per_s']:.0f}", f"{r['mean_moves']:.1f}", f"{r['mean_legal']:.1f}",
                      str(r["violations"]) if check else "-", str(r["capped"]), ratio, wins))
    w = [max(len(h), *(len(l[i]) for l in lines)) if lines else len(h) for i, h in enumerate(head)]
    out = ["  ".join(h.rjust(w[i]) if 0 < i < 10 else h.ljust(w[i]) for i, h in enumerate(head)).rstrip()]
    for l in lines:
        out.append("  ".join(v.rjust(w[i]) if 0 < i < 10 else v.ljust(w[i]) for i, v in enumerate(l)).rstrip())
    return "\n".join(out)


def compare(new: dict, old: dict) -> str:
    """new/old ratios per config. Files of different modes are matched by board and player count,
    so ``--mode random --compare heuristic.json`` prints how much faster random playouts are."""
    new_modes = {r["mode"] for r in new["results"]}
    old_modes = {r["mode"] for r in old.get("results", [])}
    cross = len(new_modes) == len(old_modes) == 1 and new_modes != old_modes
    key = (lambda r: f"{r['board']}/{r['players']}p") if cross else _key
    label = f"{new_modes.pop()}/{old_modes.pop()}" if cross else "new/old"
    oldr = {key(r): r for r in old.get("results", [])}
    out = [f"{'config':28s} {'games/s ' + label:>24s} {'dec/s ' + label:>24s}"]
    for r in new["results"]:
        o = oldr.get(key(r))
        if o is None:
            out.append(f"{key(r):28s} {'(not in old)':>24s}")
            continue
        g = r["games_per_s"] / o["games_per_s"] if o["games_per_s"] else float("nan")
        m = r["moves_per_s"] / o["moves_per_s"] if o["moves_per_s"] else float("nan")
        out.append(f"{key(r):28s} {g:24.2f} {m:24.2f}")
    for k in oldr.keys() - {key(r) for r in new["results"]}:
        out.append(f"{k:28s} {'(not in new)':>24s}")
    return "\n".join(out)


def _selfplay(args, info) -> int:
    from .selfplay import bench as SB
    players = args.players or [2]
    print("mode selfplay, one core: playing + encoding + writing one shard per board (default seats, "
          "epsilon 0.05, RingRift's move limit)")
    rows = SB.run(args.boards, players, args.games, args.seed)
    print(SB.table(rows))
    if args.json:
        write_json(args.json, {"machine": info, "args": {k: v for k, v in vars(args).items() if k != "json"},
                               "results": [{**r, "mode": "selfplay", "games_per_s": r["games"] / r["wall_s"],
                                            "moves_per_s": r["positions_per_s"]} for r in rows],
                               "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
        print(f"wrote {args.json}")
    return 0


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.mode != "selfplay":
        args.players = args.players or [2, 3, 4]
    if args.games is not None and args.games < 1:
        print("ringrift-bench: --games must be >= 1", file=sys.stderr)
        return 2
    old = None
    if args.compare:
        from .storage import StorageError
        from .storage.json_formats import read_bench
        try:
            old = read_bench(args.compare)
        except StorageError as e:
            print(f"ringrift-bench: --compare: {e}", file=sys.stderr)
            return 2
    info = machine_info()
    print(f"machine: {info['platform']} | {info['processor']} | {info['cpu_count']} CPUs | "
          f"Python {info['python']} numba {info['numba']} numpy {info['numpy']}")
    if args.mode == "selfplay":
        return _selfplay(args, info)
    print(f"mode {args.mode}, one core, {args.clock} clock, seed {args.seed}, move cap {args.max_moves or 'none'}, "
          f"invariants {'checked after every move' if args.check_invariants else 'not checked'}")
    comp = None
    if not args.no_compile_timing:
        comp = compile_times()
        for label in ("cold", "warm"):
            c = comp[label]
            if "error" in c:
                print(f"compile ({label} cache): FAILED: {c['error']}")
            else:
                print(f"compile ({label} cache): import {c['import_s']:.2f} s + first random playout "
                      f"{c['first_playout_s']:.2f} s + first heuristic game {c['first_heuristic_game_s']:.2f} s "
                      f"= {c['total_s']:.2f} s (process {c['process_wall_s']:.2f} s)")
    rows = []
    for board in args.boards:
        for players in args.players:
            defaults = DEFAULT_HEURISTIC_GAMES if args.mode == "heuristic" else DEFAULT_GAMES
            games = args.games or defaults.get(board, 100)
            r = bench_config(args.mode, board, players, games, args.seed, args.max_moves, args.check_invariants,
                             time.process_time if args.clock == "cpu" else time.perf_counter)
            rows.append(r)
            print(f"  {board} {players}p: {games} games in {r['seconds']:.2f} s", file=sys.stderr, flush=True)
            if r["first_violation"]:
                fv = r["first_violation"]
                print(f"  VIOLATION {board} {players}p seed {fv['seed']} ply {fv['ply']} code {fv['code']}",
                      file=sys.stderr, flush=True)
    print(_fmt_table(rows, args.check_invariants))
    total_v = sum(r["violations"] or 0 for r in rows)
    bad = [r for r in rows if r["first_violation"] or r["stuck"]]
    if args.check_invariants:
        print(f"invariant violations: {total_v}")
    for r in bad:
        fv = r["first_violation"]
        if fv:
            from kernels.playout import INVARIANT_NAMES
            print(f"  first violation {r['board']} {r['players']}p: seed {fv['seed']}, ply {fv['ply']}, "
                  f"code {fv['code']} ({INVARIANT_NAMES[fv['code']]})")
    data = {"machine": info, "args": {k: v for k, v in vars(args).items() if k not in ("json", "compare")},
            "compile": comp, "results": rows, "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    if old is not None:
        print(compare(data, old))
    if args.json:
        write_json(args.json, data)
        print(f"wrote {args.json}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
