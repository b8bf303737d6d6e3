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
                     in a draw
  out_vtype[g]       VT_* below (how the game ended)
  out_moves[g]       moves applied (bookkeeping moves count, as in RingRift)
  out_scores[g, i]   seat i+1's final score: [credited eliminated rings,
                     territory spaces, rings still in play (hand + board)]
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
from .playout import end_capped, rng_seed
from .state import (ACTIVE, H_CUR, H_HIT_CAP, H_LPS_EXCL_DONE, H_N, H_P, H_STATUS, H_TERR_VICTORY, H_VICTORY,
                    H_WINNER, NP1, O_BELIM, O_CNT, O_COLL, O_H, O_HAND, O_MARK, O_TERR, jit)

VT_UNFINISHED = 0        # still active: no legal move (never happens in a consistent state)
VT_RING_ELIMINATION = 1
VT_TERRITORY = 2
VT_LAST_PLAYER_STANDING = 3
VT_STALEMATE = 4         # no stacks left; the tie-break ladder named the winner (RingRift labels it 'draw')
VT_MOVE_CAP = 5          # the move cap ended the game: a draw
VT_DRAW = 6              # ended without a winner otherwise
VICTORY_TYPE_NAMES = ("unfinished", "ring_elimination", "territory_control", "last_player_standing",
                      "stalemate", "move_cap", "draw")


@jit
def victory_type(s):
    """VT_* of a finished state, by RingRift's post-hoc ladder (see conformance.outcome)."""
    if s[H_STATUS] == ACTIVE:
        return VT_UNFINISHED
    if s[H_HIT_CAP] != 0:
        return VT_MOVE_CAP
    w = s[H_WINNER]
    if w == 0:
        return VT_DRAW
    if s[s[O_BELIM] + w] >= s[H_VICTORY]:
        return VT_RING_ELIMINATION
    n = s[H_N]
    terr = 0
    stacks = 0
    for c in range(n):
        if s[s[O_COLL] + c] == w:
            terr += 1
        if s[s[O_H] + c] > 0:
            stacks += 1
    if terr >= s[H_TERR_VICTORY]:
        return VT_TERRITORY
    if s[H_LPS_EXCL_DONE] == w:
        return VT_LAST_PLAYER_STANDING
    if stacks == 0:
        return VT_STALEMATE
    return VT_RING_ELIMINATION


@jit
def final_scores(s, agent, out):
    """out[seat-1] = [credited eliminations, territory spaces, rings in play] of each player's seat."""
    n = s[H_N]
    P = s[H_P]
    for p in range(1, P + 1):
        on_board = 0
        for c in range(n):
            on_board += s[s[O_CNT] + c * NP1 + p]
        i = agent[p] - 1
        out[i, 0] = s[s[O_BELIM] + p]
        out[i, 1] = s[s[O_TERR] + p]
        out[i, 2] = s[s[O_HAND] + p] + on_board


@jit
def final_ranks(s, agent, out):
    """out[seat-1] = rank: winner 1, others by (territory, credited eliminations, markers); draw: all 1."""
    n = s[H_N]
    P = s[H_P]
    w = s[H_WINNER]
    if w == 0:
        for i in range(P):
            out[i] = 1
        return
    key = np.zeros((NP1, 3), np.int64)
    for p in range(1, P + 1):
        key[p, 0] = s[s[O_TERR] + p]
        key[p, 1] = s[s[O_BELIM] + p]
    for c in range(n):
        mk = s[s[O_MARK] + c]
        if mk > 0:
            key[mk, 2] += 1
    for p in range(1, P + 1):
        if p == w:
            out[agent[p] - 1] = 1
            continue
        r = 2
        for q in range(1, P + 1):
            if q == w or q == p:
                continue
            better = False
            for j in range(3):
                if key[q, j] != key[p, j]:
                    better = key[q, j] > key[p, j]
                    break
            if better:
                r += 1
        out[agent[p] - 1] = r


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
        m, k = random_move(geo, s, rng, buf)
        if k == 0:
            break
        apply_move(geo, s, m)
