"""Training runs (``checkpoint.json`` of ``python -m ringrift_mpi.train``): the learning curves."""
from __future__ import annotations

import csv
import os

from ...storage.train_run import CKPT_FORMAT, read_checkpoint_record
from ..dispatch import NotApplicable, handles


def read_metrics(run_dir: str) -> dict[str, list[dict]]:
    """metrics.csv rows by kind ('step', 'val'), numbers as floats."""
    path = os.path.join(run_dir, "metrics.csv")
    out: dict[str, list[dict]] = {"step": [], "val": []}
    if not os.path.exists(path):
        return out
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            try:
                row = {k: float(v) for k, v in r.items() if k != "kind" and v not in ("", None)}
            except ValueError:
                continue  # a row cut by a crash mid-write
            out.setdefault(r.get("kind", ""), []).append(row)
    return out


@handles("plot", CKPT_FORMAT)
def plot(path: str, fmt, out: str) -> str:
    from ..plotting import pyplot, save_png
    run_dir = os.path.dirname(os.path.abspath(path))
    rec = read_checkpoint_record(run_dir)
    m = read_metrics(run_dir)
    if not m["step"]:
        raise NotApplicable(f"{run_dir}/metrics.csv: no training step logged yet, nothing to plot")
    plt = pyplot()
    st, va = m["step"], m["val"]
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(10, 6.4), sharex=True)
    x = [r["step"] for r in st]
    a1.plot(x, [r["loss"] for r in st], color="#08519c", lw=1.6, label="loss (train)")
    a1.plot(x, [r["policy_loss"] for r in st], color="#6baed6", lw=1.2, label="policy cross-entropy (train)")
    a1.plot(x, [r["value_loss"] for r in st], color="#e6550d", lw=1.2, label="value MSE (train)")
    if va:
        xv = [r["step"] for r in va]
        a1.plot(xv, [r["loss"] for r in va], "o--", color="#08306b", ms=4, label="loss (validation)")
    a1.set_ylabel("loss")
    a1.grid(alpha=0.25)
    a1.legend(fontsize=8, frameon=False)
    a2.plot(x, [r["policy_acc"] for r in st], color="#31a354", lw=1.6, label="policy top-1 (train)")
    if va:
        a2.plot(xv, [r["policy_acc"] for r in va], "o--", color="#006d2c", ms=4, label="policy top-1 (validation)")
    a2.set_ylabel("policy top-1 accuracy")
    a2.set_xlabel("optimiser step")
    a2.set_ylim(0, 1)
    a2.grid(alpha=0.25)
    a2.legend(fontsize=8, frameon=False)
    cfg = rec.get("config", {}) if rec else {}
    net = rec.get("network", {}) if rec else {}
    fig.suptitle(f"training {rec.get('board', '?')} {rec.get('players', '?')}p, network {net.get('blocks', '?')}x"
                 f"{net.get('channels', '?')}, batch {cfg.get('optim', {}).get('batch_size', '?')}: "
                 f"last checkpoint at step {rec.get('step', '?')}", fontsize=11.5)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    save_png(fig, out)
    return f"loss terms and policy accuracy over {len(st)} logged steps and {len(va)} validations"
