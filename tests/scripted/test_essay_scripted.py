"""The essay's strategies and the learner against a scripted opponent: exact offers,
condition flags and decisions.

The scripted opponent proposes a fixed position at each of its steps and rejects everything
(or accepts at one given step). Unless a test says otherwise the strategy under test is party
0 (utility ``u0(x) = x``), moves first, and the round has six steps, so it proposes at steps
0, 2, 4 and responds at 1, 3, 5; its relative time is ``t = s / 5`` and step 5 is its last
response. Expected values are worked out by hand from the documented rules and written down
as numbers.
"""

from __future__ import annotations

import numpy as np
import pytest

from bargainlab.beliefs.grid import Belief
from bargainlab.beliefs.observations import RoundTrace, observe
from bargainlab.beliefs.priors import grid_points
from bargainlab.engine.context import OwnerContext
from bargainlab.engine.negotiation import (
    OUTCOME_AGREEMENT,
    OUTCOME_DEADLINE,
    OUTCOME_EXIT,
    Game,
    negotiate,
)
from bargainlab.engine.parties import PartyBatch
from bargainlab.engine.terms import Condition, Issue
from bargainlab.engine.views import Carried, OfferHistory
from bargainlab.strategies import ACCEPT, EXIT, REJECT, create
from bargainlab.strategies.learner import optimal_demand
from bargainlab.strategies.testing import Scripted, play


# ---- capitulator ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("outside", "expected", "outcome"),
    [
        # floor = max(0.3, 0) = 0.3: s4 offers 0.3, s5 accepts 0.35 >= 0.3
        ((0.0, 0.0), {0: 1.0, 1: REJECT, 2: 1.0, 3: REJECT, 4: 0.3, 5: ACCEPT}, OUTCOME_AGREEMENT),
        # floor = max(0.3, 0.4) = 0.4: s4 offers 0.4, s5 rejects 0.35 < 0.4
        ((0.4, 0.0), {0: 1.0, 1: REJECT, 2: 1.0, 3: REJECT, 4: 0.4, 5: REJECT}, OUTCOME_DEADLINE),
    ],
)
def test_capitulator_concedes_to_its_floor_after_decide_at(outside, expected, outcome):
    """Aspiration A = 1 (no reference point), decide_at = 0.5, reservation 0.3.
    s0, s2 (t = 0, 0.4 < 0.5): asks for A = 1. s1 (t = 0.2): 0.4 < A is rejected although it
    is worth the floor -- before decide_at a loss is not predicted. s3 (t = 0.6): 0.25 < A, a
    loss, threshold = floor; 0.25 is below the floor either way. s4: offers the floor."""
    script = Scripted(offers=(0, 0.4, 0, 0.25, 0, 0.35))
    rnd = play(create("capitulator"), script, reservation=0.3, outside=outside)
    rnd.check(expected)
    assert rnd.result.outcome[0] == outcome


@pytest.mark.parametrize(
    ("offers", "expected"),
    [
        # s1: 0.6 < A = 0.7 before decide_at -> reject; s3: 0.2 < floor 0.3 -> reject;
        # s4: offers the floor 0.3; s5: 0.3 is worth exactly the floor -> accept
        ((0, 0.6, 0, 0.2, 0, 0.3), {0: 0.7, 1: REJECT, 2: 0.7, 3: REJECT, 4: 0.3, 5: ACCEPT}),
        # s1: 0.7 is worth A -> accepted before decide_at
        ((0, 0.7), {0: 0.7, 1: ACCEPT}),
    ],
)
def test_capitulator_aspires_to_its_reference_point(offers, expected):
    """Reference point 0.7: A = u0(0.7) = 0.7 replaces the aspiration parameter (1.0)."""
    rnd = play(create("capitulator"), Scripted(offers=offers), reservation=0.3, reference_point=0.7)
    rnd.check(expected)


def test_capitulator_as_party_one_with_a_reference_point():
    """Party 1 (u1 = 1 − x) moves first. Reference 0.4: A = 0.6, asked for as position 0.4;
    floor 0.3 is position 0.7. s1: 0.5 (worth 0.5) before decide_at -> reject; s3: 0.8 (worth
    0.2 < 0.3) -> reject; s4: offers 0.7; s5: 0.7 (worth 0.3) -> accept."""
    script = Scripted(offers=(0, 0.5, 0, 0.8, 0, 0.7))
    rnd = play(
        create("capitulator"), script, side=1, first_mover=1, reservation=0.3, reference_point=0.4
    )
    rnd.check({0: 0.4, 1: REJECT, 2: 0.4, 3: REJECT, 4: 0.7, 5: ACCEPT})
    assert rnd.result.x[0] == pytest.approx(0.7)


