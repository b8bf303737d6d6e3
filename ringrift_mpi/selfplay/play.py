"""Playing and encoding self-play games: game i of a run is a pure function of (settings, seed, i).

``Setup`` is what every rank needs (it travels in the driver's "play" payload);
``play_block(setup, g0, g1)`` plays games g0..g1-1 with the batched game kernel,
replays those with a winner through the compact encoder and returns them as a
storage Block (whole games, in id order) with timing figures.
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field

import numpy as np

from kernels import geometry as G
from kernels.encoding.compact import CELL_ROWS, encode_game_compact
from kernels.encoding.layout import MAX_PLAYERS, N_GLOBALS
from kernels.encoding.values import sample_values, values_mp
from kernels.games import run_games
from kernels.heuristic import FULL, LIGHT
from kernels.newgame import new_game
from kernels.state import H_WINNER

from ..storage.dataset import ALL_FIELDS, Block, empty_block

RANDOM = "random"
SALT = 0x5E1F  # keeps self-play game seeds apart from other jobs' streams of the same run seed
_M64 = (1 << 64) - 1


def game_seeds(seed: int, ids: np.ndarray) -> np.ndarray:
    """One seed per game id (splitmix64 of (run seed, id)): independent of anything else."""
    with np.errstate(over="ignore"):
        z = (np.uint64((seed * 0x9E3779B97F4A7C15 + SALT) & _M64)
             + np.asarray(ids, np.uint64) * np.uint64(0xD1B54A32D192ED03))
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(1)).astype(np.int64)


def profile_hash(weights: np.ndarray) -> str:
    """16 hex digits of sha256 over the 59 weights (float64, RingRift's key order)."""
    return hashlib.sha256(np.ascontiguousarray(weights, np.float64).tobytes()).hexdigest()[:16]


def load_seats(specs: list[str], players: int):
    """Seat specs -> (W [K, 59], row per seat (-1 random), hash per seat, profiles table).

    ``default`` is RingRift's BASE_V1_BALANCED_WEIGHTS, ``random`` the uniform random
    player, anything else a RingRift weight-profile JSON file. Raises ProfileError."""
    from kernels.heuristic_weights import BASE_V1_BALANCED_WEIGHTS, HEURISTIC_WEIGHT_KEYS, weights_array
    from .. import profiles as PR
    if len(specs) == 1:
        specs = specs * players
    rows, hashes, W, table = [], [], [], {}
    by_hash: dict[str, int] = {}
    for spec in specs:
        if spec == RANDOM:
            rows.append(-1)
            hashes.append(RANDOM)
            continue
        w = weights_array(BASE_V1_BALANCED_WEIGHTS) if spec == "default" else PR.load_profile(spec).array()
        h = profile_hash(w)
        if h not in by_hash:
            by_hash[h] = len(W)
            W.append(np.asarray(w, np.float64))
            table[h] = {"source": spec, "weights": dict(zip(HEURISTIC_WEIGHT_KEYS, map(float, w)))}
        rows.append(by_hash[h])
        hashes.append(h)
    if not W:
        W.append(weights_array(BASE_V1_BALANCED_WEIGHTS))  # all seats random: the kernel still wants a row
    return np.array(W, np.float64), np.array(rows, np.int64), hashes, table


@dataclass
class Setup:
    """Everything a rank needs to play and store a run's games."""
    board: str
    players: int
    seed: int
    mode: str
    epsilon: float
    temperature: float
    opening: int
    max_moves: int
    rotate: bool
    sample_every: int
    W: np.ndarray
    seat_rows: np.ndarray
    seat_hashes: list
    attrs: dict = field(default_factory=dict)      # root attributes of every shard
    run_dir: str = ""
    session: int = 0
    compression: str = "gzip"
    shard_bytes: int = 256 << 20
    flush_seconds: float = 120.0

    @property
    def board_id(self) -> int:
        return G.board_id(self.board)


def seat_layout(setup: Setup, ids: np.ndarray) -> np.ndarray:
    """[game, seat] -> index into setup's seat lists: rotation moves game i's players i seats on."""
    P = setup.players
    rot = (np.asarray(ids, np.int64) % P) if setup.rotate else np.zeros(len(ids), np.int64)
    return (np.arange(P)[None, :] + rot[:, None]) % P


def play_block(setup: Setup, g0: int, g1: int, geo=None) -> tuple[Block, dict]:
    b = setup.board_id
    P = setup.players
    geo = G.build(b) if geo is None else geo
    ids = np.arange(g0, g1, dtype=np.int64)
    seeds = game_seeds(setup.seed, ids)
    lay = seat_layout(setup, ids)
    seat_w = setup.seat_rows[lay]
    t0 = time.perf_counter()
    r = run_games(geo, new_game(b, P), 0, seeds, seat_w, setup.W, mode=LIGHT if setup.mode == "light" else FULL,
                  eps=setup.epsilon, temp=setup.temperature, opening=setup.opening, max_moves=setup.max_moves,
                  record=setup.max_moves)
    t1 = time.perf_counter()
    n = G.BOARD_CELLS[b]
    parts = []
    hashes = np.array(setup.seat_hashes + [""] * (MAX_PLAYERS - P), dtype="S16")
    for j, gid in enumerate(ids):
        L = int(r.moves[j])
        moves = r.move_list[j, :L]
        won = r.winner[j] != 0
        a = {}
        s = new_game(b, P)
        k = 0
        if won:
            cells = np.zeros((L, CELL_ROWS, n), np.uint8)
            movers_all = np.zeros(L, np.uint8)
            glob = np.zeros((L, N_GLOBALS), np.float32)
            pol, plies, movers = np.zeros(L, np.int32), np.zeros(L, np.int32), np.zeros(L, np.int32)
            phases, mtypes = np.zeros(L, np.uint8), np.zeros(L, np.uint8)
            k = encode_game_compact(geo, s, moves, setup.sample_every, 0, cells, movers_all, glob, pol, plies,
                                    movers, phases, mtypes)
            if s[H_WINNER] != r.winner[j]:  # the replay must end as the game did
                raise RuntimeError(f"game {gid}: replay ends with winner {s[H_WINNER]}, the game with {r.winner[j]}")
            vals = np.zeros(k, np.float32)
            sample_values(s, movers[:k], vals)
            vmp = np.zeros(MAX_PLAYERS, np.float32)
            values_mp(s, vmp)
            a.update({"globals": glob[:k], "values": vals, "values_mp": np.repeat(vmp[None, :], k, axis=0),
                      "num_players": np.full(k, P, np.int32), "policy_indices": pol[:k, None].copy(),
                      "policy_values": np.ones((k, 1), np.float32), "move_numbers": plies[:k],
                      "total_game_moves": np.full(k, L, np.int32), "phases": phases[:k],
                      "victory_types": np.full(k, r.vtype[j], np.uint8), "move_types": mtypes[:k],
                      "plies/cells": cells, "plies/movers": movers_all})
        ranks = np.zeros(MAX_PLAYERS, np.int8)
        ranks[:P] = r.rank[j]
        a.update({"games/id": ids[j:j + 1], "games/seed": seeds[j:j + 1],
                  "games/seat_profiles": np.concatenate([hashes[lay[j]], hashes[P:]])[None, :],
                  "games/winner": np.array([r.winner[j]], np.int8),
                  "games/victory_type": np.array([r.vtype[j]], np.int8), "games/length": np.array([L], np.int32),
                  "games/ranks": ranks[None, :], "games/positions": np.array([k], np.int32),
                  "games/plies": np.array([L if won else 0], np.int32), "games/moves": moves.copy()})
        parts.append(a)
    blk = _join(parts, n)
    t2 = time.perf_counter()
    stats = {"games": len(ids), "won": int((r.winner != 0).sum()), "positions": blk.rows("positions"),
             "moves": int(r.moves.sum()), "play_s": t1 - t0, "encode_s": t2 - t1}
    return blk, stats


def _join(parts: list[dict], cells: int) -> Block:
    empty = empty_block(cells).arrays
    return Block({k: np.concatenate([p.get(k, empty[k]) for p in parts]).astype(ALL_FIELDS[k][0], copy=False)
                  for k in ALL_FIELDS})


def shard_attrs(cfg, profiles_table: dict) -> dict:
    """Root attributes every shard of a run carries (storage.dataset.COMMON_ATTRS)."""
    from kernels.encoding.layout import metadata
    from kernels.games import VICTORY_TYPE_NAMES
    from kernels.moves import MOVE_TYPE_NAMES
    from kernels.state import PHASE_NAMES
    b = G.board_id(cfg.game.board)
    return {**metadata(b), "board": cfg.game.board, "players": cfg.game.players, "seed": cfg.run.seed,
            "config": cfg.to_json(), "config_hash": cfg.config_hash(),
            "profiles": json.dumps(profiles_table, sort_keys=True), "phase_names": json.dumps(list(PHASE_NAMES)),
            "victory_type_names": json.dumps(list(VICTORY_TYPE_NAMES)),
            "move_type_names": json.dumps(list(MOVE_TYPE_NAMES))}
