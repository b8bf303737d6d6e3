"""RingRift GameState JSON <-> kernel state (kernels.state).

RingRift writes a stack's rings bottom-to-top from its Python engine (game
records, traces, evaluation vectors) and top-to-bottom from its TypeScript
engine (contract vectors, rules-parity files); ``ring_order`` says which.
"""
from __future__ import annotations

import functools
from typing import Any

import numpy as np

from kernels import geometry as G
from kernels import state as S
from kernels.newgame import new_game

from .errors import InteropError

PHASE_IDS = {name: i for i, name in enumerate(S.PHASE_NAMES)}
PHASE_IDS["finished"] = S.GAME_OVER
NO_CHANGE_TYPES = {"no_placement_action", "no_movement_action", "no_line_action", "no_territory_action",
                   "skip_placement", "skip_territory_processing", "skip_capture", "skip_recovery"}


class Board:
    """Python-side view of one board's geometry: cells <-> RingRift positions."""

    def __init__(self, board: int, size: int = 0):
        self.id = board
        self.name = G.BOARD_NAMES[board]
        self.size = size or G.BOARD_SIZE[board]
        self.hex = G.is_hex(board)
        self.geo = G.build(board, self.size)
        self.coords = G.cell_coords(board, self.size)
        self.n = len(self.coords)
        self._index = {c[:2]: i for i, c in enumerate(self.coords)}

    @staticmethod
    @functools.lru_cache(maxsize=None)
    def get(board: int | str, size: int = 0) -> "Board":
        return Board(G.board_id(board) if isinstance(board, str) else board, size)

    def cell(self, pos: Any, what: str = "position") -> int:
        try:
            x, y = int(pos["x"]), int(pos["y"])
            z = pos.get("z")
        except (TypeError, KeyError, ValueError):
            raise InteropError(f"{what}: malformed position {pos!r}") from None
        if self.hex and z is not None and int(z) != -x - y:
            raise InteropError(f"{what}: ({x},{y},{z}) is not a cube coordinate (x+y+z must be 0)")
        c = self._index.get((x, y))
        if c is None:
            shown = f"({x},{y})" if not self.hex else f"({x},{y},{-x - y})"
            raise InteropError(f"{what}: {shown} is off the {self.name} board")
        return c

    def cell_from_key(self, key: str, what: str = "position") -> int:
        try:
            parts = [int(v) for v in str(key).split(",")]
        except ValueError:
            raise InteropError(f"{what}: malformed position key {key!r}") from None
        if len(parts) not in (2, 3):
            raise InteropError(f"{what}: malformed position key {key!r}")
        pos = {"x": parts[0], "y": parts[1]}
        if len(parts) == 3:
            pos["z"] = parts[2]
        return self.cell(pos, what)

    def pos(self, c: int) -> dict:
        x, y, z = self.coords[c]
        return {"x": x, "y": y, "z": z} if self.hex else {"x": x, "y": y}

    def key(self, c: int) -> str:
        x, y, z = self.coords[c]
        return f"{x},{y},{z}" if self.hex else f"{x},{y}"

    def ptuple(self, pos: Any) -> tuple:
        """Position identity (for comparing moves): (x, y) on every board."""
        return (int(pos["x"]), int(pos["y"]))


def _players(d: dict) -> list[dict]:
    players = d.get("players")
    if not isinstance(players, list) or not 1 <= len(players) <= 4:
        raise InteropError("state: 'players' must list 1 to 4 players")
    try:
        players = sorted(players, key=lambda p: int(p["playerNumber"]))
    except (KeyError, TypeError, ValueError):
        raise InteropError("state: every player needs a playerNumber") from None
    if [int(p["playerNumber"]) for p in players] != list(range(1, len(players) + 1)):
        raise InteropError("state: player numbers must be 1..N")
    return players


def _int(v, what, lo=None, hi=None) -> int:
    try:
        i = int(v)
    except (TypeError, ValueError):
        raise InteropError(f"{what}: expected an integer, got {v!r}") from None
    if (lo is not None and i < lo) or (hi is not None and i > hi):
        raise InteropError(f"{what}: {i} is out of range")
    return i


