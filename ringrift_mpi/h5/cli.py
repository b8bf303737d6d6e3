"""``ringrift-h5 VERB PATH``: what a file or run directory is, whether it is sound, and what is inside.

Exit status: 0 done; 1 a file is damaged, of another version, not ours, or fails
validation (one line each); 2 a usage error, a verb that does not apply to the file,
or a missing optional extra.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

from ..storage import StorageError
from . import dispatch
from .dispatch import NotApplicable, Selection
from .targets import Entry, expand, human_size

PROG = "ringrift-h5"


def _err(msg: str) -> None:
    print(f"{PROG}: {msg}", file=sys.stderr)


def _entries(path: str) -> tuple[bool, list[Entry]]:
    """A path's files; a bad single file is its one-line error (exit 1)."""
    is_dir, entries = expand(path)
    if not is_dir:
        e = entries[0]
        if e.error:
            raise StorageError(e.error)
    elif not entries:
        raise NotApplicable(f"{path}: an empty directory")
    return is_dir, entries


def _kind(e: Entry) -> str:
    return f"{e.fmt.title} ({e.fmt.name} v{e.fmt.version})"


# --- ls, info, validate ------------------------------------------------------------------------

def cmd_ls(args) -> int:
    from .tree import hdf5_tree, json_tree
    bad = 0
    for path in args.paths:
        is_dir, entries = _entries(path)
        for e in entries:
            size = human_size(os.path.getsize(e.path)) if os.path.isfile(e.path) else "?"
            if e.fmt is None:
                if e.other:
                    print(f"{e.path}: {e.other}")
                else:
                    print(f"{e.path}: {e.error}")
                    bad += 1
                continue
            print(f"{e.path}: {_kind(e)}, {size}")
            lines = hdf5_tree(e.path, args.full) if e.fmt.container == "hdf5" else json_tree(e.path, args.full)
            for ln in lines:
                print("  " + ln)
    return 1 if bad else 0


def _fmt_value(v) -> list[str]:
    """A describer's value as lines: dicts on one line, long lists one item a line."""
    if isinstance(v, dict):
        return [", ".join(f"{k} {_scalar(x)}" for k, x in v.items())] if v else ["none"]
    if isinstance(v, list):
        if not v:
            return ["none"]
        if all(not isinstance(x, (dict, list)) for x in v) and sum(len(str(x)) for x in v) < 70:
            return [", ".join(str(x) for x in v)]
        return [_scalar(x) if not isinstance(x, dict) else ", ".join(f"{k} {_scalar(y)}" for k, y in x.items())
                for x in v]
    return [_scalar(v)]


def _scalar(v) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    return "-" if v is None else " ".join(str(v).split())


def format_info(d: dict) -> list[str]:
    width = max((len(k) for k in d), default=0)
    out = []
    for k, v in d.items():
        vals = _fmt_value(v)
        out.append(f"  {k:<{width}}  {vals[0]}")
        out += [f"  {'':<{width}}  {x}" for x in vals[1:]]
    return out


def _by_weight(e: Entry) -> tuple:
    """HDF5 files (the substance of a directory) first, then our JSON files, then the rest."""
    return (e.fmt is None and not e.error, e.fmt is None or e.fmt.container != "hdf5", e.path)


def cmd_info(args) -> int:
    bad = 0
    for path in args.paths:
        is_dir, entries = _entries(path)
        if is_dir:
            print(f"{path}: directory of {len(entries)} file(s)")
            entries = sorted(entries, key=_by_weight)
        for e in entries:
            if e.fmt is None:
                if e.other:
                    print(f"{e.path}: {e.other}")
                else:
                    print(f"{e.path}: {e.error}", file=sys.stdout if is_dir else sys.stderr)
                    bad += 1
                continue
            fn = dispatch.handler("info", e.fmt.name)
            try:
                d = fn(e.path, e.fmt) if fn else e.fmt.describe(e.path)
            except StorageError as ex:
                print(str(ex), file=sys.stdout if is_dir else sys.stderr)
                bad += 1
                continue
            print(f"{e.path}: {e.fmt.title}, {human_size(os.path.getsize(e.path))}")
            for ln in format_info(d):
                print(ln)
    return 1 if bad else 0


