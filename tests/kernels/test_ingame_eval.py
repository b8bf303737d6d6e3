"""Our own games reach RingRift's evaluations: replay each reference trace with our engine and, at
every ply where an evaluation vector was taken, evaluate the state *our engine built* (not the one
loaded from JSON) and compare with RingRift's numbers. This covers what the vectors alone cannot:
the state fields the evaluator reads that our engine maintains during play (LPS counters, marker
insertion order, eliminated-ring credit), exactly as self-play and CMA-ES games see them."""
from __future__ import annotations

import json

import numpy as np

from kernels import heuristic as HE
from kernels.apply import apply_move
from kernels.recovery import listing_side_effect
from ringrift_mpi.conformance.runner import pick_recovery
from ringrift_mpi.interop import legal_moves_list, move_from_json, state_from_json


def _close(a, b):
    return a == b or abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def test_replayed_games_evaluate_like_ringrift(ringrift_fixtures):
    checked = 0
    for ev in sorted((ringrift_fixtures / "eval-vectors").glob("*.json")):
        d = json.loads(ev.read_text())
        tr = json.loads((ringrift_fixtures / "ref-traces" / d["source"]).read_text())
        board, s = state_from_json(tr["initialState"])
        by_ply = {p["ply"]: p for p in d["positions"]}
        W = {k: HE.weights_array(v) for k, v in d["weights"].items()}
        out = np.zeros(HE.N_COMPONENTS)
        for i, mj in enumerate(tr["moves"]):
            pos = by_ply.get(i)
            if pos is not None:
                for pl, profs in pos["breakdowns"].items():
                    for prof, modes in profs.items():
                        for mname, exp in modes.items():
                            mode = HE.LIGHT if mname == "light" else HE.FULL
                            got = HE.evaluate(board.geo, s, int(pl), W[prof], mode, out)
                            diff = [k for j, k in enumerate(HE.COMPONENTS) if not _close(out[j], exp[k])]
                            assert not diff and _close(got, exp["total"]), (
                                f"{ev.name} ply {i} player {pl} {prof}/{mname}: "
                                + ", ".join(f"{k} expected {exp[k]!r} got {out[HE.COMPONENTS.index(k)]!r}"
                                            for k in diff))
                checked += 1
            listing_side_effect(board.geo, s)
            legal = legal_moves_list(board, s)
            if mj.get("type") == "recovery_slide" and "recoveryOption" not in mj and "option" not in mj:
                m = pick_recovery(board, s, tr, i, legal, mj)
            else:
                m = move_from_json(board, s, mj, f"ply {i}", legal)
            apply_move(board.geo, s, m)
    assert checked >= 600
