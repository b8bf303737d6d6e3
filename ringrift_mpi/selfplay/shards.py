"""Rank-local shards: each rank buffers its games and writes them as a shard file of its own.

A shard is written in one go through the storage layer's atomic writer (temp file,
rename), so it is either complete or absent: ``kill -9`` leaves at most a
temporary file that no reader lists (``storage.dataset.list_shards``) and the next
session deletes. Names say who wrote them: ``shards/s<session>-r<rank>-<n>.h5``;
a session number is never reused, so no rank of any session overwrites another's.
"""
from __future__ import annotations

import json
import os
import re
import socket
import time

import numpy as np

from ..storage import StorageError
from ..storage.dataset import SHARD_DIR, concat, list_shards, shard_info, write_dataset

SHARD_RE = re.compile(r"^s(\d+)-r(\d+)-(\d+)\.h5$")


class ShardWriter:
    def __init__(self, run_dir: str, rank: int, session: int, attrs: dict, cells: int, compression: str,
                 shard_bytes: int, flush_seconds: float):
        self.dir = os.path.join(run_dir, SHARD_DIR)
        self.rank, self.session, self.attrs, self.cells = rank, session, attrs, cells
        self.compression, self.shard_bytes, self.flush_seconds = compression, shard_bytes, flush_seconds
        self.blocks = []
        self.buffered = 0
        self.seq = 0
        self.last = time.monotonic()
        self.written: list[str] = []

    def add(self, block) -> float:
        """Buffer a block of games; write a shard when due. Returns the seconds spent writing."""
        self.blocks.append(block)
        self.buffered += block.nbytes()
        if self.buffered >= self.shard_bytes or time.monotonic() - self.last >= self.flush_seconds:
            return self.flush()
        return 0.0

    def flush(self) -> float:
        if not self.blocks:
            return 0.0
        t = time.perf_counter()
        path = os.path.join(self.dir, f"s{self.session:03d}-r{self.rank:04d}-{self.seq:05d}.h5")
        games = int(sum(len(b.arrays["games/id"]) for b in self.blocks))
        origin = {"rank": self.rank, "session": self.session, "host": socket.gethostname(),
                  "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "games": games}
        write_dataset(path, {**self.attrs, "origin": json.dumps(origin)}, [concat(self.blocks)], self.cells,
                      self.compression)
        self.written.append(path)
        self.seq += 1
        self.blocks, self.buffered, self.last = [], 0, time.monotonic()
        return time.perf_counter() - t


def next_session(run_dir: str, recorded: list) -> int:
    """1 + the highest session number in the run record or in any shard name."""
    seen = [int(s.get("session", 0)) for s in recorded if isinstance(s, dict)]
    for p in list_shards(run_dir):
        m = SHARD_RE.match(os.path.basename(p))
        if m:
            seen.append(int(m.group(1)))
    return max(seen, default=0) + 1


def scan(run_dir: str, config_hash: str) -> tuple[np.ndarray, list[str]]:
    """(ids of the games the shards hold, shard paths); a shard of another run, or a game in two
    shards, is one line naming the files."""
    ids, paths, where = [], sorted(list_shards(run_dir)), {}
    for p in paths:
        info = shard_info(p)
        if info["attrs"].get("config_hash") != config_hash:
            raise StorageError(f"{p}: a shard of another configuration (config_hash "
                               f"{info['attrs'].get('config_hash')}, this run {config_hash}); move it out of "
                               "the run directory")
        for gid in info["ids"].tolist():
            if gid in where:
                raise StorageError(f"{p}: game {gid} is also in {where[gid]}; remove one of the two shards")
            where[gid] = p
        ids.append(info["ids"])
    return (np.sort(np.concatenate(ids)) if ids else np.zeros(0, np.int64)), paths
