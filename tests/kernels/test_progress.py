"""RingRift's progress measure S = markers + collapsed + eliminated (RR-CANON-R191), one kernel function.

Checked random playouts hold every move to it (test_random_games); here the function itself and the
check that uses it.
"""
import numpy as np

from kernels import geometry as G
from kernels import moves as M
from kernels import state as S
from kernels.apply import apply_move
from kernels.newgame import new_game
from kernels.playout import INV_OK, INV_PROGRESS, progress_violation
from ringrift_mpi.interop import Board, legal_moves_list


def _midgame(seed=5, plies=60):
    geo = G.build(G.SQUARE8)
    s = new_game(G.SQUARE8, 2)
    rng = np.random.default_rng(seed)
    board = Board.get("square8")
    for _ in range(plies):
        legal = legal_moves_list(board, s)
        apply_move(geo, s, int(legal[rng.integers(len(legal))]))
    return board, geo, s


def test_s_counts_markers_collapsed_and_the_elimination_total():
    board, _, s = _midgame()
    n = board.n
    want = (int((s[s[S.O_MARK]:s[S.O_MARK] + n] > 0).sum()) + int((s[s[S.O_COLL]:s[S.O_COLL] + n] > 0).sum())
            + int(s[S.H_TOTAL_ELIM]))
    assert S.s_invariant(s) == want > 0
    t = s.copy()
    t[S.H_TOTAL_ELIM] += 3  # the total, not the per-player or board-level credits
    t[t[S.O_ELIM] + 1] += 5
    t[t[S.O_BELIM] + 2] += 7
    assert S.s_invariant(t) == want + 3


def test_every_move_of_a_game_keeps_rr_canon_r191():
    board, geo, s = _midgame(seed=9, plies=0)
    rng = np.random.default_rng(9)
    moved = 0
    while s[S.H_STATUS] == S.ACTIVE:
        legal = legal_moves_list(board, s)
        m = int(legal[rng.integers(len(legal))])
        before = S.s_invariant(s)
        apply_move(geo, s, m)
        assert progress_violation(before, s, m) == INV_OK
        if M.mtype(m) in (M.MOVE_STACK, M.OVERTAKING_CAPTURE, M.CONTINUE_CAPTURE_SEGMENT):
            assert S.s_invariant(s) > before
            moved += 1
    assert moved > 10


def test_progress_violation_flags_a_drop_and_a_standing_movement():
    board, geo, s = _midgame()
    rng = np.random.default_rng(1)
    while True:  # on to a decision that offers a movement
        legal = legal_moves_list(board, s)
        moves = [int(m) for m in legal if M.mtype(int(m)) in (M.MOVE_STACK, M.OVERTAKING_CAPTURE)]
        if moves:
            move = moves[0]
            break
        apply_move(geo, s, int(legal[rng.integers(len(legal))]))
    skip = M.enc(M.NO_LINE_ACTION, -1, -1, -1, 0)
    now = S.s_invariant(s)
    assert progress_violation(now + 1, s, skip) == INV_PROGRESS  # S went down
    assert progress_violation(now, s, skip) == INV_OK            # a bookkeeping move may keep S
    assert progress_violation(now, s, move) == INV_PROGRESS      # a movement may not
    assert progress_violation(now - 1, s, move) == INV_OK

