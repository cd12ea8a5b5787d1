"""Priors over a party's private type, and their discretisation on the belief grid.

A prior is a fixed number in [0, 1] (a public type), :class:`Uniform` ``{low, high}`` or
:class:`TruncatedNormal` ``{mean, sd}`` (truncated to [0, 1]). These are the same objects a
study file declares (the config schema uses them as they are), so the prior a learner holds is
exactly the distribution the types are drawn from.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy import stats

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
"""A number in [0, 1]."""


class _Prior(BaseModel):
    """A prior's common configuration: no unknown keys, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Uniform(_Prior):
    """A uniform prior on ``[low, high]`` (within [0, 1])."""

    low: Unit
    """Lowest type, in utility units."""
    high: Unit
    """Highest type, in utility units (at least ``low``; equal to it: a known type)."""

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        """Raise unless ``low <= high``."""
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) must be at least low ({self.low})")
        return self


class TruncatedNormal(_Prior):
    """A normal prior with ``mean`` and ``sd``, truncated to [0, 1]."""

    mean: Unit
    """Mean of the normal before truncation, in utility units."""
    sd: Annotated[float, Field(gt=0.0, le=1.0)]
    """Standard deviation of the normal before truncation, in utility units."""


Prior = Annotated[float, Field(ge=0.0, le=1.0)] | Uniform | TruncatedNormal
"""A fixed number in [0, 1], ``{low, high}`` (uniform) or ``{mean, sd}`` (truncated normal)."""


def grid_points(size: int) -> np.ndarray:
    """The type grid ``0, 1/(G-1), ..., 1``."""
    if size < 3:
        raise ValueError(f"grid must have at least 3 points, got {size}")
    return np.linspace(0.0, 1.0, size)


def prior_mass(prior: Prior, grid: np.ndarray) -> np.ndarray:
    """Discretise a prior on the grid: a probability vector of shape ``(G,)``.

    A fixed number is a point mass on the nearest grid point (a public type); a uniform prior
    is uniform over the grid points in ``[low, high]``; a truncated normal is its density at
    the grid points, normalised.
    """
    if isinstance(prior, Uniform):
        step = grid[1] - grid[0]
        inside = (grid >= prior.low - step / 2) & (grid <= prior.high + step / 2)
        mass = inside.astype(float)
    elif isinstance(prior, TruncatedNormal):
        mass = stats.norm.pdf(grid, loc=prior.mean, scale=prior.sd)
    else:
        mass = np.zeros_like(grid)
        mass[int(np.argmin(np.abs(grid - float(prior))))] = 1.0
    total = mass.sum()
    if total <= 0:
        raise ValueError("the prior puts no mass on the type grid")
    return mass / total


def has_mass_on(prior: Prior, grid: np.ndarray) -> bool:
    """Whether ``prior`` puts finite mass on ``grid`` (a very narrow normal between two grid
    points does not), as a run discretises every prior there."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return bool(np.all(np.isfinite(prior_mass(prior, grid))))
    except ValueError:
        return False


def draw_from(mass: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Inverse-CDF draws of grid indices for uniforms of shape ``(n,)``, from one ``(G,)`` pmf
    or from one pmf per draw, ``(n, G)``."""
    cdf = np.cumsum(np.atleast_2d(mass), axis=1)
    cdf[:, -1] = 1.0
    count = (cdf <= np.asarray(uniforms)[:, None]).sum(axis=1)
    return count.clip(0, cdf.shape[1] - 1)


@dataclass(frozen=True)
class PriorTable:
    """One prior on the grid per replicate, stored once per distinct prior.

    ``mass`` has shape ``(P, G)`` (the distinct pmfs) and ``index`` shape ``(n,)`` (which pmf
    each replicate has). A batch that stacks several sweep cells holds each cell's prior
    once.
    """

    mass: np.ndarray
    index: np.ndarray

    @classmethod
    def single(cls, mass: np.ndarray, n: int) -> PriorTable:
        """The same pmf for ``n`` replicates."""
        return cls(np.asarray(mass, dtype=float)[None, :], np.zeros(n, dtype=np.int64))

    @classmethod
    def stack(cls, tables: Sequence[PriorTable]) -> PriorTable:
        """The replicates of several tables, one after the other (equal pmfs kept once)."""
        distinct: list[np.ndarray] = []
        index = []
        for table in tables:
            local = np.empty(table.mass.shape[0], dtype=np.int64)
            for p, pmf in enumerate(table.mass):
                for q, known in enumerate(distinct):
                    if np.array_equal(pmf, known):
                        local[p] = q
                        break
                else:
                    distinct.append(pmf)
                    local[p] = len(distinct) - 1
            index.append(local[table.index])
        return cls(np.stack(distinct), np.concatenate(index))

    @classmethod
    def where(cls, condition: np.ndarray, a: PriorTable, b: PriorTable) -> PriorTable:
        """Per replicate, ``a``'s pmf where ``condition`` holds and ``b``'s elsewhere."""
        both = cls.stack([a, b])
        return cls(both.mass, np.where(condition, both.index[: a.n], both.index[a.n :]))

    @property
    def n(self) -> int:
        """The number of replicates."""
        return self.index.shape[0]

    def rows(self) -> np.ndarray:
        """``(n, G)``: each replicate's pmf."""
        return self.mass[self.index]

    def take(self, rows: np.ndarray) -> PriorTable:
        """The priors of a subset of replicates (integer positions)."""
        return PriorTable(self.mass, self.index[rows])

    def draw(self, uniforms: np.ndarray) -> np.ndarray:
        """One grid index per replicate, drawn from its own pmf (inverse CDF)."""
        if self.mass.shape[0] == 1:
            return draw_from(self.mass[0], uniforms)
        return draw_from(self.rows(), uniforms)


__all__ = [
    "Prior",
    "PriorTable",
    "TruncatedNormal",
    "Uniform",
    "draw_from",
    "grid_points",
    "has_mass_on",
    "prior_mass",
]
