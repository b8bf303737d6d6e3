"""Training matrices (ringrift_mpi.matrix): rows, RingRift's per-row rules, configs, the merged profiles."""
from __future__ import annotations

import ast
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from kernels.heuristic_weights import BASE_V1_BALANCED_WEIGHTS, HEURISTIC_WEIGHT_KEYS, weights_array
from ringrift_mpi import profiles as PR
from ringrift_mpi.cmaes.config import CMAESConfig
from ringrift_mpi.matrix import Matrix, MatrixError, config_toml, main, merge

ROOT = Path(__file__).resolve().parents[2]
FULL = str(ROOT / "jobs" / "matrix_full.toml")
SMOKE = str(ROOT / "jobs" / "matrix_smoke.toml")


def test_full_matrix_rows_follow_ringrift_rules():
    m = Matrix(FULL)
    assert [r.name for r in m.rows][:4] == ["square8_2p", "square8_3p", "square8_4p", "square19_2p"]
    assert {(r.board, r.players) for r in m.rows} == {
        (b, p) for b in ("square8", "square19", "hexagonal", "hex8") for p in (2, 3, 4)}
    for r in m.rows:
        c = m.config(r.index)
        assert (c.game.board, c.game.players) == (r.board, r.players)
        # RingRift's caps, but on the big boards, where they would make every game a draw
        cap = {"square19": 3600, "hexagonal": 4800}.get(r.board, 200 if r.players == 2 else 500)
        assert c.game.max_moves == cap
        assert any("game.max_moves" in n for n in r.notes) == (r.board in ("square19", "hexagonal"))
        assert c.mode_name == ("light" if r.board in ("square19", "hexagonal") else "full")
        assert c.epsilon == (0.02 if r.players == 2 else 0.0)
        assert (c.cmaes.generations, c.cmaes.population_size, c.iterate.iterations) == (30, 30, 10)
        # 40 games per evaluation, rounded up to a whole number of seat rotations
        assert c.cmaes.games_per_eval == (42 if r.players == 3 else 40)
        assert c.cmaes.games_per_eval % r.players == 0 and c.iterate.eval_games % r.players == 0
        assert c.game.opening_random_plies == (0 if r.players == 2 else 2 * r.players)
    assert m.config(3).farm.games_per_task == 4 and m.config(0).farm.games_per_task == 8
    assert {r.profile_id for r in m.rows} >= {"heuristic_v1_sq8_2p", "heuristic_v1_hex_4p", "heuristic_v1_hex8_3p"}


def test_smoke_matrix_has_the_full_shape():
    full, smoke = Matrix(FULL), Matrix(SMOKE)
    assert [r.name for r in smoke.rows] == [r.name for r in full.rows]
    assert all(smoke.config(k).cmaes.generations <= 2 for k in range(len(smoke.rows)))


def test_written_config_is_the_rows_config(tmp_path, capsys):
    m = Matrix(FULL)
    for k in (0, 4, 11):
        out = tmp_path / f"row{k}.toml"
        assert main(["--matrix", FULL, "--row", str(k), "--write-config", str(out)]) == 0
        assert CMAESConfig.load(str(out), env={}).to_dict() == m.config(k).to_dict()
    assert main(["--matrix", FULL, "--row", "4", "--print-config"]) == 0
    text = capsys.readouterr().out
    assert "games_per_eval 40 -> 42" in text and 'board = "square19"' in text
    assert main(["--matrix", FULL, "--count"]) == 0 and capsys.readouterr().out.strip() == "12"
    assert main(["--matrix", FULL, "--row", "7", "--name"]) == 0 and capsys.readouterr().out.strip() == "hexagonal_3p"


def test_settings_precedence(tmp_path):
    base = tmp_path / "base.toml"
    base.write_text("[game]\nmax_moves = 77\n[cmaes]\nsigma = 0.3\ngames_per_eval = 12\n")
    mf = tmp_path / "m.toml"
    mf.write_text('[matrix]\nname = "t"\nboards = ["hex8", "square8"]\nplayers = [3, 2]\nconfig = "base.toml"\n'
                  "[job.cmaes]\ngenerations = 5\n[board.hex8.cmaes]\ngenerations = 6\n"
                  "[players.2.cmaes]\ngenerations = 7\n[players.2.game]\nmax_moves = 99\n")
    m = Matrix(str(mf))
    assert [r.name for r in m.rows] == ["hex8_3p", "hex8_2p", "square8_3p", "square8_2p"]
    c = [m.config(k) for k in range(4)]
    assert [x.cmaes.generations for x in c] == [6, 7, 5, 7]          # players beat board beat job
    assert [x.game.max_moves for x in c] == [500, 99, 500, 99]        # the rule beats the base config
    assert [x.cmaes.sigma for x in c] == [0.3] * 4                    # the base config still counts
    assert [x.cmaes.games_per_eval for x in c] == [12, 12, 12, 12]
    assert "max_moves 99 set by the matrix" in config_toml(m, 1)


