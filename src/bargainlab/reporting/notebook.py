"""A run's figures in a notebook: the saved figures' own drawing, not saved.

:class:`bargainlab.Run`'s plot methods call these, so a figure in a notebook has the bands,
labels and layout of the file a run writes (:mod:`bargainlab.reporting.figures` draws both):
the key figure whole (``forest.png``: a panel per comparison, the ``±sesoi`` band, the
verdicts' colours), a trajectory figure whole or one of its panels. Given an ``ax``, a whole
figure is drawn in its place (a matplotlib SubFigure in the caller's layout).
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure, FigureBase

from ..analysis.summary import Summary
from ..config.cells import SweepCells
from ..config.schema import StudySpec
from .drawing import new_figure
from .figures import forest_figure, trajectory_figure, trajectory_panel
from .panels import panel_cells

__all__ = ["TRAJECTORY_FIGURES", "key_figure", "last_round", "trajectory_plot"]

TRAJECTORY_FIGURES = ("utility", "terms", "beliefs", "reputation")
"""The metrics of the trajectory figures a run saves (``trajectories.png`` is ``utility``)."""


def last_round(trajectories: pd.DataFrame) -> int | None:
    """The rounds every cell plays, or ``None`` when the sweep changes them."""
    last = trajectories.groupby("cell")["round"].max()
    return int(last.iloc[0]) if last.nunique() == 1 else None


def in_place_of(ax: Axes) -> FigureBase:
    """A SubFigure where ``ax`` was (``ax`` is removed), to draw a whole figure in one slot of
    the caller's layout."""
    spec = ax.get_subplotspec()
    if spec is None:
        raise ValueError("ax must be a subplot (from subplots or add_subplot) to draw in its place")
    sub = ax.get_figure().add_subfigure(spec)  # type: ignore[union-attr]
    ax.remove()
    return sub


def key_figure(
    summary: Summary,
    trajectories: pd.DataFrame,
    study: StudySpec,
    cells: SweepCells,
    *,
    ax: Axes | None = None,
) -> Figure:
    """The key figure as a run saves it (``forest.png``), on a new Figure or in place of
    ``ax``; returns the Figure (the one that held ``ax`` when given)."""
    if summary.effects.empty:
        raise ValueError("the run has no paired effects to draw")
    figure = None if ax is None else in_place_of(ax)
    return forest_figure(summary, study, cells, last_round(trajectories), figure)


def trajectory_plot(
    trajectories: pd.DataFrame,
    study: StudySpec,
    cells: SweepCells,
    metric: str = "utility",
    *,
    cell: int | None = None,
    ax: Axes | None = None,
) -> Figure:
    """A trajectory figure as a run saves it (``metric`` in :data:`TRAJECTORY_FIGURES`):
    without ``cell`` and ``ax`` the whole figure, a panel per value of the first sweep axis;
    else the panel of ``cell`` (default: the first panel's), with its legend, on ``ax`` or a
    new Figure. Returns the Figure."""
    shown = [m for m in TRAJECTORY_FIGURES if m != "reputation" or study.reputation is not None]
    if metric not in shown:
        raise ValueError(f"metric must be one of {shown}; got {metric!r}")
    if cell is None and ax is None:
        return trajectory_figure(trajectories, study, cells, metric)
    titles = dict(panel_cells(trajectories, cells, study))
    chosen = next(iter(titles)) if cell is None else int(cell)
    if chosen not in cells.cells:
        raise ValueError(f"the run has no cell {chosen}; cells: {cells.cells}")
    fig, ax = new_figure(ax, figsize=(5.2, 4.2))
    sub = trajectories[(trajectories["cell"] == chosen) & (trajectories["channels"] == "all")]
    title = titles.get(chosen) or (cells.label(chosen) if cells.axes else "")
    values = cells.values[cells.cells.index(chosen)]
    trajectory_panel(ax, sub, study, values, metric, title)
    return fig
