"""How big a study is: cells, tasks, relationship-rounds, memory and disk, before it runs.

The estimate is computed while the sweep is expanded, cell by cell, from each cell's own
rounds, arms, channel variants and grids. With, for a cell, ``V`` channel variants, ``A``
arms, ``R`` replicates, ``K`` rounds, horizon ``H``, belief grid ``G``, ``T`` behavioural
types in a reputation model (1 without) and ``c`` relationships per task (up to
:data:`TASK_RELATIONSHIPS`, or one chunk when larger):

* relationship-rounds ``= V A R K``; rounds-table rows ``= 2 V A R K`` (one per party);
  trace rows (when the study stores traces) at most ``V A R K H``;
* memory of one task (a worker) ``= BASE + c (V (T G BYTES_PER_GRID_POINT + H BYTES_PER_STEP)
  + 2 V A K BYTES_PER_ROW_IN_TASK)`` (plus ``V A K H BYTES_PER_ROW_IN_TASK`` with traces):
  the batch's beliefs and per-step arrays (every channel variant plays in the same batch),
  and its rows until they are written; the largest task counts;
* memory of a run ``= max(BASE + workers x task, parent)``; with the serial executor
  ``max(task, parent)``;
* memory of the parent ``= BASE + small rows BYTES_PER_SMALL_ROW + sample rows
  BYTES_PER_ROW_IN_MEMORY``: the post-processing reads the small tables (one row per cell,
  variant, arm and replicate, and per transplanted piece) and a bounded sample of the rounds
  (``CALIBRATION_SAMPLE`` replicates per cell), never the whole rounds table;
* disk ``= rows BYTES_PER_ROW_ON_DISK + trace rows BYTES_PER_TRACE_ROW_ON_DISK``: the parts
  become the rounds dataset (moved, not copied);
* time, in seconds of one core, ``= V A R K (SECONDS_PER_ROUND + H SECONDS_PER_STEP)``: every
  round played to its deadline (an upper bound on the steps) at the engine's speed on the
  cheapest strategies (a lower bound on the cost of a step), so that it refuses only what
  clearly cannot finish.

The constants were measured on this project's studies (peak resident memory and file sizes;
see the comments next to them) and round up; the estimate is meant to tell a study that fits
from one that cannot, not to predict to the megabyte.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .schema import StudySpec

TASK_RELATIONSHIPS = 4096
"""Relationships a task packs at most (more when one chunk of one cell is larger): enough for
the engine's throughput, small enough that a worker holds one task's tables comfortably."""
CALIBRATION_SAMPLE = 100
"""Replicates per cell (the first ones, every channel on) the post-processing reads back
from the rounds dataset for the calibration checks: bounded whatever the study's size."""
BASE = 250 * 2**20
"""Memory of a process with the numerical stack imported (measured: 236 MB)."""
BYTES_PER_ROW_IN_MEMORY = 200
"""A rounds-table row in a pandas DataFrame (25 columns, four of them text; measured: 198)."""
BYTES_PER_SMALL_ROW = 600
"""A row of the small tables in the parent, with the copies the summary makes of it."""
BYTES_PER_ROW_IN_TASK = 1300
"""A row while a task builds its tables: its frames, their concatenation and sorting, the
trajectories' work table and the Parquet copy (measured: a face_saving_sweep task of 4,096
relationships, 983,040 rows, peaked at 1.48 GB)."""
BYTES_PER_GRID_POINT = 120
"""Per replicate and belief-grid point in a task: posteriors, likelihoods and their work
arrays (measured: about 95 for a learner on a 1001-point grid)."""
BYTES_PER_STEP = 80
"""Per replicate and step of the horizon in a task: offers, responses, utilities, trace."""
BYTES_PER_ROW_ON_DISK = 8
"""A rounds-table row in compressed Parquet (measured: 3.7 for rebate_renewal, about 7 for
a whole face_saving_sweep run folder per row)."""
BYTES_PER_TRACE_ROW_ON_DISK = 8
"""A trace row in compressed Parquet."""
SECONDS_PER_STEP = 5e-7
"""Seconds of one core per relationship and step of a round (measured: 6.2e-7 for two
time-dependent tactics at horizon 10,000, 16,384 relationship-rounds in 72 s; a learner's
step costs more)."""
SECONDS_PER_ROUND = 2e-5
"""Seconds of one core per relationship-round besides its steps: beliefs, tables (measured:
1.2e-4 for rebate_renewal's learners, every cost of the run included)."""


