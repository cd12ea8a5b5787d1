"""Tests for bargainlab.analysis.summary and bargainlab.reporting.report on synthetic rounds
tables with known effects (the small tables are derived from them), plus one small real
simulation."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import re

import numpy as np
import pandas as pd
import pytest

from bargainlab.analysis import summary as S
from bargainlab.analysis.derive import replicates_from_rounds, trajectories_from_rounds
from bargainlab.analysis.parts import part
from bargainlab.analysis.tournament import TournamentSpec
from bargainlab.config.cells import SweepCells
from bargainlab.experiments.translate import simulate
from bargainlab.relationships.table import COLUMNS
from bargainlab.reporting import figures as F
from bargainlab.reporting import report as R
from bargainlab.reporting.text import describe_cell, fmt_interval, headline_phrase
from studies import keys_for, study

AXES = ["rounds.rho", "strategies.dealer.params.kind"]
CELLS = [(0.0, "bayesian"), (0.0, "naive"), (0.8, "bayesian"), (0.8, "naive")]
ARMS = ("face_saver", "capitulator")
FAST = {"resamples": 999, "tail": 5}


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


def make_study(**overrides) -> object:
    base = {
        "sweep": {"rounds.rho": [0.0, 0.8], "strategies.dealer.params.kind": ["bayesian", "naive"]},
        "arms__comparisons": [["face_saver", "capitulator"]],
        "analysis": FAST,
    }
    base.update(overrides)
    return study(**base)


def reps(rounds: pd.DataFrame) -> pd.DataFrame:
    return replicates_from_rounds(rounds, "supplier", "dealer")


def summarize(rounds: pd.DataFrame, spec, **kwargs) -> S.Summary:
    return S.summarize(reps(rounds), spec, rounds_sample=rounds, **kwargs)


def cells(spec) -> SweepCells:
    """The study's typed sweep cells."""
    return SweepCells.of_study(spec)


def report(tmp_path, summary: S.Summary, spec) -> str:
    """The report of a summary."""
    return R.report(tmp_path, summary, spec, cells(spec))


def figures(tmp_path, summary: S.Summary, rounds: pd.DataFrame, spec, **kwargs) -> list:
    """The figures of a summary and its rounds."""
    trajectories = trajectories_from_rounds(rounds)
    return F.figures(tmp_path, summary, trajectories, spec, cells(spec), **kwargs)


def plan(summary: S.Summary, spec, **kwargs) -> list[str]:
    """The figures a summary gets."""
    return F.figure_plan(summary, spec, cells(spec), **kwargs)


def headline(summary: S.Summary) -> pd.DataFrame:
    return window(summary, "later")


def window(summary: S.Summary, name: str) -> pd.DataFrame:
    effects = summary.effects
    return effects[effects["window"] == name].reset_index(drop=True)


# --------------------------------------------------------------------------- the summary


