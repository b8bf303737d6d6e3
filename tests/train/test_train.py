"""The training job end to end on CPU: 2-process gloo DDP learns; 2 processes equal 1; resume after
SIGTERM ends where an uninterrupted run ends; TorchScript equals eager; the gate refuses a model no
better than the incumbent; nothing outside ringrift_mpi/train imports torch."""
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from ringrift_mpi.storage import StorageError
from ringrift_mpi.storage.train_run import read_checkpoint_record, read_registry, record_decision

ROOT = Path(__file__).resolve().parents[2]
SMOKE = str(ROOT / "jobs" / "smoke_train.toml")
LAUNCH_VARS = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "PMI_RANK", "PMI_SIZE",
               "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "SLURM_PROCID", "SLURM_NTASKS", "SLURM_STEP_ID")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(run_dir, data, world=1, args=()):
    """Start the job as ``world`` processes the way torchrun would (its environment variables)."""
    port = free_port()
    procs = []
    for r in range(world):
        env = {k: v for k, v in os.environ.items() if k not in LAUNCH_VARS}
        if world > 1:
            env.update(RANK=str(r), WORLD_SIZE=str(world), LOCAL_RANK=str(r), MASTER_ADDR="127.0.0.1",
                       MASTER_PORT=str(port))
        cmd = [sys.executable, "-m", "ringrift_mpi.train", "--config", SMOKE, "--run-dir", str(run_dir),
               "--data", data, "--threads", "1", "--models-dir", str(Path(run_dir) / "models"), *args]
        procs.append(subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True))
    return procs


def finish(procs, timeout=600):
    outs = []
    for p in procs:
        out, _ = p.communicate(timeout=timeout)
        outs.append(out)
        assert p.returncode == 0, out
    return outs


def weights(run_dir):
    rec = read_checkpoint_record(str(run_dir))
    return rec, torch.load(rec["weights_path"], map_location="cpu", weights_only=True)["model"]


def metric_rows(run_dir, kind):
    with open(Path(run_dir) / "metrics.csv") as f:
        return [r for r in csv.DictReader(f) if r["kind"] == kind]


@pytest.fixture(scope="module")
def learned(sq8_data, tmp_path_factory):
    """A 2-process DDP run of 150 steps (one DataLoader worker per rank)."""
    d = tmp_path_factory.mktemp("learn")
    finish(launch(d, sq8_data, world=2, args=("--steps", "150", "--workers", "1", "--lr", "0.005")))
    return d


def test_two_process_ddp_learns(learned, sq8_data):
    steps = metric_rows(learned, "step")
    # the policy term (the value term of 48 games' outcomes hardly moves in 150 steps); the mean of the
    # last three logged steps, as one batch is noisy
    first = float(steps[0]["policy_loss"])
    last = float(np.mean([float(r["policy_loss"]) for r in steps[-3:]]))
    assert last < 0.5 * first, (first, last)
    assert float(metric_rows(learned, "val")[-1]["loss"]) < 0.6 * float(steps[0]["loss"])
    log = (learned / "train.log").read_text()
    assert "2 rank(s) via torchrun on cpu (gloo)" in log
    # policy accuracy on held-out games beats always playing the most frequent move of the training games
    from ringrift_mpi.storage.dataset import Dataset
    from ringrift_mpi.train.loader import split
    from ringrift_mpi.train.source import DatasetSource
    src = DatasetSource(sq8_data)
    tr, va = split(src.game_ids, 0.1, 1)
    with Dataset(sq8_data) as ds:
        top = ds.read("policy_indices")[:, 0]
    common = np.bincount(top[tr]).argmax()
    baseline = float((top[va] == common).mean())
    acc = float(metric_rows(learned, "val")[-1]["policy_acc"])
    assert acc > baseline + 0.1, (acc, baseline)


def test_two_processes_equal_one(sq8_data, tmp_path):
    finish(launch(tmp_path / "one", sq8_data, 1, ("--steps", "6")))
    finish(launch(tmp_path / "two", sq8_data, 2, ("--steps", "6")))
    (r1, w1), (r2, w2) = weights(tmp_path / "one"), weights(tmp_path / "two")
    assert r1["step"] == r2["step"] == 6
    worst = max(float((w1[k] - w2[k]).abs().max()) for k in w1)
    changed = max(float((w1[k] - torch.zeros_like(w1[k])).abs().max()) for k in w1)
    assert worst < 1e-5, worst  # float32 sums in another order; 6 AdamW steps of lr 3e-3
    assert changed > 0


