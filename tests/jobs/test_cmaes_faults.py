"""Faults a new user runs into with the CMA-ES job: each is one clear line, a non-zero exit, nothing lost."""
from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from ringrift_mpi.cmaes import main
from ringrift_mpi.cmaes.config import CMAESConfig
from ringrift_mpi.config import ConfigError
from ringrift_mpi.storage.cmaes_run import read_run

ROOT = Path(__file__).resolve().parents[2]
SMOKE = str(ROOT / "jobs" / "smoke_cmaes.toml")


def _run(capsys, *args):
    capsys.readouterr()
    rc = main(["--config", SMOKE, *map(str, args)])
    cap = capsys.readouterr()
    return rc, cap.out.strip().splitlines(), cap.err.strip().splitlines()


def _records(run_dir):
    rec = read_run(os.path.join(run_dir, "run.h5"))
    return {k: rec.gen_array(k) for k in ("candidates", "fitness", "mean", "sigma", "wins")}


def _error_line(rc, out, err, *words):
    """Exit 2 and exactly one error line (on stdout once the job's log is open, else on stderr)."""
    lines = [x for x in out + err if x.startswith("error: ")]
    assert rc == 2 and len(lines) == 1, (rc, out, err)
    assert not any("Traceback" in x for x in out + err), (out, err)
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("how", ["flag-nan", "flag-inf", "flag-huge", "env-nan", "toml-nan", "toml-inf", "bound-inf"])
def test_non_finite_numbers_are_refused(tmp_path, capsys, monkeypatch, how):
    key = "cmaes.bound" if how == "bound-inf" else "cmaes.sigma"
    args = ["--run-dir", tmp_path / "r"]
    if how.startswith("flag"):
        args += ["--sigma", {"flag-nan": "nan", "flag-inf": "inf", "flag-huge": "1e308"}[how]]
    elif how == "env-nan":
        monkeypatch.setenv("RINGRIFT_CMAES_SIGMA", "nan")
    else:
        cfg = tmp_path / "c.toml"
        body = Path(SMOKE).read_text().replace("sigma = 0.5", {"toml-nan": "sigma = nan", "toml-inf": "sigma = inf",
                                                                 "bound-inf": "sigma = 0.5\nbound = inf"}[how])
        cfg.write_text(body)
        capsys.readouterr()
        rc = main(["--config", str(cfg), "--run-dir", str(tmp_path / "r")])
        cap = capsys.readouterr()
        _error_line(rc, cap.out.splitlines(), cap.err.splitlines(), key, "c.toml")
        return
    rc, out, err = _run(capsys, *args)
    _error_line(rc, out, err, "RINGRIFT_CMAES_SIGMA" if how == "env-nan" else key)
    assert not (tmp_path / "r").exists()  # refused before anything was made


@pytest.mark.parametrize("body,words", [
    ('{"weights": {"WEIGHT_STACK_CONTROL": NaN}}', ("WEIGHT_STACK_CONTROL", "out of range")),
    ('{"weights": {"WEIGHT_STACK_CONTROL": Infinity}}', ("WEIGHT_STACK_CONTROL", "out of range")),
    ('{"weights": {"WEIGHT_STACK_CONTROL": 1e308}}', ("WEIGHT_STACK_CONTROL", "1e+308", "out of range")),
    ('{"weights": {"WEIGHT_STACK_CONTROL": "big"}}', ("WEIGHT_STACK_CONTROL must be a number",)),
    ('{"weights": {}, "fitness": "high"}', ("fitness must be a finite number or null", "'high'")),
    ('{"weights": {}, "fitness": [1]}', ("fitness must be a finite number or null",)),
    ('{"weights": {}, "fitness": NaN}', ("fitness must be a finite number or null",)),
    ('{"weights": {}, "generation": "x"}', ("generation must be a whole number",)),
    ('{"weights": {"WEIGHT_STACK_CONTROL": 1.0', ("not valid JSON", "truncated?")),
    ('{"profiles": {"a": {}}}', ("a multi-profile file",)),
    (b"\x00\xff\xfe binary", ("not JSON",)),
    (None, ("no such file",)),
])
def test_bad_baseline_profiles(tmp_path, capsys, body, words):
    prof = tmp_path / "base.json"
    if isinstance(body, bytes):
        prof.write_bytes(body)
    elif body is not None:
        prof.write_text(body)
    rc, out, err = _run(capsys, "--run-dir", tmp_path / "r", "--baseline", prof)
    _error_line(rc, out, err, "cmaes.baseline", str(prof), *words)


