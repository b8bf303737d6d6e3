"""The CMA-ES run file (``run.h5``) and its checkpoint record (``checkpoint.json``).

``run.h5`` (HDF5, libver capped at v110) holds everything a run did; array names
carry their axis order in the ``axes`` attribute (docs/formats.md):

attributes
    format = "ringrift-mpi/cmaes-run", format_version, config (JSON), config_hash,
    seed, versions (JSON: ringrift-mpi, numba, cma, numpy, h5py, mpi4py, MPI library),
    weight_keys (JSON, the 59 HEURISTIC_WEIGHT_KEYS), tuned (JSON: indices tuned),
    sessions (JSON list: start time, rank count, generation resumed from), ranks,
    created, state_pool_sha256
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
    eval_wins, eval_draws, eval_losses  int32 [iteration];  eval_p  float64 [iteration]
    (the match's exact one-sided sign-test p-value, ringrift_mpi.evaluate.stats);
    anchor_p  float64 [iteration] (the same against the job's baseline; nan when not played);
    promoted  int8 [iteration]

Version 2 added ``iterations/eval_p`` and ``anchor_p`` (promotion became a test instead of a
score margin).

``checkpoint.json`` is written (atomically) after ``run.h5`` each generation; it says
how many generations and iterations are complete, the effective configuration,
and a sha256 of every record a resume reads back (each dataset, and the attributes
that do not change between sessions), so a resume refuses a corrupt or foreign
``run.h5`` and names the record that differs. Nothing in either file is pickled.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .atomic import StorageError, write_json_atomic
from .h5 import attr_str, h5_writer, open_h5, read_errors
from .registry import Format, checker, load_stamped_json, register

RUN_FORMAT = "ringrift-mpi/cmaes-run"
CHECKPOINT_FORMAT = "ringrift-mpi/cmaes-checkpoint"
FORMAT_VERSION = 2  # 2: iterations/eval_p
CHECKPOINT_VERSION = 2  # 2: per-record digests of every dataset and attribute, and the config

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
    "eval_draws": (np.int32, ()), "eval_losses": (np.int32, ()), "eval_p": (np.float64, ()),
    "anchor_p": (np.float64, ()),
    "promoted": (np.int8, ()),
}
# attributes a new session rewrites (and a crash between run.h5 and checkpoint.json may leave
# one session ahead): left out of the digest; the config's meaning is checked by config_hash
SESSION_ATTRS = ("sessions", "ranks", "config")


def _plain(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    return v


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

    def digests(self) -> dict[str, str]:
        """sha256 of each record a resume reads back: every dataset (row shapes, dtypes and values)
        and the attributes that stay fixed over the run's sessions."""
        out = {}
        for grp, fields, rows in (("generations", GEN_FIELDS, self.gens), ("iterations", ITER_FIELDS, self.iters)):
            for k, (dt, _) in fields.items():
                h = hashlib.sha256()
                for a in rows[k]:
                    a = np.ascontiguousarray(a, dt)
                    h.update(repr(a.shape).encode())
                    h.update(a.tobytes())
                out[f"{grp}/{k}"] = h.hexdigest()
        fixed = {k: _plain(v) for k, v in self.attrs.items() if k not in SESSION_ATTRS}
        out["attrs"] = hashlib.sha256(json.dumps(fixed, sort_keys=True).encode()).hexdigest()
        return out

    def gen_array(self, name: str) -> np.ndarray:
        return np.array(self.gens[name])


def write_run(path: str, rec: RunRecord) -> None:
    with h5_writer(path, RUN) as f:
        for k, v in rec.attrs.items():
            f.attrs[k] = v
        for grp_name, fields, rows, lead in (("generations", GEN_FIELDS, rec.gens, "generation"),
                                             ("iterations", ITER_FIELDS, rec.iters, "iteration")):
            g = f.create_group(grp_name)
            for k, (dt, axes) in fields.items():
                data = np.array(rows[k], dt) if rows[k] else np.zeros((0,) + (0,) * len(axes), dt)
                ds = g.create_dataset(k, data=data)
                ds.attrs["axes"] = ",".join((lead,) + axes)


def read_run(path: str) -> RunRecord:
    path = os.fspath(path)
    with open_h5(path, RUN) as f, read_errors(path, RUN.title):
        attrs = {k: attr_str(v) for k, v in f.attrs.items() if k not in ("format", "format_version")}
        rec = RunRecord(attrs)
        for grp_name, fields, rows in (("generations", GEN_FIELDS, rec.gens), ("iterations", ITER_FIELDS, rec.iters)):
            g = f[grp_name]
            n = None
            for k, (dt, axes) in fields.items():
                a = np.asarray(g[k][()], dt)
                if n is None:
                    n = a.shape[0] if a.ndim else -1
                if a.ndim != 1 + len(axes) or a.shape[0] != n:
                    raise StorageError(f"{path}: {grp_name}/{k} has shape {a.shape}, inconsistent with "
                                       f"the other {grp_name} records")
                rows[k] = list(a)
    return rec


