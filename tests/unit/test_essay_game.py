"""The essay's game (bargainlab.theory.essay_game): hand-solved cases, rules and invariants.

The hand-solved cases write the arithmetic out; the property tests compare the solver with a
brute force written here from the game's definition (plain loops over demands and answers)
and check invariants that follow from the definition.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bargainlab import theory

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOL = 1e-9
TYPES = ("low", "high")

# b = (0.3, 0.7), prior 1/2, three demands, delta = 1. With the condition (v = 0.2,
# c = 0.05, f = 0.1) the dealer meets it at every demand (r - 0.05 >= 0.1 for r >= 0.15).
CASE_A = dict(
    b_low=0.3, b_high=0.7, p_high=0.5, grid=[0.3, 0.5, 0.7], value=0.2, cost=0.05, fallback=0.1
)


def approx(x):
    """Equality within the solver's tolerance."""
    return pytest.approx(x, abs=1e-9)


def check(res, *, demand1, answers, posterior, demand2, round1, round2, dealer, delta):
    """Compare a result with hand-solved numbers."""
    assert res.demand1 == approx(demand1)
    assert dict(res.answers) == answers
    assert dict(res.posterior) == approx(posterior)
    for t in TYPES:
        assert (res.demand2[t] is None) == (demand2[t] is None)
        if demand2[t] is not None:
            assert res.demand2[t] == approx(demand2[t])
        assert res.round1[t] == approx(round1[t])
        assert res.round2[t] == approx(round2[t])
        assert res.total[t] == approx(round1[t] + delta * round2[t])
    assert res.dealer == approx(dealer)


def test_without_the_condition_the_dealer_screens_and_the_low_type_leaves():
    # Round 2 (accept iff b_t - r >= 0): r=.3 both accept; r=.5 and r=.7 only high does.
    # Dealer's expected round 2: .3 | .5*mu | .7*mu, so r2(0)=.3, r2(.5)=.7 (.35 > .3), r2(1)=.7.
    # Round 1 (delta = 1), the best equilibrium of each demand:
    #   r1=.3: (A,A), posterior .5 -> r2=.7 (low then rejects): .5*(.3+0) + .5*(.3+.7) = .65
    #   r1=.5: low must reject (-.2 + 0); (R,A): high .2 + 0 >= 0: .5*(.5+.7) = .6
    #   r1=.7: (R,A): high 0 + 0 >= 0 (tie with reject): .5*(.7+.7) = .7   <- best
    res = theory.essay_game(**CASE_A, delta=1.0, condition=False)
    check(
        res,
        demand1=0.7,
        answers={"low": "reject", "high": "accept"},
        posterior={"low": 0.0, "high": 1.0},
        demand2={"low": None, "high": 0.7},
        round1={"low": 0.0, "high": 0.0},
        round2={"low": 0.0, "high": 0.0},
        dealer=0.7,
        delta=1.0,
    )


def test_the_condition_lets_both_types_pool():
    # Condition met everywhere: dealer r - .05, supplier b_t - r + .2 (beats accept by .2).
    # Round 2: r=.3 both condition (.25 each to the dealer); r=.5 low condition (0, tied with
    # reject: condition comes first), high condition (.4), .45 each; r=.7 low rejects (-.2),
    # high condition (.2), dealer .65 from high. Expected: .25 | .45 | .65*mu, so
    # r2(0)=.5, r2(.5)=.5 (.45 > .325), r2(1)=.7.
    # Round 1 at r1=.5, (C,C): posterior .5 -> r2=.5. Low: C 0 + 0, A (off path, prior)
    # -.2 + 0, R 0: no gain. High: C .4 + .4 = .8 > A .2 + .4. Dealer .45 + .45 = .9.
    # At r1=.7 low must reject and the best is (R,C): .5*(.65+.65) = .65 ((R,A) fails: high's
    # deviation to C is met with the prior, r2=.5, .2 + .4 > 0 + .2). At r1=.3, (C,C) gives
    # .25 + .45 = .7. So r1=.5 with .9.
    res = theory.essay_game(**CASE_A, delta=1.0)
    check(
        res,
        demand1=0.5,
        answers={"low": "condition", "high": "condition"},
        posterior={"low": 0.5, "high": 0.5},
        demand2={"low": 0.5, "high": 0.5},
        round1={"low": 0.0, "high": 0.4},
        round2={"low": 0.0, "high": 0.4},
        dealer=0.9,
        delta=1.0,
    )
    # here the condition pays the dealer more than screening without it (0.9 > 0.7); the
    # next-but-one test has it pay less: nothing orders the two
    assert res.dealer > theory.essay_game(**CASE_A, delta=1.0, condition=False).dealer


