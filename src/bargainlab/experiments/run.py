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

import functools
import html
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..analysis.derive import trajectories_from_rounds, trajectory_stats
from ..analysis.summary import Summary
from ..config.files import ConfigError, load_study
from ..config.schema import StudySpec
from ..reporting import plots
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
    def study(self) -> StudySpec:
        """The validated study as run (``config.toml``, with the run's replicates).

        Validating it needs every strategy it names: a strategy of your own must be
        registered (its module imported) first.
        """
        return load_study(self._store.config_path).study

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
        """Mean of a trajectory metric by round, one line and 95% band per arm (the metrics
        of :data:`bargainlab.analysis.tables.TRAJECTORY_METRICS`: ``utility``, ``terms``,
        ``agreed``, the belief's moments, ...).

        ``party`` defaults to the focal party (the one whose arms are compared), ``cell`` to
        the first sweep cell; only the variant with every channel on is shown. Returns the
        Figure (the one that holds ``ax`` when given).
        """
        study = self.study
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
        """The paired effects of the summary (every channel on) with their intervals: one
        row per cell and comparison. Returns the Figure."""
        return plots.effect_intervals(
            self.headline(),
            ax=ax,
            labels=["label"],
            units="utility",
            title=f"{self.manifest.get('study', 'study')}: paired effects (adjusted intervals)",
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
        """A short HTML card for Jupyter: study, question, size, headline effects, files."""
        esc = html.escape
        name = esc(str(self.manifest.get("study", "?")))
        parts = [f"<div><strong>Run of study <code>{name}</code></strong>"]
        question = self._question()
        if question:
            parts.append(f"<p><em>{esc(question)}</em></p>")
        parts.append(f"<p>{esc(self._size())}</p>")
        try:
            head = self.headline()
        except (OSError, ValueError):
            head = pd.DataFrame()
        if not head.empty:
            shown = head.head(MAX_HEADLINE_ROWS)
            parts.append(shown.to_html(index=False, float_format=lambda v: f"{v:.4g}", border=0))
            if len(head) > len(shown):
                parts.append(
                    f"<p>... {len(head) - len(shown)} more row(s) in summary/effects.csv</p>"
                )
        where = [
            ("folder", self.path),
            ("report", self.report_path),
            ("key figure", self.key_figure),
        ]
        items = "".join(
            f"<li>{label}: <code>{esc(str(p))}</code></li>" for label, p in where if p is not None
        )
        parts.append(f"<ul>{items}</ul></div>")
        return "\n".join(parts)


__all__ = ["HEADLINE_COLUMNS", "Run", "finished_store", "load_run"]
