"""The trainer's view of self-play datasets: the storage layer's reader (storage/dataset.py), as rows.

A source is one or more self-play datasets of one board and player count: a run
directory (its index ``dataset.h5``), an index, a shard or ``merge``'s output.
Rows are numbered across them in order; each row is one position with
RingRift's arrays (``features`` expanded from the stored compact plies, bit for
bit RingRift's exporter, and ``globals``, ``values``, ``policy_indices`` /
``policy_values``). ``game_ids`` ties each row to its game (offset per dataset,
so two datasets never share a game), which is what the split by game needs.

Datasets are opened lazily and per process (a DataLoader worker that forks gets
its own handles), so a source can be pickled into workers before anything is open.
"""
from __future__ import annotations

import os

import numpy as np

from ..storage import StorageError
from ..storage.dataset import Dataset

ROW_FIELDS = ("features", "globals", "values", "policy_indices", "policy_values")


class DatasetSource:
    """The rows of one or more self-play datasets of one board and player count, in stored order."""

    def __init__(self, paths):
        from kernels.encoding import feature_shape
        from kernels.encoding.layout import POLICY_SIZE
        self.paths = [os.fspath(p) for p in ([paths] if isinstance(paths, (str, os.PathLike)) else paths)]
        if not self.paths:
            raise StorageError("no dataset given")
        self.meta = None
        sizes, games = [], []
        for k, path in enumerate(self.paths):
            with Dataset(path) as ds:
                meta = {"board_type": ds.attrs["board"], "players": ds.players, "board": ds.board,
                        "policy_size": POLICY_SIZE[ds.board], "feature_shape": feature_shape(ds.board)}
                gid = np.repeat(ds.games["id"].astype(np.int64), ds.games["positions"].astype(np.int64))
                n = ds.n_positions
            if self.meta is None:
                self.meta = meta
            elif (meta["board_type"], meta["players"]) != (self.meta["board_type"], self.meta["players"]):
                raise StorageError(f"{path}: {meta['board_type']} {meta['players']}p data, but {self.paths[0]} "
                                   f"holds {self.meta['board_type']} {self.meta['players']}p: one board and "
                                   "player count per training run")
            sizes.append(n)
            games.append(gid + (k << 40))
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.game_ids = np.concatenate(games)
        self._sets = None
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
        return tuple(self.meta["feature_shape"])

    # --- reading ---------------------------------------------------------------------------
    def __getstate__(self):
        d = dict(self.__dict__)
        d["_sets"], d["_pid"] = None, None
        return d

    def _open(self) -> list[Dataset]:
        if self._sets is None or self._pid != os.getpid():
            # a forked worker must not reuse the parent's HDF5 handles
            self._sets = [Dataset(p) for p in self.paths]
            self._pid = os.getpid()
        return self._sets

    def close(self) -> None:
        if self._sets is not None and self._pid == os.getpid():
            for ds in self._sets:
                ds.close()
        self._sets = None

    def read_range(self, start: int, stop: int) -> dict:
        """Rows [start, stop) (global numbering; may span datasets) as arrays; policies as lists of
        arrays (RingRift's vlen rows)."""
        out = {k: [] for k in ROW_FIELDS}
        sets = self._open()
        fi = int(np.searchsorted(self.offsets, start, side="right") - 1)
        while start < stop:
            lo, hi = start - self.offsets[fi], min(stop, self.offsets[fi + 1]) - self.offsets[fi]
            ds = sets[fi]
            out["features"].append(ds.features(int(lo), int(hi)))
            for k in ("globals", "values"):
                out[k].append(ds.read(k, int(lo), int(hi)))
            idx, val = ds.read("policy_indices", int(lo), int(hi)), ds.read("policy_values", int(lo), int(hi))
            keep = idx >= 0  # stored rows are padded with index -1
            out["policy_indices"].extend(r[m].astype(np.int64) for r, m in zip(idx, keep))
            out["policy_values"].extend(r[m].astype(np.float32) for r, m in zip(val, keep))
            start = int(self.offsets[fi] + hi)
            fi += 1
        return {k: (v if k in ("policy_indices", "policy_values") else np.concatenate(v)) for k, v in out.items()}