# ---- holdout ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("last", "response", "outcome"),
    [(0.79, REJECT, OUTCOME_DEADLINE), (0.8, ACCEPT, OUTCOME_AGREEMENT)],
)
def test_holdout_never_goes_below_its_aspiration(last, response, outcome):
    """aspiration 0.8, reservation 0.3: it asks for 0.8 at every turn, also after decide_at and
    after facing offers worth its floor (0.5, 0.6), and accepts only offers worth 0.8."""
    script = Scripted(offers=(0, 0.5, 0, 0.6, 0, last))
    rnd = play(create("holdout", aspiration=0.8), script, reservation=0.3)
    rnd.check({0: 0.8, 1: REJECT, 2: 0.8, 3: REJECT, 4: 0.8, 5: response})
    assert rnd.result.outcome[0] == outcome


def test_holdout_aspires_to_its_reference_point():
    """Reference 0.65 gives A = 0.65 (the aspiration parameter 1.0 is not used); 0.6 is refused
    at every step, including its last response."""
    script = Scripted(offers=(0, 0.6, 0, 0.6, 0, 0.6))
    rnd = play(create("holdout"), script, reservation=0.3, reference_point=0.65)
    rnd.check({0: 0.65, 1: REJECT, 2: 0.65, 3: REJECT, 4: 0.65, 5: REJECT})


# ---- face-saver -------------------------------------------------------------------------------
def condition_for(holder: int) -> Condition:
    """Worth 0.2 to its holder, costs the obliged party 0.1, fallback position 0.5."""
    return Condition(holder, np.array([0.2]), np.array([0.1]), np.array([0.5]))


@pytest.mark.parametrize(("last_resort", "response"), [(True, ACCEPT), (False, REJECT)])
def test_face_saver_matches_the_demand_with_the_condition(last_resort, response):
    """A = 1, floor = reservation 0.4, condition value 0.2, party 0 holds it.
    s1 (t = 0.2): 0.3 before decide_at -> reject. s3 (t = 0.6): 0.25 < A, a loss, but not its
    last response -> threshold A -> reject. s4: u(0.25) + 0.2 = 0.45 >= 0.4, affordable ->
    offers the demand 0.25 with the condition. s5 (last response): 0.41 >= floor is accepted
    as a last resort, refused without it."""
    script = Scripted(offers=(0, 0.3, 0, 0.25, 0, 0.41))
    rnd = play(
        create("face_saver", last_resort=last_resort),
        script,
        reservation=0.4,
        condition=condition_for(0),
    )
    rnd.check({0: 1.0, 1: REJECT, 2: 1.0, 3: REJECT, 4: (0.25, True), 5: response})
    assert rnd.result.agreed[0] == last_resort


def test_face_saver_holds_when_the_condition_does_not_cover_the_gap():
    """s3: 0.15 < A -> reject. s4: u(0.15) + 0.2 = 0.35 < floor 0.4 -> holds at A = 1
    without the condition. s5 (last response): 0.35 < floor is refused even as a last resort."""
    script = Scripted(offers=(0, 0.3, 0, 0.15, 0, 0.35))
    rnd = play(create("face_saver"), script, reservation=0.4, condition=condition_for(0))
    rnd.check({0: 1.0, 1: REJECT, 2: 1.0, 3: REJECT, 4: 1.0, 5: REJECT})


@pytest.mark.parametrize(
    ("condition", "demand", "offer_s4"),
    [
        # u(0.42) = 0.42 >= 0.4 is affordable with or without the condition's value:
        # the same concession, flagged only when the condition is on
        (True, 0.42, (0.42, True)),
        (False, 0.42, (0.42, False)),
        # u(0.25) + 0.2 >= 0.4 only counting the condition: with condition = false the
        # condition is worthless (the control arm), so it holds at A = 1
        (True, 0.25, (0.25, True)),
        (False, 0.25, (1.0, False)),
    ],
)
def test_face_saver_control_arm_without_the_condition(condition, demand, offer_s4):
    """Same game as above; s3's demand (0.42 or 0.25) is rejected (not its last response)."""
    script = Scripted(offers=(0, 0.3, 0, demand, 0, 0.1))
    rnd = play(
        create("face_saver", condition=condition),
        script,
        reservation=0.4,
        condition=condition_for(0),
    )
    rnd.check({0: 1.0, 1: REJECT, 2: 1.0, 3: REJECT, 4: offer_s4, 5: REJECT})


