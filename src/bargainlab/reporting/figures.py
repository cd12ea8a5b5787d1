"""The figures of a study run, drawn from its rounds table (see :func:`figures`).

The summary table they share helpers with is computed by
:mod:`bargainlab.analysis.summary`; :func:`figure_plan` says which figures a study gets.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..analysis.effects import arm_trajectories, channel_decomposition
from ..analysis.summary import (
    MAX_HEATMAP_PANELS,
    MAX_PANELS,
    N_RESAMPLES,
    as_bool,
    canonical,
    cell_values,
    effects_table,
    focal_and_opponent,
    payoff_groups,
    study_tournament,
    tournament_results,
)
from ..analysis.tournament import TournamentSpec
from ..config.paths import file_stem
from ..config.schema import StudySpec
from . import plots
from .tournament_figures import tournament_figures

__all__ = ["figure_plan", "figures"]


def _short(axis: str) -> str:
    return axis.rsplit(".", 1)[-1]


def _panel_cells(rounds: pd.DataFrame, axes: Sequence[str]) -> list[tuple[int, str]]:
    """Cells for small multiples: one per value of the first axis, the other axes at the
    values of cell 0; at most :data:`MAX_PANELS`."""
    values = cell_values(rounds, axes)
    if not axes:
        return [(int(values["cell"].iloc[0]), "")]
    first = values.iloc[0]
    others = list(axes[1:])
    mask = np.ones(len(values), dtype=bool)
    for axis in others:
        mask &= values[axis].to_numpy() == first[axis]
    chosen = values[mask].head(MAX_PANELS)
    return [
        (int(row["cell"]), f"{_short(axes[0])} = {plots._tick(row[axes[0]])}")
        for row in chosen.to_dict("records")
    ]


def _fixed_note(rounds: pd.DataFrame, axes: Sequence[str], study: StudySpec | None = None) -> str:
    """The other axes' values in cell 0 (only the first grid's axes when the sweep is a union
    of grids: the other grids' axes sit at the study's own values there)."""
    shown = list(axes[1:])
    grids = getattr(study, "sweep_grids", None) if study is not None else None
    if grids:
        shown = [a for a in shown if a in grids[0]]
    if not shown:
        return ""
    first = cell_values(rounds, axes).iloc[0]
    return " (" + ", ".join(f"{_short(a)} = {plots._tick(first[a])}" for a in shown) + ")"


def _grid(
    count: int, rows: int = 1, width: float = 4.2, height: float = 3.4
) -> tuple[Figure, np.ndarray]:
    cols = max(count, 1)
    fig = Figure(figsize=(width * cols, height * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    return fig, axes


def _empty(ax: Any, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()


def _numeric(rounds: pd.DataFrame, axis: str) -> bool:
    dtype = rounds[axis].dtype
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def _heatmap_axes(rounds: pd.DataFrame, axes: Sequence[str]) -> tuple[str, str] | None:
    if len(axes) < 2:
        return None
    numeric = [a for a in axes if _numeric(rounds, a)]
    chosen = numeric[:2] if len(numeric) >= 2 else list(axes[:2])
    return chosen[0], chosen[1]


def figure_plan(
    rounds: pd.DataFrame,
    study: StudySpec,
    axes: Sequence[str],
    *,
    traces: bool = False,
    tournament: TournamentSpec | None = None,
) -> list[str]:
    """The figure stems :func:`figures` writes, key figure first."""
    stems = ["trajectories", "terms", "beliefs"]
    if study.channels.decompose and study.arms.pairs():
        stems.append("channels")
    if _heatmap_axes(rounds, axes) is not None and study.arms.pairs():
        stems = [*_heatmap_stems(study), *stems]
    if traces:
        stems.append("trace")
    if (tournament if tournament is not None else study_tournament(study)) is not None:
        # a tournament's key figure is its population dynamics
        stems = ["tournament", "tournament_payoffs", *stems]
    return stems


def _trajectory_figure(
    rounds: pd.DataFrame, study: StudySpec, axes: Sequence[str], metric: str
) -> Figure:
    focal, opponent = focal_and_opponent(study)
    panels = _panel_cells(rounds, axes)
    fig, grid = _grid(len(panels), height=3.8)
    unit = study.issue.unit or None
    for ax, (cell, title) in zip(grid[0], panels, strict=True):
        sub = rounds[(rounds["cell"] == cell) & (rounds["channels"] == "all")]
        if metric == "utility":
            traj = arm_trajectories(sub, focal, "utility")
            plots.trajectories(
                traj,
                "utility",
                ax=ax,
                title=title or None,
                ylabel=f"{focal}'s utility (normalised, 0-1)",
            )
        elif metric == "terms":
            agreed = sub[sub["agreed"].astype(bool)]
            if agreed[agreed["party"] == focal].empty:
                _empty(ax, "no agreement")
                continue
            traj = arm_trajectories(agreed, focal, "terms")
            plots.trajectories(
                traj,
                "terms",
                ax=ax,
                title=title or None,
                units=unit,
                ylabel=f"agreed {study.issue.name}",
            )
        else:
            traj = arm_trajectories(sub, opponent, ["belief_mean", "belief_sd"])
            plots.belief_evolution(traj, ax=ax, title=title or None, units="utility, 0-1")
            truth = arm_trajectories(sub, focal, "reservation_value", by=())
            ax.plot(
                truth["round"],
                truth["mean"],
                linestyle=":",
                color="black",
                label=f"{focal}'s true value (mean)",
            )
            ax.set_ylabel(f"belief about {focal}'s reservation value [utility]", fontsize="small")
        if ax.get_legend() is not None:
            ax.legend(fontsize="x-small", title="arm", title_fontsize="x-small")
    headline = {
        "utility": f"{focal}'s utility per round by arm (mean, 95% CI)",
        "terms": f"Agreed {study.issue.name} per round by arm (mean over agreements, 95% CI)",
        "beliefs": f"{opponent}'s belief about {focal}'s reservation value (mean ± posterior sd)",
    }[metric]
    fig.suptitle(headline + _fixed_note(rounds, axes, study))
    return fig


def _channel_figure(
    rounds: pd.DataFrame, study: StudySpec, axes: Sequence[str], n_resamples: int
) -> Figure | None:
    focal, _ = focal_and_opponent(study)
    panels = _panel_cells(rounds, axes)
    pairs = study.arms.pairs()
    sub = rounds[rounds["cell"].isin([cell for cell, _ in panels])]
    if set(sub["channels"].unique()) == {"all"}:
        return None
    fig, grid = _grid(len(panels), rows=len(pairs), height=3.8)
    for r, (treatment, control) in enumerate(pairs):
        dec = pd.concat(
            [
                channel_decomposition(
                    rows,
                    focal,
                    treatment,
                    control,
                    axes=axes,
                    first_round=first_round,
                    n_resamples=n_resamples,
                    seed=study.seed,
                )
                for first_round, _, rows in payoff_groups(sub)
            ],
            ignore_index=True,
        )
        for ax, (cell, title) in zip(grid[r], panels, strict=True):
            plots.channel_bars(
                dec[dec["cell"] == cell],
                ax=ax,
                units="utility",
                title=f"{treatment} vs {control}" + (f"\n{title}" if title else ""),
            )
            ax.tick_params(axis="x", labelrotation=30, labelsize="small")
            ax.legend(fontsize="x-small")
    fig.suptitle(
        f"Channel decomposition of the effect on {focal}'s later-round payoff (95% CI)"
        + _fixed_note(rounds, axes, study)
    )
    return fig


def _heatmap_stems(study: StudySpec) -> list[str]:
    """``heatmap`` for the first comparison, ``heatmap_<treatment>_vs_<control>`` for the rest
    (made safe as a file name by :func:`~bargainlab.config.paths.file_stem`)."""
    pairs = study.arms.pairs()
    return ["heatmap", *("heatmap_" + file_stem(f"{t}_vs_{c}") for t, c in pairs[1:])]


def _heatmap_figures(
    rounds: pd.DataFrame,
    study: StudySpec,
    axes: Sequence[str],
    n_resamples: int,
    summary: pd.DataFrame | None = None,
) -> dict[str, Figure]:
    """One effect heatmap file per comparison over the first two numeric axes; one panel per
    combination of the other axes that has at least two cells (at most MAX_PANELS, wrapped
    four to a row)."""
    pair = _heatmap_axes(rounds, axes)
    if pair is None or not study.arms.pairs():
        return {}
    x_axis, y_axis = pair
    if summary is not None and (summary["section"] == "effect").any():
        effects = summary[(summary["section"] == "effect") & (summary["channels"] == "all")]
        effects = effects.assign(null_cell=effects["null_cell"].map(as_bool))
    else:
        effects = effects_table(
            rounds[rounds["channels"] == "all"], study, axes, n_resamples=n_resamples
        )
    others = [a for a in axes if a not in pair]
    cells = cell_values(rounds, axes)
    if others:
        sizes = cells.groupby(others, sort=False, dropna=False).size()
        combos = [
            dict(zip(others, key if isinstance(key, tuple) else (key,), strict=True))
            for key, size in sizes.items()
            if size >= 2
        ][:MAX_HEATMAP_PANELS]
    else:
        combos = [{}]
    if not combos:
        return {}
    varying = [a for a in others if len({str(c[a]) for c in combos}) > 1]
    cols = min(len(combos), 4)
    rows = -(-len(combos) // cols)
    out = {}
    for stem, (treatment, control) in zip(_heatmap_stems(study), study.arms.pairs(), strict=True):
        fig = Figure(figsize=(5.2 * cols, 4.4 * rows), layout="constrained")
        grid = fig.subplots(rows, cols, squeeze=False).ravel()
        chosen = effects[(effects["treatment"] == treatment) & (effects["control"] == control)]
        shared = float(chosen["mean_diff"].abs().max()) if len(chosen) else 0.0
        for ax, combo in zip(grid, combos, strict=False):
            sub = chosen
            for axis, value in combo.items():
                sub = sub[sub[axis] == value]
            sub = sub.drop_duplicates([x_axis, y_axis])
            note = ", ".join(f"{_short(a)} = {plots._tick(combo[a])}" for a in varying)
            plots.effect_heatmap(
                sub, x_axis, y_axis, ax=ax, units="utility", title=note or " ", limit=shared or None
            )
        for ax in grid[len(combos) :]:
            ax.set_axis_off()
        fig.suptitle(
            f"Effect of {treatment} vs {control} on the {study.arms.party}'s later-round payoff "
            "(* CI excludes 0; hatched: null cell, red if violated)"
        )
        out[stem] = fig
    return out


def _trace_figure(
    traces: pd.DataFrame, rounds: pd.DataFrame, study: StudySpec, axes: Sequence[str]
) -> Figure | None:
    cell = _panel_cells(rounds, axes)[0][0]
    rows = traces[(traces["cell"] == cell)] if "cell" in traces.columns else traces
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
    fig, grid = _grid(len(arms), width=5.0, height=4.0)
    unit = study.issue.unit or None
    for ax, arm in zip(grid[0], arms, strict=True):
        sub = rows if arm is None else rows[rows["arm"] == arm]
        chosen = sorted(sub["replicate"].unique())[:4]
        plots.negotiation_trace(
            sub,
            ax=ax,
            replicates=chosen,
            party_labels=study.party_names,
            units=unit,
            title=f"arm {arm}, round 1" if arm else "round 1",
        )
    fig.suptitle(
        f"Offers within round 1 ({study.issue.name}; first replicates)"
        + _fixed_note(rounds, axes, study)
    )
    return fig


def figures(
    run_dir: Path,
    rounds: pd.DataFrame,
    study: StudySpec,
    axes: list[str],
    traces: pd.DataFrame | None = None,
    *,
    tournament: TournamentSpec | None = None,
    n_resamples: int = N_RESAMPLES,
    summary: pd.DataFrame | None = None,
) -> list[Path]:
    """Write the study's figures into ``run_dir/figures/`` (PNG and SVG); return the PNG
    paths, key figure first (see :func:`figure_plan`): the effect heatmap when the study
    sweeps at least two axes, else the focal party's utility trajectories.

    ``traces`` (the run's traces table) adds the within-round ``trace`` figure; ``summary``
    (the output of :func:`summarize`, e.g. read back from summary.csv) saves recomputing the
    effects behind the heatmaps; ``tournament`` overrides ``study.tournament``."""
    axes = list(axes)
    rounds = canonical(rounds)
    spec = tournament if tournament is not None else study_tournament(study)
    directory = Path(run_dir) / "figures"
    made: dict[str, Figure] = {}
    made["trajectories"] = _trajectory_figure(rounds, study, axes, "utility")
    made["terms"] = _trajectory_figure(rounds, study, axes, "terms")
    made["beliefs"] = _trajectory_figure(rounds, study, axes, "beliefs")
    if study.channels.decompose and study.arms.pairs():
        fig = _channel_figure(rounds, study, axes, n_resamples)
        if fig is not None:
            made["channels"] = fig
    made.update(_heatmap_figures(rounds, study, axes, n_resamples, summary))
    if traces is not None and not traces.empty:
        fig = _trace_figure(traces, rounds, study, axes)
        if fig is not None:
            made["trace"] = fig
    if spec is not None:
        results = tournament_results(rounds, study, axes, spec)
        if results:
            focal, opponent = focal_and_opponent(study)
            made["tournament"], made["tournament_payoffs"] = tournament_figures(
                results[0], focal_party=focal, opponent_party=opponent, spec=spec
            )
    plan = figure_plan(rounds, study, axes, traces=traces is not None, tournament=spec)
    order = [s for s in plan if s in made] + [s for s in made if s not in plan]
    return [plots.save_figure(made[stem], directory, stem)[0] for stem in order]
