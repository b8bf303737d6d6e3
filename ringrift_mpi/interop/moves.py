"""RingRift Move JSON <-> kernel move codes.

A move read from JSON is matched against the legal moves of the state it is
played in, by its identity: type, player, cells, capture target, ring count,
and the line, segment or region a decision refers to. ``to`` is ignored where
RingRift fills it with a placeholder (bookkeeping moves, skips); a territory
decision's ``to`` is the first cell of its region in RingRift's order
(``regions.py``) and counts.

``move_to_json`` writes a move as RingRift's Python engine lists it, field for field
(less the per-move ``id``, ``timestamp``, ``thinkTime`` and ``phase`` it stamps on every
move): the sentinel cells and the context fields (``eliminationContext``,
``collapsePositions``, ``extractionStacks``) its ``apply_move`` reads are part of the move.
"""
from __future__ import annotations

import numpy as np

from kernels import moves as M
from kernels import state as S
from kernels.detect import MAX_LINES, MAX_REGIONS, find_lines, find_regions, line_cell, line_through
from kernels.movegen import has_valid_actions, legal_moves
from kernels.recovery import first_extraction_stack

from .errors import InteropError
from .gamestate import Board
from .regions import ringrift_region_order

LEGACY_TYPES = {"choose_line_reward": "choose_line_option", "process_territory_region": "choose_territory_option"}
TO_MATTERS = {"place_ring", "move_stack", "overtaking_capture", "continue_capture_segment", "recovery_slide",
              "eliminate_rings_from_stack", "forced_elimination", "choose_territory_option"}
REC_OPTION = {M.REC_LINE_ALL: 1, M.REC_LINE_MIN: 2}
REC_MODE = {M.REC_LINE_ALL: "line", M.REC_LINE_MIN: "line", M.REC_FALLBACK: "fallback", M.REC_STRIKE: "stack_strike"}
# move_from_json(strict=False) only: a decision RingRift's engines apply without changing anything; play nothing
NO_OP = -1


def legal_moves_list(board: Board, s: np.ndarray) -> np.ndarray:
    buf = np.empty(M.MAX_MOVES, np.int64)
    k = legal_moves(board.geo, s, buf)
    return buf[:k].copy()


class _Decisions:
    """Lines and regions of one state, computed once for serialising its moves."""

    def __init__(self, board: Board, s: np.ndarray):
        self.board, self.s = board, s
        self._lines = self._regions = None

    def line(self, i: int) -> tuple[int, list[int], int]:
        if self._lines is None:
            self._lines = np.empty((MAX_LINES, 4), np.int32)
            find_lines(self.board.geo, self.s, self.s[S.H_LINE_LEN], self._lines)
        ln = self._lines
        return int(ln[i, 0]), [int(line_cell(self.board.geo, ln, i, j)) for j in range(ln[i, 3])], int(ln[i, 2])

    def region(self, r: int) -> list[int]:
        """Region r's cells in RingRift's order (see regions.py)."""
        if self._regions is None:
            n = self.board.n
            rc, rs, rl = np.empty(n * 5 + 1, np.int32), np.empty(MAX_REGIONS, np.int32), np.empty(MAX_REGIONS, np.int32)
            find_regions(self.board.geo, self.s, rc, rs, rl)
            self._regions = (rc, rs, rl)
        rc, rs, rl = self._regions
        return ringrift_region_order(self.board.id, self.board.size, rc[rs[r]:rs[r] + rl[r]])


