"""The CMA-ES run file (``run.h5``) and its checkpoint record (``checkpoint.json``).

``run.h5`` (HDF5, libver capped at v110) holds everything a run did; array names
carry their axis order in the ``axes`` attribute (docs/formats.md):

attributes
    format = "ringrift-mpi/cmaes-run", format_version, config (JSON), config_hash,
    seed, versions (JSON: ringrift-mpi, numba, cma, numpy, h5py, mpi4py, MPI library),
    weight_keys (JSON, the 59 HEURISTIC_WEIGHT_KEYS), tuned (JSON: indices tuned),
    sessions (JSON list: start time, rank count, generation resumed from)
/generations/<name>, first axis = generation (counted over the whole run)
    iteration, generation_in_iteration, ranks  int32 [generation]
    candidates  float64 [generation, candidate, weight]  (all 59 weights)
    fitness     float64 [generation, candidate]
    wins, draws, losses  int32 [generation, candidate]
    mean        float64 [generation, weight]  CMA-ES mean after the generation's tell
    sigma, wall_s  float64 [generation];  games  int64 [generation]
/iterations/<name>, first axis = iteration
    baseline, best  float64 [iteration, weight]
    best_fitness, eval_score  float64 [iteration]
    eval_wins, eval_draws, eval_losses  int32 [iteration];  promoted  int8 [iteration]

``checkpoint.json`` is written (atomically) after ``run.h5`` each generation; it says
how many generations and iterations are complete and carries a digest of their
records, so a resume can tell a consistent pair from a corrupt or foreign one.
Nothing in either file is pickled.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field

import numpy as np

from .atomic import H5_LIBVER, StorageError, atomic_file, open_h5, write_json_atomic

RUN_FORMAT = "ringrift-mpi/cmaes-run"
CHECKPOINT_FORMAT = "ringrift-mpi/cmaes-checkpoint"
FORMAT_VERSION = 1

GEN_FIELDS = {  # name: (dtype, axes after 'generation')
    "iteration": (np.int32, ()), "generation_in_iteration": (np.int32, ()), "ranks": (np.int32, ()),
    "candidates": (np.float64, ("candidate", "weight")), "fitness": (np.float64, ("candidate",)),
    "wins": (np.int32, ("candidate",)), "draws": (np.int32, ("candidate",)), "losses": (np.int32, ("candidate",)),
    "mean": (np.float64, ("weight",)), "sigma": (np.float64, ()), "wall_s": (np.float64, ()),
    "games": (np.int64, ()),
}
ITER_FIELDS = {
    "baseline": (np.float64, ("weight",)), "best": (np.float64, ("weight",)),
    "best_fitness": (np.float64, ()), "eval_score": (np.float64, ()), "eval_wins": (np.int32, ()),
    "eval_draws": (np.int32, ()), "eval_losses": (np.int32, ()), "promoted": (np.int8, ()),
}


@dataclass
class RunRecord:
    attrs: dict
    gens: dict[str, list] = field(default_factory=lambda: {k: [] for k in GEN_FIELDS})
    iters: dict[str, list] = field(default_factory=lambda: {k: [] for k in ITER_FIELDS})

    @property
    def n_generations(self) -> int:
        return len(self.gens["fitness"])

    @property
    def n_iterations(self) -> int:
        return len(self.iters["promoted"])

    def add_generation(self, **row) -> None:
        if set(row) != set(GEN_FIELDS):
            raise ValueError(f"generation row fields: {sorted(set(row) ^ set(GEN_FIELDS))}")
        for k, v in row.items():
            self.gens[k].append(np.asarray(v, GEN_FIELDS[k][0]))

    def add_iteration(self, **row) -> None:
        if set(row) != set(ITER_FIELDS):
            raise ValueError(f"iteration row fields: {sorted(set(row) ^ set(ITER_FIELDS))}")
        for k, v in row.items():
            self.iters[k].append(np.asarray(v, ITER_FIELDS[k][0]))

    def truncate(self, n_gen: int, n_iter: int) -> None:
        for k in self.gens:
            del self.gens[k][n_gen:]
        for k in self.iters:
            del self.iters[k][n_iter:]

    def digest(self) -> str:
        """sha256 over the records a resume replays (candidates, fitness, iteration outcomes)."""
        h = hashlib.sha256()
        for k in ("iteration", "candidates", "fitness"):
            for a in self.gens[k]:
                h.update(np.ascontiguousarray(a).tobytes())
        for k in ("baseline", "best", "promoted"):
            for a in self.iters[k]:
                h.update(np.ascontiguousarray(a).tobytes())
        return h.hexdigest()

    def gen_array(self, name: str) -> np.ndarray:
        return np.array(self.gens[name])


def write_run(path: str, rec: RunRecord) -> None:
    import h5py
    with atomic_file(path, ".h5") as tmp:
        with h5py.File(tmp, "w", libver=H5_LIBVER) as f:
            for k, v in rec.attrs.items():
                f.attrs[k] = v
            f.attrs["format"] = RUN_FORMAT
            f.attrs["format_version"] = FORMAT_VERSION
            for grp_name, fields, rows, lead in (("generations", GEN_FIELDS, rec.gens, "generation"),
                                                 ("iterations", ITER_FIELDS, rec.iters, "iteration")):
                g = f.create_group(grp_name)
                for k, (dt, axes) in fields.items():
                    data = np.array(rows[k], dt) if rows[k] else np.zeros((0,) + (0,) * len(axes), dt)
                    ds = g.create_dataset(k, data=data)
                    ds.attrs["axes"] = ",".join((lead,) + axes)


def read_run(path: str) -> RunRecord:
    with open_h5(path, RUN_FORMAT, FORMAT_VERSION, "CMA-ES run file") as f:
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()
                 if k not in ("format", "format_version")}
        rec = RunRecord(attrs)
        try:
            for grp_name, fields, rows in (("generations", GEN_FIELDS, rec.gens),
                                           ("iterations", ITER_FIELDS, rec.iters)):
                g = f[grp_name]
                n = None
                for k, (dt, axes) in fields.items():
                    a = np.asarray(g[k][()], dt)
                    if n is None:
                        n = a.shape[0]
                    if a.shape[0] != n or a.ndim != 1 + len(axes):
                        raise StorageError(f"{path}: {grp_name}/{k} has shape {a.shape}, inconsistent")
                    rows[k] = list(a)
        except KeyError as e:
            raise StorageError(f"{path}: run file lacks {e}") from None
    return rec


def write_checkpoint(path: str, rec: RunRecord, config_hash: str, extra: dict) -> None:
    write_json_atomic(path, {"format": CHECKPOINT_FORMAT, "format_version": FORMAT_VERSION,
                             "config_hash": config_hash, "generations_done": rec.n_generations,
                             "iterations_done": rec.n_iterations, "digest": rec.digest(), **extra})


def read_checkpoint(path: str) -> dict:
    try:
        with open(path) as f:
            d = json.load(f)
    except OSError as e:
        raise StorageError(f"{path}: cannot read checkpoint: {e.strerror}") from None
    except ValueError as e:
        raise StorageError(f"{path}: corrupt checkpoint (not JSON: {e})") from None
    if not isinstance(d, dict) or d.get("format") != CHECKPOINT_FORMAT:
        raise StorageError(f"{path}: not a ringrift-mpi CMA-ES checkpoint")
    if d.get("format_version") != FORMAT_VERSION:
        raise StorageError(f"{path}: checkpoint format_version {d.get('format_version')} "
                           f"(this version reads {FORMAT_VERSION})")
    for k in ("config_hash", "generations_done", "iterations_done", "digest"):
        if k not in d:
            raise StorageError(f"{path}: corrupt checkpoint (no {k!r})")
    return d


def load_for_resume(run_dir: str, config_hash: str) -> RunRecord | None:
    """The completed records of a run directory, or None when it holds no checkpoint yet."""
    cp_path = os.path.join(run_dir, "checkpoint.json")
    if not os.path.exists(cp_path):
        return None
    cp = read_checkpoint(cp_path)
    if cp["config_hash"] != config_hash:
        raise StorageError(f"{cp_path}: this run directory belongs to another configuration (hash "
                           f"{cp['config_hash']}, this job {config_hash}); use a new --run-dir")
    rec = read_run(os.path.join(run_dir, "run.h5"))
    if rec.n_generations < cp["generations_done"] or rec.n_iterations < cp["iterations_done"]:
        raise StorageError(f"{cp_path}: run.h5 has fewer records than the checkpoint says")
    rec.truncate(cp["generations_done"], cp["iterations_done"])
    if rec.digest() != cp["digest"]:
        raise StorageError(f"{cp_path}: run.h5 does not match the checkpoint (corrupt or foreign file)")
    return rec
