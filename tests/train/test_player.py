"""The NN player sees what the loader gives the network, and scores moves at the dataset's indices.

Along the games of a self-play dataset, the player's own input path (push_frame every ply, then
nn_inputs, as play() does) must give exactly the features and globals the storage reader expands for
the dataset's rows (history frames included), the policy index of the move played must be the
dataset's target, and the player's pick must be the network's argmax over the legal moves' indices.
"""
import numpy as np
import torch

from kernels.apply import apply_move
from kernels.encoding import new_ring, push_frame
from kernels.encoding.layout import IN_CHANNELS, N_GLOBALS, SPATIAL
from kernels.movegen import legal_moves
from kernels.newgame import new_game
from ringrift_mpi.storage.dataset import Dataset
from ringrift_mpi.train.loader import read_rows
from ringrift_mpi.train.model import PolicyValueNet
from ringrift_mpi.train.player import _pick, move_scores, nn_inputs
from ringrift_mpi.train.source import DatasetSource

TC = 4103  # square8's first choose_territory_option index (docs: the notes' special-index table)


def test_player_inputs_and_picks_match_the_dataset(sq8_data):
    torch.manual_seed(0)
    net = PolicyValueNet(0, 16, 1, 16).eval()
    src = DatasetSource(sq8_data)
    checked = decided = 0
    with Dataset(sq8_data) as ds:
        geo, b = ds.geo, ds.board
        buf = np.zeros(4096, np.int64)
        for gr in range(6):
            p0, p1 = int(ds.pos_start[gr]), int(ds.pos_start[gr + 1])
            rows = np.arange(p0, p1)
            want = read_rows(src, rows, 64)  # what training reads
            at = {int(ply): i for i, ply in enumerate(ds.read("move_numbers", p0, p1))}
            s, ring, count = new_game(b, ds.players), new_ring(b), 0
            for ply, m in enumerate(ds.moves(gr)):
                count = push_frame(geo, s, ring, count)
                if ply in at:
                    i = at[ply]
                    k = legal_moves(geo, s, buf)
                    legal = buf[:k].copy()
                    f = np.zeros((IN_CHANNELS[b], SPATIAL[b], SPATIAL[b]), np.float32)
                    g = np.zeros(N_GLOBALS, np.float32)
                    pidx = nn_inputs(geo, s, ring, count, legal, f, g)
                    np.testing.assert_array_equal(f, want["features"][i], err_msg=f"game {gr} ply {ply}")
                    np.testing.assert_array_equal(g, want["globals"][i], err_msg=f"game {gr} ply {ply}")
                    played = pidx[int(np.flatnonzero(legal == m)[0])]
                    assert [played] == list(want["policy_indices"][i]), f"game {gr} ply {ply}"
                    with torch.no_grad():
                        logits = net(torch.from_numpy(f[None]), torch.from_numpy(g[None]))[0][0].numpy()
                    score = move_scores(logits, pidx, b)
                    j = _pick(score, 0.0, np.random.default_rng(ply))
                    assert score[j] == score.max()
                    np.testing.assert_array_equal(score[pidx >= 0], logits[pidx[pidx >= 0]])
                    checked += 1
                    decided += k > 1
                apply_move(geo, s, m)
    assert checked > 300 and decided > 100


def test_pick_breaks_ties_among_legal_indices_only():
    logits = np.zeros(7000, np.float32)
    logits[[2, 7]] = 5.0  # 7 is not legal
    pidx = np.array([1, 2, 2, 3, -1])  # two moves share index 2 (hex bookkeeping, line options)
    picks = {_pick(move_scores(logits, pidx, 0), 0.0, np.random.default_rng(s)) for s in range(40)}
    assert picks == {1, 2}
    assert _pick(move_scores(logits, np.array([-1, -1]), 0), 0.0, np.random.default_rng(0)) in (0, 1)


def test_territory_choice_index_holds_the_movers_seat_which_the_inputs_do_not_show(sq8_data):
    """A limit of RingRift's policy space the player lives with (player.move_scores): the seat slot of a
    territory choice's index is the mover's, which the network's inputs do not show."""
    import json
    from kernels.state import H_CUR
    with Dataset(sq8_data) as ds:
        names = json.loads(ds.attrs["move_type_names"])
        rows = np.flatnonzero(ds.read("move_types") == names.index("choose_territory_option"))[:40]
        assert len(rows) >= 10
        idx = ds.read_rows("policy_indices", rows)[:, 0]
        plies = ds.read_rows("move_numbers", rows)
        movers = [ds.state(int(g), int(p))[H_CUR] for g, p in zip(ds.game_of(rows), plies)]
    assert ((idx - TC) % 4 + 1 == np.array(movers)).all()
    assert {1, 2} <= set(movers)


def test_the_model_engine_plays_kernel_seats_exactly_as_the_kernels_loop():
    """Heuristic and random seats in player.play (the loop of matches with a model seat) give the very
    games of evaluate's kernel loop on the same sets: outcomes, moves and capped games."""
    from ringrift_mpi.evaluate.match import SeatMatch, Settings, build_match, play_task
    from ringrift_mpi.evaluate.players import parse
    from ringrift_mpi.train import seat
    d, r = parse("default"), parse("random")
    m = build_match(Settings("square8", 2, "full", 0.02, 200, 4, 5, 12, 3), d, r, None)
    sm = SeatMatch(m.board, m.players, m.mode, m.epsilon, m.max_moves, m.W, m.starts, m.seeds, m.groups_per_task,
                   seats=(d, r), engine="model")
    for t in m.tasks():
        a, b = play_task(m, t), seat.play_task(sm, t)
        np.testing.assert_array_equal(a[0], b[0])
        assert a[1:] == b[1:] and a[1] > 0
