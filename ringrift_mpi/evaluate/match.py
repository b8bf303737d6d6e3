"""One candidate against one or more opponents: the same sets for every opponent, played on the farm.

The games are the CMA-ES job's (ringrift_mpi.cmaes.fitness: start positions, seeds,
seat rotation, the mirror with 3-4 players); this module only lays them out for a
fixed pair of players and summarises them (ringrift_mpi.evaluate.stats). Results are
stored by task index, so they do not depend on the rank count.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..cmaes.fitness import Match, group_seeds, play_task, start_states, tally
from .players import Player, PlayerError
from .stats import summarize

SALT_EVALUATE = 3  # group seeds of this command: other games than the CMA-ES job's with the same seed

# engine -> task function (match, task) -> cmaes.fitness.play_task's result, for seats the kernels'
# game loop cannot play; registered by the seat kind's own module (evaluate/players.py PLUGINS)
ENGINES: dict[str, Callable] = {}


def register_engine(engine: str, play_task_fn: Callable) -> None:
    ENGINES[engine] = play_task_fn


@dataclass
class SeatMatch(Match):
    """A match whose seats are not all the kernels' players: the two Players ride along, and the
    task function of their engine plays it (the same sets, outcomes and statistics)."""
    seats: tuple = ()    # (candidate, opponent)
    engine: str = "kernels"


@dataclass
class Settings:
    board: str
    players: int
    mode: str            # full | light
    epsilon: float
    max_moves: int
    opening_plies: int
    seed: int
    games: int           # the candidate's games per opponent (a multiple of players)
    groups_per_task: int = 2


def build_match(s: Settings, cand: Player, opp: Player, pool: np.ndarray | None) -> Match:
    for p in (cand, opp):
        if p.plays is not None and tuple(p.plays) != (s.board, s.players):
            raise PlayerError(f"{p.spec}: plays {p.plays[0]} {p.plays[1]}p, the match is {s.board} {s.players}p")
    engines = {p.engine for p in (cand, opp)} - {"kernels"}
    if len(engines) > 1:
        raise PlayerError(f"{cand.spec} vs {opp.spec}: players of two engines ({', '.join(sorted(engines))}) "
                          "cannot meet yet")
    seeds = group_seeds(s.seed, 0, 0, SALT_EVALUATE, s.games // s.players)
    zero = np.zeros(59)
    W = np.stack([zero if opp.weights is None else opp.weights, zero if cand.weights is None else cand.weights])
    kw = dict(mirror=s.players > 2)
    starts = start_states(s.board, s.players, seeds, s.opening_plies, pool)
    if engines:
        (engine,) = engines
        if engine not in ENGINES:  # every rank builds the match; only rank 0 parsed the seats
            from .players import load_plugin
            load_plugin(engine)
        if engine not in ENGINES:
            raise PlayerError(f"{(cand if cand.engine == engine else opp).spec}: no game loop for {engine} seats "
                              "is registered")
        return SeatMatch(s.board, s.players, s.mode, s.epsilon, s.max_moves, W, starts, seeds, s.groups_per_task,
                         seats=(cand, opp), engine=engine, **kw)
    rnd = tuple(i for i, p in enumerate((opp, cand)) if p.weights is None)
    return Match(s.board, s.players, s.mode, s.epsilon, s.max_moves, W, starts, seeds, s.groups_per_task,
                 random_rows=rnd, **kw)


def task_function(m: Match) -> Callable:
    """The function that plays ``m``'s tasks on this rank (a plugin engine's module is imported here
    on ranks other than the one that parsed the seats)."""
    engine = getattr(m, "engine", "kernels")
    if engine == "kernels":
        return play_task
    if engine not in ENGINES:
        from .players import load_plugin
        load_plugin(engine)
    return ENGINES[engine]


def play_match(comm, m: Match, prefetch: int = 3, on_result=None, should_stop=lambda: False):
    """Collective. Rank 0 gets (tasks, results), or None if stopped; other ranks None."""
    from ..mpi.farm import run_tasks
    tasks = m.tasks(comm.size) if comm.rank == 0 else None
    fn = task_function(m)
    res = run_tasks(comm, tasks, lambda t: fn(m, t), should_stop=should_stop, prefetch=prefetch,
                    on_result=on_result)
    if comm.rank != 0 or any(r is None for r in res):
        return None
    return tasks, res


def result_of(m: Match, tasks, results) -> dict:
    """The summary of a played match (stats.summarize) plus games, moves and move-capped games."""
    t = tally(m, tasks, results)
    st = summarize(t["outcomes"][0], None if t["mirror"] is None else t["mirror"][0], m.players)
    st["moves"], st["capped"] = int(t["moves"]), int(t["capped"])
    return st
