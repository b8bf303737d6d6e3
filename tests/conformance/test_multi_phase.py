"""One turn through every decision phase: capture -> chain capture -> line -> territory.

The positions are our own (no fixture needed). The expected values were produced by RingRift's TS
orchestrator (commit 2aa9f89b5, ``processTurn`` bundled with esbuild and driven the way its
tests/scenarios/MultiPhaseTurn.contractVectors.test.ts drives an ``initialMove`` vector; the
harness lives outside the project), so each vector below is what that runner would assert.

Square8, 2 players, player 1 to move. Player 1 has markers on (0,2) (1,2) (3,2) and (4,0) (4,1)
and a 2-ring stack on (2,2); player 2 has single rings on (2,3), (3,4) and (7,7). The capture
(2,2)x(2,3)->(2,4) leaves a marker on (2,2) that completes the line (0,2)..(3,2); the chain
continues (2,4)x(3,4)->(5,4). Processing the line (exactly 4: collapse all, one ring from a
stack) walls off the 8 cells below it, a region with no stacks that player 1 may claim (paying
the cap of a stack outside it), or skip.
"""
from __future__ import annotations

import json
import subprocess
import sys

from ringrift_mpi.conformance.runner import check_vector
from ringrift_mpi.interop import StateView, state_from_json


def P(x, y):
    return {"x": x, "y": y}


def _stack(x, y, rings):  # rings top first, as RingRift's TS fixtures write them
    return {"position": P(x, y), "rings": rings, "stackHeight": len(rings),
            "capHeight": next((i for i, r in enumerate(rings) if r != rings[0]), len(rings)),
            "controllingPlayer": rings[0]}


def _state(extra_stacks=None, hands=(16, 15), players_elim=(0, 0), board_elim=None, total=None):
    stacks = {(2, 2): [1, 1], (2, 3): [2], (3, 4): [2], (7, 7): [2], **(extra_stacks or {})}
    markers = [(0, 2), (1, 2), (3, 2), (4, 0), (4, 1)]
    st = {"board": {"type": "square8", "size": 8,
                    "stacks": {f"{x},{y}": _stack(x, y, r) for (x, y), r in stacks.items()},
                    "markers": {f"{x},{y}": {"position": P(x, y), "player": 1, "type": "regular"} for x, y in markers},
                    "collapsedSpaces": {},
                    "eliminatedRings": board_elim or {"1": players_elim[0], "2": players_elim[1]}},
          "players": [{"playerNumber": i + 1, "ringsInHand": h, "eliminatedRings": players_elim[i],
                       "territorySpaces": 0} for i, h in enumerate(hands)],
          "currentPlayer": 1, "currentPhase": "movement", "gameStatus": "active", "moveHistory": [],
          "victoryThreshold": 18, "territoryVictoryThreshold": 33}
    if total is not None:
        st["totalRingsEliminated"] = total
    return st


def _vector(state, assertions, *, claim_region=False, final_stack=None):
    inp = {"state": state,
           "initialMove": {"type": "overtaking_capture", "player": 1, "from": P(2, 2), "captureTarget": P(2, 3),
                           "to": P(2, 4)},
           "expectedChainSequence": [{"segment": 1, "captureTarget": P(2, 3), "landing": P(2, 4)},
                                     {"segment": 2, "captureTarget": P(3, 4), "landing": P(5, 4)}],
           "expectedPhaseSequence": ["chain_capture", "line_processing", "territory_processing"]}
    if claim_region:
        inp["territoryExpectation"] = {"potentiallyDisconnectedRegion": [P(0, 0)]}
    v = {"id": "local.multi_phase", "input": inp,
         "expectedOutput": {"status": "complete", "assertions": dict(assertions)}}
    if final_stack:
        v["expectedOutput"]["finalState"] = {"finalStackPosition": final_stack}
    return v


def _counts(p1, p2=(15, 0, 0)):
    return {f"player{i}{k}": v for i, t in ((1, p1), (2, p2)) for k, v in zip(
        ("RingsInHand", "EliminatedRings", "TerritorySpaces"), t)}


