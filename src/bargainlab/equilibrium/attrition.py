"""The war of attrition between obstinate and rational types, played in discrete time.

Abreu & Gul (2000), "Bargaining and reputation", Econometrica 68(1): player i demands α_i of
a unit pie (α1 + α2 > 1) and is obstinate (never concedes) with probability z_i; rational
types concede so that, as the opponent sees it, i concedes at the constant hazard
λ_i = r_j·(1 − α_i)/(α1 + α2 − 1), and the weak player concedes at time 0 with the
probability μ_w that makes both players known to be obstinate at the same time T0
(:func:`bargainlab.theory.abreu_gul`). Conceding gives i the share 1 − α_j at once, the
opponent's concession gives α_i, both discounted by exp(−r_i·t).

What is imposed and what is checked. :func:`play_war_of_attrition` does **not** solve the
discrete-time game: it imposes the closed form's equilibrium strategies and plays them on a
batch of replicates, then measures what they imply. As the opponent sees it, i holds out up
to time t with probability Q_i(t) = (1 − μ_i)·exp(−λ_i·t) (down to z_i at T0), so a rational
i holds out with probability

    S_i(t) = (Q_i(t) − z_i)/(1 − z_i)   (0 from T0 on).

In discrete time with step Δ the players move at t = 0, Δ, 2Δ, ...: at step k a rational i
still holding out concedes with probability 1 − S_i(kΔ)/S_i((k−1)Δ), i.e. the opponent sees
it concede with probability 1 − exp(−λ_i·Δ) ≈ λ_i·Δ per step (all of it from rational
types), and with probability μ_i/(1 − z_i) at step 0 (the weak player's atom). Each
replicate draws, from a :class:`numpy.random.Generator` seeded by
``numpy.random.SeedSequence(seed)``, whether each player is obstinate and one uniform U_i per
player that realises the mixed strategy: a rational i concedes at the first step at which
S_i(kΔ) <= U_i (the same per-step probabilities). The same draws serve every Δ (common random
numbers), so the error of the discrete play against the closed form splits into a
discretisation part, which shrinks with Δ path by path, and a Monte Carlo part, which does
not depend on Δ. The game ends at the first concession; a simultaneous concession gives
each player the average of its two outcomes, (α_i + 1 − α_j)/2; two obstinate players
never agree (payoff 0).

The play measures the rational players' expected payoffs, how often each player concedes at
time 0, the last time at which a rational type of each player concedes (both ≈ T0: the
consistency condition that fixes μ_w), and, against the other player's play, the payoff of
conceding at any fixed time (:meth:`WarOfAttrition.payoff_of_conceding_at`): constant on
[0, T0] for the weak player and on (0, T0] for the strong one, which is the indifference
the hazards are built on. As Δ → 0 the payoffs tend to the closed form (error O(Δ): a
concession waits at most one step). The probability of conceding at 0 is imposed, so its
measured value checks the draws, not the theory. :attr:`WarOfAttrition.payoffs_exact` gives
the discrete game's expected payoffs under the imposed strategies without Monte Carlo error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..support.validation import check_scalar
from ..theory import AbreuGul, abreu_gul

NEVER = -1
"""The concession step of a player who never concedes (an obstinate type)."""


def holdout_probabilities(reference: AbreuGul, z: tuple[float, float], step: float) -> np.ndarray:
    """``(2, K + 1)``: S_i(kΔ), the probability that a rational i has not conceded by step k,
    for k = 0..K with K = ceil(T0/Δ) (S_i(KΔ) = 0)."""
    end = reference.end_time
    steps = max(1, math.ceil(end / step - 1e-9))
    t = step * np.arange(steps + 1)
    out = np.zeros((2, steps + 1))
    for i in (0, 1):
        held = (1.0 - reference.concede_at_zero[i]) * np.exp(-reference.hazards[i] * t)
        out[i] = np.clip((held - z[i]) / (1.0 - z[i]), 0.0, 1.0)
        out[i, t >= end - 1e-12] = 0.0
    return out


@dataclass(frozen=True, eq=False)
class WarOfAttrition:
    """What :func:`play_war_of_attrition` observed; pairs are (player 1, player 2).

    Attributes
    ----------
    step:
        The time step Δ.
    payoffs, payoffs_se:
        The rational players' mean discounted payoffs and their Monte Carlo standard errors
        (NaN for a player that is obstinate in every replicate).
    payoffs_continuous:
        The same draws played in continuous time (each concession at its exact time): the
        limit of ``payoffs`` as Δ → 0 on these draws.
    payoffs_exact:
        The expected payoffs of the discrete play under the imposed strategies, summed over
        the concession steps (no Monte Carlo error).
    concede_at_zero:
        How often each player (either type) conceded at time 0.
    end_times:
        The latest time at which a rational type of each player conceded.
    weak:
        The closed form's weak player (0 or 1).
    alpha, r:
        The demands and discount rates.
    obstinate, concession_step:
        ``(n, 2)`` per replicate: whether each player is obstinate, and the step at which it
        would concede if the other held out (:data:`NEVER` for an obstinate type).
    """

    step: float
    payoffs: tuple[float, float]
    payoffs_se: tuple[float, float]
    payoffs_continuous: tuple[float, float]
    payoffs_exact: tuple[float, float]
    concede_at_zero: tuple[float, float]
    end_times: tuple[float, float]
    weak: int
    alpha: tuple[float, float]
    r: tuple[float, float]
    obstinate: np.ndarray
    concession_step: np.ndarray

    def payoff_of_conceding_at(self, player: int, time: float) -> tuple[float, float]:
        """The mean payoff (and its standard error) of a rational ``player`` who concedes at
        ``time`` (rounded up to the step grid) unless the other player has conceded first,
        against the other player's play in every replicate."""
        if player not in (0, 1):
            raise ValueError(f"player must be 0 or 1, got {player!r}")
        m = math.ceil(check_scalar("time", time, low=0) / self.step - 1e-9)
        j = 1 - player
        other = np.where(self.concession_step[:, j] == NEVER, np.inf, self.concession_step[:, j])
        win, lose = self.alpha[player], 1.0 - self.alpha[j]
        rate = self.r[player]
        payoff = np.where(
            other < m,
            win * np.exp(-rate * self.step * np.where(other < m, other, 0)),
            np.where(other == m, 0.5 * (win + lose), lose) * math.exp(-rate * self.step * m),
        )
        return float(payoff.mean()), float(payoff.std(ddof=1) / math.sqrt(payoff.size))