def _unwritable(tmp_path) -> str:
    if os.geteuid() != 0:
        d = tmp_path / "ro"
        d.mkdir()
        d.chmod(0o500)
        return str(d)
    try:  # root writes anywhere a mode bit forbids: use a kernel file system that refuses everyone
        os.close(os.open("/sys/ringrift-probe", os.O_CREAT | os.O_WRONLY))
    except OSError:
        return "/sys"
    pytest.skip("no directory here refuses writes to this user")


def test_unwritable_run_directory(tmp_path, capsys):
    d = _unwritable(tmp_path)
    rc, out, err = _run(capsys, "--run-dir", d)
    _error_line(rc, out, err, d, "cannot write in the run directory")
    (tmp_path / "file").write_text("x")
    rc, out, err = _run(capsys, "--run-dir", tmp_path / "file" / "run")
    _error_line(rc, out, err, "cannot create the run directory", "Not a directory")


def test_deleted_checkpoint_refuses_and_says_how_to_start_over(tmp_path, capsys):
    run = tmp_path / "run"
    assert _run(capsys, "--run-dir", run, "--generations", 1)[0] == 0
    (run / "checkpoint.json").unlink()
    before = (run / "run.h5").read_bytes()
    rc, out, err = _run(capsys, "--run-dir", run, "--generations", 2)
    _error_line(rc, out, err, "checkpoint.json is not", "to start over, delete run.h5")
    assert (run / "run.h5").read_bytes() == before  # nothing recorded was overwritten
    (run / "run.h5").unlink()  # following the advice works
    assert _run(capsys, "--run-dir", run, "--generations", 1)[0] == 0


