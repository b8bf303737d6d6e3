"""The evaluation match (python -m ringrift_mpi.evaluate), its statistics, and the promotion test."""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

from kernels.heuristic_weights import BASE_V1_BALANCED_WEIGHTS, HEURISTIC_WEIGHT_KEYS, weights_array
from ringrift_mpi.evaluate import main
from ringrift_mpi.evaluate.match import Settings, build_match, result_of
from ringrift_mpi.evaluate.players import Player, PlayerError, parse
from ringrift_mpi.evaluate.stats import binom_half_sf, elo, ratio_interval, sign_test, summarize

ROOT = Path(__file__).resolve().parents[2]
SMOKE = str(ROOT / "jobs" / "smoke_cmaes.toml")
DEFAULT = weights_array(BASE_V1_BALANCED_WEIGHTS)


def _play(m):
    from ringrift_mpi.cmaes.fitness import play_task
    tasks = m.tasks()
    return result_of(m, tasks, [play_task(m, t) for t in tasks])


def _settings(board="square8", players=2, games=40, plies=0, eps=None, seed=7):
    return Settings(board, players, "full", (0.02 if players == 2 else 0.0) if eps is None else eps,
                    200 if players == 2 else 500, plies, seed, games, 2)


def test_exact_sign_test_and_intervals():
    assert binom_half_sf(8, 10) == (45 + 10 + 1) / 1024
    assert binom_half_sf(0, 5) == 1.0 and binom_half_sf(6, 5) == 0.0
    assert sign_test(0, 0) == 1.0 and sign_test(10, 0) == 2.0 ** -10
    # exact where a normal approximation is not: a huge n stays a probability, tails add up to one
    assert 0.5 <= binom_half_sf(1000, 2000) < 0.51
    assert binom_half_sf(1001, 2000) + binom_half_sf(1000, 2000) - binom_half_sf(1000, 2000) < 1
    assert abs(binom_half_sf(1001, 2000) + (1 - binom_half_sf(1000, 2000)) - 1.0 + 0.0) < 0.02
    r, lo, hi = ratio_interval(np.array([1.0, 0.0] * 50), np.ones(100))
    assert r == 0.5 and lo < 0.5 < hi and abs((hi - lo) / 2 - 1.96 * 0.5 / 10) < 0.01
    assert elo(0.5, 2) == 0 and abs(elo(1 / 3, 3)) < 1e-9 and abs(elo(0.25, 4)) < 1e-9
    assert abs(elo(10 / 11, 2) - 400.0) < 1e-9 and elo(1.0, 3) == math.inf and elo(0.0, 2) == -math.inf


def test_summary_counts_sets_and_mirror():
    # 2 players: pairs (win, loss) even, (win, win) better, (draw, loss) worse
    s = summarize(np.array([[2, 0], [2, 2], [1, 0]]), None, 2)
    assert (s["wins"], s["draws"], s["losses"], s["sets_better"], s["sets_worse"]) == (3, 1, 2, 1, 1)
    assert s["score"] == 3.5 / 6 and s["p_value"] == 0.75
    # 3 players: the candidate won once; its mirror: the opponent won 0, 1 or 2 times
    s = summarize(np.array([[2, 0, 0]] * 3), np.array([[0, 0, 0], [2, 0, 0], [2, 2, 0]]), 3)
    assert (s["sets_better"], s["sets_worse"], s["sets_even"]) == (1, 1, 1) and s["parity"] == 1 / 3
    assert s["mirror_games"] == 9 and s["mirror_opponent_wins"] == 3


@pytest.mark.parametrize("board,players", [("square8", 2), ("square8", 3), ("hex8", 4)])
def test_a_profile_against_itself_scores_parity(board, players):
    """Seat balance: the candidate takes every seat of every set, so a profile against itself scores
    exactly parity (1/N of the decisive games, no set better or worse), and a tiny change of its
    weights, which only reorders near ties, stays within noise of it."""
    s = _settings(board, players, games=20 * players, plies=0 if players == 2 else 6)
    me = Player("me", "me", DEFAULT.copy())
    m = build_match(s, me, Player("default", "default", DEFAULT.copy()), None)
    r = _play(m)
    assert r["sets_better"] == r["sets_worse"] == 0 and r["p_value"] == 1.0
    assert r["wins"] * players == r["wins"] + r["losses"], r  # exactly 1/N of decisive games
    assert abs(r["elo"]) < 1e-9
    # the CMA-ES generation fitness (no mirror) of the same sets: the same score
    from ringrift_mpi.cmaes.fitness import Match, play_task, tally
    gen = Match(**{**m.__dict__, "mirror": False})
    fit = tally(gen, gen.tasks(), [play_task(gen, t) for t in gen.tasks()])["fitness"][0]
    assert fit == r["score"] == (r["wins"] + r["draws"] / 2) / r["games"]
    near = DEFAULT * (1 + 1e-6 * np.random.default_rng(3).standard_normal(59))
    r = _play(build_match(s, Player("near", "near", near), Player("default", "default", DEFAULT.copy()), None))
    decisive = r["wins"] + r["losses"]
    sd = math.sqrt(decisive * (1 / players) * (1 - 1 / players))
    assert abs(r["wins"] - decisive / players) <= 3 * sd + 1, r
    assert r["p_value"] > 0.01


