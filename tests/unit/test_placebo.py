"""A placebo arm: the face-saver's policy with a condition worth nothing to either side
(``[arms.strategies.placebo] condition = { value = 0.0, cost = 0.0 }``), an arm-level
override of the study's condition terms played on the same random numbers as the other arms.
"""

from __future__ import annotations

import numpy as np
import pytest

from bargainlab.analysis.derive import replicates_from_rounds
from bargainlab.config.errors import ConfigError, validate
from bargainlab.experiments.setups import build_setup, condition_terms
from bargainlab.experiments.translate import simulate
from bargainlab.relationships.channels import Channels
from studies import BASE, keys_for, study

ARMS = {
    "face_saver": {"name": "face_saver"},
    "placebo": {"name": "face_saver", "condition": {"value": 0.0, "cost": 0.0}},
    "plain_concession": {"name": "face_saver", "params": {"condition": False}},
}
WINDOWS = ("payoff_round1", "payoff_later", "payoff_whole", "survived_round1")


def _replicates(n=96, **overrides):
    """The replicates table of a study with the three arms as standing policies, against a
    Bayesian dealer that knows the supplier's policy (no reputation model), every channel
    but subjective value on."""
    spec = study(
        arms__strategies=ARMS,
        arms__treatment_rounds="all",
        arms__continuation=None,
        channels__precedent=True,
        **overrides,
    )
    rounds, _ = simulate(spec, keys_for(n), np.arange(n))
    table = replicates_from_rounds(rounds.assign(cell=0), "supplier", "dealer")
    table = table[table["channels"] == "all"]
    return spec, rounds, {arm: g.sort_values("replicate") for arm, g in table.groupby("arm")}


def test_the_placebo_arm_plays_its_own_terms_and_the_others_the_studys():
    spec = study(arms__strategies=ARMS)
    assert condition_terms(spec, "placebo") == (0.0, 0.0)
    assert condition_terms(spec, "face_saver") == (0.15, spec.condition.cost)
    ids = np.arange(5)
    placebo = build_setup(spec, ids, Channels(), "placebo")
    base = build_setup(spec, ids, Channels())
    assert (placebo.condition_value == 0).all() and (base.condition_value == 0.15).all()
    assert placebo.shares_mechanics(base)
    np.testing.assert_array_equal(placebo.condition_fallback, base.condition_fallback)


def test_wiring_check_placebo_vs_plain_concession_is_an_exact_zero_in_every_window():
    """A wiring check, not evidence: against a dealer that knows the supplier's policy (so
    it reads the same thing from a worthless condition's flag as from its absence) the
    placebo's relationships are the plain concession's, replicate by replicate."""
    _, rounds, arms = _replicates()
    offered = rounds[(rounds["arm"] == "placebo") & (rounds["party"] == "supplier")]
    assert offered["condition_offered"].any(), "the placebo never attached its condition"
    for column in WINDOWS:
        np.testing.assert_array_equal(
            arms["placebo"][column].to_numpy(), arms["plain_concession"][column].to_numpy()
        )


def test_face_saver_vs_placebo_is_face_saver_vs_plain_concession():
    """Where attaching a worthless condition changes nothing else, the face-saver's effect
    against the placebo is its effect against the plain concession, per replicate, and the
    condition's value makes the two arms differ."""
    _, _, arms = _replicates()
    treated = arms["face_saver"]["payoff_later"].to_numpy()
    against_placebo = treated - arms["placebo"]["payoff_later"].to_numpy()
    against_plain = treated - arms["plain_concession"]["payoff_later"].to_numpy()
    np.testing.assert_array_equal(against_placebo, against_plain)
    assert (against_placebo != 0).any()


def test_a_placebo_with_the_studys_own_terms_is_the_face_saver():
    """An override that restates the study's terms changes nothing: the arm is the
    face-saver, bit for bit (the override reaches the relationships through the terms only)."""
    arms = {
        "face_saver": {"name": "face_saver"},
        "same": {
            "name": "face_saver",
            "condition": {"value": 0.15, "cost": {"low": 0.0, "high": 0.1}},
        },
    }
    spec = study(arms__strategies=arms, arms__treatment_rounds="all", arms__continuation=None)
    rounds, _ = simulate(spec, keys_for(32), np.arange(32))
    mine = rounds[rounds["arm"] == "same"].drop(columns="arm").reset_index(drop=True)
    theirs = rounds[rounds["arm"] == "face_saver"].drop(columns="arm").reset_index(drop=True)
    assert mine.equals(theirs)


def _raw(**arm):
    raw = {
        **BASE,
        "arms": {
            **BASE["arms"],
            "strategies": {"face_saver": {"name": "face_saver"}, "placebo": arm},
        },
    }
    return raw


@pytest.mark.parametrize(
    ("arm", "drop_condition", "field", "words"),
    [
        ({"name": "face_saver", "condition": {"value": 0.0, "holder": "dealer"}}, False,
         "arms.strategies.placebo.condition.holder", "unknown"),
        ({"name": "face_saver", "condition": {"value": 0.0, "fallback": 2.0}}, False,
         "arms.strategies.placebo.condition.fallback", "unknown"),
        ({"name": "face_saver", "condition": {}}, False,
         "arms.strategies.placebo.condition", "value, cost or both"),
        ({"name": "face_saver", "condition": {"value": 1.5}}, False,
         "arms.strategies.placebo.condition.value", ""),
        ({"name": "face_saver", "condition": {"value": 0.0}}, True,
         "arms.strategies.placebo.condition", "has none"),
        ({"name": "face_saver", "condition": {"cost": {"mean": 0.505, "sd": 1e-9}}}, False,
         "arms.strategies.placebo.condition.cost", "no mass"),
    ],
)  # fmt: skip
def test_an_arms_condition_is_validated_and_errors_name_the_field(
    arm, drop_condition, field, words
):
    raw = _raw(**arm)
    if drop_condition:
        raw = {k: v for k, v in raw.items() if k != "condition"}
    with pytest.raises(ConfigError) as info:
        validate(raw)
    message = str(info.value)
    assert field in message and words in message


def test_the_design_section_states_an_arms_condition_when_it_differs():
    from bargainlab.reporting.design import design_section

    lines = "\n".join(design_section(study(arms__strategies=ARMS), [], 10, "every cell", ""))
    assert (
        "placebo: `face_saver`, with the condition worth 0 to its holder and costing the " in lines
    )
    assert "face_saver: `face_saver`;" in lines  # the arm with the study's terms says nothing