def test_second_job_on_a_run_directory_is_refused(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom ringrift_mpi.storage.lock import RunDirLock\n"
         "RunDirLock(sys.argv[1]).acquire()\nprint('held', flush=True)\ntime.sleep(120)", str(run)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "held"
        rc, out, err = _run(capsys, "--run-dir", run, "--generations", 1)
        _error_line(rc, out, err, f"in use by another job (pid {holder.pid} on host {socket.gethostname()}")
        assert not (run / "run.h5").exists()
    finally:
        holder.kill()
        holder.wait()
    assert _run(capsys, "--run-dir", run, "--generations", 1)[0] == 0  # the lock died with its holder


def test_corrupted_record_is_not_carried_into_a_resume(tmp_path, capsys):
    import h5py
    run = tmp_path / "run"
    assert _run(capsys, "--run-dir", run, "--generations", 2)[0] == 0
    for name, change in (("generations/mean", lambda f: f["generations/mean"].__setitem__((0, 3), 123.0)),
                         ("iterations/best", lambda f: f["iterations/best"].__setitem__((0, 0), -1.0)),
                         ("attrs", lambda f: f.attrs.__setitem__("tuned", "[1, 2, 3]"))):
        good = (run / "run.h5").read_bytes()
        with h5py.File(run / "run.h5", "r+") as f:
            change(f)
        bad = (run / "run.h5").read_bytes()
        rc, out, err = _run(capsys, "--run-dir", run, "--generations", 3)
        _error_line(rc, out, err, "run.h5: does not match the checkpoint", f"{name} changed")
        assert (run / "run.h5").read_bytes() == bad  # left as found, for inspection
        (run / "run.h5").write_bytes(good)
    assert _run(capsys, "--run-dir", run, "--generations", 3)[0] == 0


def test_config_mismatch_names_the_keys(tmp_path, capsys):
    run = tmp_path / "run"
    assert _run(capsys, "--run-dir", run, "--generations", 1)[0] == 0
    rc, out, err = _run(capsys, "--run-dir", run, "--sigma", 0.3, "--max-moves", 150)
    line = _error_line(rc, out, err, "belongs to another configuration")
    assert "cmaes.sigma: run 0.5, now 0.3" in line and "game.max_moves: run 200, now 150" in line, line
    assert "generations" not in line  # budget keys may change


def test_farm_keys_do_not_block_a_resume_and_are_used(tmp_path, capsys, monkeypatch):
    a = CMAESConfig.load(SMOKE, env={})
    b = CMAESConfig.load(SMOKE, env={"RINGRIFT_FARM_PREFETCH": "1", "RINGRIFT_FARM_GAMES_PER_TASK": "2"})
    assert a.config_hash() == b.config_hash() and b.diff(a.to_dict()) == []
    assert a.config_hash() != CMAESConfig.load(SMOKE, env={}, overrides={"run.seed": 2}).config_hash()
    full, cut = tmp_path / "full", tmp_path / "cut"
    assert _run(capsys, "--run-dir", full, "--generations", 1, "--iterations", 2)[0] == 0
    assert _run(capsys, "--run-dir", cut, "--generations", 1, "--iterations", 1)[0] == 0
    import ringrift_mpi.cmaes.job as J
    seen = []
    real = J.run_tasks
    monkeypatch.setattr(J, "run_tasks", lambda *a, **k: seen.append(k["prefetch"]) or real(*a, **k))
    monkeypatch.setenv("RINGRIFT_FARM_PREFETCH", "5")
    monkeypatch.setenv("RINGRIFT_FARM_GAMES_PER_TASK", "2")
    assert _run(capsys, "--run-dir", cut, "--generations", 1, "--iterations", 2)[0] == 0
    assert seen and set(seen) == {5}
    ra, rb = _records(full), _records(cut)
    for k in ra:
        assert np.array_equal(ra[k], rb[k]), k  # another farm layout, the same run


def test_misspelled_environment_variables_warn():
    env = {"RINGRIFT_CMAES_SIGMAA": "0.3", "RINGRIFT_CMEAS_SIGMA": "0.3", "RINGRIFT_CMAES_SEED": "4",
           "RINGRIFT_CMAES_POPULATION": "8",
           # RingRift's own variables and the test suite's are none of our business
           "RINGRIFT_USE_MOVE_CACHE": "1", "RINGRIFT_SEED": "3", "RINGRIFT_CHECKOUT": "/x", "RINGRIFT_NUM_PLAYERS": "3"}
    cfg = CMAESConfig.load(SMOKE, env=env)
    assert cfg.cmaes.sigma == 0.5
    w = cfg.warnings
    assert len(w) == 4, w
    assert all(x.startswith("warning: environment variable RINGRIFT_") and "\n" not in x for x in w)
    hints = {x.split()[3]: x.split("did you mean ")[-1].rstrip("?") for x in w}
    assert hints == {"RINGRIFT_CMAES_SIGMAA": "RINGRIFT_CMAES_SIGMA", "RINGRIFT_CMEAS_SIGMA": "RINGRIFT_CMAES_SIGMA",
                     "RINGRIFT_CMAES_SEED": "RINGRIFT_RUN_SEED",
                     "RINGRIFT_CMAES_POPULATION": "RINGRIFT_CMAES_POPULATION_SIZE"}, w


def test_warning_reaches_the_user(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RINGRIFT_GAME_MAXMOVES", "100")
    (tmp_path / "file").write_text("x")
    rc, out, err = _run(capsys, "--run-dir", tmp_path / "file" / "r")
    assert rc == 2 and err[0] == ("warning: environment variable RINGRIFT_GAME_MAXMOVES is not a configuration key "
                                  "and is ignored; did you mean RINGRIFT_GAME_MAX_MOVES?"), err


def test_config_unit_errors():
    with pytest.raises(ConfigError, match=r"environment RINGRIFT_GAME_EVAL_RANDOMNESS: expected a finite number"):
        CMAESConfig.load(SMOKE, env={"RINGRIFT_GAME_EVAL_RANDOMNESS": "-inf"})
    with pytest.raises(ConfigError, match=r"command line: cmaes.sigma: expected a finite number, got nan"):
        CMAESConfig.load(SMOKE, env={}, overrides={"cmaes.sigma": float("nan")})


def test_sigint_stops_like_sigterm_and_resumes(tmp_path, capsys):
    args = ["--games-per-eval", 8, "--generations", 4]
    full, cut = tmp_path / "full", tmp_path / "cut"
    assert _run(capsys, "--run-dir", full, *args)[0] == 0
    before = signal.getsignal(signal.SIGINT)  # SIG_IGN when the suite was started in the background

    def interrupt_after_first_checkpoint():
        while not (cut / "checkpoint.json").exists():
            time.sleep(0.005)
        os.kill(os.getpid(), signal.SIGINT)
    t = threading.Thread(target=interrupt_after_first_checkpoint, daemon=True)
    t.start()
    rc, out, err = _run(capsys, "--run-dir", cut, *args)
    t.join(5)
    assert rc == 0 and any(x.startswith("SIGINT received: stopping after generation") for x in out), (out, err)
    done = json.loads((cut / "checkpoint.json").read_text())["generations_done"]
    assert 1 <= done < 4 and not (cut / "profile.json").exists()
    assert signal.getsignal(signal.SIGINT) is before  # restored after the job
    assert _run(capsys, "--run-dir", cut, *args)[0] == 0
    ra, rb = _records(full), _records(cut)
    for k in ra:
        assert np.array_equal(ra[k], rb[k]), k


def test_second_sigint_interrupts_and_the_hook_prints_one_line():
    from ringrift_mpi.mpi.world import StopSignals
    stop = StopSignals()
    try:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.01)
        assert stop.requested == "SIGINT"
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.5)
    finally:
        stop.restore()
    p = subprocess.run([sys.executable, "-c", "from mpi4py import MPI\nfrom ringrift_mpi.mpi.world import "
                        "abort_on_exception\nabort_on_exception(MPI.COMM_WORLD)\nraise KeyboardInterrupt"],
                       capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert p.returncode == 130, p
    assert p.stderr.strip().splitlines() == ["[rank 0] interrupted: stopping now (records up to the last "
                                             "checkpoint are kept)"], p.stderr


def test_ctrl_c_on_a_real_job_stops_cleanly(tmp_path):
    """As a user sees it: the command line, top-level hooks installed, Ctrl-C after the first generation."""
    run = tmp_path / "run"
    p = subprocess.Popen([sys.executable, "-m", "ringrift_mpi.cmaes", "--config", SMOKE, "--run-dir", str(run),
                          "--generations", "50"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        t0 = time.time()
        while not (run / "checkpoint.json").exists() and time.time() - t0 < 120 and p.poll() is None:
            time.sleep(0.02)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 0, (out, err)
    assert "Traceback" not in err and "fatal error" not in err, err
    assert "SIGINT received: stopping after generation" in out, out


def test_slow_warm_up_says_it_is_compiling():
    from mpi4py import MPI
    from ringrift_mpi.mpi.world import COMPILING, warm_numba
    said = []
    warm_numba(MPI.COMM_SELF, lambda: time.sleep(0.5), say=said.append, cold_after_s=0.1)
    assert said == [COMPILING] and COMPILING.startswith("compiling kernels (first run only")
    said.clear()
    warm_numba(MPI.COMM_SELF, lambda: None, say=said.append, cold_after_s=0.1)
    time.sleep(0.2)
    assert said == []


def test_run_files_respect_the_umask(tmp_path, capsys):
    old = os.umask(0o022)
    try:
        assert _run(capsys, "--run-dir", tmp_path / "run", "--generations", 1)[0] == 0
    finally:
        os.umask(old)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "run").iterdir()}
    assert modes == {n: 0o644 for n in ("checkpoint.json", "cmaes.log", "config.json", "profile.json", "run.h5",
                                        "run.lock")}, modes


def test_scaling_probe_plays_the_jobs_epsilon(monkeypatch):
    from kernels import games
    from ringrift_mpi.cmaes import scaling
    for players, eps in ((2, 0.02), (3, 0.0), (4, 0.0)):
        cfg = CMAESConfig.load(SMOKE, env={}, overrides={"game.players": players, "cmaes.games_per_eval": 12,
                                                          "iterate.eval_games": 24, "game.eval_randomness": -1.0})
        assert scaling.probe_game(cfg)[3] == eps
    cfg = CMAESConfig.load(SMOKE, env={}, overrides={"game.eval_randomness": 0.1})
    assert scaling.probe_game(cfg)[3] == 0.1
    seen = []
    real = games.run_games
    monkeypatch.setattr(games, "run_games", lambda *a, **k: seen.append((k["eps"], k["max_moves"])) or real(*a, **k))
    assert scaling._probe("square8", 3, "full", 0.0, 50, 0.05, time.time()) > 0
    assert set(seen) == {(0.0, 20), (0.0, 50)}
