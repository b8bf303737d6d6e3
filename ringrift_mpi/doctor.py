"""``mpirun -hostfile macs.txt python -m ringrift_mpi.doctor``: is every rank's machine set up alike?

Each rank reports its host, cores, memory, Python, ringrift-mpi (version and a digest of its
source files), numpy, numba, mpi4py and MPI library versions, and the state of numba's kernel
cache; rank 0 prints one row per rank. Versions and the source digest must agree on every rank
(a Mac with another numba or an older checkout would play different games, or crash mid-run):
a mismatch ends with one line naming the field, the values and their ranks, and exit status 1.
The world size is checked as the jobs check it (RINGRIFT_WORLD_SIZE, SLURM_NTASKS).

``python -m ringrift_mpi.doctor --warm`` (no MPI) compiles the jobs' kernels into numba's cache,
or loads them from it, and says how long that took: the Slurm scripts run it once per node before
the ranks start when the cache is node-local (NUMBA_CACHE_DIR).
"""
from __future__ import annotations

import argparse
import glob
import hashlib
import os
import platform
import sys
import time
from pathlib import Path

PKG_ROOT = Path(__file__).resolve().parent.parent  # holds ringrift_mpi/ and kernels/
# must be equal on every rank; the rest (host, cores, memory, cache) may differ
MUST_AGREE = ("python", "ringrift_mpi", "source", "numpy", "numba", "mpi4py", "mpi")
COLUMNS = ("rank", "host", "cores", "mem_gib", "python", "ringrift_mpi", "source", "numpy", "numba", "mpi4py",
           "mpi", "kernel_cache")


def source_digest() -> str:
    """sha256 over the package's Python files (kernels/ and ringrift_mpi/): the same code everywhere."""
    h = hashlib.sha256()
    for sub in ("kernels", "ringrift_mpi"):
        for p in sorted((PKG_ROOT / sub).rglob("*.py")):
            h.update(str(p.relative_to(PKG_ROOT)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:12]


def memory_gib() -> float:
    try:
        if sys.platform == "darwin":
            import subprocess
            return int(subprocess.run(["sysctl", "-n", "hw.memsize"], capture_output=True, text=True,
                                      timeout=5).stdout) / 2 ** 30
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
    except (ValueError, OSError):
        return float("nan")


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS
        return os.cpu_count() or 0


def kernel_cache_state() -> str:
    """Where numba's cache for the kernels is and whether the game kernel is in it (cheap: file names)."""
    where = os.environ.get("NUMBA_CACHE_DIR")
    if where:
        index = glob.glob(os.path.join(where, "**", "games.play_games-*.nbi"), recursive=True)
        n = len(glob.glob(os.path.join(where, "**", "*.nbi"), recursive=True))
        label = f"NUMBA_CACHE_DIR={where}"
    else:
        d = PKG_ROOT / "kernels" / "__pycache__"
        index = list(d.glob("games.play_games-*.nbi"))
        n = len(list(d.glob("*.nbi")))
        label = "kernels/__pycache__"
    return f"{'warm' if index else 'cold'} ({n} entries, {label})"


def _version(mod: str) -> str:
    try:
        return __import__(mod).__version__
    except ImportError:
        return "missing"


def package_version() -> str:
    import importlib.metadata as md
    try:
        return md.version("ringrift-mpi")
    except md.PackageNotFoundError:
        return "not installed"


def report(comm) -> dict:
    from mpi4py import MPI
    return {"rank": comm.rank, "host": platform.node().split(".")[0], "cores": cores(),
            "mem_gib": round(memory_gib(), 1), "python": platform.python_version(),
            "ringrift_mpi": package_version(), "source": source_digest(), "numpy": _version("numpy"),
            "numba": _version("numba"), "mpi4py": _version("mpi4py"),
            "mpi": MPI.Get_library_version().splitlines()[0].strip()[:40], "kernel_cache": kernel_cache_state()}


def _ranks(rs: list[int]) -> str:
    """[0, 1, 2, 5] -> '0-2,5'."""
    out, i = [], 0
    while i < len(rs):
        j = i
        while j + 1 < len(rs) and rs[j + 1] == rs[j] + 1:
            j += 1
        out.append(str(rs[i]) if i == j else f"{rs[i]}-{rs[j]}")
        i = j + 1
    return ",".join(out)


def mismatches(rows: list[dict]) -> list[str]:
    """One line per field that differs between ranks, naming values, ranks and hosts."""
    out = []
    for f in MUST_AGREE:
        groups: dict[str, list[dict]] = {}
        for r in rows:
            groups.setdefault(str(r[f]), []).append(r)
        if len(groups) > 1:
            parts = [f"{v!r} on rank(s) {_ranks([r['rank'] for r in rs])} "
                     f"({', '.join(sorted({r['host'] for r in rs}))})" for v, rs in groups.items()]
            out.append(f"{f} differs between ranks: " + "; ".join(parts))
    return out


def table(rows: list[dict]) -> str:
    cells = [[str(r[c]) for c in COLUMNS] for r in rows]
    w = [max(len(c), *(len(x[i]) for x in cells)) for i, c in enumerate(COLUMNS)]
    fmt = lambda xs: "  ".join(x.ljust(w[i]) for i, x in enumerate(xs)).rstrip()  # noqa: E731
    return "\n".join([fmt(COLUMNS)] + [fmt(x) for x in cells])


def warm() -> int:
    from .cmaes.job import _warm
    t = time.perf_counter()
    before = kernel_cache_state()
    _warm()
    print(f"{platform.node().split('.')[0]}: kernels ready in {time.perf_counter() - t:.1f} s "
          f"(cache before: {before}; now: {kernel_cache_state()})", flush=True)
    return 0


def main(argv=None, comm=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m ringrift_mpi.doctor", description=__doc__.split("\n\n")[0])
    ap.add_argument("--warm", action="store_true",
                    help="no MPI: compile (or load) the kernels into numba's cache on this machine")
    args = ap.parse_args(argv)
    if args.warm:
        return warm()
    from .mpi.world import check_world, get_comm
    comm = get_comm(comm)
    rows = comm.gather(report(comm), root=0)
    status = 0
    if comm.rank == 0:
        print(table(rows))
        problems = mismatches(rows)
        err = check_world(comm)
        if err:
            problems.insert(0, err)
        if problems:
            print(f"error: {problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
                  file=sys.stderr)
            for p in problems[1:]:
                print(f"  also: {p}", file=sys.stderr)
            status = 1
        else:
            hosts = len({r["host"] for r in rows})
            print(f"ok: {len(rows)} rank(s) on {hosts} host(s) agree on {', '.join(MUST_AGREE)}")
    return comm.bcast(status, root=0)


if __name__ == "__main__":
    sys.exit(main())
