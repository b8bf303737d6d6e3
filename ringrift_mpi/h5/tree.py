"""``ls``: the inside of a file as a tree: groups, datasets (shape, dtype, axes, chunking,
compression, virtual sources) and attributes for HDF5; keys, types and sizes for JSON."""
from __future__ import annotations

import json

import numpy as np

from ..storage.h5 import attr_str, open_hdf5
from ..storage.registry import load_json

WIDTH = 72  # attribute values longer than this are cut (``--full`` shows them whole)


def _short(text: str, full: bool) -> str:
    text = text.replace("\n", "\\n")
    if full or len(text) <= WIDTH:
        return text
    return f"{text[:WIDTH - 3]}... ({len(text)} chars)"


def _attr(v, full: bool) -> str:
    v = attr_str(v)
    if isinstance(v, np.ndarray):
        return _short(f"{v.dtype} {list(v.shape)} {np.array2string(v, threshold=8, separator=', ')}", full)
    if isinstance(v, str):
        return _short(repr(v), full)
    return _short(repr(v), full)


def _attrs(obj, indent: str, full: bool) -> list[str]:
    return [f"{indent}@{k} = {_attr(obj.attrs[k], full)}" for k in sorted(obj.attrs)]


def _dataset(ds) -> str:
    shape = "scalar" if ds.shape == () else "[" + ", ".join(str(n) for n in ds.shape) + "]"
    parts = [str(ds.dtype), shape]
    axes = attr_str(ds.attrs.get("axes"))
    if axes:
        parts.append(f"({axes})")
    if ds.is_virtual:
        parts.append(f"virtual, {len(ds.virtual_sources())} source(s)")
    elif ds.chunks:
        parts.append("chunks " + "x".join(str(n) for n in ds.chunks))
    else:
        parts.append("contiguous")
    if ds.compression:
        opts = f" {ds.compression_opts}" if ds.compression_opts is not None else ""
        parts.append(f"{ds.compression}{opts}")
    if ds.shuffle:
        parts.append("shuffle")
    if ds.maxshape != ds.shape:
        parts.append("max [" + ", ".join("inf" if n is None else str(n) for n in ds.maxshape) + "]")
    return "  ".join(parts)


def hdf5_tree(path: str, full: bool = False) -> list[str]:
    import h5py
    lines = []
    with open_hdf5(path, "HDF5 file") as f:
        lines.append("/")
        lines += _attrs(f, "  ", full)

        def walk(g, depth):
            ind = "  " * depth
            for name in g:
                link = g.get(name, getlink=True)
                if isinstance(link, (h5py.SoftLink, h5py.ExternalLink)):
                    target = link.path if isinstance(link, h5py.SoftLink) else f"{link.filename}:{link.path}"
                    lines.append(f"{ind}{name} -> {target}")
                    continue
                obj = g[name]
                if isinstance(obj, h5py.Group):
                    lines.append(f"{ind}{name}/")
                    lines.extend(_attrs(obj, ind + "  ", full))
                    walk(obj, depth + 1)
                else:
                    lines.append(f"{ind}{name}  {_dataset(obj)}")
                    lines.extend(a for a in _attrs(obj, ind + "  ", full) if not a.lstrip().startswith("@axes ="))
        walk(f, 1)
    return lines


def _json_node(v, full: bool) -> str:
    if isinstance(v, dict):
        return f"object, {len(v)} key(s)"
    if isinstance(v, list):
        kinds = sorted({type(x).__name__ for x in v})
        return f"array, {len(v)} item(s)" + (f" of {'/'.join(kinds)}" if kinds else "")
    return _short(json.dumps(v), full)


def json_tree(path: str, full: bool = False, depth: int = 2) -> list[str]:
    data = load_json(path)
    lines = [_json_node(data, full)]

    def walk(d, level):
        if not isinstance(d, dict) or level > depth:
            return
        ind = "  " * level
        for k in d:  # the file's own key order
            lines.append(f"{ind}{k}: {_json_node(d[k], full)}")
            # a dict of many weights reads better as a count than 59 lines; full shows them
            if isinstance(d[k], dict) and (full or len(d[k]) <= 12):
                walk(d[k], level + 1)
    walk(data, 1)
    return lines
