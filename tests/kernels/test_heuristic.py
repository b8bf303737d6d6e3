"""kernels/heuristic.py against RingRift's eval vectors, symmetry properties, profile round trips."""
import copy
import json
import math

import numpy as np
import pytest

from kernels import heuristic as HE
from kernels import moves as M
from kernels import state as S
from kernels.apply import apply_move
from kernels.recovery import listing_side_effect, recovery_eligible
from kernels.heuristic_weights import BASE_V1_BALANCED_WEIGHTS, HEURISTIC_WEIGHT_KEYS
from ringrift_mpi import profiles as PR
from ringrift_mpi.interop import legal_moves_list, state_from_json, state_to_json
from ringrift_mpi.interop.moves import move_key, move_to_json


def _close(a, b):
    return a == b or abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _files(fixtures):
    files = sorted((fixtures / "eval-vectors").glob("eval_*.json"))
    if not files:
        pytest.skip(f"no eval vectors under {fixtures / 'eval-vectors'}")
    return files


def _post_order(s, s2, mo):
    """RingRift's board.markers order after a move: removed markers drop out, new ones are
    appended (only matters for territory_closure with >= 11 markers of one player)."""
    om = s[S.O_MARK]
    keep = [c for c in mo if s2[om + c] != 0]
    new = [c for c in range(s[S.H_N]) if s2[om + c] != 0 and s[om + c] == 0]
    return np.array(keep + new, np.int64)


def test_weights_module():
    assert len(HEURISTIC_WEIGHT_KEYS) == 59 == len(BASE_V1_BALANCED_WEIGHTS)
    assert list(BASE_V1_BALANCED_WEIGHTS) == list(HEURISTIC_WEIGHT_KEYS)
    w = HE.weights_array({"WEIGHT_MOBILITY": 1.25})
    assert w.dtype == np.float64 and w[HEURISTIC_WEIGHT_KEYS.index("WEIGHT_MOBILITY")] == 1.25
    with pytest.raises(KeyError):
        HE.weights_array({"WEIGHT_NOPE": 1.0})


def test_worked_example(ringrift_fixtures):
    """docs example: hex8 2p seed0 ply 10, P1, default weights: full 66.5, light 33.5."""
    d = json.loads((ringrift_fixtures / "eval-vectors" / "eval_hex8_2p_seed0.json").read_text())
    pos = next(p for p in d["positions"] if p["ply"] == 10)
    board, s = state_from_json(pos["state"])
    w = HE.weights_array(None)
    full = HE.breakdown(board.geo, s, 1, w, HE.FULL)
    assert full["total"] == 66.5 and full["stack_control"] == 57 and full["territory_closure"] == 35
    assert HE.breakdown(board.geo, s, 1, w, HE.LIGHT)["total"] == 33.5
    assert math.copysign(1.0, full["opponent_victory_threat"]) == -1.0  # RingRift's -0.0


def test_eval_vectors(ringrift_fixtures):
    """Every component/total, every player, both profiles, both modes, every position."""
    out = np.zeros(HE.N_COMPONENTS)
    bad = []
    for path in _files(ringrift_fixtures):
        d = json.loads(path.read_text())
        W = {k: HE.weights_array(v) for k, v in d["weights"].items()}
        for i, pos in enumerate(d["positions"]):
            board, s = state_from_json(pos["state"])
            mo = HE.marker_order(board, pos["state"])
            for pl, profs in pos["breakdowns"].items():
                for prof, modes in profs.items():
                    for mname, exp in modes.items():
                        mode = HE.LIGHT if mname == "light" else HE.FULL
                        tot = HE.evaluate_ordered(board.geo, s, int(pl), W[prof], mode, out, mo, len(mo))
                        got = dict(zip(HE.COMPONENTS, out.tolist()), total=tot)
                        for k, v in exp.items():
                            if not _close(got[k], v):
                                bad.append(f"{path.name} pos{i} P{pl} {prof}/{mname} {k}: {got[k]} != {v}")
    assert not bad, f"{len(bad)} mismatches, first: {bad[:5]}"


