"""The storage layer: atomic writes, the format registry, and one-line reader errors for bad files."""
from __future__ import annotations

import json
import os
import stat

import numpy as np
import pytest

from ringrift_mpi.storage import StorageError, formats, identify, write_json_atomic
from ringrift_mpi.storage.atomic import atomic_file, write_text_atomic
from ringrift_mpi.storage.cmaes_run import (CHECKPOINT, RUN, read_checkpoint, read_run, validate_run,
                                            write_checkpoint, write_run)
from ringrift_mpi.storage.json_formats import read_bench, write_bench
from ringrift_mpi.storage.pool import POOL, read_pool, validate_pool, write_pool
from tests.storage import samples


@pytest.fixture
def umask022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(p) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


_record = samples.record
_pool_states = samples.pool_states


# --- the atomic writer ---------------------------------------------------------------------------

def test_atomic_writes_respect_the_umask_and_leave_no_temp(tmp_path, umask022):
    write_json_atomic(tmp_path / "a.json", {"x": 1})
    write_text_atomic(tmp_path / "b.txt", "hello\n")
    write_run(str(tmp_path / "run.h5"), _record())
    write_pool(str(tmp_path / "pool.h5"), _pool_states(), "square8", 2)
    for name in ("a.json", "b.txt", "run.h5", "pool.h5"):
        assert _mode(tmp_path / name) == 0o644, name  # mkstemp made these 0600
    os.umask(0o077)
    write_json_atomic(tmp_path / "c.json", {})
    assert _mode(tmp_path / "c.json") == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.txt", "c.json", "pool.h5", "run.h5"]


def test_a_failed_write_keeps_the_old_file(tmp_path):
    p = tmp_path / "x.json"
    write_json_atomic(p, {"v": 1})
    with pytest.raises(RuntimeError):
        with atomic_file(p) as tmp:
            with open(tmp, "w") as f:
                f.write("half")
            raise RuntimeError("crash while writing")
    assert json.loads(p.read_text()) == {"v": 1}
    assert [q.name for q in tmp_path.iterdir()] == ["x.json"]
    with pytest.raises(StorageError, match=r"nowhere/y\.json: cannot write: No such file or directory"):
        write_json_atomic(tmp_path / "nowhere" / "y.json", {})


# --- the registry --------------------------------------------------------------------------------

def test_registry_knows_every_format_and_identifies_files(tmp_path):
    names = {f.name for f in formats()}
    assert {"ringrift-mpi/cmaes-run", "ringrift-mpi/cmaes-checkpoint", "ringrift-mpi/state-pool",
            "ringrift-mpi/bench", "ringrift/heuristic-profile", "ringrift/heuristic-profiles"} <= names
    for f in formats():
        assert f.container in ("hdf5", "json") and callable(f.read) and callable(f.validate) and callable(f.describe)
    assert [f.name for f in formats() if f.stores_states] == ["ringrift-mpi/selfplay-dataset",
                                                               "ringrift-mpi/selfplay-index", "ringrift-mpi/state-pool"]
    rec = _record()
    write_run(str(tmp_path / "run.h5"), rec)
    write_checkpoint(str(tmp_path / "checkpoint.json"), rec, "abc", {"ranks": 1})
    write_pool(str(tmp_path / "pool.h5"), _pool_states(), "square8", 2, source="test")
    write_bench(str(tmp_path / "bench.json"), {"machine": {}, "results": [
        {"mode": "random", "board": "square8", "players": 2, "games_per_s": 10.0, "moves_per_s": 900.0}]})
    from ringrift_mpi.profiles import Profile, save_profile, save_profiles
    prof = Profile.from_array(np.arange(59, dtype=float), fitness=0.5)
    save_profile(tmp_path / "profile.json", prof)
    save_profiles(tmp_path / "profiles.json", {"a": prof})
    want = {"run.h5": "ringrift-mpi/cmaes-run", "checkpoint.json": "ringrift-mpi/cmaes-checkpoint",
            "pool.h5": "ringrift-mpi/state-pool", "bench.json": "ringrift-mpi/bench",
            "profile.json": "ringrift/heuristic-profile", "profiles.json": "ringrift/heuristic-profiles"}
    for name, fmt_name in want.items():
        fmt = identify(tmp_path / name)
        assert fmt.name == fmt_name, name
        assert fmt.validate(str(tmp_path / name)) == [], name
        info = fmt.describe(str(tmp_path / name))
        assert isinstance(info, dict) and info["format"], name
        fmt.read(str(tmp_path / name))
    assert identify(tmp_path / "run.h5").describe(str(tmp_path / "run.h5"))["generations"] == 2
    assert identify(tmp_path / "pool.h5").describe(str(tmp_path / "pool.h5"))["states"] == 4


