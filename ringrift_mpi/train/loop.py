"""The training loop: DDP steps over the streamed dataset, metrics, checkpoints, resume, export.

Every rank runs ``run``. A global batch is split evenly over the ranks (loader.py),
DDP averages the gradients, so N ranks take the same steps as one process on the
same samples. Rank 0 writes everything in the run directory:

- ``metrics.csv``: one row per ``log.every`` steps (kind ``step``) and per
  validation (kind ``val``): loss, policy cross-entropy, value MSE, policy top-1
  accuracy, value mean absolute error, learning rate, samples/s; TensorBoard
  events too when ``tensorboard`` is installed;
- ``ckpt-<step>.pt`` + ``checkpoint.json`` (ringrift_mpi.storage.train_run): model,
  optimiser, scheduler, step, data position (epoch, batch in epoch) and RNG state,
  every ``checkpoint.every`` steps, at the end, and when SIGTERM, SIGUSR1 or
  Ctrl-C arrives (the step under way finishes first; exit status 0);
- ``train.log``, ``config.json``; at the end the exported model's folder in the
  registry (export.py).

Rerunning the same command resumes from checkpoint.json: the data position and
the optimiser state make the resumed run end exactly where an uninterrupted one
ends. ``run.lock`` keeps a second job out of the directory.
"""
from __future__ import annotations

import contextlib
import csv
import io
import math
import os
import sys
import time

import numpy as np
import torch

from ..config import ConfigError
from ..mpi.world import StopSignals
from ..storage import StorageError, write_json_atomic, write_text_atomic
from ..storage.atomic import atomic_file
from ..storage.lock import RunDirLock
from ..storage.train_run import read_checkpoint_record, weights_name, write_checkpoint_record
from .config import TrainConfig
from .dist import World, setup, teardown
from .loader import WindowStream, batches, epoch_plan, pad_policies, read_rows, split
from .model import PolicyValueNet, losses
from .source import DatasetSource

CSV_FIELDS = ("kind", "step", "epoch", "loss", "policy_loss", "value_loss", "policy_acc", "value_mae", "lr",
              "samples_per_s", "wall_s")


def lr_factor(cfg: TrainConfig):
    o = cfg.optim

    def f(step: int) -> float:
        if o.warmup_steps and step < o.warmup_steps:
            return (step + 1) / o.warmup_steps
        if o.schedule == "constant":
            return 1.0
        t = min(1.0, (step - o.warmup_steps) / max(1, o.steps - o.warmup_steps))
        return o.lr_min_ratio + (1 - o.lr_min_ratio) * 0.5 * (1 + math.cos(math.pi * t))
    return f


def autocast_for(cfg: TrainConfig, device: torch.device):
    """bf16 autocast on CUDA (precision auto or bf16); fp32 elsewhere, or when asked."""
    p = cfg.device.precision
    if device.type == "cuda" and p in ("auto", "bf16"):
        return lambda: torch.autocast("cuda", dtype=torch.bfloat16)
    if p == "bf16" and device.type == "cpu":
        return lambda: torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext


def to_device(batch: dict, device: torch.device) -> tuple:
    nb = device.type == "cuda"
    return tuple(batch[k].to(device, non_blocking=nb) for k in ("features", "globals", "values", "pidx", "pval"))


class Metrics:
    """Sums over a logging interval: loss terms weighted by samples, top-1 hits, value error."""

    def __init__(self, device):
        self.device = device
        self.reset()

    def reset(self):
        self.t = torch.zeros(6, dtype=torch.float64, device=self.device)  # loss, pol, val, hits, vabs, n
        self.t0 = time.perf_counter()

    def add(self, loss, pol, vl, hits, vabs, n):
        self.t += torch.stack([loss.detach().double() * n, pol.detach().double() * n, vl.detach().double() * n,
                               hits.double(), vabs.detach().double(), torch.tensor(float(n), dtype=torch.float64,
                                                                                    device=self.device)])

    def reduce(self, world: World) -> dict:
        t = self.t.clone()
        if world.distributed:
            torch.distributed.all_reduce(t)
        loss, pol, vl, hits, vabs, n = t.tolist()
        n = max(n, 1.0)
        return {"loss": loss / n, "policy_loss": pol / n, "value_loss": vl / n, "policy_acc": hits / n,
                "value_mae": vabs / n, "samples": n, "seconds": time.perf_counter() - self.t0}


