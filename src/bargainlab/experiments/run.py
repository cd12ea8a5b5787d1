"""A finished run as data: what :func:`bargainlab.run_study` returns and
:func:`bargainlab.load_run` opens.

A :class:`Run` reads its folder lazily: the tables are read the first time they are asked
for and kept. In Jupyter it displays as a short HTML card (study, question, size, the
headline effects and where the files are)::

    run = bargainlab.load_run("runs/rebate_renewal")
    run.summary.effects.head()  # the summary's parts: effects, survival, power, ...
    run.plot_trajectories("utility")
    run.plot_effects(ax=my_axes)
"""

from __future__ import annotations

import base64
import functools
import html
import os
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..analysis.derive import trajectories_from_rounds, trajectory_stats
from ..analysis.summary import Summary
from ..config.cells import SweepCells
from ..config.files import ConfigError, LoadedStudy, load_study
from ..config.schema import StudySpec
from ..reporting import notebook, plots
from .runstore import RunStore

_RERUN = "start the same `bargainlab run` command again to rewrite it"

HEADLINE_COLUMNS = ("comparison", "window", "mean_diff", "ci_low", "ci_high", "verdict")
"""Columns of the summary shown in a run's HTML display (after the cell and its label)."""
MAX_HEADLINE_ROWS = 8


def finished_store(path: str | Path) -> RunStore:
    """The :class:`RunStore` of a finished run folder; :class:`ConfigError` when ``path`` is
    not a folder, not a run folder, or a run that has not finished."""
    store = RunStore(path)
    if not store.root.is_dir():
        raise ConfigError(store.root, None, "no such run folder")
    if store.read_manifest() is None or not store.config_path.is_file():
        raise ConfigError(
            store.root, None, "not a bargainlab run folder (no manifest.json or config.toml)"
        )
    if not store.rounds_path.exists():
        raise ConfigError(
            store.root,
            None,
            "the run has not finished (no rounds.parquet); start the same "
            "`bargainlab run` command again to resume it",
        )
    return store


def load_run(path: str | Path) -> Run:
    """Open the finished run in folder ``path`` (checked at once, read lazily)."""
    return Run(finished_store(path).root)


def file_link(path: Path) -> str:
    """A link to ``path`` for a notebook's output: relative to the current folder when the
    file is under it (Jupyter opens a relative link from the notebook's folder, where its
    kernel runs), else a ``file://`` URI."""
    try:
        return (
            Path(os.path.relpath(path)).as_posix()
            if path.is_relative_to(Path.cwd())
            else path.as_uri()
        )
    except ValueError:  # another drive (Windows)
        return path.as_uri()


