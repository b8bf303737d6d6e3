"""Training matrices: one TOML file lists (board, players) rows; every launcher runs its rows.

``python -m ringrift_mpi.matrix --matrix jobs/matrix_full.toml`` lists the rows;
``--row K --print-config`` (or ``--write-config FILE``) gives row K's complete CMA-ES job
config; ``--row K --name`` its name (the run directory under the matrix's runs folder);
``--merge RUNS --out FILE`` gathers every row's ``profile.json`` into one trained-profiles
file in RingRift's multi-profile format. ``slurm/full_matrix.sh`` runs one array task per row.
A matrix of self-play runs (``job = "selfplay"``, jobs/matrix_selfplay.toml) gives
``slurm/selfplay.sbatch`` its rows the same way; RingRift's CMA-ES rules below apply to CMA-ES
rows only.

A matrix file::

    [matrix]
    name = "full"                       # runs/<name>/<board>_<n>p/
    job = "cmaes"                       # whose config the rows are (JOB_CONFIGS; default cmaes)
    boards = ["square8", "square19", "hexagonal", "hex8"]
    players = [2, 3, 4]                 # rows: boards x players, in this order
    config = ""                         # optional base job config, relative to this file

    [job.cmaes]                         # any section of the CMA-ES job config: every row
    generations = 30
    [board.square19.farm]               # only the rows of one board
    games_per_task = 2
    [players.3.game]                    # only the rows of one player count
    opening_random_plies = 0

A row's config, lowest precedence first: the job's defaults, the base config, RingRift's
rules below, ``[job]``, ``[board.B]``, ``[players.N]``; then game counts are rounded up to a
multiple of the player count (each start position is played with the candidate in every seat).

RingRift's rules, kept here and nowhere else: the move cap of its CMA-ES (200 applied moves
with 2 players, 500 with 3-4); the evaluation mode per board (square8/hex8 full,
square19/hexagonal light) and epsilon (0.02 with 2 players, 0 with 3-4) are left to the job's
``eval_mode = "auto"`` and ``eval_randomness = -1``, which already resolve them; the profile
ids its loader expects (``heuristic_v1_<sq8|sq19|hex8|hex>_<n>p``, and ``heuristic_v1_<n>p``,
which RingRift aliases to the square8 profiles).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from .cmaes.config import BOARDS, CMAESConfig
from .config import Config, ConfigError, read_toml
from .selfplay.config import SelfplayConfig

# job name -> its config class: a matrix's rows are configs of one job (`[matrix] job`, default
# cmaes), each job started by its own slurm/<job>.sbatch
JOB_CONFIGS: dict[str, type[Config]] = {"cmaes": CMAESConfig, "selfplay": SelfplayConfig}

# RingRift's run_cmaes_optimization.py: applied-move cap by player count (a capped game is a draw)
MAX_MOVES_BY_PLAYERS = {2: 200, 3: 500, 4: 500}
# RingRift's BOARD_ABBREV / BOARD_PROFILE_MAP (app/ai/heuristic_weights.py)
PROFILE_BOARD_ABBREV = {"square8": "sq8", "square19": "sq19", "hex8": "hex8", "hexagonal": "hex"}
# config keys counting games that every seat must play equally often
PER_SEAT_GAME_KEYS = ("cmaes.games_per_eval", "iterate.eval_games")
MERGED_NAME = "trained_heuristic_profiles.json"


class MatrixError(ValueError):
    """A bad matrix file or row; the message names the file."""


def profile_id(board: str, players: int) -> str:
    """The id RingRift's loader looks up for this board and player count."""
    return f"heuristic_v1_{PROFILE_BOARD_ABBREV[board]}_{players}p"


def legacy_profile_id(players: int) -> str:
    """RingRift's player-count-only id, an alias of the square8 profile."""
    return f"heuristic_v1_{players}p"


@dataclass
class Row:
    index: int
    board: str
    players: int
    overrides: dict[str, Any] = field(default_factory=dict)  # "section.key" -> value, in order
    notes: list[str] = field(default_factory=list)            # what the rules changed, for the config header

    @property
    def name(self) -> str:
        return f"{self.board}_{self.players}p"

    @property
    def profile_id(self) -> str:
        return profile_id(self.board, self.players)


def _flatten(table: Any, where: str) -> dict[str, Any]:
    """{section: {key: value}} -> {"section.key": value}."""
    if not isinstance(table, dict):
        raise MatrixError(f"{where}: expected a table of job config sections")
    out = {}
    for sec, keys in table.items():
        if not isinstance(keys, dict):
            raise MatrixError(f"{where}.{sec}: expected a table (e.g. [{where}.{sec}] with key = value lines)")
        for k, v in keys.items():
            out[f"{sec}.{k}"] = v
    return out