def test_resume_after_sigterm_ends_where_an_uninterrupted_run_ends(sq8_data, tmp_path):
    args = ("--steps", "40", "--checkpoint-every", "1000")
    finish(launch(tmp_path / "straight", sq8_data, 1, args))
    run = tmp_path / "cut"
    (p,) = launch(run, sq8_data, 1, args)
    deadline = time.time() + 300
    while time.time() < deadline:
        if (run / "metrics.csv").exists() and len(metric_rows(run, "step")) >= 1:
            break
        time.sleep(0.2)
    p.send_signal(signal.SIGTERM)
    out, _ = p.communicate(timeout=300)
    assert p.returncode == 0, out
    assert "stopped by SIGTERM" in out
    rec = read_checkpoint_record(str(run))
    assert 10 <= rec["step"] < 40, rec["step"]
    out2 = finish(launch(run, sq8_data, 1, args))[0]
    assert f"resuming at step {rec['step']}" in out2
    (ra, wa), (rb, wb) = weights(tmp_path / "straight"), weights(run)
    assert ra["step"] == rb["step"] == 40
    for k in wa:
        assert torch.equal(wa[k], wb[k]), k
    # the metrics rows are those of one run: no step logged twice
    steps = [int(r["step"]) for r in metric_rows(run, "step")]
    assert steps == sorted(set(steps))
    # a finished run rerun is a no-op
    assert "already complete at step 40" in finish(launch(run, sq8_data, 1, args))[0]


def test_checkpoint_damage_is_one_line(sq8_data, tmp_path):
    finish(launch(tmp_path, sq8_data, 1, ("--steps", "3")))
    rec = read_checkpoint_record(str(tmp_path))
    with open(rec["weights_path"], "r+b") as f:
        f.seek(100)
        f.write(b"\0\0\0\0")
    (p,) = launch(tmp_path, sq8_data, 1, ("--steps", "6"))
    out, _ = p.communicate(timeout=300)
    assert p.returncode == 2
    assert out.strip().splitlines()[-1].startswith("error: ") and "sha256 differs" in out
    assert "Traceback" not in out


def test_torchscript_equals_eager_and_version_folder(learned, sq8_data):
    from ringrift_mpi.train.export import load_exported
    from ringrift_mpi.train.loader import read_rows
    from ringrift_mpi.train.model import build
    from ringrift_mpi.train.source import DatasetSource
    vdir = learned / "models" / "square8_2p" / "v1"
    assert sorted(os.listdir(vdir)) == ["config.json", "metrics.json", "model.pt"]
    scripted, cfg = load_exported(str(vdir))
    assert cfg["board"] == "square8" and cfg["players"] == 2 and cfg["step"] == 150
    _, ck = weights(learned)
    eager = build(cfg["network"])
    eager.load_state_dict(ck)
    eager.eval()
    d = read_rows(DatasetSource(sq8_data), np.arange(0, 400, 3), 64)
    f, g = torch.from_numpy(d["features"]), torch.from_numpy(d["globals"])
    with torch.no_grad():
        (l1, v1), (l2, v2) = eager(f, g), scripted(f, g)
    assert float((l1 - l2).abs().max()) < 1e-5 and float((v1 - v2).abs().max()) < 1e-5
    assert (l1.argmax(1) == l2.argmax(1)).all()
    # a damaged file is refused with one line naming it
    bad = learned / "bad_copy"
    shutil.copytree(vdir, bad)
    with open(bad / "model.pt", "ab") as fh:
        fh.write(b"x")
    with pytest.raises(StorageError, match=r"bad_copy/model\.pt: sha256 differs"):
        load_exported(str(bad))