def state_from_json(d: dict, ring_order: str = "bottom_first") -> tuple[Board, np.ndarray]:
    """Build a kernel state from a serialized RingRift GameState."""
    if not isinstance(d, dict):
        raise InteropError("state: expected a JSON object")
    bd = d.get("board")
    if not isinstance(bd, dict):
        raise InteropError("state: missing 'board'")
    name = d.get("boardType") or bd.get("type")
    try:
        board = Board.get(str(name), int(bd.get("size") or 0))
    except ValueError as e:
        raise InteropError(f"state: {e}") from None
    players = _players(d)
    P = len(players)

    stacks = []
    for key, st in (bd.get("stacks") or {}).items():
        pos = st.get("position") if isinstance(st, dict) else None
        c = board.cell(pos, f"stack {key}") if pos else board.cell_from_key(key, f"stack {key}")
        rings = st.get("rings") if isinstance(st, dict) else None
        if not isinstance(rings, list) or not rings:
            raise InteropError(f"stack {key}: 'rings' must be a non-empty list")
        rings = [_int(r, f"stack {key} ring", 1, P) for r in rings]
        if ring_order == "top_first":
            rings = rings[::-1]
        stacks.append((c, rings))
    hands = [_int(p.get("ringsInHand", 0), f"player {i + 1} ringsInHand", 0) for i, p in enumerate(players)]
    pool = sum(len(r) for _, r in stacks) + sum(hands)
    s = S.empty_state(board.n, max(pool, 1), board.id, P)
    seen = set()
    for c, rings in stacks:
        if c in seen:
            raise InteropError(f"stack at {board.key(c)} listed twice")
        seen.add(c)
        for r in rings:
            S.push_top(s, c, r, 1)
    for key, mk in (bd.get("markers") or {}).items():
        pos = mk.get("position") if isinstance(mk, dict) else None
        c = board.cell(pos, f"marker {key}") if pos else board.cell_from_key(key, f"marker {key}")
        owner = mk.get("player") if isinstance(mk, dict) else mk
        if s[s[S.O_MARK] + c] == 0:  # marker order = the JSON's key order (RingRift's dict order)
            s[S.H_MORD_CTR] += 1
            s[s[S.O_MORD] + c] = s[S.H_MORD_CTR]
        s[s[S.O_MARK] + c] = _int(owner, f"marker {key} player", 1, P)
    for key, owner in (bd.get("collapsedSpaces") or {}).items():
        c = board.cell_from_key(key, f"collapsed space {key}")
        s[s[S.O_COLL] + c] = _int(owner, f"collapsed space {key} owner", 0, P) or P + 1
    for c in range(board.n):
        if s[s[S.O_COLL] + c] and (s[s[S.O_H] + c] or s[s[S.O_MARK] + c]):
            raise InteropError(f"cell {board.key(c)} is collapsed and also holds a stack or marker")
        if s[s[S.O_H] + c] and s[s[S.O_MARK] + c]:
            raise InteropError(f"cell {board.key(c)} holds both a stack and a marker")
    for i, p in enumerate(players, start=1):
        s[s[S.O_HAND] + i] = hands[i - 1]
        s[s[S.O_ELIM] + i] = _int(p.get("eliminatedRings", 0), f"player {i} eliminatedRings", 0)
        s[s[S.O_TERR] + i] = _int(p.get("territorySpaces", 0), f"player {i} territorySpaces", 0)
        s[s[S.O_BELIM] + i] = _int((bd.get("eliminatedRings") or {}).get(str(i), s[s[S.O_ELIM] + i]),
                                   f"board eliminatedRings[{i}]", 0)

    phase = d.get("currentPhase", "ring_placement")
    if phase not in PHASE_IDS:
        raise InteropError(f"state: unknown currentPhase {phase!r}")
    s[S.H_PHASE] = PHASE_IDS[phase]
    s[S.H_CUR] = _int(d.get("currentPlayer", 1), "state currentPlayer", 1, P)
    status = d.get("gameStatus", "active")
    s[S.H_STATUS] = S.ACTIVE if status in ("active", "waiting") else S.COMPLETED
    s[S.H_WINNER] = _int(d.get("winner") or 0, "state winner", 0, P)
    s[S.H_VICTORY] = _int(d.get("victoryThreshold", G.victory_threshold(board.id, P)), "victoryThreshold", 1)
    terr = d.get("territoryVictoryMinimum")
    if terr is None:
        terr = d.get("territoryVictoryThreshold", G.territory_threshold(board.id))
    s[S.H_TERR_VICTORY] = _int(terr, "territoryVictoryThreshold", 1)
    s[S.H_RPP] = G.RINGS_PER_PLAYER[board.id]
    s[S.H_LINE_LEN] = G.line_length(board.id, P)
    s[S.H_RINGS_IN_PLAY] = _int(d.get("totalRingsInPlay", G.RINGS_PER_PLAYER[board.id] * P), "totalRingsInPlay", 0)
    s[S.H_TOTAL_ELIM] = _int(d.get("totalRingsEliminated", int(s[s[S.O_ELIM]:s[S.O_ELIM] + 5].sum())),
                             "totalRingsEliminated", 0)
    s[S.H_PENDING_LINE] = int(bool(d.get("pendingLineRewardElimination", False)))
    s[S.H_SWAP_ON] = int(bool((d.get("rulesOptions") or {}).get("swapRuleEnabled", False)))
    # last player standing bookkeeping (RR-CANON-R172)
    s[S.H_LPS_REQ] = _int(d.get("lpsRoundsRequired", 3), "lpsRoundsRequired", 1)
    s[S.H_LPS_ROUND] = _int(d.get("lpsRoundIndex", 0), "lpsRoundIndex", 0)
    s[S.H_LPS_FIRST] = _int(d.get("lpsCurrentRoundFirstPlayer") or 0, "lpsCurrentRoundFirstPlayer", 0, P)
    s[S.H_LPS_EXCL_DONE] = _int(d.get("lpsExclusivePlayerForCompletedRound") or 0, "lps exclusive player", 0, P)
    s[S.H_LPS_CONSEC] = _int(d.get("lpsConsecutiveExclusiveRounds", 0), "lpsConsecutiveExclusiveRounds", 0)
    s[S.H_LPS_CONSEC_P] = _int(d.get("lpsConsecutiveExclusivePlayer") or 0, "lps consecutive player", 0, P)
    for k, v in (d.get("lpsCurrentRoundActorMask") or {}).items():
        q = _int(k, "lpsCurrentRoundActorMask key", 1, 4)
        s[s[S.O_LPSM] + q] = int(bool(v))
    mm = d.get("mustMoveFromStackKey")
    if mm:
        s[S.H_MUSTMOVE] = board.cell_from_key(mm, "mustMoveFromStackKey")
    ccs = d.get("chainCaptureState")
    if isinstance(ccs, dict) and ccs.get("currentPosition"):
        s[S.H_CHAIN] = board.cell(ccs["currentPosition"], "chainCaptureState.currentPosition")
    _history_facts(board, s, d.get("moveHistory") or [])
    return board, s


