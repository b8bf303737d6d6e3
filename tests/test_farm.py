"""mpi/farm.run_tasks alone: task order of results, stopping mid-list, prefetch depth, a failing task.

These run the farm over an in-process world: one thread per rank, each with a fake communicator
that delivers pickled messages the way MPI does (per sender and tag, in order). They live here,
not in tests/mpi/, because pytest-mpi skips every test whose keywords include "mpi", and a
folder's name is one of its tests' keywords; tests/mpi/test_farm_mpi.py runs the farm over the
real COMM_WORLD under ``mpiexec -n 2`` (tests/run.sh).
"""
from __future__ import annotations

import pickle
import threading
import time

import pytest

from ringrift_mpi.mpi import farm

TIMEOUT_S = 60


class WorldAborted(RuntimeError):
    """What a rank blocked in a receive sees once another rank aborted the world (MPI_Abort)."""


class FakeWorld:
    """Mailboxes of an in-process MPI world, and the per-worker task counts the farm is held to."""

    def __init__(self, size: int):
        self.size = size
        self.cv = threading.Condition()
        self.boxes = {r: [] for r in range(size)}  # dest -> [(source, tag, payload)]
        self.aborted = False
        self.held = [0] * size       # tasks sent to a worker and not yet answered
        self.max_held = [0] * size

    def comm(self, rank: int) -> "FakeComm":
        return FakeComm(self, rank)

    def abort(self) -> None:
        with self.cv:
            self.aborted = True
            self.cv.notify_all()


class FakeComm:
    def __init__(self, world: FakeWorld, rank: int):
        self.world, self.rank, self.size = world, rank, world.size

    def send(self, obj, dest, tag):
        w = self.world
        with w.cv:
            if tag == farm.TAG_TASK and obj != farm._END:
                w.held[dest] += 1
                w.max_held[dest] = max(w.max_held[dest], w.held[dest])
            if tag == farm.TAG_RESULT:
                w.held[self.rank] -= 1
            w.boxes[dest].append((self.rank, tag, pickle.dumps(obj)))
            w.cv.notify_all()

    def _find(self, source, tag):
        for i, (src, t, _) in enumerate(self.world.boxes[self.rank]):
            if t == tag and source in (src, -1):  # -1: any source (see _any)
                return i
        return None

    def Iprobe(self, source, tag, status=None):
        with self.world.cv:
            i = self._find(_any(source), tag)
            if i is not None and status is not None:
                status.Set_source(self.world.boxes[self.rank][i][0])
            return i is not None

    def recv(self, source, tag, status=None):
        w = self.world
        deadline = time.monotonic() + TIMEOUT_S
        with w.cv:
            while True:
                if w.aborted:
                    raise WorldAborted(f"rank {self.rank}: the world was aborted")
                i = self._find(_any(source), tag)
                if i is not None:
                    src, _, payload = w.boxes[self.rank].pop(i)
                    if status is not None:
                        status.Set_source(src)
                    return pickle.loads(payload)
                if time.monotonic() > deadline:
                    raise TimeoutError(f"rank {self.rank}: nothing to receive for {TIMEOUT_S} s")
                w.cv.wait(0.05)


def _any(source):
    from mpi4py import MPI
    return -1 if source == MPI.ANY_SOURCE else source  # MPI.ANY_SOURCE is a negative constant


def run_world(size, tasks, do_task_for, **kw):
    """run_tasks on every rank of a fake world; returns (rank 0's results, {rank: exception}, world)."""
    world = FakeWorld(size)
    errors, out = {}, {}

    def rank_main(r):
        try:
            res = farm.run_tasks(world.comm(r), tasks if r == 0 else None, do_task_for(r), **kw)
            if r == 0:
                out["results"] = res
            else:
                assert res is None
        except WorldAborted as e:
            errors[r] = e
        except BaseException as e:  # a failing rank aborts the world, as world.abort_on_exception does
            errors[r] = e
            world.abort()

    threads = [threading.Thread(target=rank_main, args=(r,), daemon=True) for r in range(1, size)]
    for t in threads:
        t.start()
    rank_main(0)
    for t in threads:
        t.join(TIMEOUT_S)
        assert not t.is_alive(), "a worker rank did not return"
    return out.get("results"), errors, world


