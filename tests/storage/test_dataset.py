"""Self-play dataset files and their index (ringrift_mpi.storage.dataset): round trips, RingRift's
arrays, merge, NPZ export, and one clear line for every bad file."""
from __future__ import annotations

import shutil

import h5py
import numpy as np
import pytest

from kernels import geometry as G
from kernels.encoding.game import encode_game, new_buffers
from kernels.encoding.values import sample_values
from kernels.newgame import new_game
from ringrift_mpi.selfplay.config import SelfplayConfig
from ringrift_mpi.selfplay.play import Setup, load_seats, play_block, shard_attrs
from ringrift_mpi.storage import StorageError, identify
from ringrift_mpi.storage.dataset import (DATASET, INDEX, Dataset, build_index, canonical, differences, export_npz,
                                          merge, write_dataset)


def _setup(board="square8", players=2, seats="default", max_moves=0):
    cfg = SelfplayConfig.load(None, env={}, overrides={"game.board": board, "game.players": players,
                                                       "players.seats": seats, "game.max_moves": max_moves,
                                                       "game.opening_random_plies": 2})
    W, rows, hashes, table = load_seats(cfg.seat_specs, players)
    return cfg, Setup(board, players, 3, cfg.mode_name, 0.1, 0.0, 2, cfg.max_moves, True, 1, W, rows, hashes,
                      attrs=shard_attrs(cfg, table))


def _run_dir(tmp_path, board="square8", players=2, cuts=((0, 5), (5, 9)), **kw):
    """A run directory with one shard per game range, and its index."""
    cfg, setup = _setup(board, players, **kw)
    d = tmp_path / "run"
    (d / "shards").mkdir(parents=True)
    n = G.BOARD_CELLS[G.board_id(board)]
    for i, (a, b) in enumerate(cuts):
        blk, _ = play_block(setup, a, b)
        write_dataset(str(d / "shards" / f"s001-r{i:04d}-00000.h5"), setup.attrs, [blk], n)
    build_index(str(d))
    return d, setup


def _reference(board, players, moves):
    """What RingRift's exporter walk gives for one recorded game (kernels.encoding.game)."""
    geo = G.build(board)
    ring, feat, glob, pol, plies, movers = new_buffers(board, len(moves))
    s = new_game(board, players)
    k = encode_game(geo, s, moves, 1, 0, ring, feat, glob, pol, plies, movers)
    vals = np.zeros(k, np.float32)
    sample_values(s, movers[:k], vals)
    return feat[:k], glob[:k], pol[:k], plies[:k], vals


@pytest.mark.parametrize("board,players", [("square8", 2), ("hex8", 3)])
def test_every_game_reads_back_as_the_encoder_writes_it(tmp_path, board, players):
    d, setup = _run_dir(tmp_path, board, players)
    b = G.board_id(board)
    with Dataset(str(d)) as ds:  # a run directory means its index
        assert ds.fmt is INDEX and ds.n_games == 9 and sorted(ds.games["id"]) == list(range(9))
        won = 0
        for g in range(ds.n_games):
            moves = ds.moves(g)
            assert len(moves) == ds.games["length"][g]
            if ds.games["winner"][g] == 0:
                assert ds.games["positions"][g] == 0
                continue
            won += 1
            feat, glob, pol, plies, vals = _reference(b, players, moves)
            p0, p1 = ds.pos_start[g], ds.pos_start[g + 1]
            got = ds.batch(np.arange(p0, p1))
            assert np.array_equal(got["features"], feat)
            assert np.array_equal(got["globals"], glob) and np.array_equal(got["values"], vals)
            assert [list(x) for x in got["policy_indices"]] == [[i] for i in pol]
            assert all(v.dtype == np.float32 and list(v) == [1.0] for v in got["policy_values"])
            assert np.array_equal(got["move_numbers"], plies)
            assert set(got["total_game_moves"]) == {len(moves)} and set(got["num_players"]) == {players}
            assert set(got["phases"]) <= {"ring_placement", "movement", "capture", "chain_capture",
                                          "line_processing", "territory_processing", "forced_elimination"}
        assert won >= 5
        # any ply can be rebuilt: the state before the last move, and the final one
        g = int(np.flatnonzero(ds.games["winner"] != 0)[0])
        L = int(ds.games["length"][g])
        from kernels import state as S
        assert ds.state(g, L - 1)[S.H_STATUS] == S.ACTIVE
        assert ds.state(g, L)[S.H_WINNER] == ds.games["winner"][g]
        with pytest.raises(StorageError, match=f"has plies 0..{L}, not {L + 1}"):
            ds.state(g, L + 1)
        # a random batch, repeats and any order, equals the same rows read one by one
        pick = np.random.default_rng(0).integers(0, ds.n_positions, 40)
        batch = ds.batch(pick)
        for j in (0, 17, 39):
            one = ds.batch([pick[j]])
            assert np.array_equal(one["features"][0], batch["features"][j])
            assert np.array_equal(one["globals"][0], batch["globals"][j])
    assert INDEX.validate(str(d / "dataset.h5")) == []
    info = INDEX.describe(str(d / "dataset.h5"))
    assert info["games"] == 9 and info["shards"] == 2 and info["board"] == board