def test_parts_columns_order_and_identical_bytes(tmp_path):
    rounds = make_rounds({0: 0.05, 1: 0.0, 2: -0.05, 3: 0.02})
    spec = make_study()
    a = summarize(rounds, spec)
    b = summarize(rounds.sample(frac=1.0, random_state=3), spec)
    # rho is swept, so the mechanism part holds the persistence rows (one per kind)
    assert a.parts == ("effects", "survival", "mechanism", "power", "calibration")
    assert a.mechanism["component"].tolist() == ["persistence"] * 2
    for name in a.parts:  # each part has its declared columns, and no other
        assert list(a.part(name).columns) == part(name).names
        assert a.part(name).to_csv(index=False) == b.part(name).to_csv(index=False)
    assert a.mediation.empty and list(a.mediation.columns) == part("mediation").names
    effect = a.effects
    # the headline window first, then the others; 4 cells x 4 windows
    assert (
        effect["window"].tolist()
        == ["later"] * 4 + ["round1"] * 4 + ["whole"] * 4 + ["survivors"] * 4
    )
    # max-T: every row of the family at the family-wise level itself, the family's size in m
    assert (effect["m"] == 16).all() and np.allclose(effect["ci_level"], 1 - 0.05)
    assert (a.survival["m"] == 4).all() and len(a.survival) == 4
    assert set(zip(effect["treatment"], effect["control"], strict=True)) == {ARMS}
    assert headline(a)["cell"].tolist() == [0, 1, 2, 3]
    # power: one row per row of effects and survival, keyed like them
    power = a.power
    assert len(power) == 16 + 4
    assert power.loc[power["family"] == "survival", "window"].eq("round1").all()
    keys = ["cell", "treatment", "control", "window"]
    assert power[power["family"] == "effect"][keys].equals(effect[keys])
    assert a.calibration["sample"].iloc[0].startswith("cell(s) 0, 1, 2, 3; 30 replicates")
    written = a.write(tmp_path / "summary")
    assert [p.name for p in written] == [f"{n}.csv" for n in a.parts]
    back = S.Summary.read(tmp_path / "summary")
    assert back.equals(a)
    assert [p.name for p in back.write(tmp_path / "again")] == [p.name for p in written]
    for path in written:  # the same bytes when read back and written again
        assert (tmp_path / "again" / path.name).read_bytes() == path.read_bytes()


def test_known_effects_get_the_right_verdicts_and_coherent_p_values():
    rounds = make_rounds({0: 0.05, 1: 0.0, 2: -0.05, 3: 0.02}, n_replicates=40)
    rounds = rounds[rounds["replicate"] != 0]  # the replicate whose control ends early
    summary = summarize(rounds, make_study())
    table = headline(summary)
    assert table["verdict"].tolist() == ["helps", "negligible", "hurts", "helps"]
    assert table.loc[0, "ci_low"] > 0.04 and table.loc[2, "ci_high"] < -0.04
    assert np.allclose(table["payoff_treatment"] - table["payoff_control"], table["mean_diff"])
    tested = pd.concat([summary.effects, summary.survival], ignore_index=True)
    excludes = (tested["ci_low"] > 0) | (tested["ci_high"] < 0)
    assert (excludes == (tested["p_adjusted"] < 0.05)).all()
    # a family's adjusted p-value is at least the row's own (its maxima include the row)
    assert (tested["p_adjusted"] >= tested["p_value"]).all()
    assert (tested["p_adjusted"] > tested["p_value"]).any()
    assert (tested["sesoi"] == 0.01).all()


def test_an_effect_confined_to_round_one_is_seen_in_round_one_only():
    rounds = make_rounds({0: 0.2, 2: 0.2}, first_round_only=True, n_replicates=20)
    rounds = rounds[rounds["replicate"] != 0]
    summary = summarize(rounds, make_study())
    assert headline(summary)["verdict"].tolist() == ["negligible", "negligible"]
    assert window(summary, "round1")["verdict"].tolist() == ["helps", "helps"]
    whole = window(summary, "whole")
    assert np.allclose(whole["mean_diff"], 0.2 / 4, atol=2e-3)


def test_one_round_study_has_the_round_one_window_only(tmp_path):
    rounds = make_rounds({0: 0.05}, n_rounds=1, n_replicates=20)
    spec = make_study(rounds__count=1)
    summary = summarize(rounds, spec)
    effect = summary.effects
    assert effect["window"].tolist() == ["round1"] and effect["verdict"].item() == "helps"
    assert not summary.has("survival") and summary.survival.empty
    text = report(tmp_path, summary, spec)
    assert "The supplier's payoff in round 1; " in text


def test_per_arm_descriptors():
    rounds = make_rounds({0: 0.05}, n_replicates=10)
    row = headline(summarize(rounds, make_study())).iloc[0]
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
    summary = summarize(rounds, make_study(null_cells=nulls))
    table = summary.nulls
    assert table["cell"].tolist() == [0, 1, 2, 3] and set(table["tested"]) == {"total"}
    assert table["reason"].tolist() == [
        "rho = 0 forgets; unswept path",
        "rho = 0 forgets",
        "unswept path",
        "both",
    ]
    # only the headline window carries the null
    assert set(table["window"]) == {"later"}


