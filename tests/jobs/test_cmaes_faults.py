"""The CMA-ES job as a user drives it: settings that must not block a resume, and what they must change."""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from ringrift_mpi.cmaes import main
from ringrift_mpi.cmaes.config import CMAESConfig
from ringrift_mpi.storage.cmaes_run import read_run

ROOT = Path(__file__).resolve().parents[2]
SMOKE = str(ROOT / "jobs" / "smoke_cmaes.toml")


def _run(capsys, *args):
    capsys.readouterr()
    rc = main(["--config", SMOKE, *map(str, args)])
    cap = capsys.readouterr()
    return rc, cap.out.strip().splitlines(), cap.err.strip().splitlines()


def _records(run_dir):
    rec = read_run(os.path.join(run_dir, "run.h5"))
    return {k: rec.gen_array(k) for k in ("candidates", "fitness", "mean", "sigma", "wins")}


def test_farm_keys_do_not_block_a_resume_and_are_used(tmp_path, capsys, monkeypatch):
    a = CMAESConfig.load(SMOKE, env={})
    b = CMAESConfig.load(SMOKE, env={"RINGRIFT_FARM_PREFETCH": "1", "RINGRIFT_FARM_GAMES_PER_TASK": "2"})
    assert a.config_hash() == b.config_hash()
    assert a.config_hash() != CMAESConfig.load(SMOKE, env={}, overrides={"run.seed": 2}).config_hash()
    full, cut = tmp_path / "full", tmp_path / "cut"
    assert _run(capsys, "--run-dir", full, "--generations", 1, "--iterations", 2)[0] == 0
    assert _run(capsys, "--run-dir", cut, "--generations", 1, "--iterations", 1)[0] == 0
    import ringrift_mpi.cmaes.job as J
    seen = []
    real = J.run_tasks
    monkeypatch.setattr(J, "run_tasks", lambda *a, **k: seen.append(k["prefetch"]) or real(*a, **k))
    monkeypatch.setenv("RINGRIFT_FARM_PREFETCH", "5")
    monkeypatch.setenv("RINGRIFT_FARM_GAMES_PER_TASK", "2")
    assert _run(capsys, "--run-dir", cut, "--generations", 1, "--iterations", 2)[0] == 0
    assert seen and set(seen) == {5}
    ra, rb = _records(full), _records(cut)
    for k in ra:
        assert np.array_equal(ra[k], rb[k]), k  # another farm layout, the same run


def test_scaling_probe_plays_the_jobs_epsilon(monkeypatch):
    from kernels import games
    from ringrift_mpi.cmaes import scaling
    for players, eps in ((2, 0.02), (3, 0.0), (4, 0.0)):
        cfg = CMAESConfig.load(SMOKE, env={}, overrides={"game.players": players, "cmaes.games_per_eval": 12,
                                                          "iterate.eval_games": 24, "game.eval_randomness": -1.0})
        assert scaling.probe_game(cfg)[3] == eps
    cfg = CMAESConfig.load(SMOKE, env={}, overrides={"game.eval_randomness": 0.1})
    assert scaling.probe_game(cfg)[3] == 0.1
    seen = []
    real = games.run_games
    monkeypatch.setattr(games, "run_games", lambda *a, **k: seen.append((k["eps"], k["max_moves"])) or real(*a, **k))
    assert scaling._probe("square8", 3, "full", 0.0, 50, 0.05, time.time()) > 0
    assert set(seen) == {(0.0, 20), (0.0, 50)}
