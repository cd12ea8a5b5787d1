"""The key figure of a study: a forest plot of paired effects with their adjusted intervals,
the ``±sesoi`` band and the verdict of every row.

One panel per comparison, the same cells in the same order and the same effect axis in every
panel, so panels compare directly. When effects span more than a few sesoi the effect axis is
symmetric-logarithmic, linear within ``±sesoi``: effects of a few thousandths stay visible next
to effects of a few tenths. With many cells per comparison the rows are ranked by effect
(a caterpillar plot) instead of labelled one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import pandas as pd
from matplotlib.figure import Figure, FigureBase
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

__all__ = ["MAX_LABELLED", "VERDICT_COLORS", "forest"]

VERDICT_COLORS = {
    "helps": "#1a9641",
    "hurts": "#d7191c",
    "negligible": "#6f6f6f",
    "undetermined": "#fdae61",
}
"""One colour per verdict, shared by every figure."""

MAX_LABELLED = 40
"""Above this many rows per comparison, rows are ranked by effect instead of labelled."""


def _layout(
    rows: pd.DataFrame, sesoi: float, ranked: bool, panels: int
) -> tuple[float, tuple[float, float]]:
    """The effect axis's reach (the largest bounded effect or end, at least twice the sesoi)
    and the size of a figure of ``panels`` panels."""
    labels = list(dict.fromkeys(rows["label"]))
    finite = np.concatenate(
        [rows[c].to_numpy(dtype=float) for c in ("mean_diff", "ci_low", "ci_high")]
    )
    finite = finite[np.isfinite(finite) & (np.abs(finite) <= 1.0)]
    reach = max(float(np.abs(finite).max()) if finite.size else 0.0, 2.0 * sesoi)
    height = 1.2 + (0.06 * min(len(labels), 300) if ranked else 0.28 * len(labels))
    longest = 0 if ranked else max(len(str(label)) for label in labels)
    return reach, (max(3.6 * panels + 0.075 * longest + 2.4, 6.0), max(height, 3.0))


def _axes(axes: Any, rows: pd.DataFrame, sesoi: float, reach: float, ranked: bool) -> None:
    """The shared effect axis (symmetric-logarithmic when effects span many sesoi) and the
    rows' axis: labels, or ranks."""
    span = 1.08 * reach
    if reach > 5 * sesoi:
        axes[0].set_xscale("symlog", linthresh=sesoi, linscale=1.0)
        axes[0].xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}".replace("-", "−")))
    axes[0].set_xlim(-span, span)
    if ranked:
        axes[0].set_ylabel("cells, ranked by effect within each comparison", fontsize="small")
        axes[0].set_yticks([])
        axes[0].set_ylim(-1, max(rows.groupby("comparison").size()))
    else:
        labels = list(dict.fromkeys(rows["label"]))
        axes[0].set_yticks(range(len(labels)), labels, fontsize="small")
        axes[0].set_ylim(len(labels) - 0.5, -0.5)


def _legend(fig: FigureBase, sesoi: float, interval: str) -> None:
    """The verdicts' colours and the negligible band, on the right."""
    handles = [
        Line2D([], [], color=color, marker="o", linestyle="-", label=verdict)
        for verdict, color in VERDICT_COLORS.items()
    ]
    handles.append(
        Line2D([], [], color="0.85", linewidth=8, label=f"±sesoi ({sesoi:g}): negligible")
    )
    fig.legend(handles=handles, loc="outside right upper", fontsize="small",
               title=interval.replace(", ", ",\n", 1), title_fontsize="small")  # fmt: skip


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
    ``ci_high``, ``verdict``): one panel per comparison (in ``comparisons`` order), one row
    per label, the ``±sesoi`` band shaded. Unbounded interval ends are drawn to the panel's
    edge with an arrow. Drawn on ``figure`` (e.g. a SubFigure in a notebook's layout) when
    given, else on a new Figure of its own size; returns the Figure (the one that holds
    ``figure`` when given)."""
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
    ranked = max(rows.groupby("comparison").size()) > MAX_LABELLED
    reach, size = _layout(rows, sesoi, ranked, len(order))
    fig = Figure(figsize=size, layout="constrained") if figure is None else figure
    axes = fig.subplots(1, len(order), sharex=True, sharey=True, squeeze=False)[0]
    for ax, comparison in zip(axes, order, strict=True):
        own = rows[rows["comparison"] == comparison]
        if ranked:
            own = own.sort_values("mean_diff", kind="stable", na_position="first")
            y = np.arange(len(own))
        else:
            y = own["label"].map(where).to_numpy()
        _draw(ax, own, y, sesoi, reach, small=ranked)
        ax.set_title(comparison, fontsize="medium")
    _axes(axes, rows, sesoi, reach, ranked)
    _legend(fig, sesoi, interval)
    fig.supxlabel(xlabel, fontsize="small")
    if title:
        fig.suptitle(title)
    return fig if isinstance(fig, Figure) else cast(Figure, fig.figure)


def _draw(ax, own: pd.DataFrame, y: np.ndarray, sesoi: float, reach: float, small: bool) -> None:
    """One comparison's rows: the negligible band, 0, each interval and estimate in its
    verdict's colour, arrows where an interval runs past the panel."""
    ax.axvspan(-sesoi, sesoi, color="0.85", zorder=0)
    ax.axvline(0.0, color="black", linewidth=0.8, zorder=1)
    edge = 1.08 * reach
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
        cut = ~(np.abs(bound) <= edge)
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
