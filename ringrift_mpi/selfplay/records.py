"""A stored self-play game as RingRift's game-record JSON, replayed from its move list.

``python -m ringrift_mpi.selfplay.records DATASET --game ID [--out FILE]`` (DATASET: a
run directory, its dataset.h5, a shard or a merged file). The record has RingRift's
shape (the one ``conformance export-traces`` writes: initialState, moves, winner,
outcome, finalScore), so RingRift's engine can replay it.
"""
from __future__ import annotations

import argparse
import json
import sys

from kernels import state as S
from kernels.apply import apply_move
from kernels.games import VICTORY_TYPE_NAMES

from ..interop import initial_state, move_to_json, state_to_json, summary
from ..storage import StorageError, write_json_atomic
from ..storage.dataset import Dataset


def game_record(path: str, game_id: int) -> dict:
    from ..conformance.outcome import final_score, outcome_label
    with Dataset(path) as ds:
        row = ds.game_row(game_id)
        moves = ds.moves(row)
        g = {k: v[row] for k, v in ds.games.items()}
        board_name, players = ds.attrs["board"], ds.players
        meta = {"config_hash": ds.attrs.get("config_hash"), "run_seed": ds.attrs.get("seed")}
    board, s = initial_state(board_name, players, swap_rule=False)
    init = state_to_json(board, s)
    out_moves = []
    for i, m in enumerate(moves):
        out_moves.append(move_to_json(board, s, int(m), i + 1))
        apply_move(board.geo, s, m)
    if int(s[S.H_WINNER]) != int(g["winner"]):
        raise StorageError(f"{path}: game {game_id} replays to winner {int(s[S.H_WINNER])}, the dataset says "
                           f"{int(g['winner'])} (a dataset of another engine version?)")
    seats = [x.decode() for x in g["seat_profiles"][:players]]
    return {
        "id": f"ringrift-mpi-selfplay-{board_name}-{players}p-{game_id}", "boardType": board_name,
        "numPlayers": players, "rngSeed": int(g["seed"]), "isRated": False,
        "players": [{"playerNumber": p, "username": f"AI {p} ({seats[p - 1]})", "playerType": "ai",
                     "aiType": "random" if seats[p - 1] == "random" else "heuristic"} for p in range(1, players + 1)],
        "winner": int(g["winner"]) or None, "outcome": outcome_label(s), "finalScore": final_score(s),
        "totalMoves": len(out_moves), "moves": out_moves,
        "metadata": {"recordVersion": "1.0", "source": "ringrift-mpi selfplay", "game_id": int(game_id),
                     "seat_profiles": seats, "victory_type": VICTORY_TYPE_NAMES[int(g["victory_type"])], **meta},
        "initialState": init, "finalSummary": summary(board, s),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m ringrift_mpi.selfplay.records",
                                 description="Write a stored self-play game as RingRift game-record JSON.")
    ap.add_argument("dataset", help="a run directory, its dataset.h5, a shard or a merged dataset file")
    ap.add_argument("--game", type=int, required=True, help="game id")
    ap.add_argument("--out", help="output file (default: stdout)")
    args = ap.parse_args(argv)
    try:
        rec = game_record(args.dataset, args.game)
        if args.out:
            write_json_atomic(args.out, rec, indent=None, sort_keys=False)
            print(f"{args.out}: game {args.game}, {rec['totalMoves']} moves, winner {rec['winner']}")
        else:
            json.dump(rec, sys.stdout)
            print()
    except StorageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

