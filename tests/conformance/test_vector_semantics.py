"""How the conformance runner reads contract vectors where RingRift's runners are lenient.

The vectors here are built in code (no fixture needed): a capture segment shorter than the
attacker's height, which RingRift's processTurn / apply_move take without a length check, and
a vector carrying its own ``skip`` reason, which RingRift's runners skip and we report apart.
"""
from __future__ import annotations

import json
import subprocess
import sys

from ringrift_mpi.conformance.runner import check_vector


def _stack(x, y, rings):  # rings top first, as RingRift's TS fixtures write them
    return {"position": {"x": x, "y": y}, "rings": rings, "stackHeight": len(rings),
            "capHeight": next((i for i, r in enumerate(rings) if r != rings[0]), len(rings)),
            "controllingPlayer": rings[0]}


def _state(stacks, phase="movement"):
    return {
        "boardType": "square8", "currentPlayer": 1, "currentPhase": phase, "gameStatus": "active",
        "board": {"type": "square8", "size": 8, "markers": {}, "collapsedSpaces": {},
                  "stacks": {f"{s['position']['x']},{s['position']['y']}": s for s in stacks}},
        "players": [{"playerNumber": p, "ringsInHand": 15, "eliminatedRings": 0, "territorySpaces": 0}
                    for p in (1, 2)],
        "victoryThreshold": 18, "territoryVictoryThreshold": 33, "moveHistory": [],
    }


def _short_capture_vector(**extra):
    move = {"type": "overtaking_capture", "player": 1, "from": {"x": 0, "y": 0},
            "captureTarget": {"x": 1, "y": 0}, "to": {"x": 2, "y": 0}}
    v = {"id": "local.short_segment",
         "input": {"state": _state([_stack(0, 0, [1, 1, 1]), _stack(1, 0, [2]), _stack(6, 6, [2])]),
                   "move": move},
         "expectedOutput": {"status": "complete",
                            "assertions": {"stackCount": 2, "markerCount": 1, "currentPlayer": 2,
                                           "currentPhase": "ring_placement", "sInvariantDelta": 1}}}
    v.update(extra)
    return v


def test_short_capture_segment_is_applied_as_ringrift_applies_it():
    # Height 3 moving 2 is not a legal segment (RR-CANON-R101), so no generator offers it ...
    from kernels import moves as M
    from ringrift_mpi.interop import state_from_json
    from ringrift_mpi.interop.moves import legal_moves_list
    board, s = state_from_json(_short_capture_vector()["input"]["state"], ring_order="top_first")
    caps = [m for m in legal_moves_list(board, s) if M.mtype(int(m)) == M.OVERTAKING_CAPTURE]
    assert all(M.mto(int(m)) != board.cell({"x": 2, "y": 0}) for m in caps)
    # ... but a vector that applies it gets the resulting state checked, not a "not legal" error.
    case = check_vector(_short_capture_vector())
    assert case.ok, case.detail
    wrong = _short_capture_vector()
    wrong["expectedOutput"]["assertions"]["stackCount"] = 3
    case = check_vector(wrong)
    assert not case.ok and "stackCount: expected 3, got 2" in case.detail


def test_skip_marked_vector_is_run_and_reported_apart(tmp_path):
    broken = _short_capture_vector(id="local.marked", skip="excluded from generic runners")
    broken["expectedOutput"]["assertions"]["markerCount"] = 7
    good = _short_capture_vector()
    f = tmp_path / "local.vectors.json"
    f.write_text(json.dumps({"vectors": [good, broken]}))
    p = subprocess.run([sys.executable, "-m", "ringrift_mpi.conformance", str(f)],
                       capture_output=True, text=True, timeout=300)
    lines = p.stdout.strip().splitlines()
    assert lines[-1] == "1 passed, 0 failed" and p.returncode == 0, p.stdout
    marked = [ln for ln in lines if ln.startswith("SKIP-MARKED")]
    assert len(marked) == 1 and "local.marked" in marked[0]
    assert "excluded from generic runners" in marked[0] and "markerCount: expected 7, got 1" in marked[0]


def test_history_dependent_skip_territory_is_taken_from_the_fixture():
    """skip_territory_processing after a recovery slide depends on moveHistory (RR-CANON-R114), which
    eval-vector states leave empty: the non-strict reader takes it, the strict one does not."""
    import pytest
    from kernels import moves as M
    from ringrift_mpi.interop import InteropError, move_from_json, state_from_json
    board, s = state_from_json(_state([_stack(0, 0, [1, 1]), _stack(6, 6, [2])], phase="territory_processing"),
                               ring_order="top_first")
    mj = {"type": "skip_territory_processing", "player": 1, "to": {"x": 0, "y": 0}}
    with pytest.raises(InteropError, match="not legal here"):
        move_from_json(board, s, mj)
    assert M.mtype(move_from_json(board, s, mj, strict=False)) == M.SKIP_TERRITORY_PROCESSING
    mj["player"] = 2
    with pytest.raises(InteropError):
        move_from_json(board, s, mj, strict=False)
