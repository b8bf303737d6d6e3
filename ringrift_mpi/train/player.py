"""Games with neural-network seats: many games advance together, one batched forward per ply.

``play(board, players, agents, seat_agents, seeds, ...)`` plays G games through the
game kernels (the same legal moves, apply and victory rules as every other job).
Each game's seats name an agent: the uniform random player, RingRift's greedy
heuristic (a weight vector, epsilon), or an ``NNAgent``. Every ply, each active
game pushes its position's frame into its own history ring (the network's input
stacks the last 4 plies' frames, as RingRift's exporter does); games whose mover
is a network gather their features, globals and legal moves, and each network
then runs once for all of them.

``NNAgent`` picks among the legal moves by the policy logits at their RingRift
policy indices (``move_scores``; argmax, or a softmax sample at ``temperature`` > 0; moves that
share an index, like hex bookkeeping moves or line options, are tied and drawn
uniformly; a move without an index, hex ``swap_sides``, only when nothing else is
legal). With ``value_search`` it plays a 1-ply search instead: every legal move
is applied, the child positions go through the network in one batch, and the
move with the best value for the mover wins (a finished game counts +1 / -1 / 0
exactly; a child where another player moves counts minus that player's value,
exact with 2 players, an approximation with 3-4), the policy logit breaking ties.

A game is a pure function of (start, seeds, agents): each game has its own
random streams, and a network's output for a position does not depend on the
other positions in its batch.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from kernels import geometry as G
from kernels.apply import apply_move
from kernels.encoding import global_features, policy_index, push_frame, stack_frames
from kernels.encoding.layout import BASE_PLANES, FRAMES, IN_CHANNELS, N_GLOBALS, SPATIAL
from kernels.games import final_ranks, victory_type
from kernels.heuristic import FULL, LIGHT
from kernels.movegen import legal_moves
from kernels.moves import MAX_MOVES, SWAP_SIDES, mtype
from kernels.players import greedy_move, random_move, scratch_for
from kernels.playout import end_capped, rng_seed
from kernels.state import ACTIVE, H_CUR, H_P, H_STATUS, H_WINNER, NP1


class NNAgent:
    """A network seat. ``module``: (features, globals) -> (policy logits, value), eager or TorchScript."""

    kind = "model"

    def __init__(self, module, board: int, *, device: str = "cpu", temperature: float = 0.0,
                 value_search: bool = False, name: str = "model"):
        self.module = module.eval() if hasattr(module, "eval") else module
        self.board, self.device, self.temperature = board, torch.device(device), temperature
        self.value_search, self.name = value_search, name
        self.positions = 0  # positions evaluated (a cost figure)

    def forward(self, feats: np.ndarray, globs: np.ndarray):
        self.positions += len(feats)
        with torch.no_grad():
            out = []
            for i in range(0, len(feats), 1024):
                lo, v = self.module(torch.from_numpy(feats[i:i + 1024]).to(self.device),
                                    torch.from_numpy(globs[i:i + 1024]).to(self.device))
                out.append((lo.float().cpu().numpy(), v.float().cpu().numpy()))
        return np.concatenate([o[0] for o in out]), np.concatenate([o[1] for o in out])


@dataclass
class Heuristic:
    """RingRift's greedy HeuristicAI with a weight vector (59 weights) and a random-move probability."""
    weights: np.ndarray
    eps: float = 0.0
    name: str = "heuristic"
    kind: str = "heuristic"


@dataclass
class Random:
    name: str = "random"
    kind: str = "random"


@dataclass
class Results:
    winner: np.ndarray     # starting seat that won (1..P), 0 none
    rank: np.ndarray       # [game, seat] final rank (kernels.games.final_ranks)
    vtype: np.ndarray      # victory type (kernels.games.VT_*)
    moves: np.ndarray