class Logger:
    """Rank 0: lines to stdout and train.log, rows to metrics.csv (and TensorBoard when installed)."""

    def __init__(self, run_dir: str, rank: int, out=None):
        self.rank, self.run_dir, self.out = rank, run_dir, out or sys.stdout
        self.log = self.csv = self.tb = None
        if rank != 0:
            return
        self.log = open(os.path.join(run_dir, "train.log"), "a", buffering=1)
        path = os.path.join(run_dir, "metrics.csv")
        new = not os.path.exists(path) or os.path.getsize(path) == 0
        self.csv_file = open(path, "a", newline="", buffering=1)
        self.csv = csv.DictWriter(self.csv_file, CSV_FIELDS)
        if new:
            self.csv.writeheader()
        try:
            from torch.utils.tensorboard import SummaryWriter
            self.tb = SummaryWriter(os.path.join(run_dir, "tensorboard"))
        except ImportError:
            self.tb = None

    def line(self, msg: str) -> None:
        if self.rank == 0:
            print(msg, file=self.out, flush=True)
            self.log.write(time.strftime("%Y-%m-%d %H:%M:%S ") + msg + "\n")

    def row(self, kind: str, step: int, epoch: int, m: dict, lr: float) -> None:
        if self.rank != 0:
            return
        sps = m["samples"] / m["seconds"] if m.get("seconds") else 0.0
        self.csv.writerow({"kind": kind, "step": step, "epoch": epoch, "loss": f"{m['loss']:.6f}",
                           "policy_loss": f"{m['policy_loss']:.6f}", "value_loss": f"{m['value_loss']:.6f}",
                           "policy_acc": f"{m['policy_acc']:.6f}", "value_mae": f"{m['value_mae']:.6f}",
                           "lr": f"{lr:.6g}", "samples_per_s": f"{sps:.1f}", "wall_s": f"{time.time():.1f}"})
        if self.tb is not None:
            for k in ("loss", "policy_loss", "value_loss", "policy_acc", "value_mae"):
                self.tb.add_scalar(f"{kind}/{k}", m[k], step)
            self.tb.add_scalar(f"{kind}/lr", lr, step)

    def close(self) -> None:
        if self.rank == 0:
            self.log.close()
            self.csv_file.close()
            if self.tb is not None:
                self.tb.close()


def truncate_metrics(run_dir: str, step: int) -> None:
    """Drop metrics rows past the checkpoint a resume starts from (they will be logged again)."""
    path = os.path.join(run_dir, "metrics.csv")
    if not os.path.exists(path):
        return
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    keep = [r for r in rows if r.get("step", "").isdigit() and int(r["step"]) <= step]
    buf = io.StringIO()
    w = csv.DictWriter(buf, CSV_FIELDS)
    w.writeheader()
    w.writerows({k: r.get(k, "") for k in CSV_FIELDS} for r in keep)
    write_text_atomic(path, buf.getvalue())


def validate(model, src: DatasetSource, rows: np.ndarray, world: World, cfg: TrainConfig, amp) -> dict:
    """Loss terms and accuracy over the validation rows (each rank a share, summed over ranks)."""
    m = Metrics(world.device)
    mine = rows[world.rank::world.size]
    model.eval()
    with torch.no_grad():
        for i in range(0, len(mine), 512):
            d = read_rows(src, mine[i:i + 512], cfg.data.block_rows)
            pi, pv = pad_policies(d["policy_indices"], d["policy_values"])
            f, g, v, pi, pv = to_device({"features": torch.from_numpy(d["features"]), "globals": torch.from_numpy(
                d["globals"].astype(np.float32)), "values": torch.from_numpy(d["values"].astype(np.float32)),
                "pidx": torch.from_numpy(pi), "pval": torch.from_numpy(pv)}, world.device)
            with amp():
                logits, value = model(f, g)
            m.add(*losses(logits, value, pi, pv, v, cfg.optim.value_weight), len(v))
    model.train()
    return m.reduce(world)


def save_checkpoint(run_dir: str, model, opt, sched, state: dict, cfg: TrainConfig, src: DatasetSource) -> None:
    """Rank 0: the weights file atomically, then the record that names it (storage.train_run)."""
    ck = {"model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
          "step": state["step"], "epoch": state["epoch"], "batch_in_epoch": state["batch_in_epoch"],
          "rng_torch": torch.get_rng_state(), "network": model.config(), "config": cfg.to_json()}
    if torch.cuda.is_available():
        ck["rng_cuda"] = torch.cuda.get_rng_state_all()
    name = weights_name(state["step"])
    with atomic_file(os.path.join(run_dir, name), ".pt") as tmp:
        torch.save(ck, tmp)
    write_checkpoint_record(run_dir, {"weights": name, "step": state["step"], "epoch": state["epoch"],
                                      "batch_in_epoch": state["batch_in_epoch"], "config_hash": cfg.config_hash(),
                                      "config": cfg.to_dict(), "dataset": src.paths, "dataset_rows": len(src),
                                      "network": model.config(), "board": src.board, "players": src.players})


