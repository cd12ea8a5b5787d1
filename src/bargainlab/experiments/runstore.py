"""The run folder: resolved config, manifest, parts, tables, summary, figures and report.

Layout of ``runs/<study>/``::

    config.toml          the resolved study (the file as written, with the run's replicates)
    manifest.json        config hash, root seed, replicates, versions, git commit
    parts/cell0000_chunk00000.parquet          one per finished task (rounds rows)
    parts/cell0000_chunk00000.traces.parquet   its traces, when the study asks for them
    rounds.parquet       all parts, sorted by cell, channels, arm, replicate, round, party
    traces.parquet       when the study asks for traces
    summary.csv, figures/, report.md

Every file appears under its final name only once complete: it is written to a temporary
file in the same folder and moved into place with :func:`os.replace`. A part is written when
its task finishes, so a run that is killed loses at most the tasks in flight; starting the
same command again skips the parts that exist. The identity of a run is the SHA-256 of the
canonical resolved config (the validated study, replicates included); the executor and the
number of workers are not part of it, since they do not change the numbers.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import re
import shutil
import subprocess
import tempfile
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import scipy

from .._version import __version__
from ..config.files import ConfigError
from ..config.schema import StudySpec

ROUNDS_ORDER = ("cell", "channels", "arm", "replicate", "round", "party")
TRACES_ORDER = ("cell", "channels", "arm", "replicate", "round", "step", "party")
_PART = re.compile(r"^cell(\d{4,})_chunk(\d{5,})\.parquet$")
_TMP_PREFIX = ".tmp-"


# ---------------------------------------------------------------------------------------------
# Identity
# ---------------------------------------------------------------------------------------------


def canonical_config(study: StudySpec) -> str:
    """The resolved study as canonical JSON: schema field order, the file's order inside
    user-named tables (arm order matters), no whitespace."""
    return json.dumps(
        study.model_dump(mode="json"), separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def config_hash(study: StudySpec) -> str:
    """SHA-256 (hex) of :func:`canonical_config`: the identity of a run."""
    return hashlib.sha256(canonical_config(study).encode("utf-8")).hexdigest()


def versions() -> dict[str, str]:
    """Versions of Python, the numerical stack and bargainlab."""
    return {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
        "pyarrow": pa.__version__,
        "bargainlab": __version__,
    }


def git_commit() -> dict[str, Any]:
    """``{"commit": sha or None, "dirty": bool or None}`` of the checkout bargainlab runs from.

    First the checkout the package is imported from (an editable install); else the checkout
    of the current directory when it is a bargainlab checkout (``pip install .`` run from
    it, as in the README); ``None`` when neither is.
    """
    package = Path(__file__).resolve().parent
    candidates = [(package, "__init__.py"), (Path.cwd(), "src/bargainlab/__init__.py")]
    for folder, marker in candidates:
        try:
            if _git(folder, "ls-files", "--error-unmatch", marker) is None:
                continue
            commit = _git(folder, "rev-parse", "HEAD")
            status = _git(folder, "status", "--porcelain", "--untracked-files=no")
        except OSError:
            continue
        return {"commit": commit, "dirty": None if status is None else bool(status)}
    return {"commit": None, "dirty": None}


def _git(cwd: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def build_manifest(
    study: StudySpec,
    *,
    n_cells: int,
    n_tasks: int,
    axes: list[str],
    study_replicates: int | None = None,
    started: str | None = None,
) -> dict[str, Any]:
    """The manifest of a run (``completed`` is set when the run finishes).

    ``study_replicates`` is the study file's own replicates when the run overrode them.
    """
    git = git_commit()
    return {
        "study": study.name,
        "config_hash": config_hash(study),
        "root_seed": study.seed,
        "replicates": study.replicates,
        "study_replicates": study.replicates if study_replicates is None else study_replicates,
        "chunk": study.chunk,
        "cells": n_cells,
        "tasks": n_tasks,
        "axes": axes,
        "versions": versions(),
        "git_commit": git["commit"],
        "git_dirty": git["dirty"],
        "started": started or _now(),
        "completed": None,
        "figures": [],
    }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# ---------------------------------------------------------------------------------------------
# The resolved config file
# ---------------------------------------------------------------------------------------------


def resolved_config_text(study: StudySpec, source: bytes | None) -> bytes:
    """``config.toml`` of a run: the study file's own bytes when its replicates are the run's,
    else the same text with the top-level ``replicates`` line set (added when absent). A study
    built in Python (no file) is written as TOML from the validated spec. The result always
    parses back to the same study."""
    if source is not None:
        text = source.decode("utf-8-sig")
        raw = tomllib.loads(text)
        if raw.get("replicates") == study.replicates:
            return source
        candidate = _set_top_level(text, "replicates", str(study.replicates))
        try:
            if tomllib.loads(candidate) == {**raw, "replicates": study.replicates}:
                return candidate.encode("utf-8")
        except tomllib.TOMLDecodeError:
            pass
    return toml_dumps(study.model_dump(mode="json", exclude_none=True)).encode("utf-8")


def _set_top_level(text: str, key: str, value: str) -> str:
    header = re.search(r"^[ \t]*\[", text, flags=re.MULTILINE)
    top, rest = (text[: header.start()], text[header.start() :]) if header else (text, "")
    pattern = re.compile(
        rf"^([ \t]*{re.escape(key)}[ \t]*=[ \t]*)[^#\r\n]*?([ \t]*(#[^\r\n]*)?)$", re.MULTILINE
    )
    if pattern.search(top):
        top = pattern.sub(lambda m: f"{m.group(1)}{value}{m.group(2)}", top, count=1)
        return top + rest
    return f"{key} = {value}  # replicates of this run\n" + text


def toml_dumps(data: Mapping[str, Any]) -> str:
    """A small TOML writer for plain data (tables, lists, strings, numbers, booleans).

    Sub-tables become ``[a.b]`` sections; lists and tables inside lists are written inline.
    ``None`` values are left out (TOML has no null).
    """
    lines: list[str] = []
    _table(lines, [], data)
    return "\n".join(lines).lstrip("\n") + "\n"


def _table(lines: list[str], path: list[str], table: Mapping[str, Any]) -> None:
    # Plain values first, then sub-tables as [sections]. Reading the file back may thus
    # reorder the keys of a table that mixes them; only model tables (whose order pydantic
    # fixes) and strategy params (passed by keyword) ever do.
    plain = [(k, v) for k, v in table.items() if v is not None and not isinstance(v, Mapping)]
    sections = [(k, v) for k, v in table.items() if isinstance(v, Mapping)]
    if path and (plain or not sections):
        lines.append("")
        lines.append("[" + ".".join(_key(p) for p in path) + "]")
    for k, v in plain:
        lines.append(f"{_key(k)} = {_value(v)}")
    for k, v in sections:
        _table(lines, [*path, k], v)


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items() if v is not None)
        return "{" + inner + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


# ---------------------------------------------------------------------------------------------
# Atomic writes
# ---------------------------------------------------------------------------------------------


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path in ``path``'s folder; on success move it to ``path``.

    The temporary name starts with ``.tmp-`` so an interrupted write is recognisable and is
    removed by :meth:`RunStore.clean`. Nothing ever appears half-written under ``path``.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f"{_TMP_PREFIX}{path.name}.", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(path: str | Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def write_parquet_atomic(path: str | Path, table: pd.DataFrame) -> None:
    with atomic_path(path) as tmp:
        table.to_parquet(tmp, index=False)


def write_csv_atomic(path: str | Path, table: pd.DataFrame) -> None:
    write_text_atomic(path, table.to_csv(index=False, lineterminator="\n"))


# ---------------------------------------------------------------------------------------------
# The run folder
# ---------------------------------------------------------------------------------------------


def check_writable(out: str | Path) -> None:
    """Raise :class:`ConfigError` (field ``--out``) unless ``out`` is, or can become, a
    writable folder. Nothing is created: the probe is an anonymous temporary file."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError(out, "--out", "exists and is not a folder; give a folder for the run")
    probe = out
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise ConfigError(
            out, "--out", f"{probe} is not a folder, so the run folder cannot be created there"
        )
    try:
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as exc:
        raise ConfigError(
            out,
            "--out",
            f"cannot write in {probe}: {exc.strerror or exc}; choose a writable folder",
        ) from None


