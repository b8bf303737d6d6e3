"""Streaming the dataset into training: split by game, chunks in shuffled order, each rank its rows.

The plan of an epoch is a pure function of (seed, epoch) and the dataset, never of
the rank count or the number of loader workers:

1. ``split``: every game goes to validation with probability ``val_fraction`` (a
   hash of its id and the seed), with all its positions: never a split by position.
2. The training rows (file order) are cut into blocks of ``block_rows`` consecutive
   rows (a block is a contiguous read, aligned with the files' chunking); each
   epoch shuffles the block order and groups ``window_blocks`` blocks into a
   window, whose rows are shuffled together and cut into global batches of
   ``batch_size`` rows (a window's remainder, under one batch, is left out of
   this epoch; the next epoch's shuffle puts those rows elsewhere).
3. Rank r of W takes rows [r * b, (r + 1) * b) of every global batch (b = batch /
   W), so the ranks of a DDP step see exactly the global batch a single process
   would, and DDP's gradient mean is the single process's gradient.

``WindowStream`` yields windows; through ``TorchStream`` (a torch
IterableDataset) DataLoader worker w opens the files itself (lazily, after the
fork) and reads windows w, w + nworkers, ...; the DataLoader hands items back
in round-robin worker order, which is window order, so the batch order is the
same for any worker count. A window is read in contiguous ranges and only the
rank's rows are kept. Augmentation draws one symmetry per row of the window
from a generator seeded by (seed, epoch, window).

A data position is (epoch, global batch index in the epoch): a resumed run
starts mid-epoch at exactly the next batch.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import torch

from .source import DatasetSource


def split(game_ids: np.ndarray, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train rows, validation rows): whole games to validation, chosen by a hash of (seed, game id)."""
    games = np.unique(game_ids)
    key = hashlib.sha256(f"ringrift-mpi split {seed}".encode()).digest()[:16]
    h = np.array([int.from_bytes(hashlib.blake2b(int(g).to_bytes(8, "little", signed=True), key=key,
                                                  digest_size=8).digest(), "little") for g in games], np.uint64)
    val_games = games[(h >> np.uint64(11)).astype(np.float64) / float(1 << 53) < val_fraction]
    is_val = np.isin(game_ids, val_games)
    return np.flatnonzero(~is_val), np.flatnonzero(is_val)


@dataclass
class Plan:
    """An epoch's windows: rows (global numbering) in training order, whole batches only."""
    windows: list
    batch_size: int

    @property
    def batches(self) -> int:
        return sum(len(w) for w in self.windows) // self.batch_size

    def window_of_batch(self, k: int) -> tuple[int, int]:
        """(window, batch index inside it) of the epoch's global batch k."""
        for i, w in enumerate(self.windows):
            nb = len(w) // self.batch_size
            if k < nb:
                return i, k
            k -= nb
        return len(self.windows), 0


