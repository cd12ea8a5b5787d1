"""When a compensation condition can bind: the arithmetic behind its validation rules.

The holder attaches the condition to an offer ``x``: "``x`` if the obliged party meets the
condition, the fallback terms otherwise". After signing, the obliged party meets it iff

    u_obliged(x) - cost >= u_obliged(fallback),

so it is met only on terms worth at least ``u_obliged(fallback) + cost`` to the obliged party.
Utilities are normalised to [0, 1] (1 at the obliged party's own preferred end of the
issue), and costs are the points of the cost prior's grid that carry mass. Hence:

* ``u_obliged(fallback) + lowest cost >= 1``: no terms at all make meeting the condition
  worth it (only the obliged party's very best terms could, and those are no concession).
  The contingent terms always end at the fallback: the condition is **never met**, which a
  study must not declare (refused).
* The holder never concedes beyond the terms that leave it its own lowest possible
  reservation value. If even those terms are worth less to the obliged party than
  ``u_obliged(fallback) + lowest cost``, no offer the holder would make is met: legal (a
  strategy may concede below its bottom line) but suspicious (warned).
* A fallback on the obliged party's side of the middle of the range makes an unmet
  condition a gift to the obliged party rather than a penalty (warned).
* A cost that is always 0 with a fallback at the obliged party's worst terms makes the
  condition always met: a free transfer of its value to the holder, never a decision
  (warned, unless its value is 0 too: a deliberately worthless condition).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..beliefs.priors import Prior, grid_points, prior_mass


@dataclass(frozen=True)
class ConditionReach:
    """What a condition's fallback means to the obliged party (utility units)."""

    fallback_utility: float
    """``u_obliged(fallback)``."""
    lowest_cost: float
    highest_cost: float
    best_from_holder: float
    """The obliged party's utility of the best terms the holder concedes at its lowest
    reservation value."""

    @property
    def threshold(self) -> float:
        """Utility the terms must give the obliged party for it to meet the condition at the
        lowest cost."""
        return self.fallback_utility + self.lowest_cost

    @property
    def never_met(self) -> bool:
        """No terms at all make meeting the condition worth it."""
        return self.threshold >= 1.0 - 1e-12


def share_of(value: float, low: float, high: float, prefers: str) -> float:
    """The share of the range ``[low, high]`` that the domain ``value`` gives a party that
    prefers ``prefers`` (1 at its own preferred end)."""
    frac = (value - low) / (high - low)
    frac = min(max(frac, 0.0), 1.0)
    return frac if prefers == "high" else 1.0 - frac


def support(prior: Prior, grid_size: int) -> tuple[float, float]:
    """Lowest and highest grid points that the discretised prior gives mass."""
    grid = grid_points(grid_size)
    mass = prior_mass(prior, grid)
    points = grid[mass > 0]
    return float(points.min()), float(points.max())


def condition_reach(
    *,
    fallback: float,
    low: float,
    high: float,
    obliged_prefers: str,
    obliged_curvature: float,
    holder_curvature: float,
    cost: Prior,
    holder_reservation: Prior,
    grid: int,
) -> ConditionReach:
    """Compute :class:`ConditionReach` for a condition (see the module docstring)."""
    fallback_share = share_of(fallback, low, high, obliged_prefers)
    lowest_cost, highest_cost = support(cost, grid)
    holder_floor, _ = support(holder_reservation, grid)
    # The holder's utility u_H = share_H ** a_H; at its lowest reservation value it concedes
    # up to share_H = floor ** (1 / a_H), leaving the obliged party 1 - share_H.
    holder_share = float(np.power(holder_floor, 1.0 / holder_curvature))
    return ConditionReach(
        fallback_utility=float(fallback_share**obliged_curvature),
        lowest_cost=lowest_cost,
        highest_cost=highest_cost,
        best_from_holder=float((1.0 - holder_share) ** obliged_curvature),
    )


__all__ = ["ConditionReach", "condition_reach", "share_of", "support"]
