"""Every stage-game strategy against a scripted opponent: exact offers and decisions.

The scripted opponent proposes a fixed position at each of its steps and rejects everything
(or accepts at one given step). Expected offers and decisions of the strategy under test are
worked out by hand from its formula and written down as numbers.
"""

from __future__ import annotations

import pytest

from bargainlab.engine.negotiation import (
    OUTCOME_AGREEMENT,
    OUTCOME_DEADLINE,
    OUTCOME_EXIT,
)
from bargainlab.strategies import ACCEPT, EXIT, REJECT, create
from bargainlab.strategies.testing import Scripted, play

# The script used for the time-dependent family: party 1 offers at odd steps.
SCRIPT = Scripted(offers=(0.5, 0.3, 0.5, 0.35, 0.5, 0.25))


# Targets with reservation 0.2, p_max = 1, k = 0, deadline 6 (t = s/5):
#   target(s) = 0.2 + 0.8 * (1 - (s/5) ** (1/e)); a response at s uses target(s + 1).
@pytest.mark.parametrize(
    ("name", "expected", "outcome"),
    [
        # e = 1: targets 1, 0.68, 0.36; thresholds target(2) = 0.68, target(4) = 0.36, target(6) = 0.2
        ("linear", {0: 1.0, 1: REJECT, 2: 0.68, 3: REJECT, 4: 0.36, 5: ACCEPT}, OUTCOME_AGREEMENT),
        (
            "time_dependent",
            {0: 1.0, 1: REJECT, 2: 0.68, 3: REJECT, 4: 0.36, 5: ACCEPT},
            OUTCOME_AGREEMENT,
        ),
        # e = 0.2: 0.4^5 = 0.01024 -> 0.991808; 0.8^5 = 0.32768 -> 0.737856
        (
            "boulware",
            {0: 1.0, 1: REJECT, 2: 0.991808, 3: REJECT, 4: 0.737856, 5: ACCEPT},
            OUTCOME_AGREEMENT,
        ),
        # e = 2: √0.4 -> 0.49403557440; at step 3 the threshold is target(4) = 0.2844582472 <= 0.35
        (
            "conceder",
            {0: 1.0, 1: REJECT, 2: 0.2 + 0.8 * (1 - 0.4**0.5), 3: ACCEPT},
            OUTCOME_AGREEMENT,
        ),
        # e = 0: never concedes, rejects everything below 1
        ("hardliner", {0: 1.0, 1: REJECT, 2: 1.0, 3: REJECT, 4: 1.0, 5: REJECT}, OUTCOME_DEADLINE),
    ],
)
def test_time_dependent_family(name, expected, outcome):
    rnd = play(create(name), SCRIPT)
    rnd.check(expected)
    assert rnd.result.outcome[0] == outcome


def test_conceder_numbers_written_out():
    rnd = play(create("conceder"), SCRIPT)
    assert rnd.trace.x[2, 0] == pytest.approx(0.4940355744, abs=1e-10)


def test_time_dependent_with_parameters_and_floor():
    """e = 0.5, k = 0.1, p_max = 0.9, p_min = 0.3 (above the reservation value 0.2):
    f(t) = 0.1 + 0.9 t², target = 0.3 + 0.6 (1 − f): 0.84, 0.7536, 0.4944, and 0.3 at t = 1.
    The last offer, 0.29, is below the floor 0.3: rejected, deadline."""
    strat = create("time_dependent", e=0.5, k=0.1, p_max=0.9, p_min=0.3)
    rnd = play(strat, Scripted(offers=(0, 0.5, 0, 0.45, 0, 0.29)))
    rnd.check({0: 0.84, 1: REJECT, 2: 0.7536, 3: REJECT, 4: 0.4944, 5: REJECT})
    assert rnd.result.outcome[0] == OUTCOME_DEADLINE


def test_linear_as_party_one_moving_first():
    """Party 1 prefers low positions: it offers 1 − target (0, 0.32, 0.64) and values x at 1 − x."""
    script = Scripted(offers=(0, 0.7, 0, 0.65, 0, 0.75))
    rnd = play(create("linear"), script, side=1, first_mover=1)
    rnd.check({0: 0.0, 1: REJECT, 2: 0.32, 3: REJECT, 4: 0.64, 5: ACCEPT})
    assert rnd.result.x[0] == pytest.approx(0.75)


