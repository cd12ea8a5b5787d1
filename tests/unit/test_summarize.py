"""Tests for bargainlab.analysis.summary and bargainlab.reporting.report on synthetic rounds tables with known
effects, plus one small real simulation."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bargainlab.analysis import summary as S
from bargainlab.analysis.tournament import TournamentSpec
from bargainlab.config.schema import StudySpec
from bargainlab.experiments.translate import simulate
from bargainlab.relationships.table import COLUMNS
from bargainlab.reporting import figures as F
from bargainlab.reporting import report as R
from bargainlab.reporting.report import describe_cell, fmt
from studies import keys_for, study

AXES = ["rounds.rho", "strategies.dealer.params.kind"]
CELLS = [(0.0, "bayesian"), (0.0, "naive"), (0.8, "bayesian"), (0.8, "naive")]
FAST = {"n_resamples": 999}
ARMS = ("face_saver", "capitulator")


def make_rounds(
    effects: dict[int, float],
    *,
    n_replicates: int = 30,
    n_rounds: int = 4,
    channels: dict[str, float] | None = None,
    first_round_only: bool = False,
    seed: int = 0,
    axes: bool = True,
) -> pd.DataFrame:
    """A rounds table for the study of :func:`make_study`.

    The supplier's utility in a round is a per-replicate base (shared by both arms: common
    random numbers) plus, for face_saver, the cell's effect (in every round, or only round 1
    with ``first_round_only``) times the channels variant's factor, plus a tiny paired noise.
    Every replicate agrees in rounds 1..n_rounds-1 except replicate 0, which ends in round 2
    for the control arm. The dealer believes the supplier's value is 0.3; it is 0.25.
    """
    rng = np.random.default_rng(seed)
    variants = channels or {"all": 1.0}
    rows = []
    for cell, effect in effects.items():
        rho, kind = CELLS[cell]
        base = rng.uniform(0.3, 0.6, (n_replicates, n_rounds))
        for variant, factor in variants.items():
            for arm in ARMS:
                noise = rng.normal(0.0, 0.002, (n_replicates, n_rounds))
                for rep in range(n_replicates):
                    ended = arm == "capitulator" and rep == 0
                    for r in range(1, n_rounds + 1):
                        shift = (
                            effect * factor
                            if arm == "face_saver" and (r == 1 or not first_round_only)
                            else 0.0
                        )
                        active = not (ended and r > 2)
                        u = float(np.clip(base[rep, r - 1] + shift + noise[rep, r - 1], 0.0, 1.0))
                        if not active:
                            u = 0.0
                        common = {
                            "cell": cell,
                            **(
                                {"rounds.rho": rho, "strategies.dealer.params.kind": kind}
                                if axes
                                else {}
                            ),
                            "channels": variant,
                            "arm": arm,
                            "replicate": rep,
                            "round": r,
                        }
                        agreed = active and not (ended and r == 2)
                        for party in ("dealer", "supplier"):
                            rows.append(
                                {
                                    **common,
                                    "party": party,
                                    "strategy": "learner" if party == "dealer" else arm,
                                    "agreed": agreed,
                                    "terms": 1.5 + (0.1 if arm == "face_saver" else 0.0),
                                    "condition_offered": arm == "face_saver"
                                    and party == "supplier",
                                    "condition_met": False,
                                    "utility": u if party == "supplier" else 1.0 - u,
                                    "steps": 5 if active else 0,
                                    "exited": ended and r == 2,
                                    "active": active,
                                    "reservation_value": 0.25 if party == "supplier" else 0.6,
                                    "belief_mean": 0.3 if party == "dealer" else 0.5,
                                    "belief_sd": 0.1,
                                    "belief_pit": 0.5,
                                    "belief_type_mass": 1.0,
                                    "reference_point": 1.5,
                                    "subjective_value": 0.0,
                                    "condition_belief_mean": 0.05 if party == "supplier" else 0.0,
                                    "condition_belief_sd": 0.02 if party == "supplier" else 0.0,
                                    "first_offer": 1.8 if party == "dealer" else 1.0,
                                    "instant": False,
                                }
                            )
    frame = pd.DataFrame(rows)
    assert set(COLUMNS) <= set(frame.columns)
    return frame


def make_study(**overrides) -> StudySpec:
    base = {
        "sweep": {"rounds.rho": [0.0, 0.8], "strategies.dealer.params.kind": ["bayesian", "naive"]},
        "arms__comparisons": [["face_saver", "capitulator"]],
    }
    base.update(overrides)
    return study(**base)


def effect_rows(summary: pd.DataFrame) -> pd.DataFrame:
    return summary[(summary["section"] == "effect") & (summary["channels"] == "all")].reset_index(
        drop=True
    )


# --------------------------------------------------------------------------- the summary


def test_columns_one_row_per_cell_and_identical_bytes():
    rounds = make_rounds({0: 0.05, 1: 0.0, 2: -0.05, 3: 0.02})
    spec = make_study()
    a = S.summarize(rounds, spec, AXES, **FAST)
    b = S.summarize(rounds.sample(frac=1.0, random_state=3), spec, AXES, **FAST)
    assert list(a.columns) == [
        "section",
        "cell",
        *AXES,
        *S.EFFECT_COLUMNS[2:],
        *S.CALIBRATION_COLUMNS,
    ]
    assert a.to_csv(index=False) == b.to_csv(index=False)  # same input (any row order), same bytes
    calibration = a[a["section"] == "calibration"]
    assert len(calibration) > 0 and calibration["status"].notna().all()
    a = a[a["section"] == "effect"]
    assert len(a) == 4 and a["cell"].tolist() == [0, 1, 2, 3]
    assert a["comparison"].unique().tolist() == ["face_saver vs capitulator"]
    assert a["party"].unique().tolist() == ["supplier"]
    assert a[["rounds.rho", "strategies.dealer.params.kind"]].values.tolist() == [
        list(c) for c in CELLS
    ]


def test_known_effects_get_the_right_verdicts():
    rounds = make_rounds({0: 0.05, 1: 0.0, 2: -0.05, 3: 0.02}, n_replicates=40)
    table = effect_rows(S.summarize(rounds, make_study(), AXES, **FAST))
    assert table["verdict"].tolist() == ["helps", "no effect", "hurts", "helps"]
    # replicate 0 of the control ends in round 2 (utility 0 in rounds 3-4) in every cell
    assert table.loc[1, "mean_diff"] > 0
    assert np.allclose(
        table["payoff_treatment"] - table["payoff_control"], table["mean_diff"], atol=1e-12
    )
    assert (
        table.loc[0, "ci_low"] > 0.03
        and table.loc[2, "mean_diff"] < -0.03 < 0 < table.loc[0, "mean_diff"]
    )
    assert (table["p_holm"] >= table["p_value"]).all()
    assert table["payoff_rounds"].unique().tolist() == ["2-4"]


def test_effect_confined_to_round_one_does_not_count_as_a_later_round_effect():
    rounds = make_rounds({0: 0.2, 2: 0.2}, first_round_only=True, n_replicates=20)
    rounds = rounds[rounds["replicate"] != 0]  # drop the replicate whose control ends early
    table = effect_rows(S.summarize(rounds, make_study(), AXES, **FAST))
    assert table["verdict"].tolist() == ["no effect", "no effect"]
    assert np.allclose(table["mean_diff"], 0.0, atol=5e-3)


def test_one_round_study_uses_round_one_and_says_so(tmp_path):
    rounds = make_rounds({0: 0.05}, n_rounds=1, n_replicates=20)
    spec = make_study(rounds__count=1)
    summary = S.summarize(rounds, spec, AXES, **FAST)
    row = effect_rows(summary).iloc[0]
    assert row["payoff_rounds"] == "1" and row["verdict"] == "helps"
    text = R.report(tmp_path, rounds, summary, spec, AXES)
    assert "one round, so the payoff is the round-1 utility" in text


def test_per_arm_descriptors():
    rounds = make_rounds({0: 0.05}, n_replicates=10)
    row = effect_rows(S.summarize(rounds, make_study(), AXES, **FAST)).iloc[0]
    # rounds 2..4 of 10 replicates; control replicate 0 disagrees in round 2 and is gone after
    assert row["agreement_treatment"] == pytest.approx(1.0)
    assert row["agreement_control"] == pytest.approx(27 / 30)
    assert row["survival_treatment"] == pytest.approx(1.0)
    assert row["survival_control"] == pytest.approx(0.9)
    assert row["terms_treatment"] == pytest.approx(1.6)
    assert row["terms_control"] == pytest.approx(1.5)
    assert row["belief_error_treatment"] == pytest.approx(0.05)


def test_null_cells_match_on_every_where_path_and_the_comparison():
    nulls = [
        {"where": {"rounds.rho": 0.0}, "reason": "rho = 0 forgets"},
        {"where": {"rounds.rho": 0.8, "strategies.dealer.params.kind": "naive"}, "reason": "both"},
        {
            "where": {"rounds.rho": 0.8},
            "comparison": ["capitulator", "face_saver"],
            "reason": "other pair",
        },
        {
            "where": {"rounds.count": 4, "strategies.dealer.params.kind": "bayesian"},
            "reason": "unswept path",
        },
        {"where": {"rounds.rho": 0.0}, "channel": "information", "reason": "channel only"},
    ]
    rounds = make_rounds({0: 0.0, 1: 0.0, 2: 0.0, 3: 0.0}, n_replicates=8)
    table = effect_rows(S.summarize(rounds, make_study(null_cells=nulls), AXES, **FAST))
    assert table["null_cell"].tolist() == [True, True, True, True]
    assert table["null_reason"].tolist() == [
        "rho = 0 forgets; unswept path",
        "rho = 0 forgets",
        "unswept path",
        "both",
    ]
    single = make_study(null_cells=[{"where": {"rounds.rho": 0.8}, "reason": "x"}])
    table = effect_rows(S.summarize(rounds, single, AXES, **FAST))
    assert table["null_cell"].tolist() == [False, False, True, True]
    assert table["null_reason"].tolist() == ["", "", "x", "x"]


def test_null_values_stored_as_json_text_still_match():
    spec = make_study(
        null_cells=[{"where": {"condition.cost": 0.0, "rounds.rho": 0}, "reason": "r"}]
    )
    assert S.null_matches(spec, {"condition.cost": "0.0", "rounds.rho": 0.0}, ARMS) == ["r"]
    assert (
        S.null_matches(
            spec, {"condition.cost": '{"low": 0.0, "high": 0.1}', "rounds.rho": 0.0}, ARMS
        )
        == []
    )
    assert S.null_matches(spec, {"condition.cost": "0.0", "rounds.rho": 0.5}, ARMS) == []
    with pytest.raises(ValueError, match="neither a sweep axis nor a field of the study"):
        S.null_matches(make_study(null_cells=[{"where": {"no.such": 1}, "reason": "r"}]), {}, ARMS)


def test_channel_rows_decompose_and_carry_channel_nulls():
    variants = {"all": 1.0, "no_information": 0.4, "no_surplus": 1.0, "none": 0.0}
    rounds = make_rounds({0: 0.05, 2: 0.05}, channels=variants, n_replicates=30)
    spec = make_study(
        channels__decompose=True,
        null_cells=[
            {"where": {"rounds.rho": 0.8}, "channel": "surplus", "reason": "no surplus here"}
        ],
    )
    summary = S.summarize(rounds, spec, AXES, **FAST)
    channel = summary[summary["section"] == "channel"]
    assert channel["component"].tolist() == ["information", "surplus", "all_off", "interaction"] * 2
    info = channel[channel["component"] == "information"]
    assert np.allclose(info["mean_diff"], 0.6 * 0.05, atol=5e-3)
    assert (info["verdict"] == "helps").all()
    flagged = channel[channel["null_cell"]]
    assert flagged[["cell", "component"]].values.tolist() == [[2, "surplus"]]
    assert not summary.loc[summary["section"] == "effect", "null_cell"].any()  # a channel null only
    effect = summary[summary["section"] == "effect"]
    assert effect["channels"].tolist() == ["all", "no_information", "no_surplus", "none"] * 2


def test_summary_without_sweep():
    rounds = make_rounds({0: 0.05}, axes=False, n_replicates=12)
    spec = study(arms__comparisons=[["face_saver", "capitulator"]])
    summary = S.summarize(rounds, spec, [], **FAST)
    assert list(summary.columns) == [*S.EFFECT_COLUMNS, *S.CALIBRATION_COLUMNS]
    assert (summary["section"] == "effect").sum() == 1


# --------------------------------------------------------------------------- the report


def _numbers(text: str) -> list[float]:
    return [float(x.replace("−", "-")) for x in re.findall(r"[+−-]?\d+\.\d+(?:e[+−-]\d+)?", text)]


def test_report_contains_the_summary_numbers(tmp_path):
    rounds = make_rounds({0: 0.05, 1: 0.0, 2: -0.05, 3: 0.02})
    spec = make_study(question="Does it help?")
    summary = S.summarize(rounds, spec, AXES, **FAST)
    text = R.report(tmp_path, rounds, summary, spec, AXES)
    lines = text.splitlines()
    assert lines[0] == f"# {spec.name}" and "Does it help?" in text
    for row in effect_rows(summary).to_dict("records"):
        prefix = f"| {row['rounds.rho']:g} | {row['strategies.dealer.params.kind']} | face_saver vs capitulator | {row['n']} |"
        (line,) = [ln for ln in lines if ln.startswith(prefix)]
        cols = [c.strip() for c in line.strip("|").split("|")]
        assert _numbers(cols[4]) == pytest.approx([row["payoff_treatment"]], abs=5e-4)
        assert _numbers(cols[5]) == pytest.approx([row["payoff_control"]], abs=5e-4)
        assert _numbers(cols[6]) == pytest.approx(
            [row["mean_diff"], row["ci_low"], row["ci_high"]], abs=5e-4
        )
        assert cols[8] == row["verdict"]
    # design read from the study
    assert f"root seed {spec.seed}" in text and "`rounds.rho` = 0, 0.8" in text
    assert (
        "Replicates: 30 per cell" in text
        and "rho = 1" in text
        and "`learner` (kind=bayesian)" in text
    )
    # figures are linked relative to the report
    assert "![heatmap](figures/heatmap.png)" in text and "![trace]" not in text


def test_report_from_summary_read_back_from_csv(tmp_path):
    rounds = make_rounds({0: 0.05, 1: 0.0, 2: -0.05, 3: 0.02})
    spec = make_study(null_cells=[{"where": {"rounds.rho": 0.0}, "reason": "rho = 0"}])
    summary = S.summarize(rounds, spec, AXES, **FAST)
    summary.to_csv(tmp_path / "summary.csv", index=False)
    direct = R.report(tmp_path, rounds, summary, spec, AXES)
    assert R.report(tmp_path, rounds, pd.read_csv(tmp_path / "summary.csv"), spec, AXES) == direct


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_honest_conclusion_flips_with_the_sign_of_the_effect(tmp_path, sign):
    rounds = make_rounds({0: 0.05 * sign, 1: 0.05 * sign, 2: 0.05 * sign, 3: 0.05 * sign}, seed=4)
    rounds = rounds[rounds["replicate"] != 0]
    spec = make_study()
    summary = S.summarize(rounds, spec, AXES, **FAST)
    text = R.report(tmp_path, rounds, summary, spec, AXES)
    conclusion = text.split("## Honest conclusion", 1)[1]
    row = effect_rows(summary).iloc[2]
    where = describe_cell({"rounds.rho": 0.8, "strategies.dealer.params.kind": "bayesian"})
    verb = "helps" if sign > 0 else "hurts"
    sentence = (
        f"Playing face_saver instead of capitulator {verb} the supplier {where} "
        f"({fmt(row['mean_diff'], signed=True)} [{fmt(row['ci_low'], signed=True)}, {fmt(row['ci_high'], signed=True)}])."
    )
    assert sentence in conclusion
    if sign > 0:
        assert "helps the supplier in 4 cells" in conclusion
        assert "Where the essay's advice fails" not in conclusion
        assert "helps in every cell tested" in conclusion
    else:
        assert "hurts in 4 cells" in conclusion
        assert "**Where the essay's advice fails:**" in conclusion
        assert "**The essay's advice is not supported:**" in conclusion


def test_report_null_cell_pass_and_fail(tmp_path):
    rounds = make_rounds({0: 0.0, 1: 0.05, 2: 0.0, 3: 0.0}, n_replicates=30)
    rounds = rounds[rounds["replicate"] != 0]
    spec = make_study(
        null_cells=[{"where": {"strategies.dealer.params.kind": "naive"}, "reason": "no learning"}]
    )
    summary = S.summarize(rounds, spec, AXES, **FAST)
    text = R.report(tmp_path, rounds, summary, spec, AXES)
    null_part = text.split("## Pre-registered null cells", 1)[1].split("##", 1)[0]
    assert "| 0 | naive | face_saver vs capitulator | total |" in null_part
    assert "FAIL" in null_part and "| pass |" in null_part
    assert "1 of 2 pre-registered null row(s) fail" in text


def test_report_ci_profile_note(tmp_path):
    rounds = make_rounds({0: 0.05}, n_replicates=10)
    summary = S.summarize(rounds, make_study(), AXES, **FAST)
    spec = make_study(replicates=1000)
    text = R.report(tmp_path, rounds, summary, spec, AXES)
    assert "this report was generated at 10 replicates; the full study uses 1000" in text
    same = make_study(replicates=10, reproduce={"replicates": 10})
    assert "`reproduce.replicates` profile" in R.report(tmp_path, rounds, summary, same, AXES)
    full = make_study(replicates=10)
    assert "CI profile" not in R.report(tmp_path, rounds, summary, full, AXES)
    assert "full study uses 400" in R.report(
        tmp_path, rounds, summary, full, AXES, full_replicates=400
    )


# --------------------------------------------------------------------------- figures


def make_traces(rounds: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for arm in ARMS:
        for rep in range(3):
            for step in range(4):
                rows.append(
                    {
                        "cell": 0,
                        "channels": "all",
                        "arm": arm,
                        "replicate": rep,
                        "round": 1,
                        "step": step,
                        "proposer": step % 2,
                        "offer": 1.8 - 0.1 * step,
                        "conditional": arm == "face_saver" and step == 3,
                        "response": "accept" if step == 3 else "reject",
                        "utility_0": 0.5,
                        "utility_1": 0.5,
                    }
                )
    return pd.DataFrame(rows)


@pytest.mark.slow
def test_figures_written_key_figure_first(tmp_path, monkeypatch):
    monkeypatch.setattr(S, "N_RESAMPLES", 999)
    variants = {"all": 1.0, "no_information": 0.5, "none": 0.0}
    rounds = make_rounds({0: 0.05, 1: 0.0, 2: -0.05, 3: 0.02}, channels=variants, n_replicates=10)
    spec = make_study(
        channels__decompose=True, null_cells=[{"where": {"rounds.rho": 0.0}, "reason": "r"}]
    )
    paths = F.figures(tmp_path, rounds, spec, AXES, make_traces(rounds))
    stems = [p.stem for p in paths]
    assert stems == ["heatmap", "trajectories", "terms", "beliefs", "channels", "trace"]
    for p in paths:
        assert p.parent == tmp_path / "figures" and p.suffix == ".png" and p.stat().st_size > 0
        assert p.with_suffix(".svg").is_file()
    assert stems == F.figure_plan(rounds, spec, AXES, traces=True)


@pytest.mark.slow
def test_single_axis_study_leads_with_trajectories(tmp_path):
    rounds = make_rounds({0: 0.05, 2: 0.0}, n_replicates=8)
    rounds = rounds.drop(columns="strategies.dealer.params.kind")
    spec = study(sweep={"rounds.rho": [0.0, 0.8]})
    paths = F.figures(tmp_path, rounds, spec, ["rounds.rho"])
    assert [p.stem for p in paths] == ["trajectories", "terms", "beliefs"]


# --------------------------------------------------------------------------- tournament


TOURNAMENT = TournamentSpec(
    opponent_axis="strategies.dealer.params.kind",
    generations=200,
    resamples=200,
    population_size=50,
)


def test_tournament_rows_in_summary_and_report(tmp_path):
    rounds = make_rounds({0: 0.05, 1: 0.05, 2: 0.05, 3: 0.05}, n_replicates=20)
    spec = make_study()
    summary = S.summarize(rounds, spec, AXES, tournament=TOURNAMENT, **FAST)
    tail = list(summary.columns)[-len(S.TOURNAMENT_COLUMNS) - len(S.CALIBRATION_COLUMNS) :]
    assert tail == [*S.TOURNAMENT_COLUMNS, *S.CALIBRATION_COLUMNS]
    sections = summary["section"].unique().tolist()
    assert sections == [
        "effect",
        "tournament_payoff",
        "tournament_mix",
        "tournament_fixation",
        "calibration",
    ]
    payoff = summary[summary["section"] == "tournament_payoff"]
    # two contexts (rho) x two opponent types x two arms x two parties
    assert len(payoff) == 16 and (payoff["ci_low"] <= payoff["value"]).all()
    mix = summary[(summary["section"] == "tournament_mix") & (summary["strategy"] == "face_saver")]
    assert mix["spreads"].astype(bool).all()  # it earns more against every opponent type
    text = R.report(tmp_path, rounds, summary, spec, AXES)
    assert "## Evolutionary tournament" in text and "In the tournament, face_saver spreads" in text
    assert "It does not spread" not in text
    again = S.summarize(rounds, spec, AXES, tournament=TOURNAMENT, **FAST)
    assert again.to_csv(index=False) == summary.to_csv(index=False)


@pytest.mark.slow
def test_tournament_read_from_a_study_field(tmp_path):
    class WithTournament(StudySpec):
        tournament: TournamentSpec | None = None

    spec = WithTournament.model_validate(
        {**make_study().model_dump(), "tournament": TOURNAMENT.model_dump()}
    )
    assert S.study_tournament(spec) == TOURNAMENT
    assert S.study_tournament(make_study()) is None
    rounds = make_rounds({0: 0.05, 1: 0.05, 2: 0.05, 3: 0.05}, n_replicates=8)
    assert "tournament_mix" in set(S.summarize(rounds, spec, AXES, **FAST)["section"])
    paths = F.figures(tmp_path, rounds, spec, AXES)
    assert {"tournament", "tournament_payoffs"} <= {p.stem for p in paths}


# --------------------------------------------------------------------------- a real run


@pytest.mark.slow
def test_real_simulation_end_to_end(tmp_path):
    spec = study(
        rounds__count=3,
        arms__strategies={
            "face_saver": {"name": "face_saver"},
            "capitulator": {"name": "capitulator"},
        },
    )
    n = 12
    rounds, traces = simulate(spec, keys_for(n), np.arange(n), traces=True)
    rounds.insert(0, "cell", 0)
    summary = S.summarize(rounds, spec, [], **FAST)
    summary = summary[summary["section"] != "calibration"]
    stats = [
        "n",
        "payoff_treatment",
        "payoff_control",
        "mean_diff",
        "ci_low",
        "ci_high",
        "p_value",
        "p_holm",
        "effect_size",
    ]
    assert np.isfinite(summary[stats].to_numpy(dtype=float)).all()
    assert set(summary["verdict"]) <= {"helps", "no effect", "hurts"}
    assert (summary["ci_low"] <= summary["mean_diff"]).all() and (
        summary["mean_diff"] <= summary["ci_high"]
    ).all()
    traces.insert(0, "cell", 0)
    paths = F.figures(tmp_path, rounds, spec, [], traces)
    assert paths[0].stem == "trajectories" and "trace" in [p.stem for p in paths]
    text = R.report(tmp_path, rounds, summary, spec, [])
    assert "![trace](figures/trace.png)" in text and "No sweep: one cell." in text
    assert Path(tmp_path / "figures" / "trace.svg").is_file()


@pytest.mark.slow
def test_figures_reuse_a_given_summary(tmp_path, monkeypatch):
    rounds = make_rounds({0: 0.05, 1: 0.0, 2: -0.05, 3: 0.02}, n_replicates=8)
    spec = make_study()
    summary = S.summarize(rounds, spec, AXES, **FAST)
    summary.to_csv(tmp_path / "summary.csv", index=False)

    def boom(*args, **kwargs):
        raise AssertionError("effects recomputed")

    import bargainlab.reporting.figures as F

    monkeypatch.setattr(F, "effects_table", boom)
    paths = F.figures(tmp_path, rounds, spec, AXES, summary=pd.read_csv(tmp_path / "summary.csv"))
    assert paths[0].stem == "heatmap"
    with pytest.raises(AssertionError, match="effects recomputed"):
        F.figures(tmp_path, rounds, spec, AXES)


def test_union_of_grids_cells_are_described_by_their_own_grid(tmp_path):
    rounds = make_rounds({0: 0.05, 1: 0.0, 2: 0.0, 3: 0.0}, n_replicates=12)
    rounds = rounds[rounds["replicate"] != 0].assign(**{"game.horizon": 20})
    extra = rounds[rounds["cell"] == 0].assign(
        cell=4, **{"rounds.rho": 1.0, "game.horizon": 1}
    )  # the base study has rho = 1 and kind = bayesian
    rounds = pd.concat([rounds, extra], ignore_index=True)
    axes = [*AXES, "game.horizon"]
    spec = make_study(
        sweep=[
            {"rounds.rho": [0.0, 0.8], "strategies.dealer.params.kind": ["bayesian", "naive"]},
            {"game.horizon": [1]},
        ],
        null_cells=[{"where": {"game.horizon": 1}, "reason": "one offer"}],
    )
    summary = S.summarize(rounds, spec, axes, **FAST)
    assert effect_rows(summary)["null_cell"].tolist() == [False] * 4 + [True]
    text = R.report(tmp_path, rounds, summary, spec, axes)
    assert "helps the supplier where horizon is 1 (" in text
    assert "helps the supplier where rho is 0 and the dealer's kind is bayesian (" in text
    assert "| horizon = 1 |" in text and "| horizon = 20 |" not in text
    assert "| rho = 1 |" not in text
    assert "Sweep grid 2 of 2 (other axes at the study's values): `game.horizon` = 1." in text


def test_verdicts_need_the_interval_and_the_holm_adjusted_test():
    table = pd.DataFrame(
        {
            "ci_low": [0.01, 0.01, -0.05, -0.02],
            "ci_high": [0.05, 0.05, -0.01, 0.03],
            "p_holm": [0.001, 0.2, 0.01, 0.001],
        }
    )
    assert S.adjusted_verdicts(table).tolist() == ["helps", "no effect", "hurts", "no effect"]
