"""Small multiples of a sweep: which cells get a panel, the note on the axes the panels hold
fixed, and the decomposition and trace figures drawn that way."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..analysis.summary import Summary
from ..config.cells import SweepCells
from ..config.schema import StudySpec
from . import plots
from .text import axis_label, named, tick, wrap

__all__ = [
    "MAX_PANELS",
    "decomposition_figure",
    "fixed_note",
    "in_arm_order",
    "panel_cells",
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


def suptitle(fig: Figure, text: str, panels: int, **kwargs: Any) -> None:
    """A figure title wrapped to the width of ``panels`` panels of 4.2 inches (about 11
    characters of a large title per inch)."""
    fig.suptitle(wrap(text, max(60, int(11 * 4.2 * panels))), **kwargs)


def in_arm_order(traj: pd.DataFrame, arms: list[str]) -> pd.DataFrame:
    """Arms in the study's order (every arm present is drawn, in that order)."""
    rank = traj["arm"].map({a: i for i, a in enumerate(arms)}).fillna(len(arms))
    return (
        traj.assign(_rank=rank).sort_values(["_rank", "round"], kind="stable").drop(columns="_rank")
    )


def decomposition_figure(
    summary: Summary, study: StudySpec, cells: SweepCells, part: Literal["mediation", "channels"]
) -> Figure | None:
    """Per comparison and panel cell, each component's contribution (descriptive)."""
    rows = named(summary.part(part))
    if rows.empty:
        return None
    panels = panel_cells(rows, cells, study)
    pairs = [f"{t} vs {c}" for t, c in study.arms.pairs()]
    pairs = [p for p in pairs if p in set(rows["comparison"])]
    fig = Figure(figsize=(4.4 * len(panels), 3.6 * len(pairs) + 0.6), layout="constrained")
    # panels of one comparison share their scale; comparisons differ in size
    grid = fig.subplots(len(pairs), len(panels), squeeze=False, sharey="row")
    for r, comparison in enumerate(pairs):
        for ax, (cell, title) in zip(grid[r], panels, strict=True):
            own = rows[(rows["cell"] == cell) & (rows["comparison"] == comparison)]
            plots.channel_bars(
                own.drop_duplicates("component"),
                ax=ax,
                units="utility",
                title=comparison + (f"\n{title}" if title else ""),
                xlabel="channel switched off" if part == "channels" else "piece transplanted",
                legend=False,
            )
            ax.tick_params(axis="x", labelrotation=30, labelsize="small")
    what = (
        "Second view, switching channels off: contribution = effect − effect with the channel off (95% CI, descriptive)"
        if part == "channels"
        else "State transplants: contribution of each piece of round 1's state to the later-round effect (95% CI, descriptive)"
    )
    suptitle(fig, what + fixed_note(rows, cells, study), len(panels), fontsize="medium")
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
