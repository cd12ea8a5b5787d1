"""Seeding, tasks and the three executors (serial, local processes, a Dask cluster).

Seeding
-------
One root ``numpy.random.SeedSequence(study.seed)``. Sweep cell ``c`` gets the child
``root.spawn(n_cells)[c]`` and its replicate ``r`` the grandchild
``cell.spawn(replicates)[r]``. Because ``SeedSequence.spawn`` is stateful, the grandchild is
built directly as ``SeedSequence(entropy=seed, spawn_key=(c, r))``, which is exactly what the
two spawns return, but does not depend on how many replicates or cells there are, nor on the
chunking: replicate ``r`` of cell ``c`` always has the same key, whether the study runs 10 or
10,000 replicates, in chunks of 3 or of 500. (Adding a value to a sweep axis renumbers the
cells after it, and so changes their seeds.) The key handed to the simulation is
``generate_state(2, dtype=uint64)``, consumed by :class:`bargainlab.engine.rng.StreamRNG`. All keys
are made in the parent; arms and channel variants of a replicate share its key (common
random numbers).

Tasks and executors
-------------------
A task is one chunk of ``study.chunk`` replicates of one cell. Every executor yields the
results in completion order; the run store keys them by ``(cell, chunk)`` and sorts the
tables, so the output never depends on the executor, the number of workers or scheduling.
"""

from __future__ import annotations

import functools
import json
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._memory import reuse_large_allocations
from ..config.files import Cell, ConfigError
from ..config.schema import StudySpec
from ..relationships.table import ROUNDS_SCHEMA
from ..strategies.registry import using
from .shipping import unpack
from .translate import simulate as default_simulate

RELATIONSHIP_COLUMNS = tuple(c.name for c in ROUNDS_SCHEMA if c.name != "cell")
"""Columns every table from a simulation must have (the run adds ``cell`` and the axes)."""

EXECUTORS = ("serial", "processes", "dask")


Simulate = Callable[..., tuple[pd.DataFrame, "pd.DataFrame | None"]]


# ---------------------------------------------------------------------------------------------
# Seeds
# ---------------------------------------------------------------------------------------------


def replicate_seed(root_seed: int, cell: int, replicate: int) -> np.random.SeedSequence:
    """The SeedSequence of one replicate: ``SeedSequence(root_seed).spawn(..)[cell].spawn(..)[replicate]``."""
    return np.random.SeedSequence(entropy=root_seed, spawn_key=(cell, replicate))


def replicate_keys(root_seed: int, cell: int, replicate_ids: Iterable[int]) -> np.ndarray:
    """``uint64`` keys of shape ``(n, 2)`` for :class:`bargainlab.engine.rng.StreamRNG`, one per replicate."""
    ids = [int(r) for r in replicate_ids]
    keys = np.empty((len(ids), 2), dtype=np.uint64)
    for i, r in enumerate(ids):
        keys[i] = replicate_seed(root_seed, cell, r).generate_state(2, dtype=np.uint64)
    return keys


# ---------------------------------------------------------------------------------------------
# Tasks
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """One chunk of replicates of one sweep cell, with its keys made in the parent."""

    cell: int
    chunk: int
    study: StudySpec
    """The cell's study (no sweep)."""
    labels: dict[str, Any]
    """Axis path -> the value stored in that axis's column for this cell."""
    replicate_ids: np.ndarray
    keys: np.ndarray
    traces: bool = False
    strategies: bytes | None = None
    """The user's strategy classes the worker cannot find by itself, pickled (see
    :mod:`bargainlab.experiments.shipping`)."""


@dataclass
class TaskResult:
    cell: int
    chunk: int
    rounds: pd.DataFrame
    traces: pd.DataFrame | None = field(default=None)