class Matrix:
    """A parsed matrix file: its rows, each a list of overrides of the CMA-ES job config."""

    def __init__(self, path: str):
        self.path = path
        data = read_toml(path, "matrix", MatrixError)
        unknown = set(data) - {"matrix", "job", "board", "players"}
        if unknown:
            raise MatrixError(f"{path}: unknown table(s) {', '.join(sorted(unknown))} "
                              "(known: matrix, job, board, players)")
        m = data.get("matrix")
        if not isinstance(m, dict):
            raise MatrixError(f"{path}: missing [matrix] table (name, boards, players)")
        bad = set(m) - {"name", "job", "boards", "players", "config", "description"}
        if bad:
            raise MatrixError(f"{path}: [matrix]: unknown key(s) {', '.join(sorted(bad))} "
                              "(known: name, job, boards, players, config, description)")
        self.job_name = m.get("job", "cmaes")
        if self.job_name not in JOB_CONFIGS:
            raise MatrixError(f"{path}: matrix.job: unknown job {self.job_name!r} (known: {', '.join(JOB_CONFIGS)})")
        self.config_cls = JOB_CONFIGS[self.job_name]
        self.name = m.get("name") or os.path.splitext(os.path.basename(path))[0]
        if not isinstance(self.name, str) or not self.name.replace("-", "_").isidentifier():
            raise MatrixError(f"{path}: matrix.name must be a plain name (letters, digits, _ and -), got {self.name!r}")
        self.description = m.get("description", "")
        boards, players = m.get("boards"), m.get("players")
        if not isinstance(boards, list) or not boards or any(b not in BOARDS for b in boards):
            raise MatrixError(f"{path}: matrix.boards must be a non-empty list of {', '.join(BOARDS)}; got {boards!r}")
        if (not isinstance(players, list) or not players
                or any(isinstance(p, bool) or p not in (2, 3, 4) for p in players)):
            raise MatrixError(f"{path}: matrix.players must be a non-empty list of 2, 3, 4; got {players!r}")
        if len(set(boards)) != len(boards) or len(set(players)) != len(players):
            raise MatrixError(f"{path}: matrix.boards and matrix.players must not repeat an entry")
        base = m.get("config", "")
        if not isinstance(base, str):
            raise MatrixError(f"{path}: matrix.config must be a path (string)")
        self.base = os.path.join(os.path.dirname(os.path.abspath(path)), base) if base else None
        self.job = _flatten(data.get("job", {}), "job")
        self.by_board = {}
        for b, t in (data.get("board") or {}).items():
            if b not in BOARDS:
                raise MatrixError(f"{path}: [board.{b}]: unknown board (expected one of {', '.join(BOARDS)})")
            self.by_board[b] = _flatten(t, f"board.{b}")
        self.by_players = {}
        for p, t in (data.get("players") or {}).items():
            if p not in ("2", "3", "4"):
                raise MatrixError(f"{path}: [players.{p}]: player count must be 2, 3 or 4")
            self.by_players[int(p)] = _flatten(t, f"players.{p}")
        self.rows = [self._row(i, b, p) for i, (b, p) in enumerate((b, p) for b in boards for p in players)]
        for r in self.rows:  # every row must give a valid job config: fail here, not in task 7 of the array
            self.config(r.index)

    def _row(self, index: int, board: str, players: int) -> Row:
        r = Row(index, board, players)
        ov = r.overrides
        tuning = self.job_name == "cmaes"  # RingRift's CMA-ES rules; self-play keeps its own move limits
        if tuning:
            ov["game.max_moves"] = MAX_MOVES_BY_PLAYERS[players]
        ov.update(self.job)
        ov.update(self.by_board.get(board, {}))
        ov.update(self.by_players.get(players, {}))
        ov["game.board"], ov["game.players"] = board, players  # the row's identity wins over everything
        if tuning and ov["game.max_moves"] != MAX_MOVES_BY_PLAYERS[players]:
            r.notes.append(f"game.max_moves {ov['game.max_moves']} set by the matrix "
                           f"(RingRift's cap for {players} players: {MAX_MOVES_BY_PLAYERS[players]})")
        return r

    def row(self, k: int) -> Row:
        if not 0 <= k < len(self.rows):
            raise MatrixError(f"{self.path}: row {k} out of range (the matrix has rows 0-{len(self.rows) - 1})")
        return self.rows[k]

    def config(self, k: int) -> Config:
        """Row k's effective job config (environment overrides left to the job itself)."""
        r = self.row(k)
        where = f"{self.path}: row {k} ({r.name})"
        try:
            cfg = self.config_cls.load(self.base, env={}, overrides=self._rounded(r))
        except ConfigError as e:
            raise MatrixError(f"{where}: {e}") from None
        except ValueError as e:  # "section.key" without a dot and the like
            raise MatrixError(f"{where}: {e}") from None
        return cfg

    def _rounded(self, r: Row) -> dict[str, Any]:
        base = (self.config_cls.load(self.base, env={}, overrides=None) if self.base
                else self.config_cls.defaults())
        ov = dict(r.overrides)
        for dotted in PER_SEAT_GAME_KEYS if self.job_name == "cmaes" else ():
            sec, key = dotted.split(".")
            n = ov.get(dotted, getattr(getattr(base, sec), key))
            if isinstance(n, int) and not isinstance(n, bool) and n > 0 and n % r.players:
                up = n + r.players - n % r.players
                ov[dotted] = up
                note = f"{dotted} {n} -> {up} (a multiple of {r.players} players)"
                if note not in r.notes:
                    r.notes.append(note)
        return ov


