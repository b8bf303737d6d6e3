"""Self-play datasets: dataset files (a rank's shard, or merge's output) and the index over shards.

A **dataset file** (``ringrift-mpi/selfplay-dataset``, HDF5, libver capped at v110,
``state_layout`` stamped) holds whole games. Rows of the three tables follow game
order (game g's positions, plies and moves come after game g-1's), so every
offset is derived from the per-game counts and files concatenate as they are.

root attributes
    format, format_version, state_layout; RingRift's exporter metadata
    (kernels.encoding.layout.metadata: board_type, board_size, history_length,
    feature_version, policy_encoding, encoder_type, in_channels, policy_size,
    spatial_size); board, players, seed, config (JSON), config_hash, profiles
    (JSON: profile hash -> {"source", "weights"}), phase_names, victory_type_names,
    move_type_names (JSON lists: the codes below), origin (JSON: who wrote it),
    games, positions, plies, moves (row counts)
per position (N rows), under RingRift's exporter names and meaning
    globals f32 [N, 20]; values f32 [N]; values_mp f32 [N, 4]; num_players i32 [N];
    policy_indices i32 [N, K], policy_values f32 [N, K]: the policy target, K
    entries per row padded with index -1 / value 0 (K = 1: one-hot of the played
    move); move_numbers i32 [N] (the ply); total_game_moves i32 [N]; phases,
    victory_types, move_types u8 [N] (codes into the name lists)
per ply of every game with a winner (F rows: one per move; games without a winner have none)
    plies/cells u8 [F, 4, cells]: stack height (capped at 255), controller, marker
    owner, collapsed owner per cell in kernel cell order; plies/movers u8 [F]
per game (G rows)
    games/id i64, games/seed i64, games/seat_profiles S16 [G, 4] (profile hash per
    starting seat, "random", "" for no seat), games/winner i8, games/victory_type i8
    (kernels.games VT_*), games/length i32 (moves), games/ranks i8 [G, 4],
    games/positions i32, games/plies i32; games/moves i64 [sum of lengths]: move codes

``features`` (N, C, H, W) f32 is not stored: readers expand it from ``plies/``
(kernels.encoding.compact), bit for bit what RingRift's exporter computes; every
reader here (``Dataset.batch``, ``export_npz``) returns it. docs/formats.md gives
the measured sizes that chose this.

The **index** (``ringrift-mpi/selfplay-index``, ``dataset.h5`` in a run directory)
has the same attributes with totals, a ``shards`` table (relative path, size in
bytes and the four row counts of each shard) and one virtual dataset per dataset
above, concatenating the shards in table order. It is rebuilt from the shards
(``build_index``). Opening it checks that every shard is still there, the size
recorded, so a missing or replaced shard is one line naming it, never the silent
fill values HDF5 would read in its place.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import numpy as np

from .atomic import StorageError, atomic_file
from .h5 import attr_str, h5_writer, open_h5, read_errors
from .registry import Format, register

DATASET_FORMAT = "ringrift-mpi/selfplay-dataset"
INDEX_FORMAT = "ringrift-mpi/selfplay-index"
DATASET_VERSION = 1
INDEX_VERSION = 1
INDEX_NAME = "dataset.h5"
SHARD_DIR = "shards"
CELL_ROWS = 4
MAX_SEATS = 4
POLICY_WIDTH = 1  # one-hot targets

# name -> (dtype, trailing shape as a function of (cells,), axes)
POSITION_FIELDS = {
    "globals": (np.float32, lambda n: (20,), "position,feature"),
    "values": (np.float32, lambda n: (), "position"),
    "values_mp": (np.float32, lambda n: (MAX_SEATS,), "position,seat"),
    "num_players": (np.int32, lambda n: (), "position"),
    "policy_indices": (np.int32, lambda n: (POLICY_WIDTH,), "position,entry"),
    "policy_values": (np.float32, lambda n: (POLICY_WIDTH,), "position,entry"),
    "move_numbers": (np.int32, lambda n: (), "position"),
    "total_game_moves": (np.int32, lambda n: (), "position"),
    "phases": (np.uint8, lambda n: (), "position"),
    "victory_types": (np.uint8, lambda n: (), "position"),
    "move_types": (np.uint8, lambda n: (), "position"),
}
PLY_FIELDS = {
    "plies/cells": (np.uint8, lambda n: (CELL_ROWS, n), "ply,fact,cell"),
    "plies/movers": (np.uint8, lambda n: (), "ply"),
}
GAME_FIELDS = {
    "games/id": (np.int64, lambda n: (), "game"),
    "games/seed": (np.int64, lambda n: (), "game"),
    "games/seat_profiles": ("S16", lambda n: (MAX_SEATS,), "game,seat"),
    "games/winner": (np.int8, lambda n: (), "game"),
    "games/victory_type": (np.int8, lambda n: (), "game"),
    "games/length": (np.int32, lambda n: (), "game"),
    "games/ranks": (np.int8, lambda n: (MAX_SEATS,), "game,seat"),
    "games/positions": (np.int32, lambda n: (), "game"),
    "games/plies": (np.int32, lambda n: (), "game"),
}
MOVE_FIELDS = {"games/moves": (np.int64, lambda n: (), "move")}
TABLES = (("positions", POSITION_FIELDS), ("plies", PLY_FIELDS), ("games", GAME_FIELDS), ("moves", MOVE_FIELDS))
ALL_FIELDS = {k: v for _, t in TABLES for k, v in t.items()}
COUNT_ATTRS = ("games", "positions", "plies", "moves")
# attributes every shard of a run shares (the index checks them and copies them)
COMMON_ATTRS = ("board", "players", "seed", "config", "config_hash", "profiles", "phase_names",
                "victory_type_names", "move_type_names", "board_type", "board_size", "history_length",
                "feature_version", "policy_encoding", "encoder_type", "in_channels", "policy_size", "spatial_size")
# RingRift's exporter's victory categories for our victory types (kernels.games VT_*)
RINGRIFT_VICTORY = ("other", "elimination", "territory", "lps", "stalemate", "timeout", "other")


def compression_opts(name: str) -> dict:
    """h5py filter arguments for a dataset.compression setting."""
    if name == "lzf":
        return {"compression": "lzf"}
    if name == "gzip":
        return {"compression": "gzip", "compression_opts": 1}
    if name == "none":
        return {}
    raise ValueError(f"compression must be lzf, gzip or none (got {name!r})")


def chunk_rows(name: str, cells: int) -> int:
    """Rows per chunk: about 64 KB of raw data for plies/cells, 1024 rows for the small per-row
    datasets (a random read decompresses one chunk per dataset; the sizes cost < 2 % in file size)."""
    if name == "plies/cells":
        return max(16, 65536 // (CELL_ROWS * cells))
    return 1024


@dataclass
class Block:
    """Whole games in game order: arrays keyed by ALL_FIELDS names (row counts per table)."""
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    def rows(self, table: str) -> int:
        fields = dict(TABLES)[table]
        return len(self.arrays[next(iter(fields))])

    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.arrays.values())


def concat(blocks: list[Block]) -> Block:
    return Block({k: np.concatenate([b.arrays[k] for b in blocks]) for k in ALL_FIELDS})


def empty_block(cells: int) -> Block:
    return Block({k: np.zeros((0,) + shape(cells), dt) for k, (dt, shape, _) in ALL_FIELDS.items()})


# --- writing ---------------------------------------------------------------------------------------

def write_dataset(path: str, attrs: dict, blocks, cells: int, compression: str = "gzip") -> dict:
    """Write blocks (an iterable of Block, whole games in order) as one dataset file, atomically.

    Returns the row counts. ``attrs`` are the root attributes other than the stamps and counts.
    """
    opts = compression_opts(compression)
    counts = dict.fromkeys(COUNT_ATTRS, 0)
    with h5_writer(path, DATASET) as f:
        f.attrs.update(attrs)
        dsets = {}
        for name, (dt, shape, axes) in ALL_FIELDS.items():
            tail = shape(cells)
            d = f.create_dataset(name, shape=(0,) + tail, maxshape=(None,) + tail, dtype=dt,
                                 chunks=(chunk_rows(name, cells),) + tail, **opts)
            d.attrs["axes"] = axes
            dsets[name] = d
        for b in blocks:
            for table, fields in TABLES:
                n = b.rows(table)
                if n == 0:
                    continue
                at = counts[table]
                for name in fields:
                    a = b.arrays[name]
                    d = dsets[name]
                    d.resize(at + n, axis=0)
                    d[at:at + n] = a
                counts[table] += n
        for k, v in counts.items():
            f.attrs[k] = int(v)
    return counts


def build_index(run_dir: str, shard_paths: list[str] | None = None, out: str | None = None) -> dict:
    """Write ``run_dir/dataset.h5``: virtual datasets over the shards (default: every shard in
    ``run_dir/shards``, sorted by name). Returns the totals. Shards must agree on COMMON_ATTRS."""
    import h5py
    run_dir = os.fspath(run_dir)
    out = out or os.path.join(run_dir, INDEX_NAME)
    paths = sorted(list_shards(run_dir)) if shard_paths is None else list(shard_paths)
    if not paths:
        raise StorageError(f"{os.path.join(run_dir, SHARD_DIR)}: no shards to index")
    infos = [shard_info(p) for p in paths]
    first = infos[0]
    for p, info in zip(paths[1:], infos[1:]):
        for k in ("board", "players", "config_hash", "state_layout"):
            if info["attrs"].get(k) != first["attrs"].get(k):
                raise StorageError(f"{p}: {k} {info['attrs'].get(k)!r} differs from {paths[0]}'s "
                                   f"{first['attrs'].get(k)!r}: not a shard of the same run")
    cells = first["cells"]
    totals = {k: sum(i["counts"][k] for i in infos) for k in COUNT_ATTRS}
    rel = [os.path.relpath(os.path.abspath(p), os.path.dirname(os.path.abspath(out))) for p in paths]
    with h5_writer(out, INDEX) as f:
        for k in COMMON_ATTRS:
            if k in first["attrs"]:
                f.attrs[k] = first["attrs"][k]
        for k, v in totals.items():
            f.attrs[k] = int(v)
        g = f.create_group("shards")
        g.create_dataset("path", data=np.array(rel, dtype=h5py.string_dtype()))
        g.create_dataset("bytes", data=np.array([os.path.getsize(p) for p in paths], np.int64))
        for k in COUNT_ATTRS:
            g.create_dataset(k, data=np.array([i["counts"][k] for i in infos], np.int64))
        for table, fields in TABLES:
            for name, (dt, shape, axes) in fields.items():
                tail = shape(cells)
                layout = h5py.VirtualLayout(shape=(totals[table],) + tail, dtype=dt)
                at = 0
                for r, info in zip(rel, infos):
                    n = info["counts"][table]
                    if n:
                        layout[at:at + n] = h5py.VirtualSource(r, name, shape=(n,) + tail)
                    at += n
                fill = b"" if dt == "S16" else 0
                d = f.create_virtual_dataset(name, layout, fillvalue=fill)
                d.attrs["axes"] = axes
    return totals


def list_shards(run_dir: str) -> list[str]:
    """Every complete shard of a run directory (temporary files of interrupted writes are not)."""
    d = os.path.join(os.fspath(run_dir), SHARD_DIR)
    if not os.path.isdir(d):
        return []
    return [os.path.join(d, n) for n in os.listdir(d) if n.endswith(".h5") and not n.startswith(".")]


def stale_temp_files(run_dir: str) -> list[str]:
    d = os.path.join(os.fspath(run_dir), SHARD_DIR)
    if not os.path.isdir(d):
        return []
    return [os.path.join(d, n) for n in os.listdir(d) if n.startswith(".") and n.endswith(".tmp")]


def shard_info(path: str) -> dict:
    """A dataset file's attributes, row counts and game ids, checked for consistency (one line on error)."""
    path = os.fspath(path)
    with open_h5(path, DATASET) as f, read_errors(path, DATASET.title):
        attrs = {k: attr_str(v) for k, v in f.attrs.items()}
        counts = {}
        for k in COUNT_ATTRS:
            if k not in attrs:
                raise StorageError(f"{path}: {DATASET.title} without a {k!r} count (corrupt)")
            counts[k] = int(attrs[k])
        for table, fields in TABLES:
            for name in fields:
                if name not in f:
                    raise StorageError(f"{path}: {DATASET.title} lacks {name!r}")
                if f[name].shape[0] != counts[table]:
                    raise StorageError(f"{path}: {name} has {f[name].shape[0]} rows, the file says {counts[table]} "
                                       f"(corrupt {DATASET.title})")
        cells = int(f["plies/cells"].shape[2])
        ids = np.asarray(f["games/id"][()], np.int64)
    return {"attrs": attrs, "counts": counts, "cells": cells, "ids": ids}


