"""Post-processing on every core: a map over items in forked processes.

Drawing figures and testing the rows of many sweep cells are CPU-bound, single-threaded and
independent item by item, so :func:`fork_map` spreads them over forked processes that inherit
the work (the function and its items are never pickled; only the results come back). Results
are returned in the order of the items and are those of a serial map: each item's work must
depend on the item alone (its random numbers seeded from the item, not drawn from a shared
stream). Where forking is unavailable (Windows, macOS's default) or unsafe (inside a daemonic
worker), or there is a single item or core, the map runs in the calling process. Each forked
process runs its BLAS on one thread, ends with the calling process, and a failure anywhere
ends the map at once (see :mod:`bargainlab.support.lifetime`).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from typing import Any

from threadpoolctl import threadpool_limits

from .lifetime import Guarded, stop_workers, worker_setup

__all__ = ["fork_map", "usable_cores"]

# the work of the current fork_map call, inherited by its forked processes
_WORK: list[tuple[Callable[[Any], Any], Sequence[Any]]] = []


def usable_cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _can_fork() -> bool:
    """Whether this process may fork workers: the platform can, it is not a daemonic worker
    (which may not have children), and it is not inside another :func:`fork_map`."""
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
        and not _WORK  # not from inside another fork_map
    )


def fork_map(
    func: Callable[[Any], Any],
    items: Sequence[Any],
    *,
    workers: int | None = None,
    order: Sequence[int] | None = None,
    chunksize: int = 1,
) -> list[Any]:
    """``[func(item) for item in items]``, computed by up to ``workers`` forked processes
    (default: the usable cores). ``order`` is the order in which items are handed out (e.g.
    the longest first, so that no process is left with a long one at the end); ``chunksize``
    items go to a process at a time.

    The first item to fail raises its exception here (as itself, or as a
    :class:`RuntimeError` naming it when it cannot be pickled, see
    :class:`~bargainlab.support.lifetime.Guarded`), and the processes stop at once: the items not
    started are dropped and those running unwind (see
    :func:`~bargainlab.support.lifetime.stop_workers`). A process that dies (killed, out of
    memory) raises :class:`~concurrent.futures.process.BrokenProcessPool` rather than
    leaving the map waiting, and the processes end with the caller (see
    :func:`~bargainlab.support.lifetime.worker_setup`).
    """
    items = list(items)
    count = min(workers or usable_cores(), len(items))
    if count < 2 or not _can_fork():
        return [func(item) for item in items]
    indices = list(order) if order is not None else list(range(len(items)))
    if sorted(indices) != list(range(len(items))):
        raise ValueError("order must be a permutation of the items' indices")
    step = max(1, chunksize)
    chunks = [indices[k : k + step] for k in range(0, len(indices), step)]
    _WORK[:] = [(func, items)]
    try:
        results = _run_forked(chunks, count)
    finally:
        _WORK.clear()
    done: dict[int, Any] = {}
    for chunk, out in zip(chunks, results, strict=True):
        done.update(zip(chunk, out, strict=True))
    return [done[k] for k in range(len(items))]


def _run_forked(chunks: list[list[int]], count: int) -> list[list[Any]]:
    """The results of ``chunks`` (lists of item indices), computed by ``count`` forked
    processes; the first failure stops them all and is raised."""
    pool = ProcessPoolExecutor(
        count,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_forked_setup,
        initargs=(os.getpid(),),
    )
    ok = False
    try:
        futures = [pool.submit(_call_chunk, chunk) for chunk in chunks]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        failed = [f for f in futures if f in done and f.exception() is not None]
        if failed:
            raise failed[0].exception()  # type: ignore[misc]
        results = [f.result() for f in futures]
        ok = True
        return results
    finally:
        if ok:
            pool.shutdown(wait=True)
        else:
            processes = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            stop_workers(processes)


def _forked_setup(parent: int) -> None:
    """A forked process's initializer: it ends with ``parent`` and stops cleanly (see
    :func:`~bargainlab.support.lifetime.worker_setup`), and runs one BLAS thread. The processes
    already use the cores, and a thread pool in each would oversubscribe them (the
    bootstrap's matrix products ran slower on two processes than on one)."""
    worker_setup(parent)
    threadpool_limits(limits=1)


def _call_chunk(indices: list[int]) -> list[Any]:
    """In a forked process: the function applied to the items ``indices`` of the inherited
    work, guarded (see :class:`~bargainlab.support.lifetime.Guarded`)."""
    func, items = _WORK[0]
    guarded = Guarded(func)
    return [guarded(items[index]) for index in indices]
