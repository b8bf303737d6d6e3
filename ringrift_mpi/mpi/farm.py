"""The task farm: rank 0 hands out (candidate, game batch) tasks; every rank, rank 0 too, plays them.

``run_tasks(comm, tasks, do_task, ...)`` is called collectively. Rank 0 passes the
task list and gets back one result per task (in task order, so the result never
depends on which rank played what), or ``None`` for tasks left undone because
``should_stop()`` became true. Other ranks pass ``tasks=None`` and get ``None``.

Balancing is dynamic: each worker holds up to ``prefetch`` tasks (one near the end
of the list) and gets the next one each time it returns a result. Rank 0 plays
tasks too, on a helper thread, while its main thread keeps serving results with
non-blocking probes and short sleeps (a thread blocked in MPI would busy-wait a
core); so a worker never waits for rank 0 to finish a task. Messages are small pickles of task descriptors and result arrays made
in memory by this code, at tens per second per rank: not a hot path.
"""
from __future__ import annotations

import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor

TAG_TASK, TAG_RESULT = 11, 12
POLL_S = 0.005  # rank 0's probe interval while its own task runs
_END = "end"


def run_tasks(comm, tasks, do_task, *, should_stop=lambda: False, prefetch: int = 3, on_result=None, on_task=None):
    """``on_result(done, total)`` and ``on_task(i, result)`` (rank 0) see each result as it comes in."""
    if comm.rank != 0:
        _work(comm, do_task)
        return None
    return _serve(comm, list(tasks), do_task, should_stop, max(1, prefetch), on_result, on_task)


def _serve(comm, tasks, do_task, should_stop, prefetch, on_result, on_task=None):
    from mpi4py import MPI
    n = len(tasks)
    size = comm.size
    results = [None] * n
    held = [0] * size          # tasks sent to each worker and not yet returned
    ended = set()
    st = {"next": 0, "done": 0, "stopped": False}

    def depth():
        # Near the end of the list a worker holds one task at a time, so no rank sits on a
        # queue of tasks while the others run out of work (the tail of a generation); rank 0
        # answers within POLL_S, so one is enough.
        return prefetch if n - st["next"] > size * prefetch else 1

    def top_up(w):
        while not st["stopped"] and st["next"] < n and held[w] < depth():
            i = st["next"]
            st["next"] += 1
            held[w] += 1
            comm.send((i, tasks[i]), dest=w, tag=TAG_TASK)
        if held[w] == 0 and w not in ended and (st["stopped"] or st["next"] >= n):
            ended.add(w)
            comm.send(_END, dest=w, tag=TAG_TASK)

    def record(i, res):
        results[i] = res
        st["done"] += 1
        if on_task:
            on_task(i, res)
        if on_result:
            on_result(st["done"], n)

    def serve_one(block):
        status = MPI.Status()
        if not block and not comm.Iprobe(source=MPI.ANY_SOURCE, tag=TAG_RESULT, status=status):
            return False
        i, res = comm.recv(source=MPI.ANY_SOURCE, tag=TAG_RESULT, status=status)
        w = status.Get_source()
        held[w] -= 1
        record(i, res)
        top_up(w)
        return True

    pool = ThreadPoolExecutor(1, thread_name_prefix="rank0-task") if size > 1 else None
    for w in range(1, size):
        top_up(w)
    while True:
        if should_stop() and not st["stopped"]:
            st["stopped"] = True
            for w in range(1, size):
                top_up(w)  # idle workers get END now
        while serve_one(False):
            pass
        if not st["stopped"] and st["next"] < n:
            i = st["next"]
            st["next"] += 1
            if size == 1:
                record(i, do_task(tasks[i]))
                continue
            # Rank 0 plays its task on a helper thread (the kernels release the GIL) and keeps
            # serving workers meanwhile, so none waits for a task while rank 0 is busy. Only
            # this thread calls MPI; sleeping between probes leaves the core to the kernel.
            fut = pool.submit(do_task, tasks[i])
            while not fut.done():
                if not serve_one(False):
                    time.sleep(POLL_S)
            record(i, fut.result())
            continue
        if sum(held) == 0:
            break
        serve_one(True)
    for w in range(1, size):
        if w not in ended:
            ended.add(w)
            comm.send(_END, dest=w, tag=TAG_TASK)
    if pool is not None:
        pool.shutdown()
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
        # never read past END: what follows it is the next call's tasks (rank 0 may already be
        # sending the next match or generation), which this call's do_task must not play
        while not ended and comm.Iprobe(source=0, tag=TAG_TASK):
            take(comm.recv(source=0, tag=TAG_TASK))
        if not queue:
            if ended:
                return
            take(comm.recv(source=0, tag=TAG_TASK))
            continue
        i, task = queue.popleft()
        comm.send((i, do_task(task)), dest=0, tag=TAG_RESULT)
