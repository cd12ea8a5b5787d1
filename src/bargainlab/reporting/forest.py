"""The key figure of a study: a forest plot of paired effects with their adjusted intervals,
the ``±sesoi`` band and the verdict of every row.

One panel per comparison, the same cells in the same order in every panel. Each panel has its
own linear effect axis, symmetric about 0 and wide enough for its own estimates and interval
ends, so a comparison whose effects are a few thousandths is as readable as one whose effects
are a few tenths (the panels' ticks say their scale; a common symmetric-log axis hid both).
Panels sit side by side while the figure stays within :data:`MAX_WIDTH` inches (1,600 px at
the saved 150 dpi), else they wrap onto further rows; long cell labels wrap onto several
lines. With many cells per comparison the rows are ranked by effect (a caterpillar plot)
instead of labelled one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
from matplotlib.figure import Figure, FigureBase
from matplotlib.lines import Line2D

from .text import wrap

__all__ = ["LABEL_WIDTH", "MAX_LABELLED", "MAX_WIDTH", "VERDICT_COLORS", "forest", "sesoi_band"]

VERDICT_COLORS = {
    "helps": "#1a9641",
    "hurts": "#d7191c",
    "negligible": "#6f6f6f",
    "undetermined": "#fdae61",
    "no pairs": "#bbbbbb",
}
"""One colour per verdict, shared by every figure."""

MAX_LABELLED = 40
"""Above this many rows per comparison, rows are ranked by effect instead of labelled."""

MAX_WIDTH = 10.6
"""The widest figure, in inches (1,590 px at the 150 dpi figures are saved at)."""

LABEL_WIDTH = 38
"""Cell labels wrap at this many characters."""

_PANEL = 2.6
"""A panel's width, in inches."""

_NARROW = 1.9
"""The narrowest a panel gets to keep every comparison in one row."""


@dataclass(frozen=True)
class _Layout:
    """Where the panels go and how large the figure is."""

    labels: list[str]
    ranked: bool
    cols: int
    rows: int
    size: tuple[float, float]


