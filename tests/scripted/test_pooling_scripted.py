"""The pooling face-saver against a scripted opponent: types at or below the cutoff play the
same round, a type above it plays the face-saver's.

As in test_essay_scripted.py, the strategy under test is party 0 (``u0(x) = x``), moves
first, and the round has six steps: it proposes at 0, 2, 4 and responds at 1, 3, 5 (its last
response); ``t = s / 5`` and ``decide_at = 0.5``. It holds the condition (value 0.2, cost 0.1,
fallback position 0.5) and has no reference point, so its base aspiration is 1. Expected
values are worked out by hand from the documented rule (effective bottom line
``max(reservation value, outside option, cutoff)``).
"""

from __future__ import annotations

import numpy as np
import pytest

from bargainlab.beliefs.observations import RoundTrace
from bargainlab.engine.context import OwnerContext
from bargainlab.engine.negotiation import Game, negotiate
from bargainlab.engine.parties import PartyBatch
from bargainlab.engine.terms import Condition, Issue
from bargainlab.engine.views import Carried
from bargainlab.strategies import ACCEPT, REJECT, create
from bargainlab.strategies.testing import Scripted, play

CONDITION = Condition(0, np.array([0.2]), np.array([0.1]), np.array([0.5]))


def _round(reservation: float, offers: tuple[float, ...], **params):
    """One round of the pooling face-saver (cutoff 0.3 unless given) against the script."""
    strategy = create("pooling_face_saver", **{"cutoff": 0.3, **params})
    return play(strategy, Scripted(offers=offers), reservation=reservation, condition=CONDITION)


def _same(a, b) -> bool:
    """Whether two one-replicate rounds have the same public record."""
    ta, tb = a.trace, b.trace
    return (
        a.played == b.played
        and np.array_equal(ta.x[a.played, 0], tb.x[b.played, 0])
        and np.array_equal(ta.conditional[a.played, 0], tb.conditional[b.played, 0])
        and np.array_equal(ta.response[a.played, 0], tb.response[b.played, 0])
    )


def test_types_below_the_cutoff_pool_and_a_type_above_does_not():
    """Script: 0.3, then the demand 0.15, then 0.35 at its last response.
    Reservation 0.1 or 0.2 (effective floor 0.3): s4 u(0.15) + 0.2 = 0.35 >= 0.3, so it
    concedes to 0.15 with the condition; s5 0.35 >= 0.3 is accepted as a last resort.
    Reservation 0.4 (above the cutoff, floor 0.4): s4 0.35 < 0.4, it holds at A = 1; s5
    0.35 < 0.4 is refused."""
    offers = (0, 0.3, 0, 0.15, 0, 0.35)
    low, middle, high = (_round(r, offers) for r in (0.1, 0.2, 0.4))
    pooled = {0: 1.0, 1: REJECT, 2: 1.0, 3: REJECT, 4: (0.15, True), 5: ACCEPT}
    low.check(pooled)
    middle.check(pooled)
    high.check({0: 1.0, 1: REJECT, 2: 1.0, 3: REJECT, 4: 1.0, 5: REJECT})
    assert _same(low, middle) and not _same(low, high)


def test_pooling_costs_a_low_type_the_concession_it_could_afford():
    """Script: 0.3, the demand 0.02, then 0.25. The face-saver with reservation 0.1 concedes
    at s4 (0.02 + 0.2 = 0.22 >= 0.1) and takes 0.25 at its last response; the pooling one
    with the same reservation plays as a type at 0.3: 0.22 < 0.3, it holds at A = 1 and
    refuses 0.25 < 0.3, and the round ends without agreement (as does a type at 0.25)."""
    offers = (0, 0.3, 0, 0.02, 0, 0.25)
    separating = play(
        create("face_saver"), Scripted(offers=offers), reservation=0.1, condition=CONDITION
    )
    separating.check({0: 1.0, 1: REJECT, 2: 1.0, 3: REJECT, 4: (0.02, True), 5: ACCEPT})
    pooled = {0: 1.0, 1: REJECT, 2: 1.0, 3: REJECT, 4: 1.0, 5: REJECT}
    low, other = _round(0.1, offers), _round(0.25, offers)
    low.check(pooled)
    other.check(pooled)
    assert not low.result.agreed[0]


