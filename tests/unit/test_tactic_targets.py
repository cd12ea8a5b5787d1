"""A time-dependent tactic's targets have the bits of the plain Genius formula: worked out on
one element when every replicate is at the same time, over the batch otherwise, with the
round's floor and span computed once; and a replicate's target does not depend on its batch."""

from __future__ import annotations

import numpy as np
import pytest

from bargainlab.engine.game import Game
from bargainlab.engine.history import OfferHistory
from bargainlab.engine.parties import PartyBatch
from bargainlab.engine.terms import Issue
from bargainlab.strategies import TimeDependent
from bargainlab.strategies.tactics import genius_target

CURVES = [(0.2, 0.0), (1.0, 0.0), (2.0, 0.3), (4.0, 0.0), (0.25, 0.1), (0.0, 0.2)]


def _plain(t: np.ndarray, e: float, k: float, p_min: np.ndarray, p_max) -> np.ndarray:
    """The formula over the batch; the power of one shared time on a one-element array (the
    batch's power loop on a contiguous array, as each replicate would get it alone)."""
    t = np.clip(t, 0.0, 1.0)
    if e == 0:
        f = np.full_like(t, k)
    elif bool((t == t[0]).all()):
        f = k + (1.0 - k) * np.broadcast_to(np.power(t[:1].copy(), 1.0 / e), t.shape)
    else:
        f = k + (1.0 - k) * np.power(t, 1.0 / e)
    return p_min + (p_max - p_min) * (1.0 - f)


@pytest.mark.parametrize(("e", "k"), CURVES)
def test_genius_target_is_the_plain_formula(e, k):
    rng = np.random.default_rng(5)
    n = 1_000
    p_min = rng.random(n) * 0.6
    p_max = np.maximum(0.9, p_min)
    for t in (np.full(n, 0.37), np.full(n, 1.0), np.full(n, 1.5), rng.random(n) * 1.2):
        assert (
            genius_target(t, e, k, p_min, p_max).tobytes()
            == _plain(t, e, k, p_min, p_max).tobytes()
        )
    # a replicate alone gets the bits it gets in the batch
    t = np.full(n, 0.61)
    alone = [genius_target(t[i : i + 1], e, k, p_min[i : i + 1], p_max[i : i + 1]) for i in (0, 7)]
    batch = genius_target(t, e, k, p_min, p_max)
    assert [a[0] for a in alone] == [batch[0], batch[7]]


@pytest.mark.parametrize(("e", "k"), CURVES)
@pytest.mark.parametrize("p_min", [None, 0.45])
def test_a_tactics_targets_are_genius_targets_of_its_floor(e, k, p_min):
    rng = np.random.default_rng(9)
    n = 400
    me = PartyBatch.build(
        n, reservation_value=rng.random(n) * 0.5, outside_option=rng.random(n) * 0.5, deadline=30
    )
    other = PartyBatch.build(n, deadline=rng.integers(5, 40, n))
    for side, parties in ((0, (me, other)), (1, (other, me))):
        game = Game(Issue(levels=50), parties, horizon=30)
        view = game.view(side, OfferHistory(n))
        tactic = TimeDependent(e=e, k=k, p_max=0.95, p_min=p_min, tolerance=0.01 * (side == 1))
        targets = tactic.start(view)
        floor = np.maximum(me.reservation_value, me.outside_option)
        floor = floor if p_min is None else np.maximum(floor, p_min)
        for step in range(32):
            plain = genius_target(view.relative_time(step), e, k, floor, np.maximum(0.95, floor))
            if tactic.tolerance:
                plain = np.maximum(plain - tactic.tolerance, floor)
            assert tactic.target(view, targets, step).tobytes() == plain.tobytes()