def _played_by(rank, delay=0.002):
    def do_task(task):
        time.sleep(delay * (1 + task % 3))  # uneven task lengths, so ranks interleave
        return (task * task, rank)
    return do_task


@pytest.mark.parametrize("size", [1, 2, 4])
def test_results_come_back_in_task_order(size):
    tasks = list(range(40))
    results, errors, _ = run_world(size, tasks, _played_by)
    assert not errors
    assert [r[0] for r in results] == [t * t for t in tasks]
    ranks = {r[1] for r in results}
    assert ranks == set(range(size)), f"ranks that played: {ranks}"  # rank 0 plays too


def test_prefetch_depth_is_honoured():
    tasks = list(range(60))
    for prefetch in (1, 2, 5):
        results, errors, world = run_world(3, tasks, _played_by, prefetch=prefetch)
        assert not errors and [r[0] for r in results] == [t * t for t in tasks]
        assert world.max_held[1:] == [prefetch, prefetch], (prefetch, world.max_held)
        assert world.held == [0, 0, 0]


def test_should_stop_leaves_the_rest_undone():
    tasks = list(range(50))
    done = []
    results, errors, world = run_world(3, tasks, _played_by, prefetch=2, should_stop=lambda: len(done) >= 10,
                                       on_result=lambda k, n: done.append(k))
    assert not errors
    finished = [i for i, r in enumerate(results) if r is not None]
    assert 10 <= len(finished) < len(tasks)
    assert all(results[i] == (i * i, results[i][1]) for i in finished)
    # tasks go out in list order and every one handed out is finished: the undone ones are the tail
    assert finished == list(range(len(finished)))
    assert world.held == [0, 0, 0]


def test_serial_stop_before_the_first_task():
    results, errors, _ = run_world(1, [1, 2, 3], _played_by, should_stop=lambda: True)
    assert not errors and results == [None, None, None]


def test_a_failing_task_on_rank_0_propagates():
    def do_task_for(rank):
        def do_task(task):
            if rank == 0:  # whichever task rank 0 takes first (it always plays some)
                raise ValueError(f"task {task} broke")
            return task
        return do_task
    for size in (1, 2):
        _, errors, _ = run_world(size, list(range(8)), do_task_for, prefetch=1)
        assert isinstance(errors.get(0), ValueError), errors


def test_a_failing_task_on_a_worker_aborts_the_world():
    def do_task_for(rank):
        def do_task(task):
            time.sleep(0.002)
            if rank == 1:
                raise ValueError(f"worker broke on task {task}")
            return task
        return do_task
    results, errors, _ = run_world(2, list(range(20)), do_task_for)
    assert isinstance(errors.get(1), ValueError), errors
    assert results is None and isinstance(errors.get(0), WorldAborted), errors  # rank 0 does not wait forever


def test_a_worker_never_plays_the_next_calls_tasks():
    """The worker's mailbox already holds the next call's first task behind END (rank 0 finished
    this call and went on to the next match or generation): this call's do_task must stop at END
    and leave that task to the next call. It once played it with the previous match's players."""
    world = FakeWorld(2)
    boss, worker = world.comm(0), world.comm(1)
    boss.send((0, "old"), dest=1, tag=farm.TAG_TASK)
    boss.send(farm._END, dest=1, tag=farm.TAG_TASK)
    boss.send((0, "new"), dest=1, tag=farm.TAG_TASK)
    boss.send(farm._END, dest=1, tag=farm.TAG_TASK)
    played = []
    farm._work(worker, lambda t: played.append(("first call", t)))
    farm._work(worker, lambda t: played.append(("second call", t)))
    assert played == [("first call", "old"), ("second call", "new")]
