"""JSON formats: RingRift's weight profiles (read and written by ringrift_mpi.profiles) and bench figures.

RingRift's profile files carry no ``format`` key (they are RingRift's, and RingRift
reads them), so the registry recognises them by shape: single
``{"weights": {WEIGHT_*: ...}, ...}`` or multi ``{"profiles": {id: {...}}, ...}``.
Bench figures (``ringrift-bench --json``) are ours: ``{"format": "ringrift-mpi/bench",
"format_version": 1, "machine", "args", "compile", "results": [...], "time"}``;
files written before the stamp (no ``format``, the same keys) still read.
"""
from __future__ import annotations

import os

from .atomic import StorageError, write_json_atomic
from .registry import Format, check_stamp, checker, load_json, register

BENCH_FORMAT = "ringrift-mpi/bench"
BENCH_VERSION = 1


def _is_single_profile(d) -> bool:
    return isinstance(d, dict) and "profiles" not in d and (
        isinstance(d.get("weights"), dict) or (bool(d) and all(isinstance(k, str) and k.startswith("WEIGHT_")
                                                               for k in d)))


def _is_multi_profile(d) -> bool:
    return isinstance(d, dict) and "format" not in d and isinstance(d.get("profiles"), dict)


def _read_profile(path):
    from ..profiles import load_profile
    return load_profile(path)


def _read_profiles(path):
    from ..profiles import load_profiles
    return load_profiles(path)


def _describe_profile(path) -> dict:
    p = _read_profile(path)
    return {"format": "RingRift weight profile (single)", "weights": len(p.weights), "filled from defaults":
            len(p.filled), "fitness": p.fitness, "generation": p.generation,
            **{k: v for k, v in p.meta.items() if isinstance(v, (str, int, float))}}


def _describe_profiles(path) -> dict:
    ps = _read_profiles(path)
    return {"format": "RingRift weight profiles (multi)", "profiles": sorted(ps.profiles),
            **{k: v for k, v in ps.extra.items() if isinstance(v, (str, int, float))}}


# --- bench --------------------------------------------------------------------------------------

def write_bench(path: str, data: dict) -> None:
    write_json_atomic(path, {**data, "format": BENCH_FORMAT, "format_version": BENCH_VERSION})


def _is_legacy_bench(d) -> bool:
    return isinstance(d, dict) and "format" not in d and isinstance(d.get("results"), list) and "machine" in d


def read_bench(path: str) -> dict:
    """A bench JSON file, checked: every result names mode, board and players and has rates."""
    path = os.fspath(path)
    d = load_json(path, BENCH.title)
    if not (isinstance(d, dict) and _is_legacy_bench(d)):
        if not isinstance(d, dict):
            raise StorageError(f"{path}: not a {BENCH.title} (a JSON {type(d).__name__}, not an object)")
        check_stamp(path, d.get("format"), d.get("format_version"), BENCH)
    res = d.get("results")
    if not isinstance(res, list):
        raise StorageError(f"{path}: {BENCH.title} without a 'results' list")
    for i, r in enumerate(res):
        ok = isinstance(r, dict) and all(k in r for k in ("mode", "board", "players")) and all(
            isinstance(r.get(k), (int, float)) and not isinstance(r.get(k), bool) for k in ("games_per_s", "moves_per_s"))
        if not ok:
            raise StorageError(f"{path}: results[{i}] lacks mode/board/players or numeric games_per_s/moves_per_s")
    return d


def _describe_bench(path) -> dict:
    d = read_bench(path)
    m = d.get("machine") or {}
    return {"format": f"{BENCH_FORMAT} v{d.get('format_version', 'unstamped')}", "time": d.get("time"),
            "machine": f"{m.get('processor')} {m.get('cpu_count')} CPUs" if isinstance(m, dict) else None,
            "results": [f"{r['mode']}/{r['board']}/{r['players']}p {r['games_per_s']:.1f} games/s"
                        for r in d["results"]]}


PROFILE = register(Format("ringrift/heuristic-profile", 1, "RingRift weight profile", "json", __name__,
                          _read_profile, checker(_read_profile), _describe_profile, sniff=_is_single_profile,
                          files="RingRift single weight profile (`profile.json`; read and written by `profiles.py`)"))
PROFILES = register(Format("ringrift/heuristic-profiles", 1, "RingRift multi-profile file", "json", __name__,
                           _read_profiles, checker(_read_profiles), _describe_profiles, sniff=_is_multi_profile,
                           files="RingRift multi-profile file (`profiles.py`)"))
BENCH = register(Format(BENCH_FORMAT, BENCH_VERSION, "bench result", "json", __name__, read_bench,
                        checker(read_bench), _describe_bench, sniff=_is_legacy_bench,
                        files="`ringrift-bench --json` output"))