def test_null_checks_exact_zero_negligible_fail_undetermined():
    rounds = make_rounds({0: 0.0, 1: 0.05, 2: 0.0, 3: 0.0}, n_replicates=30)
    rounds = rounds[rounds["replicate"] != 0]
    # cell 2: exactly equal arms (a wiring check); cell 3: small noise only (negligible)
    exact = (rounds["cell"] == 2) & (rounds["arm"] == "face_saver")
    twin = rounds[(rounds["cell"] == 2) & (rounds["arm"] == "capitulator")]
    rounds.loc[exact, "utility"] = twin["utility"].to_numpy()
    nulls = [
        {"where": {"strategies.dealer.params.kind": "naive"}, "reason": "no learning"},
        {
            "where": {"rounds.rho": 0.8, "strategies.dealer.params.kind": "bayesian"},
            "reason": "same",
            "exact": True,
        },
        {
            "where": {"rounds.rho": 0.0, "strategies.dealer.params.kind": "bayesian"},
            "reason": "declared exact",
            "exact": True,
        },
    ]
    summary = summarize(rounds, make_study(null_cells=nulls))
    checks = summary.nulls.set_index("cell")["check"].to_dict()
    assert checks == {0: "fail", 1: "fail", 2: "exact zero", 3: "negligible"}
    # cell 0 is declared exact but its differences are only nearly 0; cell 1 helps
    assert headline(summary).loc[0, "verdict"] == "negligible"


def test_channel_rows_decompose_and_carry_channel_nulls():
    variants = {"all": 1.0, "no_information": 0.4, "no_surplus": 1.0, "none": 0.0}
    rounds = make_rounds({0: 0.05, 2: 0.05}, channels=variants, n_replicates=30)
    rounds = rounds[rounds["replicate"] != 0]
    spec = make_study(
        channels__decompose=True,
        null_cells=[
            {"where": {"rounds.rho": 0.8}, "channel": "surplus", "reason": "no surplus here"}
        ],
    )
    summary = summarize(rounds, spec)
    channel = summary.channels
    assert (
        channel["component"].tolist()
        == ["total", "information", "surplus", "all_off", "interaction"] * 2
    )
    assert (channel["ci_level"] == 0.95).all() and set(channel["window"]) == {"later"}
    info = channel[channel["component"] == "information"]
    assert np.allclose(info["mean_diff"], 0.6 * 0.05, atol=5e-3)
    assert (info["verdict"] == "helps").all()
    flagged = summary.nulls
    assert flagged[["cell", "tested"]].values.tolist() == [[2, "surplus"]]
    assert flagged["check"].tolist() == ["negligible"]  # noisy variants: not exactly 0


def test_summary_without_sweep():
    rounds = make_rounds({0: 0.05}, axes=False, n_replicates=12)
    spec = study(arms__comparisons=[["face_saver", "capitulator"]], analysis=FAST)
    summary = summarize(rounds, spec)
    assert summary.parts == ("effects", "survival", "power", "calibration")
    assert len(summary.effects) == 4 and set(summary.effects["cell"]) == {0}


# --------------------------------------------------------------------------- the report


def _numbers(text: str) -> list[float]:
    return [float(x.replace("−", "-")) for x in re.findall(r"[+−-]?\d+\.\d+(?:e[+−-]\d+)?", text)]


