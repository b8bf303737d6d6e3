"""The dataset source and the streaming loader: split by game, rank slices, order independent of
ranks and workers, exact resume positions, rows read as written."""
import h5py
import numpy as np
import pytest

from ringrift_mpi.storage import StorageError
from ringrift_mpi.train.loader import WindowStream, batches, epoch_plan, rank_slice, read_rows, split
from ringrift_mpi.train.source import DatasetSource


def test_source_reads_what_the_storage_layer_reads(sq8_data):
    from ringrift_mpi.storage.dataset import Dataset
    src = DatasetSource(sq8_data)
    assert (src.board, src.players, src.policy_size, src.feature_shape) == ("square8", 2, 7000, (56, 8, 8))
    rows = np.array([len(src) - 1, 3, 700, 701, 2])
    got = read_rows(src, rows, 64)
    with Dataset(sq8_data) as ds:
        want = ds.batch(rows)
        gid = ds.games["id"][ds.game_of(rows)]
    np.testing.assert_array_equal(got["features"], want["features"])
    np.testing.assert_array_equal(got["globals"], want["globals"])
    np.testing.assert_array_equal(got["values"], want["values"])
    assert [list(p) for p in got["policy_indices"]] == [list(p) for p in want["policy_indices"]]
    assert (src.game_ids[rows] == gid).all()
    # every value is +-1 (2 players) and every policy row one index of weight 1 inside the space
    assert set(np.unique(got["values"])) <= {-1.0, 1.0}
    assert all(len(p) == 1 and 0 <= p[0] < 7000 for p in got["policy_indices"])
    assert all(list(v) == [1.0] for v in got["policy_values"])


def test_source_of_two_datasets_numbers_rows_and_games_apart(sq8_data):
    import glob
    shards = sorted(glob.glob(f"{sq8_data}/shards/*.h5"))
    one, two = DatasetSource(sq8_data), DatasetSource([sq8_data, sq8_data])
    assert len(two) == 2 * len(one) and not set(two.game_ids[:len(one)]) & set(two.game_ids[len(one):])
    got = read_rows(two, np.array([len(one) - 1, len(one), len(one) + 5]), 64)
    ref = read_rows(one, np.array([len(one) - 1, 0, 5]), 64)
    np.testing.assert_array_equal(got["features"], ref["features"])
    assert shards and len(DatasetSource(shards[0])) <= len(one)


def test_source_refuses_bad_files(tmp_path, sq8_data):
    bad = tmp_path / "bad.h5"
    with h5py.File(bad, "w") as f:
        f["values"] = np.zeros(3)
    with pytest.raises(StorageError, match=r"bad\.h5: not a ringrift-mpi file"):
        DatasetSource(str(bad))
    trunc = tmp_path / "trunc.h5"
    import glob
    trunc.write_bytes(open(sorted(glob.glob(f"{sq8_data}/shards/*.h5"))[0], "rb").read()[:5000])
    with pytest.raises(StorageError, match=r"trunc\.h5: truncated or damaged HDF5"):
        DatasetSource(str(trunc))
    with pytest.raises(StorageError, match="missing"):
        DatasetSource(str(tmp_path / "nope.h5"))


def test_split_is_by_game(sq8_data):
    src = DatasetSource(sq8_data)
    tr, va = split(src.game_ids, 0.25, seed=3)
    assert len(tr) + len(va) == len(src) and len(va) > 0
    assert not set(src.game_ids[tr]) & set(src.game_ids[va])
    assert len(set(src.game_ids[va])) >= 4
    tr2, va2 = split(src.game_ids, 0.25, seed=3)
    assert (tr == tr2).all() and (va == va2).all()
    assert not (split(src.game_ids, 0.25, seed=4)[1].size == va.size and (split(src.game_ids, 0.25, seed=4)[1] == va).all())


def test_plan_covers_rows_once_and_ranks_split_each_batch(sq8_data):
    src = DatasetSource(sq8_data)
    tr, _ = split(src.game_ids, 0.1, 1)
    plan = epoch_plan(tr, 1, 0, 32, 64, 4)
    rows = np.concatenate(plan.windows)
    assert len(set(rows)) == len(rows) and set(rows) <= set(tr) and len(rows) > 0.9 * len(tr)
    assert not (rows == np.sort(rows)).all()  # shuffled
    assert not (np.concatenate(epoch_plan(tr, 1, 1, 32, 64, 4).windows)[:100] == rows[:100]).all()  # per epoch
    for w in plan.windows:
        a, b = rank_slice(w, 32, 0, 2), rank_slice(w, 32, 1, 2)
        one = w.reshape(-1, 32)
        assert (np.concatenate([a.reshape(-1, 16), b.reshape(-1, 16)], 1) == one).all()


def _collect(src, plan, rank, world, start, workers, augment=True):
    s = WindowStream(src, plan, rank, world, start, 64, augment, 7, 0)
    return [{k: v.numpy().copy() for k, v in b.items()} for b in batches(s, workers)]


def test_stream_same_for_any_worker_count_rank_split_and_resume_point(sq8_data):
    src = DatasetSource(sq8_data)
    tr, _ = split(src.game_ids, 0.1, 1)
    plan = epoch_plan(tr, 1, 0, 32, 64, 2)
    one = _collect(src, plan, 0, 1, 0, 0)
    assert len(one) == plan.batches
    two_workers = _collect(src, plan, 0, 1, 0, 2)
    for a, b in zip(one, two_workers, strict=True):
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])
    r0, r1 = _collect(src, plan, 0, 2, 0, 0), _collect(src, plan, 1, 2, 0, 1)
    for a, b0, b1 in zip(one, r0, r1, strict=True):
        np.testing.assert_array_equal(a["features"], np.concatenate([b0["features"], b1["features"]]))
        np.testing.assert_array_equal(a["pidx"][:, 0], np.concatenate([b0["pidx"][:, 0], b1["pidx"][:, 0]]))
    k = plan.batches // 2 + 1
    resumed = _collect(src, plan, 0, 1, k, 0)
    assert len(resumed) == plan.batches - k
    for a, b in zip(one[k:], resumed, strict=True):
        np.testing.assert_array_equal(a["features"], b["features"])
    # augmentation happened: some batches differ from the un-augmented stream, targets moved with them
    plain = _collect(src, plan, 0, 1, 0, 0, augment=False)
    assert any((a["pidx"] != b["pidx"]).any() for a, b in zip(one, plain))
    assert all(np.isin(a["values"], b["values"]).all() for a, b in zip(one, plain))
