"""The essay's mechanism taken apart (summary part ``mechanism``) and the answer that names
it: surplus and concealment rows from the placebo's comparisons, the persistence difference
in differences, comparisons whose control never survives reported apart, and a first
paragraph of at most 80 words."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bargainlab.analysis.mechanism import mechanism_pairs, mechanism_rows
from bargainlab.analysis.parts import EFFECTS, MECHANISM, SURVIVAL
from bargainlab.analysis.summary import Summary
from bargainlab.config.cells import SweepCells
from bargainlab.reporting.answer import (
    FIRST_WORDS,
    answer_paragraph,
    conclusion_section,
    finding,
    first_paragraph,
)
from studies import study

ARMS = {
    "face_saver": {"name": "face_saver"},
    "placebo": {"name": "face_saver", "condition": {"value": 0.0, "cost": 0.0}},
    "plain_concession": {"name": "face_saver", "params": {"condition": False}},
    "capitulator": {"name": "capitulator"},
    "holdout": {"name": "holdout"},
}
PAIRS = [
    ["face_saver", "placebo"],
    ["placebo", "plain_concession"],
    ["face_saver", "plain_concession"],
    ["face_saver", "capitulator"],
    ["face_saver", "holdout"],
]


def _study(pairs=PAIRS, sweep=None):
    """A study with a placebo arm, a rho x kind sweep by default."""
    return study(
        arms__strategies=ARMS,
        arms__comparisons=pairs,
        arms__treatment_rounds="all",
        arms__continuation=None,
        sweep=sweep
        or {"rounds.rho": [0.0, 0.5, 0.9], "strategies.dealer.params.kind": ["bayesian", "naive"]},
    )


def _effects(spec, cells, rng, *, means=None):
    """Effect rows of every cell, comparison and window with made-up statistics."""
    rows = []
    for cell in cells.cells:
        for t, c in spec.arms.pairs():
            for window in ("round1", "later", "whole", "survivors"):
                mean = means(cell, t, c) if means else float(rng.normal(0, 0.02))
                sd, n = 0.05 + float(rng.uniform(0, 0.02)), 100
                half = 3.5 * sd / np.sqrt(n)
                low, high = mean - half, mean + half
                verdict = (
                    "negligible" if -0.01 < low and high < 0.01
                    else "helps" if low > 0 else "hurts" if high < 0 else "undetermined"
                )  # fmt: skip
                rows.append({
                    "cell": cell, "treatment": t, "control": c, "window": window, "m": 60,
                    "n": n, "payoff_treatment": 0.3, "payoff_control": 0.3 - mean,
                    "mean_diff": mean, "sd_diff": sd, "ci_low": low, "ci_high": high,
                    "ci_level": 0.999, "resamples": 1000, "p_value": 0.5, "p_adjusted": 1.0,
                    "sesoi": 0.01, "verdict": verdict, "exact_zero": False,
                    "agreement_treatment": 0.5, "agreement_control": 0.5,
                    "survival_treatment": 0.5, "survival_control": 0.0 if c == "holdout" else 0.5,
                    "terms_treatment": 1.5, "terms_control": 1.5,
                    "belief_error_treatment": 0.1, "belief_error_control": 0.1,
                })  # fmt: skip
    return EFFECTS.check(pd.DataFrame(rows))


def _survival(spec, cells):
    """Survival rows: the holdout never survives round 1, every other arm does half the time."""
    rows = [
        {
            "cell": cell,
            "treatment": t,
            "control": c,
            "m": 30,
            "n": 100,
            "survived_treatment": 0.5,
            "survived_control": 0.0 if c == "holdout" else 0.5,
            "mean_diff": 0.5 if c == "holdout" else 0.0,
            "sd_diff": 0.5,
            "ci_low": -0.1,
            "ci_high": 0.6,
            "ci_level": 0.999,
            "resamples": 1000,
            "p_value": 0.5,
            "p_adjusted": 1.0,
            "sesoi": 0.01,
            "verdict": "undetermined",
            "exact_zero": False,
        }
        for cell in cells.cells
        for t, c in spec.arms.pairs()
    ]
    return SURVIVAL.check(pd.DataFrame(rows))


def test_the_placebo_comparisons_are_found_by_their_terms_not_their_labels():
    spec = _study()
    assert mechanism_pairs(spec) == {
        "surplus": ("face_saver", "placebo"),
        "concealment": ("placebo", "plain_concession"),
    }
    renamed = {("zero" if k == "placebo" else k): v for k, v in ARMS.items()}
    other = study(
        arms__strategies=renamed,
        arms__comparisons=[["face_saver", "zero"]],
        arms__treatment_rounds="all",
        arms__continuation=None,
    )
    assert mechanism_pairs(other) == {"surplus": ("face_saver", "zero")}
    assert mechanism_pairs(study()) == {}


def test_surplus_and_concealment_rows_are_the_effects_rows_relabelled():
    spec = _study()
    cells = SweepCells.of_study(spec)
    effects = _effects(spec, cells, np.random.default_rng(1))
    mech = mechanism_rows(effects, spec, cells)
    MECHANISM.check_keys(mech)
    for component, (t, c) in mechanism_pairs(spec).items():
        own = mech[mech["component"] == component].reset_index(drop=True)
        source = effects[(effects["treatment"] == t) & (effects["control"] == c)]
        assert len(own) == len(source) == len(cells) * 4
        np.testing.assert_array_equal(own["mean_diff"], source["mean_diff"])
        np.testing.assert_array_equal(own["verdict"], source["verdict"])
        assert (own["reference_cell"] == own["cell"]).all()


def test_persistence_is_the_difference_of_the_highest_and_zero_rho_cells_with_welch():
    spec = _study()
    cells = SweepCells.of_study(spec)
    rho = {c: cells.value(c, "rounds.rho") for c in cells.cells}
    effects = _effects(
        spec, cells, np.random.default_rng(2), means=lambda cell, t, c: 0.1 * rho[cell]
    )
    mech = mechanism_rows(effects, spec, cells)
    did = mech[mech["component"] == "persistence"]
    # one row per comparison and kind (two kinds), headline window only
    assert len(did) == len(spec.arms.pairs()) * 2
    assert set(did["window"]) == {"later"}
    assert all(rho[c] == 0.9 for c in did["cell"]) and all(
        rho[c] == 0.0 for c in did["reference_cell"]
    )
    np.testing.assert_allclose(did["mean_diff"], 0.09)
    head = effects[effects["window"] == "later"].set_index(["cell", "treatment", "control"])
    row = did.iloc[0]
    a = head.loc[(row["cell"], row["treatment"], row["control"])]
    b = head.loc[(row["reference_cell"], row["treatment"], row["control"])]
    va, vb = a["sd_diff"] ** 2 / a["n"], b["sd_diff"] ** 2 / b["n"]
    df = (va + vb) ** 2 / (va**2 / (a["n"] - 1) + vb**2 / (b["n"] - 1))
    q = stats.t.ppf(1 - 0.05 / (2 * len(did)), df)
    assert row["se"] == pytest.approx(np.sqrt(va + vb))
    assert row["ci_low"] == pytest.approx(0.09 - q * np.sqrt(va + vb))
    assert row["m"] == len(did) and (did["verdict"] == "helps").all()


def test_no_rho_axis_no_persistence_rows_and_no_placebo_no_rows():
    spec = _study(sweep={"strategies.dealer.params.kind": ["bayesian", "naive"]})
    cells = SweepCells.of_study(spec)
    mech = mechanism_rows(_effects(spec, cells, np.random.default_rng(3)), spec, cells)
    assert set(mech["component"]) == {"surplus", "concealment"}
    plain = study(sweep={"rounds.rho": [0.0, 0.9]})
    cells = SweepCells.of_study(plain)
    mech = mechanism_rows(_effects(plain, cells, np.random.default_rng(3)), plain, cells)
    assert set(mech["component"]) == {"persistence"}


def _summary(spec, cells, seed=4):
    effects = _effects(spec, cells, np.random.default_rng(seed))
    keys = effects[["cell", "treatment", "control", "window"]]
    power = keys.assign(family="effect", mde=0.02, n_needed=400)
    return Summary.of({
        "effects": effects,
        "survival": _survival(spec, cells),
        "mechanism": mechanism_rows(effects, spec, cells),
        "power": power,
    })  # fmt: skip


def test_the_first_paragraph_names_each_comparison_once_within_80_words():
    spec = _study()
    cells = SweepCells.of_study(spec)
    summary = _summary(spec, cells)
    text = first_paragraph(summary, spec, cells)
    assert len(text.split()) <= FIRST_WORDS
    for t, c in spec.arms.pairs():
        assert text.count(f"{t} vs {c} ") == 1
    assert "Channel: mostly" in text
    lines = answer_paragraph(summary, spec, cells)
    assert lines[0] == text and lines[1] == ""
    assert "concealment" in lines[2] and "persist" in lines[2]


def test_a_control_that_never_survives_is_reported_apart_from_the_counts():
    spec = _study()
    cells = SweepCells.of_study(spec)
    summary = _summary(spec, cells)
    text = first_paragraph(summary, spec, cells)
    main, apart = text.split(" Apart, as holdout never survives round 1: ")
    assert "face_saver vs holdout" in apart and "face_saver vs holdout" not in main
    head = summary.headline(spec)
    counts = finding(summary, spec)
    n_main = int((head["control"] != "holdout").sum())
    assert f"of {n_main} rows" in counts.split("Apart")[0]
    assert f"of {len(head) - n_main} rows" in counts.split("Apart")[1]
    conclusion = conclusion_section(summary, spec, cells)
    assert conclusion[0] == "## Conclusion" and "reported apart" in conclusion[2]


def test_without_placebo_or_mediation_the_first_paragraph_says_it_names_no_channel():
    spec = study(sweep={"strategies.dealer.params.kind": ["bayesian", "naive"]})
    cells = SweepCells.of_study(spec)
    summary = _summary(spec, cells)
    assert summary.mechanism.empty and summary.mediation.empty
    text = first_paragraph(summary, spec, cells)
    assert text.endswith("does not split its effects into channels (no placebo, no mediation).")
    assert len(text.split()) <= FIRST_WORDS