def test_move_scores(ringrift_fixtures):
    """moveScores (default weights, position's evalMode, mover's view, terminal +/-1e5) for every
    fixture move that our move generator also offers in the history-stripped state. Markers in the
    state's own order; RingRift's shared LPS actor mask carried from move to move (docs/heuristic.md)."""
    bad, checked = [], 0
    for path in _files(ringrift_fixtures):
        d = json.loads(path.read_text())
        w = HE.weights_array(d["weights"]["default"])
        for i, pos in enumerate(d["positions"]):
            if not pos.get("moveScores"):
                continue
            board, s = state_from_json(pos["state"])
            lm = s[S.O_LPSM]
            me = int(pos["currentPlayer"])
            mode = HE.LIGHT if pos["evalMode"] == "light" else HE.FULL
            bykey = {}
            for m in legal_moves_list(board, s):
                bykey.setdefault(move_key(board, move_to_json(board, s, int(m))), []).append(int(m))
            for mj, want in pos["moveScores"]:
                cands = bykey.get(move_key(board, mj), [])
                if not cands:
                    continue  # not offered in the stripped state (movegen/history, not the evaluator)
                scores, masks = [], []
                for m in cands:
                    s2 = s.copy()
                    apply_move(board.geo, s2, m)
                    scores.append(HE.score(board.geo, s2, me, w, mode))
                    masks.append(s2[lm:lm + S.NP1].copy())
                checked += 1
                hit = [k for k, x in enumerate(scores) if _close(x, want)]
                if not hit:
                    bad.append(f"{path.name} pos{i} {mj['type']}: {scores} != {want}")
                s[lm:lm + S.NP1] = masks[hit[0] if hit else 0]
    assert checked > 3000
    assert not bad, f"{len(bad)} of {checked} move scores differ, first: {bad[:5]}"


def _stamp_order(board, s):
    """Cells holding markers, in the state's marker order (O_MORD stamps)."""
    cells = [c for c in range(board.n) if s[s[S.O_MARK] + c]]
    return sorted(cells, key=lambda c: s[s[S.O_MORD] + c])


def test_state_carries_json_marker_order(ringrift_fixtures):
    """state_from_json stamps markers in the JSON's key order (RingRift's dict order), so evaluate()
    on the loaded state is evaluate_ordered with the JSON order, bit for bit; state_to_json writes the
    markers back in that order. Cell order would differ in about half of the full-mode evaluations."""
    o1, o2 = np.zeros(HE.N_COMPONENTS), np.zeros(HE.N_COMPONENTS)
    n = cell_differs = 0
    for path in _files(ringrift_fixtures):
        d = json.loads(path.read_text())
        W = {k: HE.weights_array(v) for k, v in d["weights"].items()}
        for i, pos in enumerate(d["positions"]):
            board, s = state_from_json(pos["state"])
            mo = HE.marker_order(board, pos["state"])
            assert _stamp_order(board, s) == mo.tolist(), (path.name, i)
            assert list(state_to_json(board, s)["board"]["markers"]) == list(pos["state"]["board"]["markers"])
            cells = np.arange(board.n)
            for pl in pos["breakdowns"]:
                for w in W.values():
                    for mode in (HE.FULL, HE.LIGHT):
                        t1 = HE.evaluate(board.geo, s, int(pl), w, mode, o1)
                        t2 = HE.evaluate_ordered(board.geo, s, int(pl), w, mode, o2, mo, len(mo))
                        assert (t1, o1.tobytes()) == (t2, o2.tobytes()), (path.name, i, pl, mode)
                        n += 1
                        if mode == HE.FULL:
                            cell_differs += t1 != HE.evaluate_ordered(board.geo, s, int(pl), w, mode, o2,
                                                                      cells, board.n)
    assert n > 5000 and cell_differs > 500


_SCANNED = (M.REC_FALLBACK, M.REC_STRIKE)