def test_a_condition_worse_than_leaving_changes_nothing():
    # fallback 1.2: the dealer never meets it (r - .05 < 1.2), and the supplier's condition
    # pays b_t - 1.2 <= -.5 in the round plus at most delta * .4 after it (.7 - .3 is the most
    # a type keeps in round 2): below the 0 of rejecting, so no type ever answers it nor
    # deviates to it. Same outcome as without the condition (first test).
    res = theory.essay_game(**{**CASE_A, "fallback": 1.2}, delta=1.0)
    plain = theory.essay_game(**CASE_A, delta=1.0, condition=False)
    assert res == plain
    assert res.demand1 == approx(0.7) and res.dealer == approx(0.7)


def test_a_condition_the_dealer_cannot_answer_costs_it_its_cost():
    # One demand (.7): low rejects whatever it answers (A -.4, C -.3, R 0, round 2 the same).
    # High: C pays .7 - .7 + .1 = .1 a round, A pays 0, so it takes the condition; the dealer
    # gets .7 - .1 = .6 instead of .7 from it in each round: .5*(.6+.6) = .6 against .7.
    kw = dict(b_low=0.3, b_high=0.7, p_high=0.5, grid=[0.7], value=0.1, cost=0.1, fallback=0.0)
    with_condition = theory.essay_game(**kw, delta=1.0)
    without = theory.essay_game(**kw, delta=1.0, condition=False)
    assert dict(with_condition.answers) == {"low": "reject", "high": "condition"}
    assert with_condition.dealer == approx(0.6) and without.dealer == approx(0.7)
    assert with_condition.total["high"] == approx(0.2) and without.total["high"] == approx(0.0)


def test_an_unused_answer_is_met_with_the_prior():
    # b = (.3, .7), prior .25, demands {.2, .5}, v = .1, c = .1 (met everywhere), delta = 1.
    # Condition: dealer r - .1, supplier b_t - r + .1. Round 2: r=.2 both condition (.1 each
    # to the dealer; low .2, high .6); r=.5 low rejects, high condition (.4 to the dealer;
    # high .3). Expected .1 | .4*mu: r2(.25) = .2 (tie .1 = .1, the lowest), r2(1) = .5.
    # At r1=.5 the dealer would like (A,A): .5 + .1 = .6. But low's unused condition is met
    # with the prior .25 -> r2=.2: -.1 + .2 = .1 > A's -.2 + .2 = 0, so (A,A) is no
    # equilibrium. (C,C): low .1 (A: 0), high .3 + .6 = .9 (A: .2 + .6): equilibrium,
    # dealer .4 + .1 = .5. At r1=.2 the best is (C,C): .1 + .1 = .2. So r1=.5 with (C,C).
    res = theory.essay_game(
        b_low=0.3, b_high=0.7, p_high=0.25, grid=[0.2, 0.5], value=0.1, cost=0.1, fallback=0.0,
        delta=1.0,
    )  # fmt: skip
    check(
        res,
        demand1=0.5,
        answers={"low": "condition", "high": "condition"},
        posterior={"low": 0.25, "high": 0.25},
        demand2={"low": 0.2, "high": 0.2},
        round1={"low": -0.1, "high": 0.3},
        round2={"low": 0.2, "high": 0.6},
        dealer=0.5,
        delta=1.0,
    )


def test_ties_go_to_the_lowest_demand_and_accept():
    # b = (.3, .6), demands {.3, .6}, delta = 0, no condition. r1=.3: (A,A) .3 (low's accept
    # ties its reject at 0; the dealer's pick). r1=.6: low rejects, high accepts at 0 (tied
    # with reject): .5*.6 = .3. Equal totals: the lower demand .3. Round 2 at posterior .5:
    # .3 (both accept) against .5*.6 = .3: the lower demand again.
    res = theory.essay_game(
        b_low=0.3, b_high=0.6, p_high=0.5, grid=[0.6, 0.3], value=0.0, cost=0.0, fallback=0.0,
        delta=0.0, condition=False,
    )  # fmt: skip
    assert res.demand1 == approx(0.3)
    assert dict(res.answers) == {"low": "accept", "high": "accept"}
    assert dict(res.demand2) == approx({"low": 0.3, "high": 0.3})
    assert res.dealer == approx(0.3)


