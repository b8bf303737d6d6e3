"""The training-data encoder (kernels.encoding) on hand-made and random positions, no fixtures needed.

The encoding-vector fixtures check it bit for bit against RingRift's exporter
(tests/conformance); these pin down the layout facts one by one, so a failure
says which one broke.
"""
from __future__ import annotations

import numpy as np
import pytest

from kernels import encoding as E
from kernels import geometry as G
from kernels import moves as M
from kernels import state as S
from kernels.apply import apply_move
from kernels.detect import MAX_REGIONS, find_regions
from kernels.movegen import legal_moves
from kernels.newgame import new_game

BOARDS = (G.SQUARE8, G.SQUARE19, G.HEX8, G.HEXAGONAL)


def cell(board, x, y):
    return next(i for i, c in enumerate(G.cell_coords(board)) if c[:2] == (x, y))


def frame_of(board, s):
    out = np.zeros((E.BASE_PLANES[board], E.SPATIAL[board], E.SPATIAL[board]), np.float32)
    E.frame(G.build(board), s, out)
    return out


def random_positions(board, players, seed, plies):
    """(state before the move, move) for the first `plies` plies of one seeded random game."""
    geo = G.build(board)
    rng = np.random.default_rng(seed)
    s = new_game(board, players)
    buf = np.empty(M.MAX_MOVES, np.int64)
    out = []
    while s[S.H_STATUS] == S.ACTIVE and len(out) < plies:
        k = legal_moves(geo, s, buf)
        m = int(buf[rng.integers(k)])
        out.append((s.copy(), m, buf[:k].copy()))
        apply_move(geo, s, m)
    return out, s


# --- policy index ------------------------------------------------------------------------------

SQUARE_SPECIALS = {
    G.SQUARE8: {M.SKIP_PLACEMENT: 4096, M.SWAP_SIDES: 4097, M.SKIP_RECOVERY: 4098, M.CHOOSE_LINE_OPTION: 4099,
                M.NO_PLACEMENT_ACTION: 6151, M.NO_MOVEMENT_ACTION: 6152, M.SKIP_CAPTURE: 6153,
                M.NO_LINE_ACTION: 6154, M.NO_TERRITORY_ACTION: 6155, M.SKIP_TERRITORY_PROCESSING: 6156,
                M.FORCED_ELIMINATION: 6157},
    G.SQUARE19: {M.SKIP_PLACEMENT: 54872, M.SWAP_SIDES: 54873, M.SKIP_RECOVERY: 54874,
                 M.CHOOSE_LINE_OPTION: 54875, M.NO_PLACEMENT_ACTION: 66431, M.NO_MOVEMENT_ACTION: 66432,
                 M.SKIP_CAPTURE: 66433, M.NO_LINE_ACTION: 66434, M.NO_TERRITORY_ACTION: 66435,
                 M.SKIP_TERRITORY_PROCESSING: 66436, M.FORCED_ELIMINATION: 66437},
}


@pytest.mark.parametrize("board", [G.SQUARE8, G.SQUARE19])
def test_square_special_indices(board):
    geo, s = G.build(board), new_game(board, 2)
    for t, want in SQUARE_SPECIALS[board].items():
        c = 0 if t == M.FORCED_ELIMINATION else -1
        assert E.policy_index(geo, s, M.enc(t, -1, c, -1, 64 if t == M.CHOOSE_LINE_OPTION else 0)) == want, \
            M.MOVE_TYPE_NAMES[t]


def test_square8_cell_indices():
    geo, s = G.build(G.SQUARE8), new_game(G.SQUARE8, 2)
    c32 = cell(G.SQUARE8, 3, 2)
    assert E.policy_index(geo, s, M.enc(M.PLACE_RING, -1, c32, -1, 2)) == (2 * 8 + 3) * 3 + 1
    # (0,0) -> (3,3): direction (1,1) is the 8th, distance 3
    m = M.enc(M.MOVE_STACK, cell(G.SQUARE8, 0, 0), cell(G.SQUARE8, 3, 3), -1, 0)
    assert E.policy_index(geo, s, m) == 192 + 7 * 7 + 2
    # a capture is indexed by its landing cell, whatever it jumps over
    m = M.enc(M.OVERTAKING_CAPTURE, cell(G.SQUARE8, 5, 5), cell(G.SQUARE8, 5, 1), cell(G.SQUARE8, 5, 3), 0)
    assert E.policy_index(geo, s, m) == 192 + (5 * 8 + 5) * 56 + 1 * 7 + 3
    c12 = cell(G.SQUARE8, 1, 2)
    assert E.policy_index(geo, s, M.enc(M.PROCESS_LINE, -1, c12, -1, 0)) == 3776 + 17 * 4
    assert E.policy_index(geo, s, M.enc(M.ELIMINATE_RINGS_FROM_STACK, -1, c12, -1, 0)) == 4032 + 17


