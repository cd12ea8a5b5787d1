"""The library's acceptance rule (Strategy.accept_if) decides as its plain statement does:
accept an offer worth at least the threshold (shifted by the behavioural lever) and at least
the reservation value, each within 1e-12, on values an ulp either side of those bounds."""

from __future__ import annotations

import numpy as np
import pytest

from bargainlab.engine.carried import Carried, Levers
from bargainlab.engine.game import Game
from bargainlab.engine.history import OfferHistory
from bargainlab.engine.negotiation import ACCEPT, REJECT, Offer
from bargainlab.engine.parties import PartyBatch
from bargainlab.engine.terms import Issue, utility
from bargainlab.strategies import Strategy


def _near(values: np.ndarray) -> np.ndarray:
    """Each value, and the values an ulp and about 1e-12 either side of it."""
    out = [values, np.nextafter(values, 2.0), np.nextafter(values, -2.0)]
    for d in (1e-12, 2e-12, 5e-13):
        out += [values + d, values - d]
    return np.clip(np.concatenate(out), 0.0, 1.0)


@pytest.mark.parametrize("shift", [0.0, 0, "array", "zeros"])
@pytest.mark.parametrize("side", [0, 1])
def test_accept_if_is_the_plain_rule(shift, side):
    rng = np.random.default_rng(side)
    base = np.concatenate([[0.0, 0.3, 0.5, 1.0], rng.random(3_000)])
    threshold = _near(base)
    n = threshold.size
    reservation = rng.permutation(threshold)
    value = np.where(rng.random(n) < 0.5, threshold, reservation)  # on the bounds
    value = np.where(rng.random(n) < 0.3, rng.random(n), value)
    x = value if side == 0 else 1.0 - value
    levers_shift = {
        "array": rng.normal(0.0, 0.01, n),
        "zeros": np.zeros(n),
    }.get(shift, shift)
    parties = [PartyBatch.build(n), PartyBatch.build(n)]
    parties[side] = PartyBatch.build(n, reservation_value=reservation)
    view = Game(Issue(), tuple(parties)).view(
        side, OfferHistory(n), carried=Carried(levers=Levers(accept_shift=levers_shift))
    )
    offer = Offer.plain(x)
    got = Strategy.accept_if(view, offer, threshold)
    u = utility(side, x, 1.0)
    ok = (u >= threshold + levers_shift - 1e-12) & (u >= reservation - 1e-12)
    assert got.dtype == np.int8
    assert np.array_equal(got, np.where(ok, ACCEPT, REJECT))
    assert 0 < ok.mean() < 1
