"""The Slurm launchers on a real single-node Slurm (tests/launch/slurm_local.sh, started by tests/run.sh).

`sbatch slurm/full_matrix.sh` on the smoke matrix end to end; a task requeued mid-run (by
`scontrol requeue`, and by the USR1 its batch shell gets before the time limit) ends with the
profile of an uninterrupted run. Skipped, with the reason, where no Slurm could be started.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kernels.heuristic_weights import HEURISTIC_WEIGHT_KEYS
from ringrift_mpi import profiles as PR
from ringrift_mpi.matrix import Matrix

ROOT = Path(__file__).resolve().parents[2]
SMOKE = ROOT / "jobs" / "matrix_smoke.toml"
# one row, long enough to be interrupted between generations (about a second each on two ranks)
REQUEUE_MATRIX = """
[matrix]
name = "requeue"
boards = ["square8"]
players = [2]
[job.run]
seed = 11
[job.cmaes]
generations = 8
population_size = 6
games_per_eval = 24
[job.iterate]
iterations = 1
eval_games = 20
[job.farm]
games_per_task = 8
"""


@pytest.fixture(scope="module")
def slurm_env():
    d = os.environ.get("RINGRIFT_TEST_SLURM")
    if not d or d == "off":
        pytest.skip("no local Slurm for this run (tests/run.sh starts one: "
                    "bash tests/launch/slurm_local.sh up DIR; export RINGRIFT_TEST_SLURM=DIR)")
    d = Path(d)
    if (d / "skip").is_file():
        pytest.skip(f"no local Slurm: {(d / 'skip').read_text().strip()}")
    if not (d / "env").is_file():
        pytest.skip(f"no local Slurm: {d}/env missing (run tests/launch/slurm_local.sh up {d})")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLURM_", "PMI_", "HYDRA_", "HYDI_", "MPIR_", "OMPI_", "RINGRIFT_"))}
    for line in (d / "env").read_text().splitlines():
        m = re.match(r'export (\w+)="?(.*?)"?$', line)
        if m:
            env[m.group(1)] = m.group(2).replace("$PATH", env.get("PATH", ""))
    # this Python's environment first: its python and the MPICH wheel's mpiexec, exported to the jobs
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env["PATH"]
    env["RINGRIFT_HOME"] = str(ROOT)
    env["RINGRIFT_NUMBA_CACHE"] = "default"  # the cache the rest of the suite already filled
    return env


def _run(env, *cmd, check=True) -> str:
    p = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    if check and p.returncode:
        raise AssertionError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
    return p.stdout


def _states(env, job: str) -> dict[str, str]:
    """JobId (array tasks as A_K) -> JobState, from scontrol (no accounting database needed)."""
    out = _run(env, "scontrol", "-o", "show", "job", job, check=False)
    st = {}
    for line in out.splitlines():
        f = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
        jid = f.get("JobId")
        if f.get("ArrayTaskId") and f.get("ArrayJobId"):
            jid = f"{f['ArrayJobId']}_{f['ArrayTaskId']}"
        if jid:
            st[jid] = f.get("JobState", "?")
    return st


def _wait(env, job: str, done, timeout: float, what: str):
    t0 = time.time()
    while time.time() - t0 < timeout:
        st = _states(env, job)
        if st and done(st):
            return st
        time.sleep(1)
    raise AssertionError(f"{what}: still {_states(env, job)} after {timeout:.0f} s")


FINAL = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE"}


def _submit_matrix(env, matrix: Path, runs: Path, logs: Path, **extra) -> dict[str, str]:
    env = dict(env, RINGRIFT_MATRIX=str(matrix), RINGRIFT_RUNS=str(runs), RINGRIFT_LOGS=str(logs))
    env.update(extra)
    logs.mkdir(parents=True, exist_ok=True)  # sbatch does not create the folder of --output
    out = _run(env, "sbatch", "--parsable", f"--output={logs}/%x_%A_%a.out", "slurm/full_matrix.sh")
    sub = out.strip().split(";")[0]
    _wait(env, sub, lambda st: all(s in FINAL for s in st.values()), 120, "the submitter job")
    assert _states(env, sub)[sub] == "COMPLETED", _logs(logs)
    name = Matrix(str(matrix)).name
    mark = runs / name / f"submitted-{sub}.env"
    return dict(line.split("=", 1) for line in mark.read_text().splitlines())


def _logs(logs: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(logs.glob("*.out")))


def _seed_numba_cache(cache: Path) -> None:
    """A node-local cache as the warm-up step leaves it: numba's files for kernels/, copied (no recompiling)."""
    src = ROOT / "kernels" / "__pycache__"
    # numba's layout under NUMBA_CACHE_DIR (caching._CacheLocator.get_suitable_cache_subpath)
    folder = str((ROOT / "kernels").resolve())
    dest = cache / f"kernels_{hashlib.sha1(folder.encode()).hexdigest()}"
    dest.mkdir(parents=True)
    for f in list(src.glob("*.nbi")) + list(src.glob("*.nbc")):
        shutil.copy2(f, dest / f.name)


