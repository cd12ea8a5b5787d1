"""Reproducing the committed results: re-run the studies at their CI size and compare.

:func:`reproduce` re-runs the studies of ``experiments/`` (or those shipped with the package)
and compares every part of their summary (``summary/<part>.csv``) with the committed
``results/<study>/summary/``; ``update`` replaces the committed results.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd

from ..analysis.parts import PARTS
from ..analysis.summary import Summary
from ..config.files import ConfigError, LoadedStudy, load_study, packaged_results, packaged_studies
from ..config.schema import StudySpec
from ..reporting.results_index import results_index
from ..support.validation import did_you_mean
from .executors import check_executor_options
from .outputs import regenerate_outputs
from .pipeline import run_summary_only
from .runstore import RunStore, write_text_atomic

__all__ = ["DRIFT_COLUMNS", "compare_parts", "compare_summaries", "reproduce", "update_results"]


DRIFT_COLUMNS = ["study", "part", "row", "column", "committed", "new", "abs_diff", "tolerance"]
"""The columns of a drift report: one row per difference."""


class _Drift:
    """The differences found so far, as rows of :data:`DRIFT_COLUMNS`."""

    def __init__(self, study: str, part: str, tolerance: float) -> None:
        """No differences yet, of ``part`` of ``study``, at ``tolerance``."""
        self.head = {"study": study, "part": part}
        self.tolerance = tolerance
        self.rows: list[dict[str, Any]] = []

    def add(self, row: str, column: str, old: Any, value: Any, diff: Any = None) -> None:
        """One difference: the row's label, the column, both values and their distance."""
        values = [row, column, old, value, diff, self.tolerance]
        self.rows.append({**self.head, **dict(zip(DRIFT_COLUMNS[2:], values, strict=True))})

    def table(self) -> pd.DataFrame:
        """The differences as a table."""
        return pd.DataFrame(self.rows, columns=DRIFT_COLUMNS)


def compare_summaries(
    new: pd.DataFrame,
    committed: pd.DataFrame,
    tolerance: float,
    study: str = "",
    *,
    keys: Sequence[str] | None = None,
    part: str = "",
) -> pd.DataFrame:
    """What drifted between two tables of a summary (one row per difference; empty when
    none).

    The tables must have the same columns and rows. Rows are matched on ``keys`` (a part's
    declared keys), else on the shortest leading run of non-float columns that identifies
    them in both tables, else by position. Float columns may differ by at most ``tolerance``
    (absolute; NaN equals NaN); every other column must be equal.
    """
    drift = _Drift(study, part, tolerance)
    if _columns_differ(new, committed, drift):
        return drift.table()
    floats = {c for c in new.columns if _is_float(new[c]) or _is_float(committed[c])}
    if keys is None:
        keys = _identifying([c for c in new.columns if c not in floats], new, committed)
    matched = _matched(new, committed, list(keys), drift)
    if matched is not None:
        old, cur, labels = matched
        for c in (c for c in new.columns if c not in keys):
            _column_drift(old[c], cur[c], c in floats, labels, c, drift)
    return drift.table()


def _columns_differ(new: pd.DataFrame, committed: pd.DataFrame, drift: _Drift) -> bool:
    """Whether the tables' columns differ (then one difference names them)."""
    if list(new.columns) == list(committed.columns):
        return False
    missing = [c for c in committed.columns if c not in new.columns]
    extra = [c for c in new.columns if c not in committed.columns]
    drift.add("(columns)", "(columns)", ", ".join(missing) or "-", ", ".join(extra) or "-")
    return True


def _matched(
    new: pd.DataFrame, committed: pd.DataFrame, keys: list[str], drift: _Drift
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]] | None:
    """The rows both tables have, aligned (old, new, row labels); rows only one has are
    drift. ``None`` when, without keys, the tables differ in length."""
    if not keys:
        if len(new) != len(committed):
            drift.add("(rows)", "(rows)", len(committed), len(new))
            return None
        labels = [f"#{i}" for i in range(len(new))]
        return committed.reset_index(drop=True), new.reset_index(drop=True), labels
    old_ids, new_ids = _row_ids(committed, keys), _row_ids(new, keys)
    new_set, old_set = set(new_ids), set(old_ids)
    for label in old_ids:
        if label not in new_set:
            drift.add(label, "(row)", "present", "absent")
    for label in new_ids:
        if label not in old_set:
            drift.add(label, "(row)", "absent", "present")
    common = [label for label in old_ids if label in new_set]
    old = committed.set_axis(old_ids).loc[common].reset_index(drop=True)
    cur = new.set_axis(new_ids).loc[common].reset_index(drop=True)
    return old, cur, common