def test_gate_refuses_a_model_no_better_than_the_incumbent(learned, tmp_path):
    from ringrift_mpi.storage.train_run import publish_version
    from ringrift_mpi.train.gate import GateRules, decide, gate
    family = tmp_path / "square8_2p"
    v1 = learned / "models" / "square8_2p" / "v1"
    for _ in range(2):  # v1 and v2: the same network
        publish_version(str(family), lambda tmp: [shutil.copy(v1 / n, Path(tmp) / n) for n in os.listdir(v1)])
    record_decision(str(family), {"candidate": "v1", "incumbent": "default", "promoted": True})
    d = gate(str(family / "v2"), GateRules(games=8, max_moves=300, seed=3))
    assert d["incumbent"] == "v1" and d["games"] == 8
    assert not d["promoted"]
    assert d["wins"] == d["losses"]  # the same deterministic network on both sides of every start
    reg = read_registry(str(family))
    assert reg["best"] == "v1" and len(reg["history"]) == 2 and reg["history"][-1]["promoted"] is False
    # the rule itself: score and significance both needed
    rules = GateRules(min_score=0.55, alpha=0.05)
    assert decide({"score": 0.7, "p_value": 0.01}, rules)
    assert not decide({"score": 0.7, "p_value": 0.2}, rules)
    assert not decide({"score": 0.52, "p_value": 0.01}, rules)


def _evaluate(capsys, *args):
    from ringrift_mpi.evaluate.cli import main
    capsys.readouterr()
    rc = main([str(a) for a in args])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def test_model_seat_plays_in_evaluate(learned, tmp_path, capsys):
    from ringrift_mpi.storage.evaluation import read_evaluation
    from ringrift_mpi.train import seat
    v1 = learned / "models" / "square8_2p" / "v1"
    out = tmp_path / "e.json"
    rc, text, err = _evaluate(capsys, f"model:{v1}", "--vs", "random", "default", "--games", 4, "--max-moves", 300,
                              "--output", out)
    assert rc == 0, err
    assert "random" in text and "default" in text and "wrote" in text
    res = read_evaluation(str(out))
    assert res["candidate"]["engine"] == "model" and [r["games"] for r in res["results"]] == [4, 4]
    assert all(r["moves"] > 40 for r in res["results"])
    assert seat._LOADED and all(a.positions > 0 for a in seat._LOADED.values())
    # the sets do not depend on how they are cut into tasks (a game is a pure function of its seed and seats)
    out2 = tmp_path / "e2.json"
    assert _evaluate(capsys, f"model:{v1}", "--vs", "random", "default", "--games", 4, "--max-moves", 300,
                     "--games-per-task", 2, "--output", out2)[0] == 0
    strip = lambda d: [{k: v for k, v in r.items()} for r in d["results"]]  # noqa: E731
    assert strip(read_evaluation(str(out2))) == strip(res)
    # a 1-ply value search evaluates every child of every decision
    rc, text, err = _evaluate(capsys, f"model:{v1}@search", "--vs", "random", "--games", 2, "--max-moves", 40)
    assert rc == 0, err
    searching = [a for (spec, _), a in seat._LOADED.items() if spec.endswith("@search")]
    assert searching and searching[0].positions > 4 * 40 // 2


def test_model_seat_refusals_are_one_line(learned, tmp_path, capsys):
    v1 = learned / "models" / "square8_2p" / "v1"
    for args, want in (([f"model:{v1}", "--vs", "random", "--board", "hex8"], "plays square8 2p, the match is hex8 2p"),
                       ([f"model:{tmp_path}", "--vs", "random"], "not a model version folder"),
                       ([f"model:{v1}@fast", "--vs", "random"], "unknown model seat option 'fast'")):
        rc, _, err = _evaluate(capsys, *args, "--games", 2)
        assert rc == 2 and len(err.strip().splitlines()) == 1 and want in err, err


def test_nothing_else_imports_torch():
    code = """
import importlib, pkgutil, sys
import ringrift_mpi, kernels
for pkg in (ringrift_mpi, kernels):
    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):
        if m.name.startswith('ringrift_mpi.train') or m.name.endswith('__main__'):
            continue
        importlib.import_module(m.name)
import ringrift_mpi.train, ringrift_mpi.train.source, ringrift_mpi.train.symmetry, ringrift_mpi.train.seat
from ringrift_mpi.evaluate.players import parse
parse('random'); parse('default')
print('torch' in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_ringrift_h5_plots_the_learning_curves(learned, tmp_path):
    pytest.importorskip("matplotlib")
    from ringrift_mpi.h5 import main as h5_main
    png = tmp_path / "curves.png"
    assert h5_main(["plot", str(learned / "checkpoint.json"), "-o", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10000
    assert h5_main(["info", str(learned / "checkpoint.json")]) == 0