@pytest.mark.parametrize(
    ("demand", "offer_s4"),
    [
        # the opponent's demand leaves it 1 - 0.42 = 0.58; compensating the expected cost 0.1
        # gives it 0.68, i.e. position 0.32, worth 0.32 + 0.2 = 0.52 >= 0.4 to the face-saver
        (0.42, (0.32, True)),
        # 0.25 -> 0.75 + 0.1 = 0.85 -> position 0.15, worth 0.35 < 0.4: it holds at A = 1
        (0.25, 1.0),
    ],
)
def test_face_saver_compensates_the_expected_cost_of_the_condition(demand, offer_s4):
    """With an estimate of the obliged party's cost (0.1), the conditional offer gives the
    opponent its demand plus that expected cost."""
    script = Scripted(offers=(0, 0.3, 0, demand, 0, 0.1))
    rnd = play(
        create("face_saver"),
        script,
        reservation=0.4,
        condition=condition_for(0),
        condition_cost=0.1,
    )
    rnd.check({0: 1.0, 1: REJECT, 2: 1.0, 3: REJECT, 4: offer_s4, 5: REJECT})


def test_face_saver_conditional_deal_settles_with_the_condition():
    """The script accepts the s4 offer (0.25, conditional). Party 1 meets the condition:
    u1(0.25) − 0.1 = 0.65 >= u1(fallback 0.5) = 0.5, so party 0 gets 0.25 + 0.2 = 0.45."""
    script = Scripted(offers=(0, 0.3, 0, 0.25), accept_at=4)
    rnd = play(create("face_saver"), script, reservation=0.4, condition=condition_for(0))
    rnd.check({0: 1.0, 1: REJECT, 2: 1.0, 3: REJECT, 4: (0.25, True)})
    assert rnd.result.conditional[0] and rnd.result.condition_met[0]
    assert rnd.result.utility[0, 0] == pytest.approx(0.45)
    assert rnd.result.utility[0, 1] == pytest.approx(0.65)


def test_only_the_holder_can_attach_the_condition():
    """Party 1 holds the condition. The face-saver (obliged, so the condition is worth 0 to it)
    concedes at s4 to 0.42 >= floor 0.4 and asks for the condition, but the engine strips the
    flag; the scripted holder's conditional offers keep it."""
    script = Scripted(offers=(0, 0.3, 0, 0.42, 0, 0.1), conditional=True)
    rnd = play(create("face_saver"), script, reservation=0.4, condition=condition_for(1))
    assert rnd.trace.x[4, 0] == pytest.approx(0.42)
    assert rnd.trace.conditional[:, 0].tolist() == [False, True, False, True, False, True]


def test_a_non_holder_cannot_attach_the_condition():
    """Party 0 holds the condition: the scripted party 1 asks for it at every offer, the engine
    never records it."""
    script = Scripted(offers=(0, 0.3, 0, 0.15, 0, 0.35), conditional=True)
    rnd = play(create("face_saver"), script, reservation=0.4, condition=condition_for(0))
    assert not rnd.trace.conditional[:, 0].any()


# ---- modest winner ----------------------------------------------------------------------------
# Linear tactic (e = 1, k = 0, p_max = 1), reservation 0.2: target(s) = 0.2 + 0.8 (1 − s/5),
# i.e. 1, 0.84, 0.68, 0.52, 0.36, 0.2, 0.2; a response at s uses target(s + 1).
def test_modest_winner_hesitates_once_then_accepts():
    """s1: 0.7 >= target(2) = 0.68 is acceptable and worth >= 0.2 + margin 0.05: the first
    time, it rejects and at s2 asks for 0.7 + bump 0.02 = 0.72 (instead of 0.68). s3: 0.6 >=
    target(4) = 0.36 is acceptable and winning, but it has hesitated already -> accept."""
    rnd = play(create("modest_winner"), Scripted(offers=(0, 0.7, 0, 0.6)))
    rnd.check({0: 1.0, 1: REJECT, 2: 0.72, 3: ACCEPT})
    assert rnd.result.x[0] == pytest.approx(0.6)