# --- reading ---------------------------------------------------------------------------------------

def resolve(path: str) -> str:
    """A run directory means its index; anything else is a file."""
    path = os.fspath(path)
    if os.path.isdir(path):
        idx = os.path.join(path, INDEX_NAME)
        if os.path.exists(idx) or not list_shards(path):
            return idx
        raise StorageError(f"{idx}: missing; the run directory has shards: rebuild the index with "
                           f"'python -m ringrift_mpi.selfplay --index-only --run-dir {path}'")
    return path


class Dataset:
    """Read access to a dataset file, an index, or a run directory (its index).

    Positions are numbered in stored order (game order within each shard, shards
    in the index's order); ``order_by_game()`` gives them sorted by (game id, ply),
    the order in which datasets of one run compare equal whatever the rank count.
    """

    def __init__(self, path: str):
        from .registry import identify
        self.path = resolve(path)
        fmt = identify(self.path)
        if fmt.name not in (DATASET_FORMAT, INDEX_FORMAT):
            raise StorageError(f"{self.path}: a {fmt.title} ({fmt.name}), not a self-play dataset")
        self.fmt = fmt
        if fmt.name == INDEX_FORMAT:
            check_shards(self.path)
        self.f = open_h5(self.path, fmt)
        try:
            with read_errors(self.path, fmt.title):
                self.attrs = {k: attr_str(v) for k, v in self.f.attrs.items()}
                self.counts = {k: int(self.attrs.get(k, -1)) for k in COUNT_ATTRS}
                for table, fields in TABLES:
                    for name in fields:
                        if name not in self.f or self.f[name].shape[0] != self.counts[table]:
                            raise StorageError(f"{self.path}: {name} missing or not {self.counts[table]} rows "
                                               f"long (corrupt {fmt.title})")
                self.games = {k.split("/", 1)[1]: np.asarray(self.f[k][()]) for k in GAME_FIELDS}
        except BaseException:
            self.f.close()
            raise
        from kernels import geometry as G
        self.board = G.board_id(self.attrs["board"])
        self.players = int(self.attrs["players"])
        self.cells = G.BOARD_CELLS[self.board]
        g = self.games
        self.pos_start = np.concatenate([[0], np.cumsum(g["positions"], dtype=np.int64)])
        self.ply_start = np.concatenate([[0], np.cumsum(g["plies"], dtype=np.int64)])
        self.move_start = np.concatenate([[0], np.cumsum(g["length"], dtype=np.int64)])
        if (self.pos_start[-1], self.ply_start[-1], self.move_start[-1]) != (
                self.counts["positions"], self.counts["plies"], self.counts["moves"]):
            self.f.close()
            raise StorageError(f"{self.path}: per-game counts do not add up to the row counts (corrupt {fmt.title})")
        self._geo = None
        self._open: dict = {}

    # --- plain access -------------------------------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        self._open.clear()
        self.f.close()

    @property
    def n_positions(self) -> int:
        return self.counts["positions"]

    @property
    def n_games(self) -> int:
        return self.counts["games"]

    def read(self, name: str, lo: int = 0, hi: int | None = None) -> np.ndarray:
        with read_errors(self.path, self.fmt.title):
            d = self._open.get(name)
            if d is None:  # kept open: an index's virtual dataset then keeps its shards open too
                d = self._open[name] = self.f[name]
            return np.asarray(d[lo:hi])

    def game_of(self, positions: np.ndarray) -> np.ndarray:
        """Game row (stored order) of each position."""
        return np.searchsorted(self.pos_start, np.asarray(positions, np.int64), side="right") - 1

    def moves(self, game_row: int) -> np.ndarray:
        return self.read("games/moves", int(self.move_start[game_row]), int(self.move_start[game_row + 1]))

    def state(self, game_row: int, ply: int) -> np.ndarray:
        """The kernel state before move ``ply`` of a game (ply = its length: the final state),
        replayed from the start position (what ``ringrift-h5 show`` draws)."""
        from kernels.apply import apply_move
        from kernels.newgame import new_game
        moves = self.moves(game_row)
        if not 0 <= ply <= len(moves):
            raise StorageError(f"{self.path}: game {int(self.games['id'][game_row])} has plies 0..{len(moves)}, "
                               f"not {ply}")
        s = new_game(self.board, self.players)
        for m in moves[:ply]:
            apply_move(self.geo, s, m)
        return s

    def game_row(self, game_id: int) -> int:
        rows = np.flatnonzero(self.games["id"] == game_id)
        if len(rows) == 0:
            raise StorageError(f"{self.path}: no game with id {game_id}")
        return int(rows[0])

    def order_by_game(self) -> np.ndarray:
        """Positions sorted by (game id, ply)."""
        gorder = np.argsort(self.games["id"], kind="stable")
        counts = self.games["positions"][gorder].astype(np.int64)
        starts = self.pos_start[gorder]
        before = np.concatenate([[0], np.cumsum(counts)[:-1]]) if len(counts) else counts
        return np.repeat(starts - before, counts) + np.arange(int(counts.sum()), dtype=np.int64)

    @property
    def geo(self):
        if self._geo is None:
            from kernels import geometry as G
            self._geo = G.build(self.board)
        return self._geo

    # --- RingRift's arrays -------------------------------------------------------------------------
    def features(self, lo: int, hi: int) -> np.ndarray:
        """features (hi - lo, C, H, W) float32 of positions [lo, hi) (stored order)."""
        return self._features(np.arange(lo, hi, dtype=np.int64))

    def _features(self, pos: np.ndarray) -> np.ndarray:
        from kernels.encoding import feature_shape
        from kernels.encoding.compact import expand, new_cache
        from kernels.newgame import new_game
        out = np.zeros((len(pos),) + feature_shape(self.board), np.float32)
        if len(pos) == 0:
            return out
        plies = self.read_rows("move_numbers", pos).astype(np.int64)
        rows = self.ply_start[self.game_of(pos)] + plies
        # the sample's ply and the (up to) 3 before it, read as a few contiguous ranges (h5py's
        # per-row selection is slow)
        need = np.unique(np.concatenate([(rows - k)[plies >= k] for k in range(4)]))
        ranges = _ranges(need, gap=chunk_rows("plies/cells", self.cells))
        cells = np.concatenate([self.read("plies/cells", a, b) for a, b in ranges])
        movers = np.concatenate([self.read("plies/movers", a, b) for a, b in ranges])
        base = np.concatenate([np.arange(a, b) for a, b in ranges])
        local = np.searchsorted(base, rows)
        cache, cache_rows = new_cache(self.board)
        expand(self.geo, cells, movers, local.astype(np.int64), plies.astype(np.int32),
               new_game(self.board, self.players), cache, cache_rows, out)
        return out

    def read_rows(self, name: str, pos: np.ndarray) -> np.ndarray:
        """Rows ``pos`` (any order) of a per-position dataset, read as contiguous ranges."""
        pos = np.asarray(pos, np.int64)
        if len(pos) == 0:
            return self.read(name, 0, 0)
        uniq, inv = np.unique(pos, return_inverse=True)
        ranges = _ranges(uniq, gap=chunk_rows(name, self.cells))
        data = np.concatenate([self.read(name, a, b) for a, b in ranges])
        base = np.concatenate([np.arange(a, b) for a, b in ranges])
        return data[np.searchsorted(base, uniq)][inv]

    def batch(self, pos) -> dict:
        """RingRift's per-sample arrays for positions ``pos`` (any order, repeats allowed):
        features, globals, values, values_mp, num_players, policy_indices / policy_values (1-D
        object arrays of int32 / float32 arrays, as RingRift's exporter writes them),
        move_numbers, total_game_moves, phases, victory_types, move_types (str objects)."""
        pos = np.asarray(pos, np.int64)
        out = {"features": self._features(pos)}
        for name in POSITION_FIELDS:
            out[name] = self.read_rows(name, pos)
        return ringrift_arrays(out, self.attrs)