def test_marker_stamps_after_moves(ringrift_fixtures):
    """After every legal move of every moveScores position the state's marker order is RingRift's
    dict order after its engine's writes: removed markers drop out, a flipped marker keeps its
    place, a new marker (departure, recovery target) goes last. Recovery scans that also reorder
    (fallback/stack-strike validation, the ANM check after skipping a placement) are checked by
    test_marker_order_through_ref_traces."""
    checked = skipped = 0
    for path in _files(ringrift_fixtures):
        d = json.loads(path.read_text())
        for pos in d["positions"]:
            if not pos.get("moveScores"):
                continue
            board, s = state_from_json(pos["state"])
            listing_side_effect(board.geo, s)  # may reorder, as RingRift's get_valid_moves does
            legal = legal_moves_list(board, s)
            before = _stamp_order(board, s)
            me = int(s[S.H_CUR])
            for m in legal:
                t = M.mtype(int(m))
                s2 = s.copy()
                apply_move(board.geo, s2, int(m))
                if ((t == M.RECOVERY_SLIDE and M.mextra(int(m)) in _SCANNED)
                        or (t in (M.SKIP_PLACEMENT, M.NO_PLACEMENT_ACTION) and recovery_eligible(s, me))):
                    skipped += 1
                    continue
                want = _post_order(s, s2, before).tolist()
                assert _stamp_order(board, s2) == want, (path.name, pos["ply"], move_to_json(board, s, int(m)))
                checked += 1
    assert checked > 3000, (checked, skipped)


def test_marker_order_through_ref_traces(ringrift_fixtures):
    """Replay the ref traces the eval vectors were cut from: at every eval position the state's
    marker order is the fixture's JSON order. This holds only because the kernels reorder markers
    as RingRift does: its move generator's recovery scan (listing_side_effect) and, for positions after the
    first, the recovery check of the evaluator, since the fixture generator evaluated each position's
    breakdowns on the game's live state (HE.evaluation_side_effect)."""
    from ringrift_mpi.conformance.runner import pick_recovery
    from ringrift_mpi.interop import move_from_json
    positions = moved = 0
    bad = []
    for path in _files(ringrift_fixtures):
        trace = ringrift_fixtures / "ref-traces" / path.name.replace("eval_", "ref_")
        if not trace.exists():
            continue
        d = json.loads(path.read_text())
        tr = json.loads(trace.read_text())
        at = {p["ply"]: p for p in d["positions"]}
        board, s = state_from_json(tr["initialState"])
        for i, mj in enumerate(tr["moves"]):
            if i > max(at):
                break
            listing_side_effect(board.geo, s)
            legal = legal_moves_list(board, s)
            if i in at:
                positions += 1
                want = list(at[i]["state"]["board"]["markers"])
                got = [board.key(c) for c in _stamp_order(board, s)]
                if got != want:
                    bad.append(f"{path.name} ply {i}: {got} != {want}")
                for pl, profs in at[i]["breakdowns"].items():
                    for modes in profs.values():
                        for mname in modes:
                            o = _stamp_order(board, s)
                            HE.evaluation_side_effect(board.geo, s, int(pl), HE.LIGHT if mname == "light" else HE.FULL)
                            moved += o != _stamp_order(board, s)
            if mj.get("type") == "recovery_slide" and "recoveryOption" not in mj and "option" not in mj:
                m = pick_recovery(board, s, tr, i, legal, mj)
            else:
                m = move_from_json(board, s, mj, f"ply {i}", legal)
            apply_move(board.geo, s, m)
    assert positions > 600 and moved > 0, (positions, moved)
    assert not bad, f"{len(bad)} of {positions} positions differ, first: {bad[:3]}"


