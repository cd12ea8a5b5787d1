"""The figures of a study run, drawn from its small tables (see :func:`figures`).

The key figure is the forest plot of the headline effects (:mod:`bargainlab.reporting.forest`);
the others are drawn from the summary (heatmaps, decompositions), the trajectories table
(per-round means) and, for a tournament, the replicates table. :func:`figure_plan` says which
figures a study gets, key figure first.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.figure import Figure

from .._forking import fork_map
from ..analysis.derive import trajectory_stats
from ..analysis.summary import Summary
from ..analysis.tournament import TournamentSpec
from ..analysis.tournament_rows import study_tournament, tournament_results
from ..config.cells import SweepCells
from ..config.schema import StudySpec
from ..strategies import create
from . import plots
from .forest import forest
from .heatmaps import heatmap_axes, heatmap_figure, heatmap_stems
from .text import axis_label, fmt_level, headline_phrase, named, tick, wrap
from .tournament_figures import tournament_figures

__all__ = ["MAX_PANELS", "arm_priors", "figure_plan", "figures", "forest_rows"]

MAX_PANELS = 8
"""At most this many small multiples per trajectory figure (further sweep values are left out)."""


def _cell_values(table: pd.DataFrame, cells: SweepCells) -> pd.DataFrame:
    """The cells ``table`` has rows of, in order, with their values on every axis
    (:meth:`~bargainlab.config.cells.SweepCells.flat`)."""
    present = set(table["cell"].unique())
    values = cells.flat()
    return values[values["cell"].isin(present)].reset_index(drop=True)


def _panel_cells(table: pd.DataFrame, cells: SweepCells, study: StudySpec) -> list[tuple[int, str]]:
    """Cells for small multiples: one per value of the first axis, the other axes at the
    values of cell 0; at most :data:`MAX_PANELS`."""
    values = _cell_values(table, cells)
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


def _fixed_note(table: pd.DataFrame, cells: SweepCells, study: StudySpec) -> str:
    """`` (dealer's outside option = 0.2, ...)``: the values the panels' other axes are at."""
    shown = cells.paths[1:]
    if study.sweep_grids:
        shown = [a for a in shown if a in study.sweep_grids[0]]
    if not shown:
        return ""
    first = _cell_values(table, cells).iloc[0]
    return " (" + ", ".join(f"{axis_label(a, study)} = {tick(first[a])}" for a in shown) + ")"


def _suptitle(fig: Figure, text: str, panels: int, **kwargs: Any) -> None:
    """A figure title wrapped to the width of ``panels`` panels of 4.2 inches (about 11
    characters of a large title per inch)."""
    fig.suptitle(wrap(text, max(60, int(11 * 4.2 * panels))), **kwargs)


def figure_plan(
    summary: Summary,
    study: StudySpec,
    cells: SweepCells,
    *,
    traces: bool = False,
    tournament: TournamentSpec | None = None,
) -> list[str]:
    """The figure stems :func:`figures` writes, key figure first."""
    effects = not summary.effects.empty
    stems = ["forest"] if effects else []
    if effects and heatmap_axes(cells) is not None:
        stems += heatmap_stems(study)
    stems += ["trajectories", "terms", "beliefs"]
    if study.reputation is not None:
        stems.append("reputation")
    stems += [s for s in ("mediation", "channels") if not summary.part(s).empty]
    if traces:
        stems.append("trace")
    if (tournament if tournament is not None else study_tournament(study)) is not None:
        stems += ["tournament", "tournament_payoffs"]
    return stems


def forest_rows(summary: Summary, study: StudySpec, cells: SweepCells) -> pd.DataFrame:
    """The headline effect rows with their ``comparison`` and a ``label`` per cell (the values
    of the axes that describe it)."""
    rows = named(summary.headline(study))
    labels = {
        cell: ", ".join(
            f"{axis_label(a, study)} = {tick(cells.value(cell, a))}" for a in cells.describing(cell)
        )
        or "the study"
        for cell in cells.cells
    }
    rows["label"] = rows["cell"].map(labels)
    return rows


def _forest(summary: Summary, study: StudySpec, cells: SweepCells, rounds: int | None) -> Figure:
    """The key figure: the forest plot of the headline rows."""
    rows = forest_rows(summary, study, cells)
    windows = sorted(set(rows["window"]))
    phrase = headline_phrase(windows, study.analysis.headline, rounds)
    level = rows["ci_level"].iloc[0] if len(rows) else np.nan
    return forest(
        rows,
        study.analysis.sesoi,
        comparisons=[f"{t} vs {c}" for t, c in study.arms.pairs()],
        xlabel=f"effect on the {study.arms.party}'s utility per round (treatment − control)",
        title=f"{study.arms.party}'s payoff in {phrase}: paired effects",
        interval=f"{fmt_level(level)} interval, adjusted for {int(rows['m'].iloc[0])} rows",
    )


def _trajectory_figure(
    trajectories: pd.DataFrame, study: StudySpec, cells: SweepCells, metric: str
) -> Figure:
    focal = study.arms.party
    opponent = next(p for p in study.parties if p != focal)
    panels = _panel_cells(trajectories, cells, study)
    fig = Figure(figsize=(4.2 * len(panels), 4.2), layout="constrained")
    grid = fig.subplots(1, len(panels), squeeze=False, sharey=True)[0]
    arms = list(study.arms.strategies)
    colors = {arm: f"C{i % 10}" for i, arm in enumerate(arms)}  # one colour per arm everywhere
    for ax, (cell, title) in zip(grid, panels, strict=True):
        sub = trajectories[(trajectories["cell"] == cell) & (trajectories["channels"] == "all")]
        if metric == "reputation":
            _reputation_panel(ax, sub, study, cells.values[cells.cells.index(cell)], colors, title)
        elif metric == "beliefs":
            traj = trajectory_stats(sub, opponent, ["belief_mean", "belief_sd"])
            plots.belief_evolution(
                _ordered(traj, arms), ax=ax, title=title or None, units="utility", colors=colors
            )
            truth = trajectory_stats(sub, focal, "reservation_value", by=())
            ax.plot(
                truth["round"],
                truth["mean"],
                linestyle=":",
                color="black",
                label=f"{focal}'s true value (mean)",
            )
            ax.set_ylabel(
                f"belief about the {focal}'s reservation value [utility]", fontsize="small"
            )
        else:
            has = sub[(sub["party"] == focal) & (sub["metric"] == metric) & (sub["n"] > 0)]
            if has.empty:  # e.g. no agreement in any round of any arm: say so, draw nothing
                ax.text(
                    0.5, 0.5, f"no {'agreement' if metric == 'terms' else 'data'} in any arm",
                    transform=ax.transAxes, ha="center", va="center", fontsize="small",
                )  # fmt: skip
                ax.set_title(title or "", fontsize="small")
                continue
            traj = trajectory_stats(sub, focal, metric)
            ylabel = (
                f"{focal}'s utility (0-1)" if metric == "utility" else f"agreed {study.issue.name}"
            )
            plots.trajectories(
                _ordered(traj, arms),
                metric,
                ax=ax,
                title=title or None,
                ylabel=ylabel,
                units=(study.issue.unit or None) if metric == "terms" else None,
                colors=colors,
            )
            missing = [a for a in arms if a not in set(traj["arm"])]
            if missing:  # say so rather than drop an arm silently
                ax.text(
                    0.02,
                    0.02,
                    "no agreement: " + ", ".join(missing),
                    transform=ax.transAxes,
                    fontsize="x-small",
                    va="bottom",
                )
        ax.get_legend().remove()
    legend: dict[str, Artist] = {}  # every arm any panel drew, once
    for ax in grid:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            legend.setdefault(label, handle)
    labels, handles = list(legend), list(legend.values())
    if labels:
        fig.legend(
            handles,
            labels,
            loc="outside lower center",
            ncols=min(len(labels), 6),
            fontsize="small",
            title="arm",
        )
    if metric == "reputation":  # only a study with a reputation model has its holder
        headline = _reputation_headline(study)
    else:
        headline = {
            "utility": f"{focal}'s utility per round by arm (mean, 95% CI)",
            "terms": f"Agreed {study.issue.name} per round by arm (mean over agreements, 95% CI)",
            "beliefs": f"{opponent}'s belief about the {focal}'s reservation value (mean ± posterior sd)",
        }[metric]
    _suptitle(fig, headline + _fixed_note(trajectories, cells, study), len(panels))
    return fig


def _reputation_sides(study: StudySpec) -> tuple[str, str]:
    """The party holding the reputation belief and the party it is about."""
    assert study.reputation is not None
    holder = study.reputation.holder
    return holder, next(p for p in study.parties if p != holder)


def _reputation_headline(study: StudySpec) -> str:
    holder, other = _reputation_sides(study)
    return (
        f"{holder}'s posterior probability of the {other}'s true policy after each round "
        "(mean, 95% CI); hollow diamonds at round 0: its prior"
    )


def arm_priors(study: StudySpec, values: dict[str, Any]) -> dict[str, float]:
    """Per arm, the prior probability the reputation holder puts on the policy the other
    party plays in that arm (0 for a policy that is not a declared type), in the cell whose
    sweep values are ``values`` (``reputation.prior`` may be swept)."""
    assert study.reputation is not None
    prior: Any = values.get("reputation.prior", study.reputation.prior)
    _, other = _reputation_sides(study)
    # a type is the policy the other party plays when the two are equal as strategies (the
    # rule by which the rounds table records the posterior on the true policy)
    types = {t: create(s.name, **s.params) for t, s in study.reputation.types.items()}
    out = {}
    for arm, spec in study.arms.strategies.items():
        plays = spec if other == study.arms.party else study.strategies[other]
        policy = create(plays.name, **plays.params)
        label = next((t for t, model in types.items() if model == policy), None)
        out[arm] = float(prior[label]) if label is not None else 0.0
    return out


def _reputation_panel(
    ax: Any,
    sub: pd.DataFrame,
    study: StudySpec,
    values: dict[str, Any],
    colors: dict[str, str],
    title: str,
) -> None:
    """One panel: the holder's posterior on the other party's true policy by round and arm,
    and at round 0 each arm's prior (where every posterior starts)."""
    holder, other = _reputation_sides(study)
    arms = list(study.arms.strategies)
    # arms often sit on the same value (a policy revealed after one round): each is drawn
    # slightly beside the round, so that none hides another
    dodge = {arm: 0.08 * (i - (len(arms) - 1) / 2) for i, arm in enumerate(arms)}
    traj = trajectory_stats(sub, holder, "belief_type_mass")
    traj = traj.assign(round=traj["round"] + traj["arm"].map(dodge).fillna(0.0))
    plots.trajectories(
        _ordered(traj, arms),
        "belief_type_mass",
        ax=ax,
        title=title or None,
        ylabel=f"{holder}'s posterior on the {other}'s true policy",
        colors=colors,
    )
    for arm, p in arm_priors(study, values).items():
        ax.plot(
            [dodge[arm]], [p], marker="D", linestyle="none", markerfacecolor="none",
            color=colors[arm],
        )  # fmt: skip
    ax.plot(
        [], [], marker="D", linestyle="none", markerfacecolor="none", color="black",
        label="prior (round 0)",
    )  # fmt: skip
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlim(left=-0.3)


def _ordered(traj: pd.DataFrame, arms: list[str]) -> pd.DataFrame:
    """Arms in the study's order (every arm present is drawn, in that order)."""
    rank = traj["arm"].map({a: i for i, a in enumerate(arms)}).fillna(len(arms))
    return (
        traj.assign(_rank=rank).sort_values(["_rank", "round"], kind="stable").drop(columns="_rank")
    )


def _decomposition_figure(
    summary: Summary, study: StudySpec, cells: SweepCells, part: Literal["mediation", "channels"]
) -> Figure | None:
    """Per comparison and panel cell, each component's contribution (descriptive)."""
    rows = named(summary.part(part))
    if rows.empty:
        return None
    panels = _panel_cells(rows, cells, study)
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
    _suptitle(fig, what + _fixed_note(rows, cells, study), len(panels), fontsize="medium")
    return fig


def _trace_figure(
    traces: pd.DataFrame, table: pd.DataFrame, study: StudySpec, cells: SweepCells
) -> Figure | None:
    cell = _panel_cells(table, cells, study)[0][0]
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
        + _fixed_note(table, cells, study)
    )
    return fig


