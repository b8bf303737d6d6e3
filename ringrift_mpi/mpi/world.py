"""World set-up shared by every job: abort-on-exception, stop signals, rank-0 printing.

- ``abort_on_exception(comm)``: an uncaught exception on any rank (or thread) prints
  its traceback, tagged with the rank, and aborts the whole MPI job, instead of
  leaving the other ranks blocked forever in a collective. A KeyboardInterrupt (a
  second Ctrl-C) prints one line instead of a traceback.
- ``StopSignals``: SIGTERM, SIGUSR1 (Slurm's requeue / pre-emption warning) and a first
  SIGINT (Ctrl-C) only set a flag; rank 0 decides when to stop, so every rank leaves at
  the same point. A second SIGINT interrupts at once.
- ``Reporter``: rank 0 alone prints; every line also goes to the job's log file.
- ``check_world(comm)``: under Slurm the world must have SLURM_NTASKS ranks (``srun
  --mpi=none`` would start N separate single-rank jobs writing the same files); a launcher
  that knows the count sets RINGRIFT_WORLD_SIZE, which wins (slurm/*.sbatch do).
- ``warm_numba(comm, fn)``: rank 0 compiles (or loads) the numba cache first, the other
  ranks load it after a barrier, so ranks never race writing the cache. Loading a warm
  cache takes under a second; when warming takes longer than ``COLD_AFTER_S`` rank 0
  says it is compiling, so a first run's minutes of silence are explained.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
import traceback

WORLD_SIZE_ENV = "RINGRIFT_WORLD_SIZE"  # ranks the launcher started, when it knows better than Slurm
ABORT_GRACE_S = 0.5  # time for the launcher to forward a dying rank's traceback
COLD_AFTER_S = 3.0  # warm-up slower than this is a compile (a warm cache loads in about 0.5 s)
COMPILING = "compiling kernels (first run only: numba caches them; this can take a few minutes)"


def get_comm(comm=None):
    if comm is not None:
        return comm
    from mpi4py import MPI
    return MPI.COMM_WORLD


def abort_on_exception(comm) -> None:
    """Make any uncaught exception abort the job (all ranks) within seconds."""
    def hook(exc_type, exc, tb):
        interrupted = issubclass(exc_type, KeyboardInterrupt)
        if interrupted:
            sys.stderr.write(f"[rank {comm.rank}] interrupted: stopping now "
                             "(records up to the last checkpoint are kept)\n")
        else:
            sys.stderr.write(f"[rank {comm.rank}] fatal error, aborting the MPI job:\n"
                             + "".join(traceback.format_exception(exc_type, exc, tb)))
        sys.stderr.flush()
        code = 130 if interrupted else 1
        if comm.size > 1:
            # the launcher forwards our stderr asynchronously and drops what it still holds when
            # the abort tears the job down: without this pause the reason was lost 1 run in 6
            time.sleep(ABORT_GRACE_S)
            comm.Abort(code)
        os._exit(code)

    sys.excepthook = hook
    threading.excepthook = lambda a: hook(a.exc_type, a.exc_value, a.exc_traceback)


def fail(comm, exc: BaseException) -> None:
    """Report ``exc`` and abort every rank (for except blocks inside job loops)."""
    sys.excepthook(type(exc), exc, exc.__traceback__)


class StopSignals:
    """SIGTERM/SIGUSR1/SIGINT set ``requested``; a second SIGINT raises KeyboardInterrupt.
    The previous handlers come back on ``restore``. ``say``: print a line when Ctrl-C is seen
    (rank 0 only; other ranks stay silent)."""

    SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGUSR1", None),
                                signal.SIGINT) if s)

    def __init__(self, say: bool = False):
        self.requested: str | None = None
        self.say = say
        self._old = {}
        if threading.current_thread() is threading.main_thread():
            for s in self.SIGNALS:
                self._old[s] = signal.signal(s, self._handle)

    def _handle(self, signum, frame):
        if signum == signal.SIGINT:
            if self.requested == "SIGINT":
                raise KeyboardInterrupt
            if self.say:  # os.write: print() from a handler can hit a reentrant stdout
                os.write(2, b"\nCtrl-C: stopping at the next task boundary (the last checkpoint stands); "
                            b"Ctrl-C again to stop at once\n")
        self.requested = signal.Signals(signum).name

    def restore(self) -> None:
        for s, h in self._old.items():
            signal.signal(s, h)
        self._old = {}


def check_world(comm) -> str | None:
    """None when the world size is what the launcher asked for, else the error message."""
    # slurm/*.sbatch export RINGRIFT_WORLD_SIZE=$SLURM_NTASKS: under mpiexec in a batch job the
    # ranks see the srun step of Hydra's proxies (SLURM_NTASKS = nodes), not the job's task count
    launcher = os.environ.get(WORLD_SIZE_ENV)
    if launcher:
        if launcher.isdigit() and comm.size != int(launcher):
            return (f"MPI world has {comm.size} rank(s) but the launcher asked for {launcher} "
                    f"({WORLD_SIZE_ENV}): the ranks did not join one MPI world (wrong 'srun --mpi=' plugin "
                    "for this MPI, e.g. --mpi=pmix with the MPICH wheel, or --mpi=none)")
        return None
    want = os.environ.get("SLURM_NTASKS")
    if want and os.environ.get("SLURM_STEP_ID") is not None and comm.size != int(want):
        return (f"MPI world has {comm.size} rank(s) but Slurm started {want} tasks: "
                "launch with 'srun --mpi=pmi2' or mpiexec, not 'srun --mpi=none'")
    return None


def warm_numba(comm, fn, say=None, cold_after_s: float = COLD_AFTER_S) -> None:
    """``say(line)`` (rank 0) gets COMPILING once warming has taken ``cold_after_s``."""
    if comm.rank == 0:
        timer = None
        if say is not None:
            timer = threading.Timer(cold_after_s, say, (COMPILING,))
            timer.daemon = True
            timer.start()
        try:
            fn()
        finally:
            if timer is not None:
                timer.cancel()
    comm.Barrier()
    if comm.rank != 0:
        fn()


class Reporter:
    """Rank 0 prints and logs; other ranks stay silent."""

    def __init__(self, comm, log_path: str | None = None, stream=None):
        self.rank = comm.rank
        self.stream = stream or sys.stdout
        self.log = None
        if self.rank == 0 and log_path:
            self.log = open(log_path, "a", buffering=1)
        self.tty = self.rank == 0 and hasattr(self.stream, "isatty") and self.stream.isatty()
        self._bar = False

    def line(self, msg: str) -> None:
        if self.rank != 0:
            return
        if self._bar:
            self.stream.write("\r\x1b[K")
            self._bar = False
        self.stream.write(msg + "\n")
        self.stream.flush()
        if self.log:
            self.log.write(time.strftime("%Y-%m-%d %H:%M:%S ") + msg + "\n")

    def bar(self, done: int, total: int, label: str) -> None:
        """A one-line progress bar, only on a terminal (logs get the per-generation lines)."""
        if not self.tty or total <= 0:
            return
        width = 30
        k = width * done // total
        self.stream.write(f"\r{label} [{'#' * k}{'.' * (width - k)}] {done}/{total}")
        self.stream.flush()
        self._bar = True

    def close(self) -> None:
        if self.log:
            self.log.close()
            self.log = None
