"""The greedy HeuristicAI player and the batched game kernel."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from kernels import geometry as G
from kernels import heuristic as HE
from kernels import state as S
from kernels.apply import apply_move
from kernels.games import VT_MOVE_CAP, VT_TERRITORY, VT_UNFINISHED, VICTORY_TYPE_NAMES, run_games
from kernels.heuristic_weights import BASE_V1_BALANCED_WEIGHTS, HEURISTIC_WEIGHT_KEYS, weights_array
from kernels.movegen import legal_moves
from kernels.moves import SWAP_SIDES, mtype
from kernels.newgame import new_game
from kernels.players import scratch_for, score_moves, score_moves_copying
from ringrift_mpi import profiles as PR

DEFAULT = weights_array(BASE_V1_BALANCED_WEIGHTS)
BOARDS = [(G.SQUARE8, HE.FULL), (G.HEX8, HE.FULL), (G.SQUARE19, HE.LIGHT), (G.HEXAGONAL, HE.LIGHT)]


def _positions(board, players, games, max_moves, mode):
    """Every position of a few short greedy games (default weights, epsilon 0.1 for variety)."""
    geo = G.build(board)
    s0 = new_game(board, players)
    r = run_games(geo, s0, 0, np.arange(games), np.zeros(players, np.int64), DEFAULT[None, :], mode=mode,
                  eps=0.1, max_moves=max_moves, record=max_moves)
    for g in range(games):
        s = s0.copy()
        for m in r.move_list[g]:
            if m < 0:
                break
            yield geo, s.copy()
            apply_move(geo, s, m)


def _check_fast_path(geo, s, w, mode):
    buf, scratch, comp, fast = scratch_for(s)
    slow = np.empty_like(fast)
    k = legal_moves(geo, s, buf)
    before = s.copy()
    score_moves(geo, s, buf, k, w, mode, scratch, comp, fast)
    assert np.array_equal(s, before), "scoring moves changed the state it scored"
    score_moves_copying(geo, s, buf, k, w, mode, scratch, comp, slow)
    assert np.array_equal(fast[:k], slow[:k]), np.flatnonzero(fast[:k] != slow[:k])
    return k


@pytest.mark.parametrize("board,mode", BOARDS)
def test_fast_scoring_equals_copying(board, mode):
    """The in-place placement path scores every move exactly as apply-to-a-copy does."""
    rng = np.random.default_rng(board)
    w = rng.uniform(-10, 10, 59)  # every weight exercised, signs included
    big = board in (G.SQUARE19, G.HEXAGONAL)
    n = 0
    for i, (geo, s) in enumerate(_positions(board, 3 if big else 2, 2, 60 if big else 150, mode)):
        if big and i % 4:
            continue
        n += _check_fast_path(geo, s, w, mode)
        n += _check_fast_path(geo, s, DEFAULT, mode)
    assert n > 1000


def test_fast_scoring_on_eval_vectors(ringrift_fixtures):
    """The self-play scoring path gives RingRift's move scores' checked path on the handed positions."""
    from ringrift_mpi.interop import state_from_json
    n = 0
    for path in sorted((ringrift_fixtures / "eval-vectors").glob("*.json")):
        d = json.loads(path.read_text())
        for pos in d["positions"][::2]:
            board, s = state_from_json(pos["state"])
            mode = HE.LIGHT if pos["evalMode"] == "light" else HE.FULL
            n += _check_fast_path(board.geo, s, DEFAULT, mode)
    assert n > 1000


def _results(r):
    return (r.winner, r.rank, r.vtype, r.moves, r.scores, r.legal, r.move_list)


def test_batched_games_are_deterministic():
    geo = G.build(G.SQUARE8)
    s0 = new_game(G.SQUARE8, 2)
    W = np.stack([DEFAULT, -DEFAULT])
    seats = np.array([[0, 1], [1, 0], [0, 0], [1, -1]] * 3)
    seeds = np.arange(12) * 7919 + 3
    kw = dict(mode=HE.FULL, eps=0.02, max_moves=200, record=250)
    a = run_games(geo, s0, 0, seeds, seats, W, **kw)
    b = run_games(geo, s0, 0, seeds, seats, W, **kw)
    for x, y in zip(_results(a), _results(b)):
        assert np.array_equal(x, y)
    # a game's result does not depend on the rest of its batch or on the thread that plays it
    order = np.arange(12)[::-1]
    with ThreadPoolExecutor(2) as ex:
        parts = list(ex.map(lambda idx: run_games(geo, s0, 0, seeds[idx], seats[idx], W, **kw),
                            [order[:5], order[5:]]))
    for j, g in enumerate(order):
        r, i = (parts[0], j) if j < 5 else (parts[1], j - 5)
        assert r.winner[i] == a.winner[g] and r.moves[i] == a.moves[g]
        assert np.array_equal(r.move_list[i], a.move_list[g])
    # different seeds give different games
    c = run_games(geo, s0, 0, seeds + 1, seats, W, **kw)
    assert not np.array_equal(c.move_list, a.move_list)


def test_weights_change_the_games():
    """Fitness must depend on the candidate: different weights, different play."""
    geo = G.build(G.SQUARE8)
    s0 = new_game(G.SQUARE8, 2)
    W = np.stack([DEFAULT, -DEFAULT])
    seeds = np.arange(6)
    a = run_games(geo, s0, 0, seeds, [0, 0], W, eps=0.0, max_moves=200, record=200)
    b = run_games(geo, s0, 0, seeds, [1, 0], W, eps=0.0, max_moves=200, record=200)
    assert all(not np.array_equal(a.move_list[g], b.move_list[g]) for g in range(6))


def test_heuristic_beats_random():
    """Greedy default-weight HeuristicAI vs the uniform random player over 200 square8 2p games.

    With RingRift's default weights its own HeuristicAI does not reach the issue's 95 %: measured
    with RingRift's engine (its CMA-ES game loop, same weights, seeded), it won 152 of 200 (76 %) as
    it really plays, corrupting its live state while scoring moves, and 89 of 100 with that bug
    isolated (each select_move on a deep copy). Ours is the isolated player and wins 172 of 200
    (86 %), inside that range; tuned weights reach 95 % (test_tuned_profile_beats_random). The
    bound below fails if the player stops playing RingRift's policy (scoring from the wrong seat,
    picking the worst move, ignoring the weights).
    """
    wins = _wins_against_random(DEFAULT)
    assert wins >= 160, f"heuristic won only {wins} of 200"


def _wins_against_random(w) -> int:
    """Greedy play with weights w against the uniform random player: wins in 200 square8 2p games,
    the heuristic taking each seat in half of them."""
    seats = np.array([[0, -1], [-1, 0]] * 100)
    r = run_games(G.build(G.SQUARE8), new_game(G.SQUARE8, 2), 0, np.arange(200), seats, w[None, :],
                  mode=HE.FULL, eps=0.0, max_moves=400)
    return int((r.winner == np.where(seats[:, 0] == 0, 1, 2)).sum())


def test_tuned_profile_beats_random():
    """The suite's own CMA-ES, tuning against the random player (jobs/square8_2p_vs_random.toml),
    makes a greedy heuristic player that wins >= 95 % of 200 square8 2p games against it.

    profiles/square8_2p_vs_random.json is that job's output, committed; the games here use seeds
    the job never played. Its config_hash ties it to the job file: edit the job and this test asks
    for the profile to be made again (profiles/README.md says how)."""
    from pathlib import Path
    from ringrift_mpi.cmaes.config import CMAESConfig
    root = Path(__file__).resolve().parents[2]
    prof = PR.load_profile(root / "profiles" / "square8_2p_vs_random.json")
    job = CMAESConfig.load(str(root / "jobs" / "square8_2p_vs_random.toml"), env={})
    assert prof.meta["config_hash"] == job.config_hash(), "profile is stale: rerun its job (profiles/README.md)"
    wins = _wins_against_random(prof.array())
    assert wins >= 190, f"tuned profile won only {wins} of 200"


def test_results_are_consistent():
    for board, players in [(G.SQUARE8, 3), (G.HEX8, 4), (G.SQUARE8, 2)]:
        geo = G.build(board)
        s0 = new_game(board, players)
        r = run_games(geo, s0, 0, np.arange(20), np.zeros(players, np.int64), DEFAULT[None, :],
                      mode=HE.FULL, max_moves=600)
        supply = int(s0[S.H_RPP])
        for g in range(20):
            assert r.vtype[g] != VT_UNFINISHED
            if r.winner[g]:
                assert r.rank[g, r.winner[g] - 1] == 1 and (r.rank[g] == 1).sum() == 1
                assert sorted(r.rank[g])[1] >= 2
            else:
                assert (r.rank[g] == 1).all()
            if r.vtype[g] == VT_TERRITORY:
                assert r.scores[g, r.winner[g] - 1, 1] >= int(s0[S.H_TERR_VICTORY])
            # credited eliminations + rings still in play account for every ring
            assert r.scores[g, :, 0].sum() + r.scores[g, :, 2].sum() == players * supply
    capped = run_games(G.build(G.SQUARE8), new_game(G.SQUARE8, 2), 0, np.arange(3), [0, 0], DEFAULT[None, :],
                       max_moves=10)
    assert (capped.vtype == VT_MOVE_CAP).all() and (capped.winner == 0).all() and (capped.moves == 10).all()
    assert VICTORY_TYPE_NAMES[VT_MOVE_CAP] == "move_cap"


def test_swap_sides_follows_the_agents():
    """With the pie rule, an agent that swaps takes over seat 1's colour; results stay per starting seat."""
    geo = G.build(G.SQUARE8)
    s0 = new_game(G.SQUARE8, 2, swap_rule=True)
    swapper = DEFAULT.copy()
    swapper[HEURISTIC_WEIGHT_KEYS.index("WEIGHT_RINGS_IN_HAND")] = -50.0  # makes swap_sides its best reply
    W = np.stack([DEFAULT, swapper])
    swapped = 0
    for seats in ([0, 1], [0, 0]):
        r = run_games(geo, s0, 0, np.arange(20), seats, W, eps=0.0, max_moves=300, record=300)
        for g in range(20):
            s = s0.copy()
            agent = {1: 1, 2: 2}
            for m in r.move_list[g]:
                if m < 0:
                    break
                apply_move(geo, s, m)
                if mtype(m) == SWAP_SIDES:
                    agent = {1: 2, 2: 1}
                    swapped += 1
            w = int(s[S.H_WINNER])
            assert r.winner[g] == (agent[w] if w else 0)
            assert r.rank[g, r.winner[g] - 1] == 1 if r.winner[g] else True
    assert swapped >= 20


def test_bad_weight_shapes():
    geo = G.build(G.SQUARE8)
    with pytest.raises(ValueError, match="59 columns"):
        run_games(geo, new_game(G.SQUARE8, 2), 0, [1], [0, 0], np.zeros((1, 58)))
    with pytest.raises(ValueError, match="weight row"):
        run_games(geo, new_game(G.SQUARE8, 2), 0, [1], [0, 3], DEFAULT[None, :])


def test_default_profile_round_trip(tmp_path):
    """RingRift's default profile (BASE_V1_BALANCED_WEIGHTS), saved and reloaded, is unchanged."""
    p = PR.Profile(dict(BASE_V1_BALANCED_WEIGHTS))
    PR.save_profile(tmp_path / "default.json", p)
    raw = json.loads((tmp_path / "default.json").read_text())
    assert list(raw["weights"]) == sorted(HEURISTIC_WEIGHT_KEYS)  # RingRift writes sort_keys=True
    q = PR.load_profile(tmp_path / "default.json")
    assert q.weights == BASE_V1_BALANCED_WEIGHTS and q.filled == []
    PR.save_profile(tmp_path / "again.json", q)
    assert PR.load_profile(tmp_path / "again.json").weights == q.weights
