"""Tests for bargainlab.analysis.effects on synthetic rounds tables with known effects."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bargainlab.analysis import effects as analysis
from bargainlab.analysis.effects import (
    EFFECT_SIZE_CAP,
    arm_trajectories,
    channel_decomposition,
    holm,
    later_round_payoff,
    null_cells_check,
    paired_effects,
    per_round_effects,
)

AXES = ["rounds.rho", "parties.dealer.outside_option"]
FAST = {"n_resamples": 999, "seed": 7}


def make_rounds(
    effects: dict[int, float] | dict[int, dict[str, float]],
    *,
    n_replicates: int = 40,
    n_rounds: int = 4,
    between_sd: float = 0.1,
    paired_noise_sd: float = 0.01,
    round_effect: float = 0.0,
    seed: int = 0,
) -> pd.DataFrame:
    """A rounds table with arms "face_saver" (treatment) and "capitulator" (control).

    Per replicate a base utility ~ U(0.3, 0.6) is shared by both arms (common random
    numbers); the treatment adds the cell's effect (per channels variant when ``effects``
    maps cells to dicts) plus ``round_effect * round`` and a small paired noise. The dealer
    rows are filler with utility 1 - supplier utility.
    """
    rng = np.random.default_rng(seed)
    rhos, options = [0.0, 0.5, 0.9], [0.1, 0.3]
    rows = []
    for cell, spec in effects.items():
        variants = spec if isinstance(spec, dict) else {"all": spec}
        base = rng.uniform(0.3, 0.6, n_replicates) + rng.normal(0, between_sd, n_replicates)
        base = np.clip(base, 0.15, 0.75)
        for channels, effect in variants.items():
            for round_ in range(1, n_rounds + 1):
                common = rng.normal(0, 0.02, n_replicates)  # shared round shock
                for arm, shift in (("capitulator", 0.0), ("face_saver", effect)):
                    noise = rng.normal(0, paired_noise_sd, n_replicates)
                    u = (
                        base
                        + common
                        + (shift + round_effect * round_ if arm == "face_saver" else 0)
                    )
                    u = u + (noise if arm == "face_saver" else 0)
                    for party, utility in (("supplier", u), ("dealer", 1 - u)):
                        rows.append(
                            pd.DataFrame(
                                {
                                    "cell": cell,
                                    "rounds.rho": rhos[cell % 3],
                                    "parties.dealer.outside_option": options[cell % 2],
                                    "channels": channels,
                                    "arm": arm,
                                    "replicate": np.arange(n_replicates),
                                    "round": round_,
                                    "party": party,
                                    "strategy": arm,
                                    "agreed": True,
                                    "terms": 0.01 + 0.01 * utility,
                                    "condition_offered": arm == "face_saver",
                                    "condition_met": arm == "face_saver",
                                    "utility": utility,
                                    "steps": 3,
                                    "exited": False,
                                    "active": True,
                                    "reservation_value": 0.3,
                                    "belief_mean": 0.4 + 0.01 * round_,
                                    "belief_sd": 0.1,
                                    "reference_point": 0.015,
                                    "subjective_value": 0.0,
                                }
                            )
                        )
    return pd.concat(rows, ignore_index=True)


def effects_of(rounds: pd.DataFrame, **kwargs) -> pd.DataFrame:
    return paired_effects(
        rounds, "supplier", "face_saver", "capitulator", axes=AXES, **{**FAST, **kwargs}
    )


# --------------------------------------------------------------------------- later_round_payoff


def tiny_rounds() -> pd.DataFrame:
    utility = {1: 0.2, 2: 0.4, 3: 0.8}
    return pd.DataFrame(
        {
            "cell": 0,
            "rounds.rho": 0.5,
            "channels": "all",
            "arm": "a",
            "replicate": 3,
            "round": [1, 2, 3],
            "party": "supplier",
            "utility": [utility[r] for r in (1, 2, 3)],
        }
    )


def test_later_round_payoff_mean_and_discounted_sum_by_hand():
    rounds = tiny_rounds()
    mean = later_round_payoff(rounds, "supplier", axes=["rounds.rho"])
    assert list(mean.columns) == ["rounds.rho", "cell", "channels", "arm", "replicate", "value"]
    assert mean["value"].item() == pytest.approx((0.4 + 0.8) / 2)
    assert mean["rounds.rho"].item() == 0.5
    pv = later_round_payoff(rounds, "supplier", first_round=2, discount=0.5)
    assert pv["value"].item() == pytest.approx(0.4 + 0.5 * 0.8)
    everything = later_round_payoff(rounds, "supplier", first_round=1)
    assert everything["value"].item() == pytest.approx((0.2 + 0.4 + 0.8) / 3)


def test_later_round_payoff_fails_loudly():
    rounds = tiny_rounds()
    with pytest.raises(ValueError, match="no round >= first_round=4"):
        later_round_payoff(rounds, "supplier", first_round=4)
    with pytest.raises(ValueError, match="party 'dealer' not in"):
        later_round_payoff(rounds, "dealer")
    with pytest.raises(ValueError, match="discount"):
        later_round_payoff(rounds, "supplier", discount=1.5)
    with pytest.raises(ValueError, match="metric"):
        later_round_payoff(rounds, "supplier", metric="strategy")
    with pytest.raises(ValueError, match="missing column"):
        later_round_payoff(rounds, "supplier", axes=["rounds.count"])


# --------------------------------------------------------------------------- paired_effects


def test_known_effects_are_recovered_and_zero_cell_is_no_effect():
    true = {0: 0.1, 1: 0.05, 2: 0.0, 3: -0.04}
    effects = effects_of(make_rounds(true))
    assert list(effects.columns) == [*AXES, "cell", "channels", *analysis.STAT_COLUMNS]
    assert effects["cell"].tolist() == [0, 1, 2, 3]
    for row in effects.itertuples():
        assert row.ci_low <= true[row.cell] <= row.ci_high
        assert row.n == 40
    assert effects["verdict"].tolist() == ["helps", "helps", "no effect", "hurts"]
    assert effects.loc[0, "rounds.rho"] == 0.0
    assert effects.loc[1, "parties.dealer.outside_option"] == 0.3
    assert effects.loc[0, "effect_size"] > 3
    assert effects.loc[2, "p_value"] > 0.05
    assert effects.loc[0, "p_value"] < 1e-6
    assert not effects.drop(columns=["ci_method", "verdict", "channels"]).isna().any().any()


def test_interval_coverage_is_close_to_nominal():
    # 150 cells with a true effect of 0.03 and skewed paired noise: a correct 90% interval
    # covers the truth in about 90% of cells (binomial sd 2.4 points).
    rng = np.random.default_rng(11)
    rows = []
    for cell in range(150):
        d = 0.03 + rng.exponential(0.05, 30) - 0.05
        rows.append(pd.DataFrame({"cell": cell, "replicate": np.arange(30), "diff": d}))
    diffs = pd.concat(rows)
    groups = (({"cell": c}, g["diff"].to_numpy()) for c, g in diffs.groupby("cell"))
    table = analysis._effects_frame(
        groups,
        ["cell"],
        diffs[["cell"]].drop_duplicates(),
        [],
        confidence=0.9,
        n_resamples=999,
        seed=3,
    )
    coverage = ((table["ci_low"] <= 0.03) & (0.03 <= table["ci_high"])).mean()
    assert 0.83 <= coverage <= 0.96


def test_pairing_on_replicate_ids_matters():
    # Large between-replicate variation, small true effect: unpaired comparison cannot see
    # it, the paired one can; relabelling the treatment's replicate ids destroys it.
    rounds = make_rounds({0: 0.02}, n_replicates=25, between_sd=0.15, paired_noise_sd=0.005)
    payoff = later_round_payoff(rounds, "supplier")
    treated = payoff.loc[payoff["arm"] == "face_saver", "value"]
    controls = payoff.loc[payoff["arm"] == "capitulator", "value"]
    assert stats.ttest_ind(treated, controls, equal_var=False).pvalue > 0.2
    assert effects_of(rounds)["verdict"].item() == "helps"

    shuffled = rounds.copy()
    is_treated = shuffled["arm"] == "face_saver"
    permutation = np.random.default_rng(5).permutation(25)
    shuffled.loc[is_treated, "replicate"] = permutation[shuffled.loc[is_treated, "replicate"]]
    broken = effects_of(shuffled)
    assert broken["verdict"].item() == "no effect"
    assert broken["ci_high"].item() - broken["ci_low"].item() > 0.05


def test_unmatched_replicates_and_missing_arms_raise():
    rounds = make_rounds({0: 0.1}, n_replicates=5)
    dropped = rounds[~((rounds["arm"] == "face_saver") & (rounds["replicate"] == 4))]
    with pytest.raises(ValueError, match="only one of the arms"):
        effects_of(dropped)
    with pytest.raises(ValueError, match="arm 'holdout' not in"):
        paired_effects(rounds, "supplier", "holdout", "capitulator", axes=AXES)
    with pytest.raises(ValueError, match="at least 2 paired replicates"):
        effects_of(rounds[rounds["replicate"] == 0])


def test_all_zero_differences_give_point_interval_without_warnings():
    rounds = make_rounds({0: 0.0, 1: 0.1}, n_replicates=10, paired_noise_sd=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        effects = effects_of(rounds)
    zero, constant = effects.iloc[0], effects.iloc[1]
    assert (zero.ci_low, zero.ci_high, zero.mean_diff) == (0.0, 0.0, 0.0)
    assert zero.p_value == 1.0 and zero.effect_size == 0.0 and zero.verdict == "no effect"
    assert zero.ci_method == "constant"
    assert constant.ci_low == pytest.approx(0.1) and constant.ci_high == pytest.approx(0.1)
    assert constant.effect_size == EFFECT_SIZE_CAP and constant.verdict == "helps"
    assert np.isfinite(effects.select_dtypes("number").to_numpy()).all()


def test_floating_point_noise_counts_as_zero():
    rounds = make_rounds({0: 0.0}, n_replicates=8, paired_noise_sd=0.0)
    treated = rounds["arm"] == "face_saver"
    rounds.loc[treated, "utility"] += np.where(rounds.loc[treated, "replicate"] % 2, 1e-16, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        row = effects_of(rounds).iloc[0]
    assert (row.ci_low, row.ci_high, row.p_value, row.verdict) == (0.0, 0.0, 1.0, "no effect")


def test_same_seed_same_output_and_rows_do_not_depend_on_other_cells():
    rounds = make_rounds({0: 0.05, 1: 0.0, 2: 0.02})
    first, second = effects_of(rounds), effects_of(rounds)
    pd.testing.assert_frame_equal(first, second)
    other_seed = effects_of(rounds, seed=8)
    assert not np.allclose(first["ci_low"], other_seed["ci_low"])
    alone = effects_of(rounds[rounds["cell"] == 2])
    stat_columns = ["mean_diff", "ci_low", "ci_high", "p_value", "effect_size", "verdict"]
    pd.testing.assert_frame_equal(
        alone[stat_columns].reset_index(drop=True),
        first.loc[first["cell"] == 2, stat_columns].reset_index(drop=True),
    )


def test_discounted_payoff_effect_scales_with_the_discounted_horizon():
    rounds = make_rounds({0: 0.1}, paired_noise_sd=0.0)
    effect = effects_of(rounds, discount=0.5)["mean_diff"].item()
    assert effect == pytest.approx(0.1 * (1 + 0.5 + 0.25))


# --------------------------------------------------------------------------- holm


def test_holm_matches_hand_computation():
    # sorted: 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, max(0.04*1, 0.06)=0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert holm([]).shape == (0,)
    with pytest.raises(ValueError):
        holm([0.1, 1.2])


def test_holm_is_applied_across_the_rows_of_the_table():
    effects = effects_of(make_rounds({0: 0.02, 1: 0.0, 2: 0.01}))
    assert effects["p_holm"].to_numpy() == pytest.approx(holm(effects["p_value"]))
    assert (effects["p_holm"] >= effects["p_value"]).all()


# --------------------------------------------------------------------------- per round


def test_per_round_effects_track_a_growing_effect():
    rounds = make_rounds({0: 0.0, 1: 0.0}, n_rounds=3, round_effect=0.03)
    per_round = per_round_effects(
        rounds, "supplier", "face_saver", "capitulator", axes=AXES, **FAST
    )
    assert len(per_round) == 2 * 3
    assert list(per_round.columns[:5]) == [*AXES, "cell", "channels", "round"]
    expected = 0.03 * per_round["round"].to_numpy()
    assert per_round["mean_diff"].to_numpy() == pytest.approx(expected, abs=0.01)
    assert (per_round["ci_low"] <= expected).all() and (expected <= per_round["ci_high"]).all()
    assert (per_round["verdict"] == "helps").all()


# --------------------------------------------------------------------------- trajectories


def test_arm_trajectories_mean_and_t_interval():
    rounds = make_rounds({0: 0.1, 1: 0.0}, n_rounds=3)
    traj = arm_trajectories(rounds, "supplier", ["utility", "belief_mean"])
    assert list(traj.columns) == ["arm", "round", "metric", "n", "mean", "sd", "ci_low", "ci_high"]
    assert len(traj) == 2 * 3 * 2
    sel = rounds[(rounds["party"] == "supplier") & (rounds["arm"] == "face_saver")]
    x = sel.loc[sel["round"] == 2, "utility"].to_numpy()
    row = traj[(traj["arm"] == "face_saver") & (traj["round"] == 2) & (traj["metric"] == "utility")]
    half = stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size)
    assert row["mean"].item() == pytest.approx(x.mean())
    assert row["ci_low"].item() == pytest.approx(x.mean() - half)
    assert row["ci_high"].item() == pytest.approx(x.mean() + half)
    beliefs = traj[traj["metric"] == "belief_mean"]
    assert beliefs["mean"].to_numpy() == pytest.approx(0.4 + 0.01 * beliefs["round"])


def test_arm_trajectories_single_observation_has_no_nan():
    rounds = make_rounds({0: 0.1}, n_replicates=1, n_rounds=2)
    traj = arm_trajectories(rounds, "supplier", "agreed", by=("arm", "cell"))
    assert (traj["ci_low"] == traj["mean"]).all() and (traj["ci_high"] == traj["mean"]).all()
    assert not traj.isna().any().any()


# --------------------------------------------------------------------------- channels


CHANNELS = {"information": 0.05, "surplus": 0.03, "precedent": 0.0}


def channel_rounds(off: float, interaction: float, cells=(0, 1)) -> pd.DataFrame:
    """E_v = off + sum of active channels + interaction when all are on."""
    variants = {"all": off + sum(CHANNELS.values()) + interaction, "none": off}
    for name in CHANNELS:
        variants[f"no_{name}"] = off + sum(v for k, v in CHANNELS.items() if k != name)
    return make_rounds({c: variants for c in cells}, n_replicates=30, paired_noise_sd=0.005)


def decompose(rounds: pd.DataFrame) -> pd.DataFrame:
    return channel_decomposition(rounds, "supplier", "face_saver", "capitulator", axes=AXES, **FAST)


def test_channel_decomposition_recovers_known_contributions():
    table = decompose(channel_rounds(off=0.0, interaction=0.0))
    assert list(table.columns[:4]) == [*AXES, "cell", "component"]
    truth = {**CHANNELS, "total": 0.08, "all_off": 0.0, "interaction": 0.0}
    for cell in (0, 1):
        rows = table[table["cell"] == cell].set_index("component")
        assert set(rows.index) == set(truth)
        for component, value in truth.items():
            assert rows.loc[component, "ci_low"] <= value <= rows.loc[component, "ci_high"]
        assert rows.loc["information", "verdict"] == "helps"
        assert rows.loc["precedent", "verdict"] == "no effect"
        assert rows.loc["interaction", "verdict"] == "no effect"
        identity = rows.loc[[*CHANNELS, "all_off", "interaction"], "mean_diff"].sum()
        assert identity == pytest.approx(rows.loc["total", "mean_diff"])


def test_channel_decomposition_residual_is_the_interaction():
    # Each contribution then includes the interaction I, so the residual is (1 - 3) I.
    table = decompose(channel_rounds(off=0.01, interaction=0.02, cells=(0,)))
    rows = table.set_index("component")
    assert rows.loc["interaction", "mean_diff"] == pytest.approx(-0.04, abs=0.004)
    assert rows.loc["all_off", "mean_diff"] == pytest.approx(0.01, abs=0.004)
    assert rows.loc["information", "mean_diff"] == pytest.approx(0.07, abs=0.004)
    assert rows.loc["interaction", "verdict"] == "hurts"


def test_channel_decomposition_requires_the_baseline_variant():
    rounds = channel_rounds(off=0.0, interaction=0.0, cells=(0,))
    with pytest.raises(ValueError, match="no 'all' channels variant"):
        decompose(rounds[rounds["channels"] != "all"])


# --------------------------------------------------------------------------- null cells


def test_null_cells_check_flags_an_effect_in_a_null_cell():
    effects = effects_of(make_rounds({0: 0.0, 1: 0.1, 2: 0.05}))
    effects["null_cell"] = [True, True, False]
    check = null_cells_check(effects, "null_cell")
    assert check["cell"].tolist() == [0, 1]
    assert check["passed"].tolist() == [True, False]
    assert check["p_holm_null"].to_numpy() == pytest.approx(holm(check["p_value"]))
    same = null_cells_check(effects, effects["null_cell"].to_numpy())
    pd.testing.assert_frame_equal(check, same)
    with pytest.raises(ValueError, match="booleans"):
        null_cells_check(effects, [1, 0, 0])


def test_degenerate_bca_falls_back_to_percentile_on_the_same_resamples(monkeypatch):
    real_bootstrap = stats.bootstrap

    def bca_fails(data, statistic, *, method, **kwargs):
        res = real_bootstrap(data, statistic, method=method, **kwargs)
        if method == "BCa":  # what scipy returns when BCa is undefined
            res.confidence_interval = type(res.confidence_interval)(np.nan, np.nan)
        return res

    monkeypatch.setattr(analysis.stats, "bootstrap", bca_fails)
    effects = effects_of(make_rounds({0: 0.1}))
    assert effects["ci_method"].item() == "percentile"
    assert effects["ci_low"].item() <= 0.1 <= effects["ci_high"].item()
    with pytest.raises(ValueError, match="n_resamples"):
        effects_of(make_rounds({0: 0.1}), n_resamples=10)