@pytest.mark.parametrize("board,special", [(G.HEX8, 4131), (G.HEXAGONAL, 91875)])
def test_hex_indices(board, special):
    geo, s = G.build(board), new_game(board, 2)
    r = (E.SPATIAL[board] - 1) // 2
    for t in (M.SKIP_PLACEMENT, M.NO_PLACEMENT_ACTION, M.NO_MOVEMENT_ACTION, M.SKIP_CAPTURE, M.NO_LINE_ACTION,
              M.NO_TERRITORY_ACTION, M.SKIP_TERRITORY_PROCESSING, M.FORCED_ELIMINATION, M.SKIP_RECOVERY,
              M.ELIMINATE_RINGS_FROM_STACK, M.PROCESS_LINE, M.CHOOSE_LINE_OPTION, M.CHOOSE_TERRITORY_OPTION):
        assert E.policy_index(geo, s, M.enc(t, -1, 0, -1, 0)) == special, M.MOVE_TYPE_NAMES[t]
    assert E.policy_index(geo, s, M.enc(M.SWAP_SIDES, -1, -1, -1, 0)) == -1
    c = cell(board, -r, 0)  # canonical column 0, row r
    assert E.policy_index(geo, s, M.enc(M.PLACE_RING, -1, c, -1, 1)) == (r * E.SPATIAL[board]) * 3
    # (0,0) -> (-2,2): direction (-1,1) is the 3rd, distance 2
    m = M.enc(M.MOVE_STACK, cell(board, 0, 0), cell(board, -2, 2), -1, 0)
    S_ = E.SPATIAL[board]
    assert E.policy_index(geo, s, m) == 3 * S_ * S_ + (r * S_ + r) * 6 * (S_ - 1) + 2 * (S_ - 1) + 1