@dataclass(frozen=True)
class SizeEstimate:
    """The size of a study's run (see the module docstring for the formulas)."""

    cells: int
    tasks: int
    """Tasks if every cell stacked with the others (a lower bound on the run's tasks)."""
    relationship_rounds: int
    rows: int
    """Rows of the rounds table."""
    trace_rows: int
    """Rows of the traces table (an upper bound; 0 without traces)."""
    task_memory: int
    """Peak memory of the largest task, in bytes (in a worker, or in the parent when
    serial)."""
    parent_memory: int
    """Peak memory of the parent, in bytes (the post-processing holds the small tables and
    a bounded sample of the rounds)."""
    disk: int
    """Disk the run folder needs at its peak, in bytes."""
    cpu_seconds: float = 0.0
    """Seconds of one core the simulation needs, every round played to its deadline."""

    def seconds(self, cores: int) -> float:
        """Wall seconds of the simulation on ``cores`` cores (no more busy than there are
        tasks)."""
        return self.cpu_seconds / max(1, min(cores, self.tasks))

    def memory(self, workers: int) -> int:
        """Peak memory of a run on this machine with ``workers`` worker processes (0: tasks
        run in the parent): the larger of the simulation phase (every worker on its
        largest task, while the parent holds a few results; no more workers busy than there
        are tasks) and the post-processing."""
        busy = min(workers, self.tasks)
        simulate = (BASE + busy * self.task_memory) if workers else self.task_memory
        return max(simulate, self.parent_memory)

    def then(self, other: SizeEstimate) -> SizeEstimate:
        """This run followed by ``other`` in the same folder (a second seed's run): their
        relationship-rounds, rows, disk and time add up; the memory is the larger of the two,
        since one runs after the other."""
        return replace(
            self,
            relationship_rounds=self.relationship_rounds + other.relationship_rounds,
            rows=self.rows + other.rows,
            trace_rows=self.trace_rows + other.trace_rows,
            task_memory=max(self.task_memory, other.task_memory),
            parent_memory=max(self.parent_memory, other.parent_memory),
            disk=self.disk + other.disk,
            cpu_seconds=self.cpu_seconds + other.cpu_seconds,
        )

    def describe(self, workers: int | None = None) -> str:
        """One line for the user."""
        memory = (
            f"memory {human_bytes(self.memory(workers))} with {workers} worker(s) "
            if workers is not None
            else ""
        )
        time = (
            f", simulation about {human_seconds(self.seconds(workers))} on {workers} core(s)"
            if workers is not None
            else ""
        )
        return (
            f"{self.cells:,} cell(s), "
            f"{self.relationship_rounds:,} relationship-rounds, {self.rows:,} table rows; "
            f"estimated {memory}(largest task {human_bytes(self.task_memory)}, "
            f"post-processing {human_bytes(self.parent_memory)}), "
            f"disk {human_bytes(self.disk)}{time}"
        )


class SizeTally:
    """Accumulates a :class:`SizeEstimate` over the cells of a study."""

    def __init__(self) -> None:
        """An empty tally: sums over cells, and maxima of the per-cell sizes that do not add
        up (a task's memory per relationship, the chunk)."""
        self.cells = 0
        self.tasks = 0
        self.relationships = 0
        self.relationship_rounds = 0
        self.trace_rows = 0
        self.task_memory = 0
        self.small_rows = 0
        self.sample_rows = 0
        self.chunk = 0
        self.cpu_seconds = 0.0

    def add(self, study: StudySpec) -> None:
        """Count one cell (its study, without a sweep)."""
        variants = channel_variant_count(study)
        arms = len(study.arms.strategies)
        reps = study.replicates
        k, h, g = study.rounds.count, study.game.horizon, study.rounds.grid
        types = len(study.reputation.types) if study.reputation is not None else 1
        rel_rounds = variants * arms * reps * k
        self.cells += 1
        self.relationships += reps
        self.relationship_rounds += rel_rounds
        self.cpu_seconds += rel_rounds * (SECONDS_PER_ROUND + h * SECONDS_PER_STEP)
        if study.traces:
            self.trace_rows += rel_rounds * h
        comparisons = len(study.arms.pairs()) if study.channels.decompose else 0
        self.small_rows += variants * arms * reps + comparisons * 4 * reps
        self.sample_rows += 2 * variants * arms * min(reps, CALIBRATION_SAMPLE) * k
        per_replicate = (
            variants * (types * g * BYTES_PER_GRID_POINT + h * BYTES_PER_STEP)
            + 2 * variants * arms * k * BYTES_PER_ROW_IN_TASK
        )
        if study.traces:
            per_replicate += variants * arms * k * h * BYTES_PER_ROW_IN_TASK
        self.task_memory = max(self.task_memory, per_replicate)
        self.chunk = max(self.chunk, min(study.chunk, reps))

    def result(self) -> SizeEstimate:
        """The estimate of the cells counted so far (see the module docstring)."""
        rows = 2 * self.relationship_rounds
        per_task = min(max(TASK_RELATIONSHIPS, self.chunk), self.relationships)
        return SizeEstimate(
            cells=self.cells,
            tasks=max(1, -(-self.relationships // max(per_task, 1))),
            relationship_rounds=self.relationship_rounds,
            rows=rows,
            trace_rows=self.trace_rows,
            task_memory=BASE + per_task * self.task_memory,
            parent_memory=BASE
            + self.small_rows * BYTES_PER_SMALL_ROW
            + self.sample_rows * BYTES_PER_ROW_IN_MEMORY,
            disk=rows * BYTES_PER_ROW_ON_DISK + self.trace_rows * BYTES_PER_TRACE_ROW_ON_DISK,
            cpu_seconds=self.cpu_seconds,
        )


def channel_variant_count(study: StudySpec) -> int:
    """How many channel variants each arm runs: 1, and with ``channels.decompose`` one more
    per channel switched off and one with every channel off (``decompose = true``)."""
    channels = study.channels
    return 1 + len(channels.switched_off()) + int(channels.all_off())


def human_bytes(n: int | float) -> str:
    """``1536`` -> ``"1.5 KB"`` (powers of 1024, the way memory is sold)."""
    value = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if abs(value) < 1024 or unit == "PB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def human_seconds(seconds: float) -> str:
    """``5400`` -> ``"1.5 h"``: seconds, minutes, hours or days, whichever reads best."""
    for unit, size in (("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


__all__ = [
    "CALIBRATION_SAMPLE",
    "SECONDS_PER_ROUND",
    "SECONDS_PER_STEP",
    "TASK_RELATIONSHIPS",
    "SizeEstimate",
    "SizeTally",
    "channel_variant_count",
    "human_bytes",
    "human_seconds",
]
