"""Tests for the statistics of bargainlab.analysis: the paired bootstrap-t, the family
adjustment, the verdict rule, power, the small tables and the decompositions, on constructed
data whose answers are known."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bargainlab.analysis.decisions import decide
from bargainlab.analysis.derive import (
    pool_trajectories,
    replicates_from_rounds,
    trajectories_from_rounds,
    trajectory_stats,
)
from bargainlab.analysis.effects import cell_arms, channel_rows, effect_rows, mediation_rows
from bargainlab.analysis.inference import (
    critical_count,
    interval_and_p,
    paired_bootstrap,
    resamples_needed,
    row_generator,
    verdicts,
)
from bargainlab.analysis.power import (
    detectable_effect,
    family_size,
    power_table,
    projected_replicates,
    required_replicates,
)
from bargainlab.analysis.tables import (
    MEDIATION_SCHEMA,
    REPLICATES_SCHEMA,
    TRAJECTORIES_SCHEMA,
    check_table,
)
from studies import study

ALPHA = 0.05


def run(diffs: np.ndarray, m: int | np.ndarray = 1, *, resamples: int = 1999, seed: int = 1):
    """Bootstrap-t of the columns of ``diffs`` (all replicates members) at family size m."""
    diffs = np.atleast_2d(np.asarray(diffs, dtype=float))
    if diffs.shape[0] == 1:
        diffs = diffs.T
    keep = max(critical_count(ALPHA, int(k), resamples) for k in np.atleast_1d(m)) + 1
    tests = paired_bootstrap(
        diffs,
        np.ones(diffs.shape, dtype=bool),
        resamples=resamples,
        rng=row_generator(seed, "test"),
        keep=keep,
    )
    return tests, interval_and_p(tests, m, ALPHA)


# --------------------------------------------------------------------------- the test itself


def test_critical_count_and_resamples_by_hand():
    # ceil(0.05 * 10000 / m) - 2
    assert critical_count(0.05, 1, 9999) == 498
    assert critical_count(0.05, 36, 9999) == 12  # ceil(13.89) - 2
    assert critical_count(0.05, 20, 9999) == 23  # 25 exactly: c <= 23 means (1 + c) < 25
    assert critical_count(0.05, 10_000, 9999) == -1  # cannot reject with so few resamples
    assert resamples_needed(36, 0.05, 9999, 20) == 21 * 36 * 20 - 1
    assert resamples_needed(1, 0.05, 9999, 20) == 9999


def test_size_under_the_null_is_about_alpha():
    # 400 rows of 30 symmetric null differences: the unadjusted test rejects about 5% of
    # them (binomial sd 1.1 points; 3.3 sd either side)
    rng = np.random.default_rng(2024)
    diffs = rng.standard_t(5, size=(30, 400)) * 0.02
    _, result = run(diffs, resamples=999)
    rate = float(np.mean(result["p_value"] < ALPHA))
    assert 0.015 <= rate <= 0.087
    excludes = (result["ci_low"] > 0) | (result["ci_high"] < 0)
    assert np.array_equal(excludes, result["p_value"] < ALPHA)


def test_a_known_shift_helps_and_the_interval_covers_it():
    rng = np.random.default_rng(3)
    d = 0.05 + rng.normal(0, 0.02, 200)
    _, result = run(d)
    assert result["ci_low"][0] <= 0.05 <= result["ci_high"][0]
    assert verdicts(result["ci_low"], result["ci_high"], 0.01).tolist() == ["helps"]
    _, down = run(-d)
    assert verdicts(down["ci_low"], down["ci_high"], 0.01).tolist() == ["hurts"]


def test_interval_coverage_unadjusted_and_adjusted():
    # skewed differences with true mean 0.03: the 90% interval covers in about 90% of rows,
    # the interval adjusted for a family of 20 (level 0.9975) misses in at most a few of 300
    rng = np.random.default_rng(11)
    diffs = 0.03 + rng.exponential(0.05, (40, 300)) - 0.05
    tests = paired_bootstrap(
        diffs, np.ones(diffs.shape, bool), resamples=1999, rng=row_generator(3, 0), keep=200
    )
    wide = interval_and_p(tests, 1, 0.10)
    coverage = np.mean((wide["ci_low"] <= 0.03) & (0.03 <= wide["ci_high"]))
    assert 0.84 <= coverage <= 0.96
    adjusted = interval_and_p(tests, 20, 0.05)
    assert np.all(adjusted["ci_level"] == pytest.approx(1 - 0.05 / 20))
    misses = np.sum((adjusted["ci_low"] > 0.03) | (0.03 > adjusted["ci_high"]))
    assert misses <= 4
    assert np.all(adjusted["ci_high"] - adjusted["ci_low"] > wide["ci_high"] - wide["ci_low"])


def test_family_adjustment_is_bonferroni_and_never_contradicts_the_interval():
    # 60 rows with effects from 0 to a few standard errors (many near the boundary)
    rng = np.random.default_rng(5)
    shifts = np.linspace(0.0, 0.03, 60)
    diffs = shifts + rng.normal(0, 0.03, (50, 60))
    tests, one = run(diffs, 1)
    for m in (1, 7, 60):
        result = interval_and_p(tests, m, ALPHA)
        assert np.allclose(result["ci_level"], 1 - ALPHA / m)
        assert np.allclose(result["p_adjusted"], np.minimum(1.0, m * one["p_value"]))
        excludes = (result["ci_low"] > 0) | (result["ci_high"] < 0)
        assert np.array_equal(excludes, result["p_adjusted"] < ALPHA)
    few = interval_and_p(tests, 7, ALPHA)
    many = interval_and_p(tests, 60, ALPHA)
    assert np.all(many["ci_low"] <= few["ci_low"]) and np.all(many["ci_high"] >= few["ci_high"])
    assert 0 < np.sum(many["p_adjusted"] < ALPHA) < np.sum(one["p_value"] < ALPHA)


def test_exact_zeros_constants_and_floating_noise():
    d = np.zeros((12, 4))
    d[:, 1] = 0.02  # a constant, non-zero difference
    d[::2, 2] = 1e-16  # floating-point noise: exact zeros
    d[:, 3] = np.linspace(-0.01, 0.012, 12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tests, result = run(d, 3)
    assert tests.exact_zero.tolist() == [True, False, True, False]
    assert (result["ci_low"][0], result["ci_high"][0], result["p_value"][0]) == (0.0, 0.0, 1.0)
    assert (result["ci_low"][1], result["ci_high"][1], result["p_adjusted"][1]) == (0.02, 0.02, 0.0)
    assert result["ci_low"][2] == result["ci_high"][2] == 0.0
    assert verdicts(result["ci_low"], result["ci_high"], 0.01).tolist()[:3] == [
        "negligible",
        "helps",
        "negligible",
    ]


def test_tiny_samples_are_undetermined():
    _, pair = run([[0.04], [0.0]])  # one row of two replicates
    assert pair["ci_low"][0] <= 0 and pair["ci_high"][0] >= 0.04
    assert verdicts(pair["ci_low"], pair["ci_high"], 0.01).tolist() == ["undetermined"]
    rng = np.random.default_rng(0)
    _, small = run(0.02 + rng.normal(0, 0.05, (4, 50)), 10)
    assert np.mean(verdicts(small["ci_low"], small["ci_high"], 0.01) == "undetermined") > 0.8
    single = paired_bootstrap(
        np.array([[0.3]]), np.ones((1, 1), bool), resamples=999, rng=row_generator(0), keep=50
    )
    lone = interval_and_p(single, 1, ALPHA)
    assert np.isinf(lone["ci_low"][0]) and lone["p_value"][0] == 1.0
    assert verdicts(lone["ci_low"], lone["ci_high"], 0.01).tolist() == ["undetermined"]


def test_verdict_rule_on_intervals():
    low = np.array([-0.004, 0.002, 0.003, -0.05, -0.02, -0.01, 0.0])
    high = np.array([0.006, 0.009, 0.05, -0.02, 0.03, 0.0099, 0.01])
    assert verdicts(low, high, 0.01).tolist() == [
        "negligible",  # within +-sesoi, contains 0
        "negligible",  # excludes 0 but smaller than anything that matters
        "helps",
        "hurts",
        "undetermined",
        "undetermined",  # touches -sesoi: not strictly within
        "undetermined",  # touches +sesoi
    ]


def test_rows_do_not_depend_on_other_rows_and_seeds_matter():
    rng = np.random.default_rng(8)
    d = 0.01 + rng.normal(0, 0.03, (60, 3))
    _, all3 = run(d)
    _, alone = run(d[:, [1]])
    # the same resamples whatever else is computed (up to the last bit of a matrix product)
    assert all3["ci_low"][1] == pytest.approx(alone["ci_low"][0], rel=1e-12, abs=1e-15)
    assert all3["p_value"][1] == alone["p_value"][0]
    _, again = run(d)
    assert np.array_equal(all3["ci_high"], again["ci_high"])
    _, other = run(d, seed=2)
    assert not np.array_equal(all3["ci_high"], other["ci_high"])


def test_domain_rows_use_their_members_only():
    rng = np.random.default_rng(4)
    d = rng.normal(0.02, 0.01, (80, 1))
    members = np.zeros((80, 1), bool)
    members[::2] = True
    d[~members[:, 0], 0] = 5.0  # outside the domain: must not matter
    tests = paired_bootstrap(d, members, resamples=999, rng=row_generator(0), keep=60)
    assert tests.n[0] == 40 and tests.mean[0] == pytest.approx(d[members].mean())
    result = interval_and_p(tests, 1, ALPHA)
    assert 0 < result["ci_low"][0] < 0.02 < result["ci_high"][0] < 0.03


# --------------------------------------------------------------------------- power


def test_power_formula_on_a_known_sd():
    z = stats.norm.ppf(1 - 0.05 / 2) + stats.norm.ppf(0.8)  # 2.8016
    assert required_replicates(0.05, 0.01, 0.05, 1, 0.8) == int(np.ceil((z * 5) ** 2)) == 197
    z36 = stats.norm.ppf(1 - 0.05 / 72) + stats.norm.ppf(0.8)
    assert required_replicates(0.05, 0.01, 0.05, 36, 0.8) == int(np.ceil((z36 * 5) ** 2))
    assert required_replicates(0.0, 0.01, 0.05, 36, 0.8) == 2  # exact zeros: two decide it
    assert detectable_effect(0.05, 197, 0.05, 1, 0.8) == pytest.approx(z * 0.05 / np.sqrt(197))
    assert detectable_effect(0.05, 197, 0.05, 1, 0.8) <= 0.01


def test_projection_clears_the_nearest_decision_boundary():
    n = np.full(5, 100)
    mean = np.array([0.008, 0.004, 0.0, -0.008, 0.02])
    low = np.array([-0.004, -0.008, -0.012, -0.02, 0.01])
    high = np.array([0.02, 0.016, 0.012, 0.004, 0.03])
    got = projected_replicates(n, mean, low, high, 0.01)
    # 0.008 +- 0.012: helps once 0.012 / sqrt(k) < 0.008 (k = 2.25), before the upper end
    # falls below 0.01 (k = 36)
    assert got[0] == np.ceil(100 * (0.012 / 0.008) ** 2) == 225
    # 0.004 +- 0.012: negligible once the upper end 0.004 + 0.012 / sqrt(k) < 0.01 (k = 4),
    # before helps (k = 9)
    assert got[1] == np.ceil(100 * max((0.012 / 0.006) ** 2, (0.012 / 0.014) ** 2)) == 400
    # an estimate of exactly 0 can only become negligible
    assert got[2] == np.ceil(100 * (0.012 / 0.01) ** 2) == 144
    # hurts mirrors helps
    assert got[3] == np.ceil(100 * (0.012 / 0.008) ** 2) == 225
    # a decided row needs nothing more
    assert got[4] == 100


def test_family_size_from_the_design():
    spec = study(
        arms__strategies={
            "a": {"name": "capitulator"},
            "b": {"name": "holdout"},
            "c": {"name": "face_saver"},
        }
    )
    family = family_size(spec, [8, 8, 1])
    assert (family.m, family.comparisons, family.cells, family.windows) == (18, 2, 3, 9)


# --------------------------------------------------------------------------- the small tables


def hand_rounds() -> pd.DataFrame:
    """Two replicates x two arms x three rounds x two parties, with values chosen by hand.

    Focal party "supplier": arm t, replicate 0 agrees every round at utilities 0.2, 0.4, 0.6;
    replicate 1 agrees in round 1 (0.3) and the relationship ends in round 2 (outside option
    0.1 in rounds 2 and 3). Arm c is arm t minus 0.1 in every round."""
    rows = []
    for arm, shift in (("t", 0.0), ("c", -0.1)):
        for rep, utilities, active, agreed in (
            (0, [0.2, 0.4, 0.6], [True, True, True], [True, True, True]),
            (1, [0.3, 0.1, 0.1], [True, True, False], [True, False, False]),
        ):
            for r in range(3):
                for party in ("supplier", "dealer"):
                    own = party == "supplier"
                    rows.append(
                        {
                            "cell": 0,
                            "channels": "all",
                            "arm": arm,
                            "replicate": rep,
                            "round": r + 1,
                            "party": party,
                            "utility": (utilities[r] + shift) if own else 1 - utilities[r],
                            "active": active[r],
                            "agreed": agreed[r],
                            "exited": False,
                            "terms": 1.2 + 0.1 * r if agreed[r] else 1.9,
                            "condition_met": False,
                            "reservation_value": 0.25 if own else 0.6,
                            "belief_mean": 0.4 if own else 0.3 + 0.1 * rep,
                            "belief_sd": 0.1,
                            "belief_pit": 0.5 if own else 0.2 + r / 10,
                            "belief_type_mass": 1.0,
                        }
                    )
    return pd.DataFrame(rows)


def test_replicates_table_windows_by_hand():
    table = replicates_from_rounds(hand_rounds(), "supplier", "dealer")
    # keyed by the cell alone: the sweep axes are the cells table's
    assert list(table.columns) == [c.name for c in REPLICATES_SCHEMA]
    t = table[table["arm"] == "t"].set_index("replicate")
    assert t.loc[0, "payoff_round1"] == pytest.approx(0.2)
    assert t.loc[0, "payoff_later"] == pytest.approx(0.5)
    assert t.loc[0, "payoff_whole"] == pytest.approx(0.4)
    assert t.loc[1, "payoff_later"] == pytest.approx(0.1)  # ended: the outside option counts
    assert t["survived_round1"].tolist() == [True, True]
    assert t["survived_last"].tolist() == [True, False]
    assert t["agreement_later"].tolist() == [1.0, 0.0]
    assert t.loc[0, "terms_later_sum"] == pytest.approx(1.3 + 1.4)
    assert t["terms_later_count"].tolist() == [2, 0]
    assert t["belief_error_last"].tolist() == pytest.approx([0.05, 0.15])
    assert t["belief_pit_last"].tolist() == pytest.approx([0.4, 0.4])
    assert t.loc[0, "total_focal"] == pytest.approx(1.2)
    assert t.loc[0, "total_opponent"] == pytest.approx(3 - 1.2)
    # the dealer's utility in rounds 2 and 3 of replicate 0: 1 - 0.4 and 1 - 0.6
    assert t.loc[0, "opponent_payoff_later"] == pytest.approx(0.5)
    assert (table["rounds"] == 3).all() and not table.isna().any().any()
    one = replicates_from_rounds(hand_rounds().query("round == 1"), "supplier", "dealer")
    assert one["survived_round1"].all()
    assert (one["payoff_later"] == one["payoff_round1"]).all()


def test_replicates_table_rejects_gaps():
    rounds = hand_rounds()
    with pytest.raises(ValueError, match=r"rounds 1\.\.3"):
        replicates_from_rounds(rounds.drop(index=3), "supplier", "dealer")
    with pytest.raises(ValueError, match="party 'buyer'"):
        replicates_from_rounds(rounds, "buyer", "dealer")


def test_trajectories_pool_by_addition_and_give_the_moments():
    rounds = hand_rounds()
    whole = trajectories_from_rounds(rounds)
    assert list(whole.columns) == [c.name for c in TRAJECTORIES_SCHEMA]
    halves = [trajectories_from_rounds(rounds[rounds["replicate"] == r]) for r in (0, 1)]
    pooled = pool_trajectories(halves)
    pd.testing.assert_frame_equal(pooled, whole)
    # tables of different cells are put side by side, in the same order
    other = trajectories_from_rounds(rounds.assign(cell=7))
    together = pool_trajectories([other, whole])
    expected = pd.concat([whole, other], ignore_index=True)
    pd.testing.assert_frame_equal(together, expected)
    terms = whole[
        (whole["metric"] == "terms") & (whole["party"] == "supplier") & (whole["round"] == 2)
    ]
    assert terms["n"].tolist() == [1, 1]  # only replicate 0 agreed in round 2
    stats_ = trajectory_stats(whole, "supplier", "utility")
    row = stats_[(stats_["arm"] == "t") & (stats_["round"] == 1)].iloc[0]
    assert row["mean"] == pytest.approx(0.25) and row["sd"] == pytest.approx(
        np.std([0.2, 0.3], ddof=1)
    )
    half = stats.t.ppf(0.975, 1) * row["sd"] / np.sqrt(2)
    assert row["ci_high"] == pytest.approx(0.25 + half)


def test_check_table_names_the_problem():
    table = replicates_from_rounds(hand_rounds(), "supplier", "dealer")
    with pytest.raises(ValueError, match="missing column"):
        check_table(table.drop(columns="payoff_later"), REPLICATES_SCHEMA, "replicates")
    broken = table.assign(payoff_later=np.nan)
    with pytest.raises(ValueError, match="NaN in column 'payoff_later'"):
        check_table(broken, REPLICATES_SCHEMA, "replicates")


# --------------------------------------------------------------------------- decompositions


def replicates(cells: dict[int, dict[str, dict[str, np.ndarray]]], rounds: int = 4) -> pd.DataFrame:
    """A replicates table from payoff_later per cell, channels variant and arm (the other
    windows are derived from it)."""
    frames = []
    for cell, variants in cells.items():
        for channels, arms in variants.items():
            for arm, later in arms.items():
                n = len(later)
                frames.append(
                    pd.DataFrame(
                        {
                            "cell": cell,
                            "channels": channels,
                            "arm": arm,
                            "replicate": np.arange(n),
                            "rounds": rounds,
                            "payoff_round1": later * 0.5,
                            "payoff_later": later,
                            "payoff_whole": later * 0.9,
                            "survived_round1": later > 0.05,
                            "survived_last": later > 0.05,
                            "agreement_later": 1.0,
                            "terms_later_sum": 3.0,
                            "terms_later_count": 3,
                            "belief_error_last": 0.1,
                            "belief_pit_last": 0.5,
                            "total_focal": later * rounds,
                            "total_opponent": (1 - later) * rounds,
                            "opponent_payoff_later": 1 - later,
                        }
                    )
                )
    return pd.concat(frames, ignore_index=True)


def test_transplant_decomposition_adds_up_by_hand():
    # three replicates: T - C = 0.06, 0.03, 0.00; pieces contribute by hand
    control = np.array([0.20, 0.30, 0.40])
    treated = control + np.array([0.06, 0.03, 0.00])
    table = replicates({0: {"all": {"t": treated, "c": control}}})
    moved = {
        "posterior": control + np.array([0.02, 0.01, 0.00]),
        "reference_point": control + np.array([0.01, 0.01, 0.00]),
        "survival": control + np.array([0.03, 0.00, 0.00]),
        "subjective_value": control + np.array([0.00, 0.00, 0.00]),
    }
    mediation = pd.DataFrame(
        [
            {
                "cell": 0,
                "treatment": "t",
                "control": "c",
                "replicate": r,
                "piece": piece,
                "payoff_later": x[r],
            }
            for piece, x in moved.items()
            for r in range(3)
        ]
    )
    mediation = check_table(mediation, MEDIATION_SCHEMA, "mediation")
    ids, arms = cell_arms(table)
    rows = {r.key["component"]: r for r in mediation_rows(table, mediation, ids, arms)}
    assert list(rows) == [
        "total",
        "posterior",
        "reference_point",
        "survival",
        "subjective_value",
        "interaction",
    ]
    assert rows["posterior"].diffs == pytest.approx([0.02, 0.01, 0.0])
    assert rows["interaction"].diffs == pytest.approx([0.0, 0.01, 0.0])  # 0.06-0.06, 0.03-0.02
    parts = sum(
        rows[p].diffs for p in ("posterior", "reference_point", "survival", "subjective_value")
    )
    assert rows["total"].diffs == pytest.approx(parts + rows["interaction"].diffs)
    spec = study(
        arms__strategies={"t": {"name": "face_saver"}, "c": {"name": "capitulator"}},
        analysis={"resamples": 999},
    )
    decided = decide(table, spec, mediation=mediation)
    med = decided["mediation"].set_index("component")
    assert med.loc["total", "mean_diff"] == pytest.approx(0.03)
    assert med.loc["interaction", "mean_diff"] == pytest.approx(0.01 / 3)
    assert med.loc[
        ["posterior", "reference_point", "survival", "subjective_value", "interaction"], "mean_diff"
    ].sum() == pytest.approx(0.03)
    assert (med["family"] == "descriptive").all() and (med["ci_level"] == 0.95).all()


def test_the_direct_component_is_part_of_the_sum_and_interaction_is_the_rest():
    """T - C = 0.06, 0.03; direct (the treatment's policy from the control's state) 0.04,
    0.01; the posterior 0.01, 0.01: the interaction is 0.01, 0.01, and every component adds
    up to the total in each replicate."""
    control = np.array([0.20, 0.30])
    table = replicates({0: {"all": {"t": control + np.array([0.06, 0.03]), "c": control}}})
    moved = {
        "posterior": control + np.array([0.01, 0.01]),
        "direct": control + np.array([0.04, 0.01]),
    }
    mediation = pd.DataFrame(
        [
            {"cell": 0, "treatment": "t", "control": "c", "replicate": r, "piece": piece,
             "payoff_later": x[r]}
            for piece, x in moved.items()
            for r in range(2)
        ]
    )  # fmt: skip
    mediation = check_table(mediation, MEDIATION_SCHEMA, "mediation")
    ids, arms = cell_arms(table)
    rows = {r.key["component"]: r for r in mediation_rows(table, mediation, ids, arms)}
    assert list(rows) == ["total", "posterior", "direct", "interaction"]
    assert rows["direct"].diffs == pytest.approx([0.04, 0.01])
    assert rows["interaction"].diffs == pytest.approx([0.01, 0.01])
    parts = rows["direct"].diffs + rows["posterior"].diffs + rows["interaction"].diffs
    np.testing.assert_allclose(parts, rows["total"].diffs, rtol=0, atol=1e-15)


def test_channel_switch_offs_recover_known_contributions():
    rng = np.random.default_rng(6)
    base = rng.uniform(0.2, 0.5, 60)
    noise = lambda: rng.normal(0, 0.002, 60)  # noqa: E731
    effects = {"all": 0.08, "no_information": 0.03, "no_surplus": 0.05, "none": 0.0}
    variants = {v: {"t": base + e + noise(), "c": base.copy()} for v, e in effects.items()}
    table = replicates({0: variants})
    _, arms = cell_arms(table)
    rows = channel_rows(table, [("t", "c")], "later", arms)
    assert [r.key["component"] for r in rows] == [
        "total",
        "information",
        "surplus",
        "all_off",
        "interaction",
    ]
    means = {r.key["component"]: r.diffs.mean() for r in rows}
    assert means["information"] == pytest.approx(0.05, abs=2e-3)
    assert means["surplus"] == pytest.approx(0.03, abs=2e-3)
    assert means["interaction"] == pytest.approx(0.0, abs=3e-3)
    total = means["information"] + means["surplus"] + means["all_off"] + means["interaction"]
    assert total == pytest.approx(means["total"])


def test_effect_rows_windows_and_survivors_domain():
    control = np.array([0.0, 0.3, 0.4, 0.5])  # replicate 0 did not survive round 1 in c
    treated = np.array([0.2, 0.35, 0.45, 0.0])  # replicate 3 did not survive in t
    table = replicates({0: {"all": {"t": treated, "c": control}}})
    rows = effect_rows(table, [("t", "c")])
    windows = [r.key["window"] for r in rows if r.family == "effect"]
    assert windows == ["round1", "later", "whole", "survivors"]
    survivors = next(r for r in rows if r.key["window"] == "survivors")
    assert survivors.members.tolist() == [False, True, True, False]
    survival = next(r for r in rows if r.family == "survival")
    assert survival.diffs.tolist() == [1.0, 0.0, 0.0, -1.0]
    one_round = effect_rows(
        replicates({0: {"all": {"t": treated, "c": control}}}, rounds=1), [("t", "c")]
    )
    assert [r.key["window"] for r in one_round] == ["round1"]


def test_pairing_is_checked():
    table = replicates({0: {"all": {"t": np.ones(4) * 0.2, "c": np.ones(4) * 0.1}}})
    broken = table[~((table["arm"] == "t") & (table["replicate"] == 3))]
    with pytest.raises(ValueError, match="does not hold the cell's replicates"):
        cell_arms(broken)
    with pytest.raises(ValueError, match="arm 'x' has no rows"):
        effect_rows(table, [("x", "c")])


def test_power_table_from_a_pilot_with_known_sd():
    sd = 0.05
    rng = np.random.default_rng(1)
    control = rng.uniform(0.2, 0.4, 400)
    signs = np.tile([1.0, -1.0], 200)
    table = replicates(
        {
            0: {"all": {"t": control + sd * signs, "c": control}},
            1: {"all": {"t": control.copy(), "c": control}},
        }
    )
    spec = study(
        arms__strategies={"t": {"name": "face_saver"}, "c": {"name": "capitulator"}},
        replicates=300,
    )
    power = power_table(table, spec, [])
    assert power["m"].tolist() == [8, 8]  # 1 comparison x 2 cells x 4 windows
    assert power.loc[0, "sd_diff"] == pytest.approx(sd, rel=1e-2)
    # the plan uses the upper confidence bound on the sd: above the estimate, not far above
    assert power.loc[0, "sd_diff"] < power.loc[0, "sd_upper"] < 1.1 * power.loc[0, "sd_diff"]
    assert power.loc[0, "n_needed"] == required_replicates(
        power.loc[0, "sd_upper"], 0.01, 0.05, 8, 0.8
    )
    assert power.loc[0, "n_needed"] > required_replicates(sd, 0.01, 0.05, 8, 0.8)
    assert not power.loc[0, "decided"]  # about 320 needed at the estimate, 300 planned
    assert power.loc[1, "exact_zero"] and power.loc[1, "n_needed"] == 2 and power.loc[1, "decided"]


@pytest.mark.slow  # starts processes
def test_cells_tested_on_several_processes_give_the_rows_of_one():
    rng = np.random.default_rng(11)
    cells = {
        c: {"all": {"t": rng.uniform(0.2, 0.6, 60), "c": rng.uniform(0.2, 0.6, 60)}}
        for c in range(6)
    }
    table = replicates(cells)
    spec = study(
        arms__strategies={"t": {"name": "face_saver"}, "c": {"name": "capitulator"}},
        analysis={"resamples": 19_999},
    )
    alone = decide(table, spec, workers=1)
    forked = decide(table, spec, workers=2)
    assert set(alone) == set(forked) == {"effects", "survival"}
    for part, rows in alone.items():
        assert len(rows) == 6 * len(rows[rows["cell"] == 0]) > 0
        pd.testing.assert_frame_equal(rows, forked[part], check_exact=True)  # to the last bit
