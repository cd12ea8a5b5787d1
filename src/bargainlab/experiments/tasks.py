"""Seeds, the task plan and what a worker does with one task.

Seeding
-------
One root ``numpy.random.SeedSequence(study.seed)``. Sweep cell ``c`` gets the child
``root.spawn(n_cells)[c]`` and its replicate ``r`` the grandchild
``cell.spawn(replicates)[r]``. Because ``SeedSequence.spawn`` is stateful, the grandchild is
built directly as ``SeedSequence(entropy=seed, spawn_key=(c, r))``, which is exactly what the
two spawns return, but does not depend on how many replicates or cells there are, nor on the
chunking or the stacking: replicate ``r`` of cell ``c`` always has the same key, whether the
study runs 10 or 10,000 replicates, in chunks of 3 or of 500, alone or stacked with other
cells. (Adding a value to a sweep axis renumbers the cells after it, and so changes their
seeds.) In a study with an empirical game the cells that differ only on its opponent axis
play the keys of the first of them (:func:`bargainlab.config.empirical.seed_cells`), so that
every profile of the game meets the same draws. The key handed to the simulation is
``generate_state(2, dtype=uint64)``, consumed by :class:`bargainlab.engine.rng.StreamRNG`. All keys are made in the parent; arms and channel
variants of a replicate share its key (common random numbers).

Tasks
-----
A *unit* is one chunk of ``study.chunk`` replicates of one cell. Cells whose strategies and
mechanics are alike (:func:`bargainlab.experiments.translate.stacks`) are stacked: a *task*
packs consecutive units of one stack, up to :data:`TASK_RELATIONSHIPS` relationships, and plays
them as one batch whose parameters vary per replicate. The plan depends only on the study
(its cells, replicates and chunk), so a resumed run finds the tasks it already finished.

A worker simulates its task, checks every number is finite, and turns the result into the
task's *parts*: its rows of the rounds table (and of the traces), and its rows of the small
tables the analysis reads (``replicates``, ``trajectories``, ``mediation``; see
:mod:`bargainlab.analysis.tables`). It writes them into the run folder itself when it can see
it (a local worker, or a cluster sharing the folder), else returns their bytes for the parent
to write. Either way the parent journals each part's checksum, which marks the task done.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis.derive import replicates_from_rounds, trajectories_from_rounds
from ..analysis.tables import MEDIATION_KEYS, MEDIATION_SCHEMA, check_table
from ..config.files import Cell
from ..config.schema import StudySpec
from ..config.size import TASK_RELATIONSHIPS
from ..relationships.table import KEYS, ROUNDS_SCHEMA
from ..strategies.registry import using
from ..support.files import write_bytes_atomic
from ..support.memory import reuse_large_allocations
from .shipping import unpack
from .storage import check_finite, parquet_bytes
from .translate import CellChunk, ChunkTables, simulate_cells, stacks

RELATIONSHIP_COLUMNS = tuple(c.name for c in ROUNDS_SCHEMA if c.name != "cell")
"""Columns every table from a simulation must have (the run adds ``cell``)."""


KINDS = ("rounds", "traces", "replicates", "trajectories", "mediation")
"""The parts a task may have, in the order a worker writes them (rounds last: the journal
line of the rounds part is what marks a task done)."""

Simulate = Callable[..., tuple[pd.DataFrame, "pd.DataFrame | None"]]
"""A custom simulation of one cell's chunk: ``simulate(study, keys, replicate_ids, *,
traces)`` returns its rounds table and traces (see :func:`bargainlab.experiments.translate.simulate`)."""


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


def n_chunks(replicates: int, chunk: int) -> int:
    """Chunks of ``chunk`` replicates that hold ``replicates`` (the last may be smaller)."""
    return -(-replicates // chunk)


# ---------------------------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """One chunk of replicates of one cell, with its keys made in the parent."""

    cell: int
    chunk: int
    study: StudySpec
    """The cell's study (no sweep)."""
    replicate_ids: np.ndarray
    keys: np.ndarray


@dataclass(frozen=True)
class Task:
    """Units of one stack, simulated as one batch; keys made in the parent."""

    index: int
    units: tuple[Unit, ...]
    traces: bool = False
    strategies: bytes | None = None
    """The user's strategy classes the worker cannot find by itself, pickled (see
    :mod:`bargainlab.experiments.shipping`)."""
    out: str | None = None
    """The run folder, when the worker can write its parts there itself."""

    @property
    def name(self) -> str:
        """The task's name (see :func:`task_name`)."""
        return task_name(self.index, [(u.cell, u.chunk) for u in self.units])

    @property
    def relationships(self) -> int:
        """Relationships the task plays: its units' replicates, summed."""
        return sum(u.replicate_ids.shape[0] for u in self.units)


