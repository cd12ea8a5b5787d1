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
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.figure import Figure, FigureBase
from matplotlib.font_manager import FontProperties

from ..analysis.derive import trajectory_stats
from ..analysis.summary import Summary
from ..analysis.tournament import TournamentSpec
from ..analysis.tournament_rows import study_tournament, tournament_results
from ..config.cells import SweepCells
from ..config.schema import StudySpec
from ..support.forking import fork_map
from . import plots
from .forest import forest
from .game_report import game_figure
from .heatmaps import heatmap_axes, heatmap_figure, heatmap_stems
from .panels import (
    MAX_PANELS,
    decomposition_figure,
    fixed_note,
    grid_columns,
    grid_size,
    in_arm_order,
    panel_cells,
    panel_grid,
    suptitle,
    trace_figure,
)
from .reputation_figure import arm_priors, reputation_headline, reputation_panel
from .text import fmt_level, headline_phrase, named, wrap
from .tournament_figures import tournament_figures

__all__ = ["MAX_PANELS", "arm_priors", "draw_figures", "figure_plan", "figures", "forest_figure",
           "forest_rows", "trajectory_figure", "trajectory_panel"]  # fmt: skip


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
    stems += [s for s in ("mediation", "channels", "game") if not summary.part(s).empty]
    if traces:
        stems.append("trace")
    if (tournament if tournament is not None else study_tournament(study)) is not None:
        stems += ["tournament", "tournament_payoffs"]
    return stems


def forest_rows(summary: Summary, study: StudySpec, cells: SweepCells) -> pd.DataFrame:
    """The headline effect rows with their ``comparison`` and a ``label`` per cell (the values
    of the axes that describe it)."""
    rows = named(summary.headline(study))
    labels = {cell: cells.label(cell) if cells.axes else "the study" for cell in cells.cells}
    rows["label"] = rows["cell"].map(labels)
    return rows


def forest_figure(
    summary: Summary,
    study: StudySpec,
    cells: SweepCells,
    rounds: int | None,
    figure: FigureBase | None = None,
) -> Figure:
    """The key figure: the forest plot of the headline rows (on ``figure`` when given;
    ``rounds``: the rounds every cell plays, ``None`` when the sweep changes them)."""
    rows = forest_rows(summary, study, cells)
    windows = sorted(set(rows["window"]))
    phrase = headline_phrase(windows, study.analysis.headline, rounds)
    level = rows["ci_level"].iloc[0] if len(rows) else np.nan
    return forest(
        rows,
        study.analysis.sesoi,
        comparisons=[f"{t} vs {c}" for t, c in study.arms.pairs()],
        xlabel=f"effect on the {study.arms.party}'s utility per round (each panel on its own scale)",
        title=f"{study.arms.party}'s payoff in {phrase}: paired effects",
        interval=f"{fmt_level(level)} interval, adjusted for {int(rows['m'].iloc[0])} rows",
        figure=figure,
    )


def _beliefs_panel(ax: Any, sub: pd.DataFrame, study: StudySpec, colors: dict, title: str) -> None:
    """The opponent's belief about the focal party's reservation value by round and arm, with
    the true value's mean."""
    focal = study.arms.party
    opponent = next(p for p in study.parties if p != focal)
    traj = trajectory_stats(sub, opponent, ["belief_mean", "belief_sd"])
    arms = list(study.arms.strategies)
    plots.belief_evolution(
        in_arm_order(traj, arms), ax=ax, title=title or None, units="utility", colors=colors
    )
    truth = trajectory_stats(sub, focal, "reservation_value", by=())
    ax.plot(truth["round"], truth["mean"], linestyle=":", color="black",
            label=f"{focal}'s true value (mean)")  # fmt: skip
    ax.set_ylabel(f"belief about the {focal}'s reservation value [utility]", fontsize="small")


