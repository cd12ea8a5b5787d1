"""Run a study end to end, and reproduce the committed results.

:func:`run_study` is the whole pipeline: config -> validated study -> sweep cells
-> seeded tasks -> executor -> parts in the run folder -> ``rounds.parquet`` -> summary,
figures and report. Everything that can be wrong with the input is checked before the run
folder is created. :func:`reproduce` re-runs the studies of ``experiments/`` at their CI size
and compares their ``summary.csv`` with the committed ``results/<study>/summary.csv``.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd

from ..analysis.derive import replicates_from_rounds, trajectories_from_rounds
from ..analysis.summary import summarize
from ..config.files import (
    ConfigError,
    LoadedStudy,
    load_study,
    packaged_results,
    packaged_studies,
    resolve_study_path,
)
from ..config.schema import StudySpec
from ..reporting.figures import figures as draw_figures
from ..reporting.report import report as report_text
from ..reporting.results_index import results_index
from .budget import check_size
from .executors import (
    RELATIONSHIP_COLUMNS,
    Executor,
    Simulate,
    check_executor_options,
    make_tasks,
    n_chunks,
    open_executor,
    progress_bar,
    task_function,
)
from .run import Run, finished_store
from .runstore import (
    RunStore,
    build_manifest,
    config_hash,
    git_commit,
    resolved_config_text,
    versions,
    write_text_atomic,
)
from .shipping import cells_strategy_fields, check_on_workers, pack

__all__ = [
    "check_run_folder",
    "compare_summaries",
    "default_out",
    "regenerate_outputs",
    "reproduce",
    "run_study",
    "update_results",
]


def default_out(study: StudySpec) -> Path:
    """``runs/<study name>`` under the current folder."""
    return Path("runs") / study.name


def run_study(
    config: str | Path | StudySpec | Mapping[str, Any],
    out: str | Path | None = None,
    *,
    replicates: int | None = None,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
    simulate: Simulate | None = None,
    log: Callable[[str], None] | None = None,
) -> Run:
    """Run a study into the folder ``out`` (default ``runs/<name>``) and return the
    finished :class:`~bargainlab.experiments.run.Run`.

    Parameters
    ----------
    config:
        A study file, the name of a study (``experiments/<name>.toml`` or one shipped with
        the package), a validated :class:`StudySpec` or a dict of the same keys as a file.
    replicates:
        Overrides the study's replicates (part of the run's identity).
    executor, workers, scheduler:
        ``"serial"``, ``"processes"`` (``workers`` processes, default all cores) or
        ``"dask"`` (the cluster whose scheduler is at ``scheduler``). All give the same
        tables. Strategies registered by your own script or notebook are sent to the
        workers with every task.
    progress:
        Show a progress bar; default: when stderr is a terminal.
    simulate:
        The simulation of one chunk (default :func:`bargainlab.experiments.translate.simulate`); it must be
        picklable by reference for the process and Dask executors.
    log:
        Called with one-line notes for the user (e.g. that a run resumes).

    Raises
    ------
    ConfigError
        Before anything is written, when the study, the options, the output folder or a
        strategy the workers cannot use are wrong, when the run's estimated size exceeds the
        budgets in force (see :mod:`bargainlab.experiments.budget`), or when another process
        is writing the folder.

    Notes
    -----
    Starting again on the folder of an interrupted run with the same study resumes it,
    recomputing any part that fails its checksum; the tables equal those of an uninterrupted
    run. The manifest records the seconds spent in each phase (``timings``).
    """
    if isinstance(config, str):
        config = resolve_study_path(config)
    loaded = load_study(config, replicates=replicates)
    check_executor_options(executor, workers, scheduler)
    study, cells = loaded.study, loaded.cells
    fields = cells_strategy_fields(cells)
    shipped = None if executor == "serial" else pack(fields, loaded.file)
    folder = Path(out) if out is not None else default_out(study)
    store = RunStore(folder)
    if store.check_target(config_hash(study)) and log is not None:
        _note_changed_versions(store, log)
    for warning in loaded.warnings if log is not None else ():
        log(f"warning: {warning}")
    chunks = n_chunks(study.replicates, study.chunk)
    total = len(cells) * chunks
    if executor == "processes":
        workers = min(workers or _cpu_count(), total)
    local = 0 if executor == "serial" else workers or 0
    check_size(loaded.size, folder, workers=local, file=loaded.file, local_tasks=executor != "dask")
    axes = study.sweep_axes
    # The executor is opened before anything is written (a Dask scheduler that cannot be
    # reached is bad input); the lock is held until the run is complete.
    with open_executor(executor, workers, scheduler) as pool, store.lock():
        check_on_workers(pool.run_on_workers, shipped, fields, loaded.file)
        store.check_target(config_hash(study))  # again, now that no one else can write it
        store.initialise(
            build_manifest(
                study,
                n_cells=len(cells),
                n_tasks=total,
                axes=axes,
                study_replicates=loaded.declared_replicates,
            ),
            resolved_config_text(study, loaded.source),
        )
        if store.dataset_complete(traces=study.traces):
            store.remove_parts()
        else:
            _simulate(store, loaded, pool, total, progress, simulate, log, shipped)
        if log is not None:
            log("writing the summary, figures and report")
        figures = regenerate_outputs(folder, loaded=loaded)
        store.complete(figures=[str(f.relative_to(folder)) for f in figures])
    return Run(folder)


def _simulate(
    store: RunStore,
    loaded: LoadedStudy,
    pool: Executor,
    total: int,
    progress: bool | None,
    simulate: Simulate | None,
    log: Callable[[str], None] | None,
    shipped: bytes | None = None,
) -> None:
    """Run the tasks whose parts are missing or damaged, release the workers, then assemble
    the tables."""
    study = loaded.study
    started = time.perf_counter()
    columns = ["cell", *study.sweep_axes, *RELATIONSHIP_COLUMNS]
    done = store.done(traces=study.traces, columns=columns)
    if store.rejected and log is not None:
        log(f"{len(store.rejected)} damaged part(s) failed their checksum and will be recomputed")
    if done and log is not None:
        log(f"resuming {store.root}: {len(done)} of {total} tasks already done")
    tasks = make_tasks(
        loaded.cells,
        root_seed=study.seed,
        replicates=study.replicates,
        chunk=study.chunk,
        traces=study.traces,
        skip=done,
        strategies=shipped,
    )
    with progress_bar(total, initial=len(done), enabled=progress, desc=study.name) as bar:
        for result in pool.imap_unordered(task_function(simulate), tasks):
            store.write_part(result.cell, result.chunk, result.rounds, result.traces)
            bar.update(1)
    pool.close()  # idle workers hold memory the post-processing needs
    assembling = time.perf_counter()
    store.assemble(traces=study.traces)
    store.record_timings(
        {"simulate": assembling - started, "assemble": time.perf_counter() - assembling}
    )


def _note_changed_versions(store: RunStore, log: Callable[[str], None]) -> None:
    """A resumed run mixes parts made by two installations: say so when they differ."""
    manifest = store.read_manifest() or {}
    before = {**manifest.get("versions", {}), "git commit": manifest.get("git_commit")}
    now = {**versions(), "git commit": git_commit()["commit"]}
    changed = [f"{k} {before.get(k)} -> {v}" for k, v in now.items() if before.get(k) != v]
    if changed:
        log(f"note: {store.root} was started with other versions ({'; '.join(changed)})")


def _cpu_count() -> int:
    return os.cpu_count() or 1


# ---------------------------------------------------------------------------------------------
# Summary, figures and report
# ---------------------------------------------------------------------------------------------


def check_run_folder(run_dir: str | Path) -> tuple[RunStore, LoadedStudy]:
    """The store and study of a finished run, checked without writing anything: a
    :class:`ConfigError` when the folder is missing, not a run folder, unfinished, or its
    ``config.toml`` is not the config its manifest records."""
    store = finished_store(run_dir)
    manifest = store.read_manifest() or {}
    loaded = load_study(store.config_path)
    if manifest.get("config_hash") != config_hash(loaded.study):
        raise ConfigError(
            store.config_path,
            None,
            "is not the config this run was made with (its hash differs from the one in "
            "manifest.json); restore it, or run the study again into a new folder",
        )
    return store, loaded


def regenerate_outputs(
    run_dir: str | Path,
    *,
    loaded: LoadedStudy | None = None,
    summary: bool = True,
    figures: bool = True,
    report: bool = True,
) -> list[Path]:
    """(Re)write ``summary.csv``, ``figures/`` and ``report.md`` of a finished run from its
    tables, with :mod:`bargainlab.analysis.summary` and :mod:`bargainlab.reporting`; return the figure paths, key figure first.
    Used by ``run``, ``plot`` and ``report``. Figures are made in a staging folder and moved
    into ``figures/`` file by file, so none is ever half-written. Tables are checked against
    their checksums first (a :class:`ConfigError` if one does not match); the folder is
    locked meanwhile; the seconds spent are recorded in the manifest's ``timings``."""
    if loaded is None:
        store, loaded = check_run_folder(run_dir)
    else:
        store = RunStore(run_dir)
    with store.lock(field=None):
        return _regenerate(store, loaded, summary=summary, figures=figures, report=report)


