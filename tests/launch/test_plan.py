"""python -m ringrift_mpi.plan: games, core-hours, wall time and dollars from bench figures."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from ringrift_mpi import plan as PL
from ringrift_mpi.matrix import Matrix

ROOT = Path(__file__).resolve().parents[2]
FULL = str(ROOT / "jobs" / "matrix_full.toml")


def _bench(path: Path, gps: dict, cap=None) -> Path:
    res = [{"mode": "heuristic", "board": b, "players": p, "games_per_s": v} for (b, p), v in gps.items()]
    path.write_text(json.dumps({"args": {"max_moves": cap}, "results": res}))
    return path


def _all(v: float) -> dict:
    return {(b, p): v for b in ("square8", "square19", "hexagonal", "hex8") for p in (2, 3, 4)}


def test_games_and_core_hours_of_the_full_matrix(tmp_path):
    rows = PL.plan_rows(Matrix(FULL), PL.load_bench([str(_bench(tmp_path / "b.json", _all(10.0)))]), 96, 1.0)
    by = {r.name: r for r in rows}
    # 10 iterations x (30 generations x 30 candidates x 40 games + a 100-game evaluation)
    assert by["square8_2p"].games == 10 * (30 * 30 * 40 + 100) == 361_000
    assert by["hex8_3p"].games == 10 * (30 * 30 * 42 + 102)  # 3 players: whole seat rotations
    assert by["square8_2p"].core_s == pytest.approx(361_000 / 10.0)
    # 1200 games a generation over 96 ranks at 0.1 s a game; the 100-game evaluation is one 8-game task long
    assert by["square8_2p"].wall_s == pytest.approx(10 * (30 * 1200 / 96 * 0.1 + 8 * 0.1))


def test_one_task_is_the_floor_and_rows_share_nodes(tmp_path):
    mf = tmp_path / "m.toml"
    mf.write_text('[matrix]\nboards = ["square8", "hex8"]\nplayers = [2]\n[job.cmaes]\ngenerations = 2\n'
                  "population_size = 4\ngames_per_eval = 8\n[job.iterate]\neval_games = 8\n[job.farm]\ngames_per_task = 4\n")
    m = Matrix(str(mf))
    bench = PL.load_bench([str(_bench(tmp_path / "b.json", {("square8", 2): 2.0, ("hex8", 2): 4.0}))])
    # 32 games a generation on 1000 ranks: no faster than one 4-game task
    rows = PL.plan_rows(m, bench, 1000, 1.0)
    assert rows[0].wall_s == pytest.approx((2 * 4 + 4) * 0.5)
    rows = PL.plan_rows(m, bench, 2, 1.0)
    assert [r.wall_s for r in rows] == pytest.approx([(2 * 16 + 4) * 0.5, (2 * 16 + 4) * 0.25])
    inst = PL.INSTANCES["c7i.48xlarge"]
    one = PL.make_plan(rows, inst, 1, 2, boot_min=0, idle_min=0)
    two = PL.make_plan(rows, inst, 2, 2, boot_min=0, idle_min=0)
    assert one.wall_s == pytest.approx(sum(r.wall_s for r in rows)) and two.wall_s == pytest.approx(rows[0].wall_s)
    assert one.node_hours == pytest.approx(two.node_hours)  # the same node time, billed either way
    booted = PL.make_plan(rows, inst, 5, 2, boot_min=6, idle_min=10)  # only 2 of the 5 nodes ever start
    assert booted.nodes == 2 and booted.node_hours == pytest.approx(two.node_hours + 2 * 16 / 60)
    assert booted.cost_on_demand == pytest.approx(booted.node_hours * inst.on_demand)


def test_schedule_longest_first():
    assert PL.schedule([5, 4, 3, 3, 3], 2) == 10  # longest first: 5+3, 4+3+3
    assert PL.schedule([5, 4, 3], 3) == 5
    assert PL.schedule([1.0] * 12, 12) == 1.0


def test_cli_report_and_errors(tmp_path, capsys):
    b = _bench(tmp_path / "b.json", _all(5.0), cap=200)
    assert PL.main(["--matrix", FULL, "--nodes", "12", "--instance", "c7i.48xlarge", "--bench", str(b)]) == 0
    out = capsys.readouterr().out
    games = 8 * 361_000 + 4 * (10 * (30 * 30 * 42 + 102))
    assert f"games: {games:,}" in out and "core-hours:" in out and "cost: $" in out and "wall time:" in out
    assert "benched at move cap 200, row caps at 500" in out  # 3-4 players were not benched at their cap
    part = _bench(tmp_path / "part.json", {("square8", 2): 5.0})
    assert PL.main(["--matrix", FULL, "--bench", str(part)]) == 2
    assert "no bench figure for square8 3p" in capsys.readouterr().err
    (tmp_path / "bad.json").write_text("{")
    assert PL.main(["--matrix", FULL, "--bench", str(tmp_path / "bad.json")]) == 2
    assert "bad.json: not a bench JSON file" in capsys.readouterr().err
    assert PL.main(["--matrix", FULL, "--bench", str(b), "--instance", "m5.large"]) == 2
    assert "unknown instance 'm5.large'" in capsys.readouterr().err


def test_committed_bench_files_cover_the_full_matrix_at_its_caps():
    files = sorted(str(p) for p in (ROOT / "jobs" / "bench").glob("*.json"))
    bench = PL.load_bench(files)
    m = Matrix(FULL)
    for r in m.rows:
        b = bench[(r.board, r.players)]
        assert b["max_moves"] == m.config(r.index).game.max_moves and b["gps"] > 0
    assert all(math.isfinite(r.wall_s) for r in PL.plan_rows(m, bench, 96, 1.0))
