"""The effect heatmap of one comparison over two sweep axes (:func:`effect_heatmap`), for the
heatmap figures of :mod:`bargainlab.reporting.heatmaps`."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle

from .drawing import new_figure, require, tick_text, with_units

__all__ = ["effect_heatmap", "heatmap_tick"]


_MARKS = {"helps": "+", "hurts": "−", "negligible": "≈", "undetermined": "?", "no pairs": "∅"}
"""The verdict mark printed under an effect in a heatmap cell."""


def _check_pairs(effects: pd.DataFrame, x_axis: str, y_axis: str) -> None:
    """``ValueError`` unless the rows have the columns a heatmap needs and each (x, y) pair
    occurs once."""
    require(effects, [x_axis, y_axis, "mean_diff", "ci_low", "ci_high"], "effects table")
    duplicated = effects.duplicated([x_axis, y_axis])
    if duplicated.any():
        pair = effects.loc[duplicated, [x_axis, y_axis]].iloc[0].tolist()
        raise ValueError(
            f"({x_axis}, {y_axis}) = {pair} occurs more than once: filter the other sweep axes "
            "and the channels variant before plotting"
        )


def _limit(values: np.ma.MaskedArray, limit: float | None) -> float:
    """The colour scale's half-width: ``limit``, else the largest effect shown (1 when there
    is none)."""
    if limit is None:
        limit = float(np.abs(values).max()) if values.count() else 0.0
    return limit if limit > 0 else 1.0


def _excludes_zero(record: dict[str, Any]) -> bool:
    """Whether a row's interval excludes 0."""
    return bool(record["ci_low"] > 0 or record["ci_high"] < 0)


def _annotate(ax: Axes, record: dict[str, Any], at: tuple[int, int], limit: float) -> None:
    """A cell's effect and the mark of its verdict (white on a strong colour)."""
    mark = _MARKS.get(str(record.get("verdict")), "*" if _excludes_zero(record) else "")
    strong = abs(record["mean_diff"]) > 0.6 * limit
    ax.text(
        *at, f"{record['mean_diff']:.3g}" + (f"\n{mark}" if mark else ""), ha="center",
        va="center", fontsize="small", color="white" if strong else "black",
    )  # fmt: skip


def _hatch(ax: Axes, record: dict[str, Any], at: tuple[int, int]) -> None:
    """A null cell hatched; in red when its check failed (an effect in a pre-registered null
    cell is a bug)."""
    failed = record.get("null_check", "fail" if _excludes_zero(record) else "") == "fail"
    ax.add_patch(
        Rectangle(
            (at[0] - 0.5, at[1] - 0.5), 1, 1, fill=False, hatch="//",
            edgecolor="red" if failed else "0.3", linewidth=2 if failed else 0, gid="null_cell",
        )
    )  # fmt: skip


def heatmap_tick(value: object) -> str:
    """A heatmap's tick label: :func:`tick_text`, wrapped at 18 characters a line so that a
    long value (a strategy with its parameters) leaves the cells their width."""
    return textwrap.fill(tick_text(value), 18)


def effect_heatmap(
    effects: pd.DataFrame,
    x_axis: str,
    y_axis: str,
    *,
    ax: Axes | None = None,
    null_mask_column: str = "null_cell",
    units: str | None = None,
    title: str | None = None,
    limit: float | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    colorbar: bool = True,
) -> AxesImage:
    """``mean_diff`` over two sweep axes, on a diverging colour scale centred at 0; returns
    the image (its figure is ``image.figure``).

    ``limit`` fixes the colour scale to ``[-limit, limit]`` (pass one value to every panel of
    a small-multiples figure and draw one colour bar for all of them, ``colorbar=False``); by
    default it is the largest absolute effect shown.

    Each (x, y) pair must occur once: filter the other axes and the channels variant first
    (averaging intervals across cells would not give an interval). Each cell shows the
    effect and, when ``effects`` has a ``verdict`` column, its mark (``+`` helps, ``−``
    hurts, ``≈`` negligible, ``?`` undetermined), else ``*`` when the interval excludes 0.
    Rows with ``null_mask_column`` True are hatched, with a red border when the null check
    failed (``null_check == "fail"``, else an interval that excludes 0). Missing combinations
    are left blank. ``xlabel``/``ylabel`` default to the axis paths. Axis values keep their
    order in ``effects`` (the sweep's, as in the forest and trajectories)."""
    _check_pairs(effects, x_axis, y_axis)
    xs, ys = pd.unique(effects[x_axis]), pd.unique(effects[y_axis])  # as the sweep lists them
    grid = effects.pivot(index=y_axis, columns=x_axis, values="mean_diff").reindex(
        index=ys, columns=xs
    )
    values = np.ma.masked_invalid(grid.to_numpy(dtype=float))
    limit = _limit(values, limit)
    fig, ax = new_figure(ax)
    image = ax.imshow(
        values, cmap="RdBu", norm=Normalize(-limit, limit), origin="lower", aspect="auto"
    )
    x_index = {v: i for i, v in enumerate(xs)}
    y_index = {v: i for i, v in enumerate(ys)}
    has_null = null_mask_column in effects.columns
    for record in effects.to_dict("records"):
        at = (x_index[record[x_axis]], y_index[record[y_axis]])
        _annotate(ax, record, at, limit)
        if has_null and bool(record[null_mask_column]):
            _hatch(ax, record, at)
    ax.set_xticks(range(len(xs)), [heatmap_tick(v) for v in xs])
    ax.set_yticks(range(len(ys)), [heatmap_tick(v) for v in ys])
    ax.set_xlabel(xlabel or x_axis)
    ax.set_ylabel(ylabel or y_axis)
    ax.set_title(
        title
        or "Paired effect (treatment − control)"
        + ("; hatched: null cell (red: failed)" if has_null else "")
    )
    if colorbar:
        fig.colorbar(image, ax=ax, label=with_units("mean paired difference", units))
    return image