def ringrift_arrays(raw: dict, attrs: dict) -> dict:
    """Stored per-position arrays -> RingRift's (vlen policies, names for codes)."""
    out = dict(raw)
    idx, val = raw["policy_indices"], raw["policy_values"]
    keep = idx >= 0
    out["policy_indices"] = _objects([r[k] for r, k in zip(idx, keep)], np.int32)
    out["policy_values"] = _objects([r[k] for r, k in zip(val, keep)], np.float32)
    for key, names in (("phases", "phase_names"), ("victory_types", None), ("move_types", "move_type_names")):
        table = RINGRIFT_VICTORY if names is None else json.loads(attrs[names])
        out[key] = np.array([table[c] for c in raw[key]], dtype=object)
    return out


def _objects(rows, dt) -> np.ndarray:
    a = np.empty(len(rows), dtype=object)
    for i, r in enumerate(rows):
        a[i] = np.ascontiguousarray(r, dt)
    return a


def _ranges(sorted_rows: np.ndarray, gap: int) -> list[tuple[int, int]]:
    """[lo, hi) ranges covering sorted rows, joining runs closer than ``gap``."""
    if len(sorted_rows) == 0:
        return []
    cut = np.flatnonzero(np.diff(sorted_rows) > gap)
    lo = np.concatenate([[sorted_rows[0]], sorted_rows[cut + 1]])
    hi = np.concatenate([sorted_rows[cut], [sorted_rows[-1]]]) + 1
    return list(zip(lo.tolist(), hi.tolist()))


