"""The registry of file formats: what each ``format`` name means and the code that handles it.

Every file the suite writes names its kind: HDF5 files in the root attributes
``format`` and ``format_version``, our JSON files in top-level keys of the same
names. RingRift's own JSON formats (weight profiles) carry no such key and are
recognised by their shape (``sniff``). Jobs and the ``ringrift-h5`` tool look a
file's kind up here and call its reader, validator and describer; the table in
docs/formats.md is the list of ``formats()``.

``identify(path)`` gives the Format of any file or raises a one-line StorageError:
missing, empty, truncated, not HDF5 / not JSON, not ours (no ``format``), unknown
``format``.
"""
from __future__ import annotations

import importlib
import json
import os
from dataclasses import dataclass
from typing import Any, Callable

from .atomic import StorageError

# modules that register the built-in formats when first imported
_BUILTIN_MODULES = ("cmaes_run", "pool", "json_formats", "dataset", "selfplay_run", "evaluation", "train_run")


class ForeignFile(StorageError):
    """A file ringrift-mpi did not write (no ``format`` stamp, or neither HDF5 nor JSON); a directory
    listing shows such files as 'other' instead of as damaged."""


@dataclass(frozen=True)
class Format:
    name: str                              # the ``format`` attribute / key, e.g. "ringrift-mpi/state-pool"
    version: int                           # the ``format_version`` this code writes and reads
    title: str                             # what a person calls it: "state pool"
    container: str                         # "hdf5" or "json"
    module: str                            # the module that holds the schema (its docstring documents it)
    read: Callable[[str], Any]             # path -> the file's content as the jobs use it
    validate: Callable[[str], list[str]]   # path -> problems, one line each naming the file ([] = sound)
    describe: Callable[[str], dict]        # path -> {label: value} summary (format, version, board, ...)
    stores_states: bool = False            # holds kernel states: stamped and checked with the layout version
    sniff: Callable[[Any], bool] | None = None  # JSON formats without a ``format`` key (RingRift's own)
    files: str = ""                        # the file as people meet it, for docs/formats.md: "`run.h5`"


_FORMATS: dict[str, Format] = {}
_loaded = False


def register(fmt: Format) -> Format:
    if fmt.container not in ("hdf5", "json"):
        raise ValueError(f"{fmt.name}: container must be hdf5 or json")
    old = _FORMATS.get(fmt.name)
    if old is not None and old.module != fmt.module:
        raise ValueError(f"format {fmt.name!r} registered twice ({old.module}, {fmt.module})")
    _FORMATS[fmt.name] = fmt
    return fmt


def _load_builtins() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for m in _BUILTIN_MODULES:
            importlib.import_module(f"{__package__}.{m}")


def formats() -> list[Format]:
    """Every registered format, sorted by name."""
    _load_builtins()
    return [_FORMATS[k] for k in sorted(_FORMATS)]


def get(name: str) -> Format:
    _load_builtins()
    try:
        return _FORMATS[name]
    except KeyError:
        raise KeyError(f"no registered format {name!r}") from None


def lookup(name) -> Format | None:
    _load_builtins()
    return _FORMATS.get(name) if isinstance(name, str) else None


HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def has_hdf5_signature(path: str) -> bool:
    """True when the HDF5 superblock signature sits where the spec allows (0, 512, 1024, ...)."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            off = 0
            while off + 8 <= size:
                f.seek(off)
                if f.read(8) == HDF5_SIGNATURE:
                    return True
                off = 512 if off == 0 else off * 2
    except OSError:
        return False
    return False


def check_path(path: str, what: str) -> None:
    """Missing file, directory or empty file: one line."""
    if not os.path.exists(path):
        raise StorageError(f"{path}: {what} missing (no such file)")
    if os.path.isdir(path):
        raise StorageError(f"{path}: is a directory, not a {what}")
    if os.path.getsize(path) == 0:
        raise StorageError(f"{path}: empty file, not a {what}")


def load_json(path: str, what: str = "JSON file") -> Any:
    """Parse a JSON file; every failure is one StorageError line naming the file."""
    check_path(path, what)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise StorageError(f"{path}: cannot read: {e.strerror or e}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        kind = "an HDF5 file" if raw.startswith(HDF5_SIGNATURE) else "a binary file"
        raise StorageError(f"{path}: not a {what} (it is {kind}, not JSON)") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        # an unclosed string or a value cut at the end: what a partial copy looks like
        cut = ", truncated?" if e.pos >= len(text.rstrip()) or e.msg.startswith("Unterminated string") else ""
        raise StorageError(f"{path}: not valid JSON ({e.msg}: line {e.lineno} column {e.colno}{cut})") from None


def check_stamp(path: str, name, version, fmt: Format | None) -> Format:
    """The Format a file's ``format``/``format_version`` name, checked against ``fmt`` when given."""
    want = f"a {fmt.title}" if fmt else "a ringrift-mpi file"
    if name is None:
        raise ForeignFile(f"{path}: not {want} (no 'format' attribute: not written by ringrift-mpi)")
    found = lookup(name)
    if found is None:
        raise StorageError(f"{path}: unknown format {name!r} (not one this version of ringrift-mpi knows)")
    if fmt is not None and found.name != fmt.name:
        raise StorageError(f"{path}: a {found.title} ({found.name}), not {want}")
    try:
        v = int(version)
    except (TypeError, ValueError):
        v = None
    if v != found.version:
        raise StorageError(f"{path}: {found.title} format_version {version}; this version of ringrift-mpi "
                           f"reads format_version {found.version}")
    return found



