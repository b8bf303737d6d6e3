"""Seeded random games on every board x player count, with the state invariants checked after every move."""
import numpy as np
import pytest

from kernels import geometry as G
from kernels import state as S
from kernels.newgame import new_game
from kernels.playout import (INV_CELL_EXCLUSIVE, INV_CONSERVATION, INV_COUNTS, INV_MARKER_ORDER, INV_NO_MOVES,
                             INV_STACK_LIST, INV_STATUS, INVARIANT_NAMES, invariant_violation, play_random_games, random_playout)
from kernels.rng import rng_next, rng_seed

CONFIGS = [(b, p) for b in G.BOARD_NAMES for p in (2, 3, 4)]
GAMES = {"square8": 6, "hex8": 6, "square19": 1, "hexagonal": 1}
CAP = 20000  # far above any random game seen (hexagonal 4p: < 1600 moves)


def _batch(board, players, seeds, check=True, cap=CAP):
    b = G.board_id(board)
    out = [np.zeros(len(seeds), np.int64) for _ in range(5)]
    first = play_random_games(G.build(b), new_game(b, players), np.asarray(seeds, np.int64), cap, *out, check)
    return first, out


def _game(board, players, seed, cap=0):
    b = G.board_id(board)
    s = new_game(b, players)
    rec = np.zeros(50000, np.int64)
    n = random_playout(G.build(b), s, seed, cap, rec)
    return s, rec[:n].copy()


def test_splitmix64_reference_values():
    st = rng_seed(0)
    assert [int(rng_next(st)) for _ in range(3)] == [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]


@pytest.mark.parametrize("board,players", CONFIGS)
def test_random_games_keep_invariants_and_end(board, players):
    seeds = list(range(100, 100 + GAMES[board]))
    first, (winner, moves, capped, viol, legal) = _batch(board, players, seeds)
    if first[0] >= 0:
        g, code, ply = first
        pytest.fail(f"{board} {players}p seed {seeds[g]}: invariant {code} ({INVARIANT_NAMES[code]}) broken at ply {ply}")
    assert viol.sum() == 0
    assert capped.sum() == 0, f"games hit the {CAP}-move cap: seeds {[s for s, c in zip(seeds, capped) if c]}"
    assert (winner >= 0).all(), f"stuck games (active, no legal move): {[s for s, w in zip(seeds, winner) if w < 0]}"
    assert (moves > 0).all() and (moves < CAP).all()
    assert (legal >= moves).all()


@pytest.mark.parametrize("board,players", CONFIGS)
def test_random_games_are_deterministic(board, players):
    s1, m1 = _game(board, players, 7)
    s2, m2 = _game(board, players, 7)
    assert np.array_equal(m1, m2) and np.array_equal(s1, s2)
    assert s1[S.H_STATUS] == S.COMPLETED and not s1[S.H_HIT_CAP]
    assert invariant_violation(G.build(G.board_id(board)), s1, 0) == 0
    # the batched kernel plays the same game
    _, (winner, moves, *_rest) = _batch(board, players, [7], check=False)
    assert moves[0] == len(m1) and winner[0] == s1[S.H_WINNER]
    if board in ("square8", "hex8"):
        _, m3 = _game(board, players, 8)
        assert not np.array_equal(m1, m3)
    else:  # long games: compare only a prefix of the other seed's game
        _, m3 = _game(board, players, 8, cap=60)
        assert not np.array_equal(m1[:60], m3)


def test_move_cap_matches_state_cap():
    geo = G.build(G.SQUARE8)
    s = new_game(G.SQUARE8, 2)
    rec = np.zeros(100, np.int64)
    assert random_playout(geo, s, 3, 25, rec) == 25
    assert (s[S.H_STATUS], s[S.H_WINNER], s[S.H_HIT_CAP], s[S.H_PHASE]) == (S.COMPLETED, 0, 1, S.GAME_OVER)
    assert invariant_violation(geo, s, 0) == 0
    t = new_game(G.SQUARE8, 2, move_cap=25)  # apply_move's own cap ends the same game the same way
    rec2 = np.zeros(100, np.int64)
    assert random_playout(geo, t, 3, 0, rec2) == 25
    assert np.array_equal(rec, rec2)
    t[S.H_MOVE_CAP] = 0
    assert np.array_equal(s, t)


def test_invariant_check_detects_corruption():
    geo = G.build(G.SQUARE8)
    s = new_game(G.SQUARE8, 2)
    random_playout(geo, s, 5, 40, np.zeros(0, np.int64))
    s[S.H_STATUS], s[S.H_WINNER], s[S.H_HIT_CAP], s[S.H_PHASE] = S.ACTIVE, 0, 0, S.MOVEMENT
    base = s.copy()
    assert invariant_violation(geo, base, 0) == 0
    stack = int(np.flatnonzero(base[base[S.O_H]:base[S.O_H] + base[S.H_N]])[0])
    empty = int(np.flatnonzero((base[base[S.O_H]:base[S.O_H] + 64] == 0)
                               & (base[base[S.O_MARK]:base[S.O_MARK] + 64] == 0)
                               & (base[base[S.O_COLL]:base[S.O_COLL] + 64] == 0))[0])
    cases = []
    t = base.copy(); t[S.H_TOTAL_ELIM] += 1; cases.append((t, INV_CONSERVATION))
    t = base.copy(); t[t[S.O_H] + stack] += 1; cases.append((t, INV_STACK_LIST))
    t = base.copy(); t[t[S.O_CAP] + stack] += 1; cases.append((t, INV_STACK_LIST))
    t = base.copy(); t[t[S.O_CNT] + stack * S.NP1 + 3] += 1; cases.append((t, INV_COUNTS))
    t = base.copy(); t[t[S.O_MARK] + stack] = 1; cases.append((t, INV_CELL_EXCLUSIVE))
    t = base.copy(); t[S.H_WINNER] = 1; cases.append((t, INV_STATUS))
    t = base.copy(); t[t[S.O_MORD] + empty] = 1; cases.append((t, INV_MARKER_ORDER))
    marked = np.flatnonzero(base[base[S.O_MARK]:base[S.O_MARK] + 64])
    if len(marked) >= 2:
        t = base.copy(); t[t[S.O_MORD] + marked[0]] = t[t[S.O_MORD] + marked[1]]; cases.append((t, INV_MARKER_ORDER))
    for t, code in cases:
        assert invariant_violation(geo, t, 0) == code