def write_checkpoint(path: str, rec: RunRecord, config_hash: str, extra: dict) -> None:
    write_json_atomic(path, {"format": CHECKPOINT_FORMAT, "format_version": CHECKPOINT_VERSION,
                             "config_hash": config_hash, "generations_done": rec.n_generations,
                             "iterations_done": rec.n_iterations, "digests": rec.digests(), **extra})


def read_checkpoint(path: str) -> dict:
    return load_stamped_json(path, CHECKPOINT, (("config_hash", str), ("generations_done", int),
                                                ("iterations_done", int), ("digests", dict)))


def _mismatch(rec: RunRecord, cp: dict) -> list[str]:
    now = rec.digests()
    return sorted(k for k in set(now) | set(cp["digests"]) if now.get(k) != cp["digests"].get(k))


def load_for_resume(run_dir: str, config_hash: str,
                    diff: Callable[[dict | None], list[str]] | None = None) -> RunRecord | None:
    """The completed records of a run directory, or None when it holds no run yet.

    ``diff(recorded_config)`` lists the differing configuration keys for the error
    message when the configuration hash differs.
    """
    cp_path = os.path.join(run_dir, "checkpoint.json")
    run_path = os.path.join(run_dir, "run.h5")
    if not os.path.exists(cp_path):
        if os.path.exists(run_path):
            raise StorageError(f"{run_dir}: run.h5 is there but checkpoint.json is not, so the run cannot be "
                               "resumed safely (was checkpoint.json deleted?); to start over, delete run.h5 "
                               "or use a new --run-dir")
        return None
    cp = read_checkpoint(cp_path)
    if cp["config_hash"] != config_hash:
        keys = diff(cp.get("config")) if diff else []
        what = f"differs in {'; '.join(keys)}" if keys else f"hash {cp['config_hash']}, this job {config_hash}"
        raise StorageError(f"{cp_path}: this run directory belongs to another configuration ({what}); "
                           "use a new --run-dir, or the run's own settings to resume it")
    rec = read_run(run_path)
    if rec.n_generations < cp["generations_done"] or rec.n_iterations < cp["iterations_done"]:
        raise StorageError(f"{run_path}: {rec.n_generations} generation(s) and {rec.n_iterations} iteration(s), "
                           f"fewer than checkpoint.json records ({cp['generations_done']}, {cp['iterations_done']})")
    rec.truncate(cp["generations_done"], cp["iterations_done"])
    bad = _mismatch(rec, cp)
    if bad:
        raise StorageError(f"{run_path}: does not match the checkpoint: {', '.join(bad)} changed since "
                           "checkpoint.json was written (corrupt or foreign file); restore it, or start over "
                           "in a new --run-dir")
    return rec


# --- validation and description (ringrift-h5, the registry) ---------------------------------------

def validate_run(path: str) -> list[str]:
    """Schema and invariants of a run file; with a checkpoint.json beside it, that they agree."""
    try:
        rec = read_run(path)
    except StorageError as e:
        return [str(e)]
    p = []
    G, I = rec.n_generations, rec.n_iterations
    for k in ("config", "config_hash", "seed", "weight_keys", "tuned", "sessions", "versions"):
        if k not in rec.attrs:
            p.append(f"{path}: attribute {k!r} missing")
    try:
        nw = len(json.loads(rec.attrs.get("weight_keys", "[]")))
    except ValueError:
        nw = 0
        p.append(f"{path}: attribute 'weight_keys' is not JSON")
    if G:
        cand, fit = rec.gen_array("candidates"), rec.gen_array("fitness")
        wins, draws, losses = (rec.gen_array(k).astype(np.int64) for k in ("wins", "draws", "losses"))
        if cand.shape[2] != nw or rec.gen_array("mean").shape[1] != nw:
            p.append(f"{path}: candidates/mean have {cand.shape[2]} weights, weight_keys names {nw}")
        if fit.shape != cand.shape[:2] or wins.shape != fit.shape:
            p.append(f"{path}: generations/fitness {fit.shape} does not match candidates {cand.shape}")
        else:
            n = wins + draws + losses
            if not (n == n[:, :1]).all() or (n <= 0).any():
                p.append(f"{path}: generations: wins + draws + losses differ between candidates")
            elif not np.allclose(fit, (wins + draws / 2) / n, rtol=0, atol=1e-12):
                p.append(f"{path}: generations/fitness is not (wins + draws/2) / games")
        for k in ("candidates", "fitness", "mean", "sigma"):
            if not np.isfinite(rec.gen_array(k)).all():
                p.append(f"{path}: generations/{k} holds non-finite values")
        if (rec.gen_array("sigma") <= 0).any():
            p.append(f"{path}: generations/sigma <= 0")
        it = rec.gen_array("iteration")
        if (np.diff(it) < 0).any() or (it < 0).any():
            p.append(f"{path}: generations/iteration decreases")
        gi = rec.gen_array("generation_in_iteration")
        for i in np.unique(it):
            if not np.array_equal(gi[it == i], np.arange((it == i).sum())):
                p.append(f"{path}: generations/generation_in_iteration of iteration {int(i)} is not 0, 1, 2, ...")
    if I and not set(np.unique(rec.iters["promoted"]).tolist()) <= {0, 1}:
        p.append(f"{path}: iterations/promoted holds values other than 0 and 1")
    cp_path = os.path.join(os.path.dirname(os.path.abspath(path)), "checkpoint.json")
    if os.path.exists(cp_path):
        try:
            cp = read_checkpoint(cp_path)
        except StorageError as e:
            return p + [str(e)]
        if G < cp["generations_done"] or I < cp["iterations_done"]:
            p.append(f"{path}: fewer records than {cp_path} says")
        else:
            rec.truncate(cp["generations_done"], cp["iterations_done"])
            bad = _mismatch(rec, cp)
            if bad:
                p.append(f"{path}: differs from {cp_path} in {', '.join(bad)}")
    return p