def _metric_panel(
    ax: Any, sub: pd.DataFrame, study: StudySpec, metric: str, colors: dict, title: str
) -> bool:
    """The focal party's ``metric`` by round and arm (``utility`` or ``terms``); says so, and
    draws nothing, when no arm has data (returns False)."""
    focal = study.arms.party
    has = sub[(sub["party"] == focal) & (sub["metric"] == metric) & (sub["n"] > 0)]
    if has.empty:  # e.g. no agreement in any round of any arm: say so, draw nothing
        ax.text(0.5, 0.5, f"no {'agreement' if metric == 'terms' else 'data'} in any arm",
                transform=ax.transAxes, ha="center", va="center", fontsize="small")  # fmt: skip
        ax.set_title(title or "", fontsize="small")
        return False
    arms = list(study.arms.strategies)
    traj = trajectory_stats(sub, focal, metric)
    ylabel = f"{focal}'s utility (0-1)" if metric == "utility" else f"agreed {study.issue.name}"
    units = (study.issue.unit or None) if metric == "terms" else None
    plots.trajectories(in_arm_order(traj, arms), metric, ax=ax, title=title or None,
                       ylabel=ylabel, units=units, colors=colors)  # fmt: skip
    missing = [a for a in arms if a not in set(traj["arm"])]
    if missing:  # say so rather than drop an arm silently
        ax.text(0.02, 0.02, "no agreement: " + ", ".join(missing), transform=ax.transAxes,
                fontsize="x-small", va="bottom")  # fmt: skip
    return True


def _shared_legend(fig: Figure, grid: Any) -> None:
    """One legend below the panels: every arm any panel drew, once."""
    legend: dict[str, Artist] = {}
    for ax in grid:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            legend.setdefault(label, handle)
    labels, handles = list(legend), list(legend.values())
    if labels:
        # as many columns as fit the figure's width: an entry is its marker (about four
        # characters) and its longest label, at about 0.6 em a character
        size = FontProperties(size="small").get_size_in_points()
        entry = (4 + max(map(len, labels))) * 0.6 * size + size
        fit = max(1, int(0.95 * fig.get_figwidth() * 72 // entry))
        fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 6, fit),
                   fontsize="small", title="arm")  # fmt: skip


def _trajectory_headline(study: StudySpec, metric: str) -> str:
    """The title of a trajectory figure."""
    if metric == "reputation":  # only a study with a reputation model has its holder
        return reputation_headline(study)
    focal = study.arms.party
    opponent = next(p for p in study.parties if p != focal)
    return {
        "utility": f"{focal}'s utility per round by arm (mean, 95% CI)",
        "terms": f"Agreed {study.issue.name} per round by arm (mean over agreements, 95% CI)",
        "beliefs": f"{opponent}'s belief about the {focal}'s reservation value (mean ± posterior sd)",
    }[metric]


def trajectory_figure(
    trajectories: pd.DataFrame, study: StudySpec, cells: SweepCells, metric: str
) -> Figure:
    """One trajectory figure (``utility``, ``terms``, ``beliefs`` or ``reputation``): one
    panel per value of the first sweep axis, one line per arm."""
    panels = panel_cells(trajectories, cells, study)
    width, height = grid_size(len(panels), width=3.4, height=3.3)
    fig = Figure(figsize=(width, height + 0.6), layout="constrained")
    grid = panel_grid(fig, len(panels), height=3.3)[0]
    colors = {arm: f"C{i % 10}" for i, arm in enumerate(study.arms.strategies)}  # everywhere
    for k, (ax, (cell, title)) in enumerate(zip(grid, panels, strict=True)):
        sub = trajectories[(trajectories["cell"] == cell) & (trajectories["channels"] == "all")]
        if metric == "reputation":
            reputation_panel(ax, sub, study, cells.values[cells.cells.index(cell)], colors, title)
        elif metric == "beliefs":
            _beliefs_panel(ax, sub, study, colors, title)
        elif not _metric_panel(ax, sub, study, metric, colors, title):
            continue
        ax.get_legend().remove()
        ax.title.set_fontsize("small")
        first = k % grid_columns(len(panels)) == 0
        ax.set_ylabel(wrap(ax.get_ylabel(), 34) if first else "", fontsize="small")
    _shared_legend(fig, grid)
    note = fixed_note(trajectories, cells, study)
    suptitle(fig, _trajectory_headline(study, metric) + note)
    return fig


def trajectory_panel(
    ax: Any, sub: pd.DataFrame, study: StudySpec, values: dict[str, Any], metric: str, title: str
) -> None:
    """One panel of a trajectory figure (``utility``, ``terms``, ``beliefs`` or ``reputation``)
    from one cell's trajectories, ``values`` its sweep values; each arm in its usual colour."""
    colors = {arm: f"C{i % 10}" for i, arm in enumerate(study.arms.strategies)}  # everywhere
    if metric == "reputation":
        reputation_panel(ax, sub, study, values, colors, title)
    elif metric == "beliefs":
        _beliefs_panel(ax, sub, study, colors, title)
    else:
        _metric_panel(ax, sub, study, metric, colors, title)