def test_modest_winner_control_accepts_at_once():
    rnd = play(create("modest_winner", modest=False), Scripted(offers=(0, 0.7, 0, 0.6)))
    rnd.check({0: 1.0, 1: ACCEPT})
    assert rnd.result.x[0] == pytest.approx(0.7)


def test_modest_winner_never_hesitates_at_its_last_response():
    """s1: 0.1 < 0.68 and s3: 0.2 < 0.36 are rejected (not acceptable); s5 (last response):
    0.9 >= target(6) = 0.2 and winning, but there is no later turn -> accept at once."""
    rnd = play(create("modest_winner"), Scripted(offers=(0, 0.1, 0, 0.2, 0, 0.9)))
    rnd.check({0: 1.0, 1: REJECT, 2: 0.68, 3: REJECT, 4: 0.36, 5: ACCEPT})


def test_modest_winner_accepts_a_small_win_at_once():
    """margin 0.3: winning means worth >= 0.5. s3: 0.45 >= target(4) = 0.36 is acceptable but
    not winning -> accepted without hesitation."""
    rnd = play(create("modest_winner", margin=0.3), Scripted(offers=(0, 0.1, 0, 0.45)))
    rnd.check({0: 1.0, 1: REJECT, 2: 0.68, 3: ACCEPT})


def test_modest_winner_displays_satisfaction_only_as_the_control():
    assert create("modest_winner").displays_satisfaction is False
    assert create("modest_winner", modest=False).displays_satisfaction is True


# ---- learner: anchored ------------------------------------------------------------------------
# Reservation 0.2, reference 0.6, step 0.05: D = u0(0.6) + 0.05 = 0.65. With e = 0.5:
# target(s) = 0.2 + 0.45 (1 − (s/5)²) = 0.65, 0.632, 0.578, 0.488, 0.362, 0.2, 0.2.
ANCHORED_PATH = {0: 0.65, 1: REJECT, 2: 0.578, 3: REJECT, 4: 0.362}
# With an outside option of 0.3 the floor is max(0.2, 0.3) = 0.3:
# target(s) = 0.3 + 0.35 (1 − (s/5)²) = 0.65, 0.636, 0.594, 0.524, 0.426, 0.3.
ANCHORED_PATH_W = {0: 0.65, 1: REJECT, 2: 0.594, 3: REJECT, 4: 0.426}


def test_anchored_learner_opens_at_reference_plus_step_and_concedes():
    """s1: 0.5 < target(2) = 0.578 -> reject; s3: 0.35 < target(4) = 0.362 -> reject;
    s5: 0.25 >= target(6) = 0.2 -> accept."""
    script = Scripted(offers=(0, 0.5, 0, 0.35, 0, 0.25))
    rnd = play(create("learner", kind="anchored"), script, reference_point=0.6)
    rnd.check({**ANCHORED_PATH, 5: ACCEPT})
    assert rnd.result.x[0] == pytest.approx(0.25)


@pytest.mark.parametrize(
    ("reference", "reservation", "opening"),
    [
        (0.98, 0.2, 1.0),  # 0.98 + 0.05 is clipped to 1
        (0.1, 0.3, 0.3),  # 0.1 + 0.05 is below the floor 0.3
    ],
)
def test_anchored_learner_demand_is_clipped_to_floor_and_one(reference, reservation, opening):
    rnd = play(
        create("learner", kind="anchored"),
        Scripted(offers=(0, 0.0)),
        horizon=2,
        reservation=reservation,
        reference_point=reference,
    )
    assert rnd.trace.x[0, 0] == pytest.approx(opening, abs=1e-12)


def test_anchored_learner_exits_at_its_last_turn_below_its_outside_option():
    """Outside option 0.3 (so the floor is 0.3, path ANCHORED_PATH_W), exit allowed. s3: 0.1
    < target(4) is rejected, not exited (not its last turn). s5 (last turn): 0.15 < the floor
    0.3 is rejected, and 0.15 < 0.3 -> exit."""
    script = Scripted(offers=(0, 0.5, 0, 0.1, 0, 0.15))
    rnd = play(
        create("learner", kind="anchored"),
        script,
        reference_point=0.6,
        outside=(0.3, 0.0),
        allow_exit=True,
    )
    rnd.check({**ANCHORED_PATH_W, 5: EXIT})
    assert rnd.result.outcome[0] == OUTCOME_EXIT and rnd.result.exited_by[0] == 0