def test_a_condition_that_duplicates_accept_is_never_chosen():
    # value 0, cost 0, fallback 0: condition pays exactly what accept pays, so every tie goes
    # to accept. Round 1 at r1=.7 (R,A) and (R,C) are both equilibria worth .7 to the
    # dealer; accept comes first.
    res = theory.essay_game(**{**CASE_A, "value": 0.0, "cost": 0.0, "fallback": 0.0}, delta=1.0)
    assert dict(res.answers) == {"low": "reject", "high": "accept"}
    assert res.dealer == approx(0.7)


def test_equal_equilibria_take_the_first_answer():
    # p = 0: high's answer does not weigh; at r1 = b_high = .6 (delta = 0) it gets 0 whether it
    # accepts or rejects, and low must reject (-.3): (R,A) and (R,R) both pay the dealer 0;
    # accept comes first.
    res = theory.essay_game(
        b_low=0.3, b_high=0.6, p_high=0.0, grid=[0.6], value=0.0, cost=0.0, fallback=0.0,
        delta=0.0, condition=False,
    )  # fmt: skip
    assert dict(res.answers) == {"low": "reject", "high": "accept"}


def test_low_answers_first_among_equal_equilibria():
    # p = 1, demand .3 = b_low, delta = 0: low gets 0 whether it accepts or rejects, and its
    # answer does not weigh: (A,A) and (R,A) pay the dealer .3 alike; low's accept is first.
    res = theory.essay_game(
        b_low=0.3, b_high=0.6, p_high=1.0, grid=[0.3], value=0.0, cost=0.0, fallback=0.0,
        delta=0.0, condition=False,
    )  # fmt: skip
    assert dict(res.answers) == {"low": "accept", "high": "accept"}


def test_no_pure_equilibrium_is_an_error():
    # p = 0, b = (0, .9), demands {.5, 1}, v = .1, c = .4, f = .2 (met only at r = 1).
    # Low rejects every demand. The dealer's round-2 demand is .5 at belief 0 (every demand
    # pays 0 against low: the lowest) and 1 at belief 1. Any answer high gives alone reveals
    # it (demand 1: high keeps at most 0 in round 2), any unused one is met with the prior 0
    # (demand .5: high keeps .7), and the unused answer always pays more: no pure equilibrium.
    with pytest.raises(ValueError, match="no demand on the grid has a pure equilibrium"):
        theory.essay_game(
            b_low=0.0, b_high=0.9, p_high=0.0, grid=[0.5, 1.0], value=0.1, cost=0.4,
            fallback=0.2, delta=0.9,
        )  # fmt: skip


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"b_low": 0.7}, "b_low must be below b_high"),
        ({"p_high": 1.5}, r"p_high must lie in \[0, 1\]"),
        ({"delta": -0.1}, r"delta must lie in \[0, 1\]"),
        ({"grid": []}, "grid must be a non-empty"),
        ({"grid": [[0.1, 0.2]]}, "grid must be"),
        ({"grid": [0.1, math.nan]}, "grid must be finite"),
        ({"value": math.inf}, "value must be finite"),
        ({"cost": math.nan}, "cost must be finite"),
        ({"fallback": math.inf}, "fallback must be finite"),
    ],
)
def test_bad_input_names_the_argument(change, match):
    with pytest.raises(ValueError, match=match):
        theory.essay_game(**{**CASE_A, "delta": 0.9, **change})


def test_condition_must_be_a_boolean():
    with pytest.raises(TypeError, match="condition must be True or False"):
        theory.essay_game(**CASE_A, delta=0.9, condition="yes")  # type: ignore[arg-type]


def test_the_result_is_frozen():
    res = theory.essay_game(**CASE_A, delta=0.9)
    with pytest.raises(AttributeError):
        res.dealer = 0.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        res.answers["low"] = "reject"  # type: ignore[index]