def check_shards(index_path: str) -> list[str]:
    """The index's shards, each checked to be there, stamped, and with the size and row counts the
    index recorded (a missing, replaced or foreign shard is one line naming it)."""
    with open_h5(index_path, INDEX) as f, read_errors(index_path, INDEX.title):
        rel = [attr_str(p) for p in f["shards/path"][()]]
        size = np.asarray(f["shards/bytes"][()], np.int64)
        counts = {k: np.asarray(f[f"shards/{k}"][()], np.int64) for k in COUNT_ATTRS}
        chash = attr_str(f.attrs.get("config_hash"))
    base = os.path.dirname(os.path.abspath(index_path))
    out = []
    rebuild = "rebuild the index ('python -m ringrift_mpi.selfplay --index-only --run-dir DIR')"
    for i, r in enumerate(rel):
        p = os.path.normpath(os.path.join(base, r))
        if not os.path.exists(p):
            raise StorageError(f"{p}: shard missing (listed in {index_path}); restore it, or {rebuild}")
        with open_h5(p, DATASET) as s:
            got = {k: int(attr_str(s.attrs.get(k, -1))) for k in COUNT_ATTRS}
            same = attr_str(s.attrs.get("config_hash")) == chash
        if os.path.getsize(p) != size[i] or not same or any(got[k] != counts[k][i] for k in COUNT_ATTRS):
            raise StorageError(f"{p}: not the shard {index_path} recorded (size, row counts or config differ): "
                               f"replaced since the index was built; {rebuild}")
        out.append(p)
    return out


