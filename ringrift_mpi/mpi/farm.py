"""The task farm: rank 0 hands out (candidate, game batch) tasks; every rank, rank 0 too, plays them.

``run_tasks(comm, tasks, do_task, ...)`` is called collectively. Rank 0 passes the
task list and gets back one result per task (in task order, so the result never
depends on which rank played what), or ``None`` for tasks left undone because
``should_stop()`` became true. Other ranks pass ``tasks=None`` and get ``None``.

Balancing is dynamic: each worker holds up to ``prefetch`` tasks, and gets the next
one each time it returns a result, so it never waits for rank 0, which plays tasks
itself between serving results (a coordinator thread would spin a core in MPI's
busy-wait). Messages are small pickles of task descriptors and result arrays made
in memory by this code, at tens per second per rank: not a hot path.
"""
from __future__ import annotations

from collections import deque

TAG_TASK, TAG_RESULT = 11, 12
_END = "end"


def run_tasks(comm, tasks, do_task, *, should_stop=lambda: False, prefetch: int = 3, on_result=None):
    if comm.rank != 0:
        _work(comm, do_task)
        return None
    return _serve(comm, list(tasks), do_task, should_stop, max(1, prefetch), on_result)


def _serve(comm, tasks, do_task, should_stop, prefetch, on_result):
    from mpi4py import MPI
    n = len(tasks)
    results = [None] * n
    state = {"next": 0, "outstanding": 0, "done": 0, "stopped": False}
    ended = set()

    def give(w):
        if not state["stopped"] and state["next"] < n:
            i = state["next"]
            state["next"] += 1
            state["outstanding"] += 1
            comm.send((i, tasks[i]), dest=w, tag=TAG_TASK)
        elif w not in ended:
            ended.add(w)
            comm.send(_END, dest=w, tag=TAG_TASK)

    def record(i, res):
        results[i] = res
        state["done"] += 1
        if on_result:
            on_result(state["done"], n)

    def serve_one(block):
        st = MPI.Status()
        if not block and not comm.Iprobe(source=MPI.ANY_SOURCE, tag=TAG_RESULT, status=st):
            return False
        i, res = comm.recv(source=MPI.ANY_SOURCE, tag=TAG_RESULT, status=st)
        state["outstanding"] -= 1
        record(i, res)
        give(st.Get_source())
        return True

    for w in range(1, comm.size):
        for _ in range(prefetch):
            give(w)
    while True:
        if should_stop():
            state["stopped"] = True
        while serve_one(False):
            pass
        if not state["stopped"] and state["next"] < n:
            i = state["next"]
            state["next"] += 1
            record(i, do_task(tasks[i]))
            continue
        if state["outstanding"] == 0:
            break
        serve_one(True)
    for w in range(1, comm.size):
        if w not in ended:
            ended.add(w)
            comm.send(_END, dest=w, tag=TAG_TASK)
    return results


def _work(comm, do_task):
    queue = deque()
    ended = False

    def take(msg):
        nonlocal ended
        if isinstance(msg, str) and msg == _END:
            ended = True
        else:
            queue.append(msg)

    while True:
        while comm.Iprobe(source=0, tag=TAG_TASK):
            take(comm.recv(source=0, tag=TAG_TASK))
        if not queue:
            if ended:
                return
            take(comm.recv(source=0, tag=TAG_TASK))
            continue
        i, task = queue.popleft()
        comm.send((i, do_task(task)), dest=0, tag=TAG_RESULT)