def _builders(
    summary: Summary,
    trajectories: pd.DataFrame,
    study: StudySpec,
    cells: SweepCells,
    extra: tuple[pd.DataFrame | None, pd.DataFrame | None, TournamentSpec | None],
) -> tuple[list[Callable[[], dict[str, Figure]]], list[int]]:
    """A builder per figure (each returns its figures by stem), and which of them are the
    heatmaps (the longest to draw and to write). ``extra``: the replicates, the traces and
    the tournament."""
    replicates, traces, spec = extra
    builders: list[Callable[[], dict[str, Figure]]] = []
    slow: list[int] = []
    if not summary.effects.empty:
        last = trajectories.groupby("cell")["round"].max()
        rounds = int(last.iloc[0]) if last.nunique() == 1 else None
        builders.append(partial(_named, "forest", forest_figure, summary, study, cells, rounds))
        for stem, pair in zip(heatmap_stems(study), study.arms.pairs(), strict=True):
            slow.append(len(builders))
            builders.append(partial(_named, stem, heatmap_figure, summary, study, cells, pair))
    metrics = ("utility", "terms", "beliefs", "reputation")
    for m in metrics if study.reputation is not None else metrics[:-1]:
        stem = "trajectories" if m == "utility" else m
        builders.append(partial(_named, stem, trajectory_figure, trajectories, study, cells, m))
    for stem in ("mediation", "channels"):
        builders.append(partial(_named, stem, decomposition_figure, summary, study, cells, stem))
    if traces is not None and not traces.empty:
        builders.append(partial(_named, "trace", trace_figure, traces, trajectories, study, cells))
    if spec is not None and replicates is not None:
        builders.append(partial(_tournament, replicates, study, cells, spec))
    builders.append(partial(_named, "game", game_figure, summary, study, cells))
    return builders, slow


def _saved(
    builders: list[Callable[[], dict[str, Figure]]],
    slow: list[int],
    plan: list[str],
    directory: Path,
) -> dict[str, tuple[Path, ...]]:
    """Draw and write every figure (PNG; the planned key figure also as SVG), each by one of
    the forked processes (they inherit the tables), the heatmaps handed out first."""
    key = plan[0] if plan else None

    def draw(builder: Callable[[], dict[str, Figure]]) -> dict[str, tuple[Path, ...]]:
        """One builder's figures, written (the key figure also as SVG, vector, for reuse)."""
        return {
            stem: plots.save_figure(
                fig, directory, stem, ("png", "svg") if stem == key else ("png",)
            )
            for stem, fig in builder().items()
        }

    order = slow + [k for k in range(len(builders)) if k not in slow]
    saved: dict[str, tuple[Path, ...]] = {}
    for paths in fork_map(draw, builders, order=order):
        saved.update(paths)
    return saved


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
    and return the PNG paths, key figure first (:func:`figure_plan`). ``summary`` is
    :func:`summarize`'s (it may be read back from ``summary/``), ``trajectories`` the
    trajectories table, ``replicates`` the replicates table (only a tournament needs it),
    ``traces`` the traces table (adds the within-round ``trace`` figure)."""
    spec = tournament if tournament is not None else study_tournament(study)
    extra = (replicates, traces, spec)
    builders, slow = _builders(summary, trajectories, study, cells, extra)
    plan = figure_plan(summary, study, cells, traces=traces is not None, tournament=spec)
    directory = Path(run_dir) / "figures"
    saved = _saved(builders, slow, plan, directory)
    order_stems = [s for s in plan if s in saved] + [s for s in saved if s not in plan]
    if order_stems and order_stems[0] != (plan[0] if plan else None):
        first = order_stems[0]  # the planned key figure was not drawn: the first one is
        for builder in builders:
            made = builder()
            if first in made:
                saved[first] = plots.save_figure(made[first], directory, first, ("png", "svg"))
                break
    return [saved[stem][0] for stem in order_stems]


def draw_figures(
    summary: Summary,
    trajectories: pd.DataFrame,
    study: StudySpec,
    cells: SweepCells,
    *,
    replicates: pd.DataFrame | None = None,
    traces: pd.DataFrame | None = None,
    tournament: TournamentSpec | None = None,
) -> dict[str, Figure]:
    """Every figure :func:`figures` writes, drawn but not saved, by stem in the order of
    :func:`figure_plan` (to look at in a notebook or check in a test)."""
    spec = tournament if tournament is not None else study_tournament(study)
    builders, _ = _builders(summary, trajectories, study, cells, (replicates, traces, spec))
    made: dict[str, Figure] = {}
    for builder in builders:
        made.update(builder())
    plan = figure_plan(summary, study, cells, traces=traces is not None, tournament=spec)
    return {stem: made[stem] for stem in [*plan, *made] if stem in made}


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