def test_anchored_learner_exits_rather_than_accept_less_than_its_outside_option():
    """As above, but the last offer 0.25 is worth more than its reservation value 0.2 and less
    than its outside option 0.3: the floor is 0.3, so it rejects, and walking away pays
    0.3 > 0.25, so it exits."""
    script = Scripted(offers=(0, 0.5, 0, 0.35, 0, 0.25))
    rnd = play(
        create("learner", kind="anchored"),
        script,
        reference_point=0.6,
        outside=(0.3, 0.0),
        allow_exit=True,
    )
    rnd.check({**ANCHORED_PATH_W, 5: EXIT})
    assert rnd.result.outcome[0] == OUTCOME_EXIT


# ---- learner: bayesian ------------------------------------------------------------------------
def test_bayesian_learner_opens_at_its_optimal_demand():
    """Grid θ = 0, 0.25, 0.5, 0.75, 1 for party 1's reservation value; prior 0.05, 0.45, 0.1,
    0.3, 0.1, so P(θ <= θ_g) = 0.05, 0.5, 0.6, 0.9, 1. Leaving party 1 exactly θ_g means
    x_g = 1 − θ_g, worth u0 = 1, 0.75, 0.5, 0.25, 0 to the learner. Fallback d = its outside
    option 0.1. EU_g = P_g u_g + (1 − P_g) d:
      0.05 + 0.095 = 0.145, 0.375 + 0.05 = 0.425, 0.3 + 0.04 = 0.34, 0.225 + 0.01 = 0.235, 0.
    The best is g = 1: D = 0.75. Then target(s) = 0.2 + 0.55 (1 − (s/5)²):
    0.75, _, 0.662, _, 0.398; s1: 0.3 < 0.662, s3: 0.3 < 0.398 -> reject; s5: 0.3 >= 0.2."""
    grid = grid_points(5)
    prior = np.array([0.05, 0.45, 0.1, 0.3, 0.1])
    p_accept = np.cumsum(prior)
    own_u = 1.0 - grid
    eu = p_accept * own_u + (1.0 - p_accept) * 0.1
    np.testing.assert_allclose(eu, [0.145, 0.425, 0.34, 0.235, 0.0], atol=1e-12)
    assert int(np.argmax(eu)) == 1

    belief = Belief.from_prior(prior, grid, 1)
    script = Scripted(offers=(0, 0.3, 0, 0.3, 0, 0.3))
    rnd = play(create("learner"), script, outside=(0.1, 0.0), belief=belief)
    rnd.check({0: 0.75, 1: REJECT, 2: 0.662, 3: REJECT, 4: 0.398, 5: ACCEPT})


def test_optimal_demand_by_hand():
    """The same grid with a flat prior and fallback 0.3: P = 0.2, 0.4, 0.6, 0.8, 1;
    EU = 0.2 + 0.24 = 0.44, 0.3 + 0.18 = 0.48, 0.3 + 0.12 = 0.42, 0.2 + 0.06 = 0.26, 0 -> 0.75."""
    parties = (
        PartyBatch.build(1, outside_option=0.3, deadline=6),
        PartyBatch.build(1, deadline=6),
    )
    game = Game(Issue(), parties, horizon=6)
    belief = Belief.from_prior(np.full(5, 0.2), grid_points(5), 1)
    assert optimal_demand(
        belief, game.view(0, OfferHistory(game.n), carried=Carried(belief=belief))
    ) == pytest.approx([0.75])


# ---- learner.update_belief --------------------------------------------------------------------
def scripted_round(accept_at: int | None):
    """Party 0 offers 0.8, 0.7, 0.6 at steps 0, 2, 4; party 1 offers 0.3, 0.4, 0.45 at 1, 3, 5
    and rejects everything, or accepts at ``accept_at``. Returns the round's record, what party
    0 saw of party 1, and party 1's public side of the round."""
    parties = (PartyBatch.build(2, deadline=6), PartyBatch.build(2, deadline=6))
    game = Game(Issue(), parties, horizon=6)
    pair = (
        Scripted(offers=(0.8, 0, 0.7, 0, 0.6, 0)),
        Scripted(offers=(0, 0.3, 0, 0.4, 0, 0.45), accept_at=accept_at),
    )
    result = negotiate(game, pair, trace=True)
    context = OwnerContext.public(game, 1, Carried(reference_point=np.full(2, 0.5)))
    return RoundTrace.from_result(result), observe(result, 0), context