def _history_facts(board: Board, s: np.ndarray, history: list) -> None:
    """The few facts about past moves that legality depends on."""
    cur = int(s[S.H_CUR])
    s[S.H_PLY] = len(history)
    for m in history:
        p = m.get("player")
        if p == 1:
            s[S.H_P1_MOVED] = 1
        if p == 2 and m.get("type") != "swap_sides":
            s[S.H_P2_MOVED] = 1
        if m.get("type") == "swap_sides":
            s[S.H_SWAPPED] = 1
    if not history:
        return
    last = history[-1]
    s[S.H_LAST_MOVER] = s[S.H_LAST_ACTOR] = int(last.get("player", 0))
    for m in reversed(history):
        if m.get("player") != cur:
            break
        if m.get("type") not in NO_CHANGE_TYPES:
            s[S.H_RUN_CHANGE] = 1
        if m.get("type") == "recovery_slide":
            s[S.H_RUN_RECOVERY] = 1
    if s[S.H_LAST_MOVER] != cur:
        s[S.H_RUN_CHANGE] = s[S.H_RUN_RECOVERY] = 0
    if last.get("to") and s[S.H_PHASE] in (S.CAPTURE, S.CHAIN_CAPTURE):
        c = board.cell(last["to"], "last move 'to'")
        s[S.H_ATTACKER] = c
        if s[S.H_CHAIN] < 0 and s[S.H_PHASE] == S.CHAIN_CAPTURE:
            s[S.H_CHAIN] = c
    regions = last.get("disconnectedRegions") or []
    if last.get("type") == "choose_territory_option" and last.get("player") == cur and regions:
        s[S.H_TERR_ELIM] = 1
        for pos in regions[0].get("spaces", []):
            s[s[S.O_REG] + board.cell(pos, "region space")] = 1


def initial_state(board_name: str, players: int, *, swap_rule: bool = False, lps_rounds: int = 3,
                  move_cap: int = 0) -> tuple[Board, np.ndarray]:
    """The standard starting position RingRift creates for a new game."""
    board = Board.get(board_name)
    return board, new_game(board.id, players, swap_rule=swap_rule, lps_rounds=lps_rounds, move_cap=move_cap)


def _stack_json(board: Board, s: np.ndarray, c: int) -> dict:
    buf = np.empty(s[S.H_R], np.int32)
    k = S.rings_of(s, c, buf)
    return {"position": board.pos(c), "rings": [int(v) for v in buf[:k]], "stackHeight": int(k),
            "capHeight": int(s[s[S.O_CAP] + c]), "controllingPlayer": int(s[s[S.O_CTRL] + c])}


