"""How every MPI job starts: rank 0 reads the config and takes the run directory, every rank
learns the outcome from one broadcast, and a bad config or a busy run directory ends all ranks
with one line and exit status 2 before any of them compiles or plays."""
from __future__ import annotations

import os
import sys
from typing import Callable

from ..config import Config, ConfigError, flag_overrides
from ..storage import StorageError
from ..storage.lock import RunDirLock
from .world import abort_on_exception, check_world


def claim_run_dir(comm, run_dir: str, *subdirs: str) -> tuple[RunDirLock, str | None]:
    """Rank 0: create ``run_dir`` (and ``subdirs`` in it), lock it against a second job, and check
    the MPI world. -> (lock, world error line or None). Raises StorageError."""
    try:
        os.makedirs(os.path.join(run_dir, *subdirs), exist_ok=True)
    except OSError as e:
        raise StorageError(f"{run_dir}: cannot create the run directory: {e.strerror or e}") from None
    return RunDirLock(run_dir).acquire(), check_world(comm)


def start_job(comm, argv, config_cls: type[Config], args, body: Callable[[Config], int],
              check: Callable[[Config], None] | None = None, subdirs: tuple[str, ...] = ()) -> int:
    """Collective. Rank 0 loads ``args.config`` with the command line's overrides (printing the
    config's warnings), runs ``check(config)`` (what must fail before the numba warm-up: profiles
    and seats that do not load; it raises ConfigError), and claims ``args.run_dir``; the other
    ranks get the config as JSON. ``body(config)`` runs on every rank; the lock is released when it
    returns, however it ends."""
    if argv is None:  # a real launch, not a test calling main(): an exception anywhere aborts the world
        abort_on_exception(comm)
    cfg = lock = err = None
    try:
        if comm.rank == 0:
            try:
                cfg = config_cls.load(args.config, overrides=flag_overrides(args))
                for w in cfg.warnings:
                    print(w, file=sys.stderr)
                if check is not None:
                    check(cfg)
                lock, err = claim_run_dir(comm, args.run_dir, *subdirs)
            except (ConfigError, StorageError) as e:
                err = str(e)
        err, cfg_json = comm.bcast((err, cfg.to_json() if cfg is not None and err is None else None), root=0)
        if err:
            if comm.rank == 0:
                print(f"error: {err}", file=sys.stderr)
            return 2
        if comm.rank != 0:
            cfg = config_cls.from_json(cfg_json, "<from rank 0>")
        return body(cfg)
    finally:
        if lock is not None:
            lock.release()


def run_ranks(comm, log_path: str, warm: Callable[[], None] | None, serve: Callable, drive: Callable,
              out=None) -> int:
    """The collective body every job shares: numba warmed on every rank (``warm``; None: no
    kernels needed), workers serving rank 0's steps (``serve(payload)``, driver.follow) until
    released, rank 0 writing the job log ``log_path`` and running ``drive(reporter, stop)``. A
    config or storage error met while driving is one line in the log and on stderr, exit 2, and
    releases the workers."""
    from .driver import ERROR, finish, follow
    from .world import Reporter, StopSignals, warm_numba
    stop = StopSignals(say=comm.rank == 0)
    try:
        if warm is not None:
            warm_numba(comm, warm, say=lambda line: print(line, file=out or sys.stdout, flush=True))
        if comm.rank != 0:
            return follow(comm, serve)
        try:
            rep = Reporter(comm, log_path, out)
        except OSError as e:
            print(f"error: {log_path}: cannot write: {e.strerror or e}", file=sys.stderr)
            finish(comm, ERROR)
            return 2
        try:
            return drive(rep, stop)
        except (ConfigError, StorageError) as e:
            rep.line(f"error: {e}")
            finish(comm, ERROR)
            return 2
        finally:
            rep.close()
    finally:
        stop.restore()
