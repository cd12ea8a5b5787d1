"""A dealer that doubts the supplier's type (``[reputation]``), beside reference cells where it
knows the policy (``reputation.model = "known_policy"``), with placebo and pooling arms among
the types."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bargainlab.config.cells import SweepCells
from bargainlab.config.errors import ConfigError
from bargainlab.config.files import load_study
from bargainlab.experiments.setups import build_setup
from bargainlab.experiments.translate import simulate
from studies import keys_for, study

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "placebo_and_pooling.toml"

ARMS = {
    "face_saver": {"name": "face_saver"},
    "placebo": {"name": "face_saver", "condition": {"value": 0.0, "cost": 0.0}},
    "pooling": {"name": "pooling_face_saver", "params": {"cutoff": 0.3}},
}
TYPES = {
    "face_saving": {"name": "face_saver"},
    "plain": {"name": "face_saver", "params": {"condition": False}},
    "pooling": {"name": "pooling_face_saver", "params": {"cutoff": 0.3}},
}
PRIOR = {"face_saving": 0.4, "plain": 0.3, "pooling": 0.3}


def _spec(model: str | None):
    """Three standing policies against a Bayesian dealer that doubts (``model = "types"``),
    knows the policy (``"known_policy"``) or has no reputation model at all (``None``)."""
    overrides = {
        "arms__strategies": ARMS,
        "arms__treatment_rounds": "all",
        "arms__continuation": None,
        "channels__precedent": True,
    }
    if model is not None:
        overrides["reputation"] = {
            "holder": "dealer",
            "types": TYPES,
            "prior": PRIOR,
            "model": model,
        }
    return study(**overrides)


def _rounds(spec, n=40):
    rounds, _ = simulate(spec, keys_for(n), np.arange(n))
    return rounds


def test_a_known_policy_cell_is_the_study_without_a_reputation_model():
    known = _spec("known_policy")
    assert build_setup(known, np.arange(3), known.channels).mechanics.reputation == (None, None)
    assert _rounds(known).equals(_rounds(_spec(None)))


def test_the_doubting_dealer_believes_in_each_arms_policy_among_its_types():
    """Every arm's policy is a declared type (the placebo's is the face-saver, read under the
    placebo's worthless terms): the dealer's mass on it starts at its prior and moves."""
    rounds = _rounds(_spec("types"))
    dealer = rounds[(rounds["party"] == "dealer") & rounds["active"]]
    for arm, label in (("face_saver", "face_saving"), ("placebo", "face_saving"),
                       ("pooling", "pooling")):  # fmt: skip
        mass = dealer[dealer["arm"] == arm]["belief_type_mass"]
        assert (mass > 0).all(), arm
        assert not np.allclose(mass, PRIOR[label]), f"{arm}: the dealer learned nothing"
    known = _rounds(_spec("known_policy"))
    assert (known[known["party"] == "dealer"]["belief_type_mass"] == 1.0).all()


def test_the_reputation_model_is_one_of_two_words():
    with pytest.raises(ConfigError) as info:
        load_study(
            {
                **_spec("types").model_dump(mode="json", exclude_none=True),
                "reputation": {
                    "holder": "dealer",
                    "types": TYPES,
                    "prior": PRIOR,
                    "model": "trusting",
                },
            }
        )
    assert "reputation.model" in str(info.value) and "known_policy" in str(info.value)


def test_the_example_has_a_placebo_pooling_arms_and_a_labelled_reference_cell():
    loaded = load_study(EXAMPLE)
    spec = loaded.study
    assert any(a.condition is not None for a in spec.arms.strategies.values())
    assert {a.name for a in spec.arms.strategies.values()} >= {"face_saver", "pooling_face_saver"}
    assert spec.reputation is not None and spec.reputation.model == "types"
    labels = SweepCells.of(spec, loaded.cells).labels
    assert labels == (
        "dealer's model of the supplier types",
        "dealer's model of the supplier known_policy",
    )
