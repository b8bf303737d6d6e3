"""``python -m ringrift_mpi.cmaes --config FILE --run-dir DIR``: distributed CMA-ES over MPI.

Rank 0 owns the CMA-ES ask/tell loop, the run directory and all output; every
rank, rank 0 included, plays (candidate, game batch) tasks from the farm. The same
command runs as one process, under ``mpiexec -n N`` (or a hostfile), and under
``srun`` in Slurm. Results never depend on the rank count.

Run directory: ``run.h5`` (every generation and iteration, see
ringrift_mpi.storage.cmaes_run), ``checkpoint.json``, ``cmaes.log``, ``config.json``
(the effective configuration) and, at the end, ``profile.json`` in RingRift's
single-profile format. Running the same command on the same directory resumes
after the last completed generation; ``run.lock`` keeps a second job out of it.
SIGTERM, SIGUSR1 or Ctrl-C (SIGINT) stops the job promptly (the generation under
way is dropped, the last checkpoint stands) with exit 0; a second Ctrl-C stops at
once with exit 130. Every error is one line and exit status 2.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import time

import numpy as np

from ..config import ConfigError, add_override_flags
from ..evaluate.stats import fmt_elo, fmt_p, summarize
from ..mpi.driver import DONE, STOP, finish, lead
from ..mpi.farm import run_tasks
from ..mpi.entry import run_ranks, start_job
from ..mpi.world import Reporter, StopSignals, get_comm
from ..storage import StorageError, write_json_atomic
from ..storage.cmaes_run import RunRecord, load_for_resume, write_checkpoint, write_run
from .config import FLAGS, CMAESConfig
from .fitness import SALT_EVAL, SALT_GENERATION, Match, group_seeds, play_task, start_states, tally

FAULT_ENV = "RINGRIFT_FAULT_RANK"  # testing aid: a rank number that raises in its first task


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m ringrift_mpi.cmaes",
                                 description="Tune RingRift HeuristicAI weights with CMA-ES over MPI ranks.")
    ap.add_argument("--config", metavar="FILE",
                    help="job config (TOML), e.g. jobs/smoke_cmaes.toml; without it the embedded defaults "
                         "(ringrift_mpi/cmaes/config.py: square8 2p, 10 generations)")
    ap.add_argument("--run-dir", required=True, metavar="DIR",
                    help="output folder; rerunning on it resumes after the last completed generation")
    ap.add_argument("--output", metavar="FILE", help="also write the final profile here (RingRift JSON)")
    add_override_flags(ap, FLAGS)
    return ap


def _versions(comm) -> dict:
    import importlib.metadata as md
    import h5py
    import numba
    import mpi4py
    from mpi4py import MPI
    try:
        pkg = md.version("ringrift-mpi")
    except md.PackageNotFoundError:
        pkg = "unknown"
    from .optimizer import cma
    return {"ringrift-mpi": pkg, "numba": numba.__version__, "cma": cma.__version__, "numpy": np.__version__,
            "h5py": h5py.__version__, "mpi4py": mpi4py.__version__, "python": platform.python_version(),
            "mpi": MPI.Get_library_version().splitlines()[0].strip()}


def _warm():
    """Compile (or load from numba's cache) everything a task runs."""
    from kernels import geometry as G
    from kernels.games import run_games
    from kernels.heuristic_weights import BASE_V1_BALANCED_WEIGHTS, weights_array
    from kernels.newgame import new_game
    w = weights_array(BASE_V1_BALANCED_WEIGHTS)[None, :]
    start_states("square8", 2, np.arange(1, dtype=np.int64), 1)
    run_games(G.build(G.SQUARE8), new_game(G.SQUARE8, 2), 0, np.arange(1), [0, 0], w, eps=0.02, max_moves=4)


def _fmt_eta(s: float) -> str:
    s = int(max(0, s))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


class Driver:
    """Rank 0's side of the job: config, records, CMA-ES, output."""

    def __init__(self, comm, cfg: CMAESConfig, run_dir: str, out, output: str | None):
        from kernels.heuristic_weights import BASE_V1_BALANCED_WEIGHTS, active_weight_indices, weights_array
        from .. import profiles as PR
        self.comm, self.cfg, self.run_dir, self.out, self.output = comm, cfg, run_dir, out, output
        self.hash = cfg.config_hash()
        if cfg.cmaes.baseline:
            try:
                self.baseline0 = PR.load_profile(cfg.cmaes.baseline).array()
            except (PR.ProfileError, OSError) as e:
                raise ConfigError(f"{cfg.source}: cmaes.baseline: {e}") from None
        else:
            self.baseline0 = weights_array(BASE_V1_BALANCED_WEIGHTS)
        self.start0 = self.baseline0
        if cfg.cmaes.start:
            try:
                self.start0 = PR.load_profile(cfg.cmaes.start).array()
            except (PR.ProfileError, OSError) as e:
                raise ConfigError(f"{cfg.source}: cmaes.start: {e}") from None
        self.tuned = (list(range(59)) if cfg.cmaes.tune == "all"
                      else active_weight_indices(cfg.game.board, cfg.game.players, cfg.mode_name))
        self.games_per_task = max(1, cfg.farm.games_per_task // cfg.game.players)
        self.pool = None
        if cfg.game.state_pool:
            from ..storage.pool import read_pool
            self.pool = read_pool(cfg.pool_path, cfg.game.board, cfg.game.players)

    # --- records -------------------------------------------------------------------------
    def open_records(self) -> RunRecord:
        rec = load_for_resume(self.run_dir, self.hash, diff=self.cfg.diff)
        if rec is None:
            from kernels.heuristic_weights import HEURISTIC_WEIGHT_KEYS
            rec = RunRecord({"config": self.cfg.to_json(), "config_hash": self.hash, "seed": self.cfg.run.seed,
                             "versions": json.dumps(_versions(self.comm)),
                             "weight_keys": json.dumps(list(HEURISTIC_WEIGHT_KEYS)),
                             "tuned": json.dumps(self.tuned), "sessions": "[]",
                             "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
        digest = "" if self.pool is None else hashlib.sha256(self.pool.tobytes()).hexdigest()
        if rec.attrs.setdefault("state_pool_sha256", digest) != digest:
            raise StorageError(f"{self.cfg.pool_path}: the state pool changed since this run started "
                               "(its sha256 differs from run.h5's state_pool_sha256); use a new --run-dir")
        sessions = json.loads(rec.attrs.get("sessions", "[]"))
        sessions.append({"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "ranks": self.comm.size,
                         "resumed_after_generation": rec.n_generations})
        rec.attrs["sessions"] = json.dumps(sessions)
        rec.attrs["ranks"] = self.comm.size
        rec.attrs["config"] = self.cfg.to_json()  # budget keys may have grown
        return rec

    def save(self, rec: RunRecord) -> None:
        write_run(os.path.join(self.run_dir, "run.h5"), rec)
        write_checkpoint(os.path.join(self.run_dir, "checkpoint.json"), rec, self.hash,
                         {"ranks": self.comm.size, "config": self.cfg.to_dict()})

    def baseline_for(self, rec: RunRecord, iteration: int) -> np.ndarray:
        b = self.baseline0
        for i in range(iteration):
            if rec.iters["promoted"][i]:
                b = rec.iters["best"][i]
        return np.array(b, np.float64)

    def centre_for(self, rec: RunRecord, iteration: int) -> np.ndarray:
        """Where an iteration's search starts: the last promoted candidate, or cmaes.start (the
        baseline when none is given) while nothing has been promoted."""
        if any(rec.iters["promoted"][i] for i in range(iteration)):
            return self.baseline_for(rec, iteration)
        return np.array(self.start0, np.float64)

    def optimizer(self, centre: np.ndarray, iteration: int):
        from .optimizer import Optimizer
        c = self.cfg.cmaes
        seed = int(group_seeds(self.cfg.run.seed, iteration, -1, 0, 1)[0]) % (2 ** 31 - 2)
        return Optimizer(centre, self.tuned, sigma=c.sigma, relative=c.sigma_scale == "relative",
                         popsize=c.population_size, bound=c.bound, seed=seed)

    def match(self, W: np.ndarray, iteration: int, generation: int, salt: int, games: int,
              mirror: bool = False) -> Match:
        g = self.cfg.game
        seeds = group_seeds(self.cfg.run.seed, iteration, generation, salt, games // g.players)
        return Match(g.board, g.players, self.cfg.mode_name, self.cfg.epsilon, g.max_moves, W,
                     start_states(g.board, g.players, seeds, g.opening_random_plies, self.pool), seeds,
                     max(1, self.games_per_task // (2 if mirror else 1)), self.cfg.cmaes.opponent, mirror)


def _play(comm, match: Match, stop: StopSignals | None, rep: Reporter | None, label: str, prefetch: int):
    """Collective: every rank plays the match's tasks; rank 0 gets (tasks, results) or None if stopped.
    ``prefetch`` (farm.prefetch) matters on rank 0 only, which hands the tasks out."""
    fault = os.environ.get(FAULT_ENV)

    def do(task):
        if fault is not None and int(fault) == comm.rank:
            raise RuntimeError(f"fault injected on rank {comm.rank} ({FAULT_ENV})")
        return play_task(match, task)

    tasks = match.tasks(comm.size) if comm.rank == 0 else None
    res = run_tasks(comm, tasks, do, should_stop=(lambda: stop.requested is not None) if stop else (lambda: False),
                    prefetch=prefetch, on_result=(lambda d, n: rep.bar(d, n, label)) if rep else None)
    if comm.rank != 0:
        return None
    if any(r is None for r in res):
        return None
    return tasks, res


def run(comm, cfg: CMAESConfig, run_dir: str, output: str | None = None, out=None) -> int:
    """The job on every rank (collective). Returns the exit status."""
    return run_ranks(comm, os.path.join(run_dir, "cmaes.log"), _warm,
                     lambda match: _play(comm, match, None, None, "", cfg.farm.prefetch),
                     lambda rep, stop: _drive(comm, cfg, run_dir, output, rep, stop), out)


def _drive(comm, cfg, run_dir, output, rep: Reporter, stop: StopSignals) -> int:
    from kernels.heuristic_weights import HEURISTIC_WEIGHT_KEYS
    d = Driver(comm, cfg, run_dir, rep, output)
    rec = d.open_records()
    G, I = cfg.cmaes.generations, cfg.iterate.iterations
    resumed = rec.n_generations
    write_json_atomic(os.path.join(run_dir, "config.json"), cfg.to_dict())
    held = [k for i, k in enumerate(HEURISTIC_WEIGHT_KEYS) if i not in set(d.tuned)]
    rep.line(f"ringrift_mpi.cmaes: {cfg.game.board} {cfg.game.players}p, {comm.size} rank(s), seed {cfg.run.seed}, "
             f"config {cfg.source} (hash {d.hash}), run dir {run_dir}")
    rep.line(f"tuning {len(d.tuned)} of 59 weights ({cfg.cmaes.tune}, {cfg.mode_name} mode); "
             f"{len(held)} held at the baseline")
    if resumed:
        rep.line(f"resuming after generation {resumed} (iteration {rec.n_iterations + 1})")
    if rec.n_iterations >= I:
        rep.line(f"nothing left to run: all {I} iteration(s) have ended (an ended iteration takes no more "
                 "generations; raise --iterations to go on)")
    t_run = time.perf_counter()
    gens_this_session = 0
    for it in range(rec.n_iterations, I):
        base = d.baseline_for(rec, it)
        opt = d.optimizer(d.centre_for(rec, it), it)
        done_here = [k for k in range(rec.n_generations) if rec.gens["iteration"][k] == it]
        for k in done_here:  # exact replay of the recorded generations
            X = opt.ask()
            if not np.array_equal(opt.full(X), rec.gens["candidates"][k]):
                raise StorageError(f"{os.path.join(run_dir, 'run.h5')}: replaying generation {k + 1} does not "
                                   "reproduce its candidates (different pycma/numpy or a foreign run file)")
            opt.tell(X, rec.gens["fitness"][k])
        for gi in range(len(done_here), G):
            if stop.requested:
                return _stopped(comm, rep, stop, rec)
            t0 = time.perf_counter()
            X = opt.ask()
            Wc = opt.full(X)
            m = d.match(np.vstack([base[None, :], Wc]), it, gi, SALT_GENERATION, cfg.cmaes.games_per_eval)
            lead(comm, m)
            got = _play(comm, m, stop, rep, f"gen {rec.n_generations + 1}", cfg.farm.prefetch)
            if got is None:
                return _stopped(comm, rep, stop, rec)
            t = tally(m, *got)
            opt.tell(X, t["fitness"])
            wall = time.perf_counter() - t0
            rec.add_generation(iteration=it, generation_in_iteration=gi, ranks=comm.size, candidates=Wc,
                               fitness=t["fitness"], wins=t["wins"], draws=t["draws"], losses=t["losses"],
                               mean=opt.mean, sigma=opt.sigma, wall_s=wall, games=t["games"])
            d.save(rec)
            gens_this_session += 1
            left = (I - it - 1) * G + (G - gi - 1)
            per_gen = (time.perf_counter() - t_run) / gens_this_session
            rep.line(f"gen {rec.n_generations:3d} (iter {it + 1}/{I}, {gi + 1}/{G})  best {t['fitness'].max():.4f}  "
                     f"mean {t['fitness'].mean():.4f}  sigma {opt.sigma:.4g}  games {t['games']}  "
                     f"{t['games'] / wall:.1f} games/s  {t['moves'] / wall:.0f} moves/s  {wall:.1f} s/gen  "
                     + (f"capped {100 * t['capped'] / t['games']:.1f}%  " if t["capped"] else "")
                     + f"ETA {_fmt_eta(left * per_gen)}")
        # the iteration's candidate, re-evaluated against its baseline on fresh games
        ks = [k for k in range(rec.n_generations) if rec.gens["iteration"][k] == it]
        if not ks:
            best, best_fit = base.copy(), float("nan")
        else:
            flat = [(rec.gens["fitness"][k][j], -k, -j) for k in ks for j in range(len(rec.gens["fitness"][k]))]
            f, nk, nj = max(flat)
            best, best_fit = np.array(rec.gens["candidates"][-nk][-nj]), float(f)
            if cfg.iterate.candidate == "mean":
                best = np.array(rec.gens["mean"][ks[-1]])
        if stop.requested:
            return _stopped(comm, rep, stop, rec)
        vs_random = cfg.cmaes.opponent == "random"
        # against random players the baseline plays the same fresh games too, as the yardstick
        rows = [base, base, best] if vs_random else [base, best]
        m = d.match(np.vstack(rows), it, 0, SALT_EVAL, cfg.iterate.eval_games,
                    mirror=cfg.game.players > 2 and not vs_random)
        lead(comm, m)
        got = _play(comm, m, stop, rep, "evaluation match", cfg.farm.prefetch)
        if got is None:
            return _stopped(comm, rep, stop, rec)
        t = tally(m, *got)
        b = len(rows) - 2  # the candidate's row in the tally
        st = summarize(t["outcomes"][b], None if t["mirror"] is None else t["mirror"][b], cfg.game.players)
        score = float(t["fitness"][b])
        # Anchor: once the incumbent is no longer the job's baseline, the candidate must beat that
        # too. With 3-4 players strength is not transitive: a chain of promotions, each winning
        # against its predecessor, drifted below the default it started from (docs/cmaes.md).
        anchor = None
        if cfg.iterate.anchor and ks and not vs_random and not np.array_equal(base, d.baseline0):
            ma = d.match(np.vstack([d.baseline0, best]), it, 0, SALT_EVAL, cfg.iterate.eval_games,
                         mirror=cfg.game.players > 2)
            lead(comm, ma)
            got = _play(comm, ma, stop, rep, "anchor match", cfg.farm.prefetch)
            if got is None:
                return _stopped(comm, rep, stop, rec)
            ta = tally(ma, *got)
            anchor = summarize(ta["outcomes"][0], None if ta["mirror"] is None else ta["mirror"][0],
                               cfg.game.players)
        promoted = (bool(st["p_value"] < cfg.iterate.alpha and score >= cfg.iterate.promote_margin
                         and (anchor is None or anchor["p_value"] < cfg.iterate.alpha))
                    if ks and not vs_random else False)
        rec.add_iteration(baseline=base, best=best, best_fitness=best_fit, eval_score=score,
                          eval_wins=t["wins"][b], eval_draws=t["draws"][b], eval_losses=t["losses"][b],
                          eval_p=st["p_value"], anchor_p=float("nan") if anchor is None else anchor["p_value"],
                          promoted=int(promoted))
        d.save(rec)
        what = "CMA-ES mean" if cfg.iterate.candidate == "mean" else f"best candidate (fitness {best_fit:.4f})"
        if vs_random:
            tail = f"; the baseline on the same games: {float(t['fitness'][0]):.4f}"
        else:
            margin = f", score >= {cfg.iterate.promote_margin}" if cfg.iterate.promote_margin > 0 else ""
            vs0 = ("" if anchor is None else f"; vs the job's baseline: score {anchor['score']:.4f}, sets "
                   f"{anchor['sets_better']} better / {anchor['sets_worse']} worse, p = {fmt_p(anchor['p_value'])}")
            both = " in both matches" if anchor is not None else ""
            tail = (f" [{st['score_lo']:.3f}, {st['score_hi']:.3f}], Elo {fmt_elo(st['elo'])}, sets "
                    f"{st['sets_better']} better / {st['sets_worse']} worse, p = {fmt_p(st['p_value'])}{vs0} -> "
                    f"{'promoted' if promoted else 'not promoted'} (needs p < {cfg.iterate.alpha:g}{both}{margin})")
        mir = f" (+{st['mirror_games']} mirrored)" if st["mirror_games"] else ""
        rep.line(f"iteration {it + 1}/{I}: {what} vs {'random players' if vs_random else 'baseline'} over "
                 f"{st['games']} fresh games{mir}: {st['wins']} won, {st['draws']} drawn, {st['losses']} lost, "
                 f"score {score:.4f}{tail}")
    finish(comm, DONE)
    _write_profile(d, rec, output)
    rep.line(f"done: {rec.n_generations} generation(s); profile {os.path.join(run_dir, 'profile.json')}")
    return 0


def _write_profile(d: Driver, rec: RunRecord, output: str | None) -> None:
    """One iteration: its best candidate. Iterative: the final incumbent (the last promoted, if any)."""
    from .. import profiles as PR
    I = rec.n_iterations
    if I == 0:
        return
    if d.cfg.iterate.iterations == 1:
        w, fit = rec.iters["best"][0], float(rec.iters["eval_score"][0])
    else:
        w, fit = d.baseline_for(rec, I), None
        for i in range(I):
            if rec.iters["promoted"][i]:
                fit = float(rec.iters["eval_score"][i])
    prof = PR.Profile.from_array(np.asarray(w, np.float64), fitness=fit, generation=rec.n_generations,
                                 meta={"source": "ringrift-mpi cmaes", "config_hash": d.hash,
                                       "board": d.cfg.game.board, "num_players": d.cfg.game.players,
                                       "seed": d.cfg.run.seed})
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    PR.save_profile(os.path.join(d.run_dir, "profile.json"), prof, timestamp=stamp)
    if output:
        PR.save_profile(output, prof, timestamp=stamp)


def _stopped(comm, rep: Reporter, stop: StopSignals, rec: RunRecord) -> int:
    finish(comm, STOP)
    rep.line(f"{stop.requested or 'stop'} received: stopping after generation {rec.n_generations} "
             "(checkpoint written); run the same command again to resume")
    return 0


def _check_profiles(cfg: CMAESConfig) -> None:
    from .. import profiles as PR
    for key in ("baseline", "start"):
        path = getattr(cfg.cmaes, key)
        if path:
            try:
                PR.load_profile(path)
            except (PR.ProfileError, OSError) as e:
                raise ConfigError(f"{cfg.source}: cmaes.{key}: {e}") from None


def main(argv=None, comm=None) -> int:
    args = build_parser().parse_args(argv)
    comm = get_comm(comm)
    return start_job(comm, argv, CMAESConfig, args, lambda cfg: run(comm, cfg, args.run_dir, args.output),
                     check=_check_profiles)
