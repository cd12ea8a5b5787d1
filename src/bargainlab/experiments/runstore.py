"""The run folder: resolved config, manifest, parts, tables, summary, figures and report.

Layout of ``runs/<study>/``::

    .lock                the lock a writing process holds (see bargainlab.experiments.locking)
    config.toml          the resolved study (the file as written, with the run's replicates)
    manifest.json        config hash, root seed, replicates, versions, commit, checksums, timings
    parts/               while the run simulates: one file per finished task, and SHA256SUMS
      cell0000_chunk00000.parquet          its rounds rows
      cell0000_chunk00000.traces.parquet   its traces, when the study asks for them
    rounds.parquet       all parts, sorted by cell, channels, arm, replicate, round, party
    traces.parquet       when the study asks for traces
    summary.csv, figures/, report.md

Every file appears under its final name only once complete (written to a temporary file in
the same folder, then moved into place), readable by others (mode ``0644`` under the usual
umask), and never through a symbolic link inside the folder. A part is written when its task
finishes, so a run that is killed loses at most the tasks in flight; starting the same
command again reuses the parts whose checksum and schema check out and recomputes the rest.
Once the parts are assembled into ``rounds.parquet`` (and ``traces.parquet``) the tables'
checksums go into the manifest and the intermediate ``parts/`` folder is removed; ``plot``
and ``report`` refuse a table that does not match its checksum. Every numeric value is
checked to be finite before it is written.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .._files import (
    TMP_PREFIX,
    WriteError,
    atomic_path,
    check_inside,
    safe_folder,
    write_bytes_atomic,
    write_text_atomic,
)
from ..config.errors import ConfigError
from .checksums import PartJournal, sha256_file
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
from .storage import (
    NonFiniteOutputError,
    check_finite,
    check_writable,
    concat_sorted,
    write_csv_atomic,
    write_parquet_atomic,
)

ROUNDS_ORDER = ("cell", "channels", "arm", "replicate", "round", "party")
TRACES_ORDER = ("cell", "channels", "arm", "replicate", "round", "step", "party")
_PART = re.compile(r"^cell(\d{4,})_chunk(\d{5,})\.parquet$")


class RunStore:
    """One run folder (see the module docstring for the layout)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.rejected: list[str] = []
        """Parts that :meth:`done` found damaged and deleted (their tasks run again)."""

    # ---- paths ---------------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    @property
    def config_path(self) -> Path:
        return self.root / "config.toml"

    @property
    def parts_dir(self) -> Path:
        return self.root / "parts"

    @property
    def rounds_path(self) -> Path:
        return self.root / "rounds.parquet"

    @property
    def traces_path(self) -> Path:
        return self.root / "traces.parquet"

    @property
    def summary_path(self) -> Path:
        return self.root / "summary.csv"

    @property
    def report_path(self) -> Path:
        return self.root / "report.md"

    @property
    def figures_dir(self) -> Path:
        return self.root / "figures"

    def part_path(self, cell: int, chunk: int, traces: bool = False) -> Path:
        suffix = ".traces.parquet" if traces else ".parquet"
        return self.parts_dir / f"cell{cell:04d}_chunk{chunk:05d}{suffix}"

    # ---- lifecycle -------------------------------------------------------------------------
    def lock(self, field: str | None = "--out") -> AbstractContextManager[None]:
        """Hold the folder's lock while writing (a second writer gets a :class:`ConfigError`)."""
        return run_lock(self.root, field)

    def read_manifest(self) -> dict[str, Any] | None:
        if not self.manifest_path.is_file():
            return None
        try:
            manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(self.manifest_path, None, f"unreadable manifest: {exc}") from None
        if not isinstance(manifest, dict):
            raise ConfigError(self.manifest_path, None, "unreadable manifest: not a JSON object")
        return manifest

    def check_target(self, config_hash: str) -> bool:
        """Check, without writing, that a run with ``config_hash`` may use this folder.

        Returns True when the folder holds the same run (it will be resumed), False when it
        is new or empty. Raises :class:`ConfigError` when it is not writable, holds a
        different run, or is a non-empty folder that is not a run folder.
        """
        check_writable(self.root)
        if not self.root.exists() or not any(p.name != LOCK_NAME for p in self.root.iterdir()):
            return False
        manifest = self.read_manifest()
        if manifest is None:
            raise ConfigError(
                self.root,
                "--out",
                "is a non-empty folder that is not a bargainlab run "
                "(no manifest.json); choose a new --out",
            )
        if manifest.get("config_hash") != config_hash:
            raise ConfigError(
                self.root,
                "--out",
                "holds a run of a different config (config hash "
                f"{str(manifest.get('config_hash'))[:12]}, this one {config_hash[:12]}); "
                "choose a new --out, or delete the folder to start over",
            )
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
        for folder in (self.root, self.parts_dir, self.figures_dir):
            if folder.is_dir() and not folder.is_symlink():
                for p in folder.glob(f"{TMP_PREFIX}*"):
                    if p.is_dir() and not p.is_symlink():
                        shutil.rmtree(p, ignore_errors=True)
                    else:
                        p.unlink(missing_ok=True)

    def done(self, *, traces: bool = False, columns: Iterable[str] = ()) -> set[tuple[int, int]]:
        """``(cell, chunk)`` of the parts already written whose checksum (in the journal)
        matches and whose schema has ``columns`` (and, with ``traces``, whose traces part
        checks out too). Parts that fail are deleted and listed in :attr:`rejected`."""
        self.rejected = []
        if not self.parts_dir.is_dir() or self.parts_dir.is_symlink():
            return set()
        sums = PartJournal(self.parts_dir).read()
        needed = set(columns)
        out = set()
        for p in sorted(self.parts_dir.iterdir()):
            m = _PART.match(p.name)
            if not m:
                continue
            cell, chunk = int(m.group(1)), int(m.group(2))
            files = [p, self.part_path(cell, chunk, traces=True)] if traces else [p]
            if all(self._part_ok(f, sums, needed if f == p else set()) for f in files):
                out.add((cell, chunk))
            else:
                self.rejected.append(p.name)
                for f in files:
                    f.unlink(missing_ok=True)
        return out

    @staticmethod
    def _part_ok(path: Path, sums: Mapping[str, str], columns: set[str]) -> bool:
        if path.is_symlink() or not path.is_file() or sums.get(path.name) != sha256_file(path):
            return False
        try:
            names = set(pq.read_schema(path).names)
        except (OSError, pa.ArrowException):
            return False
        return columns <= names

    def write_part(
        self, cell: int, chunk: int, rounds: pd.DataFrame, traces: pd.DataFrame | None
    ) -> None:
        """Store one finished task: check that it is finite, then write traces first (a
        rounds part marks the task as done), each followed by its line in the journal."""
        where = f"cell {cell}, chunk {chunk}"
        check_finite(rounds, f"rounds table of {where}")
        if traces is not None:
            check_finite(traces, f"traces table of {where}")
        safe_folder(self.root, "parts")
        journal = PartJournal(self.parts_dir)
        if traces is not None:
            path = self.part_path(cell, chunk, traces=True)
            write_parquet_atomic(path, traces)
            journal.add(path)
        path = self.part_path(cell, chunk)
        write_parquet_atomic(path, rounds)
        journal.add(path)

    def assemble(self, *, traces: bool) -> None:
        """Concatenate the parts into ``rounds.parquet`` (and ``traces.parquet``), sorted;
        record the tables' checksums; remove the parts.

        Works cell by cell, so memory holds one cell's rows at a time.
        """
        parts = sorted(self.done(traces=traces))
        concat_sorted(self.rounds_path, [self.part_path(c, k) for c, k in parts], ROUNDS_ORDER)
        tables = ["rounds.parquet"]
        if traces:
            files = [self.part_path(c, k, traces=True) for c, k in parts]
            concat_sorted(self.traces_path, files, TRACES_ORDER)
            tables.append("traces.parquet")
        self.record_checksums(tables)
        self.remove_parts()

    def remove_parts(self) -> None:
        """Remove the intermediate parts (once the tables are assembled and recorded)."""
        if self.parts_dir.is_symlink():
            self.parts_dir.unlink()
        elif self.parts_dir.is_dir():
            shutil.rmtree(self.parts_dir)

    def dataset_complete(self, *, traces: bool) -> bool:
        """Whether the tables are assembled and match their recorded checksums. A table that
        does not match is deleted (with its checksum), so the run recomputes it."""
        names = ["rounds.parquet", *(["traces.parquet"] if traces else [])]
        recorded = (self.read_manifest() or {}).get("checksums") or {}
        ok = all(
            name in recorded
            and (self.root / name).is_file()
            and sha256_file(self.root / name) == recorded[name]
            for name in names
        )
        if not ok:
            for name in names:
                (self.root / name).unlink(missing_ok=True)
            self.forget_checksums(names)
        return ok

    def verify(self, name: str, *, remedy: str) -> Path:
        """The path of the run's file ``name`` after checking it against the checksum in the
        manifest; :class:`ConfigError` (``remedy`` says what to do) when it does not match.

        A manifest written before checksums were recorded (no ``checksums``) is trusted.
        """
        path = self.root / name
        recorded = (self.read_manifest() or {}).get("checksums")
        if recorded is None:
            return path
        if name not in recorded:
            raise ConfigError(path, None, f"has no checksum in manifest.json; {remedy}")
        if sha256_file(path) != recorded[name]:
            raise ConfigError(
                path,
                None,
                "does not match the checksum recorded in manifest.json: it was changed or "
                f"damaged after the run wrote it; {remedy}",
            )
        return path

    def complete(self, figures: list[str] | None = None) -> None:
        """Mark the run finished; record its figures (relative paths, key figure first)."""
        self._update_manifest(completed=now(), figures=list(figures or []))

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
        manifest = self.read_manifest()
        if manifest is None:
            return
        sums = {k: v for k, v in (manifest.get("checksums") or {}).items() if k not in set(names)}
        self._update_manifest(checksums=sums)

    def _update_manifest(self, **changes: Any) -> None:
        manifest = self.read_manifest() or {}
        manifest.update(changes)
        self._write_manifest(manifest)

    def _write_manifest(self, manifest: Mapping[str, Any]) -> None:
        write_text_atomic(self.manifest_path, json.dumps(manifest, indent=2) + "\n")

    def write_summary(self, summary: pd.DataFrame) -> None:
        numeric = summary.select_dtypes("number")
        if np.isinf(numeric.to_numpy(dtype=float, na_value=np.nan)).any():
            raise NonFiniteOutputError(
                "internal error: the summary holds infinite values; nothing was written. "
                "This is a bug in bargainlab: please report it with the study file."
            )
        write_csv_atomic(self.summary_path, summary)
        self.record_checksums(["summary.csv"])

    def write_report(self, text: str) -> None:
        write_text_atomic(self.report_path, text)
        self.record_checksums(["report.md"])

    @contextmanager
    def staging(self) -> Iterator[Path]:
        """A temporary run folder whose files are moved, one by one and atomically, into this
        one on success (for functions that write figures themselves). Nothing is moved
        through a symbolic link inside the run folder, nor outside it."""
        safe_folder(self.root)
        try:
            stage = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=self.root))
        except OSError as exc:
            raise WriteError(self.root, exc) from None
        try:
            yield stage
            for src in sorted(p for p in stage.rglob("*") if p.is_file()):
                rel = src.relative_to(stage)
                folder = safe_folder(self.root, *rel.parts[:-1])
                dest = check_inside(self.root, folder / rel.name)
                try:
                    src.replace(dest)
                except OSError as exc:
                    raise WriteError(dest, exc) from None
        finally:
            shutil.rmtree(stage, ignore_errors=True)

    def read_table(self, name: str) -> pd.DataFrame:
        """Read ``rounds.parquet`` or ``traces.parquet`` after checking its checksum."""
        remedy = (
            "start the same `bargainlab run` command again to recompute it"
            if name.endswith(".parquet")
            else "run `bargainlab report` on the folder to rebuild it"
        )
        path = self.verify(name, remedy=remedy)
        try:
            return pd.read_parquet(path)
        except (OSError, pa.ArrowException) as exc:
            raise ConfigError(path, None, f"unreadable table ({exc}); {remedy}") from None

    def read_rounds(self) -> pd.DataFrame:
        return self.read_table("rounds.parquet")


__all__ = [
    "ROUNDS_ORDER",
    "TRACES_ORDER",
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
