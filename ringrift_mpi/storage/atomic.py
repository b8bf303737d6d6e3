"""Atomic file writes (temp file in the same folder, fsync, rename) and the HDF5 libver cap."""
from __future__ import annotations

import contextlib
import json
import os
import tempfile

# Debian's hdf5-tools 1.10 cannot read files written with libver='latest' by h5py 3.x
H5_LIBVER = ("earliest", "v110")


class StorageError(ValueError):
    """A file is missing, malformed or of another kind; the message names the file."""


@contextlib.contextmanager
def atomic_file(path: str, suffix: str = ""):
    """Yield a temp path beside ``path``; on success it replaces ``path``, on error it is removed.

    A reader never sees a half-written file, and a crash leaves the old file in place.
    """
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=suffix + ".tmp", dir=d)
    os.close(fd)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_json_atomic(path: str, data) -> None:
    with atomic_file(path) as tmp:
        with open(tmp, "w") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.write("\n")


def open_h5(path: str, fmt: str, version: int, what: str):
    """Open an HDF5 file of ours for reading, checking its ``format`` and ``format_version``."""
    import h5py
    try:
        f = h5py.File(path, "r")
    except FileNotFoundError:
        raise StorageError(f"{path}: {what} missing") from None
    except OSError as e:
        raise StorageError(f"{path}: not a readable HDF5 file ({e})") from None
    if f.attrs.get("format") != fmt:
        got = f.attrs.get("format")
        f.close()
        raise StorageError(f"{path}: not a {what} (format {got!r})")
    if int(f.attrs.get("format_version", -1)) != version:
        got = f.attrs.get("format_version")
        f.close()
        raise StorageError(f"{path}: {what} format_version {got} (this version reads {version})")
    return f
