"""Matches with model seats: A against B, seats balanced, score with a 95 % interval.

Seat specs: ``random`` (uniform random player), ``default`` (RingRift's default
heuristic weights), a RingRift weight-profile JSON path, or ``model:PATH`` where
PATH is a model version folder (``models/square8_2p/v3``), a model family folder
(its registry's best version) or a TorchScript file; ``model:PATH`` takes options
after ``@``: ``model:PATH@search`` (1-ply value search), ``@t=0.5``
(softmax temperature). ``parse_seat`` is the ``model`` kind for the ``evaluate``
command's seat registry; nothing outside ringrift_mpi/train imports torch.

A match of N games is N / P groups: one start (the initial position, then
``opening`` uniformly random plies drawn from the group's seed) played P times
with A in each seat in turn and B in the others. A game scores 1 for an A win,
1/2 without a winner, 0 otherwise; the score is the mean. The 95 % interval is
Wilson's score interval over the N games (draws counting half);
``p_value`` is the exact one-sided sign test on decisive games (P[X >= wins]
for X ~ Binomial(wins + losses, 1/2)): small when A is better than B.

``python -m ringrift_mpi.train.match --board square8 --a model:models/square8_2p/v1 --b default --games 200``
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np

from kernels import geometry as G

from .player import Heuristic, NNAgent, Random, play


def _model_dir(path: str) -> str:
    from ..storage import StorageError
    from ..storage.train_run import read_registry, versions
    if os.path.isfile(os.path.join(path, "config.json")):
        return path
    if versions(path):
        best = read_registry(path)["best"]
        if best is None:
            raise StorageError(f"{path}: no promoted model in this family (registry.json names none); "
                               "name a version folder instead")
        return os.path.join(path, best)
    raise StorageError(f"{path}: not a model version folder (no config.json) nor a model family")


def parse_seat(spec: str, board: int, players: int, eps: float = 0.0, device: str = "cpu"):
    """An agent for ``play`` from a seat spec (see the module doc)."""
    from kernels.heuristic_weights import BASE_V1_BALANCED_WEIGHTS, weights_array
    from ..storage import StorageError
    if spec == "random":
        return Random()
    if spec == "default":
        return Heuristic(weights_array(BASE_V1_BALANCED_WEIGHTS), eps, "default")
    if spec.startswith("model:"):
        path, _, opts = spec[len("model:"):].partition("@")
        search, temp = False, 0.0
        for o in filter(None, opts.split(",")):
            if o == "search":
                search = True
            elif o.startswith("t="):
                temp = float(o[2:])
            else:
                raise StorageError(f"{spec}: unknown model seat option {o!r} (search, t=TEMPERATURE)")
        from .export import load_exported
        if os.path.isfile(path):
            import torch
            module = torch.jit.load(path, map_location="cpu")
            name = path
        else:
            vdir = _model_dir(path)
            module, cfg = load_exported(vdir)
            if cfg["board"] != G.BOARD_NAMES[board] or cfg["players"] != players:
                raise StorageError(f"{vdir}: a {cfg['board']} {cfg['players']}p model, the match plays "
                                   f"{G.BOARD_NAMES[board]} {players}p")
            name = vdir
        return NNAgent(module.to(device), board, device=device, temperature=temp, value_search=search, name=name)
    from ..profiles import load_profile
    return Heuristic(load_profile(spec).array(), eps, spec)


def group_seeds(seed: int, n: int) -> np.ndarray:
    ss = np.random.SeedSequence([seed, 0x3A7C4])
    return (ss.generate_state(n, dtype=np.uint64) >> np.uint64(1)).astype(np.int64)


def summarize(outcomes: np.ndarray) -> dict:
    """outcomes: per game 2 (A won), 1 (no winner), 0 (A lost)."""
    n = len(outcomes)
    wins, draws, losses = int((outcomes == 2).sum()), int((outcomes == 1).sum()), int((outcomes == 0).sum())
    score = float((outcomes / 2.0).mean()) if n else 0.5
    return {"games": n, "wins": wins, "draws": draws, "losses": losses, "score": score,
            "ci95": wilson(score, n), "p_value": sign_test(wins, losses)}


def wilson(p: float, n: int, z: float = 1.96) -> list[float]:
    """Wilson's 95 % score interval for a proportion p of n games (draws count half a win). Unlike
    mean +- 1.96 sd / sqrt(n) it keeps a width at 0 and 1 (all games won or lost)."""
    if n == 0:
        return [0.0, 1.0]
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return [max(0.0, c - h), min(1.0, c + h)]


def sign_test(wins: int, losses: int) -> float:
    """P[X >= wins], X ~ Binomial(wins + losses, 1/2) (1.0 with no decisive game)."""
    n = wins + losses
    if n == 0:
        return 1.0
    return float(sum(math.comb(n, k) for k in range(wins, n + 1)) / 2 ** n)


def play_match(board: str, players: int, a, b, games: int, seed: int, *, opening: int = 4,
               max_moves: int = 0, batch: int = 64) -> dict:
    """A (agent) against B (agent): ``games`` games (a multiple of ``players``); see the module doc."""
    bid = G.board_id(board)
    if games % players:
        raise ValueError(f"games ({games}) must be a multiple of players ({players})")
    groups = games // players
    seeds = np.repeat(group_seeds(seed, groups), players)
    a_seat = np.tile(np.arange(players), groups)
    seat_agents = np.ones((games, players), np.int64)
    seat_agents[np.arange(games), a_seat] = 0
    t0 = time.time()
    out = np.zeros(games, np.int64)
    moves = 0
    for g0 in range(0, games, batch):
        r = play(bid, players, [a, b], seat_agents[g0:g0 + batch], seeds[g0:g0 + batch], opening=opening,
                 max_moves=max_moves)
        sl = a_seat[g0:g0 + batch]
        out[g0:g0 + batch] = np.where(r.winner == sl + 1, 2, np.where(r.winner == 0, 1, 0))
        moves += int(r.moves.sum())
    res = summarize(out)
    res.update({"board": board, "players": players, "a": getattr(a, "name", "a"), "b": getattr(b, "name", "b"),
                "seed": seed, "opening_plies": opening, "max_moves": max_moves, "moves": moves,
                "seconds": round(time.time() - t0, 1), "outcomes": out.tolist()})
    return res


def describe(res: dict) -> str:
    lo, hi = res["ci95"]
    return (f"{res['a']} vs {res['b']}: {res['games']} games, +{res['wins']} ={res['draws']} -{res['losses']}, "
            f"score {res['score']:.3f} (95% CI {lo:.3f}-{hi:.3f}), sign test p = {res['p_value']:.3g}, "
            f"{res['seconds']:.0f} s")


def default_eps(players: int) -> float:
    return 0.02 if players == 2 else 0.0  # RingRift's evaluation epsilon (the CMA-ES job's default)


def main(argv=None) -> int:
    from ..config import ConfigError
    from ..storage import StorageError
    from ..storage.train_run import write_match
    ap = argparse.ArgumentParser(prog="python -m ringrift_mpi.train.match",
                                 description="Play seat A against seat B, seats balanced; score with a 95% interval.")
    ap.add_argument("--board", default="square8", choices=G.BOARD_NAMES)
    ap.add_argument("--players", type=int, default=2, choices=(2, 3, 4))
    ap.add_argument("--a", required=True, help="seat spec: random | default | PROFILE.json | model:PATH[@search]")
    ap.add_argument("--b", required=True)
    ap.add_argument("--games", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--opening", type=int, default=4, help="uniformly random opening plies per start")
    ap.add_argument("--max-moves", type=int, default=400)
    ap.add_argument("--eps", type=float, default=None, help="heuristic seats' random-move probability "
                                                            "(default 0.02 with 2 players, 0 with 3-4)")
    ap.add_argument("--json", help="write the result here")
    a = ap.parse_args(argv)
    eps = default_eps(a.players) if a.eps is None else a.eps
    try:
        bid = G.board_id(a.board)
        sa, sb = (parse_seat(s, bid, a.players, eps) for s in (a.a, a.b))
        res = play_match(a.board, a.players, sa, sb, a.games, a.seed, opening=a.opening, max_moves=a.max_moves)
        res["eps"] = eps
    except (StorageError, ConfigError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(describe(res))
    if a.json:
        write_match(a.json, res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
