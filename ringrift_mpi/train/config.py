"""The training job's configuration sections (jobs/train_*.toml; docs/train.md lists every key)."""
from __future__ import annotations

from dataclasses import dataclass

from ..config import Config

BOARDS = ("square8", "square19", "hex8", "hexagonal")


@dataclass
class RunSection:
    seed: int = 1                 # model initialisation, the split, the data order, augmentation


@dataclass
class DataSection:
    board: str = "square8"        # what the dataset must hold (checked against its attributes)
    players: int = 2
    paths: str = ""               # dataset files, comma-separated (or --data on the command line)
    val_fraction: float = 0.05    # share of games (never positions) held out for validation
    augment: bool = True          # random board symmetries (8 square, 12 hex), policy remapped
    block_rows: int = 512         # rows per contiguous read; blocks are shuffled each epoch
    window_blocks: int = 8        # blocks whose rows are shuffled together
    workers: int = 2              # DataLoader worker processes per rank (0: read in the training process)
    val_max_rows: int = 20000     # validation rows used (the first ones in file order)


@dataclass
class ModelSection:
    channels: int = 64
    blocks: int = 6
    value_hidden: int = 128


@dataclass
class OptimSection:
    steps: int = 2000             # optimiser steps in all (a budget: raise it and rerun to extend)
    batch_size: int = 256         # global batch, split evenly over the ranks
    lr: float = 0.002
    weight_decay: float = 0.0001
    warmup_steps: int = 100
    schedule: str = "cosine"      # cosine (to lr_min_ratio * lr at optim.steps) | constant
    lr_min_ratio: float = 0.05
    value_weight: float = 1.0     # loss = policy cross-entropy + value_weight * value MSE
    grad_clip: float = 1.0        # global gradient-norm clip; 0 = none


@dataclass
class CheckpointSection:
    every: int = 200              # steps between checkpoints (also on SIGTERM / SIGUSR1 / Ctrl-C, and at the end)


@dataclass
class LogSection:
    every: int = 20               # steps between metrics rows
    val_every: int = 0            # steps between validations; 0 = at each epoch's end and at the end


@dataclass
class DeviceSection:
    device: str = "auto"          # auto (CUDA, then MPS, then CPU) | cuda | mps | cpu
    precision: str = "auto"       # auto (bf16 autocast on CUDA, fp32 elsewhere) | bf16 | fp32
    threads: int = 0              # torch CPU threads per rank; 0 = torch's default


@dataclass
class ExportSection:
    enabled: bool = True          # export the final model into the registry (rank 0)
    models_dir: str = "models"    # registry root: <models_dir>/<board>_<n>p/v<k>/
    onnx: bool = True             # also ONNX, when the onnx package is installed


class TrainConfig(Config):
    BUDGET_KEYS = ("optim.steps",)
    # how the work is spread and reported; the data order and every step's samples do not depend on them
    EXECUTION_KEYS = ("data.workers", "checkpoint.every", "log.every", "device.threads", "device.device",
                      "export.enabled", "export.models_dir", "export.onnx", "data.paths")

    @classmethod
    def defaults(cls) -> "TrainConfig":
        return cls({"run": RunSection(), "data": DataSection(), "model": ModelSection(), "optim": OptimSection(),
                    "checkpoint": CheckpointSection(), "log": LogSection(), "device": DeviceSection(),
                    "export": ExportSection()})

    def validate(self) -> None:
        d, m, o = self.data, self.model, self.optim
        if d.board not in BOARDS:
            self.fail("data.board", f"unknown board {d.board!r} (expected one of {', '.join(BOARDS)})")
        if d.players not in (2, 3, 4):
            self.fail("data.players", f"must be 2, 3 or 4 (got {d.players})")
        if not 0.0 <= d.val_fraction < 1.0:
            self.fail("data.val_fraction", "must be in [0, 1)")
        for key, v in (("data.block_rows", d.block_rows), ("data.window_blocks", d.window_blocks),
                       ("model.channels", m.channels), ("model.blocks", m.blocks), ("model.value_hidden", m.value_hidden),
                       ("optim.batch_size", o.batch_size), ("checkpoint.every", self.checkpoint.every),
                       ("log.every", self.log.every)):
            if v < 1:
                self.fail(key, "must be >= 1")
        if d.workers < 0 or d.val_max_rows < 0 or o.steps < 0 or o.warmup_steps < 0 or self.log.val_every < 0:
            self.fail("data.workers / data.val_max_rows / optim.steps / optim.warmup_steps / log.val_every",
                      "must be >= 0")
        if not (o.lr > 0 and o.weight_decay >= 0 and o.grad_clip >= 0 and o.value_weight >= 0
                and 0 <= o.lr_min_ratio <= 1):
            self.fail("optim", "lr must be > 0; weight_decay, grad_clip, value_weight >= 0; lr_min_ratio in [0, 1]")
        if o.schedule not in ("cosine", "constant"):
            self.fail("optim.schedule", "must be cosine or constant")
        if self.device.device not in ("auto", "cuda", "mps", "cpu"):
            self.fail("device.device", "must be auto, cuda, mps or cpu")
        if self.device.precision not in ("auto", "bf16", "fp32"):
            self.fail("device.precision", "must be auto, bf16 or fp32")

    def paths(self) -> list[str]:
        return [p.strip() for p in self.data.paths.split(",") if p.strip()]


FLAGS = {
    "--steps": ("optim.steps", int), "--batch-size": ("optim.batch_size", int), "--lr": ("optim.lr", float),
    "--seed": ("run.seed", int), "--device": ("device.device", str), "--precision": ("device.precision", str),
    "--workers": ("data.workers", int), "--threads": ("device.threads", int),
    "--checkpoint-every": ("checkpoint.every", int), "--models-dir": ("export.models_dir", str),
}