@dataclass(frozen=True)
class TaskPlan:
    """Which units each task packs (cell and chunk indices), in task order."""

    tasks: tuple[tuple[tuple[int, int], ...], ...]
    replicates: int
    chunk: int

    def __len__(self) -> int:
        """The number of tasks."""
        return len(self.tasks)

    def names(self) -> list[str]:
        """Every task's name, in task order."""
        return [task_name(i, units) for i, units in enumerate(self.tasks)]

    def relationships(self, index: int) -> int:
        """Relationships (replicates summed over cells) of task ``index``."""
        return sum(_chunk_size(self.replicates, self.chunk, k) for _, k in self.tasks[index])


def task_name(index: int, units: Sequence[tuple[int, int]]) -> str:
    """``task-00012-<8 hex>``: the task's position and a digest of its units, so that parts of
    another plan (another version, another chunk) are never taken for this one's."""
    digest = hashlib.sha256(json.dumps([list(u) for u in units]).encode()).hexdigest()[:8]
    return f"task-{index:05d}-{digest}"


def _chunk_size(replicates: int, chunk: int, k: int) -> int:
    """Replicates in chunk ``k``."""
    return min((k + 1) * chunk, replicates) - k * chunk


def plan_tasks(cells: Sequence[Cell], *, replicates: int, chunk: int) -> TaskPlan:
    """The run's tasks: the cells' units grouped by stack, packed in order up to
    :data:`TASK_RELATIONSHIPS` relationships (or one unit, when a chunk is larger)."""
    groups = stacks([c.study for c in cells])
    limit = max(TASK_RELATIONSHIPS, chunk)
    tasks: list[tuple[tuple[int, int], ...]] = []
    for group in groups:
        current: list[tuple[int, int]] = []
        size = 0
        for k in range(n_chunks(replicates, chunk)):
            for position in group:
                n = _chunk_size(replicates, chunk, k)
                if current and size + n > limit:
                    tasks.append(tuple(current))
                    current, size = [], 0
                current.append((cells[position].index, k))
                size += n
        if current:
            tasks.append(tuple(current))
    return TaskPlan(tuple(tasks), replicates, chunk)


def make_tasks(
    cells: Sequence[Cell],
    plan: TaskPlan,
    *,
    root_seed: int,
    traces: bool = False,
    skip: Iterable[int] = (),
    strategies: bytes | None = None,
    out: str | Path | None = None,
    seed_cells: Mapping[int, int] | None = None,
) -> Iterator[Task]:
    """The plan's tasks except those in ``skip`` (task indices); each carries ``strategies``
    (see :func:`bargainlab.experiments.shipping.pack`) and, when the workers write their parts
    themselves, the run folder ``out``. A cell plays the replicates' keys of the cell
    ``seed_cells`` maps it to (its own by default; the cells of an empirical game share
    theirs, see :func:`bargainlab.config.empirical.seed_cells`).

    Keys are made lazily, as the executor asks for the next task, so the parent never holds
    the keys of a whole large study at once.
    """
    by_index = {c.index: c for c in cells}
    seeds = dict(seed_cells or {})
    skipped = set(skip)
    for index, members in enumerate(plan.tasks):
        if index in skipped:
            continue
        units = []
        for cell_index, k in members:
            cell = by_index[cell_index]
            start = k * plan.chunk
            ids = np.arange(start, start + _chunk_size(plan.replicates, plan.chunk, k))
            units.append(
                Unit(
                    cell=cell.index,
                    chunk=k,
                    study=cell.study,
                    replicate_ids=ids.astype(np.int64),
                    keys=replicate_keys(root_seed, seeds.get(cell.index, cell.index), ids),
                )
            )
        yield Task(
            index=index,
            units=tuple(units),
            traces=traces,
            strategies=strategies,
            out=None if out is None else str(out),
        )


# ---------------------------------------------------------------------------------------------
# The worker's side
# ---------------------------------------------------------------------------------------------


@dataclass
class TaskResult:
    """What a worker sends back: the checksum of each part, the parts' bytes when it could
    not write them itself, and its peak memory."""

    index: int
    name: str
    relationships: int
    checksums: dict[str, str]
    """Part file name -> SHA-256 of its bytes."""
    payload: dict[str, bytes] = field(default_factory=dict)
    """Part file name -> bytes, for the parent to write (empty when the worker wrote them)."""
    peak_rss: int = 0
    """The worker's peak resident memory so far, in bytes."""


def part_file(task_name: str, kind: str) -> str:
    """The file name of a task's part of ``kind``."""
    return f"{task_name}.{kind}.parquet"


