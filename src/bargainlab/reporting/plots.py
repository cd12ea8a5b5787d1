"""Figures from the analysis tables.

Every plotting function takes an optional ``ax``; without one it creates a new
:class:`matplotlib.figure.Figure` (not registered with pyplot, so nothing global changes and
nothing leaks), draws, and returns the Figure (:func:`effect_heatmap` returns its image).
Nothing here calls ``plt.show`` or touches ``rcParams`` at import. Inputs:

* :func:`trajectories`, :func:`belief_evolution` --
  :func:`~bargainlab.analysis.derive.trajectory_stats` of the trajectories table;
* :func:`effect_heatmap` -- effect rows of the summary (one cell per pair of axis values);
* :func:`effect_intervals` -- effect rows of the summary (one interval per row);
* :func:`channel_bars` -- one cell's channel or mediation rows of the summary;
* :func:`negotiation_trace` -- :meth:`bargainlab.engine.negotiation.NegotiationResult.trace_frame`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..relationships.table import COLUMNS
from .drawing import new_figure, require, tick_text, with_units
from .heatmap_plot import effect_heatmap
from .output import save_figure, save_figures

__all__ = [
    "belief_evolution",
    "channel_bars",
    "effect_heatmap",
    "effect_intervals",
    "negotiation_trace",
    "save_figure",
    "save_figures",
    "trajectories",
]

_TRAJECTORY_STATS = frozenset({"round", "metric", "n", "mean", "sd", "ci_low", "ci_high"})
_MAX_TRACES = 10


def _trajectory_groups(traj_df: pd.DataFrame, metric: str) -> list[tuple[str, pd.DataFrame]]:
    """Rows of ``metric`` split by the grouping columns (everything that is not a statistic),
    in order of first appearance."""
    require(traj_df, ["round", "mean", "ci_low", "ci_high"], "trajectory table")
    rows = traj_df[traj_df["metric"] == metric] if "metric" in traj_df.columns else traj_df
    if rows.empty:
        raise ValueError(f"trajectory table has no rows for metric {metric!r}")
    by = [c for c in rows.columns if c not in _TRAJECTORY_STATS]
    if not by:
        return [(metric, rows.sort_values("round"))]
    return [
        (
            ", ".join(str(k) for k in (key if isinstance(key, tuple) else (key,))),
            grp.sort_values("round"),
        )
        for key, grp in rows.groupby(by, sort=False)
    ]


def trajectories(
    traj_df: pd.DataFrame,
    metric: str,
    *,
    ax: Axes | None = None,
    ylabel: str | None = None,
    units: str | None = None,
    title: str | None = None,
    colors: dict[str, str] | None = None,
) -> Figure:
    """Mean of ``metric`` by round, one line and one confidence band per arm (or per
    combination of the grouping columns of ``traj_df``); ``colors`` maps a group's label to
    its colour (so an arm keeps its colour across figures)."""
    fig, ax = new_figure(ax)
    for i, (label, grp) in enumerate(_trajectory_groups(traj_df, metric)):
        color = (colors or {}).get(label, f"C{i}")
        ax.plot(grp["round"], grp["mean"], marker="o", color=color, label=label)
        ax.fill_between(grp["round"], grp["ci_low"], grp["ci_high"], color=color, alpha=0.2)
    ax.set_xlabel("round")
    ax.set_ylabel(
        with_units(ylabel or (COLUMNS[metric].axis_label if metric in COLUMNS else metric), units)
    )
    ax.set_title(title or f"{metric} by round (mean, confidence band)")
    # a MaxNLocator by default, which takes `integer`; the stubs give Locator.set_params none
    ax.xaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]
    ax.legend(title="arm")
    return fig


def belief_evolution(
    traj_df: pd.DataFrame,
    *,
    ax: Axes | None = None,
    units: str | None = None,
    title: str | None = None,
    colors: dict[str, str] | None = None,
) -> Figure:
    """The opponent's posterior about the focal party's reservation value, by round.

    ``traj_df`` is ``arm_trajectories(rounds, <opponent>, ["belief_mean", "belief_sd"])``: the
    line is the mean posterior mean, the band ± the mean posterior sd (the typical
    uncertainty of one opponent's belief, not a confidence interval).
    """
    require(traj_df, ["metric"], "trajectory table")
    fig, ax = new_figure(ax)
    means = _trajectory_groups(traj_df, "belief_mean")
    sds = dict(_trajectory_groups(traj_df, "belief_sd"))
    for i, (label, grp) in enumerate(means):
        if label not in sds:
            raise ValueError(f"no belief_sd rows for {label!r}")
        sd = grp[["round"]].merge(sds[label][["round", "mean"]], on="round", how="left")["mean"]
        if sd.isna().any():
            raise ValueError(f"belief_sd rows for {label!r} do not cover every round")
        mean, sd = grp["mean"].to_numpy(), sd.to_numpy()
        color = (colors or {}).get(label, f"C{i}")
        ax.plot(grp["round"], mean, marker="o", color=color, label=label)
        ax.fill_between(grp["round"], mean - sd, mean + sd, color=color, alpha=0.2)
    ax.set_xlabel("round")
    ax.set_ylabel(with_units("opponent's belief about the reservation value", units))
    ax.set_title(title or "Opponent's belief: posterior mean ± posterior sd")
    # a MaxNLocator by default, which takes `integer`; the stubs give Locator.set_params none
    ax.xaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]
    ax.legend(title="arm")
    return fig


_TRACE_MARKS: dict[str, dict[str, Any]] = {
    "conditional offer": {"marker": "o", "s": 90, "facecolors": "none", "edgecolors": "black"},
    "accepted": {"marker": "*", "s": 160, "color": "gold", "edgecolors": "black", "zorder": 3},
    "exit": {"marker": "X", "s": 90, "color": "black"},
}
"""How a trace marks conditional offers, accepted offers and exits (scatter keywords)."""


def _trace_marks(ax: Axes, rows: pd.DataFrame) -> None:
    """Ring conditional offers, star accepted ones, cross exits."""
    masks = {
        "conditional offer": rows["conditional"].astype(bool),
        "accepted": rows["response"] == "accept",
        "exit": rows["response"] == "exit",
    }
    for label, mask in masks.items():
        if mask.any():
            ax.scatter(rows.loc[mask, "step"], rows.loc[mask, "offer"], label=label,
                       **_TRACE_MARKS[label])  # fmt: skip


def negotiation_trace(
    trace_df: pd.DataFrame,
    *,
    ax: Axes | None = None,
    replicates: Sequence[int] | None = None,
    party_labels: Sequence[str] = ("party 0", "party 1"),
    units: str | None = None,
    title: str | None = None,
) -> Figure:
    """Offers by step within one round, for at most ten negotiations.

    One line per negotiation and proposer (solid for party 0, dashed for party 1, same
    colour per negotiation); conditional offers ringed, accepted offers starred, exits
    crossed. ``trace_df`` has columns replicate, step, proposer (0/1), offer, conditional,
    response ("reject"/"accept"/"exit").
    """
    require(
        trace_df, ["replicate", "step", "proposer", "offer", "conditional", "response"], "trace"
    )
    chosen = sorted(trace_df["replicate"].unique()) if replicates is None else list(replicates)
    if len(chosen) > _MAX_TRACES:
        raise ValueError(
            f"trace has {len(chosen)} negotiations; pass replicates= with at most {_MAX_TRACES}"
        )
    rows = trace_df[trace_df["replicate"].isin(chosen)].sort_values(["replicate", "step"])
    if rows.empty:
        raise ValueError(f"no trace rows for replicates {chosen}")
    fig, ax = new_figure(ax)
    for i, replicate in enumerate(chosen):
        steps = rows[rows["replicate"] == replicate]
        for proposer, style in ((0, "-"), (1, "--")):
            own = steps[steps["proposer"] == proposer]
            if not own.empty:
                ax.plot(own["step"], own["offer"], style, marker="o", markersize=3, color=f"C{i}",
                        label=f"replicate {replicate}, {party_labels[proposer]}")  # fmt: skip
    _trace_marks(ax, rows)
    ax.set_xlabel("step")
    ax.set_ylabel(with_units("offer", units))
    ax.set_title(title or "Offers within a round")
    # a MaxNLocator by default, which takes `integer`; the stubs give Locator.set_params none
    ax.xaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]
    ax.legend(fontsize="small")
    return fig


def effect_intervals(
    effects: pd.DataFrame,
    *,
    ax: Axes | None = None,
    labels: Sequence[str] = (),
    units: str | None = None,
    title: str | None = None,
) -> Figure:
    """One paired effect per row: ``mean_diff`` with its interval ``[ci_low, ci_high]``,
    labelled by ``comparison`` and the ``labels`` columns (e.g. a cell's ``label``, or sweep
    axes, shown as ``name=value``); a dashed
    line at 0. Rows whose ``verdict`` is ``helps``/``hurts`` are drawn in colour."""
    require(effects, ["mean_diff", "ci_low", "ci_high"], "effects table")
    if effects.empty:
        raise ValueError("the effects table has no rows")
    fig, ax = new_figure(ax, figsize=(6.4, 1.2 + 0.35 * len(effects)))
    y = np.arange(len(effects))[::-1]
    verdict = effects["verdict"] if "verdict" in effects.columns else pd.Series("", effects.index)
    colors = verdict.map({"helps": "C2", "hurts": "C3"}).fillna("0.4").tolist()
    mean = effects["mean_diff"].to_numpy(dtype=float)
    errors = np.abs(effects[["ci_low", "ci_high"]].to_numpy(dtype=float).T - mean)
    for yi, m, lo, hi, color in zip(y, mean, errors[0], errors[1], colors, strict=True):
        ax.errorbar(m, yi, xerr=[[lo], [hi]], fmt="o", color=color, capsize=3)
    shown = [c for c in ("comparison", *labels) if c in effects.columns]
    ticks = [
        ", ".join(
            tick_text(row[c])
            if c in ("comparison", "label")
            else f"{c.rsplit('.', 1)[-1]}={tick_text(row[c])}"
            for c in shown
        )
        or str(i)
        for i, row in enumerate(effects.to_dict("records"))
    ]
    ax.set_yticks(y, ticks, fontsize="small")
    ax.set_ylim(-0.6, len(effects) - 0.4)
    ax.axvline(0, color="black", linestyle="--", linewidth=0.8)
    ax.set_xlabel(with_units("paired effect (treatment − control)", units))
    ax.set_title(title or "Paired effects (green: helps, red: hurts)")
    return fig


def channel_bars(
    decomposition: pd.DataFrame,
    *,
    ax: Axes | None = None,
    units: str | None = None,
    title: str | None = None,
    xlabel: str = "channel",
    legend: bool = True,
) -> Figure:
    """One bar per component of one cell's decomposition (channel switch-offs or state
    transplants, rows of the summary), with its interval; the total is drawn in grey, the
    rest in colour (the same colour for the same component in every panel)."""
    require(decomposition, ["component", "mean_diff", "ci_low", "ci_high"], "decomposition")
    if decomposition["component"].duplicated().any():
        raise ValueError("decomposition has several rows per component: filter it to one cell")
    fig, ax = new_figure(ax)
    x = np.arange(len(decomposition))
    colors = ["0.5" if c == "total" else _component_color(c) for c in decomposition["component"]]
    ax.bar(x, decomposition["mean_diff"], color=colors)
    ax.vlines(
        x,
        decomposition["ci_low"],
        decomposition["ci_high"],
        color="black",
        linewidth=1.5,
        label="confidence interval",
    )
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(x, decomposition["component"].tolist())
    ax.set_xlabel(xlabel)
    ax.set_ylabel(with_units("contribution to the paired effect", units))
    ax.set_title(title or "Effect by channel")
    if legend:
        ax.legend()
    return fig


_COMPONENT_ORDER = (
    "information",
    "surplus",
    "precedent",
    "subjective_value",
    "posterior",
    "reference_point",
    "survival",
    "all_off",
    "interaction",
)


_PALETTE = ("C0", "C1", "C2", "C3", "C4", "C5", "C6", "C8", "C9")
"""Tab colours without the grey one (grey is the total)."""


def _component_color(component: str) -> str:
    """A component's colour, the same in every panel."""
    index = _COMPONENT_ORDER.index(component) if component in _COMPONENT_ORDER else 0
    return _PALETTE[index]
