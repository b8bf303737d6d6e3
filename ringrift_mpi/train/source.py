"""The one place the trainer touches dataset files: open, describe, read rows (and, for tests and
small runs, write them).

The self-play job's dataset (issue 18) is HDF5 under RingRift's exporter names, one
row per position: ``features`` (N, C, H, W) float32, ``globals`` (N, 20),
``values`` (N,), ``values_mp`` (N, 4), ``num_players``, ``policy_indices`` /
``policy_values`` (vlen int32 / float32), ``move_numbers``, ``total_game_moves``,
``phases``, ``victory_types``; the exporter's metadata as root attributes
(``kernels.encoding.layout.metadata``); and a per-row ``game_ids`` (int64) that
ties a position to its game, which is what a split by game needs. Until the
storage layer's reader for that format lands, this module reads (and
``write_dataset`` writes) that layout itself; switching to the storage layer is a
change to this file only: the trainer uses ``DatasetSource`` and nothing else.

Files are opened lazily and per process (a DataLoader worker that forks gets its
own handles), so a source can be pickled into workers before anything is open.
"""
from __future__ import annotations

import os

import numpy as np

from ..storage import StorageError
from ..storage.atomic import atomic_file
from ..storage.h5 import H5_LIBVER, attr_str, open_hdf5, read_errors

INTERIM_FORMAT = "ringrift-mpi/train-dataset-interim"  # until the self-play dataset format is registered
ROW_FIELDS = ("features", "globals", "values", "policy_indices", "policy_values")
META_KEYS = ("board_type", "policy_size", "in_channels", "spatial_size")


class DatasetSource:
    """The rows of one or more dataset files of one board and player count, in file order."""

    def __init__(self, paths):
        self.paths = [os.fspath(p) for p in ([paths] if isinstance(paths, (str, os.PathLike)) else paths)]
        if not self.paths:
            raise StorageError("no dataset files given")
        self.meta = None
        sizes, games = [], []
        for path in self.paths:
            with open_hdf5(path, "dataset") as f, read_errors(path, "dataset"):
                meta = {k: attr_str(f.attrs[k]) for k in META_KEYS if k in f.attrs}
                missing = [k for k in META_KEYS if k not in meta]
                if missing:
                    raise StorageError(f"{path}: not a training dataset (attribute {missing[0]!r} missing)")
                for name in ROW_FIELDS + ("game_ids",):
                    if name not in f:
                        raise StorageError(f"{path}: not a training dataset (no {name!r} dataset)")
                n = f["values"].shape[0]
                for name in ROW_FIELDS:
                    if f[name].shape[0] != n:
                        raise StorageError(f"{path}: {name} has {f[name].shape[0]} rows, values has {n}")
                shape = tuple(f["features"].shape[1:])
                want = (meta["in_channels"], meta["spatial_size"], meta["spatial_size"])
                if shape != want:
                    raise StorageError(f"{path}: features rows are {shape}, the attributes say {want}")
                players = int(f.attrs.get("players", f["num_players"][0] if n and "num_players" in f else 0))
                meta["players"] = players
                gid = np.asarray(f["game_ids"][()], np.int64)
                if gid.shape != (n,):
                    raise StorageError(f"{path}: game_ids has shape {gid.shape}, expected ({n},)")
            if self.meta is None:
                self.meta = meta
            elif any(meta[k] != self.meta[k] for k in META_KEYS + ("players",)):
                raise StorageError(f"{path}: {meta['board_type']} {meta['players']}p data, but {self.paths[0]} "
                                   f"holds {self.meta['board_type']} {self.meta['players']}p: one board and "
                                   "player count per training run")
            sizes.append(n)
            # game ids are per file; offset them so two files never share a game
            games.append(gid + (len(sizes) - 1 << 40))
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.game_ids = np.concatenate(games) if games else np.zeros(0, np.int64)
        self._files = None
        self._pid = None

    # --- description ---------------------------------------------------------------------
    def __len__(self) -> int:
        return int(self.offsets[-1])

    @property
    def board(self) -> str:
        return self.meta["board_type"]

    @property
    def players(self) -> int:
        return self.meta["players"]

    @property
    def policy_size(self) -> int:
        return int(self.meta["policy_size"])

    @property
    def feature_shape(self) -> tuple[int, int, int]:
        s = int(self.meta["spatial_size"])
        return int(self.meta["in_channels"]), s, s

    # --- reading ---------------------------------------------------------------------------
    def __getstate__(self):
        d = dict(self.__dict__)
        d["_files"], d["_pid"] = None, None
        return d

    def _open(self):
        if self._files is None or self._pid != os.getpid():
            import h5py
            # a forked worker must not reuse the parent's HDF5 handles
            self._files = [h5py.File(p, "r") for p in self.paths]
            self._pid = os.getpid()
        return self._files

    def close(self) -> None:
        if self._files is not None and self._pid == os.getpid():
            for f in self._files:
                f.close()
        self._files = None

    def read_range(self, start: int, stop: int) -> dict:
        """Rows [start, stop) (global numbering; may span files) as arrays; policies as lists of arrays."""
        out = {k: [] for k in ROW_FIELDS}
        files = self._open()
        fi = int(np.searchsorted(self.offsets, start, side="right") - 1)
        while start < stop:
            lo, hi = start - self.offsets[fi], min(stop, self.offsets[fi + 1]) - self.offsets[fi]
            f = files[fi]
            with read_errors(self.paths[fi], "dataset"):
                for k in ROW_FIELDS:
                    out[k].append(f[k][lo:hi])
            start = int(self.offsets[fi] + hi)
            fi += 1
        res = {k: np.concatenate(v) if k not in ("policy_indices", "policy_values") else
               [a for part in v for a in part] for k, v in out.items()}
        return res


