"""One small, sound file of every registered format, written by the suite's own writers.

Tests that must cover every format (h5ls reads each HDF5 one, every ringrift-h5 verb runs on
each) take their files from here; ``test_every_format_has_a_sample`` fails when a format is
registered without a maker below, so a new format is covered as soon as it lands.
"""
from __future__ import annotations

import json
import os

import numpy as np


def record(n_gen=2, n_cand=3):
    from ringrift_mpi.storage.cmaes_run import RunRecord
    rng = np.random.default_rng(0)
    rec = RunRecord({"config": json.dumps({"game": {"board": "square8", "players": 2}}), "config_hash": "abc",
                     "seed": 1, "versions": "{}", "weight_keys": json.dumps([f"W{i}" for i in range(59)]),
                     "tuned": "[0, 1]", "sessions": "[]"})
    for g in range(n_gen):
        wins = rng.integers(0, 5, n_cand)
        draws = np.zeros(n_cand, int)
        rec.add_generation(iteration=0, generation_in_iteration=g, ranks=1, candidates=rng.normal(size=(n_cand, 59)),
                           fitness=wins / 8, wins=wins, draws=draws, losses=8 - wins, mean=rng.normal(size=59),
                           sigma=0.5, wall_s=1.0, games=8 * n_cand)
    rec.add_iteration(baseline=np.zeros(59), best=np.ones(59), best_fitness=0.5, eval_score=0.4, eval_wins=4,
                      eval_draws=0, eval_losses=6, eval_p=0.8, anchor_p=float("nan"), promoted=0)
    return rec


def pool_states(n=4, board="square8", players=2, plies=6):
    from kernels import geometry as G
    from kernels.games import random_opening
    from ringrift_mpi.cmaes.fitness import start_states
    states = start_states(board, players, np.arange(n, dtype=np.int64), 0)
    for i, s in enumerate(states):
        random_opening(G.build(G.board_id(board)), s, 100 + i, plies)
    return states


def _run(d):
    from ringrift_mpi.storage.cmaes_run import write_run
    write_run(os.path.join(d, "run.h5"), record())
    return os.path.join(d, "run.h5")


def _checkpoint(d):
    from ringrift_mpi.storage.cmaes_run import write_checkpoint
    write_checkpoint(os.path.join(d, "checkpoint.json"), record(), "abc", {"ranks": 1})
    return os.path.join(d, "checkpoint.json")


def _pool(d):
    from ringrift_mpi.storage.pool import write_pool
    write_pool(os.path.join(d, "pool.h5"), pool_states(), "square8", 2, source="tests: 6 random plies")
    return os.path.join(d, "pool.h5")


def _bench(d):
    from ringrift_mpi.storage.json_formats import write_bench
    write_bench(os.path.join(d, "bench.json"), {"machine": {}, "results": [
        {"mode": "random", "board": "square8", "players": 2, "games_per_s": 10.0, "moves_per_s": 900.0}]})
    return os.path.join(d, "bench.json")


def _profile(d):
    from ringrift_mpi.profiles import Profile, save_profile
    save_profile(os.path.join(d, "profile.json"), Profile.from_array(np.arange(59, dtype=float), fitness=0.5))
    return os.path.join(d, "profile.json")


def _profiles(d):
    from ringrift_mpi.profiles import Profile, save_profiles
    save_profiles(os.path.join(d, "profiles.json"), {"a": Profile.from_array(np.arange(59, dtype=float))})
    return os.path.join(d, "profiles.json")


def _train_checkpoint(d):
    # the record names a weights file; its bytes are torch's business, the record checks their sha256
    from ringrift_mpi.storage.train_run import write_checkpoint_record
    with open(os.path.join(d, "ckpt-000000010.pt"), "wb") as f:
        f.write(b"weights")
    write_checkpoint_record(d, {"weights": "ckpt-000000010.pt", "step": 10, "epoch": 0, "batch_in_epoch": 10,
                                "config_hash": "abc", "config": {}})
    with open(os.path.join(d, "metrics.csv"), "w") as f:  # what the training loop logs beside it
        f.write("kind,step,epoch,loss,policy_loss,value_loss,policy_acc,value_mae,lr,samples_per_s,wall_s\n"
                "step,5,0,9.1,8.1,1.0,0.1,0.99,0.001,50,0\nstep,10,0,7.0,6.1,0.9,0.3,0.95,0.002,50,1\n"
                "val,10,0,7.2,6.3,0.9,0.28,0.95,0.002,0,2\n")
    return os.path.join(d, "checkpoint.json")