def epoch_plan(train_rows: np.ndarray, seed: int, epoch: int, batch_size: int, block_rows: int,
               window_blocks: int) -> Plan:
    rng = np.random.default_rng([seed, epoch, 0xB10C])
    blocks = [train_rows[i:i + block_rows] for i in range(0, len(train_rows), block_rows)]
    order = rng.permutation(len(blocks))
    windows = []
    for w0 in range(0, len(order), window_blocks):
        rows = np.concatenate([blocks[i] for i in order[w0:w0 + window_blocks]])
        rows = rows[rng.permutation(len(rows))]
        windows.append(rows[:len(rows) // batch_size * batch_size])
    return Plan(windows, batch_size)


def read_rows(source: DatasetSource, rows: np.ndarray, block_rows: int) -> dict:
    """The given rows (any order) as arrays in that order; one contiguous read per run of nearby rows."""
    order = np.argsort(rows, kind="stable")
    srt = rows[order]
    parts = {k: [] for k in ("features", "globals", "values", "policy_indices", "policy_values")}
    i = 0
    while i < len(srt):
        # one contiguous read covers rows up to 2 blocks apart (validation rows inside are dropped)
        j = int(np.searchsorted(srt, srt[i] + 2 * block_rows, side="left"))
        lo, hi = int(srt[i]), int(srt[j - 1]) + 1
        got = source.read_range(lo, hi)
        sel = srt[i:j] - lo
        for k in ("features", "globals", "values"):
            parts[k].append(got[k][sel])
        for k in ("policy_indices", "policy_values"):
            parts[k].extend(got[k][s] for s in sel)
        i = j
    inv = np.empty_like(order)
    inv[order] = np.arange(len(order))
    out = {k: np.concatenate(parts[k])[inv] for k in ("features", "globals", "values")}
    for k in ("policy_indices", "policy_values"):
        out[k] = [parts[k][t] for t in inv]
    return out


def pad_policies(idx, val) -> tuple[np.ndarray, np.ndarray]:
    """(B, L) indices and weights, padded with index 0 and weight 0."""
    L = max(1, max((len(a) for a in idx), default=1))
    pi = np.zeros((len(idx), L), np.int64)
    pv = np.zeros((len(idx), L), np.float32)
    for i, (a, v) in enumerate(zip(idx, val)):
        pi[i, :len(a)] = a
        pv[i, :len(v)] = v
    return pi, pv


def rank_slice(rows: np.ndarray, batch_size: int, rank: int, world: int) -> np.ndarray:
    """This rank's rows of every global batch in ``rows`` (whole batches)."""
    b = batch_size // world
    return rows.reshape(-1, batch_size)[:, rank * b:(rank + 1) * b].reshape(-1)


class WindowStream:
    """The windows of one epoch from global batch ``start`` on: each item holds this rank's part of
    the window's batches as arrays with a leading batch axis."""

    def __init__(self, source: DatasetSource, plan: Plan, rank: int, world: int, start: int, block_rows: int,
                 augment: bool, seed: int, epoch: int):
        self.source, self.plan, self.rank, self.world = source, plan, rank, world
        self.block_rows, self.augment, self.seed, self.epoch = block_rows, augment, seed, epoch
        self.first_window, self.skip = plan.window_of_batch(start)

    def windows(self, worker: int = 0, nworkers: int = 1):
        from kernels.geometry import board_id
        from .symmetry import Augmenter
        aug = Augmenter(board_id(self.source.board)) if self.augment else None
        B = self.plan.batch_size
        b = B // self.world
        for wi in range(self.first_window + worker, len(self.plan.windows), nworkers):
            rows = self.plan.windows[wi]
            skip = self.skip * b if wi == self.first_window else 0
            choice = None
            if aug is not None:
                choice = aug.draw(len(rows), np.random.default_rng([self.seed, self.epoch, wi, 0xA06]))
                choice = rank_slice(choice, B, self.rank, self.world)[skip:]
            yield self._pack(rank_slice(rows, B, self.rank, self.world)[skip:], choice, aug)

    def _pack(self, rows, choice, aug) -> dict:
        b = self.plan.batch_size // self.world
        nb = len(rows) // b
        if nb == 0:
            C, H, W = self.source.feature_shape
            return {"features": np.zeros((0, b, C, H, W), np.float32), "globals": np.zeros((0, b, 20), np.float32),
                    "values": np.zeros((0, b), np.float32), "pidx": np.zeros((0, b, 1), np.int64),
                    "pval": np.zeros((0, b, 1), np.float32)}
        d = read_rows(self.source, rows, self.block_rows)
        idx = d["policy_indices"]
        if aug is not None:
            idx, _ = aug.apply(d["features"], idx, choice=choice)
        pi, pv = pad_policies(idx, d["policy_values"])
        return {"features": np.ascontiguousarray(d["features"], np.float32).reshape((nb, b) + d["features"].shape[1:]),
                "globals": d["globals"].reshape(nb, b, -1).astype(np.float32),
                "values": d["values"].reshape(nb, b).astype(np.float32),
                "pidx": pi.reshape(nb, b, -1), "pval": pv.reshape(nb, b, -1)}


class TorchStream(torch.utils.data.IterableDataset):
    """A WindowStream as a torch IterableDataset; the worker split comes from torch's worker info.
    Module level, so workers started by spawn (macOS) can unpickle it."""

    def __init__(self, stream: WindowStream):
        self.s = stream

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        if info is None:
            return self.s.windows()
        return self.s.windows(info.id, info.num_workers)


def quiet_worker(_worker_id: int) -> None:
    """Stop signals are the training process's to handle: ``scancel`` and ``kill`` of a process
    group reach the workers too, and a worker that dies of them takes the step (and the final
    checkpoint) with it. The training process shuts its workers down itself."""
    import signal
    for s in (signal.SIGTERM, signal.SIGINT, getattr(signal, "SIGUSR1", None)):
        if s is not None:
            signal.signal(s, signal.SIG_IGN)


def batches(stream: WindowStream, workers: int):
    """This rank's batches (dicts of CPU tensors) in order, read by ``workers`` DataLoader workers."""
    kw = {"num_workers": workers, "batch_size": None}
    if workers > 0:
        kw.update(prefetch_factor=2, worker_init_fn=quiet_worker)
    for pack in torch.utils.data.DataLoader(TorchStream(stream), **kw):
        for i in range(pack["features"].shape[0]):
            yield {k: v[i] for k, v in pack.items()}