def cmd_validate(args) -> int:
    problems = 0
    for path in args.paths:
        is_dir, entries = _entries(path)
        for e in entries:
            if e.fmt is None:
                if e.other:
                    print(f"{e.path}: not checked ({e.other})")
                else:
                    print(e.error)
                    problems += 1
                continue
            found = e.fmt.validate(e.path)
            for p in found:
                print(p)
            problems += len(found)
            if not found:
                print(f"{e.path}: ok ({e.fmt.title}, {e.fmt.name} v{e.fmt.version})")
    return 1 if problems else 0


# --- verbs that take one file (or the one file in a directory that has them) -----------------

def _candidates(path: str, verb: str) -> tuple[list[Entry], list[str]]:
    """The files of ``path`` that have ``verb`` (the file itself, or those of a directory), and
    the damaged files among the rest (a directory's foreign files are left out)."""
    is_dir, entries = _entries(path)
    if not is_dir:
        e = entries[0]
        if dispatch.handler(verb, e.fmt.name) is None:
            raise NotApplicable(dispatch.refusal(verb, e.path, e.fmt.title))
        return [e], []
    have = [e for e in entries if e.fmt is not None and dispatch.handler(verb, e.fmt.name)]
    damaged = [e.error for e in entries if e.error and not e.other]
    if not have:
        if damaged:  # perhaps the very file that was meant
            raise StorageError(damaged[0])
        raise NotApplicable(dispatch.nothing_here(verb, path))
    return have, damaged


def _pick(path: str, verb: str) -> Entry:
    """The file a single-file verb means: the file itself, or the one file of a directory that has
    the verb."""
    have, _ = _candidates(path, verb)
    if len(have) > 1:
        raise NotApplicable(f"{path}: several files could be meant ({', '.join(e.name for e in have)}): name one")
    return have[0]


def _selection(args) -> Selection:
    for k in ("index", "game", "ply"):
        v = getattr(args, k)
        if v is not None and v < 0:
            raise NotApplicable(f"--{k} must be 0 or more (got {v})")
    if args.ply is not None and args.game is None:
        raise NotApplicable("--ply needs --game")
    if args.index is not None and args.game is not None:
        raise NotApplicable("give --index (a pool's position) or --game (a dataset's game), not both")
    return Selection(args.index, args.game, args.ply)


def cmd_show(args) -> int:
    sel = _selection(args)
    e = _pick(args.path, "show")
    sys.stdout.write(dispatch.handler("show", e.fmt.name)(e.path, e.fmt, sel))
    return 0


def cmd_stats(args) -> int:
    bad = 0
    for path in args.paths:
        have, damaged = _candidates(path, "stats")
        for e in have:
            print(dispatch.handler("stats", e.fmt.name)(e.path, e.fmt))
        for msg in damaged:
            _err(msg)
        bad += len(damaged)
    return 1 if bad else 0


def cmd_plot(args) -> int:
    have, damaged = _candidates(args.path, "plot")
    if args.out and len(have) > 1:
        raise NotApplicable(f"{args.path}: -o names one file but {len(have)} files here have plots")
    for e in have:
        out = args.out or os.path.splitext(e.path)[0] + ".png"
        what = dispatch.handler("plot", e.fmt.name)(e.path, e.fmt, out)
        print(f"{out}: {what}")
    for msg in damaged:
        _err(msg)
    return 1 if damaged else 0


def cmd_export_json(args) -> int:
    from ..storage import write_json_atomic
    sel = _selection(args)
    e = _pick(args.path, "export-json")
    data = dispatch.handler("export-json", e.fmt.name)(e.path, e.fmt, sel)
    if args.out:
        write_json_atomic(args.out, data, indent=1, sort_keys=False)
        print(f"{args.out}: written")
    else:
        json.dump(data, sys.stdout, indent=1)
        sys.stdout.write("\n")
    return 0


def cmd_merge(args) -> int:
    entries = []
    for p in args.paths:
        is_dir, es = _entries(p)
        if is_dir:
            es = [e for e in es if e.fmt is not None or not e.other]
        for e in es:
            if e.error and not e.other:
                raise StorageError(e.error)
            if e.fmt is not None:
                entries.append(e)
    names = {e.fmt.name for e in entries}
    for e in entries:
        if dispatch.handler("merge", e.fmt.name) is None:
            raise NotApplicable(dispatch.refusal("merge", e.path, e.fmt.title))
    if len(names) != 1:
        raise NotApplicable(f"merge takes files of one kind; got {', '.join(sorted(names)) or 'none'}")
    fmt = entries[0].fmt
    print(dispatch.handler("merge", fmt.name)([e.path for e in entries], fmt, args.out))
    return 0