def figures(
    run_dir: Path,
    summary: Summary,
    trajectories: pd.DataFrame,
    study: StudySpec,
    cells: SweepCells,
    *,
    replicates: pd.DataFrame | None = None,
    traces: pd.DataFrame | None = None,
    tournament: TournamentSpec | None = None,
) -> list[Path]:
    """Write the study's figures into ``run_dir/figures/`` (PNG; the key figure also as SVG)
    and return the PNG paths, key figure first (:func:`figure_plan`). ``summary`` is :func:`summarize`'s table
    (it may be read back from summary.csv), ``trajectories`` the trajectories table,
    ``replicates`` the replicates table (only a tournament needs it), ``traces`` the traces
    table (adds the within-round ``trace`` figure)."""
    spec = tournament if tournament is not None else study_tournament(study)
    builders: list[Callable[[], dict[str, Figure]]] = []
    slow: list[int] = []  # the heatmaps: the longest to draw and to write
    if not summary.effects.empty:
        last = trajectories.groupby("cell")["round"].max()
        rounds = int(last.iloc[0]) if last.nunique() == 1 else None
        builders.append(partial(_named, "forest", _forest, summary, study, cells, rounds))
        for stem, pair in zip(heatmap_stems(study), study.arms.pairs(), strict=True):
            slow.append(len(builders))
            builders.append(partial(_named, stem, heatmap_figure, summary, study, cells, pair))
    metrics = ("utility", "terms", "beliefs", "reputation")
    for metric in metrics if study.reputation is not None else metrics[:-1]:
        stem = "trajectories" if metric == "utility" else metric
        builders.append(
            partial(_named, stem, _trajectory_figure, trajectories, study, cells, metric)
        )
    for stem in ("mediation", "channels"):
        builders.append(partial(_named, stem, _decomposition_figure, summary, study, cells, stem))
    if traces is not None and not traces.empty:
        builders.append(partial(_named, "trace", _trace_figure, traces, trajectories, study, cells))
    if spec is not None and replicates is not None:
        builders.append(partial(_tournament, replicates, study, cells, spec))
    plan = figure_plan(summary, study, cells, traces=traces is not None, tournament=spec)
    directory = Path(run_dir) / "figures"
    key = plan[0] if plan else None

    def draw(builder: Callable[[], dict[str, Figure]]) -> dict[str, tuple[Path, ...]]:
        # PNG for the report; the key figure also as SVG (vector, for reuse)
        return {
            stem: plots.save_figure(
                fig, directory, stem, ("png", "svg") if stem == key else ("png",)
            )
            for stem, fig in builder().items()
        }

    # each figure is drawn and written by one of the forked processes (they inherit the
    # tables), the heatmaps handed out first
    order = slow + [k for k in range(len(builders)) if k not in slow]
    saved: dict[str, tuple[Path, ...]] = {}
    for paths in fork_map(draw, builders, order=order):
        saved.update(paths)
    order_stems = [s for s in plan if s in saved] + [s for s in saved if s not in plan]
    if order_stems and order_stems[0] != key:  # the planned key figure was not drawn
        first = order_stems[0]
        for builder in builders:
            made = builder()
            if first in made:
                saved[first] = plots.save_figure(made[first], directory, first, ("png", "svg"))
                break
    return [saved[stem][0] for stem in order_stems]


def _named(stem: str, build: Callable[..., Figure | None], *args: Any) -> dict[str, Figure]:
    """``{stem: build(*args)}``, or nothing when there is no such figure to draw."""
    fig = build(*args)
    return {} if fig is None else {stem: fig}


def _tournament(
    replicates: pd.DataFrame, study: StudySpec, cells: SweepCells, spec: TournamentSpec
) -> dict[str, Figure]:
    """The tournament's two figures (of its first context)."""
    results = tournament_results(replicates, study, cells, spec)
    if not results:
        return {}
    focal = study.arms.party
    opponent = next(p for p in study.parties if p != focal)
    table, payoffs = tournament_figures(
        results[0], focal_party=focal, opponent_party=opponent, spec=spec
    )
    return {"tournament": table, "tournament_payoffs": payoffs}
