"""The self-play run record (``selfplay.json`` in a run directory).

``{"format": "ringrift-mpi/selfplay-run", "format_version": 1, "config": {...},
"config_hash", "profiles": {seat spec: profile hash}, "sessions": [{"session",
"started", "ranks", "games_done"}]}``, written atomically when a session starts.
A resume refuses another configuration (naming the keys that differ) and a seat
profile whose weights changed since the run began; the games themselves are in
the shards (ringrift_mpi.storage.dataset), which a resume scans.
"""
from __future__ import annotations

from .atomic import StorageError, write_json_atomic
from .registry import Format, load_stamped_json, register

RUN_FORMAT = "ringrift-mpi/selfplay-run"
RUN_VERSION = 1
RUN_NAME = "selfplay.json"


def write_run(path: str, config: dict, config_hash: str, profiles: dict, sessions: list) -> None:
    write_json_atomic(path, {"format": RUN_FORMAT, "format_version": RUN_VERSION, "config": config,
                             "config_hash": config_hash, "profiles": profiles, "sessions": sessions})


def read_run(path: str) -> dict:
    return load_stamped_json(path, RUN, (("config", dict), ("config_hash", str), ("profiles", dict),
                                         ("sessions", list)))


def validate_run(path: str) -> list[str]:
    try:
        d = read_run(path)
    except StorageError as e:
        return [str(e)]
    bad = [i for i, s in enumerate(d["sessions"]) if not isinstance(s, dict) or not isinstance(s.get("session"), int)]
    return [f"{path}: session entry {bad[0]} is not an object with a 'session' number"] if bad else []


def describe_run(path: str) -> dict:
    d = read_run(path)
    cfg = d["config"]
    game = cfg.get("game", {}) if isinstance(cfg.get("game"), dict) else {}
    last = d["sessions"][-1] if d["sessions"] else {}
    return {"format": f"{RUN_FORMAT} v{RUN_VERSION}", "board": game.get("board"), "players": game.get("players"),
            "games requested": (cfg.get("run") or {}).get("games"), "config hash": d["config_hash"],
            "sessions": len(d["sessions"]), "last session ranks": last.get("ranks"),
            "seat profiles": ", ".join(f"{k}={v}" for k, v in sorted(d["profiles"].items()))}


RUN = register(Format(RUN_FORMAT, RUN_VERSION, "self-play run record", "json", __name__, read_run, validate_run,
                      describe_run, files="`selfplay.json`"))
