"""The Abreu–Gul war of attrition played in discrete time converges to theory.abreu_gul.

Tolerances. Monte Carlo: 4 standard errors (sample SD over √N). Discretisation: a concession
is delayed by less than one step Δ, which costs player i at most r_i·α_i·Δ, and the order of
the two concessions changes only when both fall in the same step (then the tie rule splits
the difference of at most (α1 + α2 − 1)/2), which has probability at most Δ times the sum of
the rational types' largest concession densities λ_j/(1 − z_j). Hence an error of at most
C_i·Δ with C_i = r_i·α_i + (λ1/(1 − z1) + λ2/(1 − z2))·(α1 + α2 − 1)/2, path by path against
the continuous play of the same draws and in expectation against the closed form.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from bargainlab import theory
from bargainlab.equilibrium import play_war_of_attrition
from bargainlab.equilibrium.attrition import holdout_probabilities

CASES = [
    ((0.6, 0.6), (0.1, 0.1), (0.05, 0.10)),
    ((0.7, 0.55), (0.05, 0.2), (0.3, 0.02)),
    ((0.9, 0.8), (1.0, 0.5), (0.2, 0.2)),
]
STEPS = (0.5, 0.1, 0.02)
N = 20_000


def bound(alpha, r, z, i: int) -> float:
    """C_i of the module docstring: the discretisation error per unit of Δ."""
    lam = theory.abreu_gul(alpha, r, z).hazards
    density = lam[0] / (1 - z[0]) + lam[1] / (1 - z[1])
    return r[i] * alpha[i] + density * (alpha[0] + alpha[1] - 1) / 2


@pytest.mark.parametrize("case", CASES)
def test_payoffs_converge_to_the_closed_form_as_the_step_shrinks(case):
    ref = theory.abreu_gul(*case)
    plays = [play_war_of_attrition(*case, step, replicates=N, seed=4) for step in STEPS]
    for i in (0, 1):
        exact = [abs(p.payoffs_exact[i] - ref.payoffs[i]) for p in plays]
        pathwise = [abs(p.payoffs[i] - p.payoffs_continuous[i]) for p in plays]
        for p, e, w in zip(plays, exact, pathwise, strict=True):
            assert e <= bound(*case, i) * p.step
            assert w <= bound(*case, i) * p.step
            # the play realises the imposed strategies: it matches their exact expectation
            assert p.payoffs[i] == pytest.approx(p.payoffs_exact[i], abs=4 * p.payoffs_se[i])
        assert exact[0] > exact[1] > exact[2]  # shrinking, O(Δ): Δ falls 5-fold each time
        assert exact[2] < 0.1 * exact[0] + 1e-6
        assert pathwise[0] > pathwise[1] > pathwise[2]
        # the continuous-time play of the same draws: Monte Carlo error only
        cont = plays[0].payoffs_continuous[i]
        assert cont == pytest.approx(ref.payoffs[i], abs=4 * plays[0].payoffs_se[i])
        assert all(p.payoffs_continuous[i] == cont for p in plays)  # draws do not depend on Δ


@pytest.mark.parametrize("case", CASES)
def test_the_weak_player_concedes_at_zero_with_the_closed_form_probability(case):
    ref = theory.abreu_gul(*case)
    w, s = ref.weak, 1 - ref.weak
    played = play_war_of_attrition(*case, 0.1, replicates=N, seed=6)
    mu = ref.concede_at_zero[w]
    assert played.concede_at_zero[w] == pytest.approx(mu, abs=4 * math.sqrt(mu * (1 - mu) / N))
    assert played.concede_at_zero[s] == 0.0
    assert played.weak == w


@pytest.mark.parametrize("case", CASES)
def test_conceding_at_any_time_before_the_end_pays_the_same(case):
    """Against the other's play, a rational player is indifferent about when to concede on
    (0, T0] (and the weak one at 0 too), and loses by waiting past T0."""
    ref = theory.abreu_gul(*case)
    step = 0.02
    played = play_war_of_attrition(*case, step, replicates=N, seed=8)
    end = ref.end_time
    for i in (0, 1):
        times = [end / 4, end / 2, end] + ([0.0] if i == ref.weak else [])
        values = [played.payoff_of_conceding_at(i, t) for t in times]
        for mean, se in values:
            assert mean == pytest.approx(ref.payoffs[i], abs=4 * se + bound(*case, i) * step)
        late, _ = played.payoff_of_conceding_at(i, 2 * end)
        assert late < values[2][0]  # after T0 the other is surely obstinate: waiting only costs


def test_indifference_fails_for_a_player_with_another_discount_rate():
    """The hazards make a player with the stated rate indifferent, and nobody else: with
    twice the rate, conceding late pays visibly less (dP/dt = (1 − μ_j)·e^(−(λ_j + r)t)·
    (α_i·λ_j − (λ_j + r)(1 − α_j)) < 0 for r above the stated rate)."""
    case = CASES[0]
    played = play_war_of_attrition(*case, 0.02, replicates=N, seed=8)
    end = theory.abreu_gul(*case).end_time
    impatient = dataclasses.replace(played, r=(0.2, 0.2))
    for i in (0, 1):
        early, se_early = impatient.payoff_of_conceding_at(i, end / 4)
        late, se_late = impatient.payoff_of_conceding_at(i, end)
        tolerance = 4 * (se_early + se_late) + bound(*case, i) * 0.02
        assert early - late > tolerance
        honest = [played.payoff_of_conceding_at(i, t)[0] for t in (end / 4, end)]
        assert abs(honest[0] - honest[1]) < tolerance


def test_both_players_are_known_to_be_obstinate_at_the_same_time():
    """Consistency: the weak player's atom makes both players' holdout probabilities reach
    their obstinate mass at T0 with no lump of concessions there; without the atom the weak
    player would hold a lump of rational mass at T0 that would have to concede at once."""
    case = CASES[0]
    ref = theory.abreu_gul(*case)
    step = 0.1
    held = holdout_probabilities(ref, case[2], step)
    for i in (0, 1):  # the last step's concession probability is of order λ·Δ, not a lump
        assert held[i, -1] == 0.0
        assert held[i, -2] <= ref.hazards[i] / (1 - case[2][i]) * step * 1.01
    no_atom = dataclasses.replace(ref, concede_at_zero=(0.0, 0.0))
    lump = holdout_probabilities(no_atom, case[2], step)[ref.weak, -2]
    assert lump > 2 * ref.hazards[ref.weak] / (1 - case[2][ref.weak]) * step
    played = play_war_of_attrition(*case, step, replicates=N, seed=2)
    last = math.ceil(ref.end_time / step) * step
    for i in (0, 1):
        assert ref.end_time - 1.0 <= played.end_times[i] <= last + 1e-9


def test_a_wrong_hazard_formula_is_detected():
    """The plausible slip λ_i = r_i·(1 − α_i)/(α1 + α2 − 1) (own rate instead of the
    opponent's) is the closed form with the rates swapped; the play tells them apart."""
    alpha, r, z = CASES[1]
    played = play_war_of_attrition(alpha, r, z, 0.02, replicates=N, seed=1)
    wrong = theory.abreu_gul(alpha, r[::-1], z)
    for i in (0, 1):
        tolerance = 4 * played.payoffs_se[i] + bound(alpha, r, z, i) * 0.02
        assert abs(played.payoffs[i] - wrong.payoffs[i]) > 10 * tolerance


def test_seeded_and_reproducible():
    a = play_war_of_attrition(*CASES[0], 0.1, replicates=100, seed=3)
    b = play_war_of_attrition(*CASES[0], 0.1, replicates=100, seed=3)
    c = play_war_of_attrition(*CASES[0], 0.1, replicates=100, seed=5)
    assert np.array_equal(a.concession_step, b.concession_step) and a.payoffs == b.payoffs
    assert not np.array_equal(a.concession_step, c.concession_step)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"step": 0.0}, "step"),
        ({"replicates": 1}, "replicates"),
        ({"z": (0.0, 0.1)}, "z1"),
        ({"alpha": (0.5, 0.5)}, "alpha"),
    ],
)
def test_rejects_bad_arguments(kwargs, name):
    args = {"alpha": (0.6, 0.6), "r": (0.1, 0.1), "z": (0.05, 0.1), "step": 0.1}
    with pytest.raises(ValueError, match=name):
        play_war_of_attrition(**(args | {"replicates": 10} | kwargs))


def test_rejects_a_bad_player_or_time():
    played = play_war_of_attrition(*CASES[0], 0.1, replicates=10)
    with pytest.raises(ValueError, match="player"):
        played.payoff_of_conceding_at(2, 1.0)
    with pytest.raises(ValueError, match="time"):
        played.payoff_of_conceding_at(0, -1.0)
