"""RingRift heuristic weight profiles: load and save RingRift's JSON formats.

Two formats are understood (both written by RingRift's CMA-ES tooling):

* single: ``{"weights": {WEIGHT_*: float}, "fitness": ..., "generation": ..., "timestamp": ...}``
  (heuristic_weights_optimized.json, ``save_weights_to_file``). As in RingRift's
  ``load_weights_from_file``, a bare ``{WEIGHT_*: float}`` dict is also accepted.
* multi: ``{"profiles": {id: {WEIGHT_*: float}}, "training_metadata": {id: {...}}, ...}``
  (data/trained_heuristic_profiles.json).

Loaded weights are always complete (59 keys, RingRift's order): keys a file
lacks are filled from ``BASE_V1_BALANCED_WEIGHTS`` and listed in ``Profile.filled``
(RingRift's HeuristicAI fills missing keys the same way: from its class
defaults, which are the balanced values). Unknown keys, weights that are not finite
numbers within +-MAX_ABS_WEIGHT, and a ``fitness`` or ``generation`` that is not a
number raise ``ProfileError``, one line naming the file and the key. Writes go
through the storage layer's atomic writer.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kernels.heuristic_weights import BASE_V1_BALANCED_WEIGHTS, HEURISTIC_WEIGHT_KEYS

from .storage import StorageError, write_json_atomic
from .storage.registry import load_json

__all__ = ["ProfileError", "Profile", "ProfileSet", "load_profile", "load_profiles", "load",
           "save_profile", "save_profiles", "complete_weights", "MAX_ABS_WEIGHT"]

# RingRift's weights span 0 to 1000; a million times more is no useful weight, and below this
# bound every evaluation (59 weighted features of a few thousand at most) stays a finite float
MAX_ABS_WEIGHT = 1e9


class ProfileError(StorageError):
    """A profile file is malformed (message names the file)."""


@dataclass
class Profile:
    """One weight profile: 59 weights plus whatever metadata the file carried."""
    weights: dict[str, float]
    filled: list[str] = field(default_factory=list)   # keys taken from BASE_V1_BALANCED_WEIGHTS
    fitness: float | None = None
    generation: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)  # other top-level / training_metadata fields

    def array(self) -> np.ndarray:
        """float64[59] in HEURISTIC_WEIGHT_KEYS order (the kernel evaluator's input)."""
        return np.array([self.weights[k] for k in HEURISTIC_WEIGHT_KEYS], np.float64)

    @classmethod
    def from_array(cls, arr, **kw) -> "Profile":
        arr = np.asarray(arr, np.float64)
        if arr.shape != (len(HEURISTIC_WEIGHT_KEYS),):
            raise ProfileError(f"expected {len(HEURISTIC_WEIGHT_KEYS)} weights, got shape {arr.shape}")
        return cls({k: float(v) for k, v in zip(HEURISTIC_WEIGHT_KEYS, arr)}, **kw)


@dataclass
class ProfileSet:
    """A multi-profile file: id -> Profile, plus the file's other top-level keys."""
    profiles: dict[str, Profile]
    extra: dict[str, Any] = field(default_factory=dict)  # version, created, description, updated, ...


def complete_weights(weights: dict, where: str = "weights") -> tuple[dict[str, float], list[str]]:
    """Fill missing keys from the balanced defaults; reject unknown keys and non-numbers.

    Returns (59 weights in key order, sorted list of filled keys).
    """
    if not isinstance(weights, dict):
        raise ProfileError(f"{where}: weights must be a JSON object, got {type(weights).__name__}")
    unknown = sorted(k for k in weights if k not in BASE_V1_BALANCED_WEIGHTS)
    if unknown:
        raise ProfileError(f"{where}: unknown weight key(s) {', '.join(unknown)}")
    out, filled = {}, []
    for k in HEURISTIC_WEIGHT_KEYS:
        if k in weights:
            v = weights[k]
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ProfileError(f"{where}: {k} must be a number, got {v!r}")
            if not math.isfinite(v) or abs(v) > MAX_ABS_WEIGHT:
                raise ProfileError(f"{where}: {k} = {v!r} is out of range (a finite number within "
                                   f"+-{MAX_ABS_WEIGHT:g})")
            out[k] = float(v)
        else:
            out[k] = float(BASE_V1_BALANCED_WEIGHTS[k])
            filled.append(k)
    return out, sorted(filled)


def _read(path) -> Any:
    try:
        return load_json(str(path), "RingRift weight profile")
    except StorageError as e:
        raise ProfileError(str(e)) from None


def _fitness(v, where: str) -> float | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ProfileError(f"{where}: fitness must be a finite number or null, got {v!r}")
    return float(v)


def _generation(v, where: str) -> int | None:
    if v is None:
        return None
    whole = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v == int(v)
    if not whole:
        raise ProfileError(f"{where}: generation must be a whole number or null, got {v!r}")
    return int(v)


def _single(data: dict, where: str) -> Profile:
    if not isinstance(data, dict):
        raise ProfileError(f"{where}: expected a JSON object")
    if "weights" in data:
        w, rest = data["weights"], {k: v for k, v in data.items() if k != "weights"}
    else:  # RingRift's load_weights_from_file: the whole dict is the weights
        w, rest = data, {}
    weights, filled = complete_weights(w, where)
    fitness = _fitness(rest.pop("fitness", None), where)
    generation = _generation(rest.pop("generation", None), where)
    return Profile(weights, filled, fitness, generation, rest)


def load_profile(path) -> Profile:
    """Load a single-profile file ({"weights": {...}, "fitness", "generation", ...})."""
    data = _read(path)
    if isinstance(data, dict) and "profiles" in data:
        raise ProfileError(f"{path}: a multi-profile file ({{\"profiles\": ...}}); a single profile "
                           "({\"weights\": ...}) is needed here")
    return _single(data, str(path))


def load_profiles(path) -> ProfileSet:
    """Load a multi-profile file ({"profiles": {id: {...}}, "training_metadata": {...}, ...})."""
    data = _read(path)
    if not isinstance(data, dict) or not isinstance(data.get("profiles"), dict):
        raise ProfileError(f"{path}: expected a JSON object with a \"profiles\" object")
    meta = data.get("training_metadata") or {}
    if not isinstance(meta, dict):
        raise ProfileError(f"{path}: \"training_metadata\" must be an object")
    profiles = {}
    for pid, w in data["profiles"].items():
        where = f"{path}: profile {pid!r}"
        weights, filled = complete_weights(w, where)
        m = meta.get(pid) or {}
        if not isinstance(m, dict):
            raise ProfileError(f"{where}: training_metadata entry must be an object")
        m = dict(m)
        profiles[pid] = Profile(weights, filled, _fitness(m.pop("fitness", None), where),
                                _generation(m.pop("generation", None), where), m)
    extra = {k: v for k, v in data.items() if k not in ("profiles", "training_metadata")}
    return ProfileSet(profiles, extra)


def load(path) -> Profile | ProfileSet:
    """Load either format, deciding by the presence of a top-level "profiles" object."""
    data = _read(path)
    if isinstance(data, dict) and "profiles" in data:
        return load_profiles(path)
    return _single(data, str(path))


def _atomic_write_json(path, data: dict) -> None:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ProfileError(f"{path}: cannot create its folder: {e.strerror or e}") from None
    write_json_atomic(path, data, indent=2)


def _weights_out(p: Profile | dict, where: str) -> dict[str, float]:
    w = p.weights if isinstance(p, Profile) else p
    return complete_weights(w, where)[0]


def save_profile(path, profile: Profile | dict, *, fitness: float | None = None,
                 generation: int | None = None, timestamp: str | None = None) -> None:
    """Write RingRift's single format (all 59 keys, sort_keys like RingRift's save_weights_to_file)."""
    data: dict[str, Any] = {}
    if isinstance(profile, Profile):
        data.update(profile.meta)
        fitness = profile.fitness if fitness is None else fitness
        generation = profile.generation if generation is None else generation
    data["weights"] = _weights_out(profile, str(path))
    if fitness is not None:
        data["fitness"] = float(fitness)
    if generation is not None:
        data["generation"] = int(generation)
    if timestamp is not None:
        data["timestamp"] = timestamp
    _atomic_write_json(path, data)


def save_profiles(path, profiles: ProfileSet | dict[str, Profile | dict]) -> None:
    """Write RingRift's multi format; metadata (fitness, generation, ...) goes to training_metadata."""
    if isinstance(profiles, ProfileSet):
        extra, items = dict(profiles.extra), profiles.profiles
    else:
        extra, items = {}, profiles
    data: dict[str, Any] = dict(extra)
    data["profiles"] = {}
    meta: dict[str, Any] = {}
    for pid, p in items.items():
        data["profiles"][pid] = _weights_out(p, f"{path}: profile {pid!r}")
        if isinstance(p, Profile):
            m = dict(p.meta)
            if p.fitness is not None:
                m["fitness"] = p.fitness
            if p.generation is not None:
                m["generation"] = p.generation
            if m:
                meta[pid] = m
    if meta:
        data["training_metadata"] = meta
    _atomic_write_json(path, data)
