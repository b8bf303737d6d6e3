"""Compact samples (kernels.encoding.compact): expanded features equal the encoder's, bit for bit."""
from __future__ import annotations

import numpy as np
import pytest

from kernels import geometry as G
from kernels import state as S
from kernels.encoding import compact as C
from kernels.encoding.game import encode_game, new_buffers
from kernels.encoding.layout import N_GLOBALS
from kernels.newgame import new_game
from kernels.playout import random_playout


def _game(board, players, seed, cap):
    geo = G.build(board)
    rec = np.full(cap, -1, np.int64)
    n = random_playout(geo, new_game(board, players), seed, cap, rec)
    return geo, rec[:min(n, cap)]


def _compact(board, players, geo, moves, every=1, offset=0):
    n = len(moves)
    cells = np.zeros((n, C.CELL_ROWS, G.BOARD_CELLS[board]), np.uint8)
    movers_all = np.zeros(n, np.uint8)
    glob = np.zeros((n, N_GLOBALS), np.float32)
    pol, plies, movers = (np.zeros(n, np.int32) for _ in range(3))
    phases, mtypes = np.zeros(n, np.uint8), np.zeros(n, np.uint8)
    s = new_game(board, players)
    k = C.encode_game_compact(geo, s, moves, every, offset, cells, movers_all, glob, pol, plies, movers, phases,
                              mtypes)
    return s, k, cells, movers_all, glob[:k], pol[:k], plies[:k], movers[:k], phases[:k], mtypes[:k]


@pytest.mark.parametrize("board,players,seed,cap", [
    (G.SQUARE8, 2, 1, 400), (G.SQUARE8, 3, 2, 400), (G.SQUARE8, 4, 3, 400), (G.HEX8, 2, 4, 400),
    (G.HEX8, 3, 5, 400), (G.SQUARE19, 2, 6, 250), (G.HEXAGONAL, 4, 7, 250)])
@pytest.mark.parametrize("every,offset", [(1, 0), (3, 2)])
def test_expanded_features_equal_the_encoders(board, players, seed, cap, every, offset):
    geo, moves = _game(board, players, seed, cap)
    ring, feat, glob, pol, plies, movers = new_buffers(board, len(moves))
    s_ref = new_game(board, players)
    k_ref = encode_game(geo, s_ref, moves, every, offset, ring, feat, glob, pol, plies, movers)
    s, k, cells, movers_all, g2, p2, pl2, mv2, phases, mtypes = _compact(board, players, geo, moves, every, offset)
    assert k == k_ref > 10
    assert np.array_equal(s, s_ref)
    assert np.array_equal(g2, glob[:k]) and np.array_equal(p2, pol[:k])
    assert np.array_equal(pl2, plies[:k]) and np.array_equal(mv2, movers[:k])
    out = np.zeros_like(feat[:k])
    cache, cache_rows = C.new_cache(board)
    C.expand(geo, cells, movers_all, pl2.astype(np.int64), pl2, new_game(board, players), cache, cache_rows, out)
    assert np.array_equal(out, feat[:k])
    assert out.view(np.uint32).tobytes() == feat[:k].view(np.uint32).tobytes()  # -0.0 vs 0.0 too
    # random order, fresh cache: the same rows
    perm = np.random.default_rng(seed).permutation(k)
    out2 = np.zeros_like(out)
    cache, cache_rows = C.new_cache(board)
    C.expand(geo, cells, movers_all, pl2[perm].astype(np.int64), pl2[perm], new_game(board, players), cache,
             cache_rows, out2)
    assert np.array_equal(out2, feat[:k][perm])


def test_cells_hold_the_four_facts_and_heights_are_capped():
    board = G.SQUARE8
    s = new_game(board, 2)
    S.push_top(s, 5, 1, 3)
    s[s[S.O_MARK] + 6] = 2
    s[s[S.O_COLL] + 7] = 1
    out = np.zeros((C.CELL_ROWS, 64), np.uint8)
    C.cells_of(s, out)
    assert out[:, 5].tolist() == [3, 1, 0, 0] and out[:, 6].tolist() == [0, 0, 2, 0]
    assert out[:, 7].tolist() == [0, 0, 0, 1] and out[:, 8].tolist() == [0, 0, 0, 0]
    big = new_game(G.HEXAGONAL, 4)  # 384 rings: one stack can outgrow a byte
    S.push_top(big, 0, 2, 300)
    S.push_top(big, 0, 1, 2)
    cells = np.zeros((C.CELL_ROWS, G.BOARD_CELLS[G.HEXAGONAL]), np.uint8)
    C.cells_of(big, cells)
    assert cells[0, 0] == C.HEIGHT_CAP and cells[1, 0] == 1