def _layout(rows: pd.DataFrame, panels: int) -> _Layout:
    """Wrapped labels, whether rows are ranked, the panels' grid and the figure's size."""
    ranked = max(rows.groupby("comparison").size()) > MAX_LABELLED
    labels = [wrap(str(label), LABEL_WIDTH) for label in dict.fromkeys(rows["label"])]
    lines = sum(label.count("\n") + 1 for label in labels)
    chars = 0 if ranked else max(len(line) for label in labels for line in label.split("\n"))
    label_width = 0.6 if ranked else 0.3 + 0.055 * chars
    room = MAX_WIDTH - label_width - 0.4
    if panels * _NARROW <= room:  # every comparison side by side, narrower if need be
        cols, panel = panels, min(_PANEL, room / panels)
    else:
        cols, panel = max(1, min(panels, int(room // _PANEL))), _PANEL
    grid_rows = -(-panels // cols)
    per_panel = 0.06 * min(len(labels), 300) if ranked else 0.17 * lines + 0.12 * len(labels)
    height = grid_rows * (max(per_panel, 1.6) + 0.7) + 1.6
    width = min(MAX_WIDTH, label_width + cols * panel + 0.4)
    return _Layout(labels, ranked, cols, grid_rows, (width, height))


def _reach(own: pd.DataFrame, sesoi: float) -> float:
    """A panel's half-width: its largest bounded estimate or interval end, at least twice
    the sesoi."""
    values = np.concatenate(
        [own[c].to_numpy(dtype=float) for c in ("mean_diff", "ci_low", "ci_high")]
    )
    values = values[np.isfinite(values) & (np.abs(values) <= 1.0)]
    return 1.08 * max(float(np.abs(values).max()) if values.size else 0.0, 2.0 * sesoi)


def sesoi_band(ax: Any, sesoi: float) -> None:
    """The ``±sesoi`` band (negligible effects) and the line at 0 on an effect axis."""
    ax.axvspan(-sesoi, sesoi, color="0.85", zorder=0)
    ax.axvline(0.0, color="black", linewidth=0.8, zorder=1)


def _legend(fig: FigureBase, sesoi: float, interval: str, verdicts: set[str], width: float) -> None:
    """The colours of the verdicts the rows have (the four decisions always) and the
    negligible band, under the panels."""
    handles: list[Any] = [
        Line2D([], [], color=color, marker="o", linestyle="-", label=verdict)
        for verdict, color in VERDICT_COLORS.items()
        if verdict != "no pairs" or verdict in verdicts
    ]
    handles.append(
        Line2D([], [], color="0.85", linewidth=8, label=f"±sesoi ({sesoi:g}): negligible")
    )
    fig.legend(handles=handles, loc="outside lower center", fontsize="small",
               ncols=min(len(handles), 3), title=wrap(interval, int(13 * width)),
               title_fontsize="small")  # fmt: skip


def forest(
    rows: pd.DataFrame,
    sesoi: float,
    *,
    comparisons: Sequence[str] | None = None,
    xlabel: str = "paired effect (treatment − control)",
    title: str | None = None,
    interval: str = "adjusted interval",
    figure: FigureBase | None = None,
) -> Figure:
    """A forest plot of ``rows`` (columns ``comparison``, ``label``, ``mean_diff``, ``ci_low``,
    ``ci_high``, ``verdict``): one panel per comparison (in ``comparisons`` order) on its own
    linear effect axis, one row per label, the ``±sesoi`` band shaded. Unbounded interval
    ends are drawn to the panel's edge with an arrow; a row without pairs has no interval.
    Drawn on ``figure`` (e.g. a SubFigure in a notebook's layout) when given, else on a new
    Figure of its own size; returns the Figure (the one that holds ``figure`` when given)."""
    required = ["comparison", "label", "mean_diff", "ci_low", "ci_high", "verdict"]
    missing = [c for c in required if c not in rows.columns]
    if missing:
        raise ValueError(f"forest rows are missing column(s) {missing}")
    if rows.empty:
        raise ValueError("no rows to draw")
    order = (
        list(comparisons) if comparisons is not None else list(dict.fromkeys(rows["comparison"]))
    )
    where = {label: i for i, label in enumerate(dict.fromkeys(rows["label"]))}
    layout = _layout(rows, len(order))
    fig = Figure(figsize=layout.size, layout="constrained") if figure is None else figure
    grid = fig.subplots(layout.rows, layout.cols, sharey=True, squeeze=False).ravel()
    for ax, comparison in zip(grid, order, strict=False):
        own = rows[rows["comparison"] == comparison]
        if layout.ranked:
            own = own.sort_values("mean_diff", kind="stable", na_position="first")
            y = np.arange(len(own))
        else:
            y = own["label"].map(where).to_numpy()
        _draw(ax, own, y, sesoi, _reach(own, sesoi), small=layout.ranked)
        ax.set_title(comparison, fontsize="medium")
        ax.tick_params(axis="x", labelsize="small")
    for ax in grid[len(order) :]:
        ax.set_axis_off()
    _rows_axis(grid, rows, layout)
    _legend(fig, sesoi, f"{xlabel}; {interval}", set(rows["verdict"]), layout.size[0])
    for ax in grid[: len(order)]:
        ax.set_xlabel("treatment − control", fontsize="small")
    if title:
        fig.suptitle(wrap(title, int(11 * layout.size[0])))
    return fig if isinstance(fig, Figure) else cast(Figure, fig.figure)


def _rows_axis(grid: Any, rows: pd.DataFrame, layout: _Layout) -> None:
    """The rows' axis, shared by every panel: wrapped labels, or ranks."""
    if layout.ranked:
        grid[0].set_yticks([])
        grid[0].set_ylim(-1, max(rows.groupby("comparison").size()))
        for ax in grid[:: layout.cols]:
            ax.set_ylabel("cells, ranked by effect", fontsize="small")
        return
    grid[0].set_yticks(range(len(layout.labels)), layout.labels)
    grid[0].set_ylim(len(layout.labels) - 0.5, -0.5)
    for ax in grid:
        ax.tick_params(axis="y", labelsize="small")
    for ax in grid[:: layout.cols]:
        ax.tick_params(axis="y", labelleft=True)


def _draw(ax, own: pd.DataFrame, y: np.ndarray, sesoi: float, edge: float, small: bool) -> None:
    """One comparison's rows on a linear axis of half-width ``edge``: the negligible band,
    0, each interval and estimate in its verdict's colour, arrows where an interval runs past
    the panel."""
    sesoi_band(ax, sesoi)
    ax.set_xlim(-edge, edge)
    colors = own["verdict"].map(VERDICT_COLORS).fillna("black").to_list()
    low = own["ci_low"].to_numpy(dtype=float)
    high = own["ci_high"].to_numpy(dtype=float)
    mean = own["mean_diff"].to_numpy(dtype=float)
    ax.hlines(
        y,
        np.clip(low, -edge, edge),
        np.clip(high, -edge, edge),
        colors=colors,
        linewidth=1.0 if small else 1.8,
        zorder=2,
    )
    ax.scatter(mean, y, c=colors, s=8 if small else 28, zorder=3)
    for side, bound in ((-1, low), (1, high)):
        cut = np.isinf(bound) | (np.abs(bound) > edge)
        if cut.any():
            ax.scatter(
                np.full(cut.sum(), side * edge),
                y[cut],
                marker="<" if side < 0 else ">",
                c=np.asarray(colors, dtype=object)[cut],
                s=20,
                zorder=3,
            )
    ax.grid(axis="x", color="0.9", linewidth=0.6)
