"""Subjective value compares like with like: an agreement at the reference terms is worth
nothing, whatever the step at which it is reached (the round's payoff is discounted within
the round, the reference terms are not, so the behavioural module compares undiscounted
values); only the instant-acceptance regret, an event of the round's very first offer, is
felt at the reference terms."""

from __future__ import annotations

import numpy as np
import pytest

from bargainlab.beliefs.observations import observe
from bargainlab.engine.rng import StreamRNG
from bargainlab.experiments.setups import build_setup
from bargainlab.relationships import behaviour as bh
from bargainlab.relationships.channels import Channels
from bargainlab.relationships.stages import draw_round, feel, negotiate_round, round_values
from bargainlab.relationships.state import RelationshipState
from bargainlab.strategies.testing import Scripted
from studies import keys_for, study

N = 4


def _feel_at(step: int, *, position: float | None = None, conditional: bool = False):
    """Round 1 of a study with discounting (delta 0.9 for both parties), the status quo (the
    reference terms) in the middle of the range and the behavioural module on: both parties offer ``position`` (default: the reference terms, the status quo)
    at every step and the responder at ``step`` accepts. Returns the round's result and each
    party's subjective value."""
    spec = study(
        **{
            "channels__subjective_value": True,
            "parties__dealer__delta": 0.9,
            "parties__supplier__delta": 0.9,
            "game__status_quo": 1.5,
        }
    )
    setup = build_setup(spec, np.arange(N), Channels(subjective_value=True))
    state = RelationshipState.initial(setup, N)
    rng = StreamRNG(keys_for(N))
    rnd = draw_round(setup, state, rng, 0)
    x = float(state.reference_x[0]) if position is None else position
    # the dealer (party 0) opens: it proposes at even steps, the supplier at odd ones
    dealer = Scripted(offers=(x,) * 20, accept_at=step if step % 2 else None)
    supplier = Scripted(
        offers=(x,) * 20, accept_at=None if step % 2 else step, conditional=conditional
    )
    pair = (dealer, supplier)
    result = negotiate_round(setup, state, rnd, strategies=pair, rng=rng)
    obs = (observe(result, 0), observe(result, 1))
    feelings = feel(setup, state, rnd, result, obs, strategies=pair, rng=rng)
    return rnd, result, feelings.subjective_value


@pytest.mark.parametrize("step", [1, 2, 3, 7, 12, 19])
def test_an_agreement_at_the_reference_terms_is_worth_nothing_at_any_step(step):
    rnd, result, sv = _feel_at(step)
    assert result.agreed.all() and (result.steps == step + 1).all()
    # the discounted payoff is below the reference utility, the undiscounted one equals it
    assert (result.utility[:, 0] < round_values(rnd, result)[:, 0]).all()
    np.testing.assert_array_equal(sv, np.zeros((N, 2)))


def test_at_the_very_first_offer_only_the_proposers_instant_regret_is_felt():
    """The dealer's first offer (step 0) is accepted at once: it loses ``instant`` (0.2 by
    default), the supplier feels nothing."""
    _, result, sv = _feel_at(0)
    assert result.agreed.all()
    np.testing.assert_array_equal(sv[:, 0], np.full(N, -bh.BehaviourSpec().instant))
    np.testing.assert_array_equal(sv[:, 1], np.zeros(N))


def test_terms_better_than_the_reference_feel_better_and_worse_terms_worse():
    """The dealer prefers high terms: a deal above the reference is a gain to it and a plain
    concession by the supplier (a loss of face too); the opposite below it."""
    _, _, up = _feel_at(5, position=0.7)  # the reference terms are at 0.5
    assert (up[:, 0] > 0).all() and (up[:, 1] < 0).all()
    _, _, down = _feel_at(6, position=0.3)
    assert (down[:, 0] < 0).all() and (down[:, 1] > 0).all()


def test_a_displayed_satisfaction_counts_against_the_one_at_the_reference_terms():
    """The displayed term is the opponent's satisfaction with the deal minus the one it would
    show with the reference terms: 0 at the reference terms, a loss when it shows more."""
    feelings = bh.RoundFeelings(
        utility=np.array([0.5, 0.5]),
        reference_utility=np.array([0.5, 0.5]),
        instant=np.zeros(2),
        opponent_display=np.array([0.3, 0.6]),
        plain_concession=np.zeros(2),
        reference_display=np.array([0.3, 0.3]),
    )
    sv = bh.subjective_value(feelings, bh.BehaviourSpec(displayed=0.5))
    np.testing.assert_allclose(sv, [0.0, -0.15])