def _column_drift(
    old: pd.Series, cur: pd.Series, floats: bool, labels: list[str], column: str, drift: _Drift
) -> None:
    """The differences of one column: floats beyond the tolerance, anything else unequal."""
    if floats:
        a = pd.to_numeric(old, errors="coerce").to_numpy(dtype=float)
        b = pd.to_numeric(cur, errors="coerce").to_numpy(dtype=float)
        diff = np.abs(a - b)
        bad = ~(np.isnan(a) & np.isnan(b)) & (np.isnan(diff) | (diff > drift.tolerance))
        for i in np.flatnonzero(bad):
            drift.add(labels[i], column, a[i], b[i], diff[i])
        return
    differs = _text(old) != _text(cur)
    for i in np.flatnonzero(differs):
        drift.add(labels[i], column, old.iloc[i], cur.iloc[i])


def compare_parts(
    new: Summary, committed: Summary, tolerance: float, study: str = ""
) -> pd.DataFrame:
    """What drifted between two summaries: every part either has, compared on its declared
    keys by :func:`compare_summaries` (a part only one of them has is one difference)."""
    tables = []
    for declared in PARTS:
        name = declared.name
        if not new.has(name) and not committed.has(name):
            continue
        if new.has(name) != committed.has(name):
            drift = _Drift(study, name, tolerance)
            present = {True: "present", False: "absent"}
            drift.add("(part)", "(part)", present[committed.has(name)], present[new.has(name)])
            tables.append(drift.table())
            continue
        tables.append(
            compare_summaries(
                new.part(name),
                committed.part(name),
                tolerance,
                study,
                keys=declared.keys,
                part=name,
            )
        )
    found = [t for t in tables if not t.empty]
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=DRIFT_COLUMNS)


def _identifying(candidates: list[str], *tables: pd.DataFrame) -> list[str]:
    """The shortest leading run of ``candidates`` whose values are unique in every table."""
    for k in range(1, len(candidates) + 1):
        keys = candidates[:k]
        if all(not t[keys].astype(str).duplicated().any() for t in tables):
            return keys
    return []


def _row_ids(table: pd.DataFrame, keys: list[str]) -> list[str]:
    """Each row's label: its key columns' values (``cell=0, window=later``)."""
    text = table[keys].astype(str)
    return [
        ", ".join(f"{k}={v}" for k, v in zip(keys, row, strict=True))
        for row in text.itertuples(index=False)
    ]


def _text(values: pd.Series) -> np.ndarray:
    """A column's values as text, a blank (missing) value as ``""``."""
    return values.astype(object).where(values.notna(), "").astype(str).to_numpy()


def _is_float(series: pd.Series) -> bool:
    """Whether a column holds floats."""
    return pd.api.types.is_float_dtype(series.dtype)


_COPIED = ("summary", "cells.parquet", "report.md", "figures")
"""What the committed results of a study hold: the summary's parts, the cells they name, the
report and the figures (not the Parquet tables of the run)."""


def update_results(run_dir: str | Path, results_dir: str | Path) -> Path:
    """Copy a run's ``summary/``, ``cells.parquet``, ``report.md`` and ``figures/`` into
    ``results_dir`` (e.g. ``results/<study>``), replacing what was there (a ``summary.csv``
    of an older layout is removed)."""
    run_dir, results_dir = Path(run_dir), Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".tmp-", dir=results_dir))
    try:
        for name in _COPIED:
            source = run_dir / name
            if source.is_dir():
                shutil.copytree(source, stage / name)
            elif source.is_file():
                shutil.copy2(source, stage / name)
        for name in _COPIED:
            if not (stage / name).exists():
                continue
            target = results_dir / name
            if target.is_dir():
                target.replace(stage / f"old-{name}")
            (stage / name).replace(target)  # a file replaces its older copy at once
        (results_dir / "summary.csv").unlink(missing_ok=True)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return results_dir


def _reproduce_one(
    name: str, path: Path, loaded: LoadedStudy, results: Path, options: dict[str, Any]
) -> tuple[pd.DataFrame, Path | None, Path | None]:
    """Run one study at its CI size into a new temporary folder (its tables and summary) and
    compare its summary with the committed one; with ``options["update"]``, also replace the
    committed results. The figures and the report are drawn only for a run that is copied
    (update) or kept (drifted).
    Returns the drift, the updated results folder (or ``None``) and the run folder when it
    drifted (it is kept, for a look at what changed), else ``None`` (it is removed)."""
    spec = loaded.study
    tolerance = spec.reproduce.tolerance
    committed = results / name / "summary"
    update = options.pop("update")
    root = options.pop("root")
    folder = Path(tempfile.mkdtemp(prefix=f"bargainlab-reproduce-{name}-"))
    kept = None
    try:
        # the summary is what is compared: the figures and the report are drawn only for a
        # run whose results are copied (update) or that is kept for a look (it drifted)
        run_dir = run_summary_only(
            path, folder / name, replicates=spec.reproduce.replicates, **options
        ).path
        new = Summary.read(run_dir / "summary")
        if committed.is_dir():
            drift = compare_parts(new, Summary.read(committed), tolerance, name)
        else:
            missing = _Drift(name, "", tolerance)
            missing.add("(file)", "summary/", "missing", "present")
            drift = missing.table()
        if update or not drift.empty:
            drawn = regenerate_outputs(run_dir, summary=False)
            RunStore(run_dir).record_figures([str(f.relative_to(run_dir)) for f in drawn])
        updated = update_results(run_dir, root / "results" / name) if update else None
        kept = run_dir if not drift.empty and not update else None
    finally:
        if kept is None:
            shutil.rmtree(folder, ignore_errors=True)
    return drift, updated, kept