def canonical(path: str, features: bool = True) -> dict[str, np.ndarray]:
    """A dataset's content in game-id order: every stored array (positions by (game id, ply),
    games by id, move lists concatenated by id) and, with ``features``, RingRift's features.
    Two datasets hold the same games and rows exactly when these are equal, however many
    ranks or sessions wrote them and however their shards are cut."""
    with Dataset(path) as ds:
        order = ds.order_by_game()
        gorder = np.argsort(ds.games["id"], kind="stable")
        out = {name: ds.read_rows(name, order) for name in POSITION_FIELDS}
        rows = np.concatenate([np.arange(ds.ply_start[g], ds.ply_start[g + 1]) for g in gorder] or [[]]).astype(int)
        for name in PLY_FIELDS:
            out[name] = ds.read(name)[rows] if len(rows) else ds.read(name, 0, 0)
        for k, v in ds.games.items():
            out[f"games/{k}"] = v[gorder]
        moves = ds.read("games/moves")
        out["games/moves"] = np.concatenate([moves[ds.move_start[g]:ds.move_start[g + 1]] for g in gorder]
                                            or [moves[:0]])
        if features:
            out["features"] = ds._features(order)
    return out


def differences(a: dict, b: dict) -> list[str]:
    """Names of the arrays in which two ``canonical`` contents differ."""
    return sorted(k for k in set(a) | set(b) if k not in a or k not in b or a[k].shape != b[k].shape
                  or not np.array_equal(a[k], b[k]))


