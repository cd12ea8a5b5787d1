"""Posteriors on a grid: a party's belief about its opponent's behavioural type and bottom line.

A :class:`Belief` holds, per replicate, a probability mass function over the pairs
``(k, theta_g)``: one of ``K`` behavioural types (the policies the holder thinks its opponent
may follow; ``K = 1`` when it knows the policy) and a reservation value on a fixed grid
``theta_g = g / (G - 1)``. This is the joint belief of Kreps & Wilson (1982), Milgrom &
Roberts (1982) and Abreu & Gul (2000): a *reputation* is the belief about the type.

Bayes' rule multiplies by the likelihood of what was observed under each pair, mixed with a
tremble ``epsilon`` (the probability the holder assigns to a round in which the opponent
acted off every declared rule), so that a posterior never divides by zero:

    posterior ∝ prior · (epsilon + (1 - epsilon) · L(observation | k, theta)).

Between rounds the reservation value is kept with probability ``rho`` and redrawn from the
prior otherwise, while the behavioural type persists (a negotiator's style outlives one
year's costs), so the exact predictive belief for the next round is

    P'(k, theta) = rho · P(k, theta) + (1 - rho) · P(k) · prior(theta | k)

(:meth:`Belief.persist`). A publicly known shift of the opponent's reservation value (costs
rose in round 3) moves the effective grid, not the mass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .priors import PriorTable


def row_dot(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """``(n,)``: each row of ``matrix`` ``(n, G)`` dotted with ``vector`` ``(G,)``, row by row.

    Not ``matrix @ vector``: a BLAS matrix-vector product's rounding depends on where a row
    sits in memory, so a replicate's last bits would depend on the batch it plays in.
    NumPy's own ``einsum`` loop sums each row in the same order wherever it is.
    """
    return np.einsum("ng,g->n", matrix, vector, optimize=False)


@dataclass
class Belief:
    """Per-replicate posteriors over the opponent's (behavioural type, reservation value).

    Attributes
    ----------
    grid:
        ``(G,)`` base grid of reservation values in [0, 1].
    priors:
        ``(P, K, G)`` the distinct joint priors of the batch (each sums to 1); replicate ``i``
        has prior ``priors[prior_index[i]]`` (a batch that stacks sweep cells holds several).
    prior_index:
        ``(n,)`` each replicate's prior.
    mass:
        ``(n, K, G)`` current posterior; each replicate's mass sums to 1.
    labels:
        The ``K`` type labels.
    offset:
        Public shift of the opponent's reservation value this round; the effective value of
        grid point ``g`` is ``clip(grid[g] + offset, 0, 1)``.
    """

    grid: np.ndarray
    priors: np.ndarray
    prior_index: np.ndarray
    mass: np.ndarray
    labels: tuple[str, ...] = ("",)
    offset: float = 0.0

    @classmethod
    def from_prior(
        cls,
        prior: np.ndarray | PriorTable,
        grid: np.ndarray,
        n: int,
        *,
        type_prior: np.ndarray | None = None,
        labels: tuple[str, ...] | None = None,
    ) -> Belief:
        """``n`` replicates with prior ``type_prior[k] * prior[g]``: ``prior`` is one pmf over
        the reservation value or a :class:`PriorTable` (one per replicate); ``type_prior`` is
        ``(K,)`` or, per replicate, ``(n, K)`` (one type by default)."""
        table = prior if isinstance(prior, PriorTable) else PriorTable.single(prior, n)
        if table.n != n or table.mass.shape[1] != grid.shape[0]:
            raise ValueError(
                f"the prior has {table.n} rows of {table.mass.shape[1]} points, expected {n} of {grid.shape[0]}"
            )
        type_rows = _type_rows(type_prior, n)
        k = type_rows.shape[1]
        if labels is None:
            labels = tuple(str(i) for i in range(k)) if k > 1 else ("",)
        if len(labels) != k:
            raise ValueError(f"{len(labels)} labels for {k} types")
        # the distinct (reservation prior, type prior) pairs of the batch
        keys = np.concatenate([table.index[:, None].astype(float), type_rows], axis=1)
        unique, prior_index = np.unique(keys, axis=0, return_inverse=True)
        priors = unique[:, 1:, None] * table.mass[unique[:, 0].astype(np.int64)][:, None, :]
        prior_index = prior_index.reshape(-1).astype(np.int64)
        return cls(
            grid=grid,
            priors=priors,
            prior_index=prior_index,
            mass=priors[prior_index].copy(),
            labels=tuple(labels),
        )

    @property
    def n(self) -> int:
        """The number of replicates."""
        return self.mass.shape[0]

    @property
    def n_types(self) -> int:
        """The number ``K`` of behavioural types."""
        return self.mass.shape[1]

    @property
    def theta(self) -> np.ndarray:
        """``(G,)`` effective reservation values of the grid points this round."""
        return np.clip(self.grid + self.offset, 0.0, 1.0)

    def marginal(self) -> np.ndarray:
        """``(n, G)``: the posterior over the reservation value (types summed out)."""
        return self.mass[:, 0, :] if self.n_types == 1 else self.mass.sum(axis=1)

    def type_probabilities(self) -> np.ndarray:
        """``(n, K)``: the posterior over the behavioural types (the reputation)."""
        return self.mass.sum(axis=2)

    def mean(self) -> np.ndarray:
        """``(n,)`` posterior mean of the reservation value."""
        return row_dot(self.marginal(), self.theta)

    def sd(self) -> np.ndarray:
        """``(n,)`` posterior standard deviation of the reservation value."""
        marginal = self.marginal()
        theta = self.theta
        m = row_dot(marginal, theta)
        var = row_dot(marginal, theta**2) - m**2
        return np.sqrt(np.clip(var, 0.0, None))

    def cdf(self) -> np.ndarray:
        """``(n, G)``: posterior probability that the reservation value is at most each grid
        value."""
        return np.cumsum(self.marginal(), axis=1)

    def update(
        self, likelihood: np.ndarray, tremble: float, rows: np.ndarray | None = None
    ) -> None:
        """Bayes' rule with a tremble, in place, on ``rows`` (all rows by default).

        ``likelihood`` has shape ``(n, K, G)``, or ``(n, G)`` when it does not depend on the
        type. It is measured relative to the likelihood of the observation under a random
        action, so the tremble mixes in ``tremble * 1``.
        """
        lik = np.asarray(likelihood, dtype=float)
        if lik.ndim == 2:
            lik = lik[:, None, :]
        if (
            lik.shape[0] != self.n
            or lik.shape[2] != self.mass.shape[2]
            or lik.shape[1] not in (1, self.n_types)
        ):
            raise ValueError(f"likelihood has shape {likelihood.shape}, expected {self.mass.shape}")
        # A round whose likelihood is the same for every candidate teaches nothing: those rows
        # keep their posterior exactly (renormalising would only add rounding).
        flat = lik.reshape(lik.shape[0], -1)
        informative = flat.min(axis=1) != flat.max(axis=1)
        rows = informative if rows is None else (np.asarray(rows, dtype=bool) & informative)
        index = np.flatnonzero(rows)
        if index.size == 0:
            return
        every = index.size == self.n
        weight = np.maximum(lik if every else lik[index], 0.0)
        weight *= 1.0 - tremble
        weight += tremble
        post = self.mass * weight if every else self.mass[index] * weight
        post /= post.sum(axis=(1, 2), keepdims=True)
        if every:
            self.mass = post
        else:
            self.mass = self.mass.copy()
            self.mass[index] = post

    @property
    def prior(self) -> np.ndarray:
        """``(n, K, G)``: each replicate's joint prior."""
        return self.priors[self.prior_index]

    def conditional_prior(self) -> np.ndarray:
        """``(n, K, G)``: each replicate's prior over the reservation value within each type."""
        priors = self.priors / np.maximum(self.priors.sum(axis=2, keepdims=True), 1e-300)
        return priors[self.prior_index]

    def persist(self, rho: float | np.ndarray) -> None:
        """Predictive belief for the next round: the reservation value is kept with
        probability ``rho`` (a number, or one per replicate) and redrawn from the prior
        otherwise; the type persists."""
        rho = np.asarray(rho, dtype=float)
        if np.all(rho == 1.0):
            return
        redrawn = self.conditional_prior()
        keep = rho[:, None, None] if rho.ndim == 1 else rho
        redrawn *= self.type_probabilities()[:, :, None]
        redrawn *= 1.0 - keep
        mass = keep * self.mass
        mass += redrawn
        self.mass = mass

    def take(self, rows: np.ndarray) -> Belief:
        """The posteriors of a subset of replicates (a copy)."""
        return Belief(
            self.grid,
            self.priors,
            self.prior_index[rows],
            self.mass[rows].copy(),
            self.labels,
            self.offset,
        )

    @classmethod
    def stack(cls, beliefs: Sequence[Belief]) -> Belief:
        """The posteriors of several beliefs over the same grid, types and round, one batch
        after the other (copies)."""
        first = beliefs[0]
        for other in beliefs[1:]:
            if (
                other.labels != first.labels
                or other.offset != first.offset
                or not np.array_equal(other.grid, first.grid)
            ):
                raise ValueError("only beliefs over the same grid, types and round stack")
        starts = np.cumsum([0, *(b.priors.shape[0] for b in beliefs[:-1])])
        return cls(
            first.grid,
            np.concatenate([b.priors for b in beliefs]),
            np.concatenate(
                [b.prior_index + start for b, start in zip(beliefs, starts, strict=True)]
            ),
            np.concatenate([b.mass for b in beliefs]),
            first.labels,
            first.offset,
        )

    def pit(self, value_index: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
        """The randomised probability integral transform of the true reservation values.

        For replicate ``i`` with true value at grid index ``value_index[i]`` this is
        ``F(theta-) + u_i * p(theta)``, the posterior CDF just below the true value plus a
        uniform share of the posterior atom at it. For a calibrated posterior it is exactly
        uniform on [0, 1] (Brockwell 2007, "Universal residuals"; Czado, Gneiting & Held
        2009), which a discrete CDF evaluated at the truth would not be.
        """
        marginal = self.marginal()
        rows = np.arange(self.n)
        below = np.cumsum(marginal, axis=1)[rows, value_index] - marginal[rows, value_index]
        return np.clip(below + uniforms * marginal[rows, value_index], 0.0, 1.0)


def _type_rows(type_prior: np.ndarray | None, n: int) -> np.ndarray:
    """``(n, K)``: each replicate's prior over the behavioural types, from one ``(K,)``
    probability vector, one per replicate, or ``None`` (a single type)."""
    weights = (
        np.ones((1, 1))
        if type_prior is None
        else np.atleast_2d(np.asarray(type_prior, dtype=float))
    )
    if np.any(weights < 0) or not np.allclose(weights.sum(axis=1), 1.0, atol=1e-9):
        raise ValueError("type_prior must be a probability vector (per replicate)")
    if weights.shape[0] == 1:
        return np.broadcast_to(weights, (n, weights.shape[1]))
    if weights.shape[0] != n:
        raise ValueError(f"type_prior has {weights.shape[0]} rows, expected {n}")
    return weights


__all__ = ["Belief", "row_dot"]