def n_chunks(replicates: int, chunk: int) -> int:
    return -(-replicates // chunk)


def make_tasks(
    cells: list[Cell],
    *,
    root_seed: int,
    replicates: int,
    chunk: int,
    traces: bool = False,
    skip: set[tuple[int, int]] | frozenset[tuple[int, int]] = frozenset(),
    strategies: bytes | None = None,
) -> Iterator[Task]:
    """Tasks of every cell, chunk by chunk, except the ``(cell, chunk)`` pairs in ``skip``;
    each carries ``strategies`` (see :func:`bargainlab.experiments.shipping.pack`).

    Keys are made lazily, as the executor asks for the next task, so the parent never holds
    the keys of a whole large study at once.
    """
    labels = stored_axis_values(cells)
    for cell in cells:
        for k in range(n_chunks(replicates, chunk)):
            if (cell.index, k) in skip:
                continue
            ids = np.arange(k * chunk, min((k + 1) * chunk, replicates), dtype=np.int64)
            yield Task(
                cell=cell.index,
                chunk=k,
                study=cell.study,
                labels=labels[cell.index],
                replicate_ids=ids,
                keys=replicate_keys(root_seed, cell.index, ids),
                traces=traces,
                strategies=strategies,
            )


def stored_axis_values(cells: list[Cell]) -> list[dict[str, Any]]:
    """Per cell, the value of each axis as stored in its column, with one type per axis:
    bool, int, float (numbers of mixed kinds) or str (anything else, non-strings as JSON; an
    axis with a missing value in some cell is stored as text, so no numeric column holds NaN)."""
    if not cells:
        return []
    names = list(cells[0].values)
    out: list[dict[str, Any]] = [{} for _ in cells]
    for axis in names:
        values = [c.values[axis] for c in cells]
        present = [v for v in values if v is not None]
        convert: Callable[[Any], Any]
        if present and len(present) == len(values) and all(isinstance(v, bool) for v in values):
            convert = bool
        elif present and len(present) == len(values) and all(_is_int(v) for v in values):
            convert = int
        elif (
            present
            and len(present) == len(values)
            and all(_is_int(v) or isinstance(v, float) for v in present)
        ):
            convert = _as_float
        else:
            convert = _as_text
        for i, v in enumerate(values):
            out[i][axis] = convert(v)
    return out


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _as_float(value: Any) -> float:
    return float("nan") if value is None else float(value)


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def run_task(task: Task, simulate: Simulate | None = None) -> TaskResult:
    """Run one task: simulate the chunk, then add ``cell`` and one column per sweep axis.

    The strategy classes shipped with the task are visible to the simulation's look-ups."""
    reuse_large_allocations()  # in a worker process or on a Dask worker (see bargainlab._memory)
    sim = simulate if simulate is not None else default_simulate
    with using(unpack(task.strategies)):
        rounds, traces = sim(task.study, task.keys, task.replicate_ids, traces=task.traces)
    missing = [c for c in RELATIONSHIP_COLUMNS if c not in rounds.columns]
    if missing:
        raise RuntimeError(f"the simulation's rounds table lacks columns: {', '.join(missing)}")
    return TaskResult(
        cell=task.cell,
        chunk=task.chunk,
        rounds=_label(rounds, task),
        traces=None if traces is None else _label(traces, task),
    )


def _label(table: pd.DataFrame, task: Task) -> pd.DataFrame:
    n = len(table)
    front: dict[str, Any] = {"cell": np.full(n, task.cell, dtype=np.int64)}
    for axis, value in task.labels.items():
        if isinstance(value, str):
            front[axis] = pd.Series([value] * n, index=table.index)  # pandas' string dtype
        else:
            front[axis] = np.full(n, value, dtype=_dtype(value))
    labelled = pd.DataFrame(front, index=table.index)
    return pd.concat([labelled, table], axis=1).reset_index(drop=True)


def _dtype(value: Any) -> Any:
    if isinstance(value, bool):
        return np.bool_
    if isinstance(value, int):
        return np.int64
    return np.float64


# ---------------------------------------------------------------------------------------------
# Executors
# ---------------------------------------------------------------------------------------------


def check_executor_options(executor: str, workers: int | None, scheduler: str | None) -> None:
    """Raise :class:`ConfigError` for an unknown executor, a bad worker count or a Dask run
    without a scheduler address (before anything is started or written)."""
    if executor not in EXECUTORS:
        raise ConfigError(
            None, "--executor", f"unknown executor {executor!r}; allowed: {', '.join(EXECUTORS)}"
        )
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise ConfigError(None, "--workers", f"must be a positive integer; got {workers!r}")
    if executor == "dask" and not scheduler:
        raise ConfigError(
            None,
            "--scheduler",
            "the dask executor needs the scheduler's address, e.g. tcp://127.0.0.1:8786",
        )
    if executor != "dask" and scheduler:
        raise ConfigError(
            None, "--scheduler", f"only used with --executor dask; got --executor {executor}"
        )


class Executor:
    """Runs tasks and yields their results in completion order."""

    def imap_unordered(
        self, fn: Callable[[Task], TaskResult], tasks: Iterable[Task]
    ) -> Iterator[TaskResult]:
        raise NotImplementedError

    def run_on_workers(self, fn: Callable[[], Any]) -> list[Any]:
        """Run ``fn`` where the tasks run (in-process here) and return its results."""
        return [fn()]

    def close(self) -> None:
        """Release workers or the cluster connection."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SerialExecutor(Executor):
    """Everything in the calling process, one task after the other."""

    def imap_unordered(
        self, fn: Callable[[Task], TaskResult], tasks: Iterable[Task]
    ) -> Iterator[TaskResult]:
        for task in tasks:
            yield fn(task)


def _ignore_sigint() -> None:
    # Ctrl-C is handled once, by the parent, which stops the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


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
        context.set_forkserver_preload([f"{__package__}.translate"])
        return context
    return multiprocessing.get_context("spawn")


class ProcessExecutor(Executor):
    """A local pool of worker processes (``forkserver`` or ``spawn`` start method).

    At most ``2 * workers`` tasks are in flight, so memory stays bounded on large studies.
    ``start_method`` is ``"forkserver"`` (the default where available) or ``"spawn"``.
    """

    def __init__(self, workers: int | None = None, start_method: str | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=_process_context(start_method),
            initializer=_ignore_sigint,
        )

    def run_on_workers(self, fn: Callable[[], Any]) -> list[Any]:
        """Run ``fn`` in one worker process (they are alike) and return its result."""
        return [self._pool.submit(fn).result()]

    def imap_unordered(
        self, fn: Callable[[Task], TaskResult], tasks: Iterable[Task]
    ) -> Iterator[TaskResult]:
        window = 2 * self.workers
        pending: set[Future] = set()
        source = iter(tasks)
        try:
            while True:
                for task in source:
                    pending.add(self._pool.submit(fn, task))
                    if len(pending) >= window:
                        break
                if not pending:
                    return
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    yield fut.result()
        finally:
            for fut in pending:
                fut.cancel()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(Executor):
    """Tasks submitted to a Dask distributed cluster at ``scheduler`` (``tcp://host:port``).

    The workers need the same bargainlab and dependencies installed as the client.
    """

    def __init__(self, scheduler: str, timeout: float = 10.0) -> None:
        from distributed import Client

        try:
            self._client = Client(scheduler, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ConfigError(
                None, "--scheduler", f"cannot reach a Dask scheduler at {scheduler!r}: {exc}"
            ) from None

    def run_on_workers(self, fn: Callable[[], Any]) -> list[Any]:
        """Run ``fn`` on every worker of the cluster and return their results."""
        return list(self._client.run(fn).values())

    def imap_unordered(
        self, fn: Callable[[Task], TaskResult], tasks: Iterable[Task]
    ) -> Iterator[TaskResult]:
        from distributed import as_completed

        threads = sum(self._client.nthreads().values()) or 1
        window = max(4, 2 * threads)
        source = iter(tasks)
        first = [self._client.submit(fn, t, pure=False) for t in _take(source, window)]
        if not first:
            return
        futures = as_completed(first, loop=self._client.loop)
        for fut in futures:
            result = fut.result()
            fut.release()
            for task in _take(source, 1):
                futures.add(self._client.submit(fn, task, pure=False))
            yield result

    def close(self) -> None:
        self._client.close()


def _take(source: Iterator[Task], n: int) -> list[Task]:
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
    assert scheduler is not None
    return DaskExecutor(scheduler)


def task_function(simulate: Simulate | None = None) -> Callable[[Task], TaskResult]:
    """The picklable function the executors apply to every task."""
    return functools.partial(run_task, simulate=simulate)


def progress_bar(
    total: int, initial: int = 0, enabled: bool | None = None, desc: str = "tasks"
) -> Any:
    """A tqdm bar over tasks, on stderr; off when stderr is not a terminal unless ``enabled``."""
    from tqdm.auto import tqdm

    if enabled is None:
        enabled = sys.stderr.isatty()
    return tqdm(
        total=total, initial=initial, disable=not enabled, desc=desc, unit="task", file=sys.stderr
    )


__all__ = [
    "EXECUTORS",
    "DaskExecutor",
    "Executor",
    "ProcessExecutor",
    "SerialExecutor",
    "Task",
    "TaskResult",
    "check_executor_options",
    "make_tasks",
    "n_chunks",
    "open_executor",
    "progress_bar",
    "replicate_keys",
    "replicate_seed",
    "run_task",
    "stored_axis_values",
    "task_function",
]
