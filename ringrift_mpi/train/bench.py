"""Loader throughput beside training-step throughput, per board, so a GPU run can be sized.

``python -m ringrift_mpi.train.bench [--boards square8,hex8] [--workers 2] [--device auto]``

For each board it makes a small self-play dataset of uniformly random games (the
self-play job's own files, read through the storage layer as training reads
them), then measures

- loader: samples/s through the DataLoader (``workers`` processes, shuffled
  windows, augmentation on), the way the training loop reads;
- step: samples/s of forward + backward + AdamW step of the default network
  (64 channels x 6 blocks) at batch 256 on the chosen device (bf16 autocast on
  CUDA), data already on the device;

and prints both with their ratio: above 1 the loader keeps up. The loader
scales with workers (each reads its own windows), so the workers a GPU needs is
about step / (loader / workers). ``--json FILE`` writes the figures.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time

import numpy as np
import torch

from kernels import geometry as G


def make_dataset(board: str, run_dir: str, positions: int, seed: int = 1) -> int:
    """A self-play run of uniformly random games (the self-play job, this process only) with at least
    ``positions`` positions, or 256 games; returns its positions."""
    import contextlib
    import io
    from mpi4py import MPI
    from ..selfplay.job import main as selfplay
    from .source import DatasetSource
    n = 8
    while True:
        with contextlib.redirect_stdout(io.StringIO()):
            rc = selfplay(["--run-dir", run_dir, "--board", board, "--seats", "random", "--games", str(n),
                           "--seed", str(seed)], comm=MPI.COMM_SELF)
        if rc != 0:
            raise RuntimeError(f"{run_dir}: the self-play job failed (exit {rc})")
        got = len(DatasetSource(run_dir))
        if got >= positions or n >= 256:
            return got
        n *= 2  # the games count is a budget: rerunning the same run directory extends it


def loader_rate(path: str, workers: int, batch: int, seconds: float) -> float:
    from .loader import Plan, WindowStream, batches, epoch_plan, split
    from .source import DatasetSource
    src = DatasetSource(path)
    tr, _ = split(src.game_ids, 0.0, 1)
    # the windows of many epochs in one stream: a bench dataset is small, and a real epoch starts
    # its workers once per millions of rows, not once per few thousand
    plan = Plan([w for e in range(200) for w in epoch_plan(tr, 1, e, batch, 512, 8).windows], batch)
    n, t0 = 0, None
    for b in batches(WindowStream(src, plan, 0, 1, 0, 512, True, 1, 0), workers):
        if t0 is None:  # start the clock after the first batch: worker start-up is not throughput
            t0 = time.perf_counter()
            continue
        n += b["features"].shape[0]
        if time.perf_counter() - t0 > seconds:
            break
    return n / (time.perf_counter() - t0)


def step_rate(board: int, device: torch.device, batch: int, seconds: float, channels=64, blocks=6) -> float:
    from kernels.encoding.layout import IN_CHANNELS, POLICY_SIZE, SPATIAL
    from .model import PolicyValueNet, losses
    S = SPATIAL[board]
    m = PolicyValueNet(board, channels, blocks).to(device)
    opt = torch.optim.AdamW(m.parameters(), lr=1e-3)
    f = (torch.rand(batch, IN_CHANNELS[board], S, S, device=device) < 0.1).float()
    g = torch.rand(batch, 20, device=device)
    pi = torch.randint(0, POLICY_SIZE[board], (batch, 1), device=device)
    pv = torch.ones(batch, 1, device=device)
    v = torch.rand(batch, device=device) * 2 - 1
    amp = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if device.type == "cuda" else None

    def step():
        if amp:
            with amp():
                lo, va = m(f, g)
        else:
            lo, va = m(f, g)
        loss = losses(lo, va, pi, pv, v)[0]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    step()
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    sync()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds or n == 0:
        step()
        n += batch
    sync()
    return n / (time.perf_counter() - t0)


def main(argv=None) -> int:
    from .dist import choose_device
    ap = argparse.ArgumentParser(prog="python -m ringrift_mpi.train.bench", description=__doc__.split("\n")[0])
    ap.add_argument("--boards", default="square8,hex8,square19,hexagonal")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--positions", type=int, default=3000, help="positions per board's bench dataset")
    ap.add_argument("--seconds", type=float, default=10.0, help="measuring time per figure")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--data-dir", help="keep the bench datasets here (default: a temporary folder)")
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args(argv)
    dev = choose_device(a.device)
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else platform.processor() or platform.machine()
    print(f"device {dev} ({name}), torch {torch.__version__}, {os.cpu_count()} CPUs, loader workers {a.workers}, "
          f"batch {a.batch}")
    print(f"{'board':10} {'positions':>9} {'loader/s':>10} {'step/s':>10} {'loader/step':>11}")
    out = {"device": str(dev), "device_name": name, "workers": a.workers, "batch": a.batch, "boards": {}}
    with tempfile.TemporaryDirectory() as tmp:
        d = a.data_dir or tmp
        for board in a.boards.split(","):
            path = os.path.join(d, f"bench_{board}")
            n = make_dataset(board, path, a.positions)
            lr = loader_rate(path, a.workers, a.batch, a.seconds)
            sr = step_rate(G.board_id(board), dev, a.batch, a.seconds)
            out["boards"][board] = {"positions": n, "loader_samples_per_s": round(lr, 1),
                                    "step_samples_per_s": round(sr, 1)}
            print(f"{board:10} {n:9d} {lr:10.0f} {sr:10.0f} {lr / sr:11.2f}", flush=True)
    if a.json:
        from ..storage import write_json_atomic
        write_json_atomic(a.json, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
