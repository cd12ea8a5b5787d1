"""Posteriors on a grid: each party's belief about its opponent's reservation value.

A :class:`Belief` holds, per replicate, a probability mass function over a fixed grid of
candidate types ``theta_g = g / (G - 1)``. Bayes' rule multiplies by a likelihood that always
mixes in a tremble ``epsilon`` (a random action), so no grid point ever reaches zero mass:

    posterior ∝ prior · (epsilon + (1 - epsilon) · L(observation | theta)).

Between rounds a type is kept with probability ``rho`` and redrawn from the prior otherwise,
so the exact predictive belief for the next round is ``rho · posterior + (1 - rho) · prior``
(:meth:`Belief.persist`). A publicly known shift of the opponent's type (costs rose in round
3) moves the effective grid, not the mass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Belief:
    """Per-replicate posteriors over the opponent's reservation value on a grid.

    Attributes
    ----------
    grid:
        ``(G,)`` base type grid in [0, 1].
    prior:
        ``(G,)`` common prior over the base type.
    mass:
        ``(n, G)`` current posterior; rows sum to 1.
    offset:
        Public shift of the opponent's type this round; the effective type of grid point
        ``g`` is ``clip(grid[g] + offset, 0, 1)``.
    """

    grid: np.ndarray
    prior: np.ndarray
    mass: np.ndarray
    offset: float = 0.0

    @classmethod
    def from_prior(cls, prior: np.ndarray, grid: np.ndarray, n: int) -> Belief:
        return cls(grid=grid, prior=prior, mass=np.tile(prior, (n, 1)))

    @property
    def types(self) -> np.ndarray:
        """``(G,)`` effective types of the grid points this round."""
        return np.clip(self.grid + self.offset, 0.0, 1.0)

    def mean(self) -> np.ndarray:
        return self.mass @ self.types

    def sd(self) -> np.ndarray:
        m = self.mean()
        var = self.mass @ (self.types**2) - m**2
        return np.sqrt(np.clip(var, 0.0, None))

    def cdf(self) -> np.ndarray:
        """``(n, G)``: posterior probability that the type is at most each grid type."""
        return np.cumsum(self.mass, axis=1)

    def update(
        self, likelihood: np.ndarray, tremble: float, rows: np.ndarray | None = None
    ) -> None:
        """Bayes' rule with a tremble, in place, on ``rows`` (all rows by default).

        ``likelihood`` is measured relative to a uniformly random action (which has
        likelihood 1), so the tremble mixes in ``tremble * 1``.
        """
        if likelihood.shape != self.mass.shape:
            raise ValueError(f"likelihood has shape {likelihood.shape}, expected {self.mass.shape}")
        lik = tremble + (1.0 - tremble) * np.maximum(likelihood, 0.0)
        post = self.mass * lik
        post /= post.sum(axis=1, keepdims=True)
        if rows is None:
            self.mass = post
        else:
            self.mass = np.where(rows[:, None], post, self.mass)

    def persist(self, rho: float) -> None:
        """Predictive belief for the next round when types are kept with probability rho."""
        self.mass = rho * self.mass + (1.0 - rho) * self.prior[None, :]
