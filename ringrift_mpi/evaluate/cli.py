"""``python -m ringrift_mpi.evaluate CANDIDATE --vs OPPONENT [...]``: a match, under MPI or alone.

Plays the candidate against each opponent over the same seat-rotated sets (the
seat-swapped pair with 2 players; with 3-4 the candidate in every seat against
copies of the opponent, and the mirror), from a seed and a start-position pool
or seeded random opening moves, and prints per opponent: wins, draws, losses,
the score with a 95 % interval, the Elo difference with its interval, and the
exact one-sided p-value that the candidate is the stronger
(ringrift_mpi.evaluate.stats). ``--output`` writes the same as JSON
(storage/evaluation.py). Game settings come from ``--config`` (a CMA-ES job
file: its [game] section) or RingRift's CMA-ES defaults, then the flags.
The same command gives the same numbers on any rank count.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
import time

from ..config import ConfigError
from ..storage import StorageError
from .players import Player, PlayerError, kinds_help, parse

# RingRift's CMA-ES move cap by player count (run_cmaes_optimization.py): a capped game is a draw
RINGRIFT_MAX_MOVES = {2: 200, 3: 500, 4: 500}


def build_parser() -> argparse.ArgumentParser:
    kinds = "; ".join(f"{k}: {h}" for k, h in kinds_help().items())
    ap = argparse.ArgumentParser(prog="python -m ringrift_mpi.evaluate",
                                 description=__doc__.split("\n\n")[1].replace("\n", " "),
                                 epilog=f"Players: a profile .json path or KIND:ARG ({kinds}).")
    ap.add_argument("candidate", help="the player under test (e.g. profiles/square8_2p.json)")
    ap.add_argument("--vs", nargs="+", required=True, metavar="OPPONENT",
                    help="one or more opponents (e.g. default ringrift:heuristic_v1_2p)")
    ap.add_argument("--config", metavar="FILE", help="take the game settings from a CMA-ES job config ([game])")
    ap.add_argument("--board", help="square8, hex8, square19 or hexagonal (default: the config's, or square8)")
    ap.add_argument("--num-players", "--players", type=int, dest="players", help="2, 3 or 4")
    ap.add_argument("--games", type=int, default=400,
                    help="the candidate's games per opponent, a multiple of the player count (default 400); "
                         "3-4 players play as many mirrored games again")
    ap.add_argument("--seed", type=int, default=1, help="seed of the sets (start positions, game seeds)")
    ap.add_argument("--max-moves", type=int, help="move cap (default RingRift's: 200 with 2 players, 500 with 3-4)")
    ap.add_argument("--eval-randomness", type=float, help="epsilon (default RingRift's: 0.02 / 0)")
    ap.add_argument("--heuristic-eval-mode", help="full, light or auto (the board's training mode)")
    ap.add_argument("--opening-random-plies", type=int, help="seeded random moves before the players take over")
    ap.add_argument("--state-pool", help="pool.h5 of start positions")
    ap.add_argument("--output", metavar="FILE", help="write the result as JSON (ringrift-mpi/evaluation)")
    ap.add_argument("--games-per-task", type=int, default=4, help="games in one farm task (never changes a result)")
    return ap


def _settings(args):
    """-> (CMAESConfig holding the game settings, games). ConfigError on a bad value."""
    from ..cmaes.config import CMAESConfig
    ov = {}
    for flag, key in (("board", "game.board"), ("players", "game.players"), ("max_moves", "game.max_moves"),
                      ("eval_randomness", "game.eval_randomness"), ("heuristic_eval_mode", "game.eval_mode"),
                      ("opening_random_plies", "game.opening_random_plies"), ("state_pool", "game.state_pool")):
        v = getattr(args, flag)
        if v is not None:
            ov[key] = v
    players = ov.get("game.players")
    if players is None and args.config:
        players = CMAESConfig.load(args.config, env={}).game.players
    if not args.config and "game.max_moves" not in ov and players in RINGRIFT_MAX_MOVES:
        ov["game.max_moves"] = RINGRIFT_MAX_MOVES[players]
    # the job's game-count keys only have to be valid for this player count
    ov["cmaes.games_per_eval"] = ov["iterate.eval_games"] = 12
    cfg = CMAESConfig.load(args.config, env={}, overrides=ov)
    P = cfg.game.players
    if args.games < P or args.games % P:
        raise ConfigError(f"--games: must be a positive multiple of the player count ({P}), got {args.games}")
    if args.games_per_task < 1:
        raise ConfigError("--games-per-task: must be >= 1")
    return cfg


def _player_json(p: Player) -> dict:
    return {"spec": p.spec, "label": p.label, "source": p.source, "filled": p.filled, "engine": p.engine,
            "weights": None if p.weights is None else [float(x) for x in p.weights]}


def _prepare(args):
    """Rank 0: settings, players, pool. -> (plan, error line)."""
    from .match import Settings
    try:
        cfg = _settings(args)
        cand = parse(args.candidate)
        opps = [parse(s) for s in args.vs]
        g = cfg.game
        for p in (cand, *opps):  # a seat made for one board (a network) refuses another here, on rank 0
            if p.plays is not None and tuple(p.plays) != (g.board, g.players):
                raise PlayerError(f"{p.spec}: plays {p.plays[0]} {p.plays[1]}p, the match is {g.board} {g.players}p")
        pool, digest = None, ""
        if g.state_pool:
            from ..storage.pool import read_pool
            pool = read_pool(g.state_pool, g.board, g.players)
            digest = hashlib.sha256(pool.tobytes()).hexdigest()
        s = Settings(g.board, g.players, cfg.mode_name, cfg.epsilon, g.max_moves, g.opening_random_plies,
                     args.seed, args.games, max(1, args.games_per_task // g.players))
        return (s, cand, opps, pool, g.state_pool, digest), None
    except (ConfigError, StorageError, PlayerError) as e:
        return None, str(e)


def _row(label: str, r: dict) -> str:
    from .stats import fmt_elo, fmt_p
    return (f"{label:<24} {r['wins']:>5} {r['draws']:>5} {r['losses']:>5}  {r['score']:.3f} "
            f"[{r['score_lo']:.3f}, {r['score_hi']:.3f}]  {fmt_elo(r['elo']):>5} "
            f"[{fmt_elo(r['elo_lo'])}, {fmt_elo(r['elo_hi'])}]  {r['sets_better']:>4}/{r['sets_worse']:<4} "
            f"{fmt_p(r['p_value']):>8}")


def main(argv=None, comm=None, out=None) -> int:
    from ..mpi.world import abort_on_exception, get_comm, warm_numba
    from .match import build_match, play_match, result_of
    args = build_parser().parse_args(argv)
    comm = get_comm(comm)
    if argv is None:
        abort_on_exception(comm)
    out = out or sys.stdout
    plan, err = _prepare(args) if comm.rank == 0 else (None, None)
    err = comm.bcast(err, root=0)
    if err:
        if comm.rank == 0:
            print(f"error: {err}", file=sys.stderr)
        return 2
    plan = comm.bcast(plan, root=0)
    s, cand, opps, pool, pool_path, digest = plan

    def warm():
        from ..cmaes.job import _warm
        _warm()

    warm_numba(comm, warm, say=lambda line: print(line, file=out, flush=True) if comm.rank == 0 else None)
    say = (lambda line: print(line, file=out, flush=True)) if comm.rank == 0 else (lambda line: None)
    sets = s.games // s.players
    mirror = f" + {s.games} mirrored" if s.players > 2 else ""
    start = "the initial position" if pool is None else f"{pool_path} ({len(pool)} states)"
    plies = f" + {s.opening_plies} random plies" if s.opening_plies else ""
    say(f"ringrift_mpi.evaluate: {cand.spec} vs {len(opps)} opponent(s): {s.board} {s.players}p, {s.mode} mode, "
        f"epsilon {s.epsilon:g}, move cap {s.max_moves}, {s.games} games{mirror} per opponent ({sets} sets), "
        f"starts {start}{plies}, seed {s.seed}, {comm.size} rank(s)")
    say(f"{'opponent':<24} {'won':>5} {'drawn':>5} {'lost':>5}  score [95% interval]  Elo [95% interval]  "
        f"sets +/-  p (one-sided)")
    t0 = time.perf_counter()
    results = []
    for opp in opps:
        m = build_match(s, cand, opp, pool)
        got = play_match(comm, m, prefetch=3)
        if comm.rank != 0:
            continue
        r = result_of(m, *got)
        results.append({"opponent": _player_json(opp), **r})
        say(_row(opp.label, r))
    wall = time.perf_counter() - t0
    if comm.rank != 0:
        return 0
    capped = sum(r["capped"] for r in results)
    total = sum(r["games"] + r["mirror_games"] for r in results)
    say(f"{total} games in {wall:.1f} s ({total / max(wall, 1e-9):.1f} games/s)"
        + (f"; {capped} ({100 * capped / total:.0f} %) ended at the move cap (a draw)" if capped else ""))
    if args.output:
        from ..storage.evaluation import write_evaluation
        settings = {"board": s.board, "players": s.players, "mode": s.mode, "epsilon": s.epsilon,
                    "max_moves": s.max_moves, "opening_random_plies": s.opening_plies,
                    "state_pool": pool_path, "state_pool_sha256": digest, "seed": s.seed,
                    "games": s.games}
        try:
            write_evaluation(args.output, {"created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                           "command": " ".join(["python -m ringrift_mpi.evaluate"] + (argv or sys.argv[1:])),
                                           "ranks": comm.size, "wall_s": wall, "settings": settings,
                                           "candidate": _player_json(cand), "results": results})
        except StorageError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        say(f"wrote {args.output}")
    return 0
