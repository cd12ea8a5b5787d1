"""Effect heatmaps of a sweep: one figure per comparison over two sweep axes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..analysis.summary import Summary
from ..config.cells import SweepCells
from ..config.paths import file_stem
from ..config.schema import StudySpec
from . import plots
from .text import axis_label, tick, wrap

__all__ = [
    "MAX_HEATMAP_PANELS",
    "heatmap_axes",
    "heatmap_figure",
    "heatmap_figures",
    "heatmap_stems",
]

MAX_HEATMAP_PANELS = 12
"""At most this many heatmaps (combinations of the other axes) per heatmap figure."""


def heatmap_axes(cells: SweepCells) -> tuple[str, str] | None:
    """The two axes a heatmap is drawn over: the first two numeric ones, else the first two
    (``None`` with fewer than two axes)."""
    if len(cells.axes) < 2:
        return None
    numeric = [a.path for a in cells.axes if a.kind in ("int", "float")]
    chosen = numeric[:2] if len(numeric) >= 2 else cells.paths[:2]
    return chosen[0], chosen[1]


def heatmap_stems(study: StudySpec) -> list[str]:
    """``heatmap`` for the first comparison, ``heatmap_<treatment>_vs_<control>`` for the rest
    (made safe as a file name by :func:`~bargainlab.config.paths.file_stem`)."""
    pairs = study.arms.pairs()
    return ["heatmap", *("heatmap_" + file_stem(f"{t}_vs_{c}") for t, c in pairs[1:])]


def heatmap_figures(summary: Summary, study: StudySpec, cells: SweepCells) -> dict[str, Figure]:
    """One heatmap figure per comparison over two axes (the first two numeric ones), one panel
    per combination of the other axes with at least two cells, one colour scale and one
    colour bar per figure."""
    out = {}
    for stem, pair in zip(heatmap_stems(study), study.arms.pairs(), strict=True):
        fig = heatmap_figure(summary, study, cells, pair)
        if fig is not None:
            out[stem] = fig
    return out


def headline_effects(summary: Summary, study: StudySpec, cells: SweepCells) -> pd.DataFrame:
    """The headline rows of ``effects`` with their cells' values on every axis (a struct as
    text) and, from ``nulls``, whether a null cell names each (``null_cell``) and its
    ``null_check``."""
    rows = summary.headline(study)
    nulls = summary.nulls[summary.nulls["tested"] == "total"]
    keys = ["cell", "treatment", "control", "window"]
    checks = rows[keys].merge(nulls[[*keys, "check"]], on=keys, how="left")
    flagged = rows.assign(
        null_cell=checks["check"].notna().to_numpy(), null_check=checks["check"].to_numpy()
    )
    return cells.attach(flagged)


def _panels(effects: pd.DataFrame, cells: SweepCells, others: list[str]) -> list[dict[str, Any]]:
    """The combinations of the other axes' values with at least two cells (one panel each, at
    most :data:`MAX_HEATMAP_PANELS`); one panel without other axes."""
    if not others:
        return [{}]
    values = effects[["cell", *cells.paths]].drop_duplicates("cell").sort_values("cell")
    sizes = values.groupby(others, sort=False, dropna=False).size()
    return [
        dict(zip(others, k if isinstance(k, tuple) else (k,), strict=True))
        for k, size in sizes.items()
        if size >= 2
    ][:MAX_HEATMAP_PANELS]


def _scale(chosen: pd.DataFrame, sesoi: float) -> float:
    """One colour scale for every panel: the largest effect, never below the sesoi (effects
    within it stay pale)."""
    finite = chosen["mean_diff"].abs()
    shared = float(finite[np.isfinite(finite)].max()) if finite.notna().any() else 0.0
    return max(shared, sesoi)


def heatmap_figure(
    summary: Summary, study: StudySpec, cells: SweepCells, pair: tuple[str, str]
) -> Figure | None:
    """The heatmap figure of one comparison ``(treatment, control)`` (see
    :func:`heatmap_figures`); ``None`` when there are no two axes or no panel to draw."""
    chosen_axes = heatmap_axes(cells)
    if chosen_axes is None:
        return None
    x_axis, y_axis = chosen_axes
    effects = headline_effects(summary, study, cells)
    others = [a for a in cells.paths if a not in chosen_axes]
    combos = _panels(effects, cells, others)
    if not combos:
        return None
    varying = [a for a in others if len({str(c[a]) for c in combos}) > 1]
    cols = min(len(combos), 4)
    rows = -(-len(combos) // cols)
    treatment, control = pair
    fig = Figure(figsize=(4.8 * cols + 1.2, 4.2 * rows), layout="constrained")
    grid = fig.subplots(rows, cols, squeeze=False).ravel()
    chosen = effects[(effects["treatment"] == treatment) & (effects["control"] == control)]
    shared = _scale(chosen, study.analysis.sesoi)
    image = None
    for ax, combo in zip(grid, combos, strict=False):
        sub = chosen
        for axis, value in combo.items():
            sub = sub[sub[axis].astype(str) == str(value)]
        note = wrap(", ".join(f"{axis_label(a, study)} = {tick(combo[a])}" for a in varying), 52)
        image = plots.effect_heatmap(
            sub.drop_duplicates([x_axis, y_axis]), x_axis, y_axis, ax=ax, title=note or " ",
            limit=shared or None, xlabel=axis_label(x_axis, study),
            ylabel=axis_label(y_axis, study), colorbar=False,
        )  # fmt: skip
    for ax in grid[len(combos) :]:
        ax.set_axis_off()
    if image is not None:
        fig.colorbar(image, ax=list(grid[: len(combos)]),
                     label="mean paired difference [utility]", shrink=0.8)  # fmt: skip
    fig.suptitle(
        f"{treatment} vs {control}: effect on the {study.arms.party}'s payoff "
        f"(+ helps, − hurts, ≈ negligible, ? undetermined; hatched: null cell, red if it fails)"
    )
    return fig
