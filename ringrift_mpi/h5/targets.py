"""What a FILE|DIR argument stands for: each file with its registered format, or why it has none.

A directory (a CMA-ES run directory, a self-play run with its shards) is the files
under it, hidden ones (the atomic writer's temp files) left out. Files ringrift-mpi
did not write are 'other' there (``cmaes.log``, ``config.json``) and an error when
named on their own; a damaged file of ours is an error either way.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass

from ..storage import StorageError, identify
from ..storage.registry import HDF5_SIGNATURE, ForeignFile, Format, check_path


@dataclass
class Entry:
    path: str
    fmt: Format | None = None
    error: str | None = None      # damaged, truncated, another version: a problem
    other: str | None = None      # not a ringrift-mpi format: what it is instead

    @property
    def name(self) -> str:
        return os.path.basename(self.path)


def human_size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover


def _what_else(path: str) -> str:
    """A short description of a file that is not one of our formats."""
    size = human_size(os.path.getsize(path))
    from .dispatch import companions
    known = companions().get(os.path.basename(path))
    with open(path, "rb") as f:
        head = f.read(4096)
    if head.startswith(HDF5_SIGNATURE):
        kind = "HDF5 without a 'format' attribute"
    else:
        try:
            head.decode("utf-8")
            kind = "text"
            with open(path, encoding="utf-8") as f:
                json.load(f)
            kind = "JSON without a 'format' key"
        except (UnicodeDecodeError, ValueError):
            kind = kind if head and b"\0" not in head else ("binary" if head else "empty")
        except OSError:
            pass
    return f"{known} ({kind}, {size})" if known else f"{kind}, {size}: not a ringrift-mpi format"


def classify(path: str) -> Entry:
    try:
        return Entry(path, fmt=identify(path))
    except ForeignFile as e:
        try:
            return Entry(path, other=_what_else(path), error=str(e))
        except OSError:
            return Entry(path, error=str(e))
    except StorageError as e:
        return Entry(path, error=str(e))


def expand(path: str) -> tuple[bool, list[Entry]]:
    """(is a directory, its entries): a directory's files sorted by path, or the one file."""
    path = os.fspath(path)
    if os.path.isdir(path):
        out = []
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            out += [classify(os.path.join(root, f)) for f in sorted(files) if not f.startswith(".")]
        return True, out
    try:
        check_path(path, "file")
    except StorageError as e:
        return False, [Entry(path, error=str(e))]
    return False, [classify(path)]
