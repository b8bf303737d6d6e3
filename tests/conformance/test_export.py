"""export-traces writes RingRift-shaped traces that our own conformance command replays."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ringrift_mpi.conformance.export import play_trace
from ringrift_mpi.conformance.runner import check_game


@pytest.mark.parametrize("board,players", [("square8", 2), ("square8", 4), ("hex8", 3), ("hex8", 2)])
def test_exported_trace_round_trips(board, players):
    trace = play_trace(board, players, seed=11)
    trace = json.loads(json.dumps(trace))  # exactly what a file holds
    case = check_game(trace, "t")
    assert case.ok, case.detail
    assert len(trace["legalMoveCounts"]) == len(trace["moves"]) == trace["totalMoves"]
    assert "0" in trace["legalMoveSamples"] and str(len(trace["moves"]) - 1) in trace["legalMoveSamples"]


def test_tampered_trace_is_caught():
    trace = json.loads(json.dumps(play_trace("square8", 2, seed=3)))
    trace["legalMoveCounts"][5] += 1
    case = check_game(trace, "t")
    assert not case.ok and "ply 5" in case.detail


def test_export_has_the_reference_trace_shape(ringrift_fixtures):
    ref = json.loads(next((ringrift_fixtures / "ref-traces").glob("ref_hex8_2p_*.json")).read_text())
    ours = play_trace("hex8", 2, seed=1)
    assert set(ref) == set(ours)
    assert set(ref["finalSummary"]) == set(ours["finalSummary"])
    assert set(ref["initialState"]) <= set(ours["initialState"]) | {"lpsCurrentRoundActorMask"}


def test_cli_writes_files(tmp_path):
    p = subprocess.run([sys.executable, "-m", "ringrift_mpi.conformance", "export-traces", "--board", "square8",
                        "--players", "3", "--seeds", "0:2", "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    files = sorted(tmp_path.glob("*.json"))
    assert [f.name for f in files] == ["ours_square8_3p_seed0.json", "ours_square8_3p_seed1.json"]
    p = subprocess.run([sys.executable, "-m", "ringrift_mpi.conformance", *map(str, files)],
                       capture_output=True, text=True, timeout=300)
    assert p.stdout.strip().splitlines()[-1] == "2 passed, 0 failed"
