"""State pools from self-play datasets (python -m ringrift_mpi.statepool) and the shipped defaults."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kernels import state as S
from ringrift_mpi.selfplay import main as selfplay
from ringrift_mpi.statepool import default_pool
from ringrift_mpi.statepool.__main__ import main
from ringrift_mpi.statepool.sample import position_key, sample_states
from ringrift_mpi.storage.pool import read_pool

ROOT = Path(__file__).resolve().parents[2]
SMOKE = str(ROOT / "jobs" / "smoke_selfplay.toml")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("sp") / "run"
    assert selfplay(["--config", SMOKE, "--run-dir", str(d), "--num-players", "3", "--games", "12"]) == 0
    return d


def test_sampled_positions_are_mid_game_diverse_and_repeatable(run_dir, tmp_path, capsys):
    states, facts = sample_states(str(run_dir), size=30, seed=5)
    assert states.shape[0] == 30 and facts["players"] == 3
    assert np.all(states[:, S.H_STATUS] == S.ACTIVE)
    assert len({position_key(s) for s in states}) == 30  # no position twice
    assert len(facts["phases"]) >= 5 and max(facts["phases"].values()) <= 7  # spread over phases
    plies = np.array(facts["plies"])
    assert plies.min() > 0 and np.ptp(plies) > 50 and facts["games_used"] >= 5  # and over plies and games
    again, _ = sample_states(str(run_dir), size=30, seed=5)
    assert np.array_equal(states, again)
    other, _ = sample_states(str(run_dir), size=30, seed=6)
    assert not np.array_equal(states, other)
    capsys.readouterr()
    assert main([str(run_dir), "--out", str(tmp_path / "pool.h5"), "--size", "30", "--seed", "5"]) == 0
    assert "30 square8 3p positions" in capsys.readouterr().out
    assert np.array_equal(read_pool(str(tmp_path / "pool.h5"), "square8", 3), states)  # invariants checked


def test_a_file_that_is_not_a_dataset_is_one_line(tmp_path, capsys):
    bad = tmp_path / "x.h5"
    bad.write_bytes(b"not hdf5 at all")
    capsys.readouterr()
    assert main([str(bad), "--out", str(tmp_path / "p.h5")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(bad) in err[0], err
    assert not (tmp_path / "p.h5").exists()


def test_shipped_pools_load_for_every_configuration():
    for b in ("square8", "square19", "hex8", "hexagonal"):
        for p in (2, 3, 4):
            states = read_pool(default_pool(b, p), b, p)  # stamps, layout version, invariants
            assert len(states) == 32 and len({position_key(s) for s in states}) == 32, (b, p)
            assert len(set(states[:, S.H_PHASE].tolist())) >= 5, (b, p)


def test_cmaes_starts_three_player_fitness_games_from_the_default_pool(tmp_path, capsys):
    from ringrift_mpi.cmaes import main as cmaes
    from ringrift_mpi.cmaes.config import CMAESConfig
    cfg_path = tmp_path / "c.toml"
    cfg_path.write_text("[game]\nboard = 'square8'\nplayers = 3\nmax_moves = 200\nstate_pool = 'default'\n"
                        "[cmaes]\ngenerations = 1\npopulation_size = 4\ngames_per_eval = 6\n"
                        "[iterate]\neval_games = 6\n")
    assert CMAESConfig.load(str(cfg_path), env={}).pool_path == default_pool("square8", 3)
    capsys.readouterr()
    assert cmaes(["--config", str(cfg_path), "--run-dir", str(tmp_path / "r")]) == 0
    assert "gen   1" in capsys.readouterr().out
