"""Job configuration: typed sections loaded from a TOML file, then overridden.

Precedence, lowest first: the dataclass defaults, the TOML file (``jobs/*.toml``),
environment variables ``RINGRIFT_<SECTION>_<KEY>`` (e.g. ``RINGRIFT_CMAES_SIGMA=0.3``),
and command-line flags. A variable that names one of the sections but no key of
it (``RINGRIFT_CMAES_SIGMAA``) is reported in ``Config.warnings`` with the closest
valid name; other ``RINGRIFT_*`` variables belong to RingRift and are left alone.
The effective configuration is recorded in every run (``Config.to_dict``) with a
canonical hash (``config_hash``) that ignores the *budget* keys (how long to run)
and the *execution* keys (how the work is spread over ranks), so a run can be
extended and resumed with another farm layout. ``diff`` names the keys in which a
recorded configuration differs.

Errors name the file and the key: ``ConfigError("jobs/x.toml: cmaes.sigma: expected a
number, got 'big'")``.
"""
from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import math
import os
import tomllib
from typing import Any


class ConfigError(ValueError):
    """A bad configuration value; the message names the file and the key."""


# The launchers' own knobs (slurm/*.sh, slurm/*.sbatch, tests/run.sh): exported to every job they
# start, never configuration keys, so never a "did you mean" warning
LAUNCHER_VARIABLES = frozenset(
    "RINGRIFT_" + v for v in (
        "HOME RUNS LOGS VENV LAUNCH SRUN_ARGS NUMBA_CACHE MATRIX ROW NTASKS ARRAY_LIMIT WORLD_SIZE "
        "JOB_CONFIG JOB_RUNDIR JOB_ARGS POOL_OUT POOL_ARGS EVAL_A EVAL_VS EVAL_GAMES BOARD PLAYERS TRAIN "
        "TRAIN_LAUNCH SELFPLAY_CONFIG CMAES_CONFIG TRAIN_CONFIG SELFPLAY_SBATCH CMAES_SBATCH TRAIN_SBATCH "
        "EVAL_SBATCH TEST_SLURM TEST_PCLUSTER TEST_RANKS MPI_STAGE_TIMEOUT REQUIRE_FIXTURES ROOT MPI_PREFIX").split())


def _coerce(value: Any, typ: type, where: str) -> Any:
    if typ is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return value.lower() in ("1", "true", "yes", "on")
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    if typ is int:
        if isinstance(value, bool):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        if isinstance(value, int):
            return value
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                pass
        raise ConfigError(f"{where}: expected an integer, got {value!r}")
    if typ is float:
        out = None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out = float(value)
        elif isinstance(value, str):
            try:
                out = float(value)
            except ValueError:
                pass
        if out is None:
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        if not math.isfinite(out):  # TOML and float() both accept nan and inf
            raise ConfigError(f"{where}: expected a finite number, got {value!r}")
        return out
    if typ is str:
        if isinstance(value, str):
            return value
        raise ConfigError(f"{where}: expected a string, got {value!r}")
    raise TypeError(typ)


def _field_types(section) -> dict[str, type]:
    hints = {"int": int, "float": float, "str": str, "bool": bool}
    return {f.name: hints[f.type] if isinstance(f.type, str) else f.type for f in dataclasses.fields(section)}