def cmd_export_npz(args) -> int:
    e = _pick(args.path, "export-npz")
    print(dispatch.handler("export-npz", e.fmt.name)(e.path, e.fmt, args.out))
    return 0


def cmd_formats(args) -> int:
    from ..storage.registry import formats, formats_table
    if args.markdown:
        sys.stdout.write(formats_table())
        return 0
    for f in formats():
        verbs = [v for v in dispatch.VERBS if v in ("ls", "info", "validate") or dispatch.handler(v, f.name)]
        print(f"{f.name} v{f.version}: {f.title} ({f.container}); {', '.join(verbs)}")
    return 0


# --- the parser ---------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description="Inspect the files ringrift-mpi writes (run "
                                "directories, run.h5, pools, checkpoints, profiles, bench JSON).",
                                epilog="Exit status: 0 done, 1 a bad file or failed validation, "
                                "2 usage, or a verb that does not apply to the file.")
    p.add_argument("--debug", action="store_true", help="show Python tracebacks of unexpected errors")
    sub = p.add_subparsers(dest="verb", required=True, metavar="VERB")

    def add(name, fn, help_, multi=True):
        sp = sub.add_parser(name, help=help_, description=help_)
        if multi:
            sp.add_argument("paths", nargs="+", metavar="PATH", help="a file or a directory of them")
        else:
            sp.add_argument("path", metavar="PATH", help="a file or a directory")
        sp.set_defaults(fn=fn)
        return sp

    sp = add("ls", cmd_ls, "the tree inside each file: groups, datasets (shape, dtype, axes, chunking, "
             "compression) and attributes; JSON keys")
    sp.add_argument("--full", action="store_true", help="attribute values and JSON objects in full")
    add("info", cmd_info, "what each file is: format, version, board, players, config hash, "
        "generations / positions, versions, sessions")
    add("validate", cmd_validate, "schema and invariants; one line per problem, exit 1 if any")
    for name, fn, help_ in (("show", cmd_show, "a position drawn as text"),
                            ("export-json", cmd_export_json, "a position as RingRift GameState JSON")):
        sp = add(name, fn, help_, multi=False)
        sp.add_argument("--index", type=int, help="the position's index in a state pool")
        sp.add_argument("--game", type=int, help="a game of a dataset")
        sp.add_argument("--ply", type=int, help="with --game: the position before this move (0 = the start)")
        if name == "export-json":
            sp.add_argument("-o", "--out", help="write here (atomically) instead of to stdout")
    add("stats", cmd_stats, "CMA-ES runs: fitness and sigma per generation, evaluation matches, "
        "promotions; pools: phase and ply histograms")
    sp = add("plot", cmd_plot, "a PNG: a CMA-ES run's fitness (best, mean, spread) and sigma per "
             "generation, promotions marked (needs matplotlib: the 'plot' extra)", multi=False)
    sp.add_argument("-o", "--out", help="the PNG to write (default: beside the file, run.h5 -> run.png)")
    sp = sub.add_parser("merge", help="dataset shards into one file", description="dataset shards into one file")
    sp.add_argument("paths", nargs="+", metavar="SHARD", help="shard files or directories of them")
    sp.add_argument("-o", "--out", required=True, help="the merged file")
    sp.set_defaults(fn=cmd_merge)
    sp = add("export-npz", cmd_export_npz, "a dataset as RingRift's exporter NPZ", multi=False)
    sp.add_argument("-o", "--out", required=True, help="the .npz to write")
    sp = sub.add_parser("formats", help="the registered file formats and the verbs each has")
    sp.add_argument("--markdown", action="store_true", help="docs/formats.md's table")
    sp.set_defaults(fn=cmd_formats)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args)
    except NotApplicable as e:
        _err(str(e))
        return 2
    except StorageError as e:
        _err(str(e))
        return 1
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:  # `ringrift-h5 stats run.h5 | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as e:  # a file we cannot make sense of must not end in a traceback
        from ..interop import InteropError
        if args.debug and not isinstance(e, InteropError):
            raise
        _err(f"{args.verb}: {type(e).__name__}: {e} (a damaged file, or a bug: --debug shows the traceback)")
        return 1
