"""The essay's two-round game (:func:`bargainlab.theory.essay_game`) at the parameters of a
simulated study, for a report to set beside what the study's empirical game found.

The mapping, in the dealer's normalised units (0 = the issue's end the focal party prefers,
1 = the other end; a rebate's share of the range the dealer gains):

* the focal party (the supplier, who holds the condition) of bottom line ``theta`` (its own
  utility) pays at most ``b = 1 - theta`` (linear utilities); its prior is split at its
  median into two equally likely types, each at the middle of its half (the prior's
  quartiles): ``b_low = 1 - q3``, ``b_high = 1 - q1``, ``p_high = 1/2``;
* the condition's ``value`` is its value to the holder, ``cost`` the mean of the obliged
  party's cost prior, ``fallback`` the fallback terms in the dealer's units;
* ``delta = 1``: the simulation does not discount rounds against each other; the grid has
  the issue's levels (101 points for a continuous issue).

The two-round model differs from the simulation in ways the report lists (:data:`DIFFERENCES`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..beliefs.priors import TruncatedNormal, Uniform
from ..config.schema import StudySpec
from ..theory import essay_game
from ..theory.essay import EssayGame

__all__ = ["DIFFERENCES", "EssayMatch", "essay_match"]

DIFFERENCES = (
    "two types instead of a continuum of bottom lines, and two rounds instead of the study's",
    "the dealer makes one take-it-or-leave-it demand per round; in the simulation each round "
    "is an alternating-offers negotiation with a deadline, and the dealer has a bottom line "
    "and an outside option of its own",
    "the supplier's types answer in equilibrium, anticipating the dealer's next demand; in "
    "the simulation the supplier plays a fixed rule of its menu and the dealer learns and "
    "plans against it (the empirical game chooses between rules, not answers)",
    "the dealer's cost of meeting the condition is known; in the simulation it is private, "
    "and the supplier learns it",
    "payoffs are surplus over the bottom line (a reject pays both 0); in the simulation they "
    "are utilities, and an ended relationship pays the outside options: compare signs and "
    "orders of magnitude, not levels",
)
"""Where the simulated game differs from the essay's two-round model."""


@dataclass(frozen=True)
class EssayMatch:
    """The essay's game at a study's parameters, with and without the condition."""

    parameters: dict[str, float]
    """``b_low``, ``b_high``, ``p_high``, ``value``, ``cost``, ``fallback``, ``delta``."""
    with_condition: EssayGame
    without: EssayGame

    def round2(self, game: EssayGame) -> float:
        """The supplier's expected round-2 payoff over its types."""
        p = self.parameters["p_high"]
        return (1 - p) * game.round2["low"] + p * game.round2["high"]

    @property
    def option(self) -> float:
        """What the condition is worth to the supplier in round 2 (expected over types)."""
        return self.round2(self.with_condition) - self.round2(self.without)


def _quartiles(prior: object) -> tuple[float, float] | None:
    """The first and third quartiles of a bottom line's prior (``None`` for a known value)."""
    if isinstance(prior, Uniform):
        return prior.low + (prior.high - prior.low) / 4, prior.low + 3 * (
            prior.high - prior.low
        ) / 4
    if isinstance(prior, TruncatedNormal):
        a, b = (0 - prior.mean) / prior.sd, (1 - prior.mean) / prior.sd
        q1, q3 = stats.truncnorm.ppf([0.25, 0.75], a, b, loc=prior.mean, scale=prior.sd)
        return float(q1), float(q3)
    return None


def _mean(prior: object) -> float:
    """The mean of a cost's prior (a number is its own mean)."""
    if isinstance(prior, Uniform):
        return (prior.low + prior.high) / 2
    if isinstance(prior, TruncatedNormal):
        a, b = (0 - prior.mean) / prior.sd, (1 - prior.mean) / prior.sd
        return float(stats.truncnorm.mean(a, b, loc=prior.mean, scale=prior.sd))
    return float(prior)  # type: ignore[arg-type]


def essay_match(study: StudySpec) -> EssayMatch | None:
    """The essay's game at ``study``'s parameters (module docstring), or ``None`` when the
    study has no condition held by its focal party or the focal party's bottom line is known."""
    cond, focal = study.condition, study.arms.party
    if cond is None or cond.holder != focal:
        return None
    quartiles = _quartiles(study.parties[focal].reservation_value)
    if quartiles is None:
        return None
    issue = study.issue
    dealer = next(p for p in study.parties if p != focal)
    share = (cond.fallback - issue.low) / (issue.high - issue.low)
    fallback = share if study.parties[dealer].prefers == "high" else 1.0 - share
    parameters = {
        "b_low": 1.0 - quartiles[1],
        "b_high": 1.0 - quartiles[0],
        "p_high": 0.5,
        "value": float(cond.value),
        "cost": _mean(cond.cost),
        "fallback": float(fallback),
        "delta": 1.0,
    }
    grid = np.linspace(0.0, 1.0, issue.levels or 101)
    return EssayMatch(
        parameters,
        essay_game(**parameters, grid=grid, condition=True),
        essay_game(**parameters, grid=grid, condition=False),
    )
