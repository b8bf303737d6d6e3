"""Evaluation results (``python -m ringrift_mpi.evaluate --output FILE``): JSON.

``{"format": "ringrift-mpi/evaluation", "format_version": 1, "created", "command",
"ranks", "wall_s", "settings": {board, players, mode, epsilon, max_moves,
opening_random_plies, state_pool, state_pool_sha256, seed, games}, "candidate":
{spec, label, source, filled, weights}, "results": [{"opponent": {...as candidate},
"sets", "games", "wins", "draws", "losses", "score", "score_lo", "score_hi", "parity",
"elo", "elo_lo", "elo_hi", "sets_better", "sets_worse", "sets_even", "p_value",
"mirror_games", "mirror_opponent_wins", "moves", "capped"}]}``

``games`` counts the candidate's games (set by seat rotation); with 3-4 players
``mirror_games`` as many again were played with the opponent alone among candidate
copies (ringrift_mpi.evaluate.stats explains the test). ``score`` is RingRift's
(wins + no-winner games / 2) / games, its parity 1 / players; ``score_lo``/``score_hi``
a 95 % interval over sets; ``elo*`` the Luce-model rating difference (+-Infinity when
one side won every decisive game; written as JSON's Infinity); ``p_value`` the exact
one-sided sign test that the candidate is the stronger. Only ``created``, ``ranks``,
``wall_s`` and ``command`` depend on how the command was run.
"""
from __future__ import annotations

import os

from .atomic import StorageError, write_json_atomic
from .registry import Format, checker, load_stamped_json, register

EVAL_FORMAT = "ringrift-mpi/evaluation"
EVAL_VERSION = 1
RESULT_NUMBERS = ("sets", "games", "wins", "draws", "losses", "score", "score_lo", "score_hi", "parity", "elo",
                  "elo_lo", "elo_hi", "sets_better", "sets_worse", "sets_even", "p_value", "mirror_games",
                  "mirror_opponent_wins", "moves", "capped")
SETTINGS_KEYS = ("board", "players", "mode", "epsilon", "max_moves", "opening_random_plies", "state_pool", "seed",
                 "games")


def write_evaluation(path: str, data: dict) -> None:
    write_json_atomic(path, {**data, "format": EVAL_FORMAT, "format_version": EVAL_VERSION})


def read_evaluation(path: str) -> dict:
    """An evaluation file, checked: settings, candidate, and every result's numbers."""
    path = os.fspath(path)
    d = load_stamped_json(path, EVALUATION)
    st = d.get("settings")
    if not isinstance(st, dict) or any(k not in st for k in SETTINGS_KEYS):
        raise StorageError(f"{path}: 'settings' missing or lacking one of {', '.join(SETTINGS_KEYS)}")
    if not isinstance(d.get("candidate"), dict) or "spec" not in d["candidate"]:
        raise StorageError(f"{path}: 'candidate' missing or without 'spec'")
    res = d.get("results")
    if not isinstance(res, list):
        raise StorageError(f"{path}: 'results' missing or not a list")
    for i, r in enumerate(res):
        if not isinstance(r, dict) or not isinstance(r.get("opponent"), dict):
            raise StorageError(f"{path}: results[{i}] is not an object with an 'opponent'")
        bad = [k for k in RESULT_NUMBERS
               if isinstance(r.get(k), bool) or not isinstance(r.get(k), (int, float))]
        if bad:
            raise StorageError(f"{path}: results[{i}]: {', '.join(bad)} missing or not a number")
        if r["wins"] + r["draws"] + r["losses"] != r["games"]:
            raise StorageError(f"{path}: results[{i}]: wins + draws + losses != games")
    return d


def _describe(path) -> dict:
    d = read_evaluation(path)
    s = d["settings"]
    return {"format": f"{EVAL_FORMAT} v{EVAL_VERSION}", "board": s["board"], "players": s["players"],
            "candidate": d["candidate"]["spec"], "created": d.get("created"),
            "results": [f"vs {r['opponent'].get('spec')}: {r['wins']}-{r['draws']}-{r['losses']} "
                        f"score {r['score']:.3f} p {r['p_value']:.3g}" for r in d["results"]]}


EVALUATION = register(Format(EVAL_FORMAT, EVAL_VERSION, "`python -m ringrift_mpi.evaluate --output` result", "json", __name__, read_evaluation,
                             checker(read_evaluation), _describe))
