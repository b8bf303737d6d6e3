"""The batched game kernel: G games, each from a given start state, seats, weights and seed.

``play_games`` is what CMA-ES, evaluation matches and self-play call. A game is
a pure function of (start state, seat weights, mode, eps, temp, opening,
max_moves, seed): same inputs, same results, whatever process or thread plays
it and whatever else is in the batch (each game owns its RNG stream).

Seats: ``seat_w[g, i]`` is the row of ``W`` (weights, float64 K x 59) that
drives the player who *starts* in seat i+1, or -1 for the uniform random
player. After ``swap_sides`` the two agents exchange colours, and every result
stays indexed by starting seat.

Results per game g (arrays the caller allocates):
  out_winner[g]      seat that won (1..P), 0 for no winner
  out_rank[g, i]     final rank of seat i+1: the winner 1, the others ordered
                     by RingRift's tie-break ladder (territory spaces, credited
                     eliminations, markers), equal keys sharing a rank; all 1
                     in a draw (victory.final_ranks)
  out_vtype[g]       VT_* of kernels/victory.py (how the game ended)
  out_moves[g]       moves applied (bookkeeping moves count, as in RingRift)
  out_scores[g, i]   seat i+1's final score: [credited eliminated rings,
                     territory spaces, rings still in play (hand + board)]
                     (victory.final_scores)
  out_legal[g]       sum over decisions of the number of legal moves
  moves_out[g, :]    the move codes applied, while there is room (-1 after);
                     pass a (G, 0) array to record nothing
"""
from __future__ import annotations

import numpy as np

from .apply import apply_move
from .heuristic import N_COMPONENTS
from .moves import MAX_MOVES, SWAP_SIDES, mtype
from .players import greedy_move, random_move
from .recovery import listing_side_effect
from .rng import rng_seed
from .state import ACTIVE, H_CUR, H_P, H_STATUS, H_WINNER, NP1, jit
# the VT_* codes are re-exported: out_vtype holds them
from .victory import (VICTORY_TYPE_NAMES, VT_DRAW, VT_LAST_PLAYER_STANDING, VT_MOVE_CAP,  # noqa: F401
                      VT_RING_ELIMINATION, VT_STALEMATE, VT_TERRITORY, VT_UNFINISHED, end_capped, final_ranks,
                      final_scores, victory_type)


@jit
def play_one(geo, s, seed, seats, W, mode, eps, temp, opening, max_moves, moves_rec, buf, scratch, comp,
             scores, agent):
    """Play s to the end in place. Returns (moves applied, sum of legal-move counts)."""
    rng = rng_seed(seed)
    P = s[H_P]
    for p in range(NP1):
        agent[p] = p
    rec = moves_rec.shape[0]
    for i in range(rec):
        moves_rec[i] = -1
    nm = 0
    legal = 0
    while s[H_STATUS] == ACTIVE:
        if max_moves > 0 and nm >= max_moves:
            end_capped(s)
            break
        listing_side_effect(geo, s)
        cur = s[H_CUR]
        row = seats[agent[cur] - 1] if cur <= P else -1
        if nm < opening or row < 0:
            m, k = random_move(geo, s, rng, buf)
        else:
            m, k = greedy_move(geo, s, W[row], mode, eps, temp, rng, buf, scratch, comp, scores)
        if k == 0:
            break
        legal += k
        if nm < rec:
            moves_rec[nm] = m
        apply_move(geo, s, m)
        if mtype(m) == SWAP_SIDES:
            a = agent[1]
            agent[1] = agent[2]
            agent[2] = a
        nm += 1
    return nm, legal


@jit
def play_games(geo, pool, start_idx, seeds, seat_w, W, mode, eps, temp, opening, max_moves,
               out_winner, out_rank, out_vtype, out_moves, out_scores, out_legal, moves_out):
    """Play len(seeds) games; see the module doc for arguments and results."""
    G = seeds.shape[0]
    buf = np.empty(MAX_MOVES, np.int64)
    scores = np.empty(MAX_MOVES, np.float64)
    comp = np.empty(N_COMPONENTS, np.float64)
    scratch = np.empty(pool.shape[1], pool.dtype)
    agent = np.empty(NP1, np.int64)
    for g in range(G):
        s = pool[start_idx[g]].copy()
        nm, legal = play_one(geo, s, seeds[g], seat_w[g], W, mode, eps, temp, opening, max_moves,
                             moves_out[g], buf, scratch, comp, scores, agent)
        w = s[H_WINNER]
        out_winner[g] = agent[w] if (w > 0 and s[H_STATUS] != ACTIVE) else 0
        out_vtype[g] = victory_type(s)
        out_moves[g] = nm
        out_legal[g] = legal
        final_ranks(s, agent, out_rank[g])
        final_scores(s, agent, out_scores[g])


class GameResults:
    """Per-game results of ``run_games`` (numpy arrays, first axis = game)."""
    __slots__ = ("winner", "rank", "vtype", "moves", "scores", "legal", "move_list")

    def __init__(self, games: int, players: int, record: int):
        self.winner = np.zeros(games, np.int64)
        self.rank = np.zeros((games, players), np.int64)
        self.vtype = np.zeros(games, np.int64)
        self.moves = np.zeros(games, np.int64)
        self.scores = np.zeros((games, players, 3), np.int64)
        self.legal = np.zeros(games, np.int64)
        self.move_list = np.full((games, record), -1, np.int64)


def run_games(geo, pool, start_idx, seeds, seat_w, W, *, mode=0, eps=0.0, temp=0.0, opening=0,
              max_moves=0, record=0) -> GameResults:
    """Python entry: allocate the result arrays and call play_games (see the module doc)."""
    pool = np.ascontiguousarray(pool, np.int32)
    if pool.ndim == 1:
        pool = pool[None, :]
    seeds = np.ascontiguousarray(seeds, np.int64)
    g = seeds.shape[0]
    players = int(pool[0][H_P])
    start_idx = np.ascontiguousarray(np.broadcast_to(np.asarray(start_idx, np.int64), (g,)))
    seat_w = np.ascontiguousarray(np.broadcast_to(np.asarray(seat_w, np.int64), (g, players)))
    W = np.ascontiguousarray(np.atleast_2d(np.asarray(W, np.float64)))
    if W.shape[1] != 59:
        raise ValueError(f"weights must have 59 columns (HEURISTIC_WEIGHT_KEYS), got {W.shape[1]}")
    if seat_w.max(initial=-1) >= W.shape[0]:
        raise ValueError("seat_w names a weight row that W does not have")
    r = GameResults(g, players, record)
    play_games(geo, pool, start_idx, seeds, seat_w, W, int(mode), float(eps), float(temp), int(opening),
               int(max_moves), r.winner, r.rank, r.vtype, r.moves, r.scores, r.legal, r.move_list)
    return r


@jit
def random_opening(geo, s, seed, plies):
    """Apply up to ``plies`` uniformly random moves to s in place (a seeded opening); stops if the game ends."""
    rng = rng_seed(seed)
    buf = np.empty(MAX_MOVES, np.int64)
    for _ in range(plies):
        if s[H_STATUS] != ACTIVE:
            break
        listing_side_effect(geo, s)
        m, k = random_move(geo, s, rng, buf)
        if k == 0:
            break
        apply_move(geo, s, m)
