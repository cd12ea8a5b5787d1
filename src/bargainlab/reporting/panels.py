"""Small multiples of a sweep: which cells get a panel, the note on the axes the panels hold
fixed, and the decomposition and trace figures drawn that way."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..analysis.components import component_meanings
from ..analysis.summary import Summary
from ..config.cells import SweepCells
from ..config.schema import StudySpec
from . import plots
from .text import axis_label, named, tick, wrap

__all__ = [
    "MAX_COLUMNS",
    "MAX_PANELS",
    "components_legend",
    "decomposition_figure",
    "fixed_note",
    "grid_columns",
    "grid_size",
    "in_arm_order",
    "panel_cells",
    "panel_grid",
    "suptitle",
    "trace_figure",
]

MAX_PANELS = 8
"""At most this many small multiples per trajectory figure (further sweep values are left out)."""


def cell_rows(table: pd.DataFrame, cells: SweepCells) -> pd.DataFrame:
    """The cells ``table`` has rows of, in order, with their values on every axis
    (:meth:`~bargainlab.config.cells.SweepCells.flat`)."""
    present = set(table["cell"].unique())
    values = cells.flat()
    return values[values["cell"].isin(present)].reset_index(drop=True)


def panel_cells(table: pd.DataFrame, cells: SweepCells, study: StudySpec) -> list[tuple[int, str]]:
    """Cells for small multiples: one per value of the first axis, the other axes at the
    values of cell 0; at most :data:`MAX_PANELS`."""
    values = cell_rows(table, cells)
    axes = cells.paths
    if not axes:
        return [(int(values["cell"].iloc[0]), "")]
    first = values.iloc[0]
    mask = np.ones(len(values), dtype=bool)
    for axis in axes[1:]:
        mask &= values[axis].astype(str).to_numpy() == str(first[axis])
    label = axis_label(axes[0], study)
    return [
        (int(row["cell"]), wrap(f"{label} = {tick(row[axes[0]])}", 46))
        for row in values[mask].head(MAX_PANELS).to_dict("records")
    ]


def fixed_note(table: pd.DataFrame, cells: SweepCells, study: StudySpec) -> str:
    """`` (dealer's outside option = 0.2, ...)``: the values the panels' other axes are at."""
    shown = cells.paths[1:]
    if study.sweep_grids:
        shown = [a for a in shown if a in study.sweep_grids[0]]
    if not shown:
        return ""
    first = cell_rows(table, cells).iloc[0]
    return " (" + ", ".join(f"{axis_label(a, study)} = {tick(first[a])}" for a in shown) + ")"


def suptitle(fig: Figure, text: str, panels: int | None = None, **kwargs: Any) -> None:
    """A figure title wrapped to the figure's width (about 9 characters of a large title
    per inch; ``panels`` is no longer needed and is ignored)."""
    fig.suptitle(wrap(text, max(40, int(9 * fig.get_size_inches()[0]))), **kwargs)


def in_arm_order(traj: pd.DataFrame, arms: list[str]) -> pd.DataFrame:
    """Arms in the study's order (every arm present is drawn, in that order)."""
    rank = traj["arm"].map({a: i for i, a in enumerate(arms)}).fillna(len(arms))
    return (
        traj.assign(_rank=rank).sort_values(["_rank", "round"], kind="stable").drop(columns="_rank")
    )


MAX_COLUMNS = 3
"""Panels side by side in a small-multiples figure (more wrap onto further rows), so that a
figure stays within 1,600 px at its saved size."""


