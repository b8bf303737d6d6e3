"""HDF5 in one place: the libver cap, the stamped atomic writer and the checked opener.

Files are written with ``libver=("earliest", "v110")``: h5py 3 with libver "latest"
writes superblock and object-header versions that Debian's hdf5-tools 1.10
(``h5ls``, ``h5dump``) cannot read.
"""
from __future__ import annotations

import contextlib
import os
import re

import numpy as np

from .atomic import StorageError, atomic_file
from .registry import Format, check_path, check_stamp, has_hdf5_signature

H5_LIBVER = ("earliest", "v110")


def state_layout_version() -> int:
    from kernels.state import STATE_LAYOUT_VERSION
    return STATE_LAYOUT_VERSION


def attr_str(v):
    """An attribute as plain Python: str for text (h5py gives bytes for fixed-length strings),
    int/float for numpy scalars; arrays stay arrays."""
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.generic):
        return v.item()
    return v


def _h5_reason(e: OSError) -> str:
    m = re.search(r"\(([^()]*)\)\s*$", str(e))  # h5py: "Unable to open file (truncated file: eof = ...)"
    return m.group(1) if m else str(e)


def open_hdf5(path: str, what: str):
    """Open any HDF5 file read-only; missing, empty, truncated, not-HDF5 each give one line."""
    import h5py
    check_path(path, what)
    try:
        return h5py.File(path, "r")
    except OSError as e:
        if has_hdf5_signature(path):
            raise StorageError(f"{path}: truncated or damaged HDF5 file ({os.path.getsize(path)} bytes; "
                               f"HDF5 says: {_h5_reason(e)})") from None
        raise StorageError(f"{path}: not an HDF5 file, so not a {what}") from None


def open_h5(path: str | os.PathLike, fmt: Format):
    """Open a file of format ``fmt`` for reading, with its stamps checked (format, format_version and,
    for files of kernel states, the state-layout version). Close it (or use ``with``)."""
    path = os.fspath(path)
    f = open_hdf5(path, fmt.title)
    try:
        check_stamp(path, attr_str(f.attrs.get("format")), f.attrs.get("format_version"), fmt)
        if fmt.stores_states:
            want = state_layout_version()
            got = f.attrs.get("state_layout")
            if got is None:
                raise StorageError(f"{path}: {fmt.title} without a 'state_layout' attribute")
            if int(got) != want:
                raise StorageError(f"{path}: {fmt.title} holds kernel states of layout version {int(got)}; "
                                   f"this version of ringrift-mpi reads layout {want} (re-create the file "
                                   "with this version, or read it with the version that wrote it)")
    except BaseException:
        f.close()
        raise
    return f


@contextlib.contextmanager
def read_errors(path: str, what: str):
    """Around dataset reads: a damaged dataset or a missing member becomes one line naming the file."""
    try:
        yield
    except KeyError as e:
        raise StorageError(f"{path}: {what} lacks {e}") from None
    except OSError as e:
        raise StorageError(f"{path}: damaged {what} (HDF5 says: {_h5_reason(e)})") from None


@contextlib.contextmanager
def h5_writer(path: str | os.PathLike, fmt: Format):
    """Yield a new HDF5 file (libver capped) that replaces ``path`` atomically when the block ends.
    The ``format``, ``format_version`` (and ``state_layout``) stamps are written last, so the
    body cannot overwrite them."""
    import h5py
    with atomic_file(path, ".h5") as tmp:
        with h5py.File(tmp, "w", libver=H5_LIBVER) as f:
            yield f
            f.attrs["format"] = fmt.name
            f.attrs["format_version"] = fmt.version
            if fmt.stores_states:
                f.attrs["state_layout"] = state_layout_version()