def test_report_answers_first_in_the_study_own_words(tmp_path):
    rounds = make_rounds({0: 0.05, 1: 0.0, 2: -0.05, 3: 0.02}, n_replicates=40)
    rounds = rounds[rounds["replicate"] != 0]
    spec = make_study(
        question="Does saving face help the supplier?",
        analysis={**FAST, "labels": {"rounds.rho": "type persistence"}},
    )
    summary = summarize(rounds, spec)
    text = report(tmp_path, summary, spec)
    lines = text.splitlines()
    assert lines[0] == f"# {spec.name}"
    first = text.split("## Design", 1)[0]
    assert "Does saving face help the supplier?" in first
    assert "![forest](figures/forest.png)" in first
    answer = first.split("## Answer", 1)[1]
    first_paragraph = answer.strip().split("\n\n")[0]
    assert len(first_paragraph.split()) <= 80
    # helps / hurts / negligible / undetermined, each comparison once
    assert "face_saver vs capitulator 2/1/1/0." in first_paragraph
    rows = headline(summary)
    top = rows.loc[rows["mean_diff"].abs().idxmax()]
    where = describe_cell({a: cells(spec).value(int(top["cell"]), a) for a in AXES}, spec)
    assert where.startswith("where type persistence is ")
    assert (
        f"The largest effect is face_saver instead of capitulator {where}: "
        f"{fmt_interval(top)} ({top['verdict']})" in answer
    )
    assert f"adjusted for {int(top['m'])} rows" in answer
    for word in ("essay", "LITERATURE", "DESIGN", "seed/"):
        assert word not in text


def test_report_tables_carry_the_summary_numbers(tmp_path):
    rounds = make_rounds({0: 0.05, 1: 0.0, 2: -0.05, 3: 0.02})
    spec = make_study()
    summary = summarize(rounds, spec)
    text = report(tmp_path, summary, spec)
    table = text.split("## Effects by outcome window", 1)[1].split("Per arm", 1)[0]
    for row in headline(summary).to_dict("records"):
        rho, kind = (cells(spec).value(row["cell"], a) for a in AXES)
        prefix = f"| {rho:g} | {kind} | face_saver vs capitulator |"
        (line,) = [ln for ln in table.splitlines() if ln.startswith(prefix)]
        entries = [c.strip() for c in line.strip("|").split("|")]
        later = entries[4]  # windows: round1, later, whole, survivors
        assert _numbers(later) == pytest.approx(
            [row["mean_diff"], row["ci_low"], row["ci_high"]], abs=5e-4
        )
        assert later.endswith(row["verdict"])
    assert f"root seed {spec.seed}" in text and "`rounds.rho` = 0, 0.8" in text
    assert "Replicates: 30 per cell" in text and "`learner` (kind=bayesian)" in text
    assert "headline window `later`" in text
    assert "![heatmap](figures/heatmap.png)" in text and "![trace]" not in text


def test_report_from_summary_read_back_from_its_files(tmp_path):
    rounds = make_rounds({0: 0.05, 1: 0.0, 2: -0.05, 3: 0.02})
    spec = make_study(null_cells=[{"where": {"rounds.rho": 0.0}, "reason": "rho = 0"}])
    summary = summarize(rounds, spec)
    summary.write(tmp_path / "summary")
    direct = report(tmp_path, summary, spec)
    assert report(tmp_path, S.Summary.read(tmp_path / "summary"), spec) == direct


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_the_answer_flips_with_the_sign_of_the_effect(tmp_path, sign):
    rounds = make_rounds({c: 0.05 * sign for c in range(4)}, seed=4)
    rounds = rounds[rounds["replicate"] != 0]
    spec = make_study()
    summary = summarize(rounds, spec)
    answer = report(tmp_path, summary, spec).split("## Answer", 1)[1].split("##", 1)[0]
    rows = headline(summary)
    row = rows.loc[rows["mean_diff"].abs().idxmax()]
    where = describe_cell({a: cells(spec).value(int(row["cell"]), a) for a in AXES}, spec)
    largest = f"The largest effect is face_saver instead of capitulator {where}: "
    if sign > 0:
        assert "face_saver vs capitulator 4/0/0/0." in answer
        assert f"{largest}{fmt_interval(row)} (helps)" in answer
    else:
        assert "face_saver vs capitulator 0/4/0/0." in answer
        assert f"{largest}{fmt_interval(row)} (hurts)" in answer


