"""Parallel efficiency of CMA-ES generations: ``python -m ringrift_mpi.cmaes.scaling``.

Runs the same job under ``mpiexec -n k`` for each k of ``--ranks`` (fresh run
directories), reads each generation's wall time from run.h5 (start-up and numba
loading excluded), and prints speed-up and efficiency T1 / (k * Tk) against the
1-rank run, plus whether every run's fitness values are identical (they must be).

A machine does not always give k processes k times the throughput of one (shared
caches and memory bandwidth, SMT siblings, a noisy VM host), so the bench also
measures that ceiling: k independent processes play the job's kind of games over
the same time window, with no MPI, and ``machine`` is their summed throughput over k
times one process's. ``vs machine`` = efficiency / machine is the share of that ceiling
the task farm reaches: what MPI, balancing and rank 0's bookkeeping cost.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np


def _env():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PMI_", "HYDRA_", "HYDI_", "MPIR_"))}
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


def _probe(board: str, players: int, mode: str, eps: float, max_moves: int, seconds: float,
           start_at: float) -> float:
    """Heuristic games/s of this process (numba cache warm), as the job plays them (its evaluation
    mode and epsilon), measured over ``seconds`` from the wall-clock time ``start_at``, so that
    concurrent probes overlap fully."""
    import time
    from kernels import geometry as G
    from kernels import heuristic as HE
    from kernels.games import run_games
    from kernels.heuristic_weights import BASE_V1_BALANCED_WEIGHTS, weights_array
    from kernels.newgame import new_game
    b = G.board_id(board)
    geo, s0 = G.build(b), new_game(b, players)
    w = weights_array(BASE_V1_BALANCED_WEIGHTS)[None, :]
    mode = HE.LIGHT if mode == "light" else HE.FULL
    seats = np.zeros(players, np.int64)
    run_games(geo, s0, 0, np.arange(1), seats, w, mode=mode, eps=eps, max_moves=20)
    time.sleep(max(0.0, start_at - time.time()))
    t0 = time.perf_counter()
    games, seed = 0, 0
    while time.perf_counter() - t0 < seconds:
        run_games(geo, s0, 0, np.arange(seed, seed + 4), seats, w, mode=mode, eps=eps, max_moves=max_moves)
        games, seed = games + 4, seed + 4
    return games / (time.perf_counter() - t0)


def probe_rates(n: int, board: str, players: int, mode: str, eps: float, max_moves: int,
                seconds: float) -> list[float]:
    """games/s of each of n independent processes playing at the same time."""
    import time
    start = time.time() + 10.0  # after every process has imported and loaded numba's cache
    cmd = [sys.executable, "-m", "ringrift_mpi.cmaes.scaling", "--probe",
           f"{board}:{players}:{mode}:{eps!r}:{max_moves}:{seconds}:{start}"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) for _ in range(n)]
    return [float(p.communicate()[0].split()[-1]) for p in procs]


def probe_game(cfg) -> tuple:
    """(board, players, mode, epsilon, max_moves) of the job's games, for the probe."""
    return cfg.game.board, cfg.game.players, cfg.mode_name, cfg.epsilon, cfg.game.max_moves


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m ringrift_mpi.cmaes.scaling", description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", default="jobs/square8_2p.toml")
    ap.add_argument("--ranks", default="1,2", help="comma-separated rank counts (default 1,2)")
    ap.add_argument("--generations", type=int, default=3)
    ap.add_argument("--games-per-eval", type=int, default=None)
    ap.add_argument("--mpiexec", default="mpiexec")
    ap.add_argument("--probe-seconds", type=float, default=8.0,
                    help="how long k independent processes play at once to measure the machine's own "
                         "scaling (0: skip)")
    ap.add_argument("--probe", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.probe:
        board, players, mode, eps, max_moves, seconds, start = args.probe.split(":")
        print(f"games/s {_probe(board, int(players), mode, float(eps), int(max_moves), float(seconds), float(start)):.3f}")
        return 0
    ranks = [int(r) for r in args.ranks.split(",")]
    if ranks[0] != 1:
        ranks = [1] + ranks
    from ..storage.cmaes_run import read_run
    rows = []
    with tempfile.TemporaryDirectory(prefix="ringrift-scaling-") as tmp:
        for k in ranks:
            d = os.path.join(tmp, f"n{k}")
            cmd = [args.mpiexec, "-n", str(k), sys.executable, "-m", "ringrift_mpi.cmaes", "--config", args.config,
                   "--run-dir", d, "--generations", str(args.generations)]
            if args.games_per_eval:
                cmd += ["--games-per-eval", str(args.games_per_eval)]
            p = subprocess.run(cmd, env=_env(), capture_output=True, text=True)
            if p.returncode != 0:
                print(f"{' '.join(cmd)} failed (exit {p.returncode}):\n{p.stderr[-2000:]}", file=sys.stderr)
                return 1
            rec = read_run(os.path.join(d, "run.h5"))
            rows.append((k, float(rec.gen_array("wall_s").sum()), int(rec.gen_array("games").sum()),
                         rec.gen_array("fitness")))
    from .config import CMAESConfig
    cfg = CMAESConfig.load(args.config)
    t1 = rows[0][1]
    print(f"config {args.config}, {args.generations} generation(s), {rows[0][2]} games per run, "
          f"{os.cpu_count()} CPUs here")
    print(f"{'ranks':>5} {'gen time s':>10} {'games/s':>8} {'speed-up':>8} {'efficiency':>10} {'machine':>8} "
          f"{'vs machine':>10}  identical fitness")
    probe = lambda n: probe_rates(n, *probe_game(cfg), args.probe_seconds)  # noqa: E731
    one = probe(1)[0] if args.probe_seconds else 0.0
    for k, t, g, fit in rows:
        same = np.array_equal(fit, rows[0][3])
        eff = t1 / (k * t)
        hw = (1.0 if k == 1 else sum(probe(k)) / (k * one)) if one else 0.0
        hw_s = f"{100 * hw:7.1f}%" if hw else f"{'-':>8}"
        vs = f"{100 * eff / hw:9.1f}%" if hw else f"{'-':>10}"
        print(f"{k:5d} {t:10.2f} {g / t:8.1f} {t1 / t:8.2f} {100 * eff:9.1f}% {hw_s} {vs}  {'yes' if same else 'NO'}")
    return 0 if all(np.array_equal(r[3], rows[0][3]) for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