def logistic(z):
    return 1.0 / (1.0 + np.exp(-z))


@pytest.mark.parametrize(
    ("accept_at", "factors"),
    [
        # Party 1 (u1 = 1 − x) offered at best 0.45 -> θ <= 0.55; it rejected 0.8, 0.7 and 0.6,
        # the most generous to it being 0.6 -> θ > 0.4.
        (None, [("at_most", 0.55), ("above", 0.4)]),
        # Accepts 0.6 at step 4: offered at best 0.4 -> θ <= 0.6; accepted 0.6 -> θ <= 0.4;
        # rejected 0.8 and 0.7, most generous 0.7 -> θ > 0.3.
        (4, [("at_most", 0.6), ("at_most", 0.4), ("above", 0.3)]),
    ],
)
def test_naive_learner_posterior_is_the_truncation_update(accept_at, factors):
    """posterior ∝ prior · (ε + (1 − ε) Π terms), each term σ((u − θ)/noise) for "at most u"
    and 1 − σ((u − θ)/noise) for "above u". Only row 0 is updated; row 1 keeps the prior."""
    noise, tremble = 0.2, 0.1
    grid = grid_points(5)
    prior = np.array([0.1, 0.2, 0.4, 0.2, 0.1])
    belief = Belief.from_prior(prior, grid, 2)
    trace, obs, context = scripted_round(accept_at)
    learner = create("learner", kind="naive", noise=noise)
    learner.update_belief(
        belief, trace, obs, context, (Scripted(),), tremble, np.array([True, False])
    )

    lik = np.ones(5)
    for kind, u in factors:
        at_most = logistic((u - grid) / noise)
        lik *= at_most if kind == "at_most" else 1.0 - at_most
    post = prior * (tremble + (1.0 - tremble) * lik)
    post /= post.sum()
    np.testing.assert_allclose(belief.marginal()[0], post, rtol=1e-12)
    np.testing.assert_allclose(belief.marginal()[1], prior, rtol=0)
    assert not np.allclose(post, prior)


def test_anchored_learner_does_not_update():
    prior = np.array([0.1, 0.2, 0.4, 0.2, 0.1])
    belief = Belief.from_prior(prior, grid_points(5), 2)
    trace, obs, context = scripted_round(4)
    create("learner", kind="anchored").update_belief(
        belief, trace, obs, context, (Scripted(),), 0.1, np.array([True, True])
    )
    np.testing.assert_array_equal(belief.marginal(), np.tile(prior, (2, 1)))


def test_expected_terms_learner_reads_a_conditional_concession_at_its_realised_terms():
    """Party 1 holds a condition worth 0.2 and concedes to 0.6 with it attached; party 0 (the
    obliged learner) would meet it (u0(0.6) − 0.1 >= u0(fallback 0)). The naive learner reads
    party 1's bottom line as at most u1(0.6) = 0.4; the expected-terms learner as at most
    0.4 + 0.2 = 0.6 (met, party 1 also gets the value): it learns less from the concession."""
    n = 1
    parties = (PartyBatch.build(n, deadline=6), PartyBatch.build(n, deadline=6))
    condition = Condition(1, np.array([0.2]), np.array([0.1]), np.array([0.0]))
    game = Game(Issue(), parties, horizon=6, condition=condition)
    pair = (
        Scripted(offers=(0.9, 0, 0.8, 0, 0.7, 0)),
        Scripted(offers=(0, 0.6, 0, 0.6, 0, 0.6), conditional=True),
    )
    result = negotiate(game, pair, trace=True)
    context = OwnerContext.public(game, 1, Carried(reference_point=np.full(n, 0.5)))
    trace, obs = RoundTrace.from_result(result), observe(result, 0)
    grid = grid_points(101)
    means = {}
    for kind in ("naive", "expected_terms"):
        belief = Belief.from_prior(np.full(101, 1 / 101), grid, n)
        create("learner", kind=kind, noise=0.01).update_belief(
            belief, trace, obs, context, (Scripted(),), 1e-6, np.ones(n, dtype=bool)
        )
        means[kind] = belief.mean()[0]
    assert means["expected_terms"] > means["naive"] + 0.05