def _regenerate(
    store: RunStore, loaded: LoadedStudy, *, summary: bool, figures: bool, report: bool
) -> list[Path]:
    study = loaded.study
    axes = study.sweep_axes
    manifest = store.read_manifest() or {}
    rounds = store.read_rounds()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    # the small tables the analysis reads (workers will produce them; derived here until then)
    focal = study.arms.party
    opponent = next(p for p in study.parties if p != focal)
    replicates = replicates_from_rounds(rounds, focal, opponent, axes)
    trajectories = trajectories_from_rounds(rounds, axes)
    sample = rounds[rounds["replicate"] < rounds["replicate"].min() + study.chunk]
    if summary or not store.summary_path.is_file():
        table = summarize(replicates, study, axes, rounds_sample=sample)
        store.write_summary(table)
        timings["summarize"] = time.perf_counter() - started
    else:
        remedy = f"run `bargainlab report {store.root}` to rebuild it"
        table = pd.read_csv(store.verify("summary.csv", remedy=remedy))
    made: list[Path] = []
    if figures:
        started = time.perf_counter()
        traces = store.read_table("traces.parquet") if store.traces_path.is_file() else None
        with store.staging() as stage:
            staged = draw_figures(
                stage, table, trajectories, study, axes, replicates=replicates, traces=traces
            )
            made = [store.root / Path(p).relative_to(stage) for p in staged]
        store.record_checksums(str(p.relative_to(store.root)) for p in made)
        timings["figures"] = time.perf_counter() - started
    if report:
        started = time.perf_counter()
        text = report_text(
            store.root,
            table,
            study,
            axes,
            full_replicates=manifest.get("study_replicates"),
        )
        store.write_report(text)
        timings["report"] = time.perf_counter() - started
    store.record_timings(timings)
    return made


# ---------------------------------------------------------------------------------------------
# Reproduction
# ---------------------------------------------------------------------------------------------

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