@pytest.mark.parametrize("players", [2, 3])
def test_swapping_the_players_mirrors_the_match(players):
    """A vs B and B vs A play the very same games: every count mirrors, as the exact test assumes."""
    s = _settings("square8", players, games=8 * players, plies=6 if players > 2 else 0)
    a, b = Player("a", "a", DEFAULT.copy()), Player("z", "z", np.zeros(59))
    ab, ba = _play(build_match(s, a, b, None)), _play(build_match(s, b, a, None))
    assert (ab["sets_better"], ab["sets_worse"]) == (ba["sets_worse"], ba["sets_better"])
    if players == 2:
        assert (ab["wins"], ab["losses"]) == (ba["losses"], ba["wins"])
    else:
        assert ab["mirror_opponent_wins"] == ba["wins"] and ba["mirror_opponent_wins"] == ab["wins"]
    assert ab["sets_better"] > ab["sets_worse"]  # the default beats weights that all tie (random play)


def test_seat_kinds_and_bad_specs(tmp_path):
    assert parse("default").weights.tolist() == DEFAULT.tolist() and parse("random").weights is None
    partial = tmp_path / "p.json"
    partial.write_text(json.dumps({"weights": {"WEIGHT_STACK_CONTROL": 1.5}}))
    p = parse(str(partial))
    assert p.filled == 58 and p.weights[HEURISTIC_WEIGHT_KEYS.index("WEIGHT_STACK_CONTROL")] == 1.5
    multi = tmp_path / "m.json"
    multi.write_text(json.dumps({"profiles": {"x": {"WEIGHT_STACK_CONTROL": 2.0}}}))
    assert parse(f"profile:{multi}#x").weights[0] == 2.0
    for spec, words in (("nope", "not a player"), (f"{multi}#y", "no profile 'y'"),
                        (str(tmp_path / "missing.json"), "missing")):
        with pytest.raises(PlayerError, match=words):
            parse(spec)


@pytest.mark.skipif(not os.path.isdir(os.environ.get("RINGRIFT_CHECKOUT", "/nonexistent")),
                    reason="RINGRIFT_CHECKOUT (a RingRift checkout) is not set")
def test_ringrift_published_profiles_are_filled_from_the_default():
    two, opt = parse("ringrift:heuristic_v1_2p"), parse("ringrift:optimized")
    assert two.filled == 59 - 45 and opt.filled == 59 - 18
    assert not np.array_equal(two.weights, DEFAULT) and not np.array_equal(opt.weights, DEFAULT)


def test_command_prints_and_writes_its_result(tmp_path, capsys):
    from ringrift_mpi.storage import identify
    from ringrift_mpi.storage.evaluation import read_evaluation
    out = tmp_path / "ev.json"
    assert main(["random", "--vs", "default", "random", "--games", "12", "--seed", "3", "--output", str(out)]) == 0
    text = capsys.readouterr().out
    assert "score [95% interval]" in text and "p (one-sided)" in text and "wrote" in text
    d = read_evaluation(str(out))
    assert identify(str(out)).name == "ringrift-mpi/evaluation"
    assert [r["opponent"]["spec"] for r in d["results"]] == ["default", "random"]
    r = d["results"][0]
    assert r["games"] == 12 and r["sets"] == 6 and r["losses"] > r["wins"] and r["p_value"] > 0.5
    assert d["candidate"]["weights"] is None and len(d["results"][0]["opponent"]["weights"]) == 59
    # game settings from a job config, flags on top; bad input is one line and exit 2
    assert main(["default", "--vs", "default", "--config", SMOKE, "--num-players", "3", "--games", "6",
                 "--opening-random-plies", "4"]) == 0
    assert "square8 3p" in capsys.readouterr().out
    for argv, words in ((["default", "--vs", "x.json"], "x.json: RingRift weight profile missing"),
                        (["default", "--vs", "default", "--games", "7"], "multiple of the player count"),
                        (["default", "--vs", "default", "--board", "go"], "game.board: unknown board")):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and words in err[0], err


def _zero_profile(path) -> str:
    from ringrift_mpi import profiles as PR
    PR.save_profile(str(path), PR.Profile.from_array(np.zeros(59)))
    return str(path)


def test_promotion_needs_the_exact_test(tmp_path, capsys, monkeypatch):
    """A candidate that plays far better than its baseline (weights tuned against the random player,
    against weights that all tie, which play like it) is promoted; the same match the other way
    round is not, however high its generation fitness; eval_p is recorded."""
    from ringrift_mpi.cmaes import main as cmaes
    from ringrift_mpi.storage.cmaes_run import read_run
    zero = _zero_profile(tmp_path / "zero.json")
    default = ROOT / "profiles" / "square8_2p_vs_random.json"
    monkeypatch.setenv("RINGRIFT_ITERATE_EVAL_GAMES", "40")
    common = ["--config", SMOKE, "--generations", "1", "--iterations", "1", "--sigma", "0.01"]
    capsys.readouterr()
    assert cmaes(common + ["--run-dir", str(tmp_path / "up"), "--baseline", zero, "--start", str(default),
                           "--iterations", "2"]) == 0
    rec = read_run(str(tmp_path / "up" / "run.h5"))
    assert rec.iters["promoted"][0] == 1 and rec.iters["eval_p"][0] < 0.01, rec.iters
    # iteration 2 plays its incumbent (iteration 1's candidate) and the anchor, the job's baseline
    assert np.isnan(rec.iters["anchor_p"][0]) and 0 <= rec.iters["anchor_p"][1] <= 1
    out = capsys.readouterr().out
    assert "-> promoted (needs p < 0.01)" in out and "vs the job's baseline: score" in out
    assert ("-> promoted (needs p < 0.01 in both matches)" in out) == bool(rec.iters["promoted"][1]), out
    assert cmaes(common + ["--run-dir", str(tmp_path / "down"), "--baseline", str(default), "--start", zero]) == 0
    rec = read_run(str(tmp_path / "down" / "run.h5"))
    assert rec.iters["promoted"][0] == 0 and rec.iters["eval_p"][0] > 0.5