def _outcome(
    alpha: tuple[float, float], r: tuple[float, float], when: np.ndarray, time_unit: float
) -> np.ndarray:
    """``(n, 2)``: each player's discounted payoff when the players concede at ``when``
    (``(n, 2)`` in units of ``time_unit``; infinite: never)."""
    first = np.minimum(when[:, 0], when[:, 1])
    out = np.zeros(when.shape)
    for i in (0, 1):
        j = 1 - i
        win, lose = alpha[i], 1.0 - alpha[j]
        share = np.where(
            when[:, j] < when[:, i],
            win,
            np.where(when[:, i] < when[:, j], lose, 0.5 * (win + lose)),
        )
        finite = np.isfinite(first)
        discount = np.exp(-r[i] * time_unit * np.where(finite, first, 0.0))
        out[:, i] = np.where(finite, share * discount, 0.0)
    return out


def _exact_payoffs(
    alpha: tuple[float, float], r: tuple[float, float], z: tuple[float, float], held: np.ndarray,
    step: float,
) -> tuple[float, float]:  # fmt: skip
    """Expected payoffs of the rational types, summed over the concession steps."""
    k = np.arange(held.shape[1])
    pmf = -np.diff(np.concatenate([np.ones((2, 1)), held], axis=1), axis=1)  # rational, by step
    pays = []
    for i in (0, 1):
        j = 1 - i
        other = (1.0 - z[j]) * pmf[j]  # j concedes at step m (as i sees it)
        later = z[j] + (1.0 - z[j]) * held[j]  # j still holding out after step m
        discount = np.exp(-r[i] * step * k)
        won_before = np.concatenate([[0.0], np.cumsum(other * alpha[i] * discount)[:-1]])
        now = discount * (other * 0.5 * (alpha[i] + 1.0 - alpha[j]) + later * (1.0 - alpha[j]))
        pays.append(float(pmf[i] @ (won_before + now)))
    return pays[0], pays[1]


