"""Structural nulls asserted as exact equality of the paired tables, where theory says the
tables must be equal, in the standing-policy design (every arm plays its policy in every
round), with the reputation model on; and the positive controls that show they can fail."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bargainlab.experiments.translate import simulate
from studies import keys_for, study

TYPES = {
    "holdout": {"name": "holdout"},
    "soft": {"name": "capitulator"},
    "face_saving": {"name": "face_saver"},
    "plain": {"name": "face_saver", "params": {"condition": False}},
}


def standing(**overrides):
    """The tests' base study in the standing design, decomposing the information channel."""
    base = {
        "arms__treatment_rounds": "all",
        "arms__continuation": None,
        "channels__decompose": True,
        "game__allow_exit": False,
        "rounds__end_on_disagreement": False,
    }
    return study(**{**base, **overrides})


def with_reputation(**overrides):
    prior = dict.fromkeys(TYPES, 1 / len(TYPES))
    return standing(reputation={"holder": "dealer", "types": TYPES, "prior": prior}, **overrides)


def run(spec, n=64, seed=5):
    rounds, _ = simulate(spec, keys_for(n, seed), np.arange(n))
    return rounds


def outcomes(rounds, channels, arm=None):
    rows = rounds[rounds.channels == channels]
    if arm is not None:
        rows = rows[rows.arm == arm]
    keep = ["arm", "replicate", "round", "party", "agreed", "terms", "utility", "steps", "active"]
    return rows[keep].sort_values(["arm", "replicate", "round", "party"]).reset_index(drop=True)


# Where what is learnt cannot be used later, switching the information channel off changes
# nothing: the tables with and without it are identical, entry by entry.
INFORMATION_NULLS = {
    "types redrawn every round (rho = 0), one known policy": standing(**{"rounds__rho": 0.0}),
    "a public type (fixed reservation value), one known policy": standing(
        **{"parties__supplier__reservation_value": 0.2}
    ),
    "a binding outside option, one known policy": standing(
        **{"parties__supplier__outside_option": 0.5}
    ),
    "a non-learning (anchored) dealer, with a reputation model": with_reputation(
        **{"strategies__dealer__params": {"kind": "anchored"}}
    ),
    "a one-round relationship, with a reputation model": with_reputation(**{"rounds__count": 1}),
}


@pytest.mark.parametrize("name", sorted(INFORMATION_NULLS))
def test_information_null_is_exact(name):
    rounds = run(INFORMATION_NULLS[name])
    pd.testing.assert_frame_equal(outcomes(rounds, "all"), outcomes(rounds, "no_information"))


def test_positive_control_information_acts_in_the_base_cell():
    rounds = run(standing(), n=96)
    a, b = outcomes(rounds, "all"), outcomes(rounds, "no_information")
    assert (a["utility"].to_numpy() != b["utility"].to_numpy()).mean() > 0.05


@pytest.mark.slow
def test_positive_control_reputation_persists_when_reservation_values_do_not():
    """With a reputation model, rho = 0 is no null: the behavioural type persists."""
    rounds = run(with_reputation(**{"rounds__rho": 0.0}), n=96)
    a, b = outcomes(rounds, "all"), outcomes(rounds, "no_information")
    assert (a["utility"].to_numpy() != b["utility"].to_numpy()).any()


def test_worthless_condition_against_a_correct_bayesian_is_an_exact_null():
    """A condition worth nothing and costing nothing, with the same concession path: the
    conditional arm's table is the plain arm's, entry by entry (but for the flags)."""
    spec = standing(
        **{
            "condition__value": 0.0,
            "condition__cost": 0.0,
            "channels__decompose": False,
            "arms__strategies": {
                "face_saver": {"name": "face_saver"},
                "plain": {"name": "face_saver", "params": {"condition": False}},
            },
        }
    )
    rounds = run(spec, n=96)
    a = outcomes(rounds, "all", "face_saver").drop(columns="arm")
    b = outcomes(rounds, "all", "plain").drop(columns="arm")
    pd.testing.assert_frame_equal(a, b)
    assert rounds.loc[rounds.arm == "face_saver", "condition_offered"].any()


def test_positive_control_a_valuable_condition_changes_the_table():
    spec = standing(
        **{
            "channels__decompose": False,
            "arms__strategies": {
                "face_saver": {"name": "face_saver"},
                "plain": {"name": "face_saver", "params": {"condition": False}},
            },
        }
    )
    rounds = run(spec, n=96)
    a = outcomes(rounds, "all", "face_saver")["utility"].to_numpy()
    b = outcomes(rounds, "all", "plain")["utility"].to_numpy()
    assert (a != b).any()