def test_linear_with_curvature():
    """u0 = x²: the position for target u is √u: √0.68 = 0.8246211251, √0.36 = 0.6.
    Step-1 offer 0.8 is worth 0.64 < 0.68; step-3 offer 0.61 is worth 0.3721 >= 0.36."""
    rnd = play(create("linear"), Scripted(offers=(0, 0.8, 0, 0.61)), curvature=2.0)
    rnd.check({0: 1.0, 1: REJECT, 2: 0.68**0.5, 3: ACCEPT})
    assert rnd.trace.x[2, 0] == pytest.approx(0.8246211251, abs=1e-10)


def test_linear_on_a_discrete_issue_rounds_in_its_own_favour():
    """Eleven levels: targets 0.68 and 0.36 are rounded up (party 0 prefers high) to 0.7, 0.4."""
    rnd = play(create("linear"), SCRIPT, levels=11)
    rnd.check({0: 1.0, 1: REJECT, 2: 0.7, 3: REJECT, 4: 0.4, 5: ACCEPT})


def test_hardliner_offer_accepted_by_the_script():
    rnd = play(create("hardliner"), Scripted(offers=(0, 0.3, 0, 0.35), accept_at=4))
    rnd.check({0: 1.0, 1: REJECT, 2: 1.0, 3: REJECT, 4: 1.0})
    assert (
        rnd.result.outcome[0] == OUTCOME_AGREEMENT
        and rnd.result.x[0] == 1.0
        and rnd.result.steps[0] == 5
    )


# ---- tit for tat ----------------------------------------------------------------------------
def test_tit_for_tat_matches_relative_concessions():
    """Opponent's offers (own utility): 0.1, 0.2, 0.3, 0.6.
    s0: opening 1.0. s1: one offer seen, next target stays 1 -> reject 0.1.
    s2: still 1.0. s3: next = 1·0.1/0.2 = 0.5 -> reject 0.2. s4: offer 0.5.
    s5: next = 0.5·0.2/0.3 = 1/3 -> reject 0.3. s6: offer 1/3.
    s7: next = (1/3)·0.3/0.6 = 1/6, clipped to the reservation 0.2 -> accept 0.6."""
    script = Scripted(offers=(0, 0.1, 0, 0.2, 0, 0.3, 0, 0.6))
    rnd = play(create("tit_for_tat"), script, horizon=8)
    rnd.check(
        {0: 1.0, 1: REJECT, 2: 1.0, 3: REJECT, 4: 0.5, 5: REJECT, 6: 1 / 3, 7: ACCEPT},
    )
    assert rnd.result.x[0] == pytest.approx(0.6)


def test_tit_for_tat_answers_a_retraction_and_caps_at_p_max():
    """p_max = 0.8, reservation 0.1; opponent offers 0.2, 0.32, then retracts to 0.16, then 0.4.
    s3: next = 0.8·0.2/0.32 = 0.5 -> reject; s4 offers 0.5. s5: next = 0.5·0.32/0.16 = 1.0,
    capped at 0.8 -> reject; s6 offers 0.8. s7: next = 0.8·0.16/0.4 = 0.32 -> accept 0.4."""
    script = Scripted(offers=(0, 0.2, 0, 0.32, 0, 0.16, 0, 0.4))
    rnd = play(create("tit_for_tat", p_max=0.8), script, horizon=8, reservation=0.1)
    rnd.check({0: 0.8, 1: REJECT, 2: 0.8, 3: REJECT, 4: 0.5, 5: REJECT, 6: 0.8, 7: ACCEPT})


def test_tit_for_tat_as_party_one_moving_second():
    """Party 1 (utility 1 − x) responds first. Script (party 0) offers 0.9, 0.8, 0.7 at steps
    0, 2, 4: own utilities 0.1, 0.2, 0.3. s1: opening 1 -> position 0. s2: next = 1·0.1/0.2 = 0.5
    -> reject. s3: position 1 − 0.5 = 0.5. s4: next = 0.5·0.2/0.3 = 1/3 > 0.3 -> reject.
    s5: position 1 − 1/3."""
    script = Scripted(offers=(0.9, 0, 0.8, 0, 0.7, 0))
    rnd = play(create("tit_for_tat"), script, side=1, first_mover=0)
    rnd.check({0: REJECT, 1: 0.0, 2: REJECT, 3: 0.5, 4: REJECT, 5: 2 / 3})
    assert rnd.result.outcome[0] == OUTCOME_DEADLINE


