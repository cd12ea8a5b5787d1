"""A finished run's summary, figures and report, from its small tables.

:func:`regenerate_outputs` is the post-processing of ``run`` and all of ``plot`` and
``report``: it reads the small tables the workers produced (``replicates``,
``trajectories``, ``mediation``; never the whole rounds table) and a bounded sample of the
rounds dataset for the calibration checks, and writes ``summary/`` (one CSV per part),
``figures/`` and ``report.md``. Each phase shows its progress and records its seconds in the manifest.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from ..analysis.calibration import ROUNDS_COLUMNS
from ..analysis.summary import Summary, summarize
from ..config.cells import SweepCells
from ..config.files import ConfigError, LoadedStudy, load_study
from ..config.size import CALIBRATION_SAMPLE
from ..reporting.figures import figures as draw_figures
from ..reporting.report import report as report_text
from ..support.memory import return_freed_memory
from .robustness import second_seed_effects
from .run import finished_store
from .runstore import RunStore, config_hash

__all__ = ["CALIBRATION_SAMPLE", "check_run_folder", "regenerate_outputs"]


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
    phase: Callable[[str], None] | None = None,
) -> list[Path]:
    """(Re)write ``summary/``, ``figures/`` and ``report.md`` of a finished run from its
    tables, with :mod:`bargainlab.analysis.summary` and :mod:`bargainlab.reporting`; return the figure paths, key figure first.
    Used by ``run``, ``plot`` and ``report``. Figures are made in a staging folder and moved
    into ``figures/`` file by file, so none is ever half-written. Tables are checked against
    their checksums first (a :class:`ConfigError` if one does not match); the folder is
    locked meanwhile; the seconds spent are recorded in the manifest's ``timings``.
    ``phase`` is called with each phase's name as it starts (``summarize``, ``figures``,
    ``report``), for a progress display."""
    if loaded is None:
        store, loaded = check_run_folder(run_dir)
    else:
        store = RunStore(run_dir)
    with store.lock(field=None):
        return _regenerate(
            store, loaded, summary=summary, figures=figures, report=report, phase=phase
        )


_REMEDY = "start the same `bargainlab run` command again to recompute it"


def _summary(
    store: RunStore, loaded: LoadedStudy, tables: StoredCells, cells: SweepCells
) -> Summary:
    """Compute the summary from the small tables and a bounded sample of the rounds (for the
    calibration checks), with the second seed's headline when the study has
    ``[robustness]``, and write it."""
    sample = store.read_rounds(
        columns=list(ROUNDS_COLUMNS),
        filters=[("replicate", "<", CALIBRATION_SAMPLE), ("channels", "==", "all")],
    )
    second = None
    if loaded.study.robustness is not None:
        second = second_seed_effects(store.root, loaded)
    result = summarize(tables, loaded.study, cells, rounds_sample=sample, second=second)
    store.write_summary(result)
    return result


def _figures(
    store: RunStore, loaded: LoadedStudy, result: Summary, tables: StoredCells, cells: SweepCells
) -> list[Path]:
    """Draw the figures in a staging folder, move them in file by file, record their
    checksums; return their paths, key figure first."""
    study = loaded.study
    trajectories = store.read_table("trajectories.parquet")
    traces = store.read_table("traces.parquet") if store.has_table("traces") else None
    with store.staging() as stage:
        whole = tables.table if study.tournament is not None else None  # only a tournament
        staged = draw_figures(
            stage, result, trajectories, study, cells, replicates=whole, traces=traces
        )
        made = [store.root / Path(p).relative_to(stage) for p in staged]
    store.record_checksums(str(p.relative_to(store.root)) for p in made)
    return made


def _regenerate(
    store: RunStore,
    loaded: LoadedStudy,
    *,
    summary: bool,
    figures: bool,
    report: bool,
    phase: Callable[[str], None] | None = None,
) -> list[Path]:
    """The phases of :func:`regenerate_outputs` asked for (the summary also when it is
    missing), each timed into the manifest."""
    cells = SweepCells.of(loaded.study, loaded.cells)
    return_freed_memory()  # the simulation's heap policy keeps freed memory
    # every table is checked first, also those this phase does not read (the rounds dataset)
    store.verify("rounds.parquet", remedy=_REMEDY)
    tables = StoredCells(store, {c.index: c.study.rounds.count for c in loaded.cells})
    timings: dict[str, float] = {}
    step = phase or (lambda name: None)

    def timed(name: str, work: Callable[[], Any]) -> Any:
        """``work()``, announced as phase ``name`` and its seconds recorded."""
        step(name)
        started = time.perf_counter()
        done = work()
        timings[name] = time.perf_counter() - started
        return done

    if summary or not store.summary_dir.is_dir():
        result = timed("summarize", lambda: _summary(store, loaded, tables, cells))
    else:
        result = store.read_summary(remedy=f"run `bargainlab report {store.root}` to rebuild it")
    made = (
        timed("figures", lambda: _figures(store, loaded, result, tables, cells)) if figures else []
    )
    if report:
        full = (store.read_manifest() or {}).get("study_replicates")
        text = partial(report_text, store.root, result, loaded.study, cells, full_replicates=full)
        timed("report", lambda: store.write_report(text()))
    store.record_timings(timings)
    return made


class StoredCells:
    """:class:`~bargainlab.analysis.tables.CellTables` of a run folder: each cell's rows are
    read from the ``replicates`` (and ``mediation``) datasets when asked for, skipping the
    files and row groups of other cells, so the statistics hold one cell at a time."""

    def __init__(self, store: RunStore, rounds_by_cell: dict[int, int]) -> None:
        """The cell tables of the run in ``store`` (its replicates and mediation tables checked against their checksums once)."""
        self.store = store
        store.verify("replicates.parquet", remedy=_REMEDY)
        self._has_mediation = store.has_table("mediation")
        if self._has_mediation:
            store.verify("mediation.parquet", remedy=_REMEDY)
        self._rounds = dict(sorted(rounds_by_cell.items()))

    def rounds_by_cell(self) -> dict[int, int]:
        """From the study's cells: nothing is read."""
        return self._rounds

    def replicates(self, cell: int) -> pd.DataFrame:
        """The cell's rows of the ``replicates`` dataset (its files and row groups only)."""
        return self.store.read_table(
            "replicates.parquet", filters=[("cell", "==", cell)], check=False
        )

    def mediation(self, cell: int) -> pd.DataFrame | None:
        """The cell's rows of the ``mediation`` dataset (``None``: the run has none)."""
        if not self._has_mediation:
            return None
        return self.store.read_table(
            "mediation.parquet", filters=[("cell", "==", cell)], check=False
        )

    @property
    def table(self) -> pd.DataFrame:
        """The whole ``replicates`` table (a tournament needs it)."""
        return self.store.read_table("replicates.parquet", check=False)
