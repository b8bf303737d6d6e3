"""``export-traces``: our engine's uniformly random games in RingRift's reference-trace format.

Anyone with RingRift's Python engine can replay these files on their side;
our own conformance command replays them too.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os

import numpy as np

from kernels import state as S
from kernels.apply import apply_move

from ..storage import write_json_atomic
from ..interop import initial_state, move_to_json, state_to_json, summary
from ..interop.moves import legal_moves_list
from .outcome import final_score, outcome_label

SAMPLE_EVERY = 4
SAMPLE_MAX = 300


def play_trace(board_name: str, players: int, seed: int, max_moves: int = 20000) -> dict:
    board, s = initial_state(board_name, players, swap_rule=False)
    init = state_to_json(board, s)
    if players == 2:
        init["rulesOptions"] = {"swapRuleEnabled": False}
    rng = np.random.default_rng(seed)
    moves, counts, samples = [], [], {}
    started = dt.datetime.now(dt.timezone.utc).isoformat()
    choice_plies = 0
    while s[S.H_STATUS] == S.ACTIVE and len(moves) < max_moves:
        legal = legal_moves_list(board, s)
        ply = len(moves)
        counts.append(int(len(legal)))
        pick = int(legal[rng.integers(len(legal))])
        mj = move_to_json(board, s, pick, ply + 1)
        take = ply == 0
        if len(legal) > 1 and len(legal) <= SAMPLE_MAX:
            take = take or choice_plies % SAMPLE_EVERY == 0
            choice_plies += 1
        if take:
            samples[str(ply)] = [move_to_json(board, s, m, ply + 1) for m in legal]
        moves.append(mj)
        last_state, last_legal = s.copy(), legal
        apply_move(board.geo, s, pick)
    if moves and str(len(moves) - 1) not in samples:
        samples[str(len(moves) - 1)] = [move_to_json(board, last_state, m, len(moves)) for m in last_legal]
    fs = summary(board, s)
    return {
        "id": f"ringrift-mpi-{board_name}-{players}p-{seed}", "boardType": board_name, "numPlayers": players,
        "rngSeed": seed, "isRated": False,
        "players": [{"playerNumber": p, "username": f"AI {p}", "playerType": "ai", "aiDifficulty": 1}
                    for p in range(1, players + 1)],
        "winner": fs["winner"], "outcome": outcome_label(s), "finalScore": final_score(s),
        "startedAt": started, "endedAt": dt.datetime.now(dt.timezone.utc).isoformat(),
        "totalMoves": len(moves), "totalDurationMs": 0, "moves": moves,
        "metadata": {"recordVersion": "1.0", "source": "ringrift-mpi export-traces",
                     "tags": ["ringrift-mpi-engine", "uniform-random"]},
        "initialState": init, "legalMoveCounts": counts, "legalMoveSamples": samples, "finalSummary": fs,
    }


def _seeds(text: str) -> range:
    try:
        a, b = (int(v) for v in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seeds must look like A:B (got {text!r})") from None
    if b <= a:
        raise argparse.ArgumentTypeError(f"--seeds A:B needs B > A (got {text!r})")
    return range(a, b)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m ringrift_mpi.conformance export-traces",
                                 description="Write uniformly random games of our engine as RingRift "
                                             "reference traces (seeds A..B-1, one file each).")
    ap.add_argument("--board", required=True, choices=["square8", "square19", "hex8", "hexagonal"])
    ap.add_argument("--players", required=True, type=int, choices=[2, 3, 4])
    ap.add_argument("--seeds", required=True, type=_seeds, metavar="A:B")
    ap.add_argument("--out", required=True, metavar="DIR")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    for seed in args.seeds:
        trace = play_trace(args.board, args.players, seed)
        path = os.path.join(args.out, f"ours_{args.board}_{args.players}p_seed{seed}.json")
        write_json_atomic(path, trace, indent=None, sort_keys=False)
        print(f"{path}: {trace['totalMoves']} moves, winner {trace['winner']}, {trace['outcome']}")
    return 0