@pytest.mark.parametrize("body, msg", [
    ('[matrix]\nboards = ["square8"]\nplayers = [2]\n[job.cmaes]\nsigmaa = 1\n', r"row 0 \(square8_2p\).*cmaes\.sigmaa"),
    ('[matrix]\nboards = ["square9"]\nplayers = [2]\n', "matrix.boards"),
    ('[matrix]\nboards = ["square8"]\nplayers = [5]\n', "matrix.players"),
    ('[matrix]\nboards = ["square8"]\nplayers = [2]\n[jobs.cmaes]\nsigma = 1\n', "unknown table"),
    ('[matrix]\nboards = ["square8"]\nplayers = [2]\n[board.square9.cmaes]\nsigma = 1\n', r"\[board\.square9\]"),
    ('[matrix]\nboards = ["square8"]\nplayers = [2]\nconfig = "nope.toml"\n', "nope.toml: cannot read"),
    ('[matrix\n', "not valid TOML"),
    ('[matrix]\njob = "selfplai"\nboards = ["square8"]\nplayers = [2]\n', "matrix.job: unknown job 'selfplai'"),
])
def test_bad_matrix_one_line(tmp_path, capsys, body, msg):
    mf = tmp_path / "bad.toml"
    mf.write_text(body)
    assert main(["--matrix", str(mf)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.toml" in err[0]
    import re
    assert re.search(msg, err[0]), err[0]


def test_row_out_of_range(capsys):
    assert main(["--matrix", SMOKE, "--row", "12", "--print-config"]) == 2
    assert "row 12 out of range (the matrix has rows 0-11)" in capsys.readouterr().err


def _fake_runs(m: Matrix, runs: Path) -> dict[str, np.ndarray]:
    """A profile.json per row, as the CMA-ES job writes it, each with its own weights."""
    got = {}
    base = weights_array(BASE_V1_BALANCED_WEIGHTS)
    for r in m.rows:
        w = base * (1.0 + 0.01 * (r.index + 1))
        PR.save_profile(runs / r.name / "profile.json",
                        PR.Profile.from_array(w, fitness=0.5 + r.index / 100, generation=60,
                                              meta={"source": "ringrift-mpi cmaes", "config_hash": "abc",
                                                    "board": r.board, "num_players": r.players, "seed": 1}))
        got[r.profile_id] = w
    return got


def test_merge_writes_ringrift_multi_profile_file(tmp_path, capsys):
    m = Matrix(SMOKE)
    want = _fake_runs(m, tmp_path)
    assert main(["--matrix", SMOKE, "--merge", str(tmp_path)]) == 0
    out = tmp_path / "trained_heuristic_profiles.json"
    raw = json.loads(out.read_text())
    assert set(raw) >= {"profiles", "training_metadata"}
    ps = PR.load_profiles(out)
    legacy = {"heuristic_v1_2p", "heuristic_v1_3p", "heuristic_v1_4p"}
    assert set(ps.profiles) == set(want) | legacy
    for pid, p in ps.profiles.items():
        assert len(raw["profiles"][pid]) == 59 and set(raw["profiles"][pid]) == set(HEURISTIC_WEIGHT_KEYS)
        assert p.filled == []
    for pid, w in want.items():
        assert np.array_equal(ps.profiles[pid].array(), w)
    assert np.array_equal(ps.profiles["heuristic_v1_3p"].array(), want["heuristic_v1_sq8_3p"])
    md = raw["training_metadata"]["heuristic_v1_hex_4p"]
    assert md["board"] == "hexagonal" and md["num_players"] == 4 and md["fitness"] == 0.5 + 8 / 100


def test_merge_refuses_missing_or_foreign_profiles(tmp_path, capsys):
    m = Matrix(SMOKE)
    _fake_runs(m, tmp_path)
    os.unlink(tmp_path / "hex8_4p" / "profile.json")
    assert main(["--matrix", SMOKE, "--merge", str(tmp_path)]) == 2
    assert "1 row(s) have no profile.json yet" in capsys.readouterr().err
    assert not (tmp_path / "trained_heuristic_profiles.json").exists()
    # a square8 profile in the hex8 4p folder is not that row's result
    (tmp_path / "hex8_4p").rename(tmp_path / "gone")
    (tmp_path / "hex8_4p").mkdir()
    (tmp_path / "hex8_4p" / "profile.json").write_text((tmp_path / "square8_2p" / "profile.json").read_text())
    with pytest.raises(MatrixError, match="profile is for square8 2p, but row 11 is hex8 4p"):
        merge(m, str(tmp_path), str(tmp_path / "x.json"))


def _ringrift_checkout() -> Path:
    where = os.environ.get("RINGRIFT_CHECKOUT")
    if not where or not (Path(where) / "ai-service" / "app" / "ai" / "heuristic_weights.py").is_file():
        pytest.skip("no RingRift checkout (set RINGRIFT_CHECKOUT to one)")
    return Path(where) / "ai-service"


def _ringrift_literal(src: str, name: str):
    for node in ast.parse(src).body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if isinstance(target, ast.Name) and target.id == name:
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} not found in RingRift's heuristic_weights.py")


def test_profile_ids_and_keys_are_ringrifts(tmp_path):
    """The ids we write are the ones RingRift's BOARD_PROFILE_MAP looks up; the keys its 59."""
    src = (_ringrift_checkout() / "app" / "ai" / "heuristic_weights.py").read_text()
    board_map = _ringrift_literal(src, "BOARD_PROFILE_MAP")
    keys = _ringrift_literal(src, "HEURISTIC_WEIGHT_KEYS")
    m = Matrix(FULL)
    assert {(r.board, r.players): r.profile_id for r in m.rows} == board_map
    _fake_runs(m, tmp_path)
    merge(m, str(tmp_path), str(tmp_path / "merged.json"))
    raw = json.loads((tmp_path / "merged.json").read_text())
    assert set(board_map.values()) <= set(raw["profiles"])
    assert all(list(w) == sorted(keys) or set(w) == set(keys) for w in raw["profiles"].values())
    assert len(keys) == 59


def test_ringrift_loader_reads_merged_file(tmp_path):
    """RingRift's own load_trained_profiles_if_available, where a Python that imports it is given."""
    rr = _ringrift_checkout()
    py = os.environ.get("RINGRIFT_PYTHON")
    if not py:
        pytest.skip("RINGRIFT_PYTHON (a Python with RingRift's ai-service dependencies) is not set")
    m = Matrix(SMOKE)
    _fake_runs(m, tmp_path)
    merge(m, str(tmp_path), str(tmp_path / "merged.json"))
    code = ("import json, sys\nfrom app.ai.heuristic_weights import load_trained_profiles_if_available as L, "
            "HEURISTIC_WEIGHT_KEYS as K, get_weights_for_board as G\n"
            "got = L(sys.argv[1])\n"
            "print(json.dumps({'ids': sorted(got), 'complete': all(set(w) == set(K) for w in got.values()), "
            "'hex4': G('hexagonal', 4)['WEIGHT_STACK_CONTROL']}))\n")
    p = subprocess.run([py, "-c", code, str(tmp_path / "merged.json")], cwd=rr, capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    res = json.loads(p.stdout.strip().splitlines()[-1])
    assert len(res["ids"]) == 15 and res["complete"]
    hex4 = PR.load_profiles(tmp_path / "merged.json").profiles["heuristic_v1_hex_4p"]
    assert res["hex4"] == hex4.weights["WEIGHT_STACK_CONTROL"]


def test_selfplay_matrices_keep_the_selfplay_jobs_own_rules(capsys):
    from ringrift_mpi.selfplay.config import RINGRIFT_MAX_MOVES, SelfplayConfig
    for path, games in ((ROOT / "jobs" / "matrix_selfplay.toml", None), (ROOT / "jobs" / "matrix_selfplay_smoke.toml", 4)):
        m = Matrix(str(path))
        assert m.job_name == "selfplay" and len(m.rows) == 12
        for r in m.rows:
            c = m.config(r.index)
            assert isinstance(c, SelfplayConfig) and (c.game.board, c.game.players) == (r.board, r.players)
            if games is None:  # no CMA-ES move cap and no per-seat rounding: the self-play limits stand
                assert c.max_moves == RINGRIFT_MAX_MOVES[r.board][r.players]
            else:
                assert c.run.games == games and c.max_moves == 60
    assert main(["--matrix", str(ROOT / "jobs" / "matrix_selfplay.toml"), "--job"]) == 0
    assert capsys.readouterr().out.strip() == "selfplay"
    assert main(["--matrix", str(ROOT / "jobs" / "matrix_selfplay.toml"), "--merge", "/nonexistent"]) == 2
    assert "a matrix of selfplay runs" in capsys.readouterr().err


def test_launcher_variables_never_read_as_misspelt_config_keys():
    """Every RINGRIFT_* variable the launch scripts use is a launcher knob or a job's config key, so
    a Slurm job's log carries no "did you mean" warning for them."""
    import re

    from ringrift_mpi.config import LAUNCHER_VARIABLES
    from ringrift_mpi.matrix import JOB_CONFIGS
    scripts = list((ROOT / "slurm").iterdir()) + list((ROOT / "aws-parallelcluster").glob("*.sh")) + [
        ROOT / "tests" / "run.sh", ROOT / ".ci" / "run"]
    used = {v for p in scripts for v in re.findall(r"RINGRIFT_[A-Z0-9_]*[A-Z0-9]", p.read_text())}
    keys = {f"RINGRIFT_{s.upper()}_{k.upper()}" for cls in JOB_CONFIGS.values()
            for s, table in cls.defaults().to_dict().items() for k in table}
    ringrifts = {"RINGRIFT_TRAINED_HEURISTIC_PROFILES"}  # RingRift's own, documented for users
    assert used - LAUNCHER_VARIABLES - keys - ringrifts == set()
    for cls in JOB_CONFIGS.values():
        cfg = cls.load(None, env={v: "x" for v in LAUNCHER_VARIABLES})
        assert cfg.warnings == [], cfg.warnings