def move_to_json(board: Board, s: np.ndarray, m: int, move_number: int | None = None,
                 _dec: _Decisions | None = None) -> dict:
    """Serialize a legal move of state s as RingRift's Python engine lists it (see module doc)."""
    m = int(m)
    t, a, b, c, x = M.mtype(m), M.mfrom(m), M.mto(m), M.mtarget(m), M.mextra(m)
    p = int(s[S.H_CUR])
    d = {"moveNumber": int(s[S.H_PLY]) + 1 if move_number is None else move_number,
         "player": p, "type": M.MOVE_TYPE_NAMES[t]}
    dec = _dec or _Decisions(board, s)
    if a >= 0:
        d["from"] = board.pos(a)
    if t == M.SKIP_RECOVERY:
        pass
    elif t == M.SKIP_PLACEMENT:
        # RingRift names the first stack (in its dict order) of the player as a sentinel, and
        # none when the skip is the gateway to recovery (no stack of its own)
        own = [q for q in range(board.n) if s[s[S.O_H] + q] and s[s[S.O_CTRL] + q] == p]
        if own:
            d["to"] = board.pos(min(own, key=lambda q: s[s[S.O_ORD] + q]))
    elif t == M.CHOOSE_TERRITORY_OPTION:
        cells = dec.region(x) if x != M.EXPLICIT_REGION else ringrift_region_order(
            board.id, board.size, np.flatnonzero(s[s[S.O_REG]:s[S.O_REG] + board.n]))
        d["to"] = board.pos(cells[0])
    elif b >= 0:
        d["to"] = board.pos(b)
    else:
        d["to"] = {"x": 0, "y": 0}
    if c >= 0:
        d["captureTarget"] = board.pos(c)
    if t == M.PLACE_RING:
        d["placementCount"] = int(x)
        d["placedOnStack"] = bool(s[s[S.O_H] + b] > 0)
    elif t == M.RECOVERY_SLIDE:
        _recovery_fields(board, s, a, b, x, p, d)
    elif t in (M.PROCESS_LINE, M.CHOOSE_LINE_OPTION):
        owner, cells, direction = dec.line(x % 64)
        dx, dy, dz = (board.coords[cells[1]][i] - board.coords[cells[0]][i] for i in range(3))
        dvec = {"x": dx, "y": dy, "z": dz} if board.hex else {"x": dx, "y": dy}
        d["formedLines"] = [{"positions": [board.pos(q) for q in cells], "player": owner,
                             "length": len(cells), "direction": dvec}]
        if t == M.CHOOSE_LINE_OPTION:
            opt = x // 64
            chosen = cells if opt == 1 else cells[opt - 2:opt - 2 + int(s[S.H_LINE_LEN])]
            d["collapsedMarkers"] = [board.pos(q) for q in chosen]
    elif t == M.CHOOSE_TERRITORY_OPTION:
        d["disconnectedRegions"] = [{"spaces": [board.pos(q) for q in cells], "controllingPlayer": p,
                                     "isDisconnected": True}]
    elif t == M.ELIMINATE_RINGS_FROM_STACK:
        # RingRift's apply_move reads the context: one ring (line), the cap (territory) or one
        # buried ring (territory after a recovery slide in the same turn, RR-CANON-R114)
        if s[S.H_PHASE] == S.LINE_PROCESSING:
            d["eliminatedRings"] = [{"player": p, "count": 1}]
            d["eliminationContext"] = "line"
        else:
            d["eliminationContext"] = "recovery" if _turn_had_recovery(s, p) else "territory"
    elif t == M.FORCED_ELIMINATION and not has_valid_actions(board.geo, s, p):
        # the forced-elimination phase's own list; the one RingRift's host synthesises for a
        # player who could act after all (kernels.movegen.forced_elimination_moves) has neither
        d["placementCount"] = 0
        d["placedOnStack"] = False
    d["thinkTimeMs"] = 0
    return d


def _turn_had_recovery(s: np.ndarray, p: int) -> bool:
    return bool(s[S.H_RUN_RECOVERY]) and int(s[S.H_LAST_MOVER]) == p


def _recovery_fields(board: Board, s: np.ndarray, a: int, b: int, x: int, p: int, d: dict) -> None:
    d["recoveryMode"] = REC_MODE[x]
    if x in REC_OPTION:
        d["recoveryOption"] = REC_OPTION[x]
    if x == M.REC_LINE_MIN:
        # the cells option 2 collapses: the first lineLength cells of the line the slide
        # forms, negative end first (as kernels.apply collapses them)
        t = s.copy()
        t[t[S.O_MARK] + a] = 0
        t[t[S.O_MARK] + b] = p
        cells = np.empty(board.n, np.int32)
        line_through(board.geo, t, b, p, int(s[S.H_LINE_LEN]), cells)
        d["collapsePositions"] = [board.pos(int(q)) for q in cells[:int(s[S.H_LINE_LEN])]]
    elif x in (M.REC_FALLBACK, M.REC_STRIKE):
        ext = int(first_extraction_stack(board.geo, s, p))
        if ext >= 0:
            d["extractionStacks"] = [board.key(ext)]


def _pt(board: Board, pos, what: str):
    if pos is None:
        return None
    c = board.cell(pos, what)
    return board.coords[c][:2]


