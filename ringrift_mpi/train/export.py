"""Export a trained network into the versioned model registry: TorchScript (and ONNX when installed).

``python -m ringrift_mpi.train.export --run-dir DIR [--models-dir models]`` exports the
run's newest checkpoint; the training job calls ``export_run`` at its end.

A version folder ``<models>/<board>_<n>p/v<k>/`` holds ``model.pt`` (TorchScript:
``(features (B, C, H, W) float32, globals (B, 20) float32) -> (policy logits (B,
POLICY_SIZE), value (B,))``), ``model.onnx`` when the ``onnx`` package is
installed, ``config.json`` and ``metrics.json`` (ringrift_mpi.storage.train_run).
Before anything is published the exported model is run beside the eager one on
fresh inputs of two batch sizes and must agree within ``TOLERANCE``; otherwise
the export fails and nothing is written.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import warnings

import numpy as np
import torch

from ..storage import StorageError, write_json_atomic
from ..storage.train_run import (check_model_files, model_key, publish_version, read_checkpoint_record, sha256_file,
                                 write_model_config)
from .model import build

TOLERANCE = 1e-4  # max |exported - eager| over logits and values, float32 on CPU


def _inputs(board: int, n: int, seed: int):
    from kernels.encoding.layout import IN_CHANNELS, N_GLOBALS, SPATIAL
    g = torch.Generator().manual_seed(seed)
    S = SPATIAL[board]
    # the planes are sparse 0..1 values: random 0/1 masks times uniforms look like them
    f = (torch.rand(n, IN_CHANNELS[board], S, S, generator=g) < 0.2).float() * torch.rand(n, IN_CHANNELS[board], S, S,
                                                                                           generator=g)
    return f, torch.rand(n, N_GLOBALS, generator=g)


def script(model: torch.nn.Module):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TorchScript is deprecated upstream, still the portable form
        return torch.jit.script(model)


def max_difference(a: torch.nn.Module, b, board: int) -> float:
    worst = 0.0
    with torch.no_grad():
        for n, seed in ((1, 11), (7, 12)):
            f, g = _inputs(board, n, seed)
            la, va = a(f, g)
            lb, vb = b(f, g)
            worst = max(worst, float((la - lb).abs().max()), float((va - vb).abs().max()))
    return worst


def export_model(model, family_dir: str, meta: dict, metrics: dict, onnx: bool = True) -> str:
    """Publish ``model`` as the next version in ``family_dir``; returns the version folder."""
    model = _cpu_copy(model)
    board = model.board
    scripted = script(model)
    diff = max_difference(model, scripted, board)
    if not diff <= TOLERANCE:
        raise RuntimeError(f"TorchScript export differs from the eager model by {diff:.3g} (> {TOLERANCE})")
    diffs = {"torchscript": diff}

    def write(tmp: str) -> None:
        files = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            torch.jit.save(scripted, os.path.join(tmp, "model.pt"))
        files["model.pt"] = sha256_file(os.path.join(tmp, "model.pt"))
        if onnx and _has_onnx():
            p = os.path.join(tmp, "model.onnx")
            f, g = _inputs(board, 2, 13)
            torch.onnx.export(model, (f, g), p, input_names=["features", "globals"],
                              output_names=["policy_logits", "value"],
                              dynamic_axes={"features": {0: "batch"}, "globals": {0: "batch"},
                                            "policy_logits": {0: "batch"}, "value": {0: "batch"}})
            d = _onnx_difference(model, p, board)
            if d is not None:
                if not d <= TOLERANCE:
                    raise RuntimeError(f"ONNX export differs from the eager model by {d:.3g} (> {TOLERANCE})")
                diffs["onnx"] = d
            files["model.onnx"] = sha256_file(p)
        write_json_atomic(os.path.join(tmp, "metrics.json"), metrics)
        files["metrics.json"] = sha256_file(os.path.join(tmp, "metrics.json"))
        write_model_config(os.path.join(tmp, "config.json"), {**meta, "network": model.config(), "files": files,
                                                             "export_max_difference": diffs,
                                                             "inputs": _io_spec(board)})

    return publish_version(family_dir, write)


def _cpu_copy(model):
    m = build(model.config())
    m.load_state_dict({k: v.detach().float().cpu() for k, v in model.state_dict().items()})
    return m.eval()


def _io_spec(board: int) -> dict:
    from kernels.encoding.layout import IN_CHANNELS, N_GLOBALS, POLICY_SIZE, SPATIAL
    S = SPATIAL[board]
    return {"features": ["batch", IN_CHANNELS[board], S, S], "globals": ["batch", N_GLOBALS],
            "policy_logits": ["batch", POLICY_SIZE[board]], "value": ["batch"],
            "encoding": "RingRift exporter tensors (docs/formats.md, Training tensors)"}


def _has_onnx() -> bool:
    try:
        import onnx  # noqa: F401
        return True
    except ImportError:
        return False


def _onnx_difference(model, path: str, board: int) -> float | None:
    try:
        import onnxruntime as ort
    except ImportError:
        return None
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    f, g = _inputs(board, 5, 14)
    lo, vo = sess.run(None, {"features": f.numpy(), "globals": g.numpy()})
    with torch.no_grad():
        le, ve = model(f, g)
    return float(max(np.abs(lo - le.numpy()).max(), np.abs(vo - ve.numpy()).max()))


def load_exported(version_dir: str):
    """(TorchScript module on CPU, its config) of a model version; every file's sha256 checked."""
    cfg = check_model_files(version_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            m = torch.jit.load(os.path.join(version_dir, "model.pt"), map_location="cpu")
        except RuntimeError as e:
            raise StorageError(f"{version_dir}/model.pt: not a TorchScript model ({str(e).splitlines()[0]})") from None
    return m.eval(), cfg


def export_run(model, cfg, board: str, players: int, dataset: list, rows: int, step: int, val: dict,
               run_dir: str) -> str:
    """Export a training run's model into ``<export.models_dir>/<board>_<n>p``."""
    family = os.path.join(cfg.export.models_dir, model_key(board, players))
    meta = {"board": board, "players": players, "step": step, "config_hash": cfg.config_hash(),
            "run_dir": os.path.abspath(run_dir), "dataset": [os.path.abspath(p) for p in dataset],
            "dataset_rows": rows}
    metrics = {"step": step, "validation": {k: v for k, v in val.items() if k != "seconds"}}
    return export_model(model, family, meta, metrics, onnx=cfg.export.onnx)


def main(argv=None) -> int:
    from ..config import ConfigError
    from .config import TrainConfig
    from .model import build as build_model
    ap = argparse.ArgumentParser(prog="python -m ringrift_mpi.train.export",
                                 description="Export a training run's newest checkpoint into the model registry.")
    ap.add_argument("--run-dir", required=True)
    ap.add_argument("--models-dir", help="registry root (default: the run's export.models_dir)")
    a = ap.parse_args(argv)
    try:
        rec = read_checkpoint_record(a.run_dir)
        if rec is None:
            raise StorageError(f"{a.run_dir}: no checkpoint.json (not a training run directory, or nothing saved yet)")
        cfg = TrainConfig.from_json(json.dumps(rec["config"]), f"{a.run_dir}/checkpoint.json")
        if a.models_dir:
            cfg.export.models_dir = a.models_dir
        ck = torch.load(rec["weights_path"], map_location="cpu", weights_only=True)
        model = build_model(ck["network"])
        model.load_state_dict(ck["model"])
        print(export_run(model, cfg, rec["board"], rec["players"], rec["dataset"], rec["dataset_rows"], rec["step"],
                         {}, a.run_dir))
    except (StorageError, ConfigError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