def _model_family(d):
    from ringrift_mpi.storage.train_run import publish_version, sha256_file, write_model_config

    def build(tmp):
        with open(os.path.join(tmp, "model.pt"), "wb") as f:
            f.write(b"torchscript")
        write_model_config(os.path.join(tmp, "config.json"), {
            "board": "square8", "players": 2, "network": {"channels": 8, "blocks": 1},
            "files": {"model.pt": sha256_file(os.path.join(tmp, "model.pt"))}})
    return publish_version(os.path.join(d, "square8_2p"), build)


def _model(d):
    return os.path.join(_model_family(d), "config.json")


def _registry(d):
    from ringrift_mpi.storage.train_run import record_decision
    v = _model_family(d)
    record_decision(os.path.dirname(v), {"candidate": os.path.basename(v), "incumbent": "default", "promoted": True})
    return os.path.join(os.path.dirname(v), "registry.json")


def _evaluation(d):
    from ringrift_mpi.evaluate.stats import summarize
    from ringrift_mpi.storage.evaluation import write_evaluation
    outcomes = np.array([[1.0, 0.0], [1.0, 0.5], [0.0, 1.0], [1.0, 1.0]])
    res = {**summarize(outcomes, None, 2), "moves": 400, "capped": 0}
    who = {"spec": "default", "label": "default", "source": "RingRift's default weights", "filled": 0,
           "weights": None}
    write_evaluation(os.path.join(d, "evaluation.json"), {
        "created": "2026-12-06T00:00:00+0000", "command": "python -m ringrift_mpi.evaluate default --vs default",
        "ranks": 1, "wall_s": 1.0, "settings": {"board": "square8", "players": 2, "mode": "full", "epsilon": 0.02,
                                                 "max_moves": 200, "opening_random_plies": 0, "state_pool": "",
                                                 "state_pool_sha256": "", "seed": 1, "games": 8},
        "candidate": who, "results": [{"opponent": who, **res}]})
    return os.path.join(d, "evaluation.json")


def _selfplay_setup():
    from ringrift_mpi.selfplay.config import SelfplayConfig
    from ringrift_mpi.selfplay.play import Setup, load_seats, shard_attrs
    cfg = SelfplayConfig.load(None, env={})
    W, rows, hashes, table = load_seats(["default"], 2)
    return cfg, Setup("square8", 2, 1, "full", 0.05, 0.0, 0, 600, True, 1, W, rows, hashes,
                      attrs=shard_attrs(cfg, table))


def _dataset(d):
    from ringrift_mpi.selfplay.play import play_block
    from ringrift_mpi.storage.dataset import write_dataset
    _, setup = _selfplay_setup()
    path = os.path.join(d, "s001-r0000-00000.h5")
    write_dataset(path, setup.attrs, [play_block(setup, 0, 2)[0]], 64)
    return path


def _dataset_index(d):
    """A run directory's index over two shards."""
    from ringrift_mpi.selfplay.play import play_block
    from ringrift_mpi.storage.dataset import build_index, write_dataset
    _, setup = _selfplay_setup()
    os.makedirs(os.path.join(d, "shards"), exist_ok=True)
    for r in range(2):
        write_dataset(os.path.join(d, "shards", f"s001-r{r:04d}-00000.h5"), setup.attrs,
                      [play_block(setup, r, r + 1)[0]], 64)
    build_index(d)
    return os.path.join(d, "dataset.h5")


def _selfplay_run(d):
    from ringrift_mpi.storage.selfplay_run import write_run
    cfg, setup = _selfplay_setup()
    write_run(os.path.join(d, "selfplay.json"), cfg.to_dict(), cfg.config_hash(), {"default": setup.seat_hashes[0]},
              [{"session": 1, "started": "2026-01-01T00:00:00+0000", "ranks": 2, "games_done": 0}])
    return os.path.join(d, "selfplay.json")


MAKERS = {
    "ringrift-mpi/train-checkpoint": _train_checkpoint,
    "ringrift-mpi/model": _model,
    "ringrift-mpi/model-registry": _registry,
    "ringrift-mpi/cmaes-run": _run,
    "ringrift-mpi/cmaes-checkpoint": _checkpoint,
    "ringrift-mpi/state-pool": _pool,
    "ringrift-mpi/bench": _bench,
    "ringrift/heuristic-profile": _profile,
    "ringrift/heuristic-profiles": _profiles,
    "ringrift-mpi/selfplay-dataset": _dataset,
    "ringrift-mpi/selfplay-index": _dataset_index,
    "ringrift-mpi/selfplay-run": _selfplay_run,
    "ringrift-mpi/evaluation": _evaluation,
}


def make_samples(d) -> dict[str, str]:
    """format name -> a sample file of it, each in its own folder under ``d`` (run.h5 and
    checkpoint.json would otherwise be read as one run directory)."""
    out = {}
    for name, make in MAKERS.items():
        sub = os.path.join(os.fspath(d), name.replace("/", "_"))
        os.makedirs(sub, exist_ok=True)
        out[name] = make(sub)
    return out
