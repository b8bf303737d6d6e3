"""The CMA-ES job on one process, its config and files; fault injection under mpiexec."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from kernels import geometry as G
from kernels import heuristic as HE
from kernels.heuristic_weights import BASE_V1_BALANCED_WEIGHTS, active_weight_indices, weights_array
from ringrift_mpi.cmaes import main
from ringrift_mpi.cmaes.config import CMAESConfig
from ringrift_mpi.cmaes.fitness import Match, group_seeds, play_task, start_states, tally
from ringrift_mpi.config import ConfigError

ROOT = Path(__file__).resolve().parents[2]
SMOKE = str(ROOT / "jobs" / "smoke_cmaes.toml")
DEFAULT = weights_array(BASE_V1_BALANCED_WEIGHTS)


def _mpi_env():
    """Environment for a child mpiexec: this Python's bin first, no inherited PMI/Hydra state."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PMI_", "HYDRA_", "HYDI_", "MPIR_", "OMPI_"))}
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


def test_config_errors_name_file_and_key(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[cmaes]\nsigma = 'big'\n")
    with pytest.raises(ConfigError, match=r"bad\.toml: cmaes\.sigma: expected a number"):
        CMAESConfig.load(str(bad))
    bad.write_text("[cmaes]\nsigmaa = 1\n")
    with pytest.raises(ConfigError, match=r"bad\.toml: cmaes\.sigmaa: unknown key"):
        CMAESConfig.load(str(bad))
    bad.write_text("[game]\nplayers = 3\n[cmaes]\ngames_per_eval = 8\n")
    with pytest.raises(ConfigError, match="games_per_eval"):
        CMAESConfig.load(str(bad))
    bad.write_text("[game\n")
    assert main(["--config", str(bad), "--run-dir", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.toml: not valid TOML" in err[0]


def test_overrides_env_and_flags(tmp_path):
    cfg = CMAESConfig.load(SMOKE, env={"RINGRIFT_CMAES_SIGMA": "0.25", "RINGRIFT_GAME_MAX_MOVES": "150"},
                           overrides={"game.max_moves": 120})
    assert cfg.cmaes.sigma == 0.25 and cfg.game.max_moves == 120 and cfg.cmaes.generations == 3
    a = CMAESConfig.load(SMOKE, env={})
    b = CMAESConfig.load(SMOKE, env={}, overrides={"cmaes.generations": 9})
    c = CMAESConfig.load(SMOKE, env={}, overrides={"cmaes.sigma": 0.4})
    assert a.config_hash() == b.config_hash() != c.config_hash()  # budget keys do not change the run


def _match(W, players=2, board="square8", groups=4, mode="full"):
    seeds = group_seeds(5, 0, 0, 1, groups)
    return Match(board, players, mode, 0.02 if players == 2 else 0.0, 200 if players == 2 else 500, W,
                 start_states(board, players, seeds, 2), seeds, 2)


def test_fitness_depends_on_the_candidate():
    """All-zero weights make every move tie (a random player): it must score far below the default."""
    m = _match(np.stack([DEFAULT, DEFAULT, np.zeros(59), -DEFAULT]), groups=8)
    tasks = m.tasks()
    t = tally(m, tasks, [play_task(m, task) for task in tasks])
    assert t["games"] == 3 * 16
    assert np.array_equal(t["wins"] + t["draws"] + t["losses"], [16, 16, 16])
    assert t["fitness"][1] < 0.3 < t["fitness"][0], t["fitness"]
    # the same match again, tasks in another order: the same outcomes (common random numbers)
    t2 = tally(m, tasks, [play_task(m, task) for task in tasks[::-1]][::-1])
    assert np.array_equal(t["fitness"], t2["fitness"])


def test_random_opponent(tmp_path, capsys):
    """opponent = random: the other seats play uniformly random moves, so the default weights, even
    against themselves as baseline, score far above 1/2; iterative promotion is refused."""
    base = _match(np.stack([DEFAULT, DEFAULT]), groups=20)
    rnd = Match(**{**base.__dict__, "opponent": "random"})
    t_base = tally(base, base.tasks(), [play_task(base, task) for task in base.tasks()])
    t_rnd = tally(rnd, rnd.tasks(), [play_task(rnd, task) for task in rnd.tasks()])
    assert t_rnd["fitness"][0] >= 0.7 > t_base["fitness"][0], (t_rnd["fitness"], t_base["fitness"])
    with pytest.raises(ConfigError, match="iterate.iterations: must be 1 with cmaes.opponent = random"):
        CMAESConfig.load(SMOKE, env={}, overrides={"cmaes.opponent": "random", "iterate.iterations": 2})
    with pytest.raises(ConfigError, match="cmaes.opponent: must be baseline or random"):
        CMAESConfig.load(SMOKE, env={}, overrides={"cmaes.opponent": "self"})
    capsys.readouterr()
    assert main(["--config", SMOKE, "--run-dir", str(tmp_path / "r"), "--generations", "1",
                 "--opponent", "random"]) == 0
    line = [x for x in capsys.readouterr().out.splitlines() if x.startswith("iteration 1/1")][0]
    assert "vs random players over 20 fresh games" in line and "the baseline on the same games" in line, line


def test_multiplayer_fitness_rotates_seats():
    m = _match(np.stack([DEFAULT, DEFAULT]), players=3, groups=2)
    out, moves, capped = play_task(m, (0, 0, 2))
    assert out.shape == (2, 3) and moves > 0
    # candidate == baseline and deterministic play: each start gives exactly one winning seat (or none)
    assert all((row == 2).sum() <= 1 for row in out)


@pytest.mark.parametrize("board,players,mode", [("square8", 2, "full"), ("hex8", 3, "full"), ("square19", 2, "light"),
                                                ("square8", 4, "light")])
def test_held_weights_are_inert(board, players, mode):
    """Weights left out of active_weight_indices never change an evaluation there; tuned ones do."""
    from kernels.apply import apply_move
    from kernels.games import run_games
    b = G.board_id(board)
    geo = G.build(b)
    s0 = start_states(board, players, np.arange(1), 0)[0]
    r = run_games(geo, s0, 0, np.arange(3), np.zeros(players, np.int64), DEFAULT[None, :],
                  mode=HE.LIGHT if mode == "light" else HE.FULL, eps=0.3, max_moves=150, record=150)
    states = []
    for g in range(3):
        s = s0.copy()
        for k, mv in enumerate(r.move_list[g]):
            if mv < 0:
                break
            apply_move(geo, s, mv)
            if k % 5 == 0:
                states.append(s.copy())
    active = set(active_weight_indices(board, players, mode))
    rng = np.random.default_rng(1)
    out = np.zeros(HE.N_COMPONENTS)
    md = HE.LIGHT if mode == "light" else HE.FULL
    base = [[HE.evaluate(geo, s, p, DEFAULT, md, out) for p in range(1, players + 1)] for s in states]
    changed = set()
    for i in range(59):
        w = DEFAULT.copy()
        w[i] = DEFAULT[i] + rng.uniform(5, 50)
        now = [[HE.evaluate(geo, s, p, w, md, out) for p in range(1, players + 1)] for s in states]
        if now != base:
            changed.add(i)
    assert changed <= active, sorted(changed - active)
    assert len(changed) >= 0.6 * len(active)  # most tuned weights do act on these positions


def test_run_files_resume_and_bad_checkpoints(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["--config", SMOKE, "--run-dir", str(run), "--generations", "2"]) == 0
    names = sorted(p.name for p in run.iterdir())
    assert names == ["checkpoint.json", "cmaes.log", "config.json", "profile.json", "run.h5", "run.lock"]  # no temp files
    import h5py
    with h5py.File(run / "run.h5", "r") as f:
        assert f.attrs["format"] == "ringrift-mpi/cmaes-run" and json.loads(f.attrs["versions"])["cma"]
        assert f["generations/fitness"].shape == (2, 6) and f["generations/fitness"].attrs["axes"] == "generation,candidate"
        assert f["iterations/promoted"].shape == (1,)
    from ringrift_mpi.storage.cmaes_run import validate_run
    assert validate_run(str(run / "run.h5")) == []
    prof = json.loads((run / "profile.json").read_text())
    assert len(prof["weights"]) == 59 and 0.0 <= prof["fitness"] <= 1.0
    # running again: nothing left to do, same profile
    before = prof["weights"]
    assert main(["--config", SMOKE, "--run-dir", str(run), "--generations", "2"]) == 0
    assert json.loads((run / "profile.json").read_text())["weights"] == before
    # another configuration on the same directory
    capsys.readouterr()
    assert main(["--config", SMOKE, "--run-dir", str(run), "--sigma", "0.3"]) == 2
    assert "belongs to another configuration" in capsys.readouterr().out
    # a corrupt checkpoint
    (run / "checkpoint.json").write_text("{not json")
    assert main(["--config", SMOKE, "--run-dir", str(run), "--generations", "2"]) == 2
    assert "checkpoint.json: not valid JSON" in capsys.readouterr().out
    # a run file that does not match the checkpoint
    cp = {"format": "ringrift-mpi/cmaes-checkpoint", "format_version": 2, "config_hash":
          CMAESConfig.load(SMOKE, env={}).config_hash(), "generations_done": 2, "iterations_done": 1,
          "digests": {"generations/fitness": "0" * 64}}
    (run / "checkpoint.json").write_text(json.dumps(cp))
    assert main(["--config", SMOKE, "--run-dir", str(run), "--generations", "2"]) == 2
    assert "does not match the checkpoint" in capsys.readouterr().out


def test_exception_on_rank_1_aborts_the_job(tmp_path):
    env = _mpi_env()
    env["RINGRIFT_FAULT_RANK"] = "1"
    t = time.perf_counter()
    p = subprocess.run(["mpiexec", "-n", "2", sys.executable, "-m", "ringrift_mpi.cmaes", "--config", SMOKE,
                        "--run-dir", str(tmp_path / "r")], env=env, capture_output=True, text=True, timeout=120)
    why = f"exit {p.returncode}; stdout: {p.stdout[-1500:]!r}; stderr: {p.stderr[-3000:]!r}"
    assert p.returncode != 0, why
    assert "fault injected on rank 1" in p.stderr, why
    assert time.perf_counter() - t < 100, why


def test_state_pool_starts(tmp_path, capsys):
    from kernels.games import random_opening
    from ringrift_mpi.storage import StorageError
    from ringrift_mpi.storage.pool import read_pool, write_pool
    geo = G.build(G.SQUARE8)
    states = start_states("square8", 2, np.arange(5, dtype=np.int64), 0)
    for i, st in enumerate(states):
        random_opening(geo, st, 100 + i, 7)
    write_pool(str(tmp_path / "pool.h5"), states, "square8", 2, source="test: 7 random plies")
    assert np.array_equal(read_pool(str(tmp_path / "pool.h5"), "square8", 2), states)
    with pytest.raises(StorageError, match="pool.h5: pool holds square8 2p states, the job plays square8 3p"):
        read_pool(str(tmp_path / "pool.h5"), "square8", 3)
    m = _match(np.stack([DEFAULT, DEFAULT]))
    pooled = start_states("square8", 2, m.seeds, 0, states)
    assert all(any(np.array_equal(p, s) for s in states) for p in pooled)
    run = tmp_path / "run"
    assert main(["--config", SMOKE, "--run-dir", str(run), "--generations", "1",
                 "--state-pool", str(tmp_path / "pool.h5")]) == 0
    (tmp_path / "junk.h5").write_bytes(b"not hdf5")
    capsys.readouterr()
    assert main(["--config", SMOKE, "--run-dir", str(tmp_path / "r2"), "--state-pool", str(tmp_path / "junk.h5")]) == 2
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith("error: ") and "junk.h5: not an HDF5 file, so not a state pool" in out[-1]
