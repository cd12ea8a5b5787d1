"""The three executors: serial, local processes, a Dask cluster.

Every executor yields the results of the tasks (:mod:`bargainlab.experiments.tasks`) in
completion order; the run store keys them by task, so the output never depends on the
executor, the number of workers or scheduling. A worker that dies (a killed process, a lost
Dask worker) costs only the tasks it was running: they run again, and as every task is a
pure function of its keys, the result is the same.

An error a task raises in a worker (a full disk, bad input) reaches the parent as the error
it is, with its file and cause, and ends the run at once: an executor left by an exception
stops its workers instead of waiting for the tasks in flight (see
:mod:`bargainlab.support.lifetime`). Local workers end with the process that started them, even
when it is killed.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ..config.files import ConfigError
from ..support.lifetime import Guarded, quiet_resource_tracker, stop_workers, worker_setup
from .progress import phase_bar, progress_bar
from .tasks import Task, TaskResult

EXECUTORS = ("serial", "processes", "dask")

MAX_ATTEMPTS = 3
"""Times a task may be started when the workers running it die (the third death is an
error: something kills every worker that runs it)."""


class WorkerLostError(RuntimeError):
    """The workers running a task died :data:`MAX_ATTEMPTS` times (killed for memory, most
    likely): the run stops, and the same command resumes it."""

    def __init__(self, task: int, attempts: int = MAX_ATTEMPTS) -> None:
        """Task number ``task`` was started ``attempts`` times and its worker died each time."""
        self.task = task
        self.attempts = attempts
        super().__init__(
            f"the worker running task {task} died {attempts} times; something kills every "
            "worker that runs it (out of memory? lower the study's chunk or use fewer "
            "--workers); the tasks done are kept: the same command resumes"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by the constructor's arguments."""
        return (type(self), (self.task, self.attempts))


# ---------------------------------------------------------------------------------------------
# Executors
# ---------------------------------------------------------------------------------------------


def check_executor_options(executor: str, workers: int | None, scheduler: str | None) -> None:
    """Raise :class:`ConfigError` for an unknown executor, a bad worker count, or a scheduler
    address without the Dask executor (before anything is started or written)."""
    if executor not in EXECUTORS:
        raise ConfigError(
            None, "--executor", f"unknown executor {executor!r}; allowed: {', '.join(EXECUTORS)}"
        )
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise ConfigError(None, "--workers", f"must be a positive integer; got {workers!r}")
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        raise ConfigError(
            None, "--scheduler", "must be a scheduler address, e.g. tcp://127.0.0.1:8786"
        )
    if executor != "dask" and scheduler:
        raise ConfigError(
            None, "--scheduler", f"only used with --executor dask; got --executor {executor}"
        )
    if scheduler is not None:
        from .cluster import check_scheduler_address  # imports Dask: only when asked for

        check_scheduler_address(scheduler)


class Executor:
    """Runs tasks and yields their results in completion order."""

    def imap_unordered(
        self, fn: Callable[[Task], TaskResult], tasks: Iterable[Task]
    ) -> Iterator[TaskResult]:
        """``fn(task)`` for every task, yielded as each finishes (in no particular order)."""
        raise NotImplementedError

    def run_on_workers(self, fn: Callable[[], Any]) -> list[Any]:
        """Run ``fn`` where the tasks run (in-process here) and return its results."""
        return [fn()]

    def close(self) -> None:
        """Release workers or the cluster connection."""

    def abort(self) -> None:
        """Stop at once: drop the tasks not started and stop those running (after an
        error: nothing waits for tasks whose results nobody will read)."""
        self.close()

    def __enter__(self) -> Executor:
        """The executor itself; leaving the ``with`` block closes it."""
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        """Close the executor when the block ended normally, abort it on an exception."""
        if exc_type is None:
            self.close()
        else:
            self.abort()


