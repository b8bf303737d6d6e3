"""The promotion gate: a model becomes its family's best only by beating the current best.

``python -m ringrift_mpi.train.gate --model models/square8_2p/v3 [--games 200]
[--min-score 0.55] [--alpha 0.05] [--baseline default] [--seed 1]`` (under
``mpiexec -n N`` the games spread over the ranks; the decision does not depend on N).

The incumbent is the family's promoted model (``registry.json`` ``best``), or,
while none is, the ``--baseline`` seat (the default heuristic unless told). The
candidate plays ``python -m ringrift_mpi.evaluate``'s match against it (the same
seat-rotated sets, game settings and statistics: evaluate/match.py, stats.py)
and is promoted when both hold: its score is at least ``min_score`` and the
exact one-sided sign test over sets gives p < ``alpha``. Every decision,
promoted or not, is appended to the family's registry
(ringrift_mpi.storage.train_run), atomically.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass


@dataclass
class GateRules:
    games: int = 200
    min_score: float = 0.55
    alpha: float = 0.05
    opening: int = 4              # seeded random plies before the players take over (varied starts)
    max_moves: int = 0            # 0 = evaluate's default (RingRift's CMA-ES cap)
    baseline: str = "default"
    seed: int = 1


def decide(result: dict, rules: GateRules) -> bool:
    return result["score"] >= rules.min_score and result["p_value"] < rules.alpha


def match_settings(board: str, players: int, rules: GateRules):
    """evaluate's Settings for the gate's match (RingRift's evaluation epsilon, mode and move cap)."""
    from ..evaluate.cli import RINGRIFT_MAX_MOVES
    from ..evaluate.match import Settings
    mode = "light" if board in ("square19", "hexagonal") else "full"
    eps = 0.02 if players == 2 else 0.0
    cap = rules.max_moves or RINGRIFT_MAX_MOVES[players]
    return Settings(board, players, mode, eps, cap, rules.opening, rules.seed, rules.games)


def gate(version_dir: str, rules: GateRules, comm=None) -> dict | None:
    """Collective. Play the candidate against the incumbent and record the decision; rank 0 returns it."""
    from ..evaluate.match import build_match, play_match, result_of
    from ..evaluate.players import parse
    from ..mpi.world import get_comm
    from ..storage.train_run import read_model_config, read_registry, record_decision
    comm = get_comm(comm)
    m = prep = None
    if comm.rank == 0:
        version_dir = os.path.normpath(version_dir)
        family = os.path.dirname(version_dir)
        try:
            cfg = read_model_config(os.path.join(version_dir, "config.json"))
            best = read_registry(family)["best"]
            incumbent = f"model:{os.path.join(family, best)}" if best else rules.baseline
            s = match_settings(cfg["board"], int(cfg["players"]), rules)
            m = build_match(s, parse(f"model:{version_dir}"), parse(incumbent), None)
            prep = (family, best, None)
        except Exception as e:  # one line for every rank to raise
            prep = (None, None, f"{e}")
    m, prep = comm.bcast((m, prep), root=0)
    if prep[2] is not None:
        raise ValueError(prep[2])
    got = play_match(comm, m)
    if comm.rank != 0:
        return None
    family, best, _ = prep
    res = result_of(m, *got)
    decision = {"candidate": os.path.basename(version_dir), "incumbent": best or rules.baseline,
                "games": res["games"], "wins": res["wins"], "draws": res["draws"], "losses": res["losses"],
                "score": res["score"], "ci95": [res["score_lo"], res["score_hi"]], "p_value": res["p_value"],
                "sets_better": res["sets_better"], "sets_worse": res["sets_worse"],
                "min_score": rules.min_score, "alpha": rules.alpha, "seed": rules.seed,
                "promoted": decide(res, rules), "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    record_decision(family, decision)
    return decision


def main(argv=None) -> int:
    from ..evaluate.players import PlayerError
    from ..mpi.world import get_comm
    from ..storage import StorageError
    ap = argparse.ArgumentParser(prog="python -m ringrift_mpi.train.gate",
                                 description="Promote a model only when it beats its family's current best.")
    ap.add_argument("--model", required=True, help="model version folder, e.g. models/square8_2p/v3")
    for f in ("games", "min_score", "alpha", "opening", "max_moves", "baseline", "seed"):
        d = getattr(GateRules, f)
        ap.add_argument("--" + f.replace("_", "-"), type=type(d), default=d)
    a = ap.parse_args(argv)
    rules = GateRules(a.games, a.min_score, a.alpha, a.opening, a.max_moves, a.baseline, a.seed)
    comm = get_comm()
    try:
        d = gate(a.model, rules, comm)
    except (StorageError, PlayerError, ValueError, OSError) as e:
        if comm.rank == 0:
            print(f"error: {e}", file=sys.stderr)
        return 2
    if d is None:
        return 0
    lo, hi = d["ci95"]
    print(f"{d['candidate']} vs {d['incumbent']}: score {d['score']:.3f} (95% interval {lo:.3f}-{hi:.3f}), "
          f"sets {d['sets_better']}+/{d['sets_worse']}-, p = {d['p_value']:.3g} over {d['games']} games: "
          + ("PROMOTED" if d["promoted"] else f"not promoted (needs score >= {rules.min_score} and p < {rules.alpha})"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
