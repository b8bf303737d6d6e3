"""Evaluation vectors: RingRift HeuristicAI's component scores and move scores of real positions."""
from __future__ import annotations

import math
from typing import Iterator

import numpy as np

from kernels import heuristic as HE
from kernels import state as S
from kernels.apply import apply_move

from ..interop import InteropError, legal_moves_list, move_from_json, move_key, move_to_json, state_from_json
from .runner import Case


def _close(a: float, b: float) -> bool:
    return a == b or (not math.isnan(a) and abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b)))


def _marker_order_after(s, s2, order):
    """RingRift's marker dict order after a move: removed markers drop out, new ones go last."""
    om, n = s[S.O_MARK], int(s[S.H_N])
    keep = [c for c in order if s2[om + c] != 0]
    new = [c for c in range(n) if s2[om + c] != 0 and s[om + c] == 0]
    return np.array(keep + new, np.int64)


def _position(d: dict, weights: dict, pos: dict) -> str | None:
    board, s = state_from_json(pos["state"])
    geo = board.geo
    order = HE.marker_order(board, pos["state"])
    out = np.zeros(HE.N_COMPONENTS)
    for pl, profs in pos["breakdowns"].items():
        for prof, modes in profs.items():
            for mname, exp in modes.items():
                mode = HE.LIGHT if mname == "light" else HE.FULL
                total = HE.evaluate_ordered(geo, s, int(pl), weights[prof], mode, out, order, len(order))
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
    for m in legal_moves_list(board, s):
        by_key.setdefault(move_key(board, move_to_json(board, s, int(m))), []).append(int(m))
    out2 = np.zeros(HE.N_COMPONENTS)
    for mj, want in pos["moveScores"]:
        cands = by_key.get(move_key(board, mj, "moveScores move")) or [
            move_from_json(board, s.copy(), mj, "moveScores move", strict=False)]
        scores = []
        for m in cands:
            s2 = s.copy()
            apply_move(geo, s2, m)
            if s2[S.H_STATUS] != S.ACTIVE:
                scores.append(HE.score(geo, s2, me, weights["default"], mode))
            else:
                o2 = _marker_order_after(s, s2, order)
                scores.append(HE.evaluate_ordered(geo, s2, me, weights["default"], mode, out2, o2, len(o2)))
        if not any(_close(x, want) for x in scores):
            return f"move score of {mj.get('type')}: expected {want!r}, got {scores[0]!r}"
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