def play_war_of_attrition(
    alpha: tuple[float, float],
    r: tuple[float, float],
    z: tuple[float, float],
    step: float,
    *,
    replicates: int = 20_000,
    seed: int = 0,
) -> WarOfAttrition:
    """Play the closed form's strategies in discrete time with step Δ (see the module).

    Parameters
    ----------
    alpha, r, z:
        As in :func:`bargainlab.theory.abreu_gul` (checked there).
    step:
        The time step Δ > 0; the play has ceil(T0/Δ) + 1 steps.
    replicates:
        The number of replicates (pairs of players).
    seed:
        The root of the ``numpy.random.SeedSequence`` of the types and the mixing; the draws
        do not depend on ``step``.
    """
    reference = abreu_gul(alpha, r, z)
    dt = check_scalar("step", step, low=0, low_open=True)
    n = int(check_scalar("replicates", replicates, low=2, integer=True))
    a = (float(alpha[0]), float(alpha[1]))
    rates = (float(r[0]), float(r[1]))
    zs = (float(z[0]), float(z[1]))
    generator = np.random.default_rng(np.random.SeedSequence(seed))
    obstinate = generator.random((n, 2)) < np.array(zs)
    mixing = generator.random((n, 2))
    held = holdout_probabilities(reference, zs, dt)
    conceded = _concession_steps(held, obstinate, mixing)
    when = np.where(conceded == NEVER, np.inf, conceded.astype(float))
    payoff = _outcome(a, rates, when, dt)
    continuous = _outcome(a, rates, _concession_times(reference, zs, obstinate, mixing), 1.0)
    rational = [~obstinate[:, i] for i in (0, 1)]
    measured = [_mean_se(payoff[rational[i], i]) for i in (0, 1)]
    limit = [_mean_se(continuous[rational[i], i])[0] for i in (0, 1)]
    end = [dt * conceded[rational[i], i].max() if rational[i].any() else math.nan for i in (0, 1)]
    at_zero = np.mean(conceded == 0, axis=0)
    return WarOfAttrition(
        step=dt,
        payoffs=(measured[0][0], measured[1][0]),
        payoffs_se=(measured[0][1], measured[1][1]),
        payoffs_continuous=(limit[0], limit[1]),
        payoffs_exact=_exact_payoffs(a, rates, zs, held, dt),
        concede_at_zero=(float(at_zero[0]), float(at_zero[1])),
        end_times=(float(end[0]), float(end[1])),
        weak=reference.weak,
        alpha=a,
        r=rates,
        obstinate=obstinate,
        concession_step=conceded,
    )


def _concession_steps(held: np.ndarray, obstinate: np.ndarray, mixing: np.ndarray) -> np.ndarray:
    """``(n, 2)``: the step at which each player concedes if the other holds out: a rational
    i at the first step k with S_i(kΔ) <= U_i (S_i falls to 0 at T0), :data:`NEVER` for an
    obstinate one."""
    conceded = np.full(mixing.shape, NEVER, dtype=np.int64)
    for i in (0, 1):
        first_step = np.searchsorted(-held[i], -mixing[:, i], side="left")
        conceded[:, i] = np.where(obstinate[:, i], NEVER, first_step)
    return conceded


def _concession_times(
    reference: AbreuGul, zs: tuple[float, float], obstinate: np.ndarray, mixing: np.ndarray
) -> np.ndarray:
    """``(n, 2)``: the same draws in continuous time, S_i(t) = U_i solved for t (infinite for
    an obstinate player)."""
    exact_t = np.full(mixing.shape, np.inf)
    for i in (0, 1):
        at_zero = reference.concede_at_zero[i]
        inner = (mixing[:, i] * (1.0 - zs[i]) + zs[i]) / (1.0 - at_zero)
        t = np.where(inner >= 1.0, 0.0, -np.log(np.minimum(inner, 1.0)) / reference.hazards[i])
        exact_t[:, i] = np.where(obstinate[:, i], np.inf, np.minimum(t, reference.end_time))
    return exact_t


def _mean_se(values: np.ndarray) -> tuple[float, float]:
    """The mean and its standard error (NaN where there are too few values)."""
    if values.size == 0:
        return math.nan, math.nan
    se = values.std(ddof=1) / math.sqrt(values.size) if values.size > 1 else math.nan
    return float(values.mean()), float(se)


__all__ = ["NEVER", "WarOfAttrition", "holdout_probabilities", "play_war_of_attrition"]
