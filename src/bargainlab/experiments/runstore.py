"""The run folder: resolved config, manifest, parts, tables, summary, figures and report.

Layout of ``runs/<study>/``::

    .lock                the lock a writing process holds (see bargainlab.experiments.locking)
    config.toml          the resolved study (the file as written, with the run's replicates)
    cells.parquet        one row per sweep cell: its label and one typed column per sweep
                         axis (every other table names a cell by its index, ``cell``)
    manifest.json        config hash, root seed, replicates, versions, commit, checksums,
                         timings, peak memory
    parts/               while the run simulates: each finished task's parts, and SHA256SUMS
      task-00000-<digest>.rounds.parquet        its rows of the rounds table
      task-00000-<digest>.traces.parquet        its traces, when the study asks for them
      task-00000-<digest>.replicates.parquet    its rows of the small tables the analysis
      task-00000-<digest>.trajectories.parquet  reads (and .mediation.parquet when the study
                                                decomposes)
    rounds.parquet/      the rounds table as a Parquet dataset: one file per task
      task-00000-<digest>.parquet               (pandas, pyarrow, Polars or DuckDB read the
      ...                                       folder as one table)
    traces.parquet/      the traces, the same way (when the study asks for them)
    replicates.parquet/, mediation.parquet/
                         the small tables the statistics read, the same way (read back
                         cell by cell)
    trajectories.parquet the per-round sums, pooled over the tasks into one file
    summary/             the summary, one tidy CSV per part that applies to the study
      effects.csv, survival.csv, ...            (bargainlab.analysis.parts declares them)
    figures/, report.md

Every file appears under its final name only once complete (written to a temporary file in
the same folder, then moved into place), readable by others (mode ``0644`` under the usual
umask), and never through a symbolic link inside the folder. A task's parts are written when
it finishes, so a run that is killed loses at most the tasks in flight; starting the same
command again reuses the tasks whose parts' checksums and schema check out and recomputes
the rest. Once every task is done the parts are moved into their datasets (the trajectories'
sums are pooled into one file), every checksum goes into the manifest and ``parts/`` is
removed; ``plot`` and ``report`` refuse a
table that does not match its checksum. Every numeric value is checked to be finite before
it is written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..analysis.summary import Summary
from ..config.cells import SweepCells
from ..config.errors import ConfigError
from ..relationships.table import KEYS
from ..support.files import (
    atomic_path,
    safe_folder,
    write_bytes_atomic,
    write_text_atomic,
)
from .checksums import sha256_file
from .datasets import read_filtered
from .folder import (
    check_same_run,
    dataset_files,
    intact,
    read_manifest_file,
    remove_tables,
    remove_temporary,
    staged,
    verified,
)
from .locking import LOCK_NAME, run_lock
from .manifest import (
    build_manifest,
    canonical_config,
    config_hash,
    git_commit,
    now,
    resolved_config_text,
    toml_dumps,
    versions,
)
from .parts import DATASETS, RunParts
from .storage import (
    NonFiniteOutputError,
    check_finite,
    check_writable,
    write_csv_atomic,
    write_parquet_atomic,
)

_RECOMPUTE = "start the same `bargainlab run` command again to recompute it"
SMALL_TABLES = ("replicates", "trajectories", "mediation")


class RunStore:
    """One run folder (see the module docstring for the layout)."""

    def __init__(self, root: str | Path) -> None:
        """The run folder at ``root`` (nothing is read or written yet)."""
        self.root = Path(root)
        self.parts = RunParts(self.root, self.record_checksums)
        """The parts of the tasks while the run simulates (:class:`RunParts`)."""

    # ---- paths ---------------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        """``manifest.json``."""
        return self.root / "manifest.json"

    @property
    def config_path(self) -> Path:
        """``config.toml``: the resolved study."""
        return self.root / "config.toml"

    @property
    def rounds_path(self) -> Path:
        """``rounds.parquet/``: the rounds dataset."""
        return self.root / "rounds.parquet"

    @property
    def traces_path(self) -> Path:
        """``traces.parquet/``: the traces dataset, when the study asks for traces."""
        return self.root / "traces.parquet"

    @property
    def summary_dir(self) -> Path:
        """``summary/``: one CSV per part of the summary."""
        return self.root / "summary"

    @property
    def cells_path(self) -> Path:
        """``cells.parquet``: the sweep cells, typed."""
        return self.root / "cells.parquet"

    @property
    def report_path(self) -> Path:
        """``report.md``."""
        return self.root / "report.md"

    @property
    def figures_dir(self) -> Path:
        """``figures/``."""
        return self.root / "figures"

    def table_path(self, kind: str) -> Path:
        """``<kind>.parquet``: a dataset folder for rounds and traces, a file otherwise."""
        return self.root / f"{kind}.parquet"

    # ---- lifecycle -------------------------------------------------------------------------
    def lock(self, field: str | None = "--out") -> AbstractContextManager[None]:
        """Hold the folder's lock while writing (a second writer gets a :class:`ConfigError`)."""
        return run_lock(self.root, field)

    def read_manifest(self) -> dict[str, Any] | None:
        """The manifest (``None`` when there is none); :class:`ConfigError` when unreadable."""
        return read_manifest_file(self.manifest_path)

    def check_target(self, config_hash: str) -> bool:
        """Check, without writing, that a run with ``config_hash`` may use this folder.

        Returns True when the folder holds the same run (it will be resumed), False when it
        is new or empty. Raises :class:`ConfigError` when it is not writable, holds a
        different run, or is a non-empty folder that is not a run folder.
        """
        check_writable(self.root)
        if not self.root.exists() or not any(p.name != LOCK_NAME for p in self.root.iterdir()):
            return False
        check_same_run(self.root, self.read_manifest(), config_hash)
        return True

    def initialise(self, manifest: dict[str, Any], config_text: bytes) -> None:
        """Create the folder and write the manifest, then the resolved config.

        On resume the original manifest (with its start time) is kept. Call it holding
        :meth:`lock`: it removes the temporary files an interrupted writer left behind.
        """
        safe_folder(self.root)
        self.clean()
        if self.read_manifest() is None:
            self._write_manifest(manifest)
        if not self.config_path.is_file() or self.config_path.read_bytes() != config_text:
            write_bytes_atomic(self.config_path, config_text)
        self.record_checksums(["config.toml"])

    def clean(self) -> None:
        """Remove temporary files left by an interrupted write."""
        remove_temporary((self.root, self.parts.folder, self.figures_dir, self.summary_dir))

    def dataset_complete(self, kinds: Iterable[str]) -> bool:
        """Whether the tables of ``kinds`` are assembled and every file matches its recorded
        checksum. When one does not, they are all deleted (with their checksums), so the run
        recomputes them."""
        recorded = (self.read_manifest() or {}).get("checksums") or {}
        targets = [self.table_path(kind).name for kind in kinds]
        names: list[str] = []
        ok = True
        for kind, target in zip(kinds, targets, strict=True):
            if kind not in DATASETS:
                names.append(target)
                continue
            listed, present = dataset_files(self.root, target, recorded)
            ok = ok and bool(listed) and listed == present
            names += listed
        if ok and intact(self.root, names, recorded):
            return True
        remove_tables(self.root, targets)
        self.forget_checksums([k for k in recorded if k.split("/")[0] in set(targets)])
        return False

    def verify(self, name: str, *, remedy: str) -> Path:
        """The path of the run's file (or dataset folder) ``name`` after checking it against
        the checksums in the manifest; :class:`ConfigError` (``remedy`` says what to do) when
        it does not match (a dataset: when a file is missing, extra or changed).

        A manifest written before checksums were recorded (no ``checksums``) is trusted.
        """
        recorded = (self.read_manifest() or {}).get("checksums")
        if recorded is None:
            return self.root / name
        return verified(self.root, name, recorded, remedy)

    def finished(self) -> bool:
        """Whether the run completed, has the outputs it was asked for (the summary; the
        report too unless it wrote its summary only) and its files still match their
        checksums."""
        manifest = self.read_manifest() or {}
        recorded = manifest.get("checksums") or {}
        if not manifest.get("completed") or not recorded:
            return False
        report = manifest.get("outputs") == "summary" or self.report_path.is_file()
        return self.summary_dir.is_dir() and report and intact(self.root, recorded, recorded)

    def record_memory(self, *, parent: int, tasks: int | None = None) -> None:
        """Record peak resident memory in bytes: ``memory.parent`` (the process that ran the
        command) and ``memory.tasks`` (the largest over the processes that ran tasks: the
        parent itself when serial); a phase run again keeps the larger figure."""
        manifest = self.read_manifest() or {}
        memory = {**(manifest.get("memory") or {})}
        memory["parent"] = max(int(parent), int(memory.get("parent") or 0))
        if tasks is not None:
            memory["tasks"] = max(int(tasks), int(memory.get("tasks") or 0))
        self._update_manifest(memory=memory)

    def complete(self, figures: list[str] | None = None, *, summary_only: bool = False) -> None:
        """Mark the run finished; record its figures (relative paths, key figure first) and
        what it wrote (``outputs``: ``"summary"`` with ``summary_only``, else ``"all"``)."""
        outputs = "summary" if summary_only else "all"
        self._update_manifest(completed=now(), outputs=outputs, figures=list(figures or []))

    def record_figures(self, figures: list[str]) -> None:
        """Record the figures of the run (relative paths, key figure first) and their
        checksums."""
        self._update_manifest(figures=list(figures))
        self.record_checksums(figures)

    def record_timings(self, timings: Mapping[str, float]) -> None:
        """Record seconds spent per phase (``simulate``, ``summarize``, ...) in the manifest;
        a phase run again replaces its earlier time."""
        manifest = self.read_manifest() or {}
        merged = {**(manifest.get("timings") or {})}
        merged.update({k: round(float(v), 3) for k, v in timings.items()})
        self._update_manifest(timings=merged)

    def record_checksums(self, names: Iterable[str]) -> None:
        """Record the SHA-256 of the run's files ``names`` (relative paths) in the manifest."""
        manifest = self.read_manifest() or {}
        sums = {**(manifest.get("checksums") or {})}
        for name in names:
            sums[str(name)] = sha256_file(self.root / name)
        self._update_manifest(checksums=dict(sorted(sums.items())))

    def forget_checksums(self, names: Iterable[str]) -> None:
        """Remove the checksums of the files ``names`` from the manifest."""
        manifest = self.read_manifest()
        if manifest is None:
            return
        sums = {k: v for k, v in (manifest.get("checksums") or {}).items() if k not in set(names)}
        self._update_manifest(checksums=sums)

    def _update_manifest(self, **changes: Any) -> None:
        """Write the manifest with ``changes`` applied to its top-level keys."""
        manifest = self.read_manifest() or {}
        manifest.update(changes)
        self._write_manifest(manifest)

    def _write_manifest(self, manifest: Mapping[str, Any]) -> None:
        """Write the manifest (atomically)."""
        write_text_atomic(self.manifest_path, json.dumps(manifest, indent=2) + "\n")

    def write_summary(self, summary: Summary) -> None:
        """Write ``summary/<part>.csv`` for each part the study has (each atomically, with its
        checksum); a part file the summary no longer has is removed with its checksum."""
        for name in summary.parts:
            numeric = summary.part(name).select_dtypes("number")
            if np.isinf(numeric.to_numpy(dtype=float, na_value=np.nan)).any():
                raise NonFiniteOutputError(
                    f"internal error: the summary's {name} part holds infinite values; nothing "
                    "was written. This is a bug in bargainlab: please report it with the study "
                    "file."
                )
        safe_folder(self.root, self.summary_dir.name)
        written = summary.write(self.summary_dir)
        names = [str(p.relative_to(self.root)) for p in written]
        recorded = (self.read_manifest() or {}).get("checksums") or {}
        stale = [k for k in recorded if k.startswith("summary/") and k not in names]
        self.forget_checksums([*stale, "summary.csv"])
        self.record_checksums(names)

    def read_summary(self, *, remedy: str) -> Summary:
        """The run's summary, each part checked against its checksum first
        (:class:`ConfigError` naming the file and ``remedy`` when one does not match)."""
        folder = self.verify(self.summary_dir.name, remedy=remedy)
        try:
            return Summary.read(folder)
        except (OSError, ValueError) as exc:
            raise ConfigError(folder, None, f"unreadable summary ({exc}); {remedy}") from None

    def write_cells(self, cells: SweepCells) -> None:
        """Write ``cells.parquet`` (atomically, with its checksum): the same bytes for the same
        study, so a resumed run writes it again unchanged."""
        sink = pa.BufferOutputStream()
        pq.write_table(cells.arrow(), sink)
        write_bytes_atomic(self.cells_path, sink.getvalue().to_pybytes())
        self.record_checksums(["cells.parquet"])

    def write_report(self, text: str) -> None:
        """Write ``report.md`` (atomically, with its checksum)."""
        write_text_atomic(self.report_path, text)
        self.record_checksums(["report.md"])

    def staging(self) -> AbstractContextManager[Path]:
        """A temporary run folder whose files are moved, one by one and atomically, into this
        one on success (for functions that write figures themselves); see
        :func:`~bargainlab.experiments.folder.staged`."""
        return staged(self.root)

    def read_table(
        self,
        name: str,
        *,
        columns: Sequence[str] | None = None,
        filters: Any = None,
        check: bool = True,
    ) -> pd.DataFrame:
        """Read a table of the run (``rounds.parquet``, ``replicates.parquet``, ...; a file or
        a dataset folder) after checking its checksums (unless ``check`` is false: the caller
        did). ``columns`` and ``filters`` (pyarrow's ``[(column, op, value), ...]``) read only
        part of it: files and row groups whose statistics exclude the filter are skipped, the
        rest is read batch by batch, so the memory held is what is kept."""
        path = self.verify(name, remedy=_RECOMPUTE) if check else self.root / name
        try:
            if filters is None:
                return pd.read_parquet(path, columns=columns)
            return read_filtered(path, columns, filters)
        except (OSError, pa.ArrowException) as exc:
            raise ConfigError(path, None, f"unreadable table ({exc}); {_RECOMPUTE}") from None

    def read_rounds(
        self, *, columns: Sequence[str] | None = None, filters: Any = None, sort: bool = True
    ) -> pd.DataFrame:
        """The rounds table (or the ``columns`` and rows ``filters`` selects), sorted by its
        keys unless ``sort`` is false."""
        table = self.read_table("rounds.parquet", columns=columns, filters=filters)
        keys = [k for k in KEYS if k in table.columns]
        return table.sort_values(keys, kind="stable").reset_index(drop=True) if sort else table

    def has_table(self, kind: str) -> bool:
        """Whether the table of ``kind`` exists (``traces``, ``mediation``, ...)."""
        return self.table_path(kind).exists()


__all__ = [
    "DATASETS",
    "SMALL_TABLES",
    "NonFiniteOutputError",
    "RunStore",
    "atomic_path",
    "build_manifest",
    "canonical_config",
    "check_finite",
    "check_writable",
    "config_hash",
    "git_commit",
    "resolved_config_text",
    "toml_dumps",
    "versions",
    "write_bytes_atomic",
    "write_csv_atomic",
    "write_parquet_atomic",
    "write_text_atomic",
]