def _simulated(task: Task, simulate: Simulate | None) -> list[ChunkTables]:
    """Each unit's tables from the stacked batches (or the custom ``simulate``), each rounds
    table checked to have the contract's columns."""
    chunks = [CellChunk(u.cell, u.study, u.keys, u.replicate_ids) for u in task.units]
    with using(unpack(task.strategies)):
        if simulate is None:
            results = simulate_cells(chunks, traces=task.traces)
        else:
            results = [
                ChunkTables(*simulate(c.study, c.keys, c.replicate_ids, traces=task.traces))
                for c in chunks
            ]
    for result in results:
        missing = [c for c in RELATIONSHIP_COLUMNS if c not in result.rounds.columns]
        if missing:
            raise RuntimeError(f"the simulation's rounds table lacks columns: {', '.join(missing)}")
    return results


def simulate_task(task: Task, simulate: Simulate | None = None) -> dict[str, pd.DataFrame]:
    """Simulate a task and return its tables by kind (see :data:`KINDS`), labelled with
    their ``cell``, checked against their contracts."""
    results = _simulated(task, simulate)
    units = list(task.units)
    rounds = label([r.rounds for r in results], units)
    assert rounds is not None  # every unit has a rounds table
    table = _sorted(rounds, ROUNDS_ORDER)
    check_finite(table, f"rounds table of {task.name}")  # before anything is derived
    out = {"rounds": table}
    traces = label([r.traces for r in results], units)
    if task.traces and traces is not None:
        out["traces"] = _sorted(traces, TRACES_ORDER)
    study = task.units[0].study
    focal = study.arms.party
    opponent = next(p for p in study.party_names if p != focal)
    out["replicates"] = replicates_from_rounds(table, focal, opponent)
    out["trajectories"] = trajectories_from_rounds(table)
    mediation = label([r.mediation for r in results], units)
    if mediation is not None:
        out["mediation"] = check_table(mediation, MEDIATION_SCHEMA, "mediation", MEDIATION_KEYS)
    for kind, frame in out.items():
        check_finite(frame, f"{kind} table of {task.name}")
    return out


def run_task(task: Task, simulate: Simulate | None = None) -> TaskResult:
    """Run one task in a worker: simulate it, then write its parts into the run folder (when
    ``task.out`` is set) or return their bytes."""
    reuse_large_allocations()  # in a worker, or in the parent with the serial executor (see bargainlab.support.memory)
    tables = simulate_task(task, simulate)
    result = TaskResult(task.index, task.name, task.relationships, {})
    for kind in KINDS:
        if kind not in tables:
            continue
        name = part_file(task.name, kind)
        data = parquet_bytes(tables[kind])
        result.checksums[name] = hashlib.sha256(data).hexdigest()
        if task.out is not None:
            write_bytes_atomic(Path(task.out) / "parts" / name, data)
        else:
            result.payload[name] = data
    result.peak_rss = peak_rss()
    return result


ROUNDS_ORDER = KEYS
"""The order of a rounds part's rows (the rounds table's keys)."""
TRACES_ORDER = (*KEYS[:5], "step", "party")
"""The order of a traces part's rows."""


def _sorted(frame: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    """``frame`` sorted by the columns of ``order`` it has (stable)."""
    keys = [c for c in order if c in frame.columns]
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def label(tables: Sequence[pd.DataFrame | None], units: Sequence[Unit]) -> pd.DataFrame | None:
    """The units' tables one after the other (those that are not ``None``), each with a
    leading ``cell`` column holding its unit's cell (what the cell is, the run's
    ``cells.parquet`` says); ``None`` when no unit has a table."""
    kept = [(t, u) for t, u in zip(tables, units, strict=True) if t is not None]
    if not kept:
        return None
    lengths = [len(t) for t, _ in kept]
    body = pd.concat([t for t, _ in kept], ignore_index=True)
    cells = np.repeat(np.array([u.cell for _, u in kept], dtype=np.int64), lengths)
    body.insert(0, "cell", cells)
    return body


def peak_rss() -> int:
    """This process's peak resident memory in bytes (``ru_maxrss``)."""
    try:
        import resource
    except ImportError:  # not on this platform
        return 0
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(usage if sys.platform == "darwin" else usage * 1024)


def task_function(simulate: Simulate | None = None) -> Callable[[Task], TaskResult]:
    """The picklable function the executors apply to every task."""
    import functools

    return functools.partial(run_task, simulate=simulate)


__all__ = [
    "KINDS",
    "RELATIONSHIP_COLUMNS",
    "ROUNDS_ORDER",
    "TASK_RELATIONSHIPS",
    "TRACES_ORDER",
    "Simulate",
    "Task",
    "TaskPlan",
    "TaskResult",
    "Unit",
    "label",
    "make_tasks",
    "n_chunks",
    "part_file",
    "peak_rss",
    "plan_tasks",
    "replicate_keys",
    "replicate_seed",
    "run_task",
    "simulate_task",
    "task_function",
]