def test_report_null_cells_power_and_profile(tmp_path):
    rounds = make_rounds({0: 0.0, 1: 0.05, 2: 0.0, 3: 0.0}, n_replicates=30)
    rounds = rounds[rounds["replicate"] != 0]
    spec = make_study(
        null_cells=[{"where": {"strategies.dealer.params.kind": "naive"}, "reason": "no learning"}]
    )
    summary = summarize(rounds, spec)
    text = report(tmp_path, summary, spec)
    null_part = text.split("## Pre-registered null cells", 1)[1].split("\n## ", 1)[0]
    assert "| 0 | naive | face_saver vs capitulator | total |" in null_part
    assert "FAIL" in null_part and "pass: negligible (evidence)" in null_part
    assert "2 null row(s): 1 fail, 1 negligible." in null_part
    assert "## Power" in text
    effects = summary.effects.copy()
    effects.loc[0, ["verdict", "ci_low", "ci_high"]] = ["undetermined", -0.05, 0.05]
    noisy = summary.with_parts(effects=effects)
    text = report(tmp_path, noisy, spec)
    assert "1 headline row(s) stay undetermined at 29 replicates" in text
    big = make_study(replicates=1000)
    text = report(tmp_path, summary, big)
    assert "generated at 29 replicates; the full study uses 1000" in text
    same = make_study(replicates=29, reproduce={"replicates": 29})
    assert "`reproduce.replicates` profile" in report(tmp_path, summary, same)


def test_mediation_rows_reach_the_summary_and_the_report(tmp_path):
    rounds = make_rounds({0: 0.05, 2: 0.05}, n_replicates=20)
    rounds = rounds[rounds["replicate"] != 0]
    table = reps(rounds)
    control = table[(table["arm"] == "capitulator") & (table["channels"] == "all")]
    mediation = pd.concat(
        [
            control[["cell", "replicate"]].assign(
                treatment="face_saver",
                control="capitulator",
                piece=piece,
                payoff_later=control["payoff_later"].to_numpy() + share * 0.05,
            )
            for piece, share in (("posterior", 0.6), ("reference_point", 0.4))
        ],
        ignore_index=True,
    )
    spec = make_study()
    summary = S.summarize(table, spec, mediation=mediation)
    med = summary.mediation
    assert summary.has("mediation") and list(med.columns) == part("mediation").names
    assert med["component"].tolist() == ["total", "posterior", "reference_point", "interaction"] * 2
    posterior = med[med["component"] == "posterior"]
    assert np.allclose(posterior["mean_diff"], 0.03)
    text = report(tmp_path, summary, spec)
    assert "## How the later-round effect is carried: state transplants" in text
    assert "no mediation table" not in text


# --------------------------------------------------------------------------- figures


def make_traces() -> pd.DataFrame:
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
def test_figures_written_key_figure_first(tmp_path):
    variants = {"all": 1.0, "no_information": 0.5, "none": 0.0}
    rounds = make_rounds({0: 0.05, 1: 0.0, 2: -0.05, 3: 0.02}, channels=variants, n_replicates=10)
    spec = make_study(
        channels__decompose=True, null_cells=[{"where": {"rounds.rho": 0.0}, "reason": "r"}]
    )
    summary = summarize(rounds, spec)
    paths = figures(tmp_path, summary, rounds, spec, traces=make_traces())
    stems = [p.stem for p in paths]
    assert stems == ["forest", "heatmap", "trajectories", "terms", "beliefs", "channels", "trace"]
    assert stems == plan(summary, spec, traces=True)
    for p in paths:
        assert p.parent == tmp_path / "figures" and p.suffix == ".png" and p.stat().st_size > 0
    assert (tmp_path / "figures" / "forest.svg").is_file()
    assert not (tmp_path / "figures" / "trajectories.svg").exists()


@pytest.mark.slow
def test_single_axis_study_has_no_heatmap(tmp_path):
    rounds = make_rounds({0: 0.05, 2: 0.0}, n_replicates=8).drop(
        columns="strategies.dealer.params.kind"
    )
    spec = study(sweep={"rounds.rho": [0.0, 0.8]}, analysis=FAST)
    summary = summarize(rounds, spec)
    paths = figures(tmp_path, summary, rounds, spec)
    assert [p.stem for p in paths] == ["forest", "trajectories", "terms", "beliefs"]