def write_dataset(path: str, board: int, players: int, rows: dict, games: dict, source: str = "") -> None:
    """Write a dataset file in the layout above, atomically (tests and small runs).

    rows: features, globals, values, values_mp, policy_indices (int array per row: the
    one-hot played move), move_numbers, total_game_moves, phases, victory_types,
    game_ids; games: id, seed, winner, victory_type, length, and moves (list of int64
    arrays).
    """
    import h5py
    from kernels.encoding import metadata
    n = len(rows["values"])
    with atomic_file(path, ".h5") as tmp:
        with h5py.File(tmp, "w", libver=H5_LIBVER) as f:
            f.attrs.update(metadata(board))
            f.attrs["players"] = int(players)
            f.attrs["source"] = source
            chunk = max(1, min(n, 64))
            f.create_dataset("features", data=np.asarray(rows["features"], np.float32),
                             chunks=(chunk,) + tuple(rows["features"].shape[1:]), compression="lzf")
            for k, dt in (("globals", np.float32), ("values", np.float32), ("values_mp", np.float32),
                          ("move_numbers", np.int32), ("total_game_moves", np.int32), ("phases", np.int8),
                          ("victory_types", np.int8), ("game_ids", np.int64)):
                f.create_dataset(k, data=np.asarray(rows[k], dt))
            f.create_dataset("num_players", data=np.full(n, players, np.int32))
            # create_dataset(data=object array): assigning rows of equal length to a vlen dataset
            # with ds[...] = a stores every row's concatenation in every row (h5py 3.16)
            vi = np.empty(n, object)
            vv = np.empty(n, object)
            for i, idx in enumerate(rows["policy_indices"]):
                vi[i] = np.asarray(idx, np.int32)
                vv[i] = np.full(len(idx), 1.0 / max(1, len(idx)), np.float32)
            f.create_dataset("policy_indices", data=vi, dtype=h5py.vlen_dtype(np.int32))
            f.create_dataset("policy_values", data=vv, dtype=h5py.vlen_dtype(np.float32))
            g = f.create_group("games")
            for k in ("id", "seed", "winner", "victory_type", "length"):
                g.create_dataset(k, data=np.asarray(games[k], np.int64))
            mv = np.empty(len(games["moves"]), object)
            for i, m in enumerate(games["moves"]):
                mv[i] = np.asarray(m, np.int64)
            g.create_dataset("moves", data=mv, dtype=h5py.vlen_dtype(np.int64))
            f.attrs["format"] = INTERIM_FORMAT
            f.attrs["format_version"] = 1
