"""The self-play job on one process and under mpiexec: files, resume after SIGTERM and kill -9,
rank-count independence, refusals, and RingRift's own trainer on the exported NPZ."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from ringrift_mpi.selfplay import main
from ringrift_mpi.selfplay.config import SelfplayConfig
from ringrift_mpi.storage.dataset import canonical, differences, list_shards

ROOT = Path(__file__).resolve().parents[2]
SMOKE = str(ROOT / "jobs" / "smoke_selfplay.toml")
BOARDS = ("square8", "square19", "hex8", "hexagonal")


def _mpi_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PMI_", "HYDRA_", "HYDI_", "MPIR_", "OMPI_"))}
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


def _run(capsys, *args):
    capsys.readouterr()
    rc = main(["--config", SMOKE, *map(str, args)])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted smoke run, once (1 rank)."""
    d = tmp_path_factory.mktemp("ref") / "run"
    assert main(["--config", SMOKE, "--run-dir", str(d)]) == 0
    return d, canonical(str(d))


def test_every_board_and_player_count_has_a_config():
    for b in BOARDS:
        for p in (2, 3, 4):
            path = ROOT / "jobs" / f"selfplay_{b}_{p}p.toml"
            cfg = SelfplayConfig.load(str(path), env={})
            assert (cfg.game.board, cfg.game.players) == (b, p), path
            assert 0 < cfg.run.games <= 1000 and cfg.max_moves > 0


def test_smoke_run_files_log_and_content(reference, capsys):
    d, ref = reference
    assert sorted(p.name for p in d.iterdir()) == ["dataset.h5", "run.lock", "selfplay.json", "selfplay.log", "shards"]
    log = (d / "selfplay.log").read_text()
    assert "positions/s" in log and "ETA" in log and "done: 24 of 24 games" in log, log
    rec = json.loads((d / "selfplay.json").read_text())
    assert rec["format"] == "ringrift-mpi/selfplay-run" and len(rec["sessions"]) == 1
    assert sorted(ref["games/id"].tolist()) == list(range(24))
    assert len(ref["values"]) == int(ref["games/positions"].sum()) > 1000
    # rerunning a finished run plays nothing and changes nothing
    rc, out, _ = _run(capsys, "--run-dir", d)
    assert rc == 0 and "nothing to play: all 24 games are in shards" in out and "done: 24 of 24 games" in out
    assert len(json.loads((d / "selfplay.json").read_text())["sessions"]) == 1
    assert differences(ref, canonical(str(d))) == []


def test_sigterm_then_resume_equals_uninterrupted(reference, tmp_path, capsys):
    d = tmp_path / "cut"

    def stop_after_first_shard():
        while not list_shards(str(d)):
            time.sleep(0.002)
        os.kill(os.getpid(), signal.SIGTERM)

    killer = threading.Thread(target=stop_after_first_shard, daemon=True)
    killer.start()
    rc, out, err = _run(capsys, "--run-dir", d, "--flush-seconds", "0")
    killer.join(10)
    assert rc == 0 and "SIGTERM received: stopped with" in out, (out, err)
    first = canonical(str(d))  # the index was rebuilt over what the stopped session wrote
    assert 0 < len(first["games/id"]) < 24
    rc, out, err = _run(capsys, "--run-dir", d)
    assert rc == 0 and "resuming:" in out and "done: 24 of 24 games" in out, (out, err)
    assert differences(reference[1], canonical(str(d))) == []


def _kill_after_shards(cmd, run_dir, n, env=None):
    p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
    try:
        t0 = time.time()
        while len(list_shards(str(run_dir))) < n and time.time() - t0 < 240 and p.poll() is None:
            time.sleep(0.005)
        assert p.poll() is None, p.communicate()[0]
        os.killpg(p.pid, signal.SIGKILL)  # every process of the job: launcher and ranks
        p.wait(30)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(30)


