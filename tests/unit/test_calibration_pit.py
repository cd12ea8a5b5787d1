"""A correct Bayesian is calibrated: the probability integral transform of the opponent's
true reservation value under its posterior is uniform (KS test), also with a joint belief
over behavioural types; a naive learner's is not (the control that shows the test can fail).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from bargainlab.config.schema import StudySpec
from bargainlab.engine.rng import StreamRNG
from bargainlab.experiments.translate import build_setup
from bargainlab.relationships.play import play
from bargainlab.strategies import create
from studies import study as shared_study

TYPES = {
    "soft": {"name": "capitulator"},
    "face_saving": {"name": "face_saver"},
    "firm": {"name": "boulware"},
}
PRIOR = {"soft": 0.3, "face_saving": 0.4, "firm": 0.3}


def study(kind: str) -> StudySpec:
    """The shared relationship study with a reputation model, a 4-round game of 10 steps and
    every channel at its default."""
    return shared_study(
        name="pit",
        game={"horizon": 10, "first_mover": "alternate", "status_quo": 1.0},
        rounds={"count": 4, "rho": 0.7, "end_on_disagreement": False, "grid": 51},
        strategies__dealer__params__kind=kind,
        arms={"party": "supplier", "strategies": {"a": {"name": "capitulator"}}},
        channels={},
        reputation={"holder": "dealer", "types": TYPES, "prior": PRIOR},
    )


def pooled_pit(kind: str, n: int = 1500, seed: int = 11) -> np.ndarray:
    """``(rounds, n)``: the dealer's PIT of the supplier's reservation value, when the
    supplier's type is drawn from the dealer's own prior (stratified: each type plays a share
    of the replicates equal to its prior probability)."""
    spec = study(kind)
    dealer = create("learner", kind=kind)
    chunks, start = [], 0
    for k, (label, policy) in enumerate(TYPES.items()):
        size = round(PRIOR[label] * n)
        ids = np.arange(start, start + size)
        start += size
        setup = build_setup(spec, ids, spec.channels)
        rng = StreamRNG.from_seed(seed + k, size)
        recorder, _ = play(setup, (dealer, create(policy["name"])), rng, ids)
        chunks.append(recorder["belief_pit"][:, :, 0])
    return np.concatenate(chunks, axis=1)


@pytest.mark.slow
def test_correct_bayesian_with_types_is_calibrated():
    pit = pooled_pit("bayesian")
    for r in range(pit.shape[0]):
        assert stats.kstest(pit[r], "uniform").pvalue > 1e-3, f"round {r + 1}"


@pytest.mark.slow
def test_naive_learner_is_not_calibrated():
    pit = pooled_pit("naive")
    assert min(stats.kstest(pit[r], "uniform").pvalue for r in range(pit.shape[0])) < 1e-6


@pytest.mark.slow
def test_the_posterior_on_the_true_policy_never_falls_below_the_prior_on_average():
    # under the true policy a correct Bayesian's posterior on it is a submartingale, which the
    # reputation figure uses as its reference: the mean per round stays at or above the prior
    spec = study("bayesian")
    dealer = create("learner", kind="bayesian")
    n = 300
    for k, (label, policy) in enumerate(TYPES.items()):
        ids = np.arange(n)
        setup = build_setup(spec, ids, spec.channels)
        recorder, _ = play(setup, (dealer, create(policy["name"])), StreamRNG.from_seed(k, n), ids)
        mass = recorder["belief_type_mass"][:, :, 0]  # (rounds, replicates), the dealer's
        mean = mass.mean(axis=1)
        se = mass.std(axis=1, ddof=1) / np.sqrt(n)
        assert (mean >= PRIOR[label] - 4 * se - 1e-9).all(), (label, mean)
        assert mean[-1] > PRIOR[label]  # and it learns something over four rounds
