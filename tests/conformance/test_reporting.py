"""A failing case lists every assertion that differs, in each fixture kind (built here, no fixture needed)."""
from __future__ import annotations

import json

import numpy as np

from kernels import heuristic as HE
from kernels.heuristic_weights import BASE_V1_BALANCED_WEIGHTS
from ringrift_mpi.conformance.evalvec import check_eval
from ringrift_mpi.conformance.runner import check_game, check_parity
from ringrift_mpi.interop import initial_state, legal_moves_list, state_to_json
from kernels.apply import apply_move


def _placement_state():
    board, s = initial_state("square8", 2)
    return state_to_json(board, s)


def test_parity_step_reports_every_expected_field():
    d = {"id": "local.parity", "state": _placement_state(),
         "move": {"type": "place_ring", "player": 1, "to": {"x": 0, "y": 0}, "placementCount": 1},
         "expected": {"tsNext": {"currentPlayer": 2, "currentPhase": "line_processing", "S": 5}}}
    (case,) = check_parity(d, "local.json")
    assert not case.ok
    assert case.detail.split("; ") == ["action: S invariant: expected 5, got 0",
                                       "action: currentPlayer: expected 2, got 1",
                                       "action: currentPhase: expected line_processing, got movement"]
    d["expected"] = {"tsNext": {"currentPlayer": 1, "currentPhase": "movement", "S": 0}}
    (case,) = check_parity(d, "local.json")
    assert case.ok, case.detail


def test_game_record_reports_every_final_difference():
    d = {"id": "local.game", "boardType": "square8", "numPlayers": 2, "moves": [],
         "finalSummary": {"stackCount": 3, "markerCount": 1, "gameStatus": "active"}, "winner": 2}
    case = check_game(d, "local.json")
    assert not case.ok
    assert case.detail.split("; ") == ["final stackCount: expected 3, got 0", "final markerCount: expected 1, got 0",
                                       "winner: expected 2, got None"]


def test_eval_position_reports_every_wrong_component():
    board, s = initial_state("square8", 2)
    rng = np.random.default_rng(3)
    for _ in range(6):  # a few placements and movements, so components are not all zero
        legal = legal_moves_list(board, s)
        apply_move(board.geo, s, int(legal[rng.integers(len(legal))]))
    state = state_to_json(board, s)
    got = HE.breakdown(board.geo, s, 1, BASE_V1_BALANCED_WEIGHTS, HE.FULL)
    wrong = dict(got)
    nonzero = [k for k in HE.COMPONENTS if got[k]][:2]
    assert len(nonzero) == 2
    for k in nonzero:
        wrong[k] = got[k] + 1.0
    d = {"weights": {"default": BASE_V1_BALANCED_WEIGHTS},
         "positions": [{"ply": 6, "state": json.loads(json.dumps(state)),
                        "breakdowns": {"1": {"default": {"full": wrong}}}}]}
    (case,) = check_eval(d, "local.json")
    assert not case.ok
    assert [f.split(":")[0] for f in case.detail.split("; ")] == [f"player 1 default/full {k}" for k in nonzero]
    d["positions"][0]["breakdowns"]["1"]["default"]["full"] = got
    (case,) = check_eval(d, "local.json")
    assert case.ok, case.detail