def config_toml(m: Matrix, k: int) -> str:
    """Row k's complete job config as TOML: every key written, so the file stands alone."""
    r, cfg = m.row(k), m.config(k)
    lines = [f"# Row {k} ({r.name}) of matrix {m.path!r} ({m.name}), written by python -m ringrift_mpi.matrix.",
             (f"# RingRift profile id: {r.profile_id}; evaluation mode {cfg.mode_name}, epsilon {cfg.epsilon}."
              if m.job_name == "cmaes" else f"# {m.job_name}: evaluation mode {cfg.mode_name}."),
             "# Edit the matrix file, not this one: it is rewritten before every run of the row."]
    lines += [f"# note: {n}" for n in r.notes]
    for sec, table in cfg.to_dict().items():
        lines.append(f"\n[{sec}]")
        for key, value in table.items():
            lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)  # a JSON string is a valid TOML basic string
    raise TypeError(f"cannot write {v!r} as TOML")


def write_config(m: Matrix, k: int, path: str) -> None:
    from .storage import atomic_file
    text = config_toml(m, k)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with atomic_file(path) as tmp:
        with open(tmp, "w") as f:
            f.write(text)


def merge(m: Matrix, runs: str, out: str) -> list[str]:
    """Every row's profile.json -> one RingRift multi-profile file. Returns the ids written."""
    from . import profiles as PR
    if m.job_name != "cmaes":
        raise MatrixError(f"{m.path}: --merge gathers tuned profiles; this is a matrix of {m.job_name} runs")
    items: dict[str, PR.Profile] = {}
    missing = []
    for r in m.rows:
        p = os.path.join(runs, r.name, "profile.json")
        if not os.path.exists(p):
            missing.append(p)
            continue
        try:
            prof = PR.load_profile(p)
        except PR.ProfileError as e:
            raise MatrixError(str(e)) from None
        if prof.filled:
            raise MatrixError(f"{p}: lacks {len(prof.filled)} of the 59 weights ({', '.join(prof.filled[:3])}, ...)")
        got = (prof.meta.get("board"), prof.meta.get("num_players"))
        if got != (r.board, r.players):
            raise MatrixError(f"{p}: profile is for {got[0]} {got[1]}p, but row {r.index} is {r.board} {r.players}p")
        prof.meta = {"source": "ringrift-mpi cmaes", "board": r.board, "num_players": r.players,
                     "matrix": m.name, "row": r.index, "run_dir": os.path.abspath(os.path.join(runs, r.name)),
                     **{k: v for k, v in prof.meta.items() if k in ("config_hash", "seed", "timestamp")}}
        items[r.profile_id] = prof
        if r.board == "square8":  # RingRift's legacy ids alias the square8 profiles
            alias = PR.Profile(dict(prof.weights), [], prof.fitness, prof.generation,
                               {**prof.meta, "alias_of": r.profile_id})
            items[legacy_profile_id(r.players)] = alias
    if missing:
        raise MatrixError(f"{m.path}: {len(missing)} row(s) have no profile.json yet: " + ", ".join(missing))
    now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    PR.save_profiles(out, PR.ProfileSet(items, {
        "version": "1.0", "created": now,
        "description": f"CMA-ES tuned HeuristicAI profiles, matrix {m.name} ({len(m.rows)} rows), ringrift-mpi; "
                       f"load with RINGRIFT_TRAINED_HEURISTIC_PROFILES"}))
    return list(items)