def test_full_matrix_smoke_end_to_end(slurm_env, tmp_path):
    runs, logs = tmp_path / "runs", tmp_path / "logs"
    _seed_numba_cache(tmp_path / "numba")  # the node-local cache path: warmed by one process per node
    ids = _submit_matrix(slurm_env, SMOKE, runs, logs, RINGRIFT_LAUNCH="pmi2", RINGRIFT_NTASKS="1",
                         RINGRIFT_NUMBA_CACHE=str(tmp_path / "numba"))
    assert ids["ROWS"] == "12"
    _wait(slurm_env, ids["MERGE_JOB"], lambda st: all(s in FINAL for s in st.values()), 420,
          "the merge job (after the 12 array tasks)")
    tasks = _states(slurm_env, ids["ARRAY_JOB"])
    assert len(tasks) == 12 and set(tasks.values()) == {"COMPLETED"}, (tasks, _logs(logs))
    assert _states(slurm_env, ids["MERGE_JOB"])[ids["MERGE_JOB"]] == "COMPLETED", _logs(logs)
    # logs named %x_%A_%a: one per task
    assert {p.name for p in logs.glob("rr-cmaes_*.out")} == {f"rr-cmaes_{ids['ARRAY_JOB']}_{k}.out" for k in range(12)}
    merged = runs / "smoke" / "trained_heuristic_profiles.json"
    raw = json.loads(merged.read_text())
    ps = PR.load_profiles(merged)
    m = Matrix(str(SMOKE))
    assert {r.profile_id for r in m.rows} <= set(ps.profiles)
    for r in m.rows:
        assert set(raw["profiles"][r.profile_id]) == set(HEURISTIC_WEIGHT_KEYS)
        assert ps.profiles[r.profile_id].filled == []
        row_profile = PR.load_profile(runs / "smoke" / r.name / "profile.json")
        assert ps.profiles[r.profile_id].weights == row_profile.weights
        assert raw["training_metadata"][r.profile_id]["board"] == r.board
    task_log = (logs / f"rr-cmaes_{ids['ARRAY_JOB']}_0.out").read_text()
    assert "warming numba's cache" in task_log and "now: warm" in task_log, task_log