def move_key(board: Board, mj: dict, what: str = "move") -> tuple:
    """The identity of a Move JSON (see module doc). Raises InteropError on bad input."""
    if not isinstance(mj, dict):
        raise InteropError(f"{what}: expected a JSON object")
    t = LEGACY_TYPES.get(mj.get("type"), mj.get("type"))
    if t not in M.MOVE_TYPE_IDS:
        raise InteropError(f"{what}: unknown move type {mj.get('type')!r}")
    key = [t, mj.get("player")]
    if t in TO_MATTERS:
        key.append(_pt(board, mj.get("to"), f"{what} 'to'"))
    key.append(_pt(board, mj.get("from"), f"{what} 'from'"))
    key.append(_pt(board, mj.get("captureTarget"), f"{what} 'captureTarget'"))
    if t == "place_ring":
        key.append(int(mj.get("placementCount") or 1))
    if t in ("process_line", "choose_line_option"):
        lines = mj.get("formedLines") or []
        key.append(frozenset(_pt(board, q, f"{what} line") for q in (lines[0].get("positions", []) if lines else [])))
    if t == "choose_line_option":
        key.append(frozenset(_pt(board, q, f"{what} collapsedMarkers") for q in (mj.get("collapsedMarkers") or [])))
    if t == "choose_territory_option":
        regions = mj.get("disconnectedRegions") or []
        key.append(frozenset(_pt(board, q, f"{what} region") for q in (regions[0].get("spaces", []) if regions else [])))
    return tuple(key)


def _recovery_hint(mj: dict):
    opt = mj.get("recoveryOption", mj.get("option"))
    mode = mj.get("recoveryMode")
    return (int(opt) if opt is not None else None), mode


def move_from_json(board: Board, s: np.ndarray, mj: dict, what: str = "move",
                   legal: np.ndarray | None = None, strict: bool = True) -> int:
    """The legal move code of state s that the Move JSON denotes; InteropError if none.

    With ``strict=False`` a decision that carries its own payload (a territory
    region, the stack to eliminate from, a capture segment) is also accepted
    when our generator would not offer it in this state, the way RingRift's
    ``apply_move`` takes such moves from its fixture harnesses; and a territory
    decision with nothing it could process gives ``NO_OP`` (see
    ``_territory_noop``), which the caller must not apply.
    """
    key = move_key(board, mj, what)
    if legal is None:
        legal = legal_moves_list(board, s)
    dec = _Decisions(board, s)
    opt, mode = _recovery_hint(mj)
    matches = []
    for m in legal:
        if move_key(board, move_to_json(board, s, m, 0, dec), what) != key:
            continue
        if M.mtype(int(m)) == M.RECOVERY_SLIDE:
            x = M.mextra(int(m))
            if opt is not None and REC_OPTION.get(x) not in (None, opt):
                continue
            if mode is not None and REC_MODE[x] != mode:
                continue
        if mj.get("eliminationContext") is not None and M.mtype(int(m)) == M.ELIMINATE_RINGS_FROM_STACK \
                and move_to_json(board, s, m, 0, dec).get("eliminationContext") != mj["eliminationContext"]:
            continue  # game records leave the context out; a move that names it must agree
        matches.append(int(m))
    if not matches and not strict:
        explicit = _explicit_decision(board, s, mj, what)
        if explicit is not None:
            return explicit
        if _territory_noop(board, s, mj, what):
            return NO_OP
    if not matches:
        raise InteropError(f"{what}: {mj.get('type')} by player {mj.get('player')} is not legal here "
                           f"(phase {S.PHASE_NAMES[s[S.H_PHASE]]}, player {int(s[S.H_CUR])} to move)")
    return matches[0]


def legal_moves_json(board: Board, s: np.ndarray, legal: np.ndarray) -> list[dict]:
    """move_to_json of every code in ``legal`` (legal moves of s), finding s's lines and regions once."""
    dec = _Decisions(board, s)
    return [move_to_json(board, s, m, 0, dec) for m in legal]


def recovery_alternatives(board: Board, s: np.ndarray, mj: dict, legal: np.ndarray) -> list[int]:
    """Every legal code matching mj: a trace's recovery slide does not record its option."""
    key = move_key(board, mj)
    dec = _Decisions(board, s)
    return [int(m) for m in legal if move_key(board, move_to_json(board, s, m, 0, dec)) == key]


def _territory_noop(board: Board, s: np.ndarray, mj: dict, what: str) -> bool:
    """A choose_territory_option of the player to move, in territory processing, that names no region
    while none is there to take, or names one the player cannot pay for (no own stack outside it).

    RingRift's TS engine applies it as a no-op: TerritoryAggregate.applyProcessTerritoryRegionDecision
    returns the state unchanged when it finds no region or the self-elimination prerequisite fails, and
    processTurn then skips post-move processing for a decision that changed nothing (FSMAdapter
    validates it against a placeholder region). Python's _apply_territory_claim does the same for the
    unpayable region.
    """
    t = LEGACY_TYPES.get(mj.get("type"), mj.get("type"))
    p = int(s[S.H_CUR])
    if t != "choose_territory_option" or mj.get("player") != p or s[S.H_PHASE] != S.TERRITORY_PROCESSING:
        return False
    regions = mj.get("disconnectedRegions") or []
    spaces = regions[0].get("spaces") if regions else None
    if spaces:
        cells = {board.cell(q, f"{what} region") for q in spaces}
        return not any(c not in cells and s[s[S.O_CTRL] + c] == p for c in range(board.n))
    legal = legal_moves_list(board, s)
    return not any(M.mtype(int(m)) == M.CHOOSE_TERRITORY_OPTION for m in legal)