# --------------------------------------------------------------------------- tournament


TOURNAMENT = TournamentSpec(
    opponent_axis="strategies.dealer.params.kind",
    generations=200,
    resamples=200,
    population_size=50,
)


@pytest.mark.slow
def test_tournament_rows_in_summary_and_report(tmp_path):
    rounds = make_rounds({0: 0.05, 1: 0.05, 2: 0.05, 3: 0.05}, n_replicates=20)
    spec = make_study()
    summary = summarize(rounds, spec, tournament=TOURNAMENT)
    assert summary.parts == (
        "effects",
        "survival",
        "mechanism",
        "power",
        "calibration",
        "tournament_payoff",
        "tournament_mix",
        "tournament_fixation",
    )
    payoff = summary.tournament_payoff
    # two contexts (rho) x two opponent types x two arms x two parties
    assert len(payoff) == 16 and (payoff["ci_low"] <= payoff["mean"]).all()
    # a context is one value of rho: its cells are the two opponent types
    contexts = payoff.groupby("context")["cell"].agg(lambda c: sorted(set(c))).to_dict()
    assert contexts == {0: [0, 1], 1: [2, 3]}
    mix = summary.tournament_mix
    treated = mix[mix["strategy"] == "face_saver"]
    assert treated["spreads"].astype(bool).all()  # it earns more against every opponent type
    assert mix.loc[mix["strategy"] != "face_saver", "spreads"].isna().all()
    assert set(summary.tournament_fixation["context"]) == {0, 1}
    text = report(tmp_path, summary, spec)
    assert "## Evolutionary tournament" in text and "In the tournament, face_saver spreads" in text
    assert "It does not spread" not in text
    again = summarize(rounds, spec, tournament=TOURNAMENT)
    assert again.equals(summary)


# --------------------------------------------------------------------------- a real run


@pytest.mark.slow
def test_real_simulation_end_to_end(tmp_path):
    spec = study(
        rounds__count=3,
        arms__strategies={
            "face_saver": {"name": "face_saver"},
            "capitulator": {"name": "capitulator"},
        },
        analysis=FAST,
    )
    n = 12
    rounds, traces = simulate(spec, keys_for(n), np.arange(n), traces=True)
    rounds.insert(0, "cell", 0)
    summary = summarize(rounds, spec)
    tested = pd.concat([summary.effects, summary.survival], ignore_index=True)
    assert set(tested["verdict"]) <= {"helps", "hurts", "negligible", "undetermined"}
    assert (tested["ci_low"] <= tested["mean_diff"]).all() and (
        tested["mean_diff"] <= tested["ci_high"]
    ).all()
    traces.insert(0, "cell", 0)
    paths = figures(tmp_path, summary, rounds, spec, traces=traces)
    assert paths[0].stem == "forest" and "trace" in [p.stem for p in paths]
    text = report(tmp_path, summary, spec)
    assert "![trace](figures/trace.png)" in text and "No sweep: one cell." in text


def test_union_of_grids_cells_are_described_by_their_own_grid(tmp_path):
    rounds = make_rounds({0: 0.05, 1: 0.0, 2: 0.0, 3: 0.0}, n_replicates=12)
    rounds = rounds[rounds["replicate"] != 0].assign(**{"game.horizon": 20})
    extra = rounds[rounds["cell"] == 0].assign(
        cell=4, **{"rounds.rho": 1.0, "game.horizon": 1}
    )  # the base study has rho = 1 and kind = bayesian
    rounds = pd.concat([rounds, extra], ignore_index=True)
    spec = make_study(
        sweep=[
            {"rounds.rho": [0.0, 0.8], "strategies.dealer.params.kind": ["bayesian", "naive"]},
            {"game.horizon": [1]},
        ],
        null_cells=[{"where": {"game.horizon": 1}, "reason": "one offer"}],
    )
    summary = summarize(rounds, spec)
    assert summary.nulls["cell"].tolist() == [4]
    text = report(tmp_path, summary, spec)
    answer = text.split("## Answer", 1)[1].split("##", 1)[0]
    assert "where rho is 0 and the dealer's kind is bayesian:" in answer
    assert "horizon is 1" not in answer.split("The largest")[1].split(".")[0]
    assert "Sweep grid 2 of 2 (other axes at the study's values): `game.horizon` = 1." in text