# ---- equilibrium ------------------------------------------------------------------------------
def test_equilibrium_offers_stahl_shares_and_accepts_its_continuation_value():
    """δ = 0.9, H = 4, w = d = 0. Ståhl: x(4) = 0.181, x(2) = 0.1 for party 0's offers at
    steps 0 and 2. Thresholds: step 1, 0.9·x(2) = 0.09 (0.05 rejected); step 3, 0 (0.02 accepted)."""
    script = Scripted(offers=(0, 0.05, 0, 0.02))
    rnd = play(create("equilibrium"), script, horizon=4, reservation=0.0, delta=(0.9, 0.9))
    rnd.check({0: 0.181, 1: REJECT, 2: 0.1, 3: ACCEPT})
    assert rnd.result.utility[0, 0] == pytest.approx(0.9**3 * 0.02)


def test_equilibrium_never_goes_below_its_reservation_value():
    """Same game with reservation 0.15: the step-2 equilibrium offer 0.1 is below it, so it asks
    for 0.15; the step-3 offer 0.02 is rejected; the round ends at the deadline."""
    script = Scripted(offers=(0, 0.05, 0, 0.02))
    rnd = play(create("equilibrium"), script, horizon=4, reservation=0.15, delta=(0.9, 0.9))
    rnd.check({0: 0.181, 1: REJECT, 2: 0.15, 3: REJECT})
    assert rnd.result.outcome[0] == OUTCOME_DEADLINE


def test_equilibrium_as_party_one():
    """δ = (0.9, 0.8), H = 3, party 0 (script) first. Backward: s2 party 0 takes all;
    s1 party 1 offers x = 0.9 (party 0's 0.9·1); s0 party 1 needs 0.8·0.1 = 0.08, so
    x = 0.95 (worth 0.05) is rejected; s2 x = 0.99 (worth 0.01 >= 0) is accepted."""
    script = Scripted(offers=(0.95, 0, 0.99))
    rnd = play(create("equilibrium"), script, side=1, horizon=3, reservation=0.0, delta=(0.9, 0.8))
    rnd.check({0: REJECT, 1: 0.9, 2: ACCEPT})
    assert rnd.result.x[0] == pytest.approx(0.99)


@pytest.mark.parametrize(
    ("offer", "response", "outcome"), [(0.5, EXIT, OUTCOME_EXIT), (0.6, ACCEPT, OUTCOME_AGREEMENT)]
)
def test_equilibrium_exits_when_its_option_beats_waiting(offer, response, outcome):
    """δ = 0.9, H = 3, party 1 (script) first, w0 = 0.6. Waiting is worth 0.9·0.64 = 0.576 < 0.6,
    so party 0 accepts only offers worth >= 0.6 and exits after rejecting."""
    rnd = play(
        create("equilibrium"),
        Scripted(offers=(offer, 0, 0)),
        first_mover=1,
        horizon=3,
        reservation=0.0,
        delta=(0.9, 0.9),
        outside=(0.6, 0.0),
        allow_exit=True,
    )
    rnd.check({0: response})
    assert rnd.result.outcome[0] == outcome


def test_equilibrium_stays_when_waiting_beats_its_option():
    """w0 = 0.3 < 0.9·V0(1) = 0.9·0.37 = 0.333: it rejects 0.2 and stays, then offers 0.37."""
    rnd = play(
        create("equilibrium"),
        Scripted(offers=(0.2, 0, 0.1)),
        first_mover=1,
        horizon=3,
        reservation=0.0,
        delta=(0.9, 0.9),
        outside=(0.3, 0.0),
        allow_exit=True,
    )
    # s2: it accepts only >= its disagreement payoff 0.3, so 0.1 is rejected (and 0.3 = 0.3: no exit)
    rnd.check({0: REJECT, 1: 0.37, 2: REJECT})
