"""One candidate against one or more opponents: the same sets for every opponent, played on the farm.

The games are the CMA-ES job's (ringrift_mpi.cmaes.fitness: start positions, seeds,
seat rotation, the mirror with 3-4 players); this module only lays them out for a
fixed pair of players and summarises them (ringrift_mpi.evaluate.stats). Results are
stored by task index, so they do not depend on the rank count.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..cmaes.fitness import Match, group_seeds, play_task, start_states, tally
from .players import Player, PlayerError
from .stats import summarize

SALT_EVALUATE = 3  # group seeds of this command: other games than the CMA-ES job's with the same seed


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
        if p.engine != "kernels":
            raise PlayerError(f"{p.spec}: a {p.engine} player cannot be played by the kernels' game loop yet")
    seeds = group_seeds(s.seed, 0, 0, SALT_EVALUATE, s.games // s.players)
    zero = np.zeros(59)
    W = np.stack([zero if opp.weights is None else opp.weights, zero if cand.weights is None else cand.weights])
    rnd = tuple(i for i, p in enumerate((opp, cand)) if p.weights is None)
    return Match(s.board, s.players, s.mode, s.epsilon, s.max_moves, W,
                 start_states(s.board, s.players, seeds, s.opening_plies, pool), seeds,
                 s.groups_per_task, mirror=s.players > 2, random_rows=rnd)


def play_match(comm, m: Match, prefetch: int = 3, on_result=None, should_stop=lambda: False):
    """Collective. Rank 0 gets (tasks, results), or None if stopped; other ranks None."""
    from ..mpi.farm import run_tasks
    tasks = m.tasks(comm.size) if comm.rank == 0 else None
    res = run_tasks(comm, tasks, lambda t: play_task(m, t), should_stop=should_stop, prefetch=prefetch,
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