def test_kill_9_of_every_rank_then_resume_equals_uninterrupted(reference, tmp_path):
    """Two ranks under mpiexec, all killed with SIGKILL mid-run; the same command on one rank finishes."""
    d = tmp_path / "killed"
    cmd = ["mpiexec", "-n", "2", sys.executable, "-m", "ringrift_mpi.selfplay", "--config", SMOKE, "--run-dir",
           str(d), "--flush-seconds", "0", "--games-per-task", "1"]
    _kill_after_shards(cmd, d, 2, env=_mpi_env())
    done = len(list_shards(str(d)))
    assert 2 <= done < 24
    p = subprocess.run([sys.executable, "-m", "ringrift_mpi.selfplay", "--config", SMOKE, "--run-dir", str(d)],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and "done: 24 of 24 games" in p.stdout, (p.stdout, p.stderr)
    assert not [n for n in os.listdir(d / "shards") if n.endswith(".tmp")]
    assert differences(reference[1], canonical(str(d))) == []


def test_resume_refuses_another_config_and_a_bad_shard(reference, tmp_path, capsys):
    import shutil
    d = tmp_path / "copy"
    shutil.copytree(reference[0], d)
    rc, out, err = _run(capsys, "--run-dir", d, "--seed", "8")
    lines = [x for x in (out + err).splitlines() if x.startswith("error: ")]
    assert rc == 2 and len(lines) == 1 and "run.seed: run 7, now 8" in lines[0], (out, err)
    # more games is a budget change: allowed, and extends the run
    shard = sorted(list_shards(str(d)))[0]
    Path(shard).write_bytes(Path(shard).read_bytes()[:5000])  # a shard damaged outside the job
    rc, out, err = _run(capsys, "--run-dir", d, "--games", "30")
    lines = [x for x in (out + err).splitlines() if x.startswith("error: ")]
    assert rc == 2 and len(lines) == 1 and shard in lines[0] and "truncated" in lines[0], (out, err)
    assert "Traceback" not in out + err


@pytest.mark.parametrize("body,words", [
    ("[game]\nboard = 'square9'\n", ("game.board", "unknown board 'square9'")),
    ("[players]\nseats = 'default,random,default'\n", ("players.seats", "one per seat (2)")),
    ("[players]\nseats = 'nowhere.json'\n", ("players.seats", "nowhere.json", "missing")),
    ("[dataset]\ncompression = 'zstd'\n", ("dataset.compression",)),
])
def test_config_errors_are_one_line(tmp_path, capsys, body, words):
    cfg = tmp_path / "c.toml"
    cfg.write_text(body)
    capsys.readouterr()
    rc = main(["--config", str(cfg), "--run-dir", str(tmp_path / "r")])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and err[0].startswith("error: "), err
    for w in words:
        assert w in err[0], err


def _ringrift():
    co, py = os.environ.get("RINGRIFT_CHECKOUT"), os.environ.get("RINGRIFT_PYTHON")
    if not co or not os.path.isdir(os.path.join(co, "ai-service", "app", "training")):
        pytest.skip("set RINGRIFT_CHECKOUT to a RingRift checkout (with ai-service/) to run its trainer")
    if not py or not os.path.exists(py):
        pytest.skip("set RINGRIFT_PYTHON to an interpreter with RingRift's ai-service dependencies")
    return os.path.join(co, "ai-service"), py


@pytest.mark.slow
@pytest.mark.parametrize("board,version", [("square8", "v2"), ("hex8", "v3")])
def test_ringrifts_unchanged_trainer_trains_on_our_npz(tmp_path, board, version):
    service, py = _ringrift()
    from ringrift_mpi.storage.dataset import export_npz
    d = tmp_path / "run"
    assert main(["--config", SMOKE, "--run-dir", str(d), "--board", board, "--games", "12"]) == 0
    npz = tmp_path / f"{board}.npz"
    assert export_npz(str(d), str(npz))["positions"] >= 100
    out = tmp_path / "out"
    cmd = [py, "-m", "app.training.train", "--data-path", str(npz), "--board-type", board, "--num-players", "2",
           "--epochs", "1", "--batch-size", "64", "--no-auto-tune-batch-size", "--model-version", version,
           "--num-filters", "16", "--num-res-blocks", "1", "--skip-freshness-check",
           "--save-path", str(out / "m.pth"), "--checkpoint-dir", str(out / "ck")]
    # the trainer's non-daemon threads keep a failed run alive: a timeout ends it
    p = subprocess.run(cmd, cwd=service, capture_output=True, text=True, timeout=1500,
                       env={**os.environ, "PYTHONUNBUFFERED": "1"})
    log = p.stdout + p.stderr
    assert p.returncode == 0, log[-4000:]
    assert "Loaded" in log and "valid training samples" in log, log[-4000:]
    assert (out / "m.pth").exists(), log[-4000:]


def test_a_stored_game_exports_as_a_ringrift_record_that_replays(reference, tmp_path, capsys):
    from kernels import state as S
    from kernels.apply import apply_move
    from ringrift_mpi.interop import initial_state, move_from_json
    from ringrift_mpi.selfplay.records import game_record, main as records
    d, ref = reference
    rec = game_record(str(d), 11)
    assert rec["boardType"] == "square8" and rec["numPlayers"] == 2 and rec["totalMoves"] == len(rec["moves"])
    board, s = initial_state("square8", 2)
    for mj in rec["moves"]:  # our interop reads every move back as a legal move of its position
        apply_move(board.geo, s, move_from_json(board, s, mj))
    assert s[S.H_STATUS] != S.ACTIVE and int(s[S.H_WINNER]) == rec["winner"]
    i = int(np.flatnonzero(ref["games/id"] == 11)[0])
    assert rec["winner"] == int(ref["games/winner"][i]) and rec["totalMoves"] == int(ref["games/length"][i])
    capsys.readouterr()
    assert records([str(d), "--game", "11", "--out", str(tmp_path / "g.json")]) == 0
    assert json.loads((tmp_path / "g.json").read_text())["moves"] == rec["moves"]
    assert records([str(d), "--game", "999"]) == 2
    assert "no game with id 999" in capsys.readouterr().err
