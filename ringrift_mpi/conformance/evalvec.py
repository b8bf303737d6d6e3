"""Evaluation vectors: RingRift HeuristicAI's component scores and move scores of real positions.

Both are computed by the functions the greedy player calls (kernels.players: ``position_score``
for a position, ``score_moves`` for the moves of a decision), so a vector checks what games run.
"""
from __future__ import annotations

import math
from typing import Iterator

import numpy as np

from kernels import heuristic as HE
from kernels.apply import apply_move
from kernels.players import position_score, score_moves
from kernels.recovery import listing_side_effect

from ..interop import (InteropError, legal_moves_json, legal_moves_list, lps_actor_mask, move_from_json, move_key,
                       set_lps_actor_mask, state_from_json)
from .runner import Case


def _close(a: float, b: float) -> bool:
    return a == b or (not math.isnan(a) and abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b)))


def _position(d: dict, weights: dict, pos: dict) -> list[str]:
    # The kernel state carries RingRift's marker (dict) order: the JSON's, then as its engine
    # keeps it. The fixtures were made on one live state per game, in this order: list the
    # legal moves, write the state, evaluate every breakdown, score every move. Listing moves
    # and evaluating move markers in RingRift's dict as side effects, so we do the same here.
    board, s = state_from_json(pos["state"])
    geo = board.geo
    listing_side_effect(geo, s)
    legal = legal_moves_list(board, s)
    failures = []
    out = np.zeros(HE.N_COMPONENTS)
    for pl, profs in pos["breakdowns"].items():
        for prof, modes in profs.items():
            for mname, exp in modes.items():
                mode = HE.LIGHT if mname == "light" else HE.FULL
                total = position_score(geo, s, int(pl), weights[prof], mode, out)
                HE.evaluation_side_effect(geo, s, int(pl), mode)
                got = dict(zip(HE.COMPONENTS, out))
                got["total"] = total
                failures += [f"player {pl} {prof}/{mname} {k}: expected {exp[k]!r}, got {got[k]!r}"
                             for k in ["total", *HE.COMPONENTS] if k in exp and not _close(got[k], exp[k])]
    if not pos.get("moveScores"):
        return failures
    mode = HE.LIGHT if pos.get("evalMode") == "light" else HE.FULL
    by_key: dict = {}
    for m, mj in zip(legal, legal_moves_json(board, s, legal)):
        by_key.setdefault(move_key(board, mj), []).append(int(m))
    scratch, scores = np.empty_like(s), np.empty(len(legal) + 1)
    for mj, want in pos["moveScores"]:
        cands = by_key.get(move_key(board, mj, "moveScores move")) or [
            move_from_json(board, s.copy(), mj, "moveScores move", strict=False)]
        # the greedy player's own scoring of a decision's moves, mover's view
        score_moves(geo, s, np.asarray(cands, np.int64), len(cands), weights["default"], mode, scratch, out, scores)
        hit = next((i for i in range(len(cands)) if _close(scores[i], want)), None)
        if hit is None:
            failures.append(f"move score of {mj.get('type')}: expected {want!r}, got {scores[0]!r}")
            continue
        # RingRift's apply_move copies the GameState shallowly: every state derived from
        # this one shares its lpsCurrentRoundActorMask dict, which LPS round tracking
        # mutates in place at a turn start. Scoring the moves one after another on the
        # same state therefore leaves each move's mask for the next (docs/heuristic.md).
        s2 = s.copy()
        apply_move(geo, s2, cands[hit])
        set_lps_actor_mask(s, lps_actor_mask(s2))
    return failures


def check_eval(d: dict, name: str) -> Iterator[Case]:
    try:
        weights = {k: HE.weights_array(v) for k, v in d["weights"].items()}
    except (KeyError, TypeError, ValueError) as e:
        yield Case(name, False, f"bad input: weights: {e}")
        return
    for i, pos in enumerate(d.get("positions") or []):
        cid = f"position {i} (ply {pos.get('ply')})"
        try:
            failures = _position(d, weights, pos)
        except InteropError as e:
            failures = [f"bad input: {e}"]
        except (KeyError, TypeError, ValueError) as e:
            failures = [f"bad input: missing or malformed field {e}"]
        yield Case(cid, not failures, "; ".join(failures))