# ---- brute force from the definition, and invariants ------------------------------------------
def brute_force(*, b_low, b_high, p_high, grid, value, cost, fallback, delta, condition):
    """The game solved with plain loops, straight from its definition (or None: no equilibrium)."""
    answers = ["accept", "condition", "reject"] if condition else ["accept", "reject"]
    b, w = {"low": b_low, "high": b_high}, {"low": 1 - p_high, "high": p_high}
    demands = sorted(set(grid))

    def pay(r, a, t):  # (dealer, supplier)
        if a == "accept":
            return r, b[t] - r
        if a == "condition":
            met = r - cost >= fallback - TOL
            return (r - cost, b[t] - r + value) if met else (fallback, b[t] - fallback)
        return 0.0, 0.0

    def answer2(r, t):
        best = max(pay(r, a, t)[1] for a in answers)
        return next(a for a in answers if pay(r, a, t)[1] >= best - TOL)

    def demand2(mu):
        exp = [mu * pay(r, answer2(r, "high"), "high")[0] + (1 - mu) * pay(r, answer2(r, "low"), "low")[0] for r in demands]  # fmt: skip
        return demands[next(i for i, e in enumerate(exp) if e >= max(exp) - TOL)]

    def belief(pair, a):
        givers = [t for t in TYPES if pair[t] == a]
        return p_high if len(givers) != 1 else float(givers == ["high"])

    def worth(r1, t, a, pair):  # (dealer, supplier) totals of type t answering a
        d1, s1 = pay(r1, a, t)
        if a == "reject":
            return d1, s1
        r2 = demand2(belief(pair, a))
        d2, s2 = pay(r2, answer2(r2, t), t)
        return d1 + delta * d2, s1 + delta * s2

    chosen = []
    for r1 in demands:
        eqs = []
        for pair in ({"low": lo, "high": hi} for lo in answers for hi in answers):
            if all(
                worth(r1, t, pair[t], pair)[1]
                >= max(worth(r1, t, a, pair)[1] for a in answers) - TOL
                for t in TYPES
            ):
                eqs.append((sum(w[t] * worth(r1, t, pair[t], pair)[0] for t in TYPES), pair))
        if eqs:
            top = max(e[0] for e in eqs)
            chosen.append((r1, next(e for e in eqs if e[0] >= top - TOL)))
    if not chosen:
        return None
    top = max(c[1][0] for c in chosen)
    r1, (dealer, pair) = next(c for c in chosen if c[1][0] >= top - TOL)
    totals = {t: worth(r1, t, pair[t], pair)[1] for t in TYPES}
    return r1, pair, dealer, totals


tenths = st.integers(-3, 10).map(lambda k: k / 10)


@st.composite
def games(draw):
    """Small games on a lattice of tenths, where ties are frequent."""
    low = draw(st.integers(0, 9))
    return dict(
        b_low=low / 10,
        b_high=draw(st.integers(low + 1, 10)) / 10,
        p_high=draw(st.sampled_from([0.0, 0.2, 0.25, 0.5, 0.8, 1.0]) | st.floats(0, 1)),
        grid=draw(st.lists(st.integers(0, 12).map(lambda k: k / 10), min_size=1, max_size=4)),
        value=draw(tenths),
        cost=draw(tenths),
        fallback=draw(tenths),
        delta=draw(st.sampled_from([0.0, 0.5, 0.9, 1.0]) | st.floats(0, 1)),
        condition=draw(st.booleans()),
    )


def solve(kw):
    """The solver's answer, or None when it finds no pure equilibrium."""
    try:
        return theory.essay_game(**kw)
    except ValueError as err:
        assert "no demand on the grid has a pure equilibrium" in str(err)
        return None


@SETTINGS
@given(games())
def test_the_solver_agrees_with_brute_force(kw):
    res, ref = solve(kw), brute_force(**kw)
    assert (res is None) == (ref is None)
    if res is not None:
        r1, pair, dealer, totals = ref
        assert res.demand1 == approx(r1)
        assert dict(res.answers) == pair
        assert res.dealer == approx(dealer)
        assert dict(res.total) == approx(totals)


@SETTINGS
@given(games())
def test_invariants(kw):
    res = solve(kw)
    if res is None:
        return
    # rejecting in round 1 pays 0, rejecting in round 2 pays 0: equilibrium payoffs are no less
    for t in TYPES:
        assert res.total[t] >= -TOL and res.round2[t] >= -TOL
        assert res.total[t] == approx(res.round1[t] + kw["delta"] * res.round2[t])
        rejected = res.answers[t] == "reject"
        assert (res.demand2[t] is None) == rejected
        if rejected:
            assert res.round1[t] == 0.0 and res.round2[t] == 0.0
    # Bayes' rule: the same answer leaves the prior, different answers reveal the types
    if res.answers["low"] == res.answers["high"]:
        assert dict(res.posterior) == approx({"low": kw["p_high"], "high": kw["p_high"]})
    else:
        assert dict(res.posterior) == {"low": 0.0, "high": 1.0}
    # the dealer takes at most the surplus the supplier does not keep: per round a type's
    # surplus is at most max(0, b_t, b_t + v - c), and each type's total is at least 0
    gain = max(0.0, kw["value"] - kw["cost"]) if kw["condition"] else 0.0
    surplus = sum(
        weight * max(0.0, b + gain)
        for weight, b in ((1 - kw["p_high"], kw["b_low"]), (kw["p_high"], kw["b_high"]))
    )
    assert res.dealer <= (1 + kw["delta"]) * surplus + 1e-8