class Config:
    """A job's sections (dataclass instances, attribute per section) plus where they came from."""

    BUDGET_KEYS: tuple[str, ...] = ()     # "section.key": how long to run; left out of the hash
    EXECUTION_KEYS: tuple[str, ...] = ()  # how the work is spread; results never depend on them

    def __init__(self, sections: dict[str, Any], source: str = "<defaults>"):
        self._sections = sections
        self.source = source
        self.warnings: list[str] = []
        for name, sec in sections.items():
            setattr(self, name, sec)

    # --- loading -----------------------------------------------------------------------
    @classmethod
    def defaults(cls) -> "Config":
        raise NotImplementedError

    @classmethod
    def load(cls, path: str | None, env: dict[str, str] | None = None,
             overrides: dict[str, Any] | None = None) -> "Config":
        cfg = cls.defaults()
        if path is not None:
            data = read_toml(path)
            cfg.source = path
            cfg._apply(data, path)
        cfg._apply_env(os.environ if env is None else env)
        for dotted, value in (overrides or {}).items():
            sec, key = dotted.split(".", 1)
            cfg._set(sec, key, value, f"command line: {dotted}")
        cfg.validate()
        return cfg

    def _apply(self, data: dict, where: str) -> None:
        for sec, table in data.items():
            if sec not in self._sections:
                raise ConfigError(f"{where}: unknown section [{sec}] (known: {', '.join(self._sections)})")
            if not isinstance(table, dict):
                raise ConfigError(f"{where}: {sec} must be a table")
            for key, value in table.items():
                self._set(sec, key, value, f"{where}: {sec}.{key}")

    def _apply_env(self, env) -> None:
        """``RINGRIFT_<SECTION>_<KEY>`` overrides; a near miss of one is a warning."""
        valid = {}
        for sec, obj in self._sections.items():
            for key in _field_types(obj):
                name = f"RINGRIFT_{sec.upper()}_{key.upper()}"
                valid[name] = key.upper()
                if name in env:
                    self._set(sec, key, env[name], f"environment {name}")
        sections = [s.upper() for s in self._sections]
        for name in sorted(env):
            if not name.startswith("RINGRIFT_") or name in valid or name in LAUNCHER_VARIABLES:
                continue
            sec, _, key = name[len("RINGRIFT_"):].partition("_")
            if sec not in sections and not difflib.get_close_matches(sec, sections, 1, 0.75):
                continue  # not ours: RingRift reads many RINGRIFT_* variables
            same_key = [v for v, k in valid.items() if k == key]
            near = same_key or difflib.get_close_matches(name, list(valid), 1, 0.6)
            if near:
                hint = f"did you mean {near[0]}?"
            else:
                hint = "valid: " + ", ".join(v for v in valid if v.startswith(f"RINGRIFT_{sec}_")) or "no such section"
            self.warnings.append(f"warning: environment variable {name} is not a configuration key "
                                 f"and is ignored; {hint}")

    def _set(self, sec: str, key: str, value: Any, where: str) -> None:
        obj = self._sections.get(sec)
        if obj is None:
            raise ConfigError(f"{where}: unknown section {sec!r}")
        types = _field_types(obj)
        if key not in types:
            raise ConfigError(f"{where}: unknown key (known in [{sec}]: {', '.join(types)})")
        setattr(obj, key, _coerce(value, types[key], where))

    def validate(self) -> None:
        """Range checks; subclasses raise ConfigError naming source and key."""

    def fail(self, key: str, msg: str) -> None:
        raise ConfigError(f"{self.source}: {key}: {msg}")

    # --- recording -----------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {name: dataclasses.asdict(sec) for name, sec in self._sections.items()}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    def hashed_dict(self, d: dict | None = None) -> dict:
        """The configuration as the hash sees it: without budget and execution keys."""
        d = json.loads(json.dumps(self.to_dict() if d is None else d))
        for dotted in self.BUDGET_KEYS + self.EXECUTION_KEYS:
            sec, key = dotted.split(".", 1)
            if isinstance(d.get(sec), dict):
                d[sec].pop(key, None)
        return d

    def config_hash(self) -> str:
        return hashlib.sha256(json.dumps(self.hashed_dict(), sort_keys=True).encode()).hexdigest()[:16]

    def diff(self, recorded: dict | None) -> list[str]:
        """'section.key: run X, now Y' for each hashed key where ``recorded`` (a to_dict) differs."""
        if not isinstance(recorded, dict):
            return []
        old, new = self.hashed_dict(recorded), self.hashed_dict()
        out = []
        for sec in sorted(set(old) | set(new)):
            a, b = old.get(sec), new.get(sec)
            a, b = (a if isinstance(a, dict) else {}), (b if isinstance(b, dict) else {})
            for key in sorted(set(a) | set(b)):
                if a.get(key, "<absent>") != b.get(key, "<absent>"):
                    out.append(f"{sec}.{key}: run {a.get(key, '<absent>')!r}, now {b.get(key, '<absent>')!r}")
        return out

    @classmethod
    def from_json(cls, text: str, where: str) -> "Config":
        cfg = cls.defaults()
        try:
            data = json.loads(text)
        except ValueError as e:
            raise ConfigError(f"{where}: recorded config is not JSON: {e}") from None
        cfg.source = where
        cfg._apply(data, where)
        return cfg


def read_toml(path: str, what: str = "config", error: type[Exception] = ConfigError) -> dict[str, Any]:
    """A TOML file as a dict; an unreadable or malformed one raises ``error`` with one line."""
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except OSError as e:
        raise error(f"{path}: cannot read {what}: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise error(f"{path}: not valid TOML: {e}") from None


def add_override_flags(ap, flags: dict[str, tuple[str, type]]) -> None:
    """Command-line flags that override config keys (``{"--games": ("run.games", int)}``); read
    them back with ``flag_overrides``."""
    for flag, (key, typ) in flags.items():
        ap.add_argument(flag, type=typ, dest="ov_" + key.replace(".", "__"), metavar=typ.__name__.upper(),
                        help=f"override {key}")


def flag_overrides(args) -> dict[str, Any]:
    """The dotted config keys the command line set (``add_override_flags``) -> their values."""
    return {k[3:].replace("__", "."): v for k, v in vars(args).items() if k.startswith("ov_") and v is not None}
