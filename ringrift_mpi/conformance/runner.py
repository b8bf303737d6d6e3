"""Run RingRift fixture files of every known format against our engine.

Each ``check_*`` function takes a parsed file and yields ``Case`` results; a
failing case lists every assertion that differs, joined with "; " (a replay
stops at the first ply it cannot play, since nothing after it is comparable).
Formats are recognised by shape, not by file name, so new files of the same
kinds work. States are read through ``interop.StateView``.
"""
from __future__ import annotations

import collections
import dataclasses
import json
from typing import Iterator

import numpy as np

from kernels import moves as M
from kernels.apply import apply_move

from ..interop import (NO_OP, Board, InteropError, StateView, initial_state, legal_moves_json, legal_moves_list,
                       move_from_json, move_key, recovery_alternatives, state_from_json, state_to_json, summary)
from .outcome import final_score, outcome_label


@dataclasses.dataclass
class Case:
    case_id: str
    ok: bool
    detail: str = ""
    record_id: str | None = None  # the id known-stale lists name (vector id or game record id)
    marked_skip: str | None = None  # the vector's own ``skip`` reason: run, but reported apart


def _case(cid: str, failures: list[str], rid: str | None = None) -> Case:
    return Case(cid, not failures, "; ".join(failures), rid)


BOOKKEEPING = (M.NO_LINE_ACTION, M.NO_TERRITORY_ACTION)
DECISION_PHASES = ("chain_capture", "line_processing", "territory_processing", "forced_elimination")


def _only_bookkeeping(board: Board, s: np.ndarray) -> int | None:
    legal = legal_moves_list(board, s)
    if len(legal) == 1 and M.mtype(int(legal[0])) in BOOKKEEPING:
        return int(legal[0])
    return None


def settle(board: Board, s: np.ndarray, limit: int = 10) -> None:
    """Play the no_line_action / no_territory_action moves a host records automatically."""
    v = StateView(board, s)
    for _ in range(limit):
        if not v.active or v.phase not in ("line_processing", "territory_processing"):
            return
        m = _only_bookkeeping(board, s)
        if m is None:
            return
        apply_move(board.geo, s, m)


def turn_status(board: Board, s: np.ndarray) -> str:
    """TS orchestrator's result status: a decision (even a bookkeeping one) is pending, or the move is complete."""
    v = StateView(board, s)
    if v.active and v.phase in DECISION_PHASES:
        return "awaiting_decision"  # a bookkeeping no_*_action is a pending decision there too
    return "complete"


# --- contract vectors ------------------------------------------------------------------

def _same_cell(board: Board, a, b) -> bool:
    return bool(a) and bool(b) and board.ptuple(a) == board.ptuple(b)


