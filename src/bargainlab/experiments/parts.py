"""The ``parts/`` folder of a run while it simulates: each finished task's parts, journaled
with their checksums, checked on resume, and finally moved into the run's tables.

A worker writes its task's parts (or sends their bytes, when it cannot see the folder); the
parent journals them in ``parts/SHA256SUMS`` (the rounds part last: its line marks the task
done). On resume a task counts as done only when every part it must have is present, matches
its journal line and has the columns the run needs; the parts of a damaged task are deleted
and the task runs again. Once every task is done, :meth:`RunParts.assemble` moves the rounds,
traces, replicates and mediation parts into their dataset folders, pools the trajectories
into one file, records every checksum and removes ``parts/``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..support.files import check_inside, safe_folder, write_bytes_atomic
from .checksums import PartJournal, sha256_file
from .datasets import combine_small
from .storage import write_parquet_atomic

__all__ = ["DATASETS", "RunParts"]

DATASETS = ("rounds", "traces", "replicates", "mediation")
"""Parts moved into a dataset folder (``<kind>.parquet/``, one file per task); the other kind,
``trajectories``, is pooled into one file (its size does not depend on the replicates)."""


class RunParts:
    """The ``parts/`` folder of the run folder ``root``; ``record_files`` records the
    checksums of assembled files (relative paths) in the run's manifest."""

    def __init__(self, root: Path, record_files: Callable[[Iterable[str]], None]) -> None:
        """The parts of the run folder ``root`` (nothing is created until :meth:`prepare`)."""
        self.root = root
        self._record_files = record_files
        self.rejected: list[str] = []
        """Tasks whose journaled parts :meth:`done` found damaged and deleted (they run
        again)."""

    @property
    def folder(self) -> Path:
        """``<run folder>/parts``."""
        return self.root / "parts"

    def path(self, task: str, kind: str) -> Path:
        """The part of ``kind`` of the task named ``task``."""
        return self.folder / f"{task}.{kind}.parquet"

    def done(self, tasks: Mapping[str, Iterable[str]], *, columns: Iterable[str] = ()) -> set[str]:
        """The tasks (by name, with the kinds of parts each must have) whose parts are all
        written, match their line in the journal, and (for the rounds part) have ``columns``.
        The parts of a task that fails, and parts of no task of the plan, are deleted; the
        tasks whose journaled parts were damaged are listed in :attr:`rejected`."""
        self.rejected = []
        if not self.folder.is_dir() or self.folder.is_symlink():
            return set()
        sums = PartJournal(self.folder).read()
        needed = set(columns)
        out = set()
        expected: set[str] = set()
        for task, kinds in tasks.items():
            files = {kind: self.path(task, kind) for kind in kinds}
            expected.update(f.name for f in files.values())
            if self._task_done(task, files, sums, needed):
                out.add(task)
        for p in self.folder.glob("task-*.parquet"):
            if p.name not in expected:  # another plan's (another version or chunk)
                p.unlink(missing_ok=True)
        return out

    def _task_done(
        self, task: str, files: Mapping[str, Path], sums: Mapping[str, str], needed: set[str]
    ) -> bool:
        """Whether a task's parts (``files``, by kind) are all there and sound (the rounds
        part with the ``needed`` columns). A task with some parts that are not is cleared:
        its parts are deleted, and it is listed in :attr:`rejected` when any of them was
        journaled (unjournaled parts are those of a task in flight when the run stopped)."""
        if not any(f.exists() for f in files.values()):
            return False
        if all(
            self._part_ok(f, sums, needed if kind == "rounds" else set())
            for kind, f in files.items()
        ):
            return True
        if any(f.name in sums for f in files.values()):
            self.rejected.append(task)  # journaled, yet missing or changed: damaged
        for f in files.values():
            f.unlink(missing_ok=True)
        return False

    @staticmethod
    def _part_ok(path: Path, sums: Mapping[str, str], columns: set[str]) -> bool:
        """Whether a part is a regular file matching its journal line, readable as Parquet
        and holding ``columns``."""
        if path.is_symlink() or not path.is_file() or sums.get(path.name) != sha256_file(path):
            return False
        try:
            names = set(pq.read_schema(path).names)
        except (OSError, pa.ArrowException):
            return False
        return columns <= names

    def prepare(self) -> Path:
        """Create ``parts/`` (safely) and return it."""
        return safe_folder(self.root, "parts")

    def record(self, checksums: Mapping[str, str], payload: Mapping[str, bytes]) -> None:
        """Journal a finished task's parts: write those whose bytes are in ``payload`` (the
        worker could not write them), check every part against its checksum, and append the
        lines, the rounds part last (its line marks the task done)."""
        folder = self.prepare()
        journal = PartJournal(folder)
        names = sorted(checksums, key=lambda name: name.endswith(".rounds.parquet"))
        for name in names:
            path = check_inside(self.root, folder / name)
            if name in payload:
                write_bytes_atomic(path, payload[name])
            if sha256_file(path) != checksums[name]:
                raise RuntimeError(
                    f"internal error: the part {path} does not hold the bytes its worker "
                    "reported (a worker wrote elsewhere, or the folder is not shared as "
                    "assumed); start the same command again to recompute it"
                )
            journal.record(name, checksums[name])

    def assemble(self, tasks: Sequence[str], kinds: Iterable[str]) -> list[str]:
        """Once every task is done: move the rounds and traces parts into their datasets,
        concatenate the small tables, record every checksum in the manifest, remove
        ``parts/``. Returns the files recorded (relative paths)."""
        kinds = list(kinds)
        recorded = []
        for kind in kinds:
            target = self.root / f"{kind}.parquet"
            if kind in DATASETS:
                folder = safe_folder(self.root, target.name)
                for task in tasks:
                    source = self.path(task, kind)
                    if source.is_file():
                        dest = check_inside(self.root, folder / f"{task}.parquet")
                        source.replace(dest)
                        recorded.append(f"{target.name}/{dest.name}")
            else:
                # pooled one part at a time: a sweep split into many tasks repeats every key
                # in every part, and the parts together would be many times the pooled table
                table = None
                for task in tasks:
                    path = self.path(task, kind)
                    if path.is_file():
                        parts = (
                            [pd.read_parquet(path)]
                            if table is None
                            else [table, pd.read_parquet(path)]
                        )
                        table = combine_small(kind, parts)
                if table is None:
                    continue
                write_parquet_atomic(target, table)
                recorded.append(target.name)
        self._record_files(recorded)
        self.remove()
        return recorded

    def remove(self) -> None:
        """Remove the intermediate parts (once the tables are assembled and recorded)."""
        if self.folder.is_symlink():
            self.folder.unlink()
        elif self.folder.is_dir():
            shutil.rmtree(self.folder)
