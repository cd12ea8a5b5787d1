"""Refusing a run that cannot finish: the size estimate against memory, disk and time budgets.

:func:`bargainlab.config.files.load_study` estimates a study's size (see
:mod:`bargainlab.config.size`). Before a run writes anything, :func:`check_size` compares
the estimate with the budgets in force: by default the machine's memory (its physical memory,
or the container's limit when lower), the free space where the run folder goes, and a day of
simulation on the cores the workers can use. A run that exceeds any is refused with a
:class:`ConfigError` that gives the estimate and the command-line flag that raises the
budget (``--memory-budget``, ``--disk-budget``, ``--time-budget``). Fewer ``--workers`` need
less memory and more time, so no number of workers lets through a run that cannot finish.

The budgets are a context (:func:`size_budget`), so the command line can set them without
changing the signature of :func:`bargainlab.experiments.pipeline.run_study`::

    with size_budget(memory="64G"):
        run_study("big.toml")
"""

from __future__ import annotations

import contextvars
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..config.errors import ConfigError
from ..config.size import SizeEstimate, human_bytes, human_seconds
from ..support.forking import usable_cores

_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40, "P": 2**50}


def parse_size(text: str | int) -> int:
    """``"512M"``, ``"8G"``, ``"1.5T"`` or a number of bytes -> bytes (powers of 1024; a
    trailing ``B`` or ``iB`` is allowed). Raises ValueError for anything else."""
    if isinstance(text, int) and not isinstance(text, bool):
        if text <= 0:
            raise ValueError(f"must be a positive size; got {text}")
        return text
    shown = repr(text if len(str(text)) <= 40 else str(text)[:37] + "...")
    m = re.fullmatch(r"\s*(\d{1,30}(?:\.\d{1,30})?)\s*([KMGTP]?)(?:i?B)?\s*", str(text), flags=re.I)
    if not m:
        raise ValueError(f"must be a size such as 512M, 8G or 1.5T; got {shown}")
    value = float(m.group(1)) * _UNITS[m.group(2).upper()]
    if not 0 < value < 2**63:
        raise ValueError(f"must be a positive size; got {shown}")
    return int(value)


_SECONDS = {"": 1, "S": 1, "M": 60, "MIN": 60, "H": 3600, "D": 86400}


