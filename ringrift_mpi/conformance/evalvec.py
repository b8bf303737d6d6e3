"""Evaluation vectors: RingRift HeuristicAI's component scores and move scores of real positions."""
from __future__ import annotations

import math
from typing import Iterator

import numpy as np

from kernels import heuristic as HE
from kernels import state as S
from kernels.apply import apply_move
from kernels.recovery import listing_side_effect

from ..interop import InteropError, legal_moves_list, move_from_json, move_key, move_to_json, state_from_json
from .runner import Case


def _close(a: float, b: float) -> bool:
    return a == b or (not math.isnan(a) and abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b)))


def _position(d: dict, weights: dict, pos: dict) -> str | None:
    # The kernel state carries RingRift's marker (dict) order: the JSON's, then as its engine
    # keeps it. The fixtures were made on one live state per game, in this order: list the
    # legal moves, write the state, evaluate every breakdown, score every move. Listing moves
    # and evaluating move markers in RingRift's dict as side effects, so we do the same here.
    board, s = state_from_json(pos["state"])
    geo = board.geo
    listing_side_effect(geo, s)
    legal = legal_moves_list(board, s)
    out = np.zeros(HE.N_COMPONENTS)
    for pl, profs in pos["breakdowns"].items():
        for prof, modes in profs.items():
            for mname, exp in modes.items():
                mode = HE.LIGHT if mname == "light" else HE.FULL
                total = HE.evaluate(geo, s, int(pl), weights[prof], mode, out)
                HE.evaluation_side_effect(geo, s, int(pl), mode)
                got = dict(zip(HE.COMPONENTS, out))
                got["total"] = total
                for k in ["total", *HE.COMPONENTS]:
                    if k in exp and not _close(got[k], exp[k]):
                        return f"player {pl} {prof}/{mname} {k}: expected {exp[k]!r}, got {got[k]!r}"
    if not pos.get("moveScores"):
        return None
    mode = HE.LIGHT if pos.get("evalMode") == "light" else HE.FULL
    me = int(pos["currentPlayer"])
    by_key: dict = {}
    for m in legal:
        by_key.setdefault(move_key(board, move_to_json(board, s, int(m))), []).append(int(m))
    lm = int(s[S.O_LPSM])
    for mj, want in pos["moveScores"]:
        cands = by_key.get(move_key(board, mj, "moveScores move")) or [
            move_from_json(board, s.copy(), mj, "moveScores move", strict=False)]
        scores, masks = [], []
        for m in cands:
            s2 = s.copy()
            apply_move(geo, s2, m)
            masks.append(s2[lm:lm + S.NP1].copy())
            scores.append(HE.score(geo, s2, me, weights["default"], mode))
        hit = next((i for i, x in enumerate(scores) if _close(x, want)), None)
        if hit is None:
            return f"move score of {mj.get('type')}: expected {want!r}, got {scores[0]!r}"
        # RingRift's apply_move copies the GameState shallowly: every state derived from
        # this one shares its lpsCurrentRoundActorMask dict, which LPS round tracking
        # mutates in place at a turn start. Scoring the moves one after another on the
        # same state therefore leaves each move's mask for the next (docs/heuristic.md).
        s[lm:lm + S.NP1] = masks[hit]
    return None


def check_eval(d: dict, name: str) -> Iterator[Case]:
    try:
        weights = {k: HE.weights_array(v) for k, v in d["weights"].items()}
    except (KeyError, TypeError, ValueError) as e:
        yield Case(name, False, f"bad input: weights: {e}")
        return
    for i, pos in enumerate(d.get("positions") or []):
        cid = f"position {i} (ply {pos.get('ply')})"
        try:
            err = _position(d, weights, pos)
        except InteropError as e:
            err = f"bad input: {e}"
        except (KeyError, TypeError, ValueError) as e:
            err = f"bad input: missing or malformed field {e}"
        yield Case(cid, err is None, err or "")