def check_dataset(cfg: TrainConfig, src: DatasetSource) -> None:
    if src.board != cfg.data.board or src.players != cfg.data.players:
        raise ConfigError(f"{src.paths[0]}: holds {src.board} {src.players}p positions, the config "
                          f"({cfg.source}) trains data.board = {cfg.data.board}, data.players = {cfg.data.players}")


def run(cfg: TrainConfig, run_dir: str, paths: list[str] | None = None, out=None, env=None) -> int:
    """The job on every rank. Returns the exit status."""
    world = setup(cfg.device.device, env)
    lock = None
    try:
        if world.rank == 0:
            os.makedirs(run_dir, exist_ok=True)
            lock = RunDirLock(run_dir).acquire()
        if world.distributed:
            torch.distributed.barrier()
        return _run(cfg, run_dir, paths or cfg.paths(), world, out)
    finally:
        if lock is not None:
            lock.release()
        teardown(world)


def _run(cfg: TrainConfig, run_dir: str, paths: list[str], world: World, out) -> int:
    if not paths:
        raise ConfigError(f"{cfg.source}: no dataset: set data.paths or pass --data FILE")
    if cfg.optim.batch_size % world.size:
        raise ConfigError(f"{cfg.source}: optim.batch_size {cfg.optim.batch_size} is not a multiple of the "
                          f"{world.size} ranks")
    if cfg.device.threads:
        torch.set_num_threads(cfg.device.threads)
    from kernels.geometry import board_id
    log = Logger(run_dir, world.rank, out)
    src = DatasetSource(paths)
    check_dataset(cfg, src)
    train_rows, val_rows = split(src.game_ids, cfg.data.val_fraction, cfg.run.seed)
    val_rows = val_rows[:cfg.data.val_max_rows]
    B = cfg.optim.batch_size
    torch.manual_seed(cfg.run.seed)
    model = PolicyValueNet(board_id(src.board), cfg.model.channels, cfg.model.blocks, cfg.model.value_hidden)
    model.to(world.device)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.optim.lr, weight_decay=cfg.optim.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_factor(cfg))
    state = {"step": 0, "epoch": 0, "batch_in_epoch": 0}
    rec = read_checkpoint_record(run_dir)
    if rec is not None:
        if rec["config_hash"] != cfg.config_hash():
            diff = cfg.diff(rec.get("config"))
            raise ConfigError(f"{run_dir}/checkpoint.json: this run directory belongs to another configuration "
                              f"({'; '.join(diff) or 'hash ' + rec['config_hash']}); use a new --run-dir")
        if rec.get("dataset_rows") != len(src):
            raise StorageError(f"{src.paths[0]}: {len(src)} rows, but the run was trained on "
                               f"{rec.get('dataset_rows')} rows ({', '.join(rec.get('dataset', []))}); "
                               "resume on the same data or use a new --run-dir")
        try:
            ck = torch.load(rec["weights_path"], map_location="cpu", weights_only=True)
            model.load_state_dict(ck["model"])
            opt.load_state_dict(ck["optimizer"])
            sched.load_state_dict(ck["scheduler"])
        except (RuntimeError, KeyError, ValueError) as e:
            raise StorageError(f"{rec['weights_path']}: cannot be loaded as this run's checkpoint "
                               f"({str(e).splitlines()[0]})") from None
        torch.set_rng_state(ck["rng_torch"])
        if "rng_cuda" in ck and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(ck["rng_cuda"])
        state = {k: int(rec[k]) for k in state}
        if world.rank == 0:
            truncate_metrics(run_dir, state["step"])
            log.close()
            log = Logger(run_dir, world.rank, out)
    if world.rank == 0:
        write_json_atomic(os.path.join(run_dir, "config.json"), cfg.to_dict())
    net = model
    if world.distributed:
        from torch.nn.parallel import DistributedDataParallel as DDP
        net = DDP(model, device_ids=[world.device] if world.device.type == "cuda" else None)
    amp = autocast_for(cfg, world.device)
    nparams = sum(p.numel() for p in model.parameters())
    log.line(f"train: {src.board} {src.players}p, {len(src)} positions ({len(train_rows)} train, {len(val_rows)} "
             f"validation rows, split by game), {world.size} rank(s) via {world.launcher} on {world.device}"
             f"{' (' + world.backend + ')' if world.backend else ''}, network {cfg.model.blocks}x"
             f"{cfg.model.channels} ({nparams / 1e6:.2f} M parameters), batch {B}, "
             + (f"resuming at step {state['step']}" if rec else "from scratch"))
    stop = StopSignals(say=world.rank == 0)
    try:
        stopped = _steps(cfg, run_dir, src, train_rows, val_rows, world, model, net, opt, sched, state, amp, log,
                         stop)
    finally:
        stop.restore()
    if stopped:
        log.line(f"stopped by {stopped} at step {state['step']} (checkpoint saved); rerun the same command to resume")
        log.close()
        return 0
    m = validate(model, src, val_rows, world, cfg, amp) if len(val_rows) else None
    if m:
        log.row("val", state["step"], state["epoch"], m, sched.get_last_lr()[0])
        log.line(f"final validation: policy accuracy {m['policy_acc']:.3f}, policy loss {m['policy_loss']:.3f}, "
                 f"value MSE {m['value_loss']:.3f}")
    if world.rank == 0 and cfg.export.enabled:
        from .export import export_run
        vdir = export_run(model, cfg, src.board, src.players, src.paths, len(src), state["step"], m or {}, run_dir)
        if vdir:
            log.line(f"exported: {vdir}")
    log.close()
    return 0