class SerialExecutor(Executor):
    """Everything in the calling process, one task after the other."""

    def imap_unordered(
        self, fn: Callable[[Task], TaskResult], tasks: Iterable[Task]
    ) -> Iterator[TaskResult]:
        """Run the tasks one after the other, in their order."""
        for task in tasks:
            yield fn(task)


def _process_context(start_method: str | None = None) -> multiprocessing.context.BaseContext:
    """``forkserver`` where available, else ``spawn``: workers never inherit the parent's
    state (threads, open files) as with plain ``fork``. The fork server imports the
    simulation once, so starting many workers does not import it many times."""
    if start_method == "spawn":
        return multiprocessing.get_context("spawn")
    if start_method not in (None, "forkserver"):
        raise ValueError(f"start_method must be 'forkserver' or 'spawn'; got {start_method!r}")
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([f"{__package__}.tasks"])
        return context
    return multiprocessing.get_context("spawn")


class ProcessExecutor(Executor):
    """A local pool of worker processes (``forkserver`` or ``spawn`` start method).

    At most ``2 * workers`` tasks are in flight, so memory stays bounded on large studies.
    When a worker process dies (killed, out of memory) the pool is rebuilt and the tasks in
    flight are started again (each at most :data:`MAX_ATTEMPTS` times; then
    :class:`WorkerLostError`). Workers ignore Ctrl-C (the parent handles it once by
    stopping them) and end with the process that started them
    (:func:`~bargainlab.support.lifetime.worker_setup`).
    ``start_method`` is ``"forkserver"`` (the default where available) or ``"spawn"``.
    """

    def __init__(self, workers: int | None = None, start_method: str | None = None) -> None:
        """Start a pool of ``workers`` processes (default: every core)."""
        self.workers = workers or os.cpu_count() or 1
        self._start_method = start_method
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        """A fresh pool of :attr:`workers` processes set up by
        :func:`~bargainlab.support.lifetime.worker_setup`."""
        quiet_resource_tracker()
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=_process_context(self._start_method),
            initializer=worker_setup,
            initargs=(os.getpid(),),
        )

    def run_on_workers(self, fn: Callable[[], Any]) -> list[Any]:
        """Run ``fn`` in one worker process (they are alike) and return its result."""
        return [self._pool.submit(Guarded(fn)).result()]

    def imap_unordered(
        self, fn: Callable[[Task], TaskResult], tasks: Iterable[Task]
    ) -> Iterator[TaskResult]:
        """Keep up to ``2 * workers`` tasks in flight; when the pool breaks (a worker died),
        rebuild it and start every task that was in flight again, in task order."""
        window = 2 * self.workers
        guarded = Guarded(fn)
        pending: dict[Future, Task] = {}
        attempts: dict[int, int] = {}
        source = iter(tasks)

        def submit(task: Task) -> None:
            """Start ``task``; refuse a task whose workers died :data:`MAX_ATTEMPTS` times."""
            attempts[task.index] = attempts.get(task.index, 0) + 1
            if attempts[task.index] > MAX_ATTEMPTS:
                raise WorkerLostError(task.index)
            pending[self._pool.submit(guarded, task)] = task

        try:
            while True:
                for task in source:
                    submit(task)
                    if len(pending) >= window:
                        break
                if not pending:
                    return
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                lost: list[Task] = []
                for fut in done:
                    task = pending.pop(fut)
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        lost.append(task)
                        continue
                    yield result
                if lost:
                    # every task in flight died with the pool: rebuild it, start them again
                    lost += list(pending.values())
                    pending.clear()
                    self._pool.shutdown(wait=False, cancel_futures=True)
                    self._pool = self._new_pool()
                    for task in sorted(lost, key=lambda t: t.index):
                        submit(task)
        finally:
            for fut in pending:
                fut.cancel()

    def close(self) -> None:
        """Stop the pool, cancelling the tasks not yet started."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def abort(self) -> None:
        """Cancel the tasks not started and stop the workers at once (see
        :func:`~bargainlab.support.lifetime.stop_workers`)."""
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        stop_workers(processes)


class DaskExecutor(Executor):
    """Tasks submitted to a Dask distributed cluster: the one whose scheduler is at
    ``scheduler`` (``tcp://host:port``), or, without one, a local cluster of ``workers``
    single-threaded worker processes started for the run and stopped after it (they end
    with this process even when it is killed: Dask's nanny watches it).

    The workers need the same bargainlab and dependencies installed as the client. When a
    worker dies, the scheduler runs its tasks again on the others (Dask's
    ``distributed.scheduler.allowed-failures``, 3 by default). An address that is not one,
    or at which no scheduler answers, is a :class:`ConfigError` (see
    :mod:`bargainlab.experiments.cluster`).
    """

    def __init__(
        self, scheduler: str | None = None, workers: int | None = None, timeout: float = 10.0
    ) -> None:
        """Connect to the scheduler at ``scheduler`` (waiting at most ``timeout`` seconds),
        or start a local cluster of ``workers`` processes without one."""
        from .cluster import connect, local_cluster

        self._cluster = None
        self._futures: list[Any] = []
        if scheduler is None:
            self._cluster, self._client = local_cluster(workers)
        else:
            self._client = connect(scheduler, timeout)

    def run_on_workers(self, fn: Callable[[], Any]) -> list[Any]:
        """Run ``fn`` on every worker of the cluster and return their results."""
        return list(self._client.run(Guarded(fn)).values())

    def imap_unordered(
        self, fn: Callable[[Task], TaskResult], tasks: Iterable[Task]
    ) -> Iterator[TaskResult]:
        """Keep a window of tasks submitted (twice the cluster's threads, at least 4) and
        submit the next one as each finishes; a finished task's future is released once its
        result is fetched, so the cluster does not hold it."""
        from distributed import as_completed

        guarded = Guarded(fn)
        threads = sum(self._client.nthreads().values()) or 1
        window = max(4, 2 * threads)
        source = iter(tasks)

        def submit(task: Task) -> Any:
            """Submit ``task`` under its own key, remembering its future (to cancel it)."""
            future = self._client.submit(guarded, task, pure=False, key=f"bargainlab-{task.name}")
            self._futures.append(future)
            return future

        first = [submit(t) for t in _take(source, window)]
        if not first:
            return
        futures = as_completed(first, loop=self._client.loop)
        for fut in futures:
            result = fut.result()
            fut.release()
            self._futures.remove(fut)
            for task in _take(source, 1):
                futures.add(submit(task))
            yield result

    def close(self) -> None:
        """Close the connection, and the local cluster if this executor started one."""
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def abort(self) -> None:
        """Cancel the tasks in flight, then close (a local cluster stops its workers)."""
        if self._futures:
            self._client.cancel(self._futures, force=True)
            self._futures.clear()
        self.close()


def _take(source: Iterator[Task], n: int) -> list[Task]:
    """The next ``n`` tasks of ``source`` (fewer when it runs out)."""
    out = []
    for task in source:
        out.append(task)
        if len(out) >= n:
            break
    return out


def open_executor(
    executor: str = "processes", workers: int | None = None, scheduler: str | None = None
) -> Executor:
    """Build an executor by name (checks the options first; use it as a context manager)."""
    check_executor_options(executor, workers, scheduler)
    if executor == "serial":
        return SerialExecutor()
    if executor == "processes":
        return ProcessExecutor(workers)
    return DaskExecutor(scheduler, workers)


__all__ = [
    "EXECUTORS",
    "MAX_ATTEMPTS",
    "DaskExecutor",
    "Executor",
    "ProcessExecutor",
    "SerialExecutor",
    "WorkerLostError",
    "check_executor_options",
    "open_executor",
    "phase_bar",
    "progress_bar",
]