# --- merge and RingRift's NPZ ------------------------------------------------------------------------

def iter_blocks(ds: Dataset, games_per_block: int = 256):
    """The dataset's games in stored order, as Blocks."""
    for g0 in range(0, ds.n_games, games_per_block):
        g1 = min(ds.n_games, g0 + games_per_block)
        spans = {"positions": (ds.pos_start[g0], ds.pos_start[g1]), "plies": (ds.ply_start[g0], ds.ply_start[g1]),
                 "games": (g0, g1), "moves": (ds.move_start[g0], ds.move_start[g1])}
        b = Block()
        for table, fields in TABLES:
            lo, hi = spans[table]
            for name in fields:
                b.arrays[name] = ds.read(name, int(lo), int(hi))
        yield b


def merge(paths: list[str], out: str, compression: str = "gzip") -> dict:
    """One dataset file with every game of ``paths`` (dataset files, indexes or run directories),
    in the order given. They must be of one board, player count and state layout, with no game id
    twice; attributes that differ (another config) are kept per input in ``origin``."""
    if not paths:
        raise StorageError("merge: no input datasets")
    sets = []
    try:
        for p in paths:
            sets.append(Dataset(p))
        first = sets[0]
        for ds in sets[1:]:
            for k in ("board", "players"):
                if ds.attrs[k] != first.attrs[k]:
                    raise StorageError(f"{ds.path}: {k} {ds.attrs[k]!r}, but {first.path} has {first.attrs[k]!r}: "
                                       "datasets of different games cannot be merged")
        seen: dict[int, str] = {}
        for ds in sets:
            for gid in ds.games["id"].tolist():
                if gid in seen:
                    raise StorageError(f"{ds.path}: game id {gid} is also in {seen[gid]}: merging would "
                                       "duplicate it (the same run given twice?)")
                seen[gid] = ds.path
        attrs = {k: first.attrs[k] for k in COMMON_ATTRS if k in first.attrs}
        for k in ("seed", "config", "config_hash", "profiles"):
            if any(ds.attrs.get(k) != first.attrs.get(k) for ds in sets):
                attrs.pop(k, None)
        attrs["origin"] = json.dumps({"merged": [{"path": ds.path, "config_hash": ds.attrs.get("config_hash"),
                                                  "seed": ds.attrs.get("seed"), "games": ds.n_games}
                                                 for ds in sets]})
        if "profiles" not in attrs:
            prof = {}
            for ds in sets:
                prof.update(json.loads(ds.attrs.get("profiles", "{}")))
            attrs["profiles"] = json.dumps(prof, sort_keys=True)
        blocks = (b for ds in sets for b in iter_blocks(ds))
        return write_dataset(out, attrs, blocks, first.cells, compression)
    finally:
        for ds in sets:
            ds.close()