def test_headline_phrase_names_the_one_round_fallback_as_such():
    assert headline_phrase({"later"}, "later", 8) == "rounds 2–8"
    assert headline_phrase({"later", "round1"}, "later") == (
        "rounds 2–R (round 1 in one-round cells)"
    )
    assert headline_phrase({"round1"}, "later") == "round 1"
    assert headline_phrase({"round1"}, "round1") == "round 1"
    assert headline_phrase({"whole"}, "whole", 3) == "rounds 1–3 (the whole relationship)"


def test_the_report_lists_what_changed_and_why_in_the_study_files_order(tmp_path):
    rounds = make_rounds({0: 0.05}, n_rounds=2, n_replicates=20)
    plain = make_study()
    summary = summarize(rounds, plain)
    assert "## What changed" not in report(tmp_path, summary, plain)
    spec = make_study(
        changes=[
            {"what": "Standing policies.", "why": "Round 2 revealed the bottom line."},
            {"what": "Exact likelihoods.", "why": "Posteriors were under-confident."},
        ]
    )
    text = report(tmp_path, summary, spec)
    section = text.split("## What changed", 1)[1].split("\n## ", 1)[0]
    assert section.index(
        "**Standing policies.** Round 2 revealed the bottom line."
    ) < section.index("**Exact likelihoods.** Posteriors were under-confident.")
    assert text.index("## What changed") < text.index("## Design")


def test_every_trajectory_figure_is_built_for_a_study_without_reputation():
    # quick (nothing is saved): the slow tests above write the files
    rounds = make_rounds({0: 0.05, 2: 0.0}, n_replicates=6)
    spec = make_study()
    trajectories = trajectories_from_rounds(rounds)
    for metric in ("utility", "terms", "beliefs"):
        fig = F.trajectory_figure(trajectories, spec, cells(spec), metric)
        assert fig.axes and fig.get_suptitle()
    assert "reputation" not in plan(summarize(rounds, spec), spec)


def test_the_design_says_which_learner_is_exact_and_which_approximate():
    from bargainlab.reporting.design import design_section

    def design_text(spec, axes) -> str:
        return "\n".join(design_section(spec, axes, 10, "all cells equal", ""))

    spec = make_study()
    kinds = spec.sweep_grids[0]["strategies.dealer.params.kind"]
    note = design_text(spec, AXES)
    assert "`bayesian` is a correct Bayesian" in note
    if "naive" in kinds:
        assert "`naive` is approximate on purpose" in note
    # a Bayesian that models a learner (whose rule gives no exact likelihood) is approximate
    learner_arm = make_study(
        arms__strategies={"t": {"name": "learner"}, "c": {"name": "capitulator"}},
        arms__comparisons=[["t", "c"]],
    )
    assert "`bayesian` is approximate against t" in design_text(learner_arm, AXES)


def test_the_design_says_how_long_the_arms_play_their_policy():
    from bargainlab.reporting.design import design_section

    def design(spec, axes=AXES) -> str:
        return "\n".join(design_section(spec, axes, 10, "all cells equal", ""))

    standing = make_study(arms__treatment_rounds="all")
    assert "in every round (standing policies)." in design(standing)
    once = make_study(arms__treatment_rounds=1, arms__continuation={"name": "linear"})
    assert "in rounds 1..1, then all play `linear`." in design(once)
    both = make_study(
        arms__continuation={"name": "linear"}, sweep={"arms.treatment_rounds": ["all", 1]}
    )
    text = design(both, ["arms.treatment_rounds"])
    assert "where `arms.treatment_rounds` is `all`" in text and "1..all" not in text