def move_scores(logits: np.ndarray, pidx: np.ndarray, board: int) -> np.ndarray:
    """Each legal move's score for the pick: its policy logit at its RingRift index (-inf without one).

    A square ``choose_territory_option`` index also holds the mover's absolute seat ((mover - 1) % 4,
    kernels/encoding/policy.py), which the network's inputs (planes and globals of "mine" and "the
    opponents") do not show, so the network spreads a region's probability over the seat variants
    (measured: the played variant beats the other in 52 % of held-out territory choices). Scoring a
    region by its variants' summed probability was tried and measured no better (the heuristic's
    territory move picked 39.2 % vs 38.8 % of 498 decisions; against the default heuristic 0.220 vs
    0.133 over the same 100 sets), so the index is read as RingRift's trainer defines it.
    """
    ok = pidx >= 0
    return np.where(ok, logits[np.where(ok, pidx, 0)], -np.inf).astype(np.float64)


def _pick(score: np.ndarray, temperature: float, rng: np.random.Generator) -> int:
    """Index into the legal moves: best (or sampled) score (move_scores), ties drawn uniformly."""
    ok = np.isfinite(score)
    if not ok.any():
        return int(rng.integers(len(score)))
    if temperature > 0:
        z = np.where(ok, (score - score[ok].max()) / temperature, -np.inf)
        p = np.exp(z)
        p /= p.sum()
        return int(rng.choice(len(p), p=p))
    best = np.flatnonzero(score == score[ok].max())
    return int(best[rng.integers(len(best))]) if len(best) > 1 else int(best[0])


def play(board: int, players: int, agents: list, seat_agents: np.ndarray, seeds: np.ndarray, *,
         start: np.ndarray | None = None, opening: int = 0, max_moves: int = 0, mode: int | None = None) -> Results:
    """Play len(seeds) games; seat_agents[g, i] is the agent index of starting seat i + 1 in game g.

    The first ``opening`` plies of every game are uniformly random (seeded by the game's
    seed, so games with the same seed share their opening); ``max_moves`` > 0 ends a game
    as a draw after that many moves.
    """
    from kernels.newgame import new_game
    geo = G.build(board)
    Gn = len(seeds)
    start = new_game(board, players) if start is None else start
    states = np.repeat(start[None, :], Gn, axis=0) if start.ndim == 1 else start.copy()
    seat_agents = np.asarray(seat_agents, np.int64).reshape(Gn, players)
    side = SPATIAL[board]
    rings = np.zeros((Gn, FRAMES, BASE_PLANES[board], side, side), np.float32)
    counts = np.zeros(Gn, np.int64)
    agent_of = np.tile(np.arange(NP1), (Gn, 1))  # colour -> starting seat (swap_sides exchanges 1 and 2)
    krng = [rng_seed(int(s)) for s in seeds]
    nrng = [np.random.default_rng([int(s), 0x4E4E]) for s in seeds]
    buf, scratch, comp, scores = scratch_for(start if start.ndim == 1 else start[0])
    nmoves = np.zeros(Gn, np.int64)
    # the heuristic's evaluation mode: the board's training mode unless told (kernels.heuristic FULL / LIGHT)
    modes = (LIGHT if board in (G.SQUARE19, G.HEXAGONAL) else FULL) if mode is None else mode
    active = [g for g in range(Gn)]

    def apply(g, m):
        apply_move(geo, states[g], m)
        if mtype(m) == SWAP_SIDES:
            agent_of[g, 1], agent_of[g, 2] = agent_of[g, 2], agent_of[g, 1]
        nmoves[g] += 1

    while active:
        pending: dict[int, list] = {}
        still = []
        for g in active:
            s = states[g]
            if s[H_STATUS] != ACTIVE:
                continue
            if max_moves and nmoves[g] >= max_moves:
                end_capped(s)
                continue
            still.append(g)
            counts[g] = push_frame(geo, s, rings[g], counts[g])
            seat = agent_of[g, s[H_CUR]]
            ai = seat_agents[g, seat - 1]
            a = agents[ai]
            if nmoves[g] < opening or a.kind == "random":
                m, k = random_move(geo, s, krng[g], buf)
            elif a.kind == "heuristic":
                m, k = greedy_move(geo, s, a.weights, modes, a.eps, 0.0, krng[g], buf, scratch, comp, scores)
            else:
                k = legal_moves(geo, s, buf)
                if k == 1:
                    m = buf[0]
                else:
                    pending.setdefault(ai, []).append((g, buf[:k].copy()))
                    continue
            if k == 0:  # no legal move in an active state: never happens in a consistent state
                end_capped(s)
                continue
            apply(g, m)
        for ai, items in pending.items():
            for g, m in _nn_moves(geo, board, agents[ai], items, states, rings, counts, nrng):
                apply(g, m)
        active = still
    winner = np.zeros(Gn, np.int64)
    rank = np.zeros((Gn, players), np.int64)
    vtype = np.zeros(Gn, np.int64)
    for g in range(Gn):
        s = states[g]
        w = s[H_WINNER]
        winner[g] = agent_of[g, w] if w > 0 else 0
        vtype[g] = victory_type(s)
        final_ranks(s, agent_of[g], rank[g])
    return Results(winner, rank, vtype, nmoves)


