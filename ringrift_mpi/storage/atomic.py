"""The one atomic writer: temp file in the target's folder, fsync, rename, directory fsync.

A reader never sees a half-written file and a crash leaves the previous file in
place. Files are created with mode 0666 minus the process umask, like any file a
shell command makes: clusters share run directories, and ``mkstemp``'s 0600 hid
results from the rest of a group.
"""
from __future__ import annotations

import contextlib
import json
import os
import secrets


class StorageError(ValueError):
    """A file is missing, malformed, of another kind, or cannot be written; the message names it."""


def _create_temp(d: str, base: str, suffix: str) -> str:
    for _ in range(100):
        tmp = os.path.join(d, f".{base}.{secrets.token_hex(4)}{suffix}.tmp")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {base} in {d}")


def _fsync_dir(d: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike, suffix: str = ""):
    """Yield a temp path beside ``path``; on success it replaces ``path``, on error it is removed.

    The body writes the temp path by any means (open, h5py, ...). An OSError, from
    the body or the rename, becomes a StorageError naming ``path``.
    """
    path = os.fspath(path)
    d = os.path.dirname(os.path.abspath(path))
    tmp = None
    try:
        tmp = _create_temp(d, os.path.basename(path), suffix)
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
        tmp = None
        _fsync_dir(d)
    except OSError as e:
        raise StorageError(f"{path}: cannot write: {e.strerror or e}") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def write_bytes_atomic(path, data: bytes) -> None:
    with atomic_file(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)


def write_text_atomic(path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path, data, *, indent: int | None = 1, sort_keys: bool = True) -> None:
    """JSON (with a final newline when indented) through the atomic writer."""
    text = json.dumps(data, indent=indent, sort_keys=sort_keys)
    write_text_atomic(path, text + "\n" if indent is not None else text)