def state_to_json(board: Board, s: np.ndarray) -> dict:
    """Serialize a kernel state as a RingRift GameState (Python engine conventions)."""
    P = int(s[S.H_P])
    order = sorted((c for c in range(board.n) if s[s[S.O_H] + c]), key=lambda c: s[s[S.O_ORD] + c])
    morder = sorted((c for c in range(board.n) if s[s[S.O_MARK] + c]), key=lambda c: s[s[S.O_MORD] + c])
    coll = {board.key(c): int(s[s[S.O_COLL] + c]) for c in range(board.n) if s[s[S.O_COLL] + c]}
    d = {
        "id": "ringrift-mpi", "boardType": board.name,
        "board": {
            "type": board.name, "size": board.size,
            "stacks": {board.key(c): _stack_json(board, s, c) for c in order},
            "markers": {board.key(c): {"player": int(s[s[S.O_MARK] + c]), "position": board.pos(c),
                                       "type": "regular"} for c in morder},
            "collapsedSpaces": coll,
            "eliminatedRings": {str(p): int(s[s[S.O_BELIM] + p]) for p in range(1, P + 1)},
            "formedLines": [], "territories": {},
        },
        "players": [{"id": f"p{p}", "username": f"Player {p}", "type": "ai", "playerNumber": p,
                     "isReady": True, "timeRemaining": 600, "aiDifficulty": 5,
                     "ringsInHand": int(s[s[S.O_HAND] + p]), "eliminatedRings": int(s[s[S.O_ELIM] + p]),
                     "territorySpaces": int(s[s[S.O_TERR] + p])} for p in range(1, P + 1)],
        "currentPhase": S.PHASE_NAMES[s[S.H_PHASE]], "currentPlayer": int(s[S.H_CUR]),
        "moveHistory": [],
        "timeControl": {"initialTime": 600, "increment": 0, "type": "blitz"}, "spectators": [],
        "gameStatus": "active" if s[S.H_STATUS] == S.ACTIVE else "completed",
        "winner": int(s[S.H_WINNER]) or None,
        "createdAt": "1970-01-01T00:00:00", "lastMoveAt": "1970-01-01T00:00:00",
        "isRated": False, "maxPlayers": P,
        "totalRingsInPlay": int(s[S.H_RINGS_IN_PLAY]), "totalRingsEliminated": int(s[S.H_TOTAL_ELIM]),
        "victoryThreshold": int(s[S.H_VICTORY]), "territoryVictoryThreshold": int(s[S.H_TERR_VICTORY]),
        "lpsRoundIndex": int(s[S.H_LPS_ROUND]),
        "lpsCurrentRoundActorMask": {str(p): bool(s[s[S.O_LPSM] + p]) for p in range(1, 5)
                                     if s[s[S.O_LPSM] + p] >= 0},
        "lpsConsecutiveExclusiveRounds": int(s[S.H_LPS_CONSEC]),
        "lpsRoundsRequired": int(s[S.H_LPS_REQ]),
        "pendingLineRewardElimination": bool(s[S.H_PENDING_LINE]),
        "rulesOptions": {"swapRuleEnabled": bool(s[S.H_SWAP_ON])},
    }
    for name, slot in (("lpsCurrentRoundFirstPlayer", S.H_LPS_FIRST),
                       ("lpsExclusivePlayerForCompletedRound", S.H_LPS_EXCL_DONE),
                       ("lpsConsecutiveExclusivePlayer", S.H_LPS_CONSEC_P)):
        if s[slot]:
            d[name] = int(s[slot])
    if s[S.H_MUSTMOVE] >= 0:
        d["mustMoveFromStackKey"] = board.key(int(s[S.H_MUSTMOVE]))
    return d


def summary(board: Board, s: np.ndarray) -> dict:
    """The end-of-game summary RingRift's trace files carry (``finalSummary``)."""
    P = int(s[S.H_P])
    n = board.n
    h = s[s[S.O_H]:s[S.O_H] + n]
    return {
        "gameStatus": "active" if s[S.H_STATUS] == S.ACTIVE else "completed",
        "winner": int(s[S.H_WINNER]) or None,
        "currentPhase": S.PHASE_NAMES[s[S.H_PHASE]],
        "currentPlayer": int(s[S.H_CUR]),
        "players": [{"playerNumber": p, "ringsInHand": int(s[s[S.O_HAND] + p]),
                     "eliminatedRings": int(s[s[S.O_ELIM] + p]),
                     "territorySpaces": int(s[s[S.O_TERR] + p])} for p in range(1, P + 1)],
        "stackCount": int((h > 0).sum()),
        "markerCount": int((s[s[S.O_MARK]:s[S.O_MARK] + n] > 0).sum()),
        "collapsedCount": int((s[s[S.O_COLL]:s[S.O_COLL] + n] > 0).sum()),
        "totalRingsOnBoard": int(h.sum()),
        "hitPlyCap": bool(s[S.H_HIT_CAP]),
    }