def nn_inputs(geo, state, ring, count, moves, feats_out, globs_out) -> np.ndarray:
    """What the network sees at a position (its features and globals, written into the outputs, as the
    loader gives them for a dataset row) and the policy index of each legal move (-1: none). ``ring`` /
    ``count``: the game's history ring after push_frame of this position (every ply pushes one)."""
    stack_frames(ring, count, feats_out)
    global_features(geo, state, globs_out)
    return np.array([policy_index(geo, state, m) for m in moves], np.int64)


def _nn_moves(geo, board, agent: NNAgent, items, states, rings, counts, nrng):
    C, S = IN_CHANNELS[board], SPATIAL[board]
    n = len(items)
    feats = np.zeros((n, C, S, S), np.float32)
    globs = np.zeros((n, N_GLOBALS), np.float32)
    pidx = [nn_inputs(geo, states[g], rings[g], counts[g], moves, feats[j], globs[j])
            for j, (g, moves) in enumerate(items)]
    logits, _ = agent.forward(feats, globs)
    if not agent.value_search:
        return [(g, moves[_pick(move_scores(logits[j], pidx[j], board), agent.temperature, nrng[g])])
                for j, (g, moves) in enumerate(items)]
    return _search(geo, board, agent, items, states, rings, counts, nrng, logits, pidx)


def _search(geo, board, agent, items, states, rings, counts, nrng, logits, pidx):
    """1-ply value search over every legal move of every pending game, one forward for all children."""
    C, S = IN_CHANNELS[board], SPATIAL[board]
    child_feats, child_globs, owner = [], [], []
    exact = []  # per game: per move, the exact value of a finished game (nan otherwise)
    movers = []
    for j, (g, moves) in enumerate(items):
        mover = states[g][H_CUR]
        movers.append(mover)
        ex = np.full(len(moves), np.nan)
        for i, m in enumerate(moves):
            c = states[g].copy()
            apply_move(geo, c, m)
            if c[H_STATUS] != ACTIVE:
                w = c[H_WINNER]
                ex[i] = 0.0 if w == 0 else (1.0 if w == mover else -1.0)
                if mtype(m) == SWAP_SIDES:
                    ex[i] = -ex[i]
                continue
            ring = rings[g].copy()
            cnt = push_frame(geo, c, ring, counts[g])
            f = np.zeros((C, S, S), np.float32)
            stack_frames(ring, cnt, f)
            gl = np.zeros(N_GLOBALS, np.float32)
            global_features(geo, c, gl)
            child_feats.append(f)
            child_globs.append(gl)
            # the child's mover is the mover (same turn) or another player (minus that player's value);
            # after swap_sides the mover plays the other colour: its value is the other colour's
            same = c[H_CUR] == (mover if mtype(m) != SWAP_SIDES else (3 - mover))
            owner.append((j, i, 1.0 if same else -1.0))
        exact.append(ex)
    vals = np.zeros(0, np.float32)
    if child_feats:
        _, vals = agent.forward(np.stack(child_feats), np.stack(child_globs))
    q = [e.copy() for e in exact]
    for (j, i, sign), v in zip(owner, vals):
        q[j][i] = sign * float(v)
    out = []
    for j, (g, moves) in enumerate(items):
        prior = np.maximum(move_scores(logits[j], pidx[j], board), -1e9)
        # best value first; among equal values the policy's favourite
        key = np.lexsort((prior, q[j]))
        best = key[-1]
        out.append((g, moves[best]))
    return out