def export_npz(path: str, out: str, *, limit: int = 0, block: int = 4096) -> dict:
    """RingRift's exporter NPZ from a dataset: positions sorted by (game id, ply), the first
    ``limit`` of them (0: all). Returns {"positions", "games", "bytes"}.

    RingRift's trainer (``python -m app.training.train --data-path OUT``) loads it whole
    into memory, so ``limit`` keeps a big dataset within RAM."""
    from kernels.encoding.layout import metadata
    with Dataset(path) as ds:
        order = ds.order_by_game()
        if limit and limit > 0:
            order = order[:limit]
        n = len(order)
        if n == 0:
            raise StorageError(f"{ds.path}: no positions to export (only games without a winner?)")
        # read in stored order (contiguous ranges), then put rows in game order
        stored = np.sort(order)
        parts: dict[str, list] = {}
        for lo in range(0, n, block):
            chunk = stored[lo:lo + block]
            got = {"features": ds._features(chunk)}
            for name in POSITION_FIELDS:
                got[name] = ds.read_rows(name, chunk)
            for k, v in got.items():
                parts.setdefault(k, []).append(v)
        raw = {k: np.concatenate(v) for k, v in parts.items()}
        perm = np.searchsorted(stored, order)
        raw = {k: v[perm] for k, v in raw.items()}
        arrays = ringrift_arrays(raw, ds.attrs)
        meta = metadata(ds.board)
        max_idx = int(raw["policy_indices"].max())
        games = int(len(np.unique(ds.games["id"][ds.game_of(order)])))
    npz = {k: arrays[k] for k in ("features", "globals", "values", "policy_indices", "policy_values", "values_mp",
                                  "num_players", "move_numbers", "total_game_moves", "phases", "victory_types",
                                  "move_types")}
    npz.update({k: np.asarray(v) for k, v in meta.items()})
    npz.update({"encoder_version": np.asarray("v3" if meta["encoder_type"] == "hex_v3" else "v2"),
                "max_policy_index": np.asarray(max_idx), "policies_normalized": np.asarray(True),
                "export_version": np.asarray("2.1"),
                "engine_modes": np.full(n, "heuristic", dtype=object)})
    with atomic_file(out, ".npz") as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **npz)
    return {"positions": n, "games": games, "bytes": os.path.getsize(out)}