class _TurnDriver:
    """Answers the decisions of one turn the way RingRift's TS multi-phase runner does.

    That runner (tests/scenarios/MultiPhaseTurn.contractVectors.test.ts, driveInitialMoveVector)
    plays a vector's ``initialMove`` through ``processTurn`` and then every pending decision until
    the turn is complete: a chain segment landing on the vector's hint (``expectedChainSequence``
    as RingRift's Python runner reads it, then ``phaseTransitions`` as its TS runner does), else
    its first option (``_ts_segment_rank``); the line to process first by its JSON;
    a line reward collapsing the fewest markers; a territory region containing the vector's
    ``territoryExpectation`` cell, else the option with the fewest spaces, which is
    ``skip_territory_processing`` (no spaces) where it is offered; any other decision (an
    elimination target) its first option, and RingRift lists stacks in ``board.stacks`` order,
    which is stack creation order.
    """

    def __init__(self, board: Board, s: np.ndarray, inp: dict):
        self.board, self.s, self.view = board, s, StateView(board, s)
        self.chain = [seg for seg in inp.get("expectedChainSequence") or [] if isinstance(seg, dict)]
        self.hints = [h for h in inp.get("phaseTransitions") or [] if isinstance(h, dict)]
        region = ((inp.get("territoryExpectation") or {}).get("potentiallyDisconnectedRegion") or [None])[0]
        if region:
            self.hints.append({"phaseAfter": "territory_processing", "availableChainTarget": region})
        self.segment = 1  # the initial move was segment 1
        self.phases = [self.view.phase]

    def _hint(self) -> dict | None:
        return next((h.get("availableChainTarget") for h in self.hints if h.get("phaseAfter") == self.view.phase), None)

    def choose(self, legal: np.ndarray) -> int:
        board, v = self.board, self.view
        opts = list(zip((int(m) for m in legal), legal_moves_json(board, self.s, legal)))
        types = collections.defaultdict(list)
        for m, mj in opts:
            types[M.mtype(m)].append((m, mj))
        first_stack = lambda ms: min(ms, key=lambda o: v.stack_order(M.mto(o[0])))[0]  # noqa: E731
        if v.phase == "chain_capture":
            self.segment += 1
            want = next((seg for seg in self.chain if seg.get("segment") == self.segment), None)
            hint = self._hint()
            for m, mj in opts:
                if want is not None and _same_cell(board, mj.get("captureTarget"), want.get("captureTarget")) \
                        and _same_cell(board, mj.get("to"), want.get("landing")):
                    return m
            return next((m for m, mj in opts if hint and _same_cell(board, mj.get("to"), hint)),
                        min(opts, key=lambda o: _ts_segment_rank(board, o[1]))[0])
        if types[M.PROCESS_LINE]:
            return min(types[M.PROCESS_LINE], key=lambda o: _json_key(o[1]["formedLines"]))[0]
        if types[M.CHOOSE_LINE_OPTION]:
            return min(types[M.CHOOSE_LINE_OPTION], key=lambda o: len(o[1].get("collapsedMarkers") or []))[0]
        if types[M.CHOOSE_TERRITORY_OPTION]:
            hint = self._hint()
            regions = [(m, mj["disconnectedRegions"][0]["spaces"]) for m, mj in types[M.CHOOSE_TERRITORY_OPTION]]
            for m, spaces in regions:
                if hint and any(_same_cell(board, q, hint) for q in spaces):
                    return m
            if types[M.SKIP_TERRITORY_PROCESSING]:
                return types[M.SKIP_TERRITORY_PROCESSING][0][0]
            return min(regions, key=lambda r: len(r[1]))[0]
        for t in (M.ELIMINATE_RINGS_FROM_STACK, M.FORCED_ELIMINATION):
            if types[t]:
                return first_stack(types[t])
        return opts[0][0]

    def finish(self, limit: int = 64) -> None:
        for _ in range(limit):
            if turn_status(self.board, self.s) != "awaiting_decision":
                return
            legal = legal_moves_list(self.board, self.s)
            if len(legal) == 0:
                return
            apply_move(self.board.geo, self.s, self.choose(legal))
            self.phases.append(self.view.phase)


# RingRift's TS engine tries capture directions in this order (SQUARE_MOORE_DIRECTIONS, HEX_DIRECTIONS
# in src/shared/engine/core.ts), nearer landings first: the order of its chain-capture options.
_TS_SQUARE_DIRS = ((1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1))
_TS_HEX_DIRS = ((1, 0), (0, 1), (-1, 1), (-1, 0), (0, -1), (1, -1))


