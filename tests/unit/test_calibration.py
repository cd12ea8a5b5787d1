"""Direction checks against the human evidence, and the generated results index."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bargainlab.analysis.calibration import (
    COLUMNS,
    ROUNDS_COLUMNS,
    direction_checks,
    instant_acceptance_effect,
)
from bargainlab.analysis.parts import EFFECTS
from bargainlab.analysis.summary import Summary
from bargainlab.experiments.translate import simulate
from bargainlab.reporting.results_index import finding
from studies import keys_for, study


def _table(change_after_instant: float, n: int = 40) -> pd.DataFrame:
    """A dealer whose opening demand moves by ``change_after_instant`` after rounds in which
    its first offer was accepted at once, and by 0 otherwise."""
    rows = []
    gen = np.random.default_rng(0)
    for rep in range(n):
        demand = 0.5
        for rnd in range(1, 7):
            instant = bool(gen.random() < 0.5) if rnd < 6 else False
            rows.append(
                {
                    "channels": "all",
                    "arm": "a",
                    "replicate": rep,
                    "round": rnd,
                    "party": "dealer",
                    "active": True,
                    "instant": instant,
                    "first_offer": 1.0 + demand,
                }
            )
            demand = demand + (change_after_instant if instant else 0.0)
    return pd.DataFrame(rows)


def test_instant_acceptance_direction_has_the_right_sign():
    spec = study()
    up = instant_acceptance_effect(_table(+0.05), spec, "dealer")
    down = instant_acceptance_effect(_table(-0.05), spec, "dealer")
    assert up["status"] == "reproduced" and up["estimate"] > 0.04
    assert down["status"] == "not reproduced" and down["estimate"] < -0.04


def test_direction_checks_on_a_real_run_are_complete_and_finite():
    spec = study(channels__subjective_value=True, rounds__count=3)
    rounds, _ = simulate(spec, keys_for(30), np.arange(30))
    checks = direction_checks(rounds, spec)
    assert list(checks.columns) == COLUMNS
    assert (
        checks["status"]
        .isin(["reproduced", "not reproduced", "by construction", "not observable", "not modelled"])
        .all()
    )
    assert np.isfinite(checks[["estimate", "ci_low", "ci_high"]].to_numpy(dtype=float)).all()
    sv = checks[checks["check"].str.startswith("round-1 subjective value")].iloc[0]
    assert sv["n"] > 0 and sv["ci_low"] <= sv["estimate"] <= sv["ci_high"]
    # the columns a run reads back for them are all the checks need
    rounds = rounds.assign(cell=0)
    narrow = direction_checks(rounds[[c for c in ROUNDS_COLUMNS]], spec)
    pd.testing.assert_frame_equal(narrow, checks)


def test_finding_counts_the_headline_verdicts():
    spec = study()
    effects = pd.DataFrame(
        {
            "cell": [0, 1, 2, 0, 1],
            "treatment": "a",
            "control": ["b", "b", "c", "b", "b"],
            "window": ["later", "later", "later", "round1", "round1"],
            "m": 5,
            "n": 10,
            "verdict": ["helps", "hurts", "negligible", "helps", "helps"],
            "mean_diff": [0.02, -0.05, 0.001, 0.3, 0.3],
            "ci_low": [0.01, -0.07, -0.002, 0.2, 0.2],
            "ci_high": [0.03, -0.03, 0.004, 0.4, 0.4],
        }
    )
    default = {"int64": 0, "bool": False, "string": "", "float64": np.nan}
    filled = effects.assign(
        **{c.name: default[c.dtype] for c in EFFECTS.columns if c.name not in effects}
    )
    text = finding(Summary.of({"effects": filled}), spec)
    assert "later window: helps 1, hurts 1, negligible 1, undetermined 0 of 3 rows" in text
    assert "largest a vs b −0.050 [−0.070, −0.030]" in text
    assert finding(Summary.of({}), spec) == "No effects in the summary."
