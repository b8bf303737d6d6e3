"""Augmentation is exact: a transformed game state encodes to the transformed planes, and its legal
moves' policy indices are the remapped indices of the original's (checked with the real move
generator and encoder on states from random games)."""
import numpy as np
import pytest

from kernels import geometry as G
from kernels import state as S
from kernels.encoding import global_features, policy_index
from kernels.encoding.layout import BASE_PLANES, SPATIAL
from kernels.encoding.planes import frame
from kernels.games import random_opening
from kernels.movegen import legal_moves
from kernels.moves import MAX_MOVES
from kernels.newgame import new_game
from ringrift_mpi.train.symmetry import Augmenter, feature_gathers, matrices, policy_maps

CELL_TABLES = (S.O_TOP, S.O_BOT, S.O_H, S.O_CTRL, S.O_CAP, S.O_MARK, S.O_COLL, S.O_ORD, S.O_REG, S.O_MORD)


def kernel_cell_perm(board, m):
    """kernel cell -> its image under matrix m (kernels number cells by their own order)."""
    coords = G.cell_coords(board)
    index = {(x, y): i for i, (x, y, _) in enumerate(coords)}
    n1 = G.BOARD_SIZE[board] - 1
    out = np.empty(len(coords), np.int64)
    for i, (x, y, _) in enumerate(coords):
        if board >= 2:
            x2, y2 = m @ np.array([x, y])
        else:
            X, Y = m @ np.array([2 * x - n1, 2 * y - n1])
            x2, y2 = (X + n1) // 2, (Y + n1) // 2
        out[i] = index[(int(x2), int(y2))]
    return out


def transform_state(s, perm):
    t = s.copy()
    n = s[S.H_N]
    for off in CELL_TABLES:
        a = s[s[off]:s[off] + n]
        b = t[s[off]:s[off] + n]
        b[perm] = a
    cnt = s[s[S.O_CNT]:s[S.O_CNT] + n * S.NP1].reshape(n, S.NP1)
    tc = t[s[S.O_CNT]:s[S.O_CNT] + n * S.NP1].reshape(n, S.NP1)
    tc[perm] = cnt
    for h in (S.H_MUSTMOVE, S.H_ATTACKER, S.H_CHAIN):
        if s[h] >= 0:
            t[h] = perm[s[h]]
    return t


def states(board, players, n, seed):
    """n active states from random games, at varied plies, each with a real choice (3+ moves)."""
    geo = G.build(board)
    buf = np.empty(MAX_MOVES, np.int64)
    out = []
    for i in range(20 * n):
        s = new_game(board, players)
        random_opening(geo, s, seed + i, 5 + 11 * (i % 17))
        if s[S.H_STATUS] == S.ACTIVE and legal_moves(geo, s, buf) >= 3:
            out.append(s)
            if len(out) == n:
                break
    return geo, out


@pytest.mark.parametrize("board", [G.SQUARE8, G.HEX8])
def test_transformed_states_encode_and_move_as_remapped(board):
    geo, sts = states(board, 2, 12, 100)
    assert len(sts) >= 6
    maps, gathers = policy_maps(board), feature_gathers(board)
    side = SPATIAL[board]
    buf = np.empty(MAX_MOVES, np.int64)
    remapped_moves = 0
    for s in sts:
        f0 = np.zeros((BASE_PLANES[board], side, side), np.float32)
        frame(geo, s, f0)
        g0 = np.zeros(20, np.float32)
        global_features(geo, s, g0)
        k = legal_moves(geo, s, buf)
        idx0 = [policy_index(geo, s, buf[i]) for i in range(k)]
        for t, m in enumerate(matrices(board)):
            s2 = transform_state(s, kernel_cell_perm(board, m))
            f2 = np.zeros_like(f0)
            frame(geo, s2, f2)
            want = f0.reshape(f0.shape[0], -1)[:, gathers[t]].reshape(f0.shape)
            np.testing.assert_array_equal(f2, want, err_msg=f"symmetry {t}")
            g2 = np.zeros(20, np.float32)
            global_features(geo, s2, g2)
            np.testing.assert_array_equal(g2, g0)
            k2 = legal_moves(geo, s2, buf)
            assert k2 == k
            idx2 = [policy_index(geo, s2, buf[i]) for i in range(k2)]
            a = {int(maps[t][i]) for i in idx0 if i >= 0 and maps[t][i] >= 0}
            b = {int(i) for i in idx2 if i >= 0 and maps[0][i] >= 0}
            assert a == b, f"symmetry {t}"
            # the indices that cannot be remapped are the same kind on both sides
            assert sum(1 for i in idx0 if i >= 0 and maps[0][i] < 0) == sum(1 for i in idx2 if i >= 0 and maps[0][i] < 0)
            remapped_moves += len(a)
    assert remapped_moves > 500


@pytest.mark.parametrize("board", range(4))
def test_maps_form_the_group(board):
    maps = policy_maps(board)
    assert len(maps) == (12 if board >= 2 else 8)
    assert len({m.tobytes() for m in maps}) == len(maps)  # all distinct
    for t in maps:  # a bijection on the remappable indices
        ok = t >= 0
        assert sorted(t[ok]) == sorted(np.flatnonzero(ok))
    # composing a symmetry with its inverse gives the identity
    mats = matrices(board)
    for i, m in enumerate(mats):
        inv = next(j for j, m2 in enumerate(mats) if (m2 @ m == np.eye(2, dtype=np.int64)).all())
        ok = maps[i] >= 0
        assert (maps[inv][maps[i][ok]] == np.flatnonzero(ok)).all()


def test_augmenter_keeps_unmappable_targets_and_moves_planes():
    from kernels.encoding.policy import square_bases
    aug = Augmenter(G.SQUARE8)
    rng = np.random.default_rng(0)
    f = rng.random((64, 56, 8, 8)).astype(np.float32)
    f0 = f.copy()
    line_form = square_bases(8)[1]
    idx = [[line_form + 4 * 9]] * 32 + [[5 * 3 + 1]] * 32  # a process_line index, then a placement
    new, choice = aug.apply(f, idx, rng)
    assert (choice[:32] == 0).all() and (f[:32] == f0[:32]).all()
    assert [list(a) for a in new[:32]] == idx[:32]
    assert (choice[32:] > 0).sum() > 20  # the placements were transformed
    for i in range(32, 64):
        t = choice[i]
        assert new[i][0] == policy_maps(G.SQUARE8)[t][idx[i][0]]
        np.testing.assert_array_equal(f[i].reshape(56, -1), f0[i].reshape(56, -1)[:, feature_gathers(G.SQUARE8)[t]])
