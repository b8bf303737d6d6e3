"""The driver / worker protocol every job shares: rank 0 leads, the other ranks follow.

Rank 0 runs the job's logic and, each time work is to be done, broadcasts
``("play", payload)``: a small picklable description (a CMA-ES generation's match,
a self-play session's settings); every rank then joins the same collective step
(usually ``farm.run_tasks``). At the end rank 0 broadcasts ``"done"``, ``"stop"``
(a signal asked to stop; the run can be resumed) or ``"error"`` (rank 0 has
printed the reason), and the workers return::

    if comm.rank != 0:
        return follow(comm, lambda payload: ...)   # the worker's part of one "play"
    lead(comm, payload); ...                       # rank 0's part of the same step
    finish(comm, DONE)

Only these small commands go through ``bcast``; bulk data stays where it is made.
"""
from __future__ import annotations

PLAY, DONE, STOP, ERROR = "play", "done", "stop", "error"
EXIT = {DONE: 0, STOP: 0, ERROR: 2}


def lead(comm, payload) -> None:
    """Rank 0: tell every worker to join the next collective step with ``payload``."""
    comm.bcast((PLAY, payload), root=0)


def finish(comm, how: str = DONE) -> None:
    """Rank 0: release the workers (``DONE``, ``STOP`` or ``ERROR``)."""
    if how not in EXIT:
        raise ValueError(f"finish: {how!r} is not one of {', '.join(EXIT)}")
    comm.bcast((how, None), root=0)


def follow(comm, on_play) -> int:
    """Worker ranks: run ``on_play(payload)`` for each step rank 0 leads; return the exit status
    its final command implies (0 for done or stop, 2 for error)."""
    while True:
        cmd, payload = comm.bcast(None, root=0)
        if cmd == PLAY:
            on_play(payload)
            continue
        return EXIT.get(cmd, 2)
