"""``python -m ringrift_mpi.selfplay --config FILE --run-dir DIR``: self-play training data over MPI.

Rank 0 hands out tasks (runs of game ids) through the farm; every rank, rank 0
included, plays them (kernels), encodes them (kernels.encoding.compact) and buffers
them for its own shard files; MPI carries only task ranges and small figures.
Game i is a function of the settings, the run seed and i alone, so 1, 2 or 16
ranks make the same games and, sorted by game id, the same rows.

Run directory: ``shards/*.h5`` (each rank's games, written atomically),
``dataset.h5`` (the index: virtual datasets over the shards, rebuilt at the end of
every session and by ``--index-only``), ``selfplay.json`` (the run record),
``selfplay.log`` and ``run.lock``. Running the same command again resumes: the
shards say which games exist, the others are played. SIGTERM, SIGUSR1 or Ctrl-C
stops at the next task boundary, every rank writes what it holds and the index
is rebuilt (exit 0); a ``kill -9`` loses only the games not yet in a shard. Every
error is one line and exit status 2.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

from ..config import ConfigError, add_override_flags
from ..mpi.driver import DONE, STOP, finish, lead
from ..mpi.entry import run_ranks, start_job
from ..mpi.farm import run_tasks
from ..mpi.world import ABORT_GRACE_S, Reporter, StopSignals, get_comm
from ..storage import StorageError
from ..storage.dataset import INDEX_NAME, SHARD_DIR, build_index, stale_temp_files
from ..storage.selfplay_run import RUN_NAME, read_run, write_run
from .config import FLAGS, SelfplayConfig
from .play import Setup, load_seats, play_block, shard_attrs
from .shards import ShardWriter, next_session, scan

LOG_NAME = "selfplay.log"


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m ringrift_mpi.selfplay",
                                 description="Self-play games as RingRift training data, over MPI ranks.")
    ap.add_argument("--config", metavar="FILE", help="job config (TOML), e.g. jobs/selfplay_square8_2p.toml; "
                                                      "without it the defaults (square8 2p, 100 games)")
    ap.add_argument("--run-dir", required=True, metavar="DIR",
                    help="output folder; rerunning on it plays only the games its shards lack")
    ap.add_argument("--index-only", action="store_true", help="rebuild DIR/dataset.h5 from the shards and stop")
    add_override_flags(ap, FLAGS)
    return ap


def _fmt_s(s: float) -> str:
    s = int(round(s))
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


def _die(comm, msg) -> None:
    """A rank cannot go on (it cannot write its shard): one line, then the whole job ends."""
    if comm.size == 1:
        raise StorageError(str(msg))
    sys.stderr.write(f"error: [rank {comm.rank}] {msg}\n")
    sys.stderr.flush()
    time.sleep(ABORT_GRACE_S)
    comm.Abort(2)


def _warm(board: str, players: int) -> None:
    """Compile (or load) every kernel a session calls, with the argument types it uses."""
    from kernels import geometry as G
    from kernels.encoding import feature_shape
    from kernels.encoding.compact import encode_game_compact, expand, new_cache
    from kernels.encoding.layout import N_GLOBALS
    from kernels.encoding.values import sample_values, values_mp
    from kernels.heuristic_weights import BASE_V1_BALANCED_WEIGHTS, weights_array
    from kernels.newgame import new_game
    from ..storage.dataset import CELL_ROWS
    w = weights_array(BASE_V1_BALANCED_WEIGHTS)[None, :]
    setup = Setup(board, players, 0, "full", 0.0, 0.0, 0, 4, True, 1, w, np.zeros(players, np.int64),
                  ["x"] * players)
    play_block(setup, 0, 1)
    setup.mode = "light"
    play_block(setup, 0, 1)  # capped after 4 moves: no winner, so encode by hand below
    b = G.board_id(board)
    geo, n, L = G.build(b), G.BOARD_CELLS[b], 2
    from kernels.games import run_games
    moves = run_games(geo, new_game(b, players), 0, np.zeros(1, np.int64), np.zeros(players, np.int64), w,
                      max_moves=L, record=L).move_list[0, :L]
    s = new_game(b, players)
    cells, movers_all = np.zeros((L, CELL_ROWS, n), np.uint8), np.zeros(L, np.uint8)
    pol, plies, movers = np.zeros(L, np.int32), np.zeros(L, np.int32), np.zeros(L, np.int32)
    k = encode_game_compact(geo, s, moves, 1, 0, cells, movers_all, np.zeros((L, N_GLOBALS), np.float32), pol,
                            plies, movers, np.zeros(L, np.uint8), np.zeros(L, np.uint8))
    sample_values(s, movers[:k], np.zeros(k, np.float32))
    values_mp(s, np.zeros(4, np.float32))
    cache, rows = new_cache(b)
    expand(geo, cells, movers_all, np.zeros(1, np.int64), np.zeros(1, np.int32), new_game(b, players), cache, rows,
           np.zeros((1,) + feature_shape(b), np.float32))


class Progress:
    """Rank 0: totals of the task results, and a line every ``every`` seconds."""

    def __init__(self, rep: Reporter, total_games: int, done_before: int, every: float):
        self.rep, self.total, self.before, self.every = rep, total_games, done_before, every
        self.t0 = self.last = time.perf_counter()
        self.sum = dict.fromkeys(("games", "won", "positions", "moves", "play_s", "encode_s", "write_s"), 0.0)

    def on_task(self, i, st) -> None:
        for k in self.sum:
            self.sum[k] += st.get(k, 0)
        self.rep.bar(int(self.before + self.sum["games"]), self.total, "games")
        now = time.perf_counter()
        if now - self.last >= self.every:
            self.last = now
            self.rep.line(self.line(now))

    def line(self, now: float) -> str:
        wall = max(now - self.t0, 1e-9)
        g = self.sum["games"]
        done = int(self.before + g)
        left = self.total - done
        eta = _fmt_s(left * wall / g) if g else "?"
        return (f"games {done}/{self.total} ({100.0 * done / max(self.total, 1):.1f} %)  positions "
                f"{int(self.sum['positions']):,}  {self.sum['positions'] / wall:,.0f} positions/s  "
                f"{g / wall:.1f} games/s  ETA {eta}")


def _session(comm, setup: Setup, tasks, should_stop=lambda: False, on_task=None, prefetch: int = 2):
    """Collective: every rank plays tasks into its shards. Rank 0 gets (results, [final write s per rank],
    [shards per rank])."""
    from kernels import geometry as G
    b = setup.board_id
    geo = G.build(b)
    writer = ShardWriter(setup.run_dir, comm.rank, setup.session, setup.attrs, G.BOARD_CELLS[b],
                         setup.compression, setup.shard_bytes, setup.flush_seconds)

    def do(task):
        blk, st = play_block(setup, task[0], task[1], geo)
        try:
            st["write_s"] = writer.add(blk)
        except StorageError as e:
            _die(comm, e)
        return st

    res = run_tasks(comm, tasks, do, should_stop=should_stop, prefetch=prefetch, on_task=on_task)
    try:
        last = writer.flush()
    except StorageError as e:
        _die(comm, e)
    gathered = comm.gather((last, len(writer.written)), root=0)
    return (res, gathered) if comm.rank == 0 else None


def run(comm, cfg: SelfplayConfig, run_dir: str, index_only: bool = False, out=None) -> int:
    """The job on every rank (collective). Returns the exit status."""
    warm = None if index_only else (lambda: _warm(cfg.game.board, cfg.game.players))
    return run_ranks(comm, os.path.join(run_dir, LOG_NAME), warm,
                     lambda setup: _session(comm, setup, None, prefetch=cfg.farm.prefetch),
                     lambda rep, stop: _drive(comm, cfg, run_dir, index_only, rep, stop), out)


def _drive(comm, cfg: SelfplayConfig, run_dir: str, index_only: bool, rep: Reporter, stop: StopSignals) -> int:
    P = cfg.game.players
    W, rows, hashes, table = load_seats(cfg.seat_specs, P)
    chash = cfg.config_hash()
    by_spec = dict(zip(cfg.seat_specs * (P if len(cfg.seat_specs) == 1 else 1), hashes))
    rec_path = os.path.join(run_dir, RUN_NAME)
    sessions = []
    if os.path.exists(rec_path):
        rec = read_run(rec_path)
        if rec["config_hash"] != chash:
            keys = cfg.diff(rec["config"])
            what = f"differs in {'; '.join(keys)}" if keys else f"hash {rec['config_hash']}, this job {chash}"
            raise StorageError(f"{rec_path}: this run directory belongs to another configuration ({what}); use a "
                               "new --run-dir, or the run's own settings to resume it")
        changed = [s for s, h in by_spec.items() if rec["profiles"].get(s, h) != h]
        if changed:
            raise StorageError(f"{changed[0]}: the weights of this seat profile changed since the run started "
                               f"(hash {rec['profiles'][changed[0]]}, now {by_spec[changed[0]]}); use a new "
                               "--run-dir")
        sessions = rec["sessions"]
    for tmp in stale_temp_files(run_dir):
        os.unlink(tmp)  # an interrupted shard write: never a shard, never read
    done_ids, _ = scan(run_dir, chash)
    total = cfg.run.games
    session = next_session(run_dir, sessions)
    rep.line(f"ringrift_mpi.selfplay: {cfg.game.board} {P}p, {comm.size} rank(s), seed {cfg.run.seed}, "
             f"config {cfg.source} (hash {chash}), run dir {run_dir}")
    seats = ", ".join(f"{s + 1}: {spec}" for s, spec in enumerate(cfg.seat_specs * (P if len(cfg.seat_specs) == 1
                                                                                  else 1)))
    rep.line(f"seats {seats}; epsilon {cfg.players.epsilon}, temperature {cfg.players.temperature}, "
             f"{cfg.game.opening_random_plies} random opening plies, {cfg.mode_name} evaluation, "
             f"move limit {cfg.max_moves}")
    if index_only:
        return _finish_index(comm, rep, run_dir, chash, total, stopped=None)
    todo = np.setdiff1d(np.arange(total, dtype=np.int64), done_ids)
    if len(todo) == 0:
        if not os.path.exists(rec_path):
            write_run(rec_path, cfg.to_dict(), chash, by_spec, sessions)
        rep.line(f"nothing to play: all {total} games are in shards")
        return _finish_index(comm, rep, run_dir, chash, total, stopped=None)
    write_run(rec_path, cfg.to_dict(), chash, by_spec, sessions + [
        {"session": session, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "ranks": comm.size,
         "games_done": int(len(done_ids))}])
    if len(done_ids):
        rep.line(f"resuming: {len(done_ids)} game(s) already in shards, {len(todo)} to play (session {session})")
    setup = Setup(cfg.game.board, P, cfg.run.seed, cfg.mode_name, cfg.players.epsilon, cfg.players.temperature,
                  cfg.game.opening_random_plies, cfg.max_moves, cfg.players.rotate, cfg.dataset.sample_every, W,
                  rows, hashes, attrs=shard_attrs(cfg, table), run_dir=run_dir, session=session,
                  compression=cfg.dataset.compression, shard_bytes=cfg.dataset.shard_mb << 20,
                  flush_seconds=cfg.dataset.flush_seconds)
    tasks = _tasks(todo, cfg.games_per_task)
    prog = Progress(rep, total, int(np.count_nonzero(done_ids < total)), cfg.farm.progress_seconds)
    lead(comm, setup)
    res, gathered = _session(comm, setup, tasks, lambda: stop.requested is not None, prog.on_task,
                             cfg.farm.prefetch)
    prog.sum["write_s"] += sum(g[0] for g in gathered)
    s = prog.sum
    busy = s["play_s"] + s["encode_s"] + s["write_s"]
    rep.line(prog.line(time.perf_counter()))
    if s["games"]:
        rep.line(f"this session: {int(s['games'])} games ({int(s['won'])} with a winner), {int(s['positions']):,} "
                 f"positions in {sum(g[1] for g in gathered)} shard(s); rank time: playing "
                 f"{100 * s['play_s'] / busy:.1f} %, encoding {100 * s['encode_s'] / busy:.1f} %, writing "
                 f"{100 * s['write_s'] / busy:.1f} %")
    stopped = stop.requested if any(r is None for r in res) else None
    return _finish_index(comm, rep, run_dir, chash, total, stopped)


def _tasks(ids: np.ndarray, per_task: int) -> list[tuple[int, int]]:
    """Runs of consecutive ids, each cut into tasks of at most per_task games."""
    out = []
    if len(ids) == 0:
        return out
    cut = np.flatnonzero(np.diff(ids) != 1) + 1
    for run in np.split(ids, cut):
        for a in range(0, len(run), per_task):
            part = run[a:a + per_task]
            out.append((int(part[0]), int(part[-1]) + 1))
    return out


def _finish_index(comm, rep: Reporter, run_dir: str, chash: str, total: int, stopped: str | None) -> int:
    done_ids, paths = scan(run_dir, chash)
    if paths:
        t = build_index(run_dir)
        where = os.path.join(run_dir, INDEX_NAME)
        rep.line(f"dataset {where}: {t['games']} games, {t['positions']:,} positions, {len(paths)} shard(s)")
    else:
        rep.line(f"no shards in {os.path.join(run_dir, SHARD_DIR)} yet: no index written")
    missing = total - int(np.count_nonzero(done_ids < total))
    if stopped:
        finish(comm, STOP)
        rep.line(f"{stopped} received: stopped with {total - missing} of {total} games in shards; run the same "
                 "command again to play the rest")
        return 0
    finish(comm, DONE)
    extra = int(np.count_nonzero(done_ids >= total))
    note = f" (and {extra} game(s) beyond run.games = {total} from an earlier, larger setting)" if extra else ""
    rep.line(f"done: {total - missing} of {total} games{note}")
    return 0


def _check_seats(cfg: SelfplayConfig) -> None:
    try:
        load_seats(cfg.seat_specs, cfg.game.players)
    except StorageError as e:
        raise ConfigError(f"{cfg.source}: players.seats: {e}") from None


def main(argv=None, comm=None) -> int:
    args = build_parser().parse_args(argv)
    comm = get_comm(comm)
    return start_job(comm, argv, SelfplayConfig, args, lambda cfg: run(comm, cfg, args.run_dir, args.index_only),
                     check=_check_seats, subdirs=(SHARD_DIR,))