def _elimination_context(s: np.ndarray, c: int, p: int, named: str | None) -> str | None:
    """The context an eliminate_rings_from_stack at c by p is paid in, or None if it cannot be.

    RingRift's engines derive the context of a territory self-elimination from moveHistory
    (RR-CANON-R114: a recovery slide earlier in the same turn makes it "recovery", one buried
    ring of p from any stack; otherwise "territory", the cap of a stack p controls), and with an
    empty moveHistory they offer no elimination at all. A move that names the stack carries the
    rest: the context if it says so, and otherwise the stack itself, since a territory
    elimination needs a stack p controls and a recovery one a buried ring of p. What the move
    reveals about the turn is written into s (the turn included a recovery slide), so that
    apply_move pays it the same way.
    """
    ctrl = s[s[S.O_CTRL] + c]
    buried = s[s[S.O_H] + c] > 1 and s[s[S.O_CNT] + c * S.NP1 + p] - (1 if ctrl == p else 0) > 0
    if s[S.H_PHASE] != S.TERRITORY_PROCESSING:
        # line reward (one ring) and the other phases' eliminations: a stack p controls
        return (named or "line") if ctrl == p else None
    recovery = _turn_had_recovery(s, p)
    if named is None:
        named = "recovery" if recovery or (ctrl != p and buried) else "territory"
    if named == "territory" and ctrl == p and not recovery:
        return named
    if named == "recovery" and buried:
        s[S.H_LAST_MOVER] = p
        s[S.H_RUN_RECOVERY] = 1
        s[S.H_RUN_CHANGE] = 1
        return named
    return None


def _explicit_decision(board: Board, s: np.ndarray, mj: dict, what: str) -> int | None:
    t = LEGACY_TYPES.get(mj.get("type"), mj.get("type"))
    p = int(s[S.H_CUR])
    if mj.get("player") != p:
        return None
    if t == "choose_territory_option":
        regions = mj.get("disconnectedRegions") or []
        if not regions or not regions[0].get("spaces"):
            return None
        cells = {board.cell(q, f"{what} region") for q in regions[0]["spaces"]}
        outside = [c for c in range(board.n) if c not in cells and s[s[S.O_CTRL] + c] == p]
        if not outside:
            return None
        s[s[S.O_REG]:s[S.O_REG] + board.n] = 0
        for c in cells:
            s[s[S.O_REG] + c] = 1
        return M.enc(M.CHOOSE_TERRITORY_OPTION, -1, min(cells), -1, M.EXPLICIT_REGION)
    if t == "swap_sides" and p == 2 and s[S.H_P] == 2 and not s[S.H_SWAPPED]:
        return M.enc(M.SWAP_SIDES, -1, -1, -1, 0)
    if t == "skip_territory_processing" and s[S.H_PHASE] == S.TERRITORY_PROCESSING:
        # RingRift offers it beside any processable region; whether a region is processable can
        # depend on the turn having included a recovery slide (RR-CANON-R114), which RingRift
        # reads from moveHistory and a history-stripped state (eval vectors) cannot show.
        return M.enc(M.SKIP_TERRITORY_PROCESSING, -1, -1, -1, 0)
    if t == "eliminate_rings_from_stack":
        c = board.cell(mj.get("to"), f"{what} 'to'")
        if _elimination_context(s, c, p, mj.get("eliminationContext")) is None:
            return None
        return M.enc(M.ELIMINATE_RINGS_FROM_STACK, -1, c, -1, 0)
    if t in ("overtaking_capture", "continue_capture_segment") and mj.get("from") and mj.get("captureTarget"):
        a = board.cell(mj["from"], f"{what} 'from'")
        if s[s[S.O_CTRL] + a] != p:
            return None
        from kernels.movegen import captures_from
        buf = np.empty(M.MAX_MOVES, np.int64)
        # Minimum distance 1, not the attacker's height: RingRift's apply paths (TS processTurn,
        # Python apply_move) take a segment without checking its length, and its generated chain
        # vectors (chain_capture_long_tail, hex_edge_cases) contain such short segments.
        k = captures_from(board.geo, s, a, 1, s[s[S.O_CAP] + a], M.MOVE_TYPE_IDS[t], buf, 0, 0)
        want = (board.cell(mj["captureTarget"], what), board.cell(mj.get("to"), what))
        for m in buf[:k]:
            if (M.mtarget(int(m)), M.mto(int(m))) == want:
                return int(m)
    return None
