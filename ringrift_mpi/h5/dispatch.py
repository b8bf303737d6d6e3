"""The dispatch table: (verb, format name) -> the function that does the verb for that format.

The CLI never names a format. Each module in ``ringrift_mpi.h5.kinds`` registers the
functions it offers with ``@handles(verb, format_name, ...)``; a new format (datasets,
shards, training runs) adds a module there and the CLI finds it. ``validate`` needs no
entry (the registry's validator is the verb), and ``info`` and ``ls`` have defaults
(the registry's describer; the generic HDF5 / JSON tree).

Handler signatures, by verb (``path`` is the file, ``fmt`` its registry Format):

- ``info(path, fmt) -> dict``                    the summary (default: ``fmt.describe(path)``)
- ``stats(path, fmt) -> str``                     text tables
- ``plot(path, fmt, out) -> str``                 writes a PNG at ``out``; returns what it drew, one line
- ``show(path, fmt, sel) -> str``                 a position as text (``sel``: Selection below)
- ``export-json(path, fmt, sel) -> dict|list``    RingRift JSON (GameState or game record)
- ``merge(paths, fmt, out) -> str``               shards into one file; returns a one-line summary
- ``export-npz(path, fmt, out) -> str``           RingRift's exporter NPZ; returns a one-line summary

A handler raises ``NotApplicable`` for a request that makes no sense for its format
(``show POOL --game 3``) and ``StorageError`` for a bad file; the CLI prints either
as one line.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Callable

VERBS = ("ls", "info", "validate", "show", "stats", "merge", "export-json", "export-npz", "plot")

# the one-line refusals: "<file>: a state pool has no plot (plot takes ...)"
WANTS = {"show": "has no positions to show (show takes a state pool or a dataset)",
         "stats": "has no statistics (stats takes a CMA-ES run, a state pool or a dataset)",
         "plot": "has no plot (plot takes a CMA-ES run or a training run)",
         "export-json": "has no positions to export (export-json takes a state pool or a dataset)",
         "merge": ", not a dataset (merge takes dataset shards)",
         "export-npz": ", not a dataset (export-npz takes a dataset)"}


def refusal(verb: str, path: str, title: str) -> str:
    want = WANTS[verb]
    return f"{path}: a {title}{want if want.startswith(',') else ' ' + want}"


def nothing_here(verb: str, path: str) -> str:
    want = WANTS[verb]
    what = "a dataset" if want.startswith(",") else want.split(" (")[0].removeprefix("has no ")
    return f"{path}: no file here has {what} ({want.split(' (', 1)[1]}"


class NotApplicable(Exception):
    """The verb makes no sense for this file or these options; the CLI exits 2 with the message."""


@dataclass(frozen=True)
class Selection:
    """Which position ``show`` / ``export-json`` mean: a pool's ``index``, or a dataset's ``game``
    (and ``ply``: the position before that move; None = the game's end)."""
    index: int | None = None
    game: int | None = None
    ply: int | None = None


_TABLE: dict[str, dict[str, Callable]] = {v: {} for v in VERBS}
_COMPANIONS: dict[str, str] = {}
_loaded = False


def handles(verb: str, *format_names: str):
    """Register the decorated function as ``verb`` for each of ``format_names``."""
    if verb not in _TABLE:
        raise ValueError(f"unknown verb {verb!r}")

    def deco(fn):
        for name in format_names:
            old = _TABLE[verb].get(name)
            if old is not None and old is not fn:
                raise ValueError(f"{verb} for {name} registered twice ({old.__module__}, {fn.__module__})")
            _TABLE[verb][name] = fn
        return fn
    return deco


def companion(filename: str, what: str) -> None:
    """A file that sits beside ours without being one of our formats (``cmaes.log``): what it is."""
    _COMPANIONS[filename] = what


def companions() -> dict[str, str]:
    _load_kinds()
    return _COMPANIONS


def _load_kinds() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        from . import kinds
        for m in pkgutil.iter_modules(kinds.__path__):
            importlib.import_module(f"{kinds.__name__}.{m.name}")


def handler(verb: str, format_name: str) -> Callable | None:
    _load_kinds()
    return _TABLE[verb].get(format_name)


def offered(verb: str) -> list[str]:
    """Format names that have a ``verb`` handler."""
    _load_kinds()
    return sorted(_TABLE[verb])