def _agree_stop(stop: StopSignals, world: World) -> str | None:
    """Every rank stops at the same step: rank 0's signal (or any rank's) decides."""
    if not world.distributed:
        return stop.requested
    flag = torch.tensor([1.0 if stop.requested else 0.0], device=world.device)
    torch.distributed.all_reduce(flag, op=torch.distributed.ReduceOp.MAX)
    return (stop.requested or "a signal on another rank") if flag.item() > 0 else None


def _steps(cfg, run_dir, src, train_rows, val_rows, world, model, net, opt, sched, state, amp, log, stop):
    B = cfg.optim.batch_size
    metrics = Metrics(world.device)
    last_saved = state["step"]
    if state["step"] >= cfg.optim.steps:
        log.line(f"already complete at step {state['step']} (optim.steps = {cfg.optim.steps})")
        return None
    while state["step"] < cfg.optim.steps:
        plan = epoch_plan(train_rows, cfg.run.seed, state["epoch"], B, cfg.data.block_rows, cfg.data.window_blocks)
        if plan.batches == 0:
            raise ConfigError(f"{cfg.source}: {len(train_rows)} training rows make no whole batch of "
                              f"{B} (lower optim.batch_size or data.window_blocks)")
        if state["batch_in_epoch"] >= plan.batches:
            state["epoch"] += 1
            state["batch_in_epoch"] = 0
            continue
        stream = WindowStream(src, plan, world.rank, world.size, state["batch_in_epoch"], cfg.data.block_rows,
                              cfg.data.augment, cfg.run.seed, state["epoch"])
        gen = batches(stream, cfg.data.workers)
        try:
            for batch in gen:
                f, g, v, pi, pv = to_device(batch, world.device)
                with amp():
                    logits, value = net(f, g)
                loss, pol, vl, hits, vabs = losses(logits, value, pi, pv, v, cfg.optim.value_weight)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                if cfg.optim.grad_clip > 0:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.optim.grad_clip)
                opt.step()
                lr = sched.get_last_lr()[0]
                sched.step()
                metrics.add(loss, pol, vl, hits, vabs, len(v))
                state["step"] += 1
                state["batch_in_epoch"] += 1
                if state["step"] % cfg.log.every == 0:
                    m = metrics.reduce(world)
                    log.row("step", state["step"], state["epoch"], m, lr)
                    log.line(f"step {state['step']}/{cfg.optim.steps} epoch {state['epoch']} loss {m['loss']:.4f} "
                             f"(policy {m['policy_loss']:.4f}, value {m['value_loss']:.4f}) top-1 "
                             f"{m['policy_acc']:.3f} lr {lr:.2e} {m['samples'] / m['seconds']:.0f} samples/s")
                    metrics.reset()
                if cfg.log.val_every and state["step"] % cfg.log.val_every == 0 and len(val_rows):
                    log.row("val", state["step"], state["epoch"], validate(model, src, val_rows, world, cfg, amp), lr)
                why = _agree_stop(stop, world)
                if world.rank == 0 and (why or state["step"] % cfg.checkpoint.every == 0
                                        or state["step"] >= cfg.optim.steps):
                    save_checkpoint(run_dir, model, opt, sched, state, cfg, src)
                    last_saved = state["step"]
                if why:
                    if world.distributed:
                        torch.distributed.barrier()
                    return why
                if state["step"] >= cfg.optim.steps:
                    break
        finally:
            gen.close()
        if state["batch_in_epoch"] >= plan.batches:
            if not cfg.log.val_every and len(val_rows) and state["step"] < cfg.optim.steps:
                m = validate(model, src, val_rows, world, cfg, amp)
                log.row("val", state["step"], state["epoch"], m, sched.get_last_lr()[0])
                log.line(f"epoch {state['epoch']} done: validation policy accuracy {m['policy_acc']:.3f}, "
                         f"loss {m['loss']:.4f}")
            state["epoch"] += 1
            state["batch_in_epoch"] = 0
    if world.rank == 0 and last_saved != state["step"]:
        save_checkpoint(run_dir, model, opt, sched, state, cfg, src)
    if world.distributed:
        torch.distributed.barrier()
    return None
