"""Reproducing the committed results: re-run the studies at their CI size and compare.

:func:`reproduce` re-runs the studies of ``experiments/`` (or those shipped with the package)
and compares their ``summary.csv`` with the committed ``results/<study>/summary.csv``;
``update`` replaces the committed results.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd

from ..config.files import ConfigError, load_study, packaged_results, packaged_studies
from ..reporting.results_index import results_index
from .executors import check_executor_options
from .pipeline import run_study
from .runstore import write_text_atomic

__all__ = ["DRIFT_COLUMNS", "compare_summaries", "reproduce", "update_results"]


DRIFT_COLUMNS = ["study", "row", "column", "committed", "new", "abs_diff", "tolerance"]


def compare_summaries(
    new: pd.DataFrame, committed: pd.DataFrame, tolerance: float, study: str = ""
) -> pd.DataFrame:
    """What drifted between two summary tables (one row per difference; empty when none).

    The tables must have the same columns and rows. Rows are matched on the shortest
    leading run of non-float columns that identifies them in both tables (e.g. section,
    cell, channels, comparison, ...), else by position. Float columns may differ by at most
    ``tolerance`` (absolute; NaN equals NaN); every other column must be equal.
    """
    drift: list[dict[str, Any]] = []

    def add(row: str, column: str, old: Any, value: Any, diff: Any = None) -> None:
        values = [study, row, column, old, value, diff, tolerance]
        drift.append(dict(zip(DRIFT_COLUMNS, values, strict=True)))

    def result() -> pd.DataFrame:
        return pd.DataFrame(drift, columns=DRIFT_COLUMNS)

    if list(new.columns) != list(committed.columns):
        missing = [c for c in committed.columns if c not in new.columns]
        extra = [c for c in new.columns if c not in committed.columns]
        add("(columns)", "(columns)", ", ".join(missing) or "-", ", ".join(extra) or "-")
        return result()
    floats = {c for c in new.columns if _is_float(new[c]) or _is_float(committed[c])}
    keys = _identifying([c for c in new.columns if c not in floats], new, committed)
    if keys:
        old_ids, new_ids = _row_ids(committed, keys), _row_ids(new, keys)
        new_set, old_set = set(new_ids), set(old_ids)
        for label in old_ids:
            if label not in new_set:
                add(label, "(row)", "present", "absent")
        for label in new_ids:
            if label not in old_set:
                add(label, "(row)", "absent", "present")
        common = [label for label in old_ids if label in new_set]
        old = committed.set_axis(old_ids).loc[common].reset_index(drop=True)
        cur = new.set_axis(new_ids).loc[common].reset_index(drop=True)
        labels = common
    else:
        if len(new) != len(committed):
            add("(rows)", "(rows)", len(committed), len(new))
            return result()
        old, cur = committed.reset_index(drop=True), new.reset_index(drop=True)
        labels = [f"#{i}" for i in range(len(new))]
    for c in new.columns:
        if c in keys:
            continue
        if c in floats:
            a = pd.to_numeric(old[c], errors="coerce").to_numpy(dtype=float)
            b = pd.to_numeric(cur[c], errors="coerce").to_numpy(dtype=float)
            diff = np.abs(a - b)
            bad = ~(np.isnan(a) & np.isnan(b)) & (np.isnan(diff) | (diff > tolerance))
            for i in np.flatnonzero(bad):
                add(labels[i], c, a[i], b[i], diff[i])
        else:
            # a blank text field reads back from CSV as NaN: compare blanks as ""
            differs = (
                old[c].fillna("").astype(str).to_numpy() != cur[c].fillna("").astype(str).to_numpy()
            )
            for i in np.flatnonzero(differs):
                add(labels[i], c, old[c].iloc[i], cur[c].iloc[i])
    return result()


def _identifying(candidates: list[str], *tables: pd.DataFrame) -> list[str]:
    """The shortest leading run of ``candidates`` whose values are unique in every table."""
    for k in range(1, len(candidates) + 1):
        keys = candidates[:k]
        if all(not t[keys].astype(str).duplicated().any() for t in tables):
            return keys
    return []


def _row_ids(table: pd.DataFrame, keys: list[str]) -> list[str]:
    text = table[keys].astype(str)
    return [
        ", ".join(f"{k}={v}" for k, v in zip(keys, row, strict=True))
        for row in text.itertuples(index=False)
    ]


def _is_float(series: pd.Series) -> bool:
    return pd.api.types.is_float_dtype(series.dtype)


def update_results(run_dir: str | Path, results_dir: str | Path) -> Path:
    """Copy a run's ``summary.csv``, ``report.md`` and ``figures/`` (not the Parquet tables)
    into ``results_dir`` (e.g. ``results/<study>``), replacing what was there."""
    run_dir, results_dir = Path(run_dir), Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".tmp-", dir=results_dir))
    try:
        for name in ("summary.csv", "report.md"):
            if (run_dir / name).is_file():
                shutil.copy2(run_dir / name, stage / name)
        if (run_dir / "figures").is_dir():
            shutil.copytree(run_dir / "figures", stage / "figures")
        for name in ("summary.csv", "report.md"):
            if (stage / name).is_file():
                (stage / name).replace(results_dir / name)
        if (stage / "figures").is_dir():
            old = results_dir / "figures"
            trash = stage / "old-figures"
            if old.exists():
                old.replace(trash)
            (stage / "figures").replace(old)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return results_dir


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
    runs with ``reproduce.replicates`` (when set) into a temporary folder; its
    ``summary.csv`` is compared with ``results/<study>/summary.csv`` within the study's
    ``reproduce.tolerance``. Prints a table of what drifted and returns 1 when anything did
    (or a committed summary is missing), else 0. With ``update`` the committed results are
    replaced by the new ones and the return value is 0.
    """
    stream = stream or sys.stdout
    root = Path(root)
    experiments, results = _study_sources(root, update)
    names = list(study_names) or sorted(p.stem for p in experiments.glob("*.toml"))
    if not names:
        raise ConfigError(experiments, None, "no studies (*.toml) to reproduce")
    paths = {}
    for name in names:
        path = experiments / f"{name}.toml"
        if not path.is_file():
            known = sorted(p.stem for p in experiments.glob("*.toml"))
            raise ConfigError(path, None, f"no such study; studies: {', '.join(known) or '(none)'}")
        paths[name] = path
    loaded = {name: load_study(path) for name, path in paths.items()}  # all checked up front
    check_executor_options(executor, workers, scheduler)
    drifts = []
    for name, path in paths.items():
        spec = loaded[name].study
        reps = spec.reproduce.replicates
        committed_path = results / name / "summary.csv"
        with tempfile.TemporaryDirectory(prefix=f"bargainlab-{name}-") as tmp:
            run_dir = run_study(
                path, Path(tmp) / name, executor=executor, workers=workers, scheduler=scheduler,
                replicates=reps, progress=progress,
            ).path  # fmt: skip
            new = pd.read_csv(run_dir / "summary.csv")
            if committed_path.is_file():
                drift = compare_summaries(
                    new, pd.read_csv(committed_path), spec.reproduce.tolerance, name
                )
            else:
                drift = pd.DataFrame(
                    [
                        [
                            name,
                            "(file)",
                            "summary.csv",
                            "missing",
                            "present",
                            None,
                            spec.reproduce.tolerance,
                        ]
                    ],
                    columns=DRIFT_COLUMNS,
                )
            status = "ok" if drift.empty else f"{len(drift)} difference(s)"
            print(
                f"{name}: {status} (replicates {reps or spec.replicates}, tolerance {spec.reproduce.tolerance})",
                file=stream,
            )
            drifts.append(drift)
            if update:
                update_results(run_dir, root / "results" / name)
                print(f"{name}: updated {root / 'results' / name}", file=stream)
    drift = (
        pd.concat([d for d in drifts if not d.empty], ignore_index=True)
        if any(not d.empty for d in drifts)
        else pd.DataFrame(columns=DRIFT_COLUMNS)
    )
    if not drift.empty:
        print("\nDrift beyond tolerance:", file=stream)
        with pd.option_context(
            "display.max_rows", 200, "display.width", 200, "display.max_colwidth", 60
        ):
            print(drift.to_string(index=False), file=stream)
    if update:
        index = root / "results" / "README.md"
        write_text_atomic(index, results_index(root))
        print(f"updated {index}", file=stream)
    return 0 if drift.empty or update else 1


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
