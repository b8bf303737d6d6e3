"""ringrift-h5 on a self-play run directory: info, stats, show, export-json, merge, export-npz, and
one line for a missing shard."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from kernels import state as S
from ringrift_mpi.h5 import main
from ringrift_mpi.storage.dataset import Dataset, canonical, differences

SMOKE = str(Path(__file__).resolve().parents[2] / "jobs" / "smoke_selfplay.toml")


def h5(capsys, *args):
    capsys.readouterr()
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture(scope="module")
def sp_run(tmp_path_factory):
    from ringrift_mpi.selfplay import main as selfplay
    d = tmp_path_factory.mktemp("selfplay") / "run"
    assert selfplay(["--config", SMOKE, "--run-dir", str(d), "--games", "8", "--games-per-task", "2",
                     "--flush-seconds", "0"]) == 0
    return d


def test_info_and_stats_of_a_run_directory(sp_run, capsys):
    rc, out, err = h5(capsys, "info", sp_run)
    assert rc == 0 and err == "", err
    assert f"{sp_run / 'dataset.h5'}: self-play dataset index" in out and "selfplay.json: self-play run record" in out
    assert "the self-play job's log" in out and out.count(": self-play dataset, ") == 4  # the four shards
    rc, out, err = h5(capsys, "stats", sp_run / "dataset.h5")
    assert rc == 0 and "8 square8 2p games" in out and "winner:" in out and "positions by phase:" in out, out
    rc, out, err = h5(capsys, "validate", sp_run)
    assert rc == 0 and err == "", (out, err)


def test_show_and_export_a_position_and_a_game(sp_run, capsys):
    index = sp_run / "dataset.h5"
    with Dataset(str(sp_run)) as ds:
        g = int(np.flatnonzero(ds.games["id"] == 3)[0])
        L = int(ds.games["length"][g])
        s10 = ds.state(g, 10)
    rc, out, err = h5(capsys, "show", index, "--game", 3, "--ply", 10)
    assert rc == 0 and f"game 3, ply 10 (before move 11 of {L})" in out and "move played: P" in out, (out, err)
    rc, out, err = h5(capsys, "show", index, "--game", 3)
    assert rc == 0 and f"after its {L} moves" in out and "move played" not in out
    rc, out, err = h5(capsys, "show", index, "--index", 0)
    assert rc == 0 and "game " in out and "ply 0" in out
    rc, out, err = h5(capsys, "show", index, "--game", 3, "--ply", L + 1)
    assert rc == 2 and f"game 3 has {L} moves: --ply 0 to {L}" in err
    rc, out, err = h5(capsys, "show", index, "--game", 99)
    assert rc == 2 and "no game with id 99" in err
    # a position as GameState JSON: it loads back to the same board
    rc, out, err = h5(capsys, "export-json", index, "--game", 3, "--ply", 10)
    assert rc == 0
    from ringrift_mpi.interop import state_from_json
    _, t = state_from_json(json.loads(out))
    for k in (S.O_H, S.O_CTRL, S.O_MARK, S.O_COLL):
        n = int(s10[S.H_N])
        assert np.array_equal(t[t[k]:t[k] + n], s10[s10[k]:s10[k] + n])
    # a whole game as a RingRift game record
    rc, out, err = h5(capsys, "export-json", index, "--game", 3)
    rec = json.loads(out)
    assert rc == 0 and rec["totalMoves"] == L and rec["metadata"]["game_id"] == 3


def test_merge_and_export_npz(sp_run, tmp_path, capsys):
    rc, out, err = h5(capsys, "merge", sp_run / "shards", "-o", tmp_path / "all.h5")
    assert rc == 0 and "8 games" in out, (out, err)
    assert differences(canonical(str(sp_run)), canonical(str(tmp_path / "all.h5"))) == []
    rc, out, err = h5(capsys, "export-npz", sp_run / "dataset.h5", "-o", tmp_path / "x.npz")
    assert rc == 0 and "RingRift's exporter NPZ" in out, (out, err)
    z = np.load(tmp_path / "x.npz", allow_pickle=True)
    assert z["features"].shape[1:] == (56, 8, 8) and int(z["feature_version"]) == 2
    rc, out, err = h5(capsys, "export-npz", sp_run, "-o", tmp_path / "y.npz")  # a run dir: its index or a shard?
    assert rc == 2 and "several files could be meant" in err


def test_a_missing_shard_is_one_line(sp_run, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(sp_run, run)
    shard = sorted((run / "shards").iterdir())[1]
    shard.unlink()
    rc, out, err = h5(capsys, "info", run / "dataset.h5")
    lines = err.strip().splitlines()
    assert rc == 1 and len(lines) == 1 and str(shard) in lines[0] and "shard missing" in lines[0], (out, err)
    rc, out, err = h5(capsys, "export-npz", run / "dataset.h5", "-o", tmp_path / "z.npz")
    assert rc == 1 and str(shard) in err and not (tmp_path / "z.npz").exists()