# TS: capture, segment, process_line, eliminate from (5,4), no_line_action, skip_territory_processing
SKIP_REGION = {"currentPlayer": 2, "currentPhase": "ring_placement", "gameStatus": "active", "stackCount": 2,
               "markerCount": 3, "collapsedCount": 4, "sInvariantDelta": 3, **_counts((16, 1, 4))}
# TS: ... choose_territory_option (the 8 cells), eliminate the cap of (6,6): RingRift lists stacks in
# creation order, and (6,6) is older than (5,4), where the chain landed
CLAIM_REGION = {"currentPlayer": 2, "currentPhase": "ring_placement", "gameStatus": "active", "stackCount": 2,
                "markerCount": 1, "collapsedCount": 14, "sInvariantDelta": 12, "finalStackHeight": 4,
                "finalStackController": 1, **_counts((14, 2, 14))}


def test_turn_skipping_the_region_matches_ringrift():
    case = check_vector(_vector(_state(), SKIP_REGION))
    assert case.ok, case.detail


def test_turn_claiming_the_region_matches_ringrift():
    v = _vector(_state({(6, 6): [1, 1]}, hands=(14, 15)), CLAIM_REGION, claim_region=True, final_stack=P(5, 4))
    case = check_vector(v)
    assert case.ok, case.detail


def test_s_invariant_reads_the_total_when_the_counts_disagree():
    """board.eliminatedRings says 4, the players 2, totalRingsEliminated 9: RingRift's TS engine takes 9.

    S of this input is 5 markers + 0 collapsed + 9 = 14 there (computeProgressSnapshot), and the turn
    adds 12 whichever count a runner starts from, since every elimination moves all three.
    """
    st = _state(players_elim=(2, 0), board_elim={"1": 3, "2": 1}, total=9)
    board, s = state_from_json(st, ring_order="top_first")
    assert StateView(board, s).s_invariant == 14
    want = dict(CLAIM_REGION, **_counts((16, 4, 14)))
    del want["finalStackHeight"], want["finalStackController"]
    case = check_vector(_vector(st, want, claim_region=True))
    assert case.ok, case.detail


def test_missing_total_falls_back_to_the_players_sum():
    """RingRift's Python reader (and ours) default a missing totalRingsEliminated to the players' sum."""
    board, s = state_from_json(_state(players_elim=(2, 1)), ring_order="top_first")
    assert StateView(board, s).total_eliminated == 3 and StateView(board, s).s_invariant == 5 + 3


def test_every_wrong_assertion_is_reported():
    wrong = dict(SKIP_REGION, currentPlayer=1, sInvariantDelta=4, markerCount=9)
    case = check_vector(_vector(_state(), wrong))
    assert not case.ok
    assert case.detail.split("; ") == ["currentPlayer: expected 1, got 2", "markerCount: expected 9, got 3",
                                       "sInvariantDelta: expected 4, got 3"]


def test_the_turn_stops_where_an_intermediate_phase_is_asserted():
    """Asserting line_processing stops the turn at the line decision, S up by 2 (two departure
    markers): where our runner stopped every such turn before it answered decisions like RingRift's."""
    v = _vector(_state(), {"currentPhase": "line_processing", "currentPlayer": 1, "sInvariantDelta": 2})
    case = check_vector(v)  # an intermediate phase asserted: the runner stops there, as RingRift's does
    assert case.ok, case.detail


def test_cli_prints_one_line_per_case_with_all_failures(tmp_path):
    wrong = dict(SKIP_REGION, currentPlayer=1, sInvariantDelta=4)
    f = tmp_path / "local.vectors.json"
    f.write_text(json.dumps({"vectors": [_vector(_state(), wrong), _vector(_state(), SKIP_REGION)]}))
    p = subprocess.run([sys.executable, "-m", "ringrift_mpi.conformance", str(f)],
                       capture_output=True, text=True, timeout=300)
    fails = [ln for ln in p.stdout.splitlines() if ln.startswith("FAIL")]
    assert p.returncode == 1 and p.stdout.strip().splitlines()[-1] == "1 passed, 1 failed", p.stdout
    assert fails == [f"FAIL {f} local.multi_phase: currentPlayer: expected 1, got 2; "
                     "sInvariantDelta: expected 4, got 3"]
