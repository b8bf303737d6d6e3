"""ringrift-h5: every verb on every registered format and on a real CMA-ES run directory; one line
and exit 1 for every bad file, one line and exit 2 for a verb that does not apply."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np
import pytest

from ringrift_mpi.h5 import dispatch, main
from ringrift_mpi.storage import formats


def h5(capsys, *args):
    capsys.readouterr()
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def _one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in text, text
    return lines[0]


SINGLE = {"show": ["--index", "0"], "export-json": ["--index", "0"], "stats": [], "plot": [],
          "merge": [], "export-npz": []}


@pytest.mark.parametrize("name", sorted(f.name for f in formats()))
def test_every_verb_on_every_format(name, sample_files, capsys, tmp_path):
    path = sample_files[name]
    fmt = next(f for f in formats() if f.name == name)
    rc, out, err = h5(capsys, "info", path)
    assert rc == 0 and out.startswith(f"{path}: {fmt.title}") and name.split("/")[-1] in out, (out, err)
    rc, out, err = h5(capsys, "validate", path)
    assert rc == 0 and _one_line(out) == f"{path}: ok ({fmt.title}, {name} v{fmt.version})", (out, err)
    rc, out, err = h5(capsys, "ls", path)
    assert rc == 0 and out.startswith(f"{path}: {fmt.title} ({name} v{fmt.version})"), (out, err)
    if fmt.container == "hdf5":
        with h5py.File(path, "r") as f:
            members = []
            f.visit(members.append)
            for m in members:  # every group and dataset is in the tree, with its shape
                leaf = m.split("/")[-1]
                assert any(ln.strip().startswith(leaf + ("/" if isinstance(f[m], h5py.Group) else "  "))
                           for ln in out.splitlines()), (m, out)
                if isinstance(f[m], h5py.Dataset) and f[m].shape:
                    assert f"[{', '.join(map(str, f[m].shape))}]" in out, (m, out)
            assert "@format = " in out and "@format_version = " in out
    else:
        with open(path) as f:
            for key in json.load(f):
                assert f"  {key}: " in out, (key, out)
    for verb, extra in SINGLE.items():
        argv = [verb, path, *extra]
        if verb in ("plot", "merge", "export-npz"):
            argv += ["-o", str(tmp_path / f"out.{verb}")]
        rc, out, err = h5(capsys, *argv)
        if dispatch.handler(verb, name) is None:
            line = _one_line(err)
            assert rc == 2 and out == "" and path in line, (verb, line)
            if verb in ("merge", "export-npz"):
                assert "not a dataset" in line, line
        else:
            assert rc == 0 and out.strip() and err == "", (verb, out, err)


def test_the_dispatch_table_covers_what_the_formats_offer():
    data = ["ringrift-mpi/selfplay-dataset", "ringrift-mpi/selfplay-index"]
    assert dispatch.offered("plot") == ["ringrift-mpi/cmaes-run", "ringrift-mpi/train-checkpoint"]
    assert dispatch.offered("stats") == ["ringrift-mpi/cmaes-run", *data, "ringrift-mpi/state-pool"]
    assert dispatch.offered("show") == dispatch.offered("export-json") == [*data, "ringrift-mpi/state-pool"]
    assert dispatch.offered("merge") == dispatch.offered("export-npz") == data
    with pytest.raises(ValueError, match="registered twice"):
        dispatch.handles("plot", "ringrift-mpi/cmaes-run")(lambda *a: None)


def test_a_run_directory(run_dir, capsys):
    rc, out, err = h5(capsys, "info", run_dir)
    assert rc == 0 and err == "", err
    lines = out.splitlines()
    assert lines[0] == f"{run_dir}: directory of 6 file(s)"
    assert lines[1].startswith(f"{run_dir}/run.h5: CMA-ES run file")  # the substance first
    for want in ("board                square8", "state                finished", "generations          4",
                 "generations planned  4", "iterations           2", "evaluation           iteration 1: score",
                 "iteration 2: score", "sessions             started ", "cmaes.log ends", "done: 4 generation(s)",
                 f"{run_dir}/cmaes.log: the CMA-ES job's log", f"{run_dir}/config.json: the effective configuration",
                 f"{run_dir}/profile.json: RingRift weight profile", f"{run_dir}/checkpoint.json: CMA-ES checkpoint"):
        assert want in out, (want, out)
    rc, out, err = h5(capsys, "validate", run_dir)
    assert rc == 0 and f"{run_dir}/run.h5: ok" in out and f"{run_dir}/checkpoint.json: ok" in out, out
    assert f"{run_dir}/cmaes.log: not checked" in out
    rc, out, err = h5(capsys, "stats", run_dir)
    assert rc == 0, err
    rows = [ln.split() for ln in out.splitlines() if ln[:5].strip().isdigit() and len(ln.split()) == 9]
    from ringrift_mpi.storage.cmaes_run import read_run
    rec = read_run(os.path.join(run_dir, "run.h5"))
    fit = rec.gen_array("fitness")
    assert [int(r[0]) for r in rows] == [1, 2, 3, 4] and [int(r[1]) for r in rows] == [1, 1, 2, 2]
    assert [float(r[2]) for r in rows] == pytest.approx(fit.max(axis=1), abs=5e-5)
    assert [float(r[3]) for r in rows] == pytest.approx(fit.mean(axis=1), abs=5e-5)
    assert [float(r[6]) for r in rows] == pytest.approx(rec.gen_array("sigma"), rel=1e-3)
    assert f"promotions: {int(np.sum(rec.iters['promoted']))} of 2" in out
    rc, out, err = h5(capsys, "ls", run_dir)
    assert rc == 0 and "candidates  float64  [4, 6, 59]  (generation,candidate,weight)  contiguous" in out, out
    # verbs that need a position: one line, exit 2
    rc, out, err = h5(capsys, "show", run_dir, "--index", "0")
    assert rc == 2 and "no file here has positions to show" in _one_line(err)


def test_bad_files_give_one_line_and_exit_1(sample_files, run_dir, tmp_path, capsys):
    run, pool = sample_files["ringrift-mpi/cmaes-run"], sample_files["ringrift-mpi/state-pool"]
    cases = {}
    data = open(run, "rb").read()
    (tmp_path / "trunc.h5").write_bytes(data[: len(data) // 2])
    cases["trunc.h5"] = "truncated or damaged HDF5 file"
    shutil.copy(run, tmp_path / "newer.h5")
    with h5py.File(tmp_path / "newer.h5", "r+") as f:
        f.attrs["format_version"] = 7
    from ringrift_mpi.storage.cmaes_run import FORMAT_VERSION
    cases["newer.h5"] = f"format_version 7; this version of ringrift-mpi reads format_version {FORMAT_VERSION}"
    shutil.copy(pool, tmp_path / "layout.h5")
    with h5py.File(tmp_path / "layout.h5", "r+") as f:
        f.attrs["state_layout"] = 99
    cases["layout.h5"] = "holds kernel states of layout version 99"
    with h5py.File(tmp_path / "foreign.h5", "w") as f:
        f["x"] = np.arange(3)
    cases["foreign.h5"] = "not written by ringrift-mpi"
    (tmp_path / "notes.txt").write_text("hello\n")
    cases["notes.txt"] = "neither HDF5 nor JSON: not a ringrift-mpi file"
    (tmp_path / "other.json").write_text('{"hello": 1}')
    cases["other.json"] = "JSON without a 'format' key"
    cp = open(os.path.join(run_dir, "checkpoint.json")).read()
    (tmp_path / "cut.json").write_text(cp[: len(cp) // 2])
    cases["cut.json"] = "not valid JSON"
    with h5py.File(tmp_path / "hollow.h5", "w") as f:  # stamped, but its datasets are missing
        f.attrs["format"], f.attrs["format_version"] = "ringrift-mpi/cmaes-run", FORMAT_VERSION
    cases["hollow.h5"] = "lacks"
    cases["missing.h5"] = "missing (no such file)"
    verbs = [["info"], ["validate"], ["ls"], ["stats"], ["show", "--index", "0"], ["export-json", "--index", "0"],
             ["plot", "-o", str(tmp_path / "x.png")]]
    for name, words in cases.items():
        p = str(tmp_path / name)
        for v in verbs:
            rc, out, err = h5(capsys, v[0], p, *v[1:])
            if name == "hollow.h5" and v[0] in ("ls", "show", "export-json"):
                # its stamp is sound: ls shows the inside, and a run file has no positions to show
                assert rc == (0 if v[0] == "ls" else 2), (name, v, out, err)
                continue
            line = _one_line(out + err)
            assert rc == 1 and line.startswith((p, f"ringrift-h5: {p}")) and words in line, (name, v, rc, line)
    # inside a directory: the damaged file is a problem, the foreign ones are listed as other files
    d = tmp_path / "dir"
    d.mkdir()
    for name in ("trunc.h5", "notes.txt", "other.json"):
        shutil.copy(tmp_path / name, d / name)
    rc, out, err = h5(capsys, "info", d)
    assert rc == 1 and err == "", err
    assert f"{d}/trunc.h5: truncated or damaged HDF5 file" in out and f"{d}/notes.txt: text, 6 B" in out, out
    rc, out, err = h5(capsys, "validate", d)
    problems = [ln for ln in out.splitlines() if "not checked" not in ln]
    assert rc == 1 and len(problems) == 1 and "trunc.h5: truncated" in problems[0], out
    rc, out, err = h5(capsys, "show", d, "--index", "0")  # the damaged file may be the one meant
    assert rc == 1 and "trunc.h5: truncated" in _one_line(err), err
    # a sound run file beside it is still plotted and summed up; the damaged one is named, exit 1
    shutil.copy(run, d / "run.h5")
    rc, out, err = h5(capsys, "stats", d)
    assert rc == 1 and out.startswith(f"{d}/run.h5: 2 generation(s)") and "trunc.h5: truncated" in _one_line(err)


def test_validate_prints_one_line_per_problem(sample_files, tmp_path, capsys):
    from kernels import state as S
    from ringrift_mpi.storage.pool import write_pool
    from tests.storage.samples import pool_states
    states = pool_states()
    s = states[1]
    s[s[S.O_HAND] + 1] += 1  # a ring from nowhere
    write_pool(str(tmp_path / "pool.h5"), states, "square8", 2)
    run = tmp_path / "run.h5"
    shutil.copy(sample_files["ringrift-mpi/cmaes-run"], run)
    with h5py.File(run, "r+") as f:
        f["generations/sigma"][0] = -1.0
        f["generations/fitness"][1, 0] = 0.99
    rc, out, err = h5(capsys, "validate", tmp_path)
    lines = out.strip().splitlines()
    assert rc == 1 and err == "", err
    assert any(ln.startswith(f"{tmp_path}/pool.h5: state 1 fails the kernel invariant check") for ln in lines), out
    assert any(ln == f"{run}: generations/sigma <= 0" for ln in lines), out
    assert any(ln == f"{run}: generations/fitness is not (wins + draws/2) / games" for ln in lines), out
    assert len(lines) == 3, out
    rc, out, err = h5(capsys, "show", tmp_path / "pool.h5", "--index", "1")
    assert rc == 1 and "state 1 fails the kernel invariant check" in _one_line(err)


def test_usage_errors_exit_2(sample_files, capsys):
    pool = sample_files["ringrift-mpi/state-pool"]
    for argv, words in ((["show", pool], "which position? --index I (0 to 3)"),
                        (["show", pool, "--index", "4"], "--index 4 is out of range (the pool holds 4 states"),
                        (["show", pool, "--game", "0"], "a state pool holds positions, not games"),
                        (["show", pool, "--ply", "3"], "--ply needs --game"),
                        (["export-json", pool, "--index", "-1"], "--index must be 0 or more")):
        rc, out, err = h5(capsys, *argv)
        assert rc == 2 and words in _one_line(err), (argv, err)
    with pytest.raises(SystemExit) as ei:
        main(["frobnicate", pool])
    assert ei.value.code == 2


def test_merge_and_export_npz_reach_a_dataset_format_handler(tmp_path, capsys, monkeypatch):
    """The plumbing the self-play datasets plug into: a format that registers merge and export-npz
    handlers gets them called with the files and the output path; the CLI is unchanged."""
    from ringrift_mpi.storage import registry
    from ringrift_mpi.storage.h5 import h5_writer
    fake = registry.Format("tests/shard", 1, "test shard", "hdf5", __name__, read=lambda p: None,
                           validate=lambda p: [], describe=lambda p: {"format": "tests/shard v1"})
    monkeypatch.setitem(registry._FORMATS, fake.name, fake)
    calls = []
    monkeypatch.setitem(dispatch._TABLE["merge"], fake.name,
                        lambda paths, fmt, out: calls.append(("merge", paths, fmt.name, out)) or f"{out}: merged")
    monkeypatch.setitem(dispatch._TABLE["export-npz"], fake.name,
                        lambda path, fmt, out: calls.append(("npz", path, fmt.name, out)) or f"{out}: written")
    for i in range(2):
        with h5_writer(tmp_path / f"s{i}.h5", fake) as f:
            f["x"] = np.arange(3)
    rc, out, err = h5(capsys, "merge", tmp_path / "s0.h5", tmp_path / "s1.h5", "-o", tmp_path / "all.h5")
    assert rc == 0 and out.strip() == f"{tmp_path / 'all.h5'}: merged", (out, err)
    rc, out, err = h5(capsys, "export-npz", tmp_path / "s0.h5", "-o", tmp_path / "d.npz")
    assert rc == 0 and out.strip() == f"{tmp_path / 'd.npz'}: written", (out, err)
    assert calls == [("merge", [str(tmp_path / "s0.h5"), str(tmp_path / "s1.h5")], fake.name, str(tmp_path / "all.h5")),
                     ("npz", str(tmp_path / "s0.h5"), fake.name, str(tmp_path / "d.npz"))]
    from ringrift_mpi.storage.pool import write_pool
    from tests.storage.samples import pool_states
    write_pool(str(tmp_path / "pool.h5"), pool_states(), "square8", 2)
    rc, out, err = h5(capsys, "merge", tmp_path / "s0.h5", tmp_path / "pool.h5", "-o", tmp_path / "m.h5")
    assert rc == 2 and "a state pool, not a dataset" in _one_line(err)


def test_entry_points(sample_files):
    pool = sample_files["ringrift-mpi/state-pool"]
    p = subprocess.run([sys.executable, "-m", "ringrift_mpi.h5", "info", pool], capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0 and "  states        4" in p.stdout, (p.stdout, p.stderr)
    script = shutil.which("ringrift-h5", path=os.path.dirname(sys.executable))
    if script is None:
        pytest.skip("ringrift-h5 console script not installed beside this Python (pip install -e .)")
    p = subprocess.run([script, "validate", pool], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and p.stdout.startswith(f"{pool}: ok (state pool"), (p.stdout, p.stderr)


def test_formats_lists_the_registry(capsys):
    from ringrift_mpi.storage.registry import formats_table
    rc, out, err = h5(capsys, "formats")
    assert rc == 0 and len(out.splitlines()) == len(formats())
    assert "ringrift-mpi/state-pool v2: state pool (hdf5); ls, info, validate, show, stats, export-json" in out
    rc, out, err = h5(capsys, "formats", "--markdown")
    assert out == formats_table()
