"""The conformance command's contract: one line per failure, a final count, clean errors."""
from __future__ import annotations

import json
import subprocess
import sys


def run(*args):
    p = subprocess.run([sys.executable, "-m", "ringrift_mpi.conformance", *map(str, args)],
                       capture_output=True, text=True, timeout=600)
    return p.returncode, p.stdout, p.stderr


def test_bad_inputs_give_one_line_each(tmp_path):
    bad_json = tmp_path / "broken.json"
    bad_json.write_text("{not json")
    game = {"id": "g1", "boardType": "square8", "numPlayers": 2,
            "moves": [{"type": "teleport", "player": 1, "to": {"x": 0, "y": 0}}]}
    unknown = tmp_path / "unknown_type.json"
    unknown.write_text(json.dumps(game))
    game["moves"] = [{"type": "place_ring", "player": 1, "to": {"x": 9, "y": 2}, "placementCount": 1}]
    offboard = tmp_path / "offboard.json"
    offboard.write_text(json.dumps(game))
    rc, out, err = run(bad_json, unknown, offboard)
    assert rc == 1
    assert "Traceback" not in out + err
    lines = out.strip().splitlines()
    assert lines[-1] == "0 passed, 3 failed"
    fails = [ln for ln in lines if ln.startswith("FAIL")]
    assert len(fails) == 3
    assert "broken.json" in fails[0] and "malformed JSON" in fails[0]
    assert "unknown_type.json g1" in fails[1] and "unknown move type 'teleport'" in fails[1]
    assert "offboard.json g1" in fails[2] and "(9,2) is off the square8 board" in fails[2]


def test_known_stale_reported_apart(ringrift_fixtures):
    games = sorted((ringrift_fixtures / "golden-games").glob("*.json"))
    rc, out, _ = run(*games, "--known-stale", ringrift_fixtures / "known-stale.json")
    assert out.strip().splitlines()[-1] == "0 passed, 0 failed"
    assert sum(ln.startswith("STALE") for ln in out.splitlines()) == len(games)
    assert rc == 0
    rc, out, _ = run(*games)
    assert out.strip().splitlines()[-1] == f"0 passed, {len(games)} failed"
    assert rc == 1


def test_all_reference_traces_pass(ringrift_fixtures):
    traces = sorted((ringrift_fixtures / "ref-traces").glob("*.json"))
    rc, out, _ = run(*traces)
    assert out.strip().splitlines()[-1] == f"{len(traces)} passed, 0 failed", out[-2000:]
    assert rc == 0


def test_a_folder_stands_for_its_fixtures_but_not_its_known_stale_list(tmp_path):
    from ringrift_mpi.conformance.cli import expand

    (tmp_path / "games").mkdir()
    for name in ("games/b.json", "games/a.json", "known-stale.json", "notes.txt"):
        (tmp_path / name).write_text("{}")
    assert expand([str(tmp_path)]) == [str(tmp_path / "games" / "a.json"), str(tmp_path / "games" / "b.json")]
    # named on its own, it is checked like any file (and fails as no fixture kind)
    assert expand([str(tmp_path / "known-stale.json")]) == [str(tmp_path / "known-stale.json")]