def _relabel(state: dict, perm: dict) -> dict:
    """The same position with player numbers renamed by perm (a dict p -> q)."""
    st = copy.deepcopy(state)
    bd = st["board"]
    for stack in bd["stacks"].values():
        stack["rings"] = [perm[r] for r in stack["rings"]]
        stack["controllingPlayer"] = perm[stack["controllingPlayer"]]
    for mk in bd["markers"].values():
        mk["player"] = perm[mk["player"]]
    bd["collapsedSpaces"] = {k: perm.get(v, v) for k, v in bd["collapsedSpaces"].items()}
    bd["eliminatedRings"] = {str(perm[int(k)]): v for k, v in (bd.get("eliminatedRings") or {}).items()}
    for p in st["players"]:
        p["playerNumber"] = perm[p["playerNumber"]]
    st["players"].sort(key=lambda p: p["playerNumber"])
    st["currentPlayer"] = perm[st["currentPlayer"]]
    for k in ("lpsConsecutiveExclusivePlayer", "lpsCurrentRoundFirstPlayer",
              "lpsExclusivePlayerForCompletedRound", "winner"):
        if st.get(k):
            st[k] = perm[st[k]]
    if isinstance(st.get("lpsCurrentRoundActorMask"), dict):
        st["lpsCurrentRoundActorMask"] = {str(perm[int(k)]): v for k, v in st["lpsCurrentRoundActorMask"].items()}
    return st


# components that are exactly antisymmetric between the two seats of a 2p game (default weights)
ANTISYMMETRIC_2P = ("stack_control", "territory", "rings_in_hand", "center_control", "opponent_threats",
                    "mobility", "marker_count", "victory_proximity", "stack_mobility",
                    "multi_leader_threat", "line_potential", "line_connectivity", "territory_closure",
                    "territory_safety", "forced_elimination_risk", "lps_action_advantage",
                    "recovery_potential")


def _positions(fixtures, pattern):
    for path in sorted((fixtures / "eval-vectors").glob(pattern)):
        d = json.loads(path.read_text())
        for pos in d["positions"]:
            yield d, pos


def test_seat_swap_2p(ringrift_fixtures):
    """Seat swap in 2p. RingRift's evaluator is NOT antisymmetric: eliminated_rings is absolute,
    opponent_victory_threat is one-sided, vulnerability(P1)/W_VUL mirrors overtake(P2)/W_OVT and,
    with negative proximity weights, the 0-floored opponent max breaks victory_proximity. It IS
    invariant under renaming the players (no dependence on seat numbers or currentPlayer)."""
    w = HE.weights_array(None)
    n = 0
    for d, pos in _positions(ringrift_fixtures, "eval_*_2p_seed0.json"):
        board, s = state_from_json(pos["state"])
        _, t = state_from_json(_relabel(pos["state"], {1: 2, 2: 1}))
        mo = HE.marker_order(board, pos["state"])
        for mode in (HE.FULL, HE.LIGHT):
            b1 = HE.breakdown(board.geo, s, 1, w, mode, mo)
            b2 = HE.breakdown(board.geo, s, 2, w, mode, mo)
            r2 = HE.breakdown(board.geo, t, 2, w, mode, mo)
            assert b1 == r2  # renaming seats changes nothing
            for k in ANTISYMMETRIC_2P:
                assert _close(b1[k], -b2[k]), (k, b1[k], b2[k])
            if mode == HE.FULL:
                assert _close(b1["vulnerability"] / w[13], -b2["overtake_potential"] / w[14])
            n += 1
    assert n > 0


def test_relabel_invariance_multiplayer(ringrift_fixtures):
    w = HE.weights_array(None)
    for d, pos in _positions(ringrift_fixtures, "eval_square8_4p_seed0.json"):
        perm = {1: 3, 2: 1, 3: 4, 4: 2}
        board, s = state_from_json(pos["state"])
        _, t = state_from_json(_relabel(pos["state"], perm))
        mo = HE.marker_order(board, pos["state"])
        for p in range(1, 5):
            assert HE.breakdown(board.geo, s, p, w, HE.FULL, mo) == HE.breakdown(board.geo, t, perm[p], w, HE.FULL, mo)


def test_terminal_score():
    from ringrift_mpi.interop import initial_state
    board, s = initial_state("square8", 2)
    w = HE.weights_array(None)
    assert HE.score(board.geo, s, 1, w, HE.FULL) == HE.breakdown(board.geo, s, 1, w)["total"]
    s[S.H_STATUS], s[S.H_WINNER] = S.COMPLETED, 2
    assert HE.score(board.geo, s, 2, w, HE.FULL) == 100000.0
    assert HE.score(board.geo, s, 1, w, HE.FULL) == -100000.0
    s[S.H_WINNER] = 0
    assert HE.score(board.geo, s, 1, w, HE.FULL) == 0.0