def planned(rec: RunRecord) -> tuple[int | None, int | None]:
    """(generations, iterations) the run's configuration asks for; None where the config does not say."""
    try:
        cfg = json.loads(rec.attrs.get("config", "{}") or "{}")
        g, i = cfg.get("cmaes", {}).get("generations"), cfg.get("iterate", {}).get("iterations")
    except (ValueError, AttributeError):
        return None, None
    ok = isinstance(g, int) and isinstance(i, int)
    return (g * i if ok else None), (i if isinstance(i, int) else None)


def describe_run(path: str) -> dict:
    rec = read_run(path)
    cfg = json.loads(rec.attrs.get("config", "{}") or "{}")
    g = cfg.get("game", {})
    want_g, want_i = planned(rec)
    out = {"format": f"{RUN_FORMAT} v{FORMAT_VERSION}", "board": g.get("board"), "players": g.get("players"),
           "opponent": cfg.get("cmaes", {}).get("opponent"),
           "seed": _plain(rec.attrs.get("seed")), "config hash": rec.attrs.get("config_hash"),
           "generations": rec.n_generations, "generations planned": want_g,
           "iterations": rec.n_iterations, "iterations planned": want_i,
           "state": ("finished" if want_i is not None and rec.n_iterations >= want_i else "not finished (running, "
                     "stopped or failed: see cmaes.log; the same command resumes it)"),
           "promoted": int(np.sum(rec.iters["promoted"])) if rec.n_iterations else 0}
    if rec.n_generations:
        fit = rec.gen_array("fitness")
        out["best fitness"] = f"{fit.max():.4f} (generation {int(fit.max(axis=1).argmax()) + 1})"
        out["mean fitness"] = f"{fit[0].mean():.4f} in generation 1, {fit[-1].mean():.4f} in the last"
        out["sigma"] = f"{float(rec.gens['sigma'][0]):.4g} after generation 1, {float(rec.gens['sigma'][-1]):.4g} now"
        out["games"] = int(np.sum(rec.gens["games"]))
        out["wall time"] = f"{float(np.sum(rec.gens['wall_s'])):.1f} s in generations"
    out["evaluation"] = [
        f"iteration {i + 1}: score {float(rec.iters['eval_score'][i]):.4f} ({int(rec.iters['eval_wins'][i])} won, "
        f"{int(rec.iters['eval_draws'][i])} drawn, {int(rec.iters['eval_losses'][i])} lost)"
        f"{', promoted' if rec.iters['promoted'][i] else ''}" for i in range(rec.n_iterations)]
    out["created"] = rec.attrs.get("created")
    out["versions"] = json.loads(rec.attrs.get("versions", "{}") or "{}")
    out["sessions"] = json.loads(rec.attrs.get("sessions", "[]") or "[]")
    return out


def _describe_checkpoint(path: str) -> dict:
    cp = read_checkpoint(path)
    return {"format": f"{CHECKPOINT_FORMAT} v{CHECKPOINT_VERSION}", "config hash": cp["config_hash"],
            "generations": cp["generations_done"], "iterations": cp["iterations_done"], "ranks": cp.get("ranks")}


RUN = register(Format(RUN_FORMAT, FORMAT_VERSION, "CMA-ES run file", "hdf5", __name__,
                      read_run, validate_run, describe_run, files="`run.h5`"))
CHECKPOINT = register(Format(CHECKPOINT_FORMAT, CHECKPOINT_VERSION, "CMA-ES checkpoint", "json", __name__,
                             read_checkpoint, checker(read_checkpoint), _describe_checkpoint,
                             files="`checkpoint.json`"))
