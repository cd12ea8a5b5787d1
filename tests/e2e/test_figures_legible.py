"""Every figure of every committed study is legible (issue 20, item 3): drawn from a small run
of the study, no text element lies outside the canvas or overlaps another (tick labels of one
axis may touch), and no figure is wider than 1,600 px at its saved size. Heatmaps are named
after their comparison and follow the sweep's order; the forest has a linear axis per panel;
the decomposition figures say what each component is."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import pytest

from bargainlab.analysis.components import COMPONENTS
from bargainlab.config.cells import SweepCells
from bargainlab.experiments.outputs import run_figures
from bargainlab.experiments.pipeline import run_summary_only
from bargainlab.reporting.heatmap_plot import heatmap_tick
from bargainlab.reporting.heatmaps import heatmap_axes
from legibility import problems

pytestmark = pytest.mark.slow

EXPERIMENTS = Path(__file__).parents[2] / "experiments"
STUDIES = sorted(p.stem for p in EXPERIMENTS.glob("*.toml"))


@pytest.fixture(scope="module", params=STUDIES)
def small_run(request, tmp_path_factory):
    """A small run of one committed study (its tables and summary), and its figures drawn
    but not saved."""
    folder = tmp_path_factory.mktemp(request.param) / "run"
    raw = tomllib.loads((EXPERIMENTS / f"{request.param}.toml").read_text(encoding="utf-8"))
    raw.pop("robustness", None)  # the second seed's run draws no figure
    if "empirical_game" in raw:  # the fewest resamples: they set the intervals, not the layout
        raw["empirical_game"]["resamples"] = 100
    run = run_summary_only(raw, folder, replicates=4, progress=False)
    return run, run_figures(run.path)


def test_every_figure_is_legible(small_run):
    run, figures = small_run
    assert figures, "the study drew no figure"
    found = [p for stem, fig in figures.items() for p in problems(fig, f"{run.path.name}/{stem}")]
    assert not found, "\n".join(found)


def test_heatmaps_are_named_after_their_comparison_in_the_sweeps_order(small_run):
    run, figures = small_run
    study = run.study
    heatmaps = [s for s in figures if s.startswith("heatmap")]
    if not heatmaps:
        pytest.skip(f"{study.name} has no heatmap")
    assert heatmaps == [f"heatmap_{t}_vs_{c}" for t, c in study.arms.pairs()][: len(heatmaps)]
    for stem, (treatment, control) in zip(heatmaps, study.arms.pairs(), strict=False):
        fig = figures[stem]
        assert fig.get_suptitle().startswith(f"{treatment} vs {control}:")
        x_axis, y_axis = heatmap_axes(SweepCells.of_study(study))
        for ax in [a for a in fig.axes if a.get_images() and a.get_xticklabels()][:1]:
            for axis, path in ((ax.xaxis, x_axis), (ax.yaxis, y_axis)):
                swept = [heatmap_tick(v) for v in pd.unique(run.cells[path])]
                ticks = [t.get_text() for t in axis.get_ticklabels()]
                places = [swept.index(t) for t in ticks]
                assert places == sorted(places), (path, ticks, swept)


def test_the_forest_has_a_linear_axis_per_panel(small_run):
    _, figures = small_run
    if "forest" not in figures:
        pytest.skip("no forest")
    panels = [ax for ax in figures["forest"].axes if ax.get_title()]
    assert panels and all(ax.get_xscale() == "linear" for ax in panels)
    lows = {ax.get_xlim() for ax in panels}
    assert all(low == -high for low, high in lows)  # symmetric about 0


def test_decomposition_figures_say_what_each_component_is(small_run):
    _, figures = small_run
    for part in ("mediation", "channels"):
        if part not in figures:
            continue
        legend = figures[part].legends[0]
        texts = [t.get_text().replace("\n", " ") for t in legend.get_texts()]
        drawn = {t.get_text() for ax in figures[part].axes for t in ax.get_xticklabels()}
        for component in drawn - {""}:
            meaning = COMPONENTS[part][component]
            assert any(t.startswith(f"{component}: ") and meaning in t for t in texts)