def test_run_file_round_trip_and_validation(tmp_path):
    rec = _record()
    write_run(str(tmp_path / "run.h5"), rec)
    back = read_run(str(tmp_path / "run.h5"))
    assert back.digests() == rec.digests()
    assert back.attrs["config_hash"] == "abc" and back.n_generations == 2 and back.n_iterations == 1
    write_checkpoint(str(tmp_path / "checkpoint.json"), rec, "abc", {})
    assert validate_run(str(tmp_path / "run.h5")) == []
    import h5py
    with h5py.File(tmp_path / "run.h5", "r+") as f:
        f["generations/fitness"][0, 0] = 0.99  # no longer (wins + draws/2) / games
    problems = validate_run(str(tmp_path / "run.h5"))
    assert any("not (wins + draws/2) / games" in p for p in problems), problems
    assert any("differs from" in p and "generations/fitness" in p for p in problems), problems
    assert all(p.startswith(str(tmp_path / "run.h5")) for p in problems)


# --- one clear line per bad file -----------------------------------------------------------------

def _one_line(excinfo, path, *words):
    msg = str(excinfo.value)
    assert "\n" not in msg and msg.startswith(str(path)), msg
    for w in words:
        assert w in msg, msg


def test_bad_hdf5_files_each_give_one_line(tmp_path):
    import h5py
    good = tmp_path / "run.h5"
    write_run(str(good), _record())
    data = good.read_bytes()
    cases = {}
    (tmp_path / "trunc.h5").write_bytes(data[: len(data) // 2])
    cases["trunc.h5"] = ("truncated or damaged HDF5 file",)
    (tmp_path / "text.h5").write_text("hello, I am text\n")
    cases["text.h5"] = ("not an HDF5 file",)
    (tmp_path / "empty.h5").write_bytes(b"")
    cases["empty.h5"] = ("empty file",)
    with h5py.File(tmp_path / "foreign.h5", "w") as f:
        f["x"] = np.arange(3)
    cases["foreign.h5"] = ("no 'format' attribute", "not written by ringrift-mpi")
    with h5py.File(tmp_path / "unknown.h5", "w") as f:
        f.attrs["format"] = "someone-else/thing"
        f.attrs["format_version"] = 1
    cases["unknown.h5"] = ("unknown format 'someone-else/thing'",)
    (tmp_path / "newer.h5").write_bytes(data)
    with h5py.File(tmp_path / "newer.h5", "r+") as f:
        f.attrs["format_version"] = 99
    cases["newer.h5"] = ("format_version 99", f"reads format_version {RUN.version}")
    os.mkdir(tmp_path / "dir.h5")
    cases["dir.h5"] = ("is a directory",)
    cases["missing.h5"] = ("missing",)
    for name, words in cases.items():
        with pytest.raises(StorageError) as ei:
            read_run(str(tmp_path / name))
        _one_line(ei, tmp_path / name, *words)
        if name not in ("missing.h5", "dir.h5", "empty.h5"):
            with pytest.raises(StorageError) as ei:
                identify(tmp_path / name) if name not in ("newer.h5",) else read_run(str(tmp_path / name))
            _one_line(ei, tmp_path / name)
    # a pool where a run file is expected, and the other way round
    write_pool(str(tmp_path / "pool.h5"), _pool_states(), "square8", 2)
    with pytest.raises(StorageError) as ei:
        read_run(str(tmp_path / "pool.h5"))
    _one_line(ei, tmp_path / "pool.h5", "a state pool", "not a CMA-ES run file")
    with pytest.raises(StorageError) as ei:
        read_pool(str(good), "square8", 2)
    _one_line(ei, good, "a CMA-ES run file", "not a state pool")


def test_pool_state_layout_version_is_checked(tmp_path, monkeypatch):
    import h5py
    from kernels import state as S
    p = tmp_path / "pool.h5"
    states = _pool_states()
    write_pool(str(p), states, "square8", 2)
    with h5py.File(p, "r") as f:
        assert f.attrs["state_layout"] == S.STATE_LAYOUT_VERSION and f.attrs["format_version"] == POOL.version
    assert np.array_equal(read_pool(str(p), "square8", 2), states)
    # the kernels moved on: a pool of the old layout is refused, not misread
    monkeypatch.setattr(S, "STATE_LAYOUT_VERSION", S.STATE_LAYOUT_VERSION + 1)
    with pytest.raises(StorageError) as ei:
        read_pool(str(p), "square8", 2)
    _one_line(ei, p, f"layout version {S.STATE_LAYOUT_VERSION - 1}",
              f"reads layout {S.STATE_LAYOUT_VERSION}", "re-create")
    assert validate_pool(str(p))[0].startswith(f"{p}: state pool holds kernel states of layout version")
    monkeypatch.undo()
    with h5py.File(p, "r+") as f:
        del f.attrs["state_layout"]
    with pytest.raises(StorageError, match="without a 'state_layout' attribute"):
        read_pool(str(p), "square8", 2)


def test_pool_states_are_checked(tmp_path):
    from kernels import state as S
    p = str(tmp_path / "pool.h5")
    states = _pool_states()
    bad = states.copy()
    s = bad[2]
    s[s[S.O_HAND] + 1] += 1  # a ring from nowhere: conservation fails
    write_pool(p, bad, "square8", 2)
    with pytest.raises(StorageError, match=r"pool\.h5: state 2 fails the kernel invariant check \((ring conservation|player ring supply)"):
        read_pool(p, "square8", 2)
    assert len(validate_pool(p)) == 1
    with pytest.raises(StorageError, match="pool holds square8 2p states, the job plays square8 3p"):
        read_pool(p, "square8", 3)
    ended = states.copy()
    ended[1, S.H_STATUS] = S.COMPLETED
    write_pool(p, ended, "square8", 2)
    with pytest.raises(StorageError, match="state 1 is not an active square8 2p game state"):
        read_pool(p, "square8", 2)


def test_bad_json_files_each_give_one_line(tmp_path):
    rec = _record()
    cp = tmp_path / "checkpoint.json"
    write_checkpoint(str(cp), rec, "abc", {})
    text = cp.read_text()
    cases = {
        "trunc.json": (text[: len(text) // 2], ("not valid JSON", "truncated?")),
        "list.json": ("[1, 2]", ("not an object",)),
        "foreign.json": ('{"hello": 1}', ("no 'format' attribute",)),
        "old.json": (json.dumps({**json.loads(text), "format_version": 1}), ("format_version 1", "reads format_version 2")),
        "bench.json": (json.dumps({"format": "ringrift-mpi/bench", "format_version": 1, "results": []}),
                       ("a bench result", "not a CMA-ES checkpoint")),
        "nodigest.json": (json.dumps({k: v for k, v in json.loads(text).items() if k != "digests"}),
                          ("corrupt CMA-ES checkpoint", "'digests'")),
    }
    for name, (body, words) in cases.items():
        (tmp_path / name).write_text(body)
        with pytest.raises(StorageError) as ei:
            read_checkpoint(str(tmp_path / name))
        _one_line(ei, tmp_path / name, *words)
    (tmp_path / "bin.json").write_bytes(b"\x89HDF\r\n\x1a\n\xff\xfe")
    with pytest.raises(StorageError) as ei:
        read_checkpoint(str(tmp_path / "bin.json"))
    _one_line(ei, tmp_path / "bin.json", "it is an HDF5 file, not JSON")
    with pytest.raises(StorageError) as ei:
        read_bench(str(tmp_path / "foreign.json"))
    _one_line(ei, tmp_path / "foreign.json", "no 'format' attribute")
    assert CHECKPOINT.version == 2 and RUN.version == 2


def test_bench_compare_with_a_bad_file_is_one_line(tmp_path, capsys):
    from ringrift_mpi import bench
    (tmp_path / "old.json").write_text('{"machine": {}, "results": [{"mode": "random"}]}')
    assert bench.main(["--compare", str(tmp_path / "old.json"), "--no-compile-timing"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"ringrift-bench: --compare: {tmp_path / 'old.json'}: results[0] lacks mode/board/players "
                   "or numeric games_per_s/moves_per_s"], err


def test_docs_list_every_registered_format():
    """docs/formats.md's table is the registry's (``formats_table``), so the doc cannot drift."""
    from pathlib import Path

    from ringrift_mpi.storage.registry import formats_table
    doc = (Path(__file__).resolve().parents[2] / "docs" / "formats.md").read_text()
    rows = {line.split("|")[1].strip(" `"): line.split("|")[2].strip() for line in doc.splitlines()
            if line.startswith("| `ringrift")}
    assert rows == {f.name: str(f.version) for f in formats()}, "docs/formats.md's format table is out of date"
    assert formats_table() in doc, ("docs/formats.md's format table differs from the registry's; paste the "
                                    "output of `ringrift-h5 formats --markdown` in its place")


def test_every_format_has_a_sample(tmp_path):
    """tests/storage/samples.py makes one file of each registered format (the h5ls and ringrift-h5
    tests run on them): a new format needs a maker there."""
    made = samples.make_samples(tmp_path)
    assert set(made) == {f.name for f in formats()}, "add a maker for the new format to tests/storage/samples.py"
    for name, path in made.items():
        assert identify(path).name == name and identify(path).validate(path) == [], name


def test_debian_h5ls_reads_every_hdf5_format(tmp_path):
    """libver is capped at v110 so that hdf5-tools 1.10 (Debian's) read our files: every HDF5
    format's sample, listed by h5ls and dumped (every dataset and attribute) by h5dump."""
    import shutil
    import subprocess
    h5ls, h5dump = shutil.which("h5ls"), shutil.which("h5dump")
    if h5ls is None or h5dump is None:
        pytest.skip("h5ls/h5dump not installed (apt-get install hdf5-tools)")
    made = samples.make_samples(tmp_path)
    hdf5 = [f.name for f in formats() if f.container == "hdf5"]
    assert {RUN.name, POOL.name} <= set(hdf5)
    import h5py
    for name in hdf5:
        path = made[name]
        with h5py.File(path, "r") as f:
            members = []
            f.visit(members.append)
        p = subprocess.run([h5ls, "-r", path], capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, (name, p.stdout, p.stderr)
        for m in members:
            assert f"/{m} " in p.stdout, (name, m, p.stdout)
        p = subprocess.run([h5dump, path], capture_output=True, text=True, timeout=60)
        assert p.returncode == 0 and "h5dump error" not in p.stderr, (name, p.stderr[-2000:])
        assert f'"{name}"' in p.stdout, name  # the format attribute, read back by 1.10