def reproduce(
    study_names: Sequence[str] = (),
    *,
    root: str | Path = ".",
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    update: bool = False,
    progress: bool | None = None,
    stream: TextIO | None = None,
) -> int:
    """Re-run studies of ``root/experiments`` at their CI size and compare with ``root/results``.

    Outside a checkout (no ``root/experiments/*.toml``) the studies shipped with the package
    and their committed summaries are used instead (``update`` needs a checkout). Each study
    runs with ``reproduce.replicates`` (when set) into a temporary folder; every part of its
    summary is compared with ``results/<study>/summary/`` within the study's
    ``reproduce.tolerance`` (:func:`compare_parts`); figures and the report are drawn only
    for a run that drifted or is copied. Prints each study's status and time,
    the total time and a table of what drifted (a drifted study's run folder is kept and
    named); returns 1 when anything drifted (or a committed summary is missing), else 0.
    With ``update`` the committed results are replaced by the new ones and it returns 0.
    """
    stream = stream or sys.stdout
    root = Path(root)
    experiments, results = _study_sources(root, update)
    paths = _study_paths(experiments, study_names)
    loaded = {name: load_study(path) for name, path in paths.items()}  # all checked up front
    check_executor_options(executor, workers, scheduler)
    drifts = []
    started = time.perf_counter()
    for name, path in paths.items():
        options = {"executor": executor, "workers": workers, "scheduler": scheduler,
                   "progress": progress, "update": update, "root": root}  # fmt: skip
        began = time.perf_counter()
        drift, updated, kept = _reproduce_one(name, path, loaded[name], results, options)
        lines = _status(name, loaded[name].study, drift, time.perf_counter() - began)
        lines += [f"{name}: the drifted run is kept in {kept}"] if kept is not None else []
        lines += [f"{name}: updated {updated}"] if updated is not None else []
        print("\n".join(lines), file=stream)
        drifts.append(drift)
    print(f"total: {len(paths)} stud{'y' if len(paths) == 1 else 'ies'} in "
          f"{time.perf_counter() - started:.1f} s", file=stream)  # fmt: skip
    found = [d for d in drifts if not d.empty]
    if found:
        print("\nDrift beyond tolerance:", file=stream)
        with pd.option_context(
            "display.max_rows", 200, "display.width", 200, "display.max_colwidth", 60
        ):
            print(pd.concat(found, ignore_index=True).to_string(index=False), file=stream)
    if update:
        index = root / "results" / "README.md"
        write_text_atomic(index, results_index(root))
        print(f"updated {index}", file=stream)
    return 0 if not found or update else 1


def _status(name: str, spec: StudySpec, drift: pd.DataFrame, seconds: float) -> list[str]:
    """A study's line: ok or how many differences, its time, replicates and tolerance."""
    status = "ok" if drift.empty else f"{len(drift)} difference(s)"
    reps = spec.reproduce.replicates or spec.replicates
    return [
        f"{name}: {status} in {seconds:.1f} s (replicates {reps}, tolerance "
        f"{spec.reproduce.tolerance})"
    ]


def _study_paths(experiments: Path, names: Sequence[str]) -> dict[str, Path]:
    """The study files of ``names`` (default: every study of ``experiments``);
    :class:`ConfigError` naming the known studies for an unknown one."""
    known = sorted(p.stem for p in experiments.glob("*.toml"))
    names = list(names) or known
    if not names:
        raise ConfigError(experiments, None, "no studies (*.toml) to reproduce")
    paths = {}
    for name in names:
        if name not in known:  # checked before it becomes a path: '../../x' names no study
            raise ConfigError(
                experiments,
                None,
                f"no such study {name[:80]}.toml{did_you_mean(name, known)}; studies: "
                f"{', '.join(known) or '(none)'}",
            )
        paths[name] = experiments / f"{name}.toml"
    return paths


def _study_sources(root: Path, update: bool) -> tuple[Path, Path]:
    """``(studies folder, results folder)`` for :func:`reproduce`: the checkout's at ``root``,
    else those shipped with the package."""
    local = root / "experiments"
    if any(local.glob("*.toml")):
        return local, root / "results"
    if update:
        raise ConfigError(
            local,
            "--update",
            "rewrites the committed results of a checkout: run it from the root of a "
            "bargainlab checkout (with experiments/ and results/)",
        )
    packaged, results = packaged_studies(), packaged_results()
    if packaged is None:
        raise ConfigError(
            local, None, "no studies (*.toml) here, and none shipped with the package"
        )
    return packaged, results if results is not None else packaged / "results"
