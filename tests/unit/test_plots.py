"""Tests for bargainlab.reporting.plots: the data behind each figure, not its pixels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from bargainlab.reporting import plots
from bargainlab.reporting.forest import MAX_LABELLED, VERDICT_COLORS, forest


def trajectory_table(arms=("capitulator", "face_saver", "holdout"), n_rounds=4) -> pd.DataFrame:
    rows = []
    for a, arm in enumerate(arms):
        for r in range(1, n_rounds + 1):
            for metric, mean, spread in (
                ("utility", 0.4 + 0.05 * a, 0.02),
                ("belief_mean", 0.3 + 0.01 * r, 0.0),
                ("belief_sd", 0.1 / r, 0.0),
            ):
                rows.append(
                    {
                        "arm": arm,
                        "round": r,
                        "metric": metric,
                        "n": 20,
                        "mean": mean + 0.001 * r,
                        "sd": 0.05,
                        "ci_low": mean - spread,
                        "ci_high": mean + spread,
                    }
                )
    return pd.DataFrame(rows)


def effects_table() -> pd.DataFrame:
    rows = []
    for rho in (0.0, 0.5, 0.9):
        for w in (0.1, 0.3):
            mean = rho * 0.1 - w * 0.1
            half = 0.015
            rows.append(
                {
                    "rounds.rho": rho,
                    "parties.dealer.outside_option": w,
                    "cell": len(rows),
                    "channels": "all",
                    "mean_diff": mean,
                    "ci_low": mean - half,
                    "ci_high": mean + half,
                    "null_cell": rho == 0.0,
                    "null_check": "fail" if (rho == 0.0 and w == 0.3) else "",
                    "verdict": ["helps", "hurts", "negligible", "undetermined"][len(rows) % 4],
                }
            )
    return pd.DataFrame(rows)


def test_trajectories_one_line_and_band_per_arm():
    traj = trajectory_table()
    fig = plots.trajectories(traj, "utility", units="share of range")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert len(ax.lines) == 3 and len(ax.collections) == 3
    assert [line.get_label() for line in ax.lines] == ["capitulator", "face_saver", "holdout"]
    expected = traj[(traj["arm"] == "face_saver") & (traj["metric"] == "utility")]
    np.testing.assert_allclose(ax.lines[1].get_ydata(), expected["mean"])
    band = ax.collections[1].get_paths()[0].vertices[:, 1]
    assert band.min() == pytest.approx(expected["ci_low"].min())
    assert band.max() == pytest.approx(expected["ci_high"].max())
    assert "share of range" in ax.get_ylabel() and ax.get_title()
    assert ax.get_legend() is not None
    with pytest.raises(ValueError, match="no rows for metric"):
        plots.trajectories(traj, "terms")


def test_plots_draw_on_a_given_axes_and_leave_pyplot_alone():
    plt.close("all")
    fig = Figure()
    ax = fig.add_subplot()
    assert plots.trajectories(trajectory_table(), "utility", ax=ax) is fig
    plots.trajectories(trajectory_table(), "utility")
    assert plt.get_fignums() == []


def test_belief_evolution_band_is_mean_plus_minus_posterior_sd():
    traj = trajectory_table(arms=("capitulator", "face_saver"))
    ax = plots.belief_evolution(traj).axes[0]
    assert len(ax.lines) == 2 and len(ax.collections) == 2
    mean = traj[(traj["arm"] == "capitulator") & (traj["metric"] == "belief_mean")][
        "mean"
    ].to_numpy()
    sd = traj[(traj["arm"] == "capitulator") & (traj["metric"] == "belief_sd")]["mean"].to_numpy()
    np.testing.assert_allclose(ax.lines[0].get_ydata(), mean)
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() == pytest.approx((mean - sd).min())
    assert band.max() == pytest.approx((mean + sd).max())
    with pytest.raises(ValueError, match="belief_sd"):
        plots.belief_evolution(traj[traj["metric"] != "belief_sd"])


def test_effect_heatmap_image_is_the_pivoted_mean_difference():
    effects = effects_table()
    image = plots.effect_heatmap(
        effects,
        "parties.dealer.outside_option",
        "rounds.rho",
        units="utility",
        xlabel="dealer's outside option",
        ylabel="type persistence",
    )
    ax = image.axes
    expected = (
        effects.pivot(
            index="rounds.rho", columns="parties.dealer.outside_option", values="mean_diff"
        )
        .sort_index()
        .sort_index(axis=1)
    )
    np.testing.assert_allclose(np.ma.getdata(image.get_array()), expected.to_numpy())
    low, high = image.norm.vmin, image.norm.vmax
    assert low == pytest.approx(-high) and high == pytest.approx(effects["mean_diff"].abs().max())
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == len(effects)
    marks = [t.split("\n")[1] for t in texts]
    assert marks == ["+", "−", "≈", "?", "+", "−"]  # one per verdict, in row order
    hatched = [p for p in ax.patches if p.get_gid() == "null_cell"]
    assert len(hatched) == effects["null_cell"].sum() == 2
    assert {p.get_xy()[1] for p in hatched} == {-0.5}  # rho = 0 is the first row
    # rho = 0, w = 0.3 failed its null check: drawn in red
    violations = {p.get_xy()[0] for p in hatched if p.get_edgecolor()[:3] == (1.0, 0.0, 0.0)}
    assert violations == {0.5}
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0", "0.5", "0.9"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("dealer's outside option", "type persistence")
    assert len(image.figure.axes) == 2  # the heatmap and its colour bar
    bare = plots.effect_heatmap(
        effects, "parties.dealer.outside_option", "rounds.rho", colorbar=False
    )
    assert len(bare.figure.axes) == 1 and bare.axes.get_xlabel() == "parties.dealer.outside_option"


def test_effect_heatmap_refuses_to_average_intervals_and_leaves_gaps_blank():
    effects = effects_table()
    doubled = pd.concat([effects, effects.assign(channels="no_information")])
    with pytest.raises(ValueError, match="occurs more than once"):
        plots.effect_heatmap(doubled, "parties.dealer.outside_option", "rounds.rho")
    gap = effects.drop(index=3)
    image = plots.effect_heatmap(gap, "parties.dealer.outside_option", "rounds.rho")
    assert image.get_array().mask.sum() == 1


def forest_rows(n_cells: int = 3) -> pd.DataFrame:
    rows = []
    for comparison, scale in (("a vs b", 0.004), ("a vs c", 0.2)):
        for k in range(n_cells):
            mean = scale * (k - 1)
            rows.append(
                {
                    "comparison": comparison,
                    "label": f"cell {k}",
                    "mean_diff": mean,
                    "ci_low": mean - 0.003,
                    "ci_high": np.inf
                    if k == n_cells - 1 and comparison == "a vs c"
                    else mean + 0.003,
                    "verdict": ["hurts", "negligible", "helps"][k % 3],
                }
            )
    return pd.DataFrame(rows)


def test_forest_plot_rows_band_scale_and_verdict_colours():
    rows = forest_rows()
    fig = forest(rows, 0.01, comparisons=["a vs b", "a vs c"])
    left, right = fig.axes[:2]
    assert [ax.get_title() for ax in (left, right)] == ["a vs b", "a vs c"]
    # each panel on its own linear axis, symmetric about 0, reaching its own largest end
    assert left.get_xscale() == right.get_xscale() == "linear"
    assert not left.get_shared_x_axes().joined(left, right)
    (l_low, l_high), (r_low, r_high) = left.get_xlim(), right.get_xlim()
    assert l_low == -l_high and r_low == -r_high
    assert l_high == pytest.approx(1.08 * 2 * 0.01)  # a few thousandths: twice the sesoi
    assert r_high == pytest.approx(1.08 * 0.203)  # a few tenths: its largest bounded end
    band = [p for p in left.patches if p.get_facecolor()[:3] != (1.0, 1.0, 1.0)]
    start, width = band[0].get_x(), band[0].get_width()
    assert (start, start + width) == pytest.approx((-0.01, 0.01))
    points = left.collections[1].get_offsets()
    np.testing.assert_allclose(points[:, 0], rows.loc[rows["comparison"] == "a vs b", "mean_diff"])
    colours = left.collections[1].get_facecolors()
    assert tuple(colours[0][:3]) == pytest.approx(to_rgb(VERDICT_COLORS["hurts"]))
    assert [t.get_text() for t in left.get_yticklabels()] == ["cell 0", "cell 1", "cell 2"]
    arrows = [c for c in right.collections if len(c.get_offsets()) and c.get_offsets()[0][0] > 0.2]
    assert arrows  # the unbounded end is drawn to the edge
    legend = fig.legends[0]
    shown = [t.get_text() for t in legend.get_texts()]
    assert shown[:4] == list(VERDICT_COLORS)[:4] and "no pairs" not in shown  # none here
    with_none = rows.assign(verdict=["no pairs", *rows["verdict"][1:]])
    assert "no pairs" in [t.get_text() for t in forest(with_none, 0.01).legends[0].get_texts()]
    assert fig.get_size_inches()[0] * 150 <= 1600
    ranked = forest(forest_rows(MAX_LABELLED + 1), 0.01)
    assert ranked.axes[0].get_yticks().size == 0
    with pytest.raises(ValueError, match="missing column"):
        forest(rows.drop(columns="verdict"), 0.01)


def test_effect_intervals_one_point_and_interval_per_row_coloured_by_verdict():
    rows = pd.DataFrame(
        {
            "comparison": ["a vs b", "a vs b", "a vs c"],
            "condition.value": [0.0, 0.3, 0.3],
            "mean_diff": [0.02, -0.01, 0.0],
            "ci_low": [0.01, -0.03, -0.02],
            "ci_high": [0.04, 0.005, 0.01],
            "verdict": ["helps", "undetermined", "negligible"],
        }
    )
    fig = plots.effect_intervals(rows, labels=["condition.value"], units="utility")
    ax = fig.axes[0]
    bars = [c for c in ax.containers]
    assert len(bars) == 3  # one errorbar per row, drawn top to bottom
    x = [b.lines[0].get_xdata()[0] for b in bars]
    assert x == pytest.approx(rows["mean_diff"].tolist())
    low, high = bars[1].lines[2][0].get_segments()[0][:, 0]
    assert (low, high) == pytest.approx((-0.03, 0.005))
    assert to_rgb(bars[0].lines[0].get_color()) == pytest.approx(to_rgb("C2"))  # helps: green
    assert to_rgb(bars[1].lines[0].get_color()) == pytest.approx(to_rgb("0.4"))
    ticks = dict(zip(ax.get_yticks(), [t.get_text() for t in ax.get_yticklabels()], strict=True))
    assert [ticks[y] for y in sorted(ticks, reverse=True)] == [  # the first row on top
        "a vs b, value=0",
        "a vs b, value=0.3",
        "a vs c, value=0.3",
    ]
    assert "utility" in ax.get_xlabel()
    with pytest.raises(ValueError, match="no rows"):
        plots.effect_intervals(rows.iloc[:0])


def test_channel_bars_heights_and_intervals():
    decomposition = pd.DataFrame(
        {
            "cell": 0,
            "component": ["total", "information", "surplus", "all_off", "interaction"],
            "mean_diff": [0.08, 0.05, 0.03, 0.0, 0.001],
            "ci_low": [0.07, 0.04, 0.025, -0.01, -0.004],
            "ci_high": [0.09, 0.06, 0.035, 0.01, 0.006],
        }
    )
    ax = plots.channel_bars(decomposition, units="utility").axes[0]
    heights = [bar.get_height() for bar in ax.patches]
    np.testing.assert_allclose(heights, decomposition["mean_diff"])
    segments = ax.collections[0].get_segments()
    np.testing.assert_allclose([s[0][1] for s in segments], decomposition["ci_low"])
    np.testing.assert_allclose([s[1][1] for s in segments], decomposition["ci_high"])
    assert [t.get_text() for t in ax.get_xticklabels()] == decomposition["component"].tolist()
    with pytest.raises(ValueError, match="one cell"):
        plots.channel_bars(pd.concat([decomposition, decomposition.assign(cell=1)]))


def trace_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "replicate": [0, 0, 0, 0, 1, 1, 1],
            "step": [0, 1, 2, 3, 0, 1, 2],
            "proposer": [0, 1, 0, 1, 1, 0, 1],
            "offer": [0.010, 0.020, 0.012, 0.015, 0.02, 0.01, 0.018],
            "conditional": [False, False, False, True, False, False, False],
            "response": ["reject", "reject", "reject", "accept", "reject", "reject", "exit"],
            "utility_0": 0.0,
            "utility_1": 0.0,
        }
    )


def test_negotiation_trace_lines_and_marks():
    ax = plots.negotiation_trace(
        trace_table(), party_labels=("supplier", "dealer"), units="rebate"
    ).axes[0]
    assert len(ax.lines) == 4  # two negotiations x two proposers
    assert ax.lines[0].get_label() == "replicate 0, supplier"
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [0.020, 0.015])
    marks = {c.get_label(): c.get_offsets() for c in ax.collections}
    np.testing.assert_allclose(marks["accepted"], [[3, 0.015]])
    np.testing.assert_allclose(marks["conditional offer"], [[3, 0.015]])
    np.testing.assert_allclose(marks["exit"], [[2, 0.018]])
    only_one = plots.negotiation_trace(trace_table(), replicates=[1]).axes[0]
    assert len(only_one.lines) == 2 and "accepted" not in {
        c.get_label() for c in only_one.collections
    }
    many = pd.concat([trace_table().assign(replicate=r) for r in range(11)])
    with pytest.raises(ValueError, match="at most 10"):
        plots.negotiation_trace(many)


def test_save_figure_writes_png_and_svg_atomically_and_reproducibly(tmp_path):
    fig = plots.trajectories(trajectory_table(), "utility")
    png, svg = plots.save_figure(fig, tmp_path / "figures", "utility")
    (only,) = plots.save_figure(fig, tmp_path / "png-only", "utility", ("png",))
    assert only.suffix == ".png" and sorted(p.name for p in only.parent.iterdir()) == [
        "utility.png"
    ]
    assert (png.name, svg.name) == ("utility.png", "utility.svg")
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and png.stat().st_size > 1000
    text = svg.read_text()
    assert "<svg" in text and "<dc:date>" not in text
    assert sorted(p.name for p in png.parent.iterdir()) == ["utility.png", "utility.svg"]
    again = plots.save_figure(fig, tmp_path / "figures", "utility")
    assert again[1].read_text() == text


@pytest.mark.slow
def test_save_figures_in_parallel_writes_the_bytes_of_a_serial_save(tmp_path):
    def jobs(folder):
        return [
            (plots.trajectories(trajectory_table(), metric), folder, metric, formats)
            for metric, formats in (("utility", ("png", "svg")), ("belief_mean", ("png",)))
        ] + [(plots.trajectories(trajectory_table(n_rounds=6), "utility"), folder, "six", ("png",))]

    serial = plots.save_figures(jobs(tmp_path / "serial"), workers=1)
    forked = plots.save_figures(jobs(tmp_path / "forked"), workers=2)
    assert [[p.name for p in paths] for paths in forked] == [
        ["utility.png", "utility.svg"],
        ["belief_mean.png"],
        ["six.png"],
    ]
    for one, other in zip(serial, forked, strict=True):
        for a, b in zip(one, other, strict=True):
            assert a.parent.name == "serial" and b.parent.name == "forked"
            assert a.read_bytes() == b.read_bytes()


@pytest.mark.slow
def test_save_figures_reports_a_writer_failure(tmp_path):
    class Broken(Figure):
        def savefig(self, *args, **kwargs):
            raise RuntimeError("disk full")

    fine = plots.trajectories(trajectory_table(), "utility")
    with pytest.raises(RuntimeError, match="disk full"):
        plots.save_figures(
            [(fine, tmp_path, "fine", ("png",)), (Broken(), tmp_path, "broken", ("png",))],
            workers=2,
        )
    assert not list(tmp_path.glob("broken*"))


def test_save_figure_leaves_no_temporary_file_on_failure(tmp_path):
    class Broken(Figure):
        def savefig(self, *args, **kwargs):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        plots.save_figure(Broken(), tmp_path, "broken")
    assert list(tmp_path.iterdir()) == []


def test_the_reputation_figure_starts_each_arm_at_the_prior_of_its_policy():
    from bargainlab.config.files import load_study, resolve_study_path
    from bargainlab.reporting.figures import arm_priors

    study = load_study(resolve_study_path("reputation")).study
    assert study.reputation is not None
    prior = {
        "obstinate": 0.4,
        "firm": 0.15,
        "soft": 0.05,
        "face_saving": 0.2,
        "plain": 0.1,
        "pooling": 0.07,
        "pooling_plain": 0.03,
    }
    cell = {"reputation.prior": prior}  # a cell's typed values (the cells table's struct)
    # the placebo plays the face-saver's policy, so it starts at the face-saving type's prior
    policy_of = {
        "face_saver": "face_saving",
        "plain_concession": "plain",
        "capitulator": "soft",
        "obstinate": "obstinate",
        "firm": "firm",
        "placebo": "face_saving",
        "pooling": "pooling",
        "pooling_plain": "pooling_plain",
    }
    assert arm_priors(study, cell) == {arm: prior[t] for arm, t in policy_of.items()}
    own = study.reputation.prior
    assert arm_priors(study, {}) == {arm: own[t] for arm, t in policy_of.items()}