def load_stamped_json(path, fmt: Format, fields: tuple[tuple[str, type], ...] = ()) -> dict:
    """A JSON file of format ``fmt``: an object with ``fmt``'s stamp and these (key, JSON type)
    fields; anything else is one StorageError line naming the file."""
    path = os.fspath(path)
    d = load_json(path, fmt.title)
    if not isinstance(d, dict):
        raise StorageError(f"{path}: not a {fmt.title} (a JSON {type(d).__name__}, not an object)")
    check_stamp(path, d.get("format"), d.get("format_version"), fmt)
    for k, typ in fields:
        v = d.get(k)
        if not isinstance(v, typ) or (isinstance(v, bool) and typ is not bool):
            raise StorageError(f"{path}: corrupt {fmt.title} ({k!r} missing or not a JSON {typ.__name__})")
    return d


def checker(read: Callable[[str], Any]) -> Callable[[str], list[str]]:
    """A validator from a reader that raises StorageError: its one line, or no problems."""
    def validate(path) -> list[str]:
        try:
            read(path)
        except StorageError as e:
            return [str(e)]
        return []
    return validate

def _h5_stamp(path: str):
    from .h5 import attr_str, open_hdf5
    with open_hdf5(path, "HDF5 file") as f:
        return attr_str(f.attrs.get("format")), f.attrs.get("format_version")


def identify(path: str | os.PathLike) -> Format:
    """The registered Format of any file, or a one-line StorageError saying what it is instead."""
    _load_builtins()
    path = os.fspath(path)
    check_path(path, "file")
    if has_hdf5_signature(path):
        name, version = _h5_stamp(path)
        fmt = check_stamp(path, name, version, None)
        if fmt.stores_states:  # kernel states of another layout are as unreadable as another version
            from .h5 import open_h5
            open_h5(path, fmt).close()
        return fmt
    try:
        data = load_json(path, "ringrift-mpi file")
    except StorageError:
        if _looks_like_json(path):  # a JSON file cut short or damaged: say so, not "foreign"
            raise
        raise ForeignFile(f"{path}: neither HDF5 nor JSON: not a ringrift-mpi file") from None
    if isinstance(data, dict) and "format" in data:
        return check_stamp(path, data.get("format"), data.get("format_version"), None)
    for fmt in formats():
        if fmt.sniff is not None and fmt.sniff(data):
            return fmt
    raise ForeignFile(f"{path}: JSON without a 'format' key, and not a RingRift profile: not a ringrift-mpi file")


def _looks_like_json(path: str) -> bool:
    """Text that opens like a JSON object or array (what a truncated checkpoint.json looks like)."""
    try:
        with open(path, "rb") as f:
            head = f.read(256).lstrip()
    except OSError:
        return False
    return head[:1] in (b"{", b"[")


def formats_table() -> str:
    """docs/formats.md's table of formats, made from the registry (tests/storage checks the doc)."""
    rows = ["| `format` | version | file | container | module |", "|---|---|---|---|---|"]
    for f in formats():
        container = "HDF5" if f.container == "hdf5" else "JSON" + (", no `format` key" if f.sniff and
                                                                     not f.name.startswith("ringrift-mpi/") else "")
        module = "`" + f.module.replace("ringrift_mpi.", "").replace(".", "/") + ".py`"
        rows.append(f"| `{f.name}` | {f.version} | {f.files or f.title} | {container} | {module} |")
    return "\n".join(rows) + "\n"