def _table(m: Matrix) -> str:
    if m.job_name == "selfplay":
        return _selfplay_table(m)
    head = ("row", "name", "profile id", "max moves", "mode", "eps", "gens", "pop", "games/eval", "iters",
            "eval games")
    rows = []
    for r in m.rows:
        c = m.config(r.index)
        rows.append((str(r.index), r.name, r.profile_id, str(c.game.max_moves), c.mode_name, str(c.epsilon),
                     str(c.cmaes.generations), str(c.cmaes.population_size or "auto"), str(c.cmaes.games_per_eval),
                     str(c.iterate.iterations), str(c.iterate.eval_games)))
    w = [max(len(h), *(len(x[i]) for x in rows)) for i, h in enumerate(head)]
    fmt = lambda cells: "  ".join(c.ljust(w[i]) for i, c in enumerate(cells)).rstrip()  # noqa: E731
    return "\n".join([fmt(head)] + [fmt(x) for x in rows])


def _selfplay_table(m: Matrix) -> str:
    head = ("row", "name", "games", "max moves", "seats", "eps", "opening plies")
    rows = []
    for r in m.rows:
        c = m.config(r.index)
        rows.append((str(r.index), r.name, str(c.run.games), str(c.max_moves), c.players.seats,
                     str(c.players.epsilon), str(c.game.opening_random_plies)))
    w = [max(len(h), *(len(x[i]) for x in rows)) for i, h in enumerate(head)]
    fmt = lambda cells: "  ".join(c.ljust(w[i]) for i, c in enumerate(cells)).rstrip()  # noqa: E731
    return "\n".join([fmt(head)] + [fmt(x) for x in rows])


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m ringrift_mpi.matrix", description=__doc__.split("\n\n")[0])
    ap.add_argument("--matrix", required=True, metavar="FILE", help="matrix TOML, e.g. jobs/matrix_full.toml")
    ap.add_argument("--row", type=int, metavar="K", help="a row (0-based; Slurm's SLURM_ARRAY_TASK_ID)")
    what = ap.add_mutually_exclusive_group()
    what.add_argument("--count", action="store_true", help="print the number of rows")
    what.add_argument("--job", action="store_true", help="print whose configs the rows are (cmaes, selfplay)")
    what.add_argument("--name", action="store_true", help="print the matrix's name, or with --row the row's name")
    what.add_argument("--print-config", action="store_true", help="print row K's complete job config (TOML)")
    what.add_argument("--write-config", metavar="FILE", help="write row K's complete job config to FILE (atomic)")
    what.add_argument("--prepare", metavar="RUNS",
                      help="write row K's config to RUNS/<matrix name>/<row name>/job.toml and print that run "
                           "directory (what a Slurm array task does first)")
    what.add_argument("--merge", metavar="RUNS", help="merge RUNS/<row name>/profile.json of every row into --out")
    ap.add_argument("--out", metavar="FILE", help=f"with --merge: the trained-profiles file (default RUNS/{MERGED_NAME})")
    return ap


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        m = Matrix(args.matrix)
        needs_row = args.print_config or args.write_config or args.prepare
        if needs_row and args.row is None:
            raise MatrixError("--print-config, --write-config and --prepare need --row K")
        if args.count:
            print(len(m.rows))
        elif args.job:
            print(m.job_name)
        elif args.name:
            print(m.row(args.row).name if args.row is not None else m.name)
        elif args.print_config:
            sys.stdout.write(config_toml(m, args.row))
        elif args.write_config:
            write_config(m, args.row, args.write_config)
        elif args.prepare:
            run_dir = os.path.join(args.prepare, m.name, m.row(args.row).name)
            write_config(m, args.row, os.path.join(run_dir, "job.toml"))
            print(run_dir)
        elif args.merge:
            out = args.out or os.path.join(args.merge, MERGED_NAME)
            ids = merge(m, args.merge, out)
            print(f"wrote {out}: {len(ids)} profiles ({', '.join(ids)})")
        elif args.row is not None:
            r = m.row(args.row)
            print(f"{r.index} {r.name} {r.profile_id}")
        else:
            print(f"matrix {m.name} ({m.path}): {len(m.rows)} rows")
            print(_table(m))
    except (MatrixError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
