"""Parallel efficiency of CMA-ES generations: ``python -m ringrift_mpi.cmaes.scaling``.

Runs the same job under ``mpiexec -n k`` for each k of ``--ranks`` (fresh run
directories), reads each generation's wall time from run.h5 (start-up and numba
loading excluded), and prints speed-up and efficiency T1 / (k * Tk) against the
1-rank run, plus whether every run's fitness values are identical (they must be).
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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m ringrift_mpi.cmaes.scaling", description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", default="jobs/square8_2p.toml")
    ap.add_argument("--ranks", default="1,2", help="comma-separated rank counts (default 1,2)")
    ap.add_argument("--generations", type=int, default=3)
    ap.add_argument("--games-per-eval", type=int, default=None)
    ap.add_argument("--mpiexec", default="mpiexec")
    args = ap.parse_args(argv)
    ranks = [int(r) for r in args.ranks.split(",")]
    if ranks[0] != 1:
        ranks = [1] + ranks
    import h5py
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
            with h5py.File(os.path.join(d, "run.h5"), "r") as f:
                wall = f["generations/wall_s"][()]
                fit = f["generations/fitness"][()]
                games = f["generations/games"][()]
            rows.append((k, float(wall.sum()), int(games.sum()), fit))
    t1 = rows[0][1]
    print(f"config {args.config}, {args.generations} generation(s), {rows[0][2]} games per run, "
          f"{os.cpu_count()} CPUs here")
    print(f"{'ranks':>5} {'gen time s':>10} {'games/s':>8} {'speed-up':>8} {'efficiency':>10}  identical fitness")
    for k, t, g, fit in rows:
        same = np.array_equal(fit, rows[0][3])
        print(f"{k:5d} {t:10.2f} {g / t:8.1f} {t1 / t:8.2f} {100 * t1 / (k * t):9.1f}%  {'yes' if same else 'NO'}")
    return 0 if all(np.array_equal(r[3], rows[0][3]) for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
