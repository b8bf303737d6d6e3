"""Training files: the trainer's checkpoint record and the versioned model registry (no torch here).

Run directory of ``python -m ringrift_mpi.train``:

``checkpoint.json`` (format ``ringrift-mpi/train-checkpoint``)
    the newest complete checkpoint: ``weights`` (file name of the torch checkpoint
    beside it, ``ckpt-<step>.pt``), its ``sha256``, ``step``, ``epoch``,
    ``batch_in_epoch`` (the data position), ``config_hash``, ``config``, the
    dataset paths and the time. The ``.pt`` is written first (atomically), then
    this record (atomically), so the record only ever names a whole file; a resume
    checks the digest before ``torch.load(..., weights_only=True)``.

Model registry, ``<models>/<board>_<n>p/``:

``v<k>/``
    one exported model: ``model.pt`` (TorchScript), ``model.onnx`` when onnx is
    installed, ``config.json`` (format ``ringrift-mpi/model``: board, players,
    network shape, tensor names and shapes, the training run's config hash, the
    checkpoint step, the sha256 of every file) and ``metrics.json``. A version
    directory is built under a temporary name and renamed into place whole.
``registry.json`` (format ``ringrift-mpi/model-registry``)
    ``best``: the promoted version (or null) and ``history``: every gate decision
    (candidate, incumbent, score, interval, p-value, promoted or not).

Match results of model seats are ``python -m ringrift_mpi.evaluate --output``'s
(storage/evaluation.py).
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import time

from .atomic import StorageError, write_json_atomic
from .registry import Format, check_stamp, load_json, register

CKPT_FORMAT = "ringrift-mpi/train-checkpoint"
MODEL_FORMAT = "ringrift-mpi/model"
REGISTRY_FORMAT = "ringrift-mpi/model-registry"
CKPT_VERSION = MODEL_VERSION = REGISTRY_VERSION = 1
CKPT_NAME = "checkpoint.json"
KEEP_WEIGHTS = 2  # the newest .pt files kept in a run directory


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _stamped(path: str, fmt: Format) -> dict:
    d = load_json(path, fmt.title)
    if not isinstance(d, dict):
        raise StorageError(f"{path}: not a {fmt.title} (a JSON {type(d).__name__}, not an object)")
    check_stamp(path, d.get("format"), d.get("format_version"), fmt)
    return d


# --- checkpoints ------------------------------------------------------------------------------

def weights_name(step: int) -> str:
    return f"ckpt-{step:09d}.pt"


def write_checkpoint_record(run_dir: str, record: dict) -> None:
    """Record a checkpoint whose weights file (``record['weights']``) is already complete; prune old ones."""
    path = os.path.join(run_dir, record["weights"])
    rec = {"format": CKPT_FORMAT, "format_version": CKPT_VERSION, "sha256": sha256_file(path),
           "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **record}
    write_json_atomic(os.path.join(run_dir, CKPT_NAME), rec)
    old = sorted(f for f in os.listdir(run_dir) if re.fullmatch(r"ckpt-\d+\.pt", f))
    for f in old[:-KEEP_WEIGHTS]:
        if f != record["weights"]:
            try:
                os.unlink(os.path.join(run_dir, f))
            except OSError:
                pass


def read_checkpoint_record(run_dir: str) -> dict | None:
    """The newest checkpoint record of a run directory (its weights file checked), or None."""
    path = os.path.join(run_dir, CKPT_NAME)
    if not os.path.exists(path):
        return None
    d = _stamped(path, CHECKPOINT)
    for k, typ in (("weights", str), ("sha256", str), ("step", int), ("epoch", int), ("batch_in_epoch", int),
                   ("config_hash", str)):
        if not isinstance(d.get(k), typ) or isinstance(d.get(k), bool):
            raise StorageError(f"{path}: corrupt checkpoint record ({k!r} missing or not a {typ.__name__})")
    w = os.path.join(run_dir, d["weights"])
    if not os.path.isfile(w):
        raise StorageError(f"{w}: missing, but {path} names it; restore it or start over in a new --run-dir")
    if sha256_file(w) != d["sha256"]:
        raise StorageError(f"{w}: its sha256 differs from the one {path} records (corrupt or replaced file)")
    d["weights_path"] = w
    return d


def validate_checkpoint(path: str) -> list[str]:
    try:
        read_checkpoint_record(os.path.dirname(os.path.abspath(path)))
    except StorageError as e:
        return [str(e)]
    return []


def describe_checkpoint(path: str) -> dict:
    d = _stamped(path, CHECKPOINT)
    return {"format": f"{CKPT_FORMAT} v{CKPT_VERSION}", "step": d.get("step"), "epoch": d.get("epoch"),
            "weights": d.get("weights"), "config hash": d.get("config_hash"), "created": d.get("created")}


# --- model registry ---------------------------------------------------------------------------

def model_key(board: str, players: int) -> str:
    return f"{board}_{players}p"


def versions(family_dir: str) -> list[int]:
    if not os.path.isdir(family_dir):
        return []
    return sorted(int(m.group(1)) for f in os.listdir(family_dir) if (m := re.fullmatch(r"v(\d+)", f)))


def publish_version(family_dir: str, build) -> str:
    """Build a model version in a temporary folder (``build(tmpdir)`` writes its files, config.json
    included) and rename it into place as the next free ``v<k>``; returns the version folder."""
    os.makedirs(family_dir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".building-", dir=family_dir)
    try:
        build(tmp)
        os.chmod(tmp, 0o777 & ~_umask())
        for _ in range(100):
            k = (versions(family_dir) or [0])[-1] + 1
            dst = os.path.join(family_dir, f"v{k}")
            try:
                os.rename(tmp, dst)  # fails if another writer took v<k> meanwhile (non-empty target)
                return dst
            except OSError:
                if not os.path.exists(dst):
                    raise
        raise StorageError(f"{family_dir}: no free version number")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _umask() -> int:
    m = os.umask(0)
    os.umask(m)
    return m


def write_model_config(path: str, cfg: dict) -> None:
    write_json_atomic(path, {"format": MODEL_FORMAT, "format_version": MODEL_VERSION, **cfg})


def read_model_config(path: str) -> dict:
    d = _stamped(path, MODEL)
    for k in ("board", "players", "network", "files"):
        if k not in d:
            raise StorageError(f"{path}: model config lacks {k!r}")
    return d


def check_model_files(version_dir: str) -> dict:
    """The model config of a version folder, every file it lists checked against its sha256."""
    cfg = read_model_config(os.path.join(version_dir, "config.json"))
    for name, digest in cfg["files"].items():
        p = os.path.join(version_dir, name)
        if not os.path.isfile(p):
            raise StorageError(f"{p}: missing (listed in {version_dir}/config.json)")
        if sha256_file(p) != digest:
            raise StorageError(f"{p}: sha256 differs from {version_dir}/config.json (corrupt or replaced)")
    return cfg


def validate_model(path: str) -> list[str]:
    try:
        check_model_files(os.path.dirname(os.path.abspath(path)))
    except StorageError as e:
        return [str(e)]
    return []


def describe_model(path: str) -> dict:
    d = read_model_config(path)
    return {"format": f"{MODEL_FORMAT} v{MODEL_VERSION}", "board": d.get("board"), "players": d.get("players"),
            "network": d.get("network"), "step": d.get("step"), "files": ", ".join(d.get("files", {}))}


def read_registry(family_dir: str) -> dict:
    path = os.path.join(family_dir, "registry.json")
    if not os.path.exists(path):
        return {"best": None, "history": []}
    d = _stamped(path, REGISTRY)
    if not isinstance(d.get("history"), list) or not (d.get("best") is None or isinstance(d.get("best"), str)):
        raise StorageError(f"{path}: corrupt model registry ('best' or 'history' malformed)")
    return d


def record_decision(family_dir: str, decision: dict) -> dict:
    """Append a gate decision; when it promoted, its candidate becomes ``best``. Returns the registry."""
    reg = read_registry(family_dir)
    reg["history"].append(decision)
    if decision.get("promoted"):
        reg["best"] = decision["candidate"]
    write_json_atomic(os.path.join(family_dir, "registry.json"),
                      {"format": REGISTRY_FORMAT, "format_version": REGISTRY_VERSION,
                       "best": reg["best"], "history": reg["history"]})
    return reg


def validate_registry(path: str) -> list[str]:
    try:
        reg = read_registry(os.path.dirname(os.path.abspath(path)))
    except StorageError as e:
        return [str(e)]
    if reg["best"] and not os.path.isdir(os.path.join(os.path.dirname(os.path.abspath(path)), reg["best"])):
        return [f"{path}: best model {reg['best']} is not in the folder"]
    return []


def describe_registry(path: str) -> dict:
    reg = read_registry(os.path.dirname(os.path.abspath(path)))
    return {"format": f"{REGISTRY_FORMAT} v{REGISTRY_VERSION}", "best": reg["best"],
            "decisions": len(reg["history"]),
            "promotions": sum(1 for h in reg["history"] if h.get("promoted"))}


CHECKPOINT = register(Format(CKPT_FORMAT, CKPT_VERSION, "training checkpoint record", "json", __name__,
                             lambda p: read_checkpoint_record(os.path.dirname(os.path.abspath(p))),
                             validate_checkpoint, describe_checkpoint,
                             files="training run `checkpoint.json` (names its `ckpt-<step>.pt`)"))
MODEL = register(Format(MODEL_FORMAT, MODEL_VERSION, "model config", "json", __name__, read_model_config,
                        validate_model, describe_model, files="`models/<board>_<n>p/v<k>/config.json`"))
REGISTRY = register(Format(REGISTRY_FORMAT, REGISTRY_VERSION, "model registry", "json", __name__,
                           lambda p: read_registry(os.path.dirname(os.path.abspath(p))),
                           validate_registry, describe_registry, files="`models/<board>_<n>p/registry.json`"))