def decode(board, idx):
    """Placement / movement part of RingRift's policy layout: ('place', x, y, count) or ('move', x, y, tx, ty)."""
    n = E.SPATIAL[board]
    hexb = G.is_hex(board)
    off = (n - 1) // 2 if hexb else 0
    dirs = ([(1, 0), (0, 1), (-1, 1), (-1, 0), (0, -1), (1, -1)] if hexb else
            [(-1, -1), (0, -1), (1, -1), (-1, 0), (1, 0), (-1, 1), (0, 1), (1, 1)])
    dmax = n - 1
    if idx < 3 * n * n:
        pos, k = divmod(idx, 3)
        return ("place", pos % n - off, pos // n - off, k + 1)
    frm, rest = divmod(idx - 3 * n * n, len(dirs) * dmax)
    d, dist = divmod(rest, dmax)
    x, y = frm % n - off, frm // n - off
    return ("move", x, y, x + dirs[d][0] * (dist + 1), y + dirs[d][1] * (dist + 1))


MOVEMENT = (M.MOVE_STACK, M.OVERTAKING_CAPTURE, M.CONTINUE_CAPTURE_SEGMENT, M.RECOVERY_SLIDE)


@pytest.mark.parametrize("board", BOARDS)
def test_policy_indices_in_range_and_round_trip(board):
    geo = G.build(board)
    coords = G.cell_coords(board)
    hexb = G.is_hex(board)
    seen = 0
    for players, seed in ((2, 1), (3, 2), (4, 3)):
        positions, _ = random_positions(board, players, seed, 400)
        for s, _, legal in positions[::7]:
            spatial = {}
            for m in map(int, legal):
                t = M.mtype(m)
                idx = E.policy_index(geo, s, m)
                assert 0 <= idx < E.POLICY_SIZE[board], (M.MOVE_TYPE_NAMES[t], idx)
                if t == M.PLACE_RING:
                    x, y, _ = coords[M.mto(m)]
                    assert decode(board, idx) == ("place", x, y, M.mextra(m))
                elif t in MOVEMENT:
                    (x, y, _), (tx, ty, _) = coords[M.mfrom(m)], coords[M.mto(m)]
                    assert decode(board, idx) == ("move", x, y, tx, ty)
                else:
                    n = E.SPATIAL[board]
                    assert idx >= 3 * n * n + (6 if hexb else 8) * n * n * (n - 1)
                    continue
                # distinct placements and moves of one position get distinct indices (recovery
                # variants of one slide share theirs, as in RingRift)
                key = (t == M.PLACE_RING, M.mfrom(m), M.mto(m), M.mextra(m) if t == M.PLACE_RING else 0)
                assert spatial.setdefault(idx, key) == key
                seen += 1
    assert seen > 100


def test_square_territory_choice_index():
    """Anchor = the region's smallest (y, x) cell, then the size bucket and the mover, for random 3-4p regions."""
    board = G.SQUARE8
    geo = G.build(board)
    n = len(G.cell_coords(board))
    rc, rs, rl = np.empty(n * 5 + 1, np.int32), np.empty(MAX_REGIONS, np.int32), np.empty(MAX_REGIONS, np.int32)
    checked = 0
    for seed in range(60):
        positions, _ = random_positions(board, 3 + seed % 2, 100 + seed, 10000)
        for s, _, legal in positions:
            choices = [int(m) for m in legal if M.mtype(int(m)) == M.CHOOSE_TERRITORY_OPTION]
            if not choices:
                continue
            find_regions(geo, s, rc, rs, rl)
            for m in choices:
                r = M.mextra(m)
                cells = [int(c) for c in rc[rs[r]:rs[r] + rl[r]]]
                lo = min(cells, key=lambda c: (c // 8, c % 8))
                want = 4103 + lo * 32 + min(len(cells) - 1, 7) * 4 + (int(s[S.H_CUR]) - 1) % 4
                assert E.policy_index(geo, s, m) == want
                checked += 1
        if checked >= 30:
            return
    assert checked > 0, "no territory choice came up in 60 random games"


# --- planes -----------------------------------------------------------------------------------

def test_square_planes_are_indexed_x_then_y():
    board = G.SQUARE8
    s = new_game(board, 2)  # player 1 to move
    S.push_top(s, cell(board, 0, 1), 1, 1)
    S.push_top(s, cell(board, 0, 0), 2, 3)
    S.new_marker(s, cell(board, 2, 5), 2)
    S.new_marker(s, cell(board, 3, 5), 2)
    s[s[S.O_COLL] + cell(board, 7, 6)] = 1
    f = frame_of(board, s)
    assert f[0, 0, 1] == np.float32(0.2) and f[0, 1, 0] == 0
    assert f[1, 0, 0] == np.float32(0.6)
    # (0,1) has 5 on-board neighbours, one of them the stack at (0,0); (0,0) has 3, one a stack
    assert f[6, 0, 1] == np.float32(4 / 8) and f[7, 0, 0] == np.float32(2 / 8)
    assert f[3, 2, 5] == 1 and f[3, 3, 5] == 1 and f[2].sum() == 0
    assert f[9, 2, 5] == np.float32(1 / 4)
    assert f[4, 7, 6] == 1
    assert (f[12] == 1).all() and not f[[10, 11, 13]].any()


def test_hex_planes_orientation_and_the_placement_key_bug():
    board = G.HEX8
    r = 4
    s = new_game(board, 2)
    s[S.H_CUR] = 2
    c = cell(board, 1, -2)
    S.push_top(s, c, 2, 2)
    S.new_marker(s, cell(board, 2, -2), 1)
    f = frame_of(board, s)
    assert f[0, -2 + r, 1 + r] == np.float32(0.4)
    assert f[3, -2 + r, 2 + r] == 1
    # planes 14/15 ignore occupancy (RingRift's "q,r" key never matches a "q,r,s" board key)
    assert f[14, -2 + r, 1 + r] == 1 and f[15, -2 + r, 1 + r] == 1
    # the marker's cell sees the stack (friendly) and nothing hostile: no contestation there;
    # a cell next to both the stack and the marker is contested
    assert f[10, -2 + r, 2 + r] == 0
    both = cell(board, 2, -3)  # neighbour of (1,-2) and of (2,-2)
    x, y, _ = G.cell_coords(board)[both]
    assert f[10, y + r, x + r] == np.float32(1 / 3) and f[11, y + r, x + r] == np.float32(1 / 3)
    assert f[12, y + r, x + r] == np.float32(0.4 / 6)


@pytest.mark.parametrize("board", [G.HEX8, G.HEXAGONAL])
def test_hex_cells_off_the_board_stay_zero(board):
    n = E.SPATIAL[board]
    r = (n - 1) // 2
    off = np.array([[max(abs(q), abs(rr), abs(q + rr)) > r for q in range(-r, r + 1)] for rr in range(-r, r + 1)])
    positions, _ = random_positions(board, 3, 5, 600)
    for s, _, _ in positions[::50]:
        f = frame_of(board, s)
        assert not f[:, off].any()
        assert (f[14][~off] == 1).all()
    assert off.sum() == n * n - len(G.cell_coords(board))


# --- history ------------------------------------------------------------------------------------

@pytest.mark.parametrize("board", [G.SQUARE8, G.HEX8])
def test_history_frames_shift_newest_first(board):
    geo = G.build(board)
    positions, _ = random_positions(board, 3, 7, 12)
    planes = E.BASE_PLANES[board]
    ring = E.new_ring(board)
    feat = np.zeros(E.feature_shape(board), np.float32)
    glob = np.zeros(E.N_GLOBALS, np.float32)
    base = [frame_of(board, s) for s, _, _ in positions]
    count = 0
    for k, (s, _, _) in enumerate(positions):
        count = E.encode_sample(geo, s, ring, count, feat, glob)
        for j in range(E.FRAMES):
            want = base[k - j] if k - j >= 0 else np.zeros_like(base[0])
            assert np.array_equal(feat[j * planes:(j + 1) * planes], want), (k, j)
    # each history frame keeps its own mover's view, not the current mover's
    flips = 0
    for k in range(1, len(positions)):
        prev, cur = positions[k - 1][0], positions[k][0]
        if prev[S.H_CUR] != cur[S.H_CUR] and prev[prev[S.O_H]:prev[S.O_H] + prev[S.H_N]].any():
            other = prev.copy()
            other[S.H_CUR] = cur[S.H_CUR]
            assert not np.array_equal(frame_of(board, other), base[k - 1])
            flips += 1
    assert flips > 0
    assert count == len(positions)


# --- globals and the threat opponent ----------------------------------------------------------------

def test_threat_opponent_and_globals():
    board = G.SQUARE8
    geo = G.build(board)
    s = new_game(board, 3)  # victory threshold 18 * (2/3 + 2/3) = 24, territory 33
    s[s[S.O_ELIM] + 2] = 12     # 0.5
    s[s[S.O_TERR] + 3] = 20     # 0.606
    s[s[S.O_HAND] + 3] = 9
    assert E.threat_opponent(s, 1) == 3
    g = np.zeros(20, np.float32)
    E.global_features(geo, s, g)
    assert g[6] == np.float32(9 / 18) and g[8] == 0
    # an exclusive last-player-standing streak: 1 of 3 rounds -> 0.945
    s[S.H_LPS_CONSEC_P], s[S.H_LPS_CONSEC] = 2, 1
    assert E.victory_progress(s, 2) == pytest.approx(0.945)
    assert E.threat_opponent(s, 1) == 2
    E.global_features(geo, s, g)
    assert g[8] == np.float32(12 / 18)
    # ties go to the first seat
    t = new_game(board, 4)
    assert E.threat_opponent(t, 2) == 1 and E.threat_opponent(t, 1) == 2


def test_phase_globals_square_and_hex():
    g = np.zeros(20, np.float32)
    sq, hx = (G.build(G.SQUARE8), new_game(G.SQUARE8, 2)), (G.build(G.HEX8), new_game(G.HEX8, 2))
    for geo, s in (sq, hx):
        s[S.H_PHASE] = S.LINE_PROCESSING
        E.global_features(geo, s, g)
        assert np.flatnonzero(g[:5]).tolist() == [3] and g[9] == 1
    # chain capture: no one-hot bit and slot 10 on square; slot 2 and slot 15 on hex
    for (geo, s), onehot, flag in ((sq, [], 10), (hx, [2], 15)):
        s[S.H_PHASE] = S.CHAIN_CAPTURE
        E.global_features(geo, s, g)
        assert np.flatnonzero(g[:5]).tolist() == onehot and g[flag] == 1
    # forced elimination: no one-hot bit and slot 11 on square; slot 4 and slot 16 on hex
    for (geo, s), onehot, flag in ((sq, [], 11), (hx, [4], 16)):
        s[S.H_PHASE] = S.FORCED_ELIMINATION
        E.global_features(geo, s, g)
        assert np.flatnonzero(g[:5]).tolist() == onehot and g[flag] == 1


# --- values --------------------------------------------------------------------------------------

def finished(board, players, elim, terr, winner):
    s = new_game(board, players)
    for p in range(1, players + 1):
        s[s[S.O_ELIM] + p] = elim[p - 1]
        s[s[S.O_TERR] + p] = terr[p - 1]
    s[S.H_STATUS], s[S.H_WINNER], s[S.H_PHASE] = S.COMPLETED, winner, S.GAME_OVER
    return s


def test_values_three_players_rank_and_ignore_the_winner():
    # player 2 leads on eliminations; 1 and 3 tie on (5, 2): seat order puts 1 first
    s = finished(G.SQUARE8, 3, [5, 7, 5], [2, 0, 2], winner=1)
    assert [E.rank(s, p) for p in (1, 2, 3)] == [2, 1, 3]
    assert [E.value_for(s, p) for p in (1, 2, 3)] == [0.0, 1.0, -1.0]
    mp = np.zeros(4, np.float32)
    E.values_mp(s, mp)
    assert mp.tolist() == [0.0, 1.0, -1.0, 0.0]
    movers = np.array([1, 2, 3, 3, 1], np.int32)
    out = np.zeros(5, np.float32)
    E.sample_values(s, movers, out)
    assert out.tolist() == [0.0, 1.0, -1.0, -1.0, 0.0]


def test_values_two_and_four_players():
    s = finished(G.HEX8, 2, [3, 9], [0, 0], winner=1)  # the winner by the ladder trails on eliminations
    assert (E.value_for(s, 1), E.value_for(s, 2)) == (1.0, -1.0)
    mp = np.zeros(4, np.float32)
    E.values_mp(s, mp)
    assert mp.tolist() == [-1.0, 1.0, 0.0, 0.0]
    s = finished(G.SQUARE8, 4, [1, 4, 4, 2], [0, 3, 1, 0], winner=2)
    E.values_mp(s, mp)
    assert mp.tolist() == pytest.approx([-1.0, 1.0, 1 / 3, -1 / 3])
    assert mp.dtype == np.float32 and mp[2] == np.float32(1.0 - 2.0 * 1 / 3)
    assert E.has_winner(s) and not E.has_winner(finished(G.SQUARE8, 4, [0] * 4, [0] * 4, winner=0))


def test_timing_reports_every_sample():
    from kernels.encoding.timing import collect, time_encoding
    states, moves, starts = collect(G.SQUARE8, 2, 2, seed=3)
    assert starts.sum() == 2 and len(states) == len(moves) > 20
    r = time_encoding(G.SQUARE8, 2, games=2, seed=3, repeat=1, chunk=50)
    assert r["samples"] == len(states) and r["ms_per_sample"] > 0 and r["x_ringrift"] > 0


@pytest.mark.parametrize("board,players", [(G.SQUARE8, 3), (G.HEX8, 2)])
def test_encode_game_matches_step_by_step(board, players):
    from kernels.encoding.game import new_buffers
    geo = G.build(board)
    positions, final = random_positions(board, players, 11, 10000)
    moves = np.array([m for _, m, _ in positions], np.int64)
    ring, feat, glob, pol, plies, movers = new_buffers(board, len(moves))
    s = new_game(board, players)
    k = E.encode_game(geo, s, moves, 3, 1, ring, feat, glob, pol, plies, movers)
    assert np.array_equal(s, final)
    want_plies = [i for i in range(1, len(moves), 3) if E.policy_index(geo, positions[i][0], moves[i]) >= 0]
    assert plies[:k].tolist() == want_plies and k > 10
    ring2 = E.new_ring(board)
    f = np.zeros(E.feature_shape(board), np.float32)
    g = np.zeros(E.N_GLOBALS, np.float32)
    count, j = 0, 0
    for i, (st, m, _) in enumerate(positions):
        count = E.encode_sample(geo, st, ring2, count, f, g)
        if j < k and plies[j] == i:
            assert np.array_equal(feat[j], f) and np.array_equal(glob[j], g)
            assert pol[j] == E.policy_index(geo, st, m) and movers[j] == st[S.H_CUR]
            j += 1
    assert j == k
