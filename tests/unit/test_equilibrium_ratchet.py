"""The ratchet game played as a two-round relationship reproduces theory.ratchet.

Play is deterministic given the buyer's type, so the revenue of each type has no Monte Carlo
error and the type-weighted revenue is the expectation exactly (floating-point rounding
only: prices go through positions p/v_high and back, hence rel=1e-12). The replicate mean
is checked against it within 4 Monte Carlo standard errors (sample SD over √N).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from bargainlab import theory
from bargainlab.equilibrium import play_ratchet
from bargainlab.equilibrium.ratchet import RatchetBuyer, best_price
from bargainlab.strategies import Offer

CASES = [(1.0, 0.5, 0.6, 0.9), (1.0, 0.5, 0.3, 0.9), (2.0, 0.0, 0.4, 0.5), (1.0, 0.2, 0.8, 0.7)]
FIELD = {
    "commitment": "revenue_commitment",
    "separating": "revenue_separating",
    "pooling": "revenue_pooling",
}
N = 1_500


@pytest.mark.parametrize("params", CASES)
@pytest.mark.parametrize("equilibrium", list(FIELD))
def test_revenues_reproduce_the_closed_form(params, equilibrium):
    ref = theory.ratchet(*params)
    played = play_ratchet(*params, replicates=N, seed=7, equilibrium=equilibrium)
    expected = getattr(ref, FIELD[equilibrium])
    assert played.revenue_exact == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert played.revenue == pytest.approx(expected, abs=4 * played.revenue_se + 1e-12)
    others = {getattr(ref, f) for k, f in FIELD.items() if k != equilibrium} - {expected}
    assert all(abs(played.revenue_exact - o) > 1e-9 for o in others)  # specific, not lucky


@pytest.mark.parametrize("params", CASES)
def test_separating_play(params):
    v_high, v_low, p_high, delta = params
    ref = theory.ratchet(*params)
    played = play_ratchet(*params, replicates=N, seed=3, equilibrium="separating")
    assert played.first_price == pytest.approx(ref.separating_price, rel=1e-12)
    assert played.bought == ((1.0, 1.0), (0.0, 1.0))  # high buys twice; low refuses, then buys
    # the ratchet: v_high to those who revealed themselves, v_low to the others
    assert played.second_price_after_purchase == pytest.approx(v_high, rel=1e-12)
    assert played.second_price_after_refusal == pytest.approx(v_low, abs=1e-12)
    high, low = played.revenue_by_type
    assert high == pytest.approx(ref.separating_price + delta * v_high, rel=1e-12)
    assert high - (1 + delta) * v_high == pytest.approx(-ref.rent, rel=1e-12)  # the rent paid
    assert low == pytest.approx(delta * v_low, abs=1e-12)
    assert played.high_share == pytest.approx(p_high, abs=4 * math.sqrt(p_high * (1 - p_high) / N))


def test_pooling_learns_nothing_and_commitment_ignores_what_it_learns():
    v_high, v_low = CASES[0][:2]  # p_high·v_high = 0.6 > v_low: the prior price is v_high
    pooling = play_ratchet(*CASES[0], replicates=N, seed=1, equilibrium="pooling")
    assert pooling.first_price == pytest.approx(v_low)
    assert pooling.bought == ((1.0, 1.0), (1.0, 0.0))
    assert pooling.second_price_after_purchase == pytest.approx(v_high)
    assert math.isnan(pooling.second_price_after_refusal)  # nobody refused
    commitment = play_ratchet(*CASES[0], replicates=N, seed=1, equilibrium="commitment")
    assert commitment.first_price == pytest.approx(v_high)
    assert commitment.second_price_after_refusal == pytest.approx(v_high)  # learned low, kept
    assert commitment.bought == ((1.0, 1.0), (0.0, 0.0))


def test_the_high_type_refuses_a_revealing_price_above_the_separating_one():
    """The ratchet itself: just above the separating price the high type prefers the rent."""
    v_high, v_low, _, delta = CASES[0]
    low_price = v_low / v_high
    buyer = RatchetBuyer(delta, low_price)
    sep = theory.ratchet(*CASES[0]).separating_price / v_high

    class View:  # the two fields the rule reads
        def __init__(self, round_index: int) -> None:
            self.round_index, self.n = round_index, 2
            self.own = type("Own", (), {"reservation_value": np.array([0.0, 1 - low_price])})

    offer = Offer.plain(np.array([sep + 1e-6, sep + 1e-6]))
    assert list(buyer.respond(View(0), {}, 0, offer)) == [0, 0]  # both refuse in round 1
    offer = Offer.plain(np.array([sep, sep]))
    assert list(buyer.respond(View(0), {}, 0, offer)) == [1, 0]  # the high type buys (tie)
    assert list(buyer.respond(View(1), {}, 0, offer)) == [1, 0]  # last round: v >= p


def test_best_price_breaks_ties_toward_serving_everyone():
    theta = np.array([0.0, 0.5])  # prices 1 and 0.5
    mass = np.array([[0.5, 0.5], [0.6, 0.4], [0.4, 0.6]])  # revenue 0.5 vs 0.5; 0.6; 0.5
    assert list(best_price(theta, mass)) == [0.5, 1.0, 0.5]


def test_seeded_and_reproducible():
    a = play_ratchet(*CASES[0], replicates=200, seed=2)
    b = play_ratchet(*CASES[0], replicates=200, seed=2)
    c = play_ratchet(*CASES[0], replicates=200, seed=9)
    assert a.revenue == b.revenue and a.high_share == b.high_share
    assert a.high_share != c.high_share


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"v_low": 1.0}, "v_low"),
        ({"p_high": 0.0}, "p_high"),
        ({"delta": 1.5}, "delta"),
        ({"replicates": 0}, "replicates"),
        ({"equilibrium": "semi"}, "equilibrium"),
    ],
)
def test_rejects_bad_arguments(kwargs, name):
    args = {"v_high": 1.0, "v_low": 0.5, "p_high": 0.6, "delta": 0.9, "replicates": 10} | kwargs
    with pytest.raises(ValueError, match=name):
        play_ratchet(**args)