def test_the_index_follows_its_directory_and_equals_one_file(tmp_path, monkeypatch):
    d, setup = _run_dir(tmp_path)
    one = tmp_path / "one.h5"
    blk, _ = play_block(setup, 0, 9)
    write_dataset(str(one), setup.attrs, [blk], 64)
    assert identify(one) is DATASET and DATASET.validate(str(one)) == []
    a = canonical(str(d))
    moved = tmp_path / "elsewhere" / "moved"
    shutil.move(str(d), str(moved))
    monkeypatch.chdir(tmp_path)  # relative shard paths resolve against the index, not the working directory
    assert differences(a, canonical(str(moved))) == []
    assert differences(a, canonical(str(one))) == []
    # merge: one file, every game once, the same content; merging a run twice is refused
    out = tmp_path / "merged.h5"
    counts = merge([str(moved / "shards" / "s001-r0001-00000.h5"), str(moved / "shards" / "s001-r0000-00000.h5")],
                   str(out))
    assert counts["games"] == 9 and differences(a, canonical(str(out))) == []
    with pytest.raises(StorageError, match=r"game id \d+ is also in"):
        merge([str(moved), str(out)], str(tmp_path / "twice.h5"))
    assert not (tmp_path / "twice.h5").exists()


def test_export_npz_is_ringrifts_layout_in_game_order(tmp_path):
    d, setup = _run_dir(tmp_path, "hex8", 2)
    out = tmp_path / "x.npz"
    r = export_npz(str(d), str(out))
    z = np.load(out, allow_pickle=True)
    c = canonical(str(d))
    n = r["positions"]
    assert n == len(c["values"]) > 100
    assert z["features"].shape == (n, 64, 9, 9) and z["features"].dtype == np.float32
    assert np.array_equal(z["features"], c["features"]) and np.array_equal(z["globals"], c["globals"])
    assert z["globals"].shape == (n, 20) and z["values"].dtype == np.float32 and z["values_mp"].shape == (n, 4)
    assert z["policy_indices"].dtype == object and z["policy_indices"][0].dtype == np.int32
    assert all(abs(float(v.sum()) - 1.0) < 1e-6 and v.dtype == np.float32 for v in z["policy_values"])
    assert int(z["feature_version"]) == 2 and int(z["history_length"]) == 3 and str(z["board_type"]) == "hex8"
    assert str(z["encoder_type"]) == "hex_v3" and int(z["in_channels"]) == 64 and int(z["policy_size"]) == 4500
    assert int(z["max_policy_index"]) == max(int(v[0]) for v in z["policy_indices"]) < 4500
    assert set(z["victory_types"]) <= {"elimination", "territory", "lps", "stalemate"}
    # RingRift's exporter: move_numbers count from 0 within each game, games one after another
    assert list(z["move_numbers"][:3]) == [0, 1, 2]
    small = export_npz(str(d), str(tmp_path / "small.npz"), limit=150)
    assert small["positions"] == 150 and len(np.load(tmp_path / "small.npz", allow_pickle=True)["values"]) == 150


def _index_and_shard(tmp_path):
    d, _ = _run_dir(tmp_path)
    return d / "dataset.h5", d / "shards" / "s001-r0000-00000.h5"


def _one_line(path, what, *words):
    with pytest.raises(StorageError) as e:
        Dataset(str(path)).close()
    msg = str(e.value)
    assert "\n" not in msg and str(what) in msg, msg
    for w in words:
        assert w in msg, msg
    return msg


def test_bad_files_each_give_one_line_naming_the_file(tmp_path):
    index, shard = _index_and_shard(tmp_path)
    # truncated shard
    cut = tmp_path / "cut.h5"
    cut.write_bytes(shard.read_bytes()[:3000])
    _one_line(cut, cut, "truncated or damaged")
    # corrupt shard: its bytes overwritten in the middle (the superblock intact)
    bad = tmp_path / "bad.h5"
    raw = bytearray(shard.read_bytes())
    raw[2048:len(raw) - 512] = b"\x5a" * (len(raw) - 2560)
    bad.write_bytes(bytes(raw))
    with pytest.raises(StorageError) as e:
        with Dataset(str(bad)) as ds:
            ds.batch(np.arange(ds.n_positions))
    assert str(bad) in str(e.value) and "\n" not in str(e.value)
    # wrong format_version
    old = tmp_path / "old.h5"
    shutil.copy(shard, old)
    with h5py.File(old, "r+") as f:
        f.attrs["format_version"] = 99
    _one_line(old, old, "format_version 99", "reads format_version 1")
    # wrong state layout
    lay = tmp_path / "layout.h5"
    shutil.copy(shard, lay)
    with h5py.File(lay, "r+") as f:
        f.attrs["state_layout"] = 0
    _one_line(lay, lay, "layout version 0")
    # a shard that lost a dataset
    lost = tmp_path / "lost.h5"
    shutil.copy(shard, lost)
    with h5py.File(lost, "r+") as f:
        del f["plies/cells"]
    _one_line(lost, lost, "plies/cells")
    # missing shard: the index names it, instead of reading HDF5's fill values
    shard.rename(tmp_path / "away.h5")
    _one_line(index, shard, "shard missing")
    shutil.copy(old, shard)  # a shard this version cannot read in its place
    _one_line(index, shard, "format_version 99")
    shutil.copy(shard.parent / "s001-r0001-00000.h5", shard)  # another shard of the run in its place
    _one_line(index, shard, "replaced since the index was built", "rebuild the index")


def test_validator_sees_a_policy_outside_the_space(tmp_path):
    _, shard = _index_and_shard(tmp_path)
    with h5py.File(shard, "r+") as f:
        f["policy_indices"][3] = 7000
    assert any("policy_indices outside the 7000-wide policy space" in p for p in DATASET.validate(str(shard)))