def test_the_plain_counterpart_pools_the_same_way_without_the_condition():
    """condition = false: the demand 0.35 (s3) is worth 0.35 >= 0.3 without the condition's
    value, so types 0.1 and 0.2 concede to it plainly at s4; a type at 0.4 holds at 1."""
    offers = (0, 0.3, 0, 0.35, 0, 0.1)
    low, middle, high = (_round(r, offers, condition=False) for r in (0.1, 0.2, 0.4))
    pooled = {0: 1.0, 1: REJECT, 2: 1.0, 3: REJECT, 4: (0.35, False), 5: REJECT}
    low.check(pooled)
    middle.check(pooled)
    high.check({0: 1.0, 1: REJECT, 2: 1.0, 3: REJECT, 4: 1.0, 5: REJECT})


def test_an_outside_option_above_the_cutoff_is_the_floor():
    """Outside option 0.4 > cutoff 0.3: the effective floor is 0.4 for every type, so the
    0.35 of the first script is out of reach (it holds at 1 and refuses 0.35)."""
    offers = (0, 0.3, 0, 0.15, 0, 0.35)
    strategy = create("pooling_face_saver", cutoff=0.3)
    rnd = play(
        strategy, Scripted(offers=offers), reservation=0.1, outside=(0.4, 0.0), condition=CONDITION
    )
    rnd.check({0: 1.0, 1: REJECT, 2: 1.0, 3: REJECT, 4: 1.0, 5: REJECT})


@pytest.mark.parametrize(
    ("condition", "offers", "above"),
    [
        # the first script: types above 0.35 hold at 1 (0.35 does not cover their floor)
        (True, (0, 0.3, 0, 0.15, 0, 0.35), True),
        # the demand 0 is worth 0.2 with the condition: a face-saver at 0.1 or 0.2 would concede
        # and one at 0.1 take 0.15 at the end; every pooled type holds and refuses
        (True, (0, 0.3, 0, 0.0, 0, 0.15), False),
        (False, (0, 0.3, 0, 0.35, 0, 0.1), True),
        # the demand 0.25 would be conceded plainly by a face-saver at 0.2, not at 0.28
        (False, (0, 0.3, 0, 0.25, 0, 0.1), False),
    ],
)
def test_a_bayesian_learns_only_that_a_pooled_type_is_below_the_cutoff(condition, offers, above):
    """The round played by types on a grid against the script: every type up to the cutoff
    plays the round the type at 0.1 plays, so its exact likelihood is 1 at every candidate
    bottom line up to the cutoff (a face-saver without the cutoff would tell some of them
    apart in the second scripts); where the script separates, 0 at 0.4 and above."""
    theta = np.linspace(0.0, 1.0, 101)
    n = theta.size
    parties = (
        PartyBatch.build(n, reservation_value=theta, deadline=6),
        PartyBatch.build(n, deadline=6),
    )
    cond = Condition(0, np.full(n, 0.2), np.full(n, 0.1), np.full(n, 0.5))
    game = Game(Issue(), parties, horizon=6, first_mover=0, condition=cond)
    strategy = create("pooling_face_saver", cutoff=0.3, condition=condition)
    result = negotiate(game, (strategy, Scripted(offers=offers)), trace=True)
    below = theta <= 0.3 + 1e-12
    assert (result.x[below] == result.x[10]).all()
    assert (result.steps[below] == result.steps[10]).all()
    assert strategy.monotone_in_type is not condition
    context = OwnerContext.public(game, 0, Carried())
    lik = strategy.likelihood(RoundTrace.from_result(result), context, theta)[10]
    assert (lik[below] == 1.0).all()
    assert (lik[theta >= 0.4 - 1e-12] == 0.0).all() == above
    separating = create("face_saver", condition=condition)
    plain = separating.likelihood(
        RoundTrace.from_result(negotiate(game, (separating, Scripted(offers=offers)), trace=True)),
        context,
        theta,
    )[10]
    if not above:
        assert not (plain[below] == 1.0).all(), "the script does not separate low types"
