"""The promotion gate: a model becomes its family's best only by beating the current best.

``python -m ringrift_mpi.train.gate --model models/square8_2p/v3 [--games 200]
[--min-score 0.55] [--alpha 0.05] [--baseline default] [--seed 1]``

The incumbent is the family's promoted model (``registry.json`` ``best``), or,
while none is, the ``--baseline`` seat (the default heuristic unless told). The
candidate plays a seat-balanced match against it (match.py) and is promoted when
both hold: its score is at least ``min_score`` and the exact one-sided sign test
on decisive games gives p < ``alpha``. Every decision, promoted or not, is
appended to the family's registry (ringrift_mpi.storage.train_run), atomically.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass

from kernels import geometry as G

from .match import default_eps, parse_seat, play_match


@dataclass
class GateRules:
    games: int = 200
    min_score: float = 0.55
    alpha: float = 0.05
    opening: int = 4
    max_moves: int = 400
    baseline: str = "default"
    seed: int = 1


def decide(result: dict, rules: GateRules) -> bool:
    return result["score"] >= rules.min_score and result["p_value"] < rules.alpha


def gate(version_dir: str, rules: GateRules, device: str = "cpu") -> dict:
    """Play the candidate against the incumbent, record the decision; returns it."""
    from ..storage.train_run import read_model_config, read_registry, record_decision
    version_dir = os.path.normpath(version_dir)
    family = os.path.dirname(version_dir)
    cfg = read_model_config(os.path.join(version_dir, "config.json"))
    board, players = cfg["board"], int(cfg["players"])
    bid = G.board_id(board)
    best = read_registry(family)["best"]
    incumbent = f"model:{os.path.join(family, best)}" if best else rules.baseline
    eps = default_eps(players)
    cand = parse_seat(f"model:{version_dir}", bid, players, eps, device)
    inc = parse_seat(incumbent, bid, players, eps, device)
    res = play_match(board, players, cand, inc, rules.games, rules.seed, opening=rules.opening,
                     max_moves=rules.max_moves)
    decision = {"candidate": os.path.basename(version_dir), "incumbent": best or rules.baseline,
                "games": res["games"], "wins": res["wins"], "draws": res["draws"], "losses": res["losses"],
                "score": res["score"], "ci95": res["ci95"], "p_value": res["p_value"],
                "min_score": rules.min_score, "alpha": rules.alpha, "seed": rules.seed,
                "promoted": decide(res, rules), "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    record_decision(family, decision)
    return decision


def main(argv=None) -> int:
    from ..storage import StorageError
    ap = argparse.ArgumentParser(prog="python -m ringrift_mpi.train.gate",
                                 description="Promote a model only when it beats its family's current best.")
    ap.add_argument("--model", required=True, help="model version folder, e.g. models/square8_2p/v3")
    for f in ("games", "min_score", "alpha", "opening", "max_moves", "baseline", "seed"):
        d = getattr(GateRules, f)
        ap.add_argument("--" + f.replace("_", "-"), type=type(d), default=d)
    a = ap.parse_args(argv)
    rules = GateRules(a.games, a.min_score, a.alpha, a.opening, a.max_moves, a.baseline, a.seed)
    try:
        d = gate(a.model, rules)
    except (StorageError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    lo, hi = d["ci95"]
    print(f"{d['candidate']} vs {d['incumbent']}: score {d['score']:.3f} (95% CI {lo:.3f}-{hi:.3f}), "
          f"p = {d['p_value']:.3g} over {d['games']} games: "
          + ("PROMOTED" if d["promoted"] else f"not promoted (needs score >= {rules.min_score} and p < {rules.alpha})"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