class RunStore:
    """One run folder (see the module docstring for the layout)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

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

    # ---- lifecycle ---------------------------------------------------------------------------
    def read_manifest(self) -> dict[str, Any] | None:
        if not self.manifest_path.is_file():
            return None
        try:
            return json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(self.manifest_path, None, f"unreadable manifest: {exc}") from None

    def check_target(self, config_hash: str) -> bool:
        """Check, without writing, that a run with ``config_hash`` may use this folder.

        Returns True when the folder holds the same run (it will be resumed), False when it
        is new or empty. Raises :class:`ConfigError` when it is not writable, holds a
        different run, or is a non-empty folder that is not a run folder.
        """
        check_writable(self.root)
        if not self.root.exists() or not any(self.root.iterdir()):
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

        On resume the original manifest (with its start time) is kept.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        self.clean()
        if self.read_manifest() is None:
            write_text_atomic(self.manifest_path, json.dumps(manifest, indent=2) + "\n")
        if not self.config_path.is_file() or self.config_path.read_bytes() != config_text:
            write_bytes_atomic(self.config_path, config_text)
        self.parts_dir.mkdir(exist_ok=True)

    def clean(self) -> None:
        """Remove temporary files left by an interrupted write."""
        for folder in (self.root, self.parts_dir, self.figures_dir):
            if folder.is_dir():
                for p in folder.glob(f"{_TMP_PREFIX}*"):
                    if p.is_dir():
                        shutil.rmtree(p, ignore_errors=True)
                    else:
                        p.unlink(missing_ok=True)

    def done(self) -> set[tuple[int, int]]:
        """``(cell, chunk)`` of the parts already written."""
        if not self.parts_dir.is_dir():
            return set()
        out = set()
        for p in self.parts_dir.iterdir():
            m = _PART.match(p.name)
            if m:
                out.add((int(m.group(1)), int(m.group(2))))
        return out

    def write_part(
        self, cell: int, chunk: int, rounds: pd.DataFrame, traces: pd.DataFrame | None
    ) -> None:
        """Store one finished task. Traces go first: a rounds part marks the task as done."""
        if traces is not None:
            write_parquet_atomic(self.part_path(cell, chunk, traces=True), traces)
        write_parquet_atomic(self.part_path(cell, chunk), rounds)

    def assemble(self, *, traces: bool) -> None:
        """Concatenate the parts into ``rounds.parquet`` (and ``traces.parquet``), sorted.

        Works cell by cell, so memory holds one cell's rows at a time.
        """
        parts = sorted(self.done())
        _concat_sorted(self.rounds_path, [self.part_path(c, k) for c, k in parts], ROUNDS_ORDER)
        if traces:
            files = [self.part_path(c, k, traces=True) for c, k in parts]
            _concat_sorted(self.traces_path, [f for f in files if f.is_file()], TRACES_ORDER)

    def complete(self, figures: list[str] | None = None) -> None:
        """Mark the run finished; record its figures (relative paths, key figure first)."""
        self._update_manifest(completed=_now(), figures=list(figures or []))

    def record_figures(self, figures: list[str]) -> None:
        """Record the figures of the run (relative paths, key figure first)."""
        self._update_manifest(figures=list(figures))

    def _update_manifest(self, **changes: Any) -> None:
        manifest = self.read_manifest() or {}
        manifest.update(changes)
        write_text_atomic(self.manifest_path, json.dumps(manifest, indent=2) + "\n")

    def write_summary(self, summary: pd.DataFrame) -> None:
        write_csv_atomic(self.summary_path, summary)

    def write_report(self, text: str) -> None:
        write_text_atomic(self.report_path, text)

    @contextmanager
    def staging(self) -> Iterator[Path]:
        """A temporary run folder whose files are moved, one by one and atomically, into this
        one on success (for functions that write figures themselves)."""
        stage = Path(tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=self.root))
        try:
            yield stage
            for src in sorted(p for p in stage.rglob("*") if p.is_file()):
                dest = self.root / src.relative_to(stage)
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dest)
        finally:
            shutil.rmtree(stage, ignore_errors=True)

    def read_rounds(self) -> pd.DataFrame:
        return pd.read_parquet(self.rounds_path)


def _concat_sorted(path: Path, files: Iterable[Path], order: tuple[str, ...]) -> None:
    by_cell: dict[int, list[Path]] = {}
    files = list(files)
    if not files:
        raise RuntimeError(f"no parts to assemble into {path.name}")
    for f in files:
        by_cell.setdefault(int(f.name[4 : f.name.index("_")]), []).append(f)
    with atomic_path(path) as tmp:
        writer = None
        try:
            for cell in sorted(by_cell):
                frame = pd.concat([pd.read_parquet(f) for f in by_cell[cell]], ignore_index=True)
                keys = [c for c in order if c in frame.columns]
                frame = frame.sort_values(keys, kind="stable").reset_index(drop=True)
                table = pa.Table.from_pandas(frame, preserve_index=False)
                if writer is None:
                    schema = table.schema
                    writer = pq.ParquetWriter(tmp, schema)
                elif table.schema != schema:
                    table = table.cast(schema)
                writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()


__all__ = [
    "ROUNDS_ORDER",
    "TRACES_ORDER",
    "RunStore",
    "atomic_path",
    "build_manifest",
    "canonical_config",
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
