"""The ``model:PATH`` seat kind of ``python -m ringrift_mpi.evaluate`` (and of the promotion gate).

Importing this module registers the kind and its game loop with evaluate's
registries; evaluate imports it only when a spec names a model
(evaluate/players.py ``PLUGINS``), so no other command loads torch.

``model:PATH[@OPTIONS]``: PATH is a model version folder
(``models/square8_2p/v3``), a model family folder (its registry's promoted
best), ``FAMILY/latest`` (its newest version) or a TorchScript file; OPTIONS,
comma-separated: ``search`` (a 1-ply value search) and ``t=T`` (sample the
policy at temperature T; default argmax).
Building the seat reads only the model's ``config.json``; the network itself is
loaded on each rank when it first plays (a TorchScript module does not pickle,
and the match's plan is broadcast to every rank).

A match with a model seat plays the same sets as any other evaluate match (the
starts, seeds and seat rotation of evaluate/match.py) through the batched game
loop of player.py, which plays the heuristic and random seats with the same
kernels and epsilon as the kernels' game loop.
"""
from __future__ import annotations

import os

import numpy as np

from ..evaluate.match import register_engine
from ..evaluate.players import Player, PlayerError, register
from ..storage import StorageError

KIND = "model"


def parse_options(spec: str) -> tuple[str, bool, float]:
    """``PATH[@search,t=T]`` -> (path, search, temperature); PlayerError on an unknown option."""
    path, _, opts = spec.partition("@")
    search, temp = False, 0.0
    for o in filter(None, opts.split(",")):
        if o == "search":
            search = True
        elif o.startswith("t="):
            try:
                temp = float(o[2:])
            except ValueError:
                temp = -1.0
            if not temp >= 0:
                raise PlayerError(f"model:{spec}: t= takes a temperature >= 0, got {o[2:]!r}")
        else:
            raise PlayerError(f"model:{spec}: unknown model seat option {o!r} (search, t=TEMPERATURE)")
    return path, search, temp


def model_dir(path: str) -> str:
    """A version folder for PATH (a version folder, a family's promoted best, or ``FAMILY/latest``:
    its newest version, promoted or not, as a pipeline's match wants the model it just trained)."""
    from ..storage.train_run import read_registry, versions
    if os.path.isfile(os.path.join(path, "config.json")):
        return path
    family = os.path.dirname(os.path.normpath(path))
    if os.path.basename(os.path.normpath(path)) == "latest" and versions(family):
        return os.path.join(family, f"v{versions(family)[-1]}")
    if os.path.isdir(path) and versions(path):
        best = read_registry(path)["best"]
        if best is None:
            raise StorageError(f"{path}: no promoted model in this family (registry.json names none); "
                               "name a version folder instead")
        return os.path.join(path, best)
    raise StorageError(f"{path}: not a model version folder (no config.json), a model family or a TorchScript file")


def _factory(arg: str) -> Player:
    from ..storage.train_run import read_model_config
    path, search, temp = parse_options(arg)
    try:
        if os.path.isfile(path):  # a bare TorchScript file: its board is checked when it plays
            where, plays = path, None
        else:
            where = model_dir(path)
            cfg = read_model_config(os.path.join(where, "config.json"))
            plays = (cfg["board"], int(cfg["players"]))
    except StorageError as e:
        raise PlayerError(str(e)) from None
    label = os.path.basename(os.path.normpath(where)) + ("+search" if search else "") + (f"@t={temp:g}" if temp else "")
    return Player(f"{KIND}:{arg}", label, None, engine=KIND, source=where, plays=plays)


# --- the game loop of matches with a model seat ---------------------------------------------------------

_LOADED: dict = {}  # spec -> agent, per process (each rank loads a model once)


def agent_for(p: Player, board: str, epsilon: float):
    """The player.py agent of a seat."""
    from kernels import geometry as G
    from .player import Heuristic, NNAgent, Random
    if p.engine == "kernels":
        return Random() if p.weights is None else Heuristic(np.asarray(p.weights, np.float64), epsilon, p.label)
    key = (p.spec, board)
    if key not in _LOADED:
        import torch
        # the ranks are evaluate's parallelism: one thread each (more spin against the other ranks)
        torch.set_num_threads(1)
        from .export import load_exported
        path, search, temp = parse_options(p.spec.split(":", 1)[1])
        if os.path.isfile(p.source):
            module = torch.jit.load(p.source, map_location="cpu")
        else:
            module, _ = load_exported(p.source)
        _LOADED[key] = NNAgent(module, G.board_id(board), temperature=temp, value_search=search, name=p.label)
    return _LOADED[key]


def play_task(m, task) -> tuple[np.ndarray, int, int]:
    """evaluate's task (candidate, first set, end set) with model seats: the same outcome array,
    moves and move-capped games as cmaes.fitness.play_task, played through player.play."""
    from kernels import geometry as G
    from kernels.games import VT_MOVE_CAP
    from kernels.heuristic import FULL, LIGHT
    from .player import play
    _, g0, g1 = task
    P, ng = m.players, g1 - g0
    cand, opp = m.seats
    agents = [agent_for(cand, m.board, m.epsilon), agent_for(opp, m.board, m.epsilon)]
    idx = np.repeat(np.arange(g0, g1), P)
    alone = np.tile(np.arange(P), ng)  # the seat of the one player that differs from the others
    seat = np.ones((ng * P, P), np.int64)
    seat[np.arange(ng * P), alone] = 0
    if m.mirror:
        seat = np.concatenate([seat, 1 - seat])
        idx, alone = np.concatenate([idx, idx]), np.concatenate([alone, alone])
    r = play(G.board_id(m.board), P, agents, seat, m.seeds[idx], start=m.starts[idx], max_moves=m.max_moves,
             mode=LIGHT if m.mode == "light" else FULL)
    out = np.where(r.winner == alone + 1, 2, np.where(r.winner == 0, 1, 0)).astype(np.int8)
    capped = int((r.vtype == VT_MOVE_CAP).sum())
    if m.mirror:
        out = np.concatenate([out[:ng * P].reshape(ng, P), out[ng * P:].reshape(ng, P)], axis=1)
    else:
        out = out.reshape(ng, P)
    return out, int(r.moves.sum()), capped


register(KIND, _factory, "a trained network: model:PATH[@search,t=T] (ringrift_mpi/train/seat.py)")
register_engine(KIND, play_task)
