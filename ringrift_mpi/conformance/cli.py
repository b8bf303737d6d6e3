"""Command line: run fixture files, or export our own games as RingRift traces.

    python -m ringrift_mpi.conformance FILE... [--known-stale known-stale.json] [--traces DIR]
    python -m ringrift_mpi.conformance export-traces --board B --players N --seeds A:B --out DIR

One line per failing case (file, case, every differing assertion joined with
"; "), cases named in --known-stale and vectors carrying their own ``skip``
reason reported apart (run, result shown, counted neither way), and a last line
``N passed, M failed``. Exit status 1 when anything failed, 2 on usage errors.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

from ..interop import InteropError
from .runner import Case, check_bundle, check_game, check_parity, detect


def _load_stale(path: str) -> set[str]:
    try:
        with open(path) as f:
            d = json.load(f)
        ids = set((d.get("stale") or {}).keys()) | set((d.get("staleGames") or {}).keys())
    except (OSError, ValueError, AttributeError) as e:
        raise SystemExit(f"error: {path}: not a known-stale file ({e})")
    return ids


def _cases(path: str, traces: str | None = None):
    try:
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
    except OSError as e:
        yield Case(os.path.basename(path), False, f"cannot read: {e.strerror}")
        return
    except ValueError as e:
        yield Case(os.path.basename(path), False, f"malformed JSON: {e}")
        return
    kind = detect(d)
    name = os.path.basename(path)
    if kind == "bundle" and d.get("status") == "theoretical":
        return  # reference notes shaped like a bundle; RingRift does not run them either
    if kind == "bundle":
        try:
            yield from check_bundle(d)
        except InteropError as e:
            yield Case(name, False, f"bad input: {e}")
    elif kind == "parity":
        yield from check_parity(d, name)
    elif kind == "game":
        yield check_game(d, name)
    elif kind == "eval":
        try:
            from .evalvec import check_eval
        except ImportError:
            yield Case(name, False, "evaluation vectors need the heuristic evaluator (kernels.heuristic)")
            return
        yield from check_eval(d, name)
    elif kind == "encoding":
        from .encvec import check_encoding
        yield from check_encoding(d, name, path, traces)
    else:
        yield Case(name, False, "unrecognised file: not a contract-vector bundle, rules-parity file, "
                                "game record, reference trace, evaluation-vector or encoding-vector file")


KNOWN_STALE_NAME = "known-stale.json"


def expand(paths: list[str]) -> list[str]:
    """Folders stand for every .json file below them, in sorted order, but the fixture set's
    own known-stale.json (the --known-stale list, not a fixture)."""
    out = []
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs.sort()
                out.extend(os.path.join(root, f) for f in sorted(files)
                           if f.endswith(".json") and f != KNOWN_STALE_NAME)
        else:
            out.append(path)
    return out


def run_files(paths: list[str], stale: set[str], out=sys.stdout, traces: str | None = None) -> tuple[int, int, int]:
    passed = failed = apart = 0
    for path in expand(paths):
        for case in _cases(path, traces):
            key = case.record_id or case.case_id
            case.detail = " ".join(case.detail.split("\n"))  # one line per case, whatever an error said
            result = 'passes' if case.ok else 'fails: ' + case.detail
            if key in stale:
                apart += 1
                print(f"STALE {path} {case.case_id}: {result}", file=out)
            elif case.marked_skip:
                apart += 1
                print(f"SKIP-MARKED {path} {case.case_id} (the vector says: {case.marked_skip}): {result}",
                      file=out)
            elif case.ok:
                passed += 1
            else:
                failed += 1
                print(f"FAIL {path} {case.case_id}: {case.detail}", file=out)
            out.flush()
    return passed, failed, apart


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "export-traces":
        from .export import main as export_main
        return export_main(argv[1:])
    ap = argparse.ArgumentParser(prog="python -m ringrift_mpi.conformance",
                                 description="Check our engine against RingRift fixture files "
                                             "(contract vectors, rules-parity, game records, reference "
                                             "traces, evaluation vectors, encoding vectors). "
                                             "Subcommand: export-traces.")
    ap.add_argument("files", nargs="+", metavar="FILE",
                    help="fixture files, or folders (every .json below them)")
    ap.add_argument("--known-stale", metavar="FILE",
                    help="known-stale.json: the vectors and games it names are reported apart")
    ap.add_argument("--traces", metavar="DIR",
                    help="folder of the reference traces that encoding-vector files name "
                         "(default: ../ref-traces beside each file's folder)")
    args = ap.parse_args(argv)
    stale = _load_stale(args.known_stale) if args.known_stale else set()
    t0 = time.perf_counter()
    passed, failed, apart = run_files(args.files, stale, traces=args.traces)
    if apart:
        print(f"{apart} known-stale or skip-marked case(s) reported apart, counted neither way")
    print(f"({time.perf_counter() - t0:.1f} s)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0