# --- validation and description ---------------------------------------------------------------------

def _validate(path: str, fmt: Format) -> list[str]:
    try:
        ds = Dataset(path)
    except StorageError as e:
        return [str(e)]
    p = []
    with ds:
        if ds.fmt.name != fmt.name:
            return [f"{path}: a {ds.fmt.title}, not a {fmt.title}"]
        g = ds.games
        P = ds.players
        won = g["winner"] != 0
        if np.any(g["plies"] != np.where(won, g["length"], 0)):
            p.append(f"{path}: games/plies must equal games/length for games with a winner and 0 otherwise")
        if np.any(g["positions"] > g["plies"]):
            p.append(f"{path}: a game has more positions than plies")
        if len(np.unique(g["id"])) != len(g["id"]):
            p.append(f"{path}: a game id appears twice")
        if np.any((g["winner"] < 0) | (g["winner"] > P)):
            p.append(f"{path}: games/winner outside 0..{P}")
        policy_size = int(ds.attrs.get("policy_size", 0))
        for lo in range(0, ds.n_positions, 65536):
            hi = min(ds.n_positions, lo + 65536)
            idx, val = ds.read("policy_indices", lo, hi), ds.read("policy_values", lo, hi)
            mn, tot = ds.read("move_numbers", lo, hi), ds.read("total_game_moves", lo, hi)
            gr = ds.game_of(np.arange(lo, hi))
            if np.any((idx >= policy_size) | ((idx < 0) & (val != 0))) or np.any(np.all(idx < 0, axis=1)):
                p.append(f"{path}: policy_indices outside the {policy_size}-wide policy space (rows {lo}..{hi - 1})")
                break
            if np.any(np.abs(val.sum(axis=1) - 1.0) > 1e-4):
                p.append(f"{path}: a policy row does not sum to 1 (rows {lo}..{hi - 1})")
                break
            if np.any(mn >= tot) or np.any(tot != g["length"][gr]) or np.any(ds.read("num_players", lo, hi) != P):
                p.append(f"{path}: move_numbers / total_game_moves / num_players disagree with the games (rows "
                         f"{lo}..{hi - 1})")
                break
    return p


def validate_dataset(path: str) -> list[str]:
    return _validate(path, DATASET)


def validate_index(path: str) -> list[str]:
    return _validate(path, INDEX)


def describe(path: str) -> dict:
    with Dataset(path) as ds:
        a = ds.attrs
        g = ds.games
        won = int((g["winner"] != 0).sum())
        out = {"format": f"{ds.fmt.name} v{ds.fmt.version}", "board": a.get("board"), "players": a.get("players"),
               "games": ds.n_games, "games with a winner": won, "positions": ds.n_positions,
               "plies stored": ds.counts["plies"], "mean game length": float(g["length"].mean()) if ds.n_games else 0,
               "config hash": a.get("config_hash"), "seed": a.get("seed"), "state layout": a.get("state_layout"),
               "encoder": f"{a.get('encoder_type')} ({a.get('in_channels')} channels, policy {a.get('policy_size')})"}
        if ds.fmt.name == INDEX_FORMAT:
            with read_errors(ds.path, INDEX.title):
                out["shards"] = int(len(ds.f["shards/path"]))
        return out


def read(path: str) -> Dataset:
    return Dataset(path)


DATASET = register(Format(DATASET_FORMAT, DATASET_VERSION, "self-play dataset", "hdf5", __name__, read,
                          validate_dataset, describe, stores_states=True,
                          files="a self-play shard (`shards/*.h5`) or `merge`'s output (cell facts of kernel states)"))
INDEX = register(Format(INDEX_FORMAT, INDEX_VERSION, "self-play dataset index", "hdf5", __name__, read,
                        validate_index, describe, stores_states=True,
                        files="`dataset.h5`: virtual datasets over a self-play run's shards"))