# --- profiles ------------------------------------------------------------------------

def test_profile_round_trip_single(tmp_path):
    w = {k: float(i) * 0.5 - 3 for i, k in enumerate(HEURISTIC_WEIGHT_KEYS)}
    PR.save_profile(tmp_path / "p.json", PR.Profile(w, fitness=0.75, generation=7), timestamp="t0")
    p = PR.load_profile(tmp_path / "p.json")
    assert p.weights == w and list(p.weights) == list(HEURISTIC_WEIGHT_KEYS)
    assert (p.fitness, p.generation, p.filled, p.meta) == (0.75, 7, [], {"timestamp": "t0"})
    assert np.array_equal(p.array(), np.array(list(w.values())))
    assert [f.name for f in tmp_path.iterdir()] == ["p.json"]  # no temp file left behind


def test_profile_partial_and_unknown(tmp_path):
    (tmp_path / "part.json").write_text(json.dumps({"weights": {"WEIGHT_MOBILITY": 9.0}, "fitness": 0.5}))
    p = PR.load(tmp_path / "part.json")
    assert p.weights["WEIGHT_MOBILITY"] == 9.0 and len(p.filled) == 58 and "WEIGHT_MOBILITY" not in p.filled
    assert p.weights["WEIGHT_TERRITORY"] == BASE_V1_BALANCED_WEIGHTS["WEIGHT_TERRITORY"]
    (tmp_path / "bad.json").write_text(json.dumps({"profiles": {"x": {"WEIGHT_BOGUS": 1}}}))
    with pytest.raises(PR.ProfileError, match=r"bad\.json.*WEIGHT_BOGUS"):
        PR.load(tmp_path / "bad.json")
    (tmp_path / "bad2.json").write_text(json.dumps({"weights": {"WEIGHT_MOBILITY": "x"}}))
    with pytest.raises(PR.ProfileError, match="bad2.json"):
        PR.load_profile(tmp_path / "bad2.json")


def test_profile_round_trip_multi(tmp_path):
    ps = PR.ProfileSet({
        "heuristic_v1_2p": PR.Profile(dict(BASE_V1_BALANCED_WEIGHTS), fitness=0.7,
                                      meta={"source": "Iterative CMA-ES", "iteration": 2, "board": "square8"}),
        "heuristic_v1_3p": PR.Profile({**BASE_V1_BALANCED_WEIGHTS, "WEIGHT_TERRITORY": -1.5}),
    }, extra={"version": "1.2.0", "description": "test"})
    PR.save_profiles(tmp_path / "m.json", ps)
    raw = json.loads((tmp_path / "m.json").read_text())
    assert raw["training_metadata"]["heuristic_v1_2p"]["fitness"] == 0.7 and raw["version"] == "1.2.0"
    back = PR.load(tmp_path / "m.json")
    assert isinstance(back, PR.ProfileSet) and back.extra == ps.extra
    for k, p in ps.profiles.items():
        q = back.profiles[k]
        assert (q.weights, q.fitness, q.meta, q.filled) == (p.weights, p.fitness, p.meta, [])


def test_ringrift_profile_files():
    """RingRift's own files, when a RingRift checkout is around (45-key and 18-key profiles)."""
    import os
    from pathlib import Path
    where = os.environ.get("RINGRIFT_CHECKOUT", "/tmp/rr")
    root = Path(where) / "ai-service"
    if not root.is_dir():
        pytest.skip(f"no RingRift checkout at {where} (set RINGRIFT_CHECKOUT to one)")
    multi = PR.load(root / "data" / "trained_heuristic_profiles.json")
    assert set(multi.profiles) == {"heuristic_v1_2p", "heuristic_v1_3p", "heuristic_v1_4p"}
    assert all(len(p.filled) == 14 for p in multi.profiles.values())
    single = PR.load(root / "heuristic_weights_optimized.json")
    assert len(single.filled) == 41 and single.fitness == 0.5 and single.generation == 2