class Run:
    """A finished run: its study, manifest, tables, figures and report.

    Build one with :func:`load_run` (or get it from :func:`bargainlab.run_study`). Its
    paths are absolute, so it stays valid when the working folder changes.
    """

    def __init__(self, path: str | Path) -> None:
        """The run in folder ``path`` (read lazily; :func:`load_run` checks it first)."""
        self._store = RunStore(Path(path).absolute())

    # ---- where things are --------------------------------------------------------------------
    @property
    def path(self) -> Path:
        """The run folder (absolute)."""
        return self._store.root

    @property
    def report_path(self) -> Path:
        """``report.md``: question, design, effects, null cells and the conclusion."""
        return self._store.report_path

    @property
    def figures(self) -> list[Path]:
        """The figures (PNG; an SVG sits next to each), key figure first."""
        return [self.path / f for f in self.manifest.get("figures") or []]

    @property
    def key_figure(self) -> Path | None:
        """The headline figure, or ``None`` when the run made no figures."""
        figures = self.figures
        return figures[0] if figures else None

    # ---- contents ----------------------------------------------------------------------------
    @functools.cached_property
    def manifest(self) -> dict[str, Any]:
        """``manifest.json``: config hash, seed, replicates, versions, git commit, figures."""
        return self._store.read_manifest() or {}

    @functools.cached_property
    def _loaded(self) -> LoadedStudy:
        """The study as run, validated, with its sweep cells."""
        return load_study(self._store.config_path)

    @property
    def study(self) -> StudySpec:
        """The validated study as run (``config.toml``, with the run's replicates).

        Validating it needs every strategy it names: a strategy of your own must be
        registered (its module imported) first.
        """
        return self._loaded.study

    @functools.cached_property
    def sweep_cells(self) -> SweepCells:
        """The sweep's cells, typed (what :attr:`cells` holds as a table)."""
        return SweepCells.of(self.study, self._loaded.cells)

    @functools.cached_property
    def rounds(self) -> pd.DataFrame:
        """The rounds table (``rounds.parquet``): one row per cell, channels variant, arm,
        replicate, round and party."""
        return self._store.read_rounds()

    @functools.cached_property
    def cells(self) -> pd.DataFrame:
        """The cells table (``cells.parquet``): one row per sweep cell, its ``label`` and one
        typed column per sweep axis (a struct axis's values as dicts); every other table
        names a cell by its index, ``cell``."""
        return pd.read_parquet(self._store.verify("cells.parquet", remedy=_RERUN))

    @functools.cached_property
    def summary(self) -> Summary:
        """The summary (``summary/``): one typed DataFrame per part, ``summary.effects``,
        ``summary.survival``, ``summary.power``, ... (see
        :class:`~bargainlab.analysis.summary.Summary`)."""
        return self._store.read_summary(remedy=f"run `bargainlab report {self.path}` to rebuild it")

    @functools.cached_property
    def trajectories(self) -> pd.DataFrame:
        """The trajectories table (``trajectories.parquet``): per cell, channels variant, arm,
        party and round, the sums that give each metric's mean and interval; the trajectory
        figures are drawn from it."""
        return self._store.read_table("trajectories.parquet")

    @functools.cached_property
    def traces(self) -> pd.DataFrame | None:
        """Per-step traces (``traces.parquet``) when the study asked for them, else ``None``."""
        path = self._store.traces_path
        return pd.read_parquet(path) if path.is_file() else None

    def headline(self) -> pd.DataFrame:
        """The summary's headline effects (the study's headline window, every channel on):
        one row per cell and comparison (cell, its label, comparison, window, effect,
        adjusted interval, verdict)."""
        rows = self.summary.headline(self.study)
        labels = self.cells.set_index("cell")["label"]
        table = rows.assign(
            label=rows["cell"].map(labels),
            comparison=rows["treatment"] + " vs " + rows["control"],
        )
        return table[["cell", "label", *HEADLINE_COLUMNS]].reset_index(drop=True)

    # ---- figures -----------------------------------------------------------------------------
    def plot_trajectories(
        self,
        metric: str = "utility",
        *,
        party: str | None = None,
        cell: int | None = None,
        ax: Axes | None = None,
    ) -> Figure:
        """Mean of a trajectory metric by round, one line and 95% band per arm. Returns the
        Figure (the one that holds ``ax`` when given).

        ``utility``, ``terms``, ``beliefs`` and (with a reputation model) ``reputation`` are
        the figures the run saved, drawn by the same code (:mod:`bargainlab.reporting.notebook`):
        the whole figure, or with ``cell`` or ``ax`` the one panel of ``cell`` (default: the
        first). Any other metric of :data:`bargainlab.analysis.tables.TRAJECTORY_METRICS`
        (the belief's moments, ``agreed``, ...), or another ``party`` than the focal one (whose
        arms are compared), is drawn from the rounds table for one cell (default: the first),
        every channel on.
        """
        study = self.study
        if metric in notebook.TRAJECTORY_FIGURES and party in (None, study.arms.party):
            return notebook.trajectory_plot(
                self.trajectories, study, self.sweep_cells, metric, cell=cell, ax=ax
            )
        party = party or study.arms.party
        rows = self.rounds
        chosen = int(rows["cell"].min()) if cell is None else int(cell)
        if chosen not in set(rows["cell"].unique()):
            raise ValueError(
                f"the run has no cell {chosen}; cells: {sorted(rows['cell'].unique())}"
            )
        rows = rows[(rows["cell"] == chosen) & (rows["channels"] == "all")]
        note = f" (cell {chosen})" if self.manifest.get("cells", 1) > 1 else ""
        return plots.trajectories(
            trajectory_stats(trajectories_from_rounds(rows), party, metric),
            metric,
            ax=ax,
            title=f"{party}'s {metric} by round{note} (mean, 95% CI)",
        )

    def plot_effects(self, *, ax: Axes | None = None) -> Figure:
        """The key figure as the run saved it (``forest.png``): the headline effects with
        their adjusted intervals, a panel per comparison, the ``±sesoi`` band of negligible
        effects and the verdicts' colours, drawn by the same code; in place of ``ax`` when
        given (a SubFigure in its slot). Returns the Figure."""
        return notebook.key_figure(
            self.summary, self.trajectories, self.study, self.sweep_cells, ax=ax
        )

    # ---- display -----------------------------------------------------------------------------
    def _size(self) -> str:
        """``2 cell(s) x 6 replicates x 2 arm(s), 3 round(s)`` (the study part when it loads)."""
        m = self.manifest
        size = f"{m.get('cells', '?')} cell(s) x {m.get('replicates', '?')} replicates"
        try:
            study = self.study
        except ConfigError:
            return size
        return f"{size} x {len(study.arms.strategies)} arm(s), {study.rounds.count} round(s)"

    def _question(self) -> str:
        """The study's question (empty when the study does not load)."""
        try:
            return self.study.question.strip()
        except ConfigError:
            return ""

    def __repr__(self) -> str:
        """One line: the study, the folder, its size, whether it finished, its figures."""
        state = "finished" if self.manifest.get("completed") else "unfinished"
        return (
            f"<Run {self.manifest.get('study', '?')!r} at {str(self.path)!r}: {self._size()}; "
            f"{state}, {len(self.figures)} figure(s)>"
        )

    def _repr_html_(self) -> str:
        """An HTML card for Jupyter: study, question and size, the key figure (inline), the
        headline effects and links to the files."""
        name = html.escape(str(self.manifest.get("study", "?")))
        parts = [f"<div><strong>Run of study <code>{name}</code></strong>"]
        question = self._question()
        if question:
            parts.append(f"<p><em>{html.escape(question)}</em></p>")
        parts.append(f"<p>{html.escape(self._size())}</p>")
        parts += [self._figure_html(), self._headline_html(), self._links_html(), "</div>"]
        return "\n".join(p for p in parts if p)

    def _figure_html(self) -> str:
        """The key figure as it was saved, inline (a data URI: the card needs no file server),
        or nothing when the run has none."""
        key = self.key_figure
        if key is None or not key.is_file():
            return ""
        data = base64.b64encode(key.read_bytes()).decode("ascii")
        alt = html.escape(f"the key figure of {self.manifest.get('study', 'the run')}")
        return (
            f'<p><img src="data:image/png;base64,{data}" alt="{alt}" '
            'style="max-width: 100%; height: auto"></p>'
        )

    def _headline_html(self) -> str:
        """The first headline rows as a table, and how many more there are."""
        try:
            head = self.headline()
        except (OSError, ValueError):
            return ""
        if head.empty:
            return ""
        shown = head.head(MAX_HEADLINE_ROWS)
        table = shown.to_html(index=False, float_format=lambda v: f"{v:.4g}", border=0)
        more = len(head) - len(shown)
        return table + (f"<p>... {more} more row(s) in summary/effects.csv</p>" if more else "")

    def _links_html(self) -> str:
        """Links to the folder, the reports, the summary and every figure (those that exist)."""
        where: list[tuple[str, Path]] = [
            ("folder", self.path),
            ("report", self.report_path),
            ("report (HTML)", self.path / "report.html"),
            ("summary tables", self.path / "summary"),
        ]
        where += [(f"figure {p.stem}", p) for p in self.figures]
        items = "".join(
            f'<li>{html.escape(label)}: <a href="{html.escape(file_link(p))}" target="_blank">'
            f"<code>{html.escape(p.name or str(p))}</code></a></li>"
            for label, p in where
            if p.exists()
        )
        return f"<ul>{items}</ul>"


__all__ = ["HEADLINE_COLUMNS", "Run", "file_link", "finished_store", "load_run"]
