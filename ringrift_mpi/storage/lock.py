"""The run-directory lock: one job at a time per directory.

``run.lock`` in the directory holds an exclusive ``flock`` for the life of the job
and names its holder (pid, host, start time); a second job on the same directory
is refused with that name. The file stays when the job ends: the lock is the
flock, which the kernel drops when the holder exits however it dies, so a stale
file never blocks anyone. (On NFS, Linux turns flock into a POSIX lock the server
arbitrates.)
"""
from __future__ import annotations

import json
import os
import socket
import time

from .atomic import StorageError

LOCK_NAME = "run.lock"


class RunDirLock:
    def __init__(self, run_dir: str):
        self.run_dir = run_dir
        self.path = os.path.join(run_dir, LOCK_NAME)
        self.fd: int | None = None

    def acquire(self) -> "RunDirLock":
        import fcntl
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as e:
            raise StorageError(f"{self.run_dir}: cannot write in the run directory ({e.strerror or e})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _describe(os.pread(fd, 4096, 0))
            os.close(fd)
            raise StorageError(f"{self.run_dir}: in use by another job ({holder}); wait for it to end or "
                               "stop it, or use another --run-dir") from None
        except OSError as e:
            os.close(fd)
            raise StorageError(f"{self.path}: cannot lock the run directory ({e.strerror or e})") from None
        me = json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                         "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}) + "\n"
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, me.encode(), 0)
        except OSError as e:
            os.close(fd)
            raise StorageError(f"{self.path}: cannot write: {e.strerror or e}") from None
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing drops the flock
            self.fd = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()


def _describe(raw: bytes) -> str:
    try:
        d = json.loads(raw.decode())
        return f"pid {d['pid']} on host {d['host']}, started {d['started']}"
    except (ValueError, KeyError, TypeError):
        return "holder unknown"