def _ts_segment_rank(board: Board, mj: dict) -> tuple[int, int]:
    (x0, y0), (x1, y1) = board.ptuple(mj["from"]), board.ptuple(mj["to"])
    dx, dy = x1 - x0, y1 - y0
    dist = max(abs(dx), abs(dy), abs(dx + dy)) if board.hex else max(abs(dx), abs(dy))
    unit = (dx // dist, dy // dist)
    dirs = _TS_HEX_DIRS if board.hex else _TS_SQUARE_DIRS
    return (dirs.index(unit) if unit in dirs else len(dirs)), dist


def _json_key(obj) -> str:
    """JSON.stringify's text (no spaces), which RingRift's runner compares as a string."""
    return json.dumps(obj, separators=(",", ":"))


def _resolve_chain(board: Board, s: np.ndarray, sequence: list) -> None:
    """Continue a capture chain along the vector's expected segments (else as _TurnDriver picks)."""
    driver = _TurnDriver(board, s, {"expectedChainSequence": sequence})
    while turn_status(board, s) == "awaiting_decision" and driver.view.phase == "chain_capture":
        apply_move(board.geo, s, driver.choose(legal_moves_list(board, s)))


def _vector_state(board: Board, s: np.ndarray, before: int, markers_before: int, fin: dict) -> dict:
    """Every value a vector's assertions may name, read from the state after its move."""
    v = StateView(board, s)
    got = v.counts()
    got.update({
        "currentPlayer": v.current_player, "currentPhase": v.phase, "gameStatus": v.game_status,
        "sInvariantDelta": v.s_invariant - before,
        "victoryWinner": v.winner,
        "markersCreated": got["markerCount"] - markers_before,
    })
    for p in range(1, v.players + 1):
        got[f"player{p}RingsInHand"] = v.hand(p)
        got[f"player{p}EliminatedRings"] = v.eliminated(p)
        got[f"player{p}TerritorySpaces"] = v.territory(p)
    if fin.get("finalStackPosition"):
        c = board.cell(fin["finalStackPosition"], "finalStackPosition")
        got["finalStackHeight"] = v.height(c)
        got["finalStackController"] = v.controller(c) or None
    return got


def check_vector(v: dict) -> Case:
    vid = str(v.get("id", "?"))
    try:
        inp = v["input"]
        board, s = state_from_json(inp["state"], ring_order="top_first")
        view = StateView(board, s)
        mj = inp.get("move") or inp.get("initialMove")
        if mj is None:
            raise InteropError("vector has neither input.move nor input.initialMove")
        before = view.s_invariant
        markers_before = view.counts()["markerCount"]
        m = move_from_json(board, s, mj, "input move", strict=False)
        if m != NO_OP:
            apply_move(board.geo, s, m)
        exp = v.get("expectedOutput") or {}
        a = exp.get("assertions") or {}
        failures = []
        finish = exp.get("status") != "awaiting_decision" and a.get("currentPhase") not in (*DECISION_PHASES, "capture")
        if "initialMove" in inp and finish:
            # A multi-phase sequence: RingRift runs these through its orchestrator, deciding every
            # pending choice, and asserts the completed turn (see _TurnDriver).
            driver = _TurnDriver(board, s, inp)
            driver.finish()
            if turn_status(board, s) != "complete":
                failures.append(f"status: expected complete, got {turn_status(board, s)} "
                                f"(phase {view.phase})")
            seen = set(driver.phases)
            missing = [ph for ph in inp.get("expectedPhaseSequence") or [] if ph not in seen]
            if missing:
                failures.append(f"phases: expected to pass through {missing}, passed through {driver.phases}")
        else:
            if view.phase == "chain_capture" and a.get("currentPhase") != "chain_capture" \
                    and exp.get("status") != "awaiting_decision":
                _resolve_chain(board, s, inp.get("expectedChainSequence") or [])
            if finish:
                settle(board, s)
        got = _vector_state(board, s, before, markers_before, exp.get("finalState") or {})
        # expectedOutput.status is not an assertion. RingRift's Python runner
        # (ai-service/tests/contracts/test_contract_vectors.py) reads it only to decide whether
        # to finish the turn: "awaiting_decision" stops at the decision, anything else completes
        # the turn unless the asserted phase is an intermediate one (as above). Its TS runner
        # completes bookkeeping phases before comparing, and the bundles pair "complete" with
        # intermediate phases. So only "awaiting_decision" is checked: a decision must be pending.
        if exp.get("status") == "awaiting_decision" and turn_status(board, s) != "awaiting_decision":
            failures.append(f"status: expected awaiting_decision, got {turn_status(board, s)}")
        failures += [f"{key}: expected {want!r}, got {got[key]!r}"
                     for key, want in a.items() if key in got and got[key] != want]
        return _case(vid, failures, vid)
    except InteropError as e:
        return Case(vid, False, f"bad input: {e}", vid)
    except (KeyError, TypeError) as e:
        return Case(vid, False, f"bad input: missing or malformed field {e}", vid)


def check_bundle(d: dict) -> Iterator[Case]:
    vectors = d.get("vectors")
    if not isinstance(vectors, list):
        raise InteropError("'vectors' must be a list")
    for v in vectors:
        case = check_vector(v)
        # A vector may carry its own "skip" reason ("excluded from generic multi-step sequence
        # runner"): RingRift's TS and Python runners both skip such vectors. We still run it and
        # show the result, but it counts neither way.
        if isinstance(v, dict) and v.get("skip"):
            case.marked_skip = str(v["skip"])
        yield case


# --- rules-parity -----------------------------------------------------------------------------

def fingerprint(board: Board, s: np.ndarray) -> str:
    """RingRift's readable state fingerprint, without its meta section."""
    v = StateView(board, s)
    players = sorted(f"{p}:{v.hand(p)}:{v.eliminated(p)}:{v.territory(p)}" for p in range(1, v.players + 1))
    stacks = sorted(f"{board.key(c)}:{v.controller(c)}:{v.height(c)}:{v.cap(c)}" for c in v.stack_cells())
    markers = sorted(f"{board.key(c)}:{v.marker(c)}" for c in v.marker_cells())
    coll = sorted(f"{board.key(c)}:{v.collapsed(c)}" for c in v.collapsed_cells())
    return "#".join(["|".join(players), "|".join(stacks), "|".join(markers), "|".join(coll)])


def _normalise_hash(h: str, hexboard: bool) -> str:
    body = h.split("#", 1)[1] if "#" in h else h
    body = body.split(":must_move=")[0]
    if not hexboard:
        return body
    # hex fixtures may key cells as "x,y"; compare in full cube keys
    def fix(item: str) -> str:
        head, *rest = item.split(":")
        parts = head.split(",")
        if len(parts) == 2:
            x, y = int(parts[0]), int(parts[1])
            head = f"{x},{y},{-x - y}"
        return ":".join([head, *rest])
    sections = body.split("#")
    out = [sections[0]] + ["|".join(sorted(fix(i) for i in sec.split("|") if i)) for sec in sections[1:]]
    return "#".join(out)


def _parity_step(board: Board, s: np.ndarray, mj: dict, expected: dict, label: str) -> list[str]:
    """The differences after one step (empty when it matches); the step's expected fields all checked."""
    valid = bool(expected.get("tsValid", True))
    try:
        m = move_from_json(board, s, mj, label, strict=False)
    except InteropError as e:
        if not valid:
            return []
        return [f"{label}: expected a legal move, engine says: {e}"]
    if not valid:
        return [f"{label}: expected the move to be rejected "
                f"({(expected.get('tsValidation') or {}).get('reason', '')}), engine accepts it"]
    if m != NO_OP:
        apply_move(board.geo, s, m)
    settle(board, s)
    v = StateView(board, s)
    failures = []
    nxt = expected.get("tsNext") or {}
    want_hash = nxt.get("stateHash") or expected.get("tsStateHash")
    if want_hash is not None:
        got = fingerprint(board, s)
        want = _normalise_hash(want_hash, board.hex)
        if _normalise_hash("#" + got, board.hex) != want:
            failures.append(f"{label}: state differs: expected {want}, got {got}")
    want_s = nxt.get("S", expected.get("tsS"))
    if want_s is not None and v.s_invariant != want_s:
        failures.append(f"{label}: S invariant: expected {want_s}, got {v.s_invariant}")
    if "currentPlayer" in nxt and v.current_player != nxt["currentPlayer"]:
        failures.append(f"{label}: currentPlayer: expected {nxt['currentPlayer']}, got {v.current_player}")
    if "currentPhase" in nxt and v.phase != nxt["currentPhase"]:
        failures.append(f"{label}: currentPhase: expected {nxt['currentPhase']}, got {v.phase}")
    return failures


def check_parity(d: dict, name: str) -> Iterator[Case]:
    cid = str(d.get("id") or name)
    try:
        if "steps" in d:
            board, s = state_from_json(d["initialState"], ring_order="top_first")
            for i, step in enumerate(d["steps"]):
                if step.get("skip"):
                    continue
                failures = _parity_step(board, s, step["move"], step.get("expected") or {},
                                        f"step {i} ({step.get('label', '')})")
                if failures:  # later steps start from a state RingRift never had
                    yield _case(cid, failures)
                    return
            yield Case(cid, True)
        elif "move" in d:
            board, s = state_from_json(d["state"], ring_order="top_first")
            yield _case(cid, _parity_step(board, s, d["move"], d.get("expected") or {}, "action"))
        else:
            board, s = state_from_json(d["state"], ring_order="top_first")
            again = state_from_json(json.loads(json.dumps(state_to_json(board, s))))[1]
            same = fingerprint(board, s) == fingerprint(board, again)
            yield Case(cid, same, "" if same else "state does not survive a serialise/parse round trip")
    except InteropError as e:
        yield Case(cid, False, f"bad input: {e}")
    except (KeyError, TypeError) as e:
        yield Case(cid, False, f"bad input: missing or malformed field {e}")


# --- game records and reference traces ------------------------------------------------------------

def _move_multiset(board: Board, s: np.ndarray, legal: np.ndarray) -> collections.Counter:
    return collections.Counter(move_key(board, mj) for mj in legal_moves_json(board, s, legal))


def _fmt_keys(keys) -> str:
    out = []
    for k in list(keys)[:4]:
        out.append(" ".join(str(x) for x in k if x is not None and x != frozenset()))
    more = len(keys) - 4
    return "; ".join(out) + (f"; +{more} more" if more > 0 else "")


def pick_recovery(board: Board, s: np.ndarray, d: dict, i: int, legal: np.ndarray, mj: dict) -> int:
    """A trace records a recovery slide without its option: take the one the next ply agrees with."""
    alts = recovery_alternatives(board, s, mj, legal)
    counts = d.get("legalMoveCounts") or []
    if len(alts) > 1 and i + 1 < len(counts):
        for m in alts:
            t = s.copy()
            apply_move(board.geo, t, m)
            if len(legal_moves_list(board, t)) == counts[i + 1]:
                return m
    return alts[0]


def _final_failures(board: Board, s: np.ndarray, d: dict) -> list[str]:
    """Every end-of-game assertion of a record that differs."""
    failures = []
    fs = summary(board, s)
    for k, want in (d.get("finalSummary") or {}).items():
        if fs.get(k) != want:
            failures.append(f"final {k}: expected {want!r}, got {fs.get(k)!r}")
    if "winner" in d and (d["winner"] or None) != fs["winner"]:
        failures.append(f"winner: expected {d['winner']}, got {fs['winner']}")
    if d.get("outcome") is not None:
        got = outcome_label(s)
        if got != d["outcome"]:
            failures.append(f"outcome: expected {d['outcome']}, got {got}")
    if isinstance(d.get("finalScore"), dict):
        got = final_score(s)
        for part, want in d["finalScore"].items():
            g = {k: v for k, v in got.get(part, {}).items() if v}
            w = {k: v for k, v in (want or {}).items() if v}
            if g != w:
                failures.append(f"finalScore.{part}: expected {want}, got {got.get(part)}")
    return failures


def check_game(d: dict, name: str) -> Case:
    rid = str(d.get("id") or name)
    cid = rid
    try:
        moves = d.get("moves")
        if not isinstance(moves, list):
            raise InteropError("'moves' must be a list")
        if "initialState" in d:
            board, s = state_from_json(d["initialState"])
        else:
            board, s = initial_state(str(d.get("boardType")), int(d.get("numPlayers") or 2))
        v = StateView(board, s)
        counts = d.get("legalMoveCounts")
        samples = d.get("legalMoveSamples") or {}
        for i, mj in enumerate(moves):
            where = f"ply {i} phase {v.phase} player {v.current_player}"
            if not v.active:
                return Case(cid, False, f"{where}: game already over, record continues with {mj.get('type')}", rid)
            legal = legal_moves_list(board, s)
            if counts is not None and i < len(counts) and len(legal) != counts[i]:
                extra = ""
                if str(i) in samples:
                    want = collections.Counter(move_key(board, x, f"ply {i} sample") for x in samples[str(i)])
                    got = _move_multiset(board, s, legal)
                    extra = f"; missing: {_fmt_keys(want - got)}; extra: {_fmt_keys(got - want)}"
                return Case(cid, False, f"{where}: legal moves: expected {counts[i]}, got {len(legal)}{extra}", rid)
            if str(i) in samples:
                want = collections.Counter(move_key(board, x, f"ply {i} sample") for x in samples[str(i)])
                got = _move_multiset(board, s, legal)
                if want != got:
                    return Case(cid, False, f"{where}: legal move set differs; missing: {_fmt_keys(want - got)}; "
                                            f"extra: {_fmt_keys(got - want)}", rid)
            if mj.get("type") == "recovery_slide" and "recoveryOption" not in mj and "option" not in mj:
                m = pick_recovery(board, s, d, i, legal, mj)
            else:
                m = move_from_json(board, s, mj, f"ply {i}", legal)
            apply_move(board.geo, s, m)
        return _case(cid, _final_failures(board, s, d), rid)
    except InteropError as e:
        return Case(cid, False, f"bad input: {e}", rid)
    except (KeyError, TypeError, ValueError) as e:
        return Case(cid, False, f"bad input: missing or malformed field {e}", rid)


def detect(d) -> str:
    if isinstance(d, dict):
        if d.get("kind") == "ringrift-encoding-vectors":
            return "encoding"
        if "vectors" in d:
            return "bundle"
        if "moves" in d and ("boardType" in d or "initialState" in d):
            return "game"
        if "positions" in d and "weights" in d:
            return "eval"
        if "steps" in d or ("state" in d and ("move" in d or "boardType" in d)):
            return "parity"
    return "unknown"
