"""Post-processing on every core: a map over items in forked processes.

Drawing figures and testing the rows of many sweep cells are CPU-bound, single-threaded and
independent item by item, so :func:`fork_map` spreads them over forked processes that inherit
the work (the function and its items are never pickled; only the results come back). Results
are returned in the order of the items and are those of a serial map: each item's work must
depend on the item alone (its random numbers seeded from the item, not drawn from a shared
stream). Where forking is unavailable (Windows, macOS's default) or unsafe (inside a daemonic
worker), or there is a single item or core, the map runs in the calling process. Each forked
process runs its BLAS on one thread.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Any

from threadpoolctl import threadpool_limits

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
    items go to a process at a time."""
    items = list(items)
    count = min(workers or usable_cores(), len(items))
    if count < 2 or not _can_fork():
        return [func(item) for item in items]
    indices = list(order) if order is not None else list(range(len(items)))
    if sorted(indices) != list(range(len(items))):
        raise ValueError("order must be a permutation of the items' indices")
    _WORK[:] = [(func, items)]
    try:
        with multiprocessing.get_context("fork").Pool(count, initializer=_one_thread) as pool:
            results = pool.map(_call, indices, chunksize=max(1, chunksize))
    finally:
        _WORK.clear()
    done = dict(zip(indices, results, strict=True))
    return [done[k] for k in range(len(items))]


def _one_thread() -> None:
    """A forked process's initializer: one BLAS thread. The processes already use the
    cores, and a thread pool in each would oversubscribe them (the bootstrap's matrix
    products ran slower on two processes than on one)."""
    threadpool_limits(limits=1)


def _call(index: int) -> Any:
    """In a forked process: the function applied to item ``index`` of the inherited work."""
    func, items = _WORK[0]
    return func(items[index])