@pytest.fixture(scope="module")
def requeue_reference(tmp_path_factory):
    """The requeue matrix's row run uninterrupted, directly (results do not depend on the launcher)."""
    d = tmp_path_factory.mktemp("requeue_ref")
    mf = d / "requeue.toml"
    mf.write_text(REQUEUE_MATRIX)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "PMI_", "HYDI_", "RINGRIFT_"))}
    run_dir = subprocess.run([sys.executable, "-m", "ringrift_mpi.matrix", "--matrix", str(mf), "--row", "0",
                              "--prepare", str(d / "runs")], capture_output=True, text=True, check=True,
                             cwd=ROOT, env=env).stdout.strip()
    p = subprocess.run([sys.executable, "-m", "ringrift_mpi.cmaes", "--config", f"{run_dir}/job.toml",
                        "--run-dir", run_dir], capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    return mf, PR.load_profile(Path(run_dir) / "profile.json")


def _generations_done(run_dir: Path) -> int:
    try:
        return json.loads((run_dir / "checkpoint.json").read_text())["generations_done"]
    except (OSError, ValueError, KeyError):
        return 0


@pytest.mark.parametrize("how, launch", [("scontrol-requeue", "mpiexec"), ("usr1-before-time-limit", "pmi2")])
def test_requeued_task_resumes_to_the_same_profile(slurm_env, requeue_reference, tmp_path, how, launch):
    matrix, ref = requeue_reference
    runs, logs = tmp_path / "runs", tmp_path / "logs"
    # two ranks, started by the MPICH wheel's Hydra (mpiexec) or by srun --mpi=pmi2: USR1 reaches
    # them through srun's own signal forwarding then
    ids = _submit_matrix(slurm_env, matrix, runs, logs, RINGRIFT_LAUNCH=launch, RINGRIFT_NTASKS="2")
    task = f"{ids['ARRAY_JOB']}_0"
    run_dir = runs / "requeue" / "square8_2p"
    t0 = time.time()
    while _generations_done(run_dir) < 2:
        assert time.time() - t0 < 240, f"no generation after 240 s: {_states(slurm_env, task)}\n{_logs(logs)}"
        assert not (run_dir / "profile.json").exists(), "the run ended before it could be interrupted"
        time.sleep(0.2)
    if how == "scontrol-requeue":
        _run(slurm_env, "scontrol", "requeue", task)
    else:  # what --signal=B:USR1@N does near the time limit: USR1 to the batch shell alone
        _run(slurm_env, "scancel", "--batch", "--signal=USR1", task)
    _wait(slurm_env, task, lambda st: st.get(task) == "PENDING", 60, "the requeued task")
    assert not (run_dir / "profile.json").exists()
    interrupted_at = _generations_done(run_dir)
    assert interrupted_at < 8
    time.sleep(2)  # a requeued job may start again only after its credential expires; let it now
    _run(slurm_env, "scontrol", "update", f"JobId={task}", "StartTime=now")
    _wait(slurm_env, ids["MERGE_JOB"], lambda st: all(s in FINAL for s in st.values()), 300, "the merge job")
    assert _states(slurm_env, task)[task] == "COMPLETED", _logs(logs)
    assert _states(slurm_env, ids["MERGE_JOB"])[ids["MERGE_JOB"]] == "COMPLETED", _logs(logs)
    log = (run_dir / "cmaes.log").read_text()
    assert re.search(r"resuming after generation [1-9]", log), log
    if how == "usr1-before-time-limit":
        assert "SIGUSR1 received" in log or "USR1 received" in log, log
        assert "requeueing" in _logs(logs)
    got = PR.load_profile(run_dir / "profile.json")
    assert got.weights == ref.weights and got.fitness == ref.fitness and got.generation == ref.generation
    merged = PR.load_profiles(runs / "requeue" / "trained_heuristic_profiles.json")
    assert merged.profiles["heuristic_v1_sq8_2p"].weights == ref.weights


def test_failed_row_cancels_the_merge(slurm_env, tmp_path):
    """afterok + --kill-on-invalid-dep: a failing task leaves no merge job pending forever."""
    mf = tmp_path / "fail.toml"
    mf.write_text(REQUEUE_MATRIX.replace('name = "requeue"', 'name = "fail"'))
    runs, logs = tmp_path / "runs", tmp_path / "logs"
    # the job's own fault injection: rank 0 raises in its first task
    ids = _submit_matrix(slurm_env, mf, runs, logs, RINGRIFT_LAUNCH="pmi2", RINGRIFT_NTASKS="1",
                         RINGRIFT_FAULT_RANK="0")
    task = f"{ids['ARRAY_JOB']}_0"
    _wait(slurm_env, ids["MERGE_JOB"], lambda st: all(s in FINAL for s in st.values()), 120, "the merge job")
    assert _states(slurm_env, task)[task] == "FAILED", _logs(logs)
    assert _states(slurm_env, ids["MERGE_JOB"])[ids["MERGE_JOB"]] == "CANCELLED"
    assert "fault injected on rank 0" in _logs(logs)
    assert not (runs / "fail" / "trained_heuristic_profiles.json").exists()


def _wait_all(env, ids, timeout: float, what: str, logs: Path):
    for jid in ids:
        _wait(env, jid, lambda st: all(s in FINAL for s in st.values()), timeout, f"{what} ({jid})")
    states = {j: s for jid in ids for j, s in _states(env, jid).items()}
    assert set(states.values()) == {"COMPLETED"}, (states, _logs(logs))


def test_selfplay_array_rows_become_datasets(slurm_env, tmp_path):
    """slurm/selfplay.sbatch over a self-play matrix: each array task plays its row's games."""
    from ringrift_mpi.storage.dataset import Dataset
    runs, logs = tmp_path / "runs", tmp_path / "logs"
    logs.mkdir()
    env = dict(slurm_env, RINGRIFT_MATRIX=str(ROOT / "jobs" / "matrix_selfplay_smoke.toml"), RINGRIFT_RUNS=str(runs),
               RINGRIFT_LAUNCH="mpiexec")
    job = _run(env, "sbatch", "--parsable", "--array=0,10", "--ntasks=2", f"--output={logs}/%x_%A_%a.out",
               "slurm/selfplay.sbatch").strip().split(";")[0]
    _wait_all(env, [job], 240, "the self-play array", logs)
    for k, (board, players) in ((0, ("square8", 2)), (10, ("hex8", 3))):
        with Dataset(str(runs / "selfplay_smoke" / f"{board}_{players}p" / "dataset.h5")) as ds:
            assert (ds.attrs["board"], ds.players, ds.n_games) == (board, players, 4), _logs(logs)
    assert {p.name for p in logs.glob("rr-selfplay_*.out")} == {f"rr-selfplay_{job}_{k}.out" for k in (0, 10)}
    # a CMA-ES matrix given to the self-play script is refused, naming the right script
    bad = dict(env, RINGRIFT_MATRIX=str(SMOKE), RINGRIFT_ROW="0")
    p = subprocess.run(["bash", "slurm/selfplay.sbatch"], env=bad, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "a matrix of cmaes runs, not selfplay: use slurm/cmaes.sbatch" in p.stderr, p.stderr


def test_pipeline_chains_selfplay_pool_cmaes_training_and_matches(slurm_env, tmp_path):
    """slurm/pipeline.sh: self-play -> state pool -> CMA-ES from that pool -> match, and (with the
    [train] extra) training on the self-play data -> the model's match, all by afterok."""
    import importlib.util

    from ringrift_mpi.storage.evaluation import read_evaluation
    from ringrift_mpi.storage.registry import identify
    runs, logs = tmp_path / "runs", tmp_path / "logs"
    small = "--ntasks=2"
    train = importlib.util.find_spec("torch") is not None
    env = dict(slurm_env, RINGRIFT_RUNS=str(runs), RINGRIFT_LOGS=str(logs), RINGRIFT_LAUNCH="mpiexec",
               RINGRIFT_SELFPLAY_CONFIG="jobs/smoke_selfplay.toml", RINGRIFT_CMAES_CONFIG="jobs/smoke_cmaes.toml",
               RINGRIFT_TRAIN="1" if train else "0", RINGRIFT_TRAIN_CONFIG="jobs/smoke_train.toml",
               # the test Slurm has no GPU queue: the GPU script on its one CPU partition (slurm_local.sh)
               RINGRIFT_TRAIN_SBATCH="--gres=none --partition=debug --ntasks-per-node=1 --cpus-per-task=1",
               RINGRIFT_EVAL_GAMES="8", RINGRIFT_SELFPLAY_SBATCH=small,
               RINGRIFT_CMAES_SBATCH=small, RINGRIFT_EVAL_SBATCH=small)
    out = _run(env, "bash", "slurm/pipeline.sh")
    p = runs / "pipeline_square8_2p"
    ids = dict(line.split("=", 1) for line in (p / "submitted.env").read_text().splitlines())
    assert (ids["TRAIN_JOB"] != "") == train and "self-play" in out
    jobs = [ids["SELFPLAY_JOB"], ids["CMAES_JOB"], ids["EVAL_JOB"]] + ([ids["TRAIN_JOB"], ids["EVAL_MODEL_JOB"]]
                                                                    if train else [])
    _wait_all(env, jobs, 400, "the pipeline", logs)
    if train:  # the model it trained, against random, the default and the profile the CMA-ES step made
        ev = read_evaluation(str(p / "evaluate_model" / "evaluation.json"))
        assert ev["candidate"]["spec"].startswith("model:") and len(ev["results"]) == 3
        assert (p / "models" / "square8_2p" / "v1" / "config.json").is_file()
    assert identify(str(p / "pool.h5")).name == "ringrift-mpi/state-pool"
    run_cfg = json.loads((p / "cmaes" / "config.json").read_text())
    assert run_cfg["game"]["state_pool"] == str(p / "pool.h5"), run_cfg["game"]
    ev = read_evaluation(str(p / "evaluate" / "evaluation.json"))
    assert ev["candidate"]["spec"] == str(p / "cmaes" / "profile.json") and ev["results"][0]["games"] == 8
    # the job logs carry no "not a configuration key" warnings for the launchers' own variables
    assert "not a configuration key" not in _logs(logs), _logs(logs)