def grid_columns(panels: int) -> int:
    """Columns of a grid of ``panels``: at most :data:`MAX_COLUMNS`, its rows as even as they
    can be (4 panels as 2 x 2, not 3 + 1)."""
    return -(-panels // -(-panels // MAX_COLUMNS))


def panel_grid(fig: Figure, panels: int, *, height: float, rows_of: int = 1) -> np.ndarray:
    """``rows_of`` blocks of ``panels`` Axes each, every block wrapped onto rows of at most
    :data:`MAX_COLUMNS`; returns an array of shape ``(rows_of, panels)`` (the unused Axes of
    the grid switched off). The panels of a block share their y axis."""
    cols = grid_columns(panels)
    per_block = -(-panels // cols)
    grid = fig.subplots(rows_of * per_block, cols, squeeze=False)
    blocks = np.empty((rows_of, panels), dtype=object)
    for b in range(rows_of):
        flat = grid[b * per_block : (b + 1) * per_block].ravel()
        for k, ax in enumerate(flat):
            if k >= panels:
                ax.set_axis_off()
                continue
            blocks[b, k] = ax
            if k:
                ax.sharey(flat[0])
    return blocks


def grid_size(panels: int, *, width: float, height: float, rows_of: int = 1) -> tuple[float, float]:
    """The size of a :func:`panel_grid` figure of panels ``width`` x ``height`` inches."""
    cols = grid_columns(panels)
    return width * cols + 0.4, height * rows_of * -(-panels // cols) + 1.0


def components_legend(
    fig: Figure, part: Literal["mediation", "channels"], rows: pd.DataFrame
) -> None:
    """Under the panels, what each component drawn is (its declared meaning)."""
    components = list(dict.fromkeys(rows["component"]))
    meanings = component_meanings(part, components)
    width = fig.get_size_inches()[0]
    ncols = 2 if len(components) > 3 and width >= 9 else 1
    chars = max(30, int(12 * width / ncols) - 8)
    handles = [
        Patch(color=plots.component_color(c), label=wrap(f"{c}: {meanings.get(c, c)}", chars))
        for c in components
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=ncols,
               fontsize="small", title="components (95% CI: black bars)",
               title_fontsize="small")  # fmt: skip


def decomposition_figure(
    summary: Summary, study: StudySpec, cells: SweepCells, part: Literal["mediation", "channels"]
) -> Figure | None:
    """Per comparison and panel cell, each component's contribution (descriptive); the
    legend says what each component is (:mod:`bargainlab.analysis.components`)."""
    rows = named(summary.part(part))
    if rows.empty:
        return None
    panels = panel_cells(rows, cells, study)
    pairs = [f"{t} vs {c}" for t, c in study.arms.pairs()]
    pairs = [p for p in pairs if p in set(rows["comparison"])]
    width, height = grid_size(len(panels), width=3.4, height=3.2, rows_of=len(pairs))
    fig = Figure(figsize=(width, height + 1.4), layout="constrained")
    # panels of one comparison share their scale; comparisons differ in size
    grid = panel_grid(fig, len(panels), height=3.2, rows_of=len(pairs))
    for r, comparison in enumerate(pairs):
        for k, (cell, title) in enumerate(panels):
            ax = grid[r, k]
            own = rows[(rows["cell"] == cell) & (rows["comparison"] == comparison)]
            plots.channel_bars(
                own.drop_duplicates("component"),
                ax=ax,
                units="utility",
                title=comparison + (f"\n{title}" if title else ""),
                xlabel="channel switched off" if part == "channels" else "piece transplanted",
                legend=False,
            )
            ax.title.set_fontsize("small")
            ax.tick_params(axis="x", labelrotation=30, labelsize="x-small")
            ax.xaxis.label.set_fontsize("small")
            if k % grid_columns(len(panels)):
                ax.set_ylabel("")
            else:
                ax.set_ylabel(wrap(ax.get_ylabel(), 30), fontsize="small")
    components_legend(fig, part, rows)
    what = (
        "Second view, switching channels off: contribution = effect − effect with the channel off (95% CI, descriptive)"
        if part == "channels"
        else "State transplants: contribution of each piece of round 1's state to the later-round effect (95% CI, descriptive)"
    )
    suptitle(fig, what + fixed_note(rows, cells, study), fontsize="medium")
    return fig


def trace_figure(
    traces: pd.DataFrame, table: pd.DataFrame, study: StudySpec, cells: SweepCells
) -> Figure | None:
    """Offers within round 1 of the first replicates of the first panel cell, per arm."""
    cell = panel_cells(table, cells, study)[0][0]
    rows = traces[traces["cell"] == cell] if "cell" in traces.columns else traces
    if "channels" in rows.columns:
        rows = rows[rows["channels"] == "all"]
    if "round" in rows.columns:
        rows = rows[rows["round"] == 1]
    arms = (
        [a for a in study.arms.strategies if a in set(rows["arm"])]
        if "arm" in rows.columns
        else [None]
    )
    if rows.empty or not arms:
        return None
    fig = Figure(figsize=(5.0 * len(arms), 4.0), layout="constrained")
    grid = fig.subplots(1, len(arms), squeeze=False)[0]
    for ax, arm in zip(grid, arms, strict=True):
        sub = rows if arm is None else rows[rows["arm"] == arm]
        plots.negotiation_trace(
            sub,
            ax=ax,
            replicates=sorted(sub["replicate"].unique())[:4],
            party_labels=study.party_names,
            units=study.issue.unit or None,
            title=f"arm {arm}, round 1" if arm else "round 1",
        )
    fig.suptitle(
        f"Offers within round 1 ({study.issue.name}; first replicates)"
        + fixed_note(table, cells, study)
    )
    return fig