def parse_duration(text: str | float) -> float:
    """``"90m"``, ``"12h"``, ``"3d"``, ``"45s"`` or a number of seconds -> seconds. Raises
    ValueError for anything else."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        if not 0 < text < float("inf"):
            raise ValueError(f"must be a positive duration; got {text}")
        return float(text)
    shown = repr(text if len(str(text)) <= 40 else str(text)[:37] + "...")
    m = re.fullmatch(r"\s*(\d{1,12}(?:\.\d{1,12})?)\s*(s|m|min|h|d)?\s*", str(text), re.I)
    if not m:
        raise ValueError(f"must be a duration such as 90m, 12h or 3d; got {shown}")
    value = float(m.group(1)) * _SECONDS[(m.group(2) or "").upper()]
    if value <= 0:
        raise ValueError(f"must be a positive duration; got {shown}")
    return value


DEFAULT_TIME_BUDGET = 24 * 3600.0
"""Longest a run's simulation may be estimated to take without ``--time-budget``: a day.
The estimate is an upper bound on the steps played (see :mod:`bargainlab.config.size`)."""


@dataclass(frozen=True)
class Budget:
    """Limits a run must fit in (bytes, seconds); ``None`` means the machine's own limit
    (the time: :data:`DEFAULT_TIME_BUDGET`)."""

    memory: int | None = None
    disk: int | None = None
    time: float | None = None


_BUDGET: contextvars.ContextVar[Budget | None] = contextvars.ContextVar(
    "bargainlab_size_budget", default=None
)


@contextmanager
def size_budget(
    memory: str | int | None = None,
    disk: str | int | None = None,
    time: str | float | None = None,
) -> Iterator[None]:
    """Run the ``with`` block with these budgets (sizes as for :func:`parse_size`, the time
    as for :func:`parse_duration`)."""
    token = _BUDGET.set(
        Budget(
            None if memory is None else parse_size(memory),
            None if disk is None else parse_size(disk),
            None if time is None else parse_duration(time),
        )
    )
    try:
        yield
    finally:
        _BUDGET.reset(token)


def machine_memory() -> int | None:
    """Physical memory in bytes, or the cgroup (container) limit when lower; ``None`` when
    unknown."""
    total = None
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        pass
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and (total is None or int(text) < total):
            total = int(text)
    return total


def free_disk(folder: str | Path) -> int | None:
    """Free bytes on the file system where ``folder`` is or would be created."""
    probe = Path(folder).absolute()
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    try:
        return shutil.disk_usage(probe).free
    except OSError:
        return None


def check_size(
    size: SizeEstimate | None,
    out: str | Path,
    *,
    workers: int,
    file: str | Path | None = None,
    local_tasks: bool = True,
) -> None:
    """Raise :class:`ConfigError` when the estimated run does not fit the budgets in force:
    memory, disk and time, in that order.

    ``workers`` is the number of local worker processes (0: tasks run in the parent);
    ``local_tasks`` is False when tasks run on a remote cluster (then only the parent's
    memory counts here, and the time is not checked: the cluster's size is unknown). The
    time counts the cores the workers can use, however many ``workers`` there are.
    """
    if size is None:
        return
    budget = _BUDGET.get() or Budget()
    _check_memory(size, budget, workers, file, local_tasks)
    _check_disk(size, budget, out, file)
    if local_tasks:
        _check_time(size, budget, min(max(workers, 1), usable_cores()), file)


def _check_memory(
    size: SizeEstimate, budget: Budget, workers: int, file: str | Path | None, local_tasks: bool
) -> None:
    """The memory check of :func:`check_size`."""
    memory_limit = budget.memory if budget.memory is not None else machine_memory()
    need = size.memory(workers) if local_tasks else size.parent_memory
    where = "the budget (--memory-budget)" if budget.memory is not None else "this machine's"
    if memory_limit is not None and need > memory_limit:
        tasks = (
            f"largest task {human_bytes(size.task_memory)} x {max(workers, 1)} "
            f"{'worker(s)' if workers else 'in this process'}; "
            if local_tasks
            else ""
        )
        raise ConfigError(
            file,
            None,
            f"the run needs an estimated {human_bytes(need)} of memory ({tasks}"
            f"post-processing {human_bytes(size.parent_memory)} for {size.rows:,} table rows), "
            f"more than {where} {human_bytes(memory_limit)}: lower replicates or chunk, sweep "
            f"fewer cells or use fewer --workers; or, if you know better, pass "
            f"--memory-budget {_suggest(need)} to run it anyway",
        )


def _check_disk(
    size: SizeEstimate, budget: Budget, out: str | Path, file: str | Path | None
) -> None:
    """The disk check of :func:`check_size`."""
    disk_limit = budget.disk if budget.disk is not None else free_disk(out)
    if disk_limit is not None and size.disk > disk_limit:
        what = "the budget (--disk-budget)" if budget.disk is not None else "the free space of"
        raise ConfigError(
            file,
            None,
            f"the run needs an estimated {human_bytes(size.disk)} of disk for {size.rows:,} "
            f"table rows, more than {what} {human_bytes(disk_limit)} where {out} goes: lower "
            f"replicates, sweep fewer cells or choose another --out; or pass --disk-budget "
            f"{_suggest(size.disk)} to run it anyway",
        )


def _check_time(size: SizeEstimate, budget: Budget, cores: int, file: str | Path | None) -> None:
    """The time check of :func:`check_size`, on ``cores`` cores."""
    limit = budget.time if budget.time is not None else DEFAULT_TIME_BUDGET
    need = size.seconds(cores)
    if need > limit:
        busy = max(1, min(cores, size.tasks))
        raise ConfigError(
            file,
            None,
            f"the run needs an estimated {human_seconds(need)} on {busy} core(s) (about "
            f"{human_seconds(size.cpu_seconds)} of one core for "
            f"{size.relationship_rounds:,} relationship-rounds played to their deadline), more "
            f"than the time budget (--time-budget) {human_seconds(limit)}: lower replicates "
            "or game.horizon, sweep fewer cells or run on more cores; or pass --time-budget "
            f"{_suggest_time(need)} to run it anyway",
        )


def _suggest_time(need: float) -> str:
    """A time budget to suggest for ``need`` seconds: 20% above it in whole hours."""
    return f"{max(1, int(need * 1.2 / 3600) + 1)}h"


def _suggest(need: int) -> str:
    """A budget to suggest for ``need`` bytes: 20% above it in whole GiB, plus one GiB."""
    gib = need / 2**30
    return f"{max(1, int(gib * 1.2) + 1)}G"


__all__ = [
    "DEFAULT_TIME_BUDGET",
    "Budget",
    "check_size",
    "free_disk",
    "machine_memory",
    "parse_duration",
    "parse_size",
    "size_budget",
]
