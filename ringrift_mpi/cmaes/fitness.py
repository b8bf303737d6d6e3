"""Fitness games: a candidate against the baseline, paired over seats, with common random numbers.

A *group* is one start position and one seed, played ``players`` times with the
candidate in each seat in turn and the baseline in every other seat (2 players:
the seat-swapped pair); with opponent = random the other seats are uniformly
random players instead, a sanity yardstick and a first curriculum step. All
candidates of a generation play the same groups.
Each game scores 1 for a candidate win, 1/2 without a winner (draw, move cap),
0 when another seat wins; fitness is the mean. That is RingRift's 2-player
(wins + draws/2) / games, and with 3-4 players RingRift's (x + 1) / 2 of x = +1
sole win, 0 no winner, -1 otherwise, except that the candidate takes every seat
of a start position in turn instead of one random seat (less noise, same mean).

An evaluation match (the promotion test, ``python -m ringrift_mpi.evaluate``) with
3-4 players also plays each group's *mirror*: the baseline alone in each seat among
copies of the candidate. Swapping the two labels maps a group with its mirror onto
itself, which makes the sign test of ringrift_mpi.evaluate.stats exact; with 2 players
the seat-swapped pair is already its own mirror.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kernels import geometry as G
from kernels.games import VT_MOVE_CAP, random_opening, run_games
from kernels.heuristic import FULL, LIGHT
from kernels.newgame import new_game

SALT_GENERATION, SALT_EVAL = 1, 2


def group_seeds(seed: int, iteration: int, generation: int, salt: int, n: int) -> np.ndarray:
    """n game seeds for (run seed, iteration, generation, purpose): platform-independent."""
    ss = np.random.SeedSequence([seed, iteration, generation + 1, salt])
    return (ss.generate_state(n, dtype=np.uint64) >> np.uint64(1)).astype(np.int64)


def start_states(board: str, players: int, seeds: np.ndarray, opening_plies: int,
                 pool: np.ndarray | None = None) -> np.ndarray:
    """One start state per group: a pool state (drawn by the group's seed) or the initial position,
    then ``opening_plies`` seeded random moves."""
    b = G.board_id(board)
    if pool is not None:
        out = pool[(seeds.astype(np.uint64) % np.uint64(len(pool))).astype(np.int64)].copy()
    else:
        out = np.repeat(new_game(b, players)[None, :], len(seeds), axis=0)
    if opening_plies > 0:
        geo = G.build(b)
        for i, sd in enumerate(seeds):
            random_opening(geo, out[i], np.int64(sd) ^ np.int64(0x5DEECE66D), opening_plies)
    return out


@dataclass
class Match:
    """What every rank needs to play a generation's tasks (broadcast by rank 0)."""
    board: str
    players: int
    mode: str
    epsilon: float
    max_moves: int
    W: np.ndarray        # [1 + candidates, 59]: row 0 the baseline, row 1 + c candidate c
    starts: np.ndarray   # [group, state]
    seeds: np.ndarray    # [group]
    groups_per_task: int
    opponent: str = "baseline"  # or "random": the other seats play uniformly random moves
    mirror: bool = False        # also play each group's mirror (3-4 players; see the module doc)
    random_rows: tuple = ()     # rows of W that stand for the uniform random player (evaluate's "random")

    def tasks(self, ranks: int = 1) -> list[tuple[int, int, int]]:
        """(candidate, first group, end group) tasks; the last 2 x ranks are split into single groups
        so a generation's tail is short. Results never depend on the split."""
        n = len(self.seeds)
        out = [(c, g0, min(n, g0 + self.groups_per_task))
               for c in range(self.W.shape[0] - 1) for g0 in range(0, n, self.groups_per_task)]
        k = min(len(out), 2 * ranks) if ranks > 1 else 0
        tail = [(c, g, g + 1) for c, g0, g1 in out[len(out) - k:] for g in range(g0, g1)]
        return out[:len(out) - k] + tail


def _seat_code(m: Match, row: int, code: int) -> int:
    """The run_games seat code of W's row: -1 for a random player."""
    if row in m.random_rows or (row == 0 and m.opponent == "random"):
        return -1
    return code


def play_task(m: Match, task) -> tuple[np.ndarray, int, int]:
    """Outcomes, moves played and games ended by the move cap. Outcomes: int8 [group, seat of the candidate] (2 win, 1 no winner,
    0 another seat won); with ``mirror`` another P columns follow: the baseline alone in that seat,
    2 when the baseline won."""
    c, g0, g1 = task
    P = m.players
    ng = g1 - g0
    cand, base = _seat_code(m, c + 1, 0), _seat_code(m, 0, 1)
    idx = np.repeat(np.arange(g0, g1), P)
    alone = np.tile(np.arange(P), ng)  # the seat of the one player that differs from the others
    seat_w = np.full((ng * P, P), base, np.int64)
    seat_w[np.arange(ng * P), alone] = cand
    if m.mirror:
        mir = np.full((ng * P, P), cand, np.int64)
        mir[np.arange(ng * P), alone] = base
        seat_w = np.concatenate([seat_w, mir])
        idx, alone = np.concatenate([idx, idx]), np.concatenate([alone, alone])
    W2 = np.stack([m.W[c + 1], m.W[0]])
    geo = G.build(G.board_id(m.board))
    r = run_games(geo, m.starts, idx, m.seeds[idx], seat_w, W2, mode=LIGHT if m.mode == "light" else FULL,
                  eps=m.epsilon, max_moves=m.max_moves)
    out = np.where(r.winner == alone + 1, 2, np.where(r.winner == 0, 1, 0)).astype(np.int8)
    capped = int((r.vtype == VT_MOVE_CAP).sum())
    if m.mirror:
        out = np.concatenate([out[:ng * P].reshape(ng, P), out[ng * P:].reshape(ng, P)], axis=1)
        return out, int(r.moves.sum()), capped
    return out.reshape(ng, P), int(r.moves.sum()), capped


def tally(m: Match, tasks, results) -> dict[str, np.ndarray]:
    """Per candidate: fitness, wins, draws, losses (the candidate's own games); total games, moves and
    games ended by the move cap;
    ``outcomes`` [candidate, group, seat] and, with ``mirror``, ``mirror`` [candidate, group, seat]
    (ringrift_mpi.evaluate.stats.summarize reads both)."""
    nc, P = m.W.shape[0] - 1, m.players
    width = 2 * P if m.mirror else P
    both = np.zeros((nc, len(m.seeds), width), np.int8)
    moves = capped = 0
    for (c, g0, g1), (out, mv, cap) in zip(tasks, results):
        both[c, g0:g1] = out
        moves += mv
        capped += cap
    outcomes = both[:, :, :P]
    flat = outcomes.reshape(nc, -1).astype(np.int64)
    games = flat.shape[1]
    return {"fitness": flat.sum(axis=1) / (2.0 * games), "wins": (flat == 2).sum(axis=1),
            "draws": (flat == 1).sum(axis=1), "losses": (flat == 0).sum(axis=1),
            "games": nc * games * (2 if m.mirror else 1), "moves": moves, "capped": capped, "outcomes": outcomes,
            "mirror": both[:, :, P:] if m.mirror else None}
