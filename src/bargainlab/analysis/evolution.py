"""Evolutionary dynamics of a two-population game: discrete-time replicator dynamics, Moran
fixation probabilities and the starting mixes of a tournament (the formulas and references
are in :mod:`bargainlab.analysis.tournament`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import logsumexp

from ..config.schema import TournamentSpec

__all__ = ["Start", "fitness", "moran_fixation", "replicator", "starting_mixes"]


# --------------------------------------------------------------------------- dynamics


def _check_simplex(shares: np.ndarray, what: str) -> None:
    """Raise ValueError unless ``shares`` are mixes: finite, non-negative, summing to 1 over
    the last axis."""
    if not np.all(np.isfinite(shares)) or shares.min(initial=0.0) < 0:
        raise ValueError(f"{what} must be finite and non-negative")
    if not np.allclose(shares.sum(axis=-1), 1.0, atol=1e-9):
        raise ValueError(f"{what} must sum to 1 over its last axis")


def fitness(payoff: np.ndarray, baseline: float) -> np.ndarray:
    """``payoff - min(0, min payoff) + baseline`` per matrix (leading axes are a batch)."""
    low = np.minimum(0.0, payoff.min(axis=(-2, -1), keepdims=True))
    return payoff - low + baseline


def replicator(
    focal_payoff: np.ndarray,
    opponent_payoff: np.ndarray,
    focal_start: np.ndarray,
    opponent_start: np.ndarray,
    generations: int,
    baseline_fitness: float,
    *,
    path: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Two-population discrete-time replicator dynamics (see the module docstring).

    ``focal_payoff`` (A) and ``opponent_payoff`` (B) have shape ``(..., m, n)``: row = focal
    strategy, column = opponent strategy. ``focal_start`` ``(..., m)`` and ``opponent_start``
    ``(..., n)`` are mixes; leading axes broadcast (a batch of matrices or starts). Returns
    the shares of every generation, ``(generations + 1, ..., m)`` and ``(..., n)``, or with
    ``path=False`` only the final shares.
    """
    a = np.asarray(focal_payoff, dtype=float)
    b = np.asarray(opponent_payoff, dtype=float)
    x = np.asarray(focal_start, dtype=float)
    y = np.asarray(opponent_start, dtype=float)
    if a.ndim < 2 or a.shape[-2:] != b.shape[-2:]:
        raise ValueError(f"payoff matrices must both be (..., m, n); got {a.shape} and {b.shape}")
    m, n = a.shape[-2:]
    if x.shape[-1] != m or y.shape[-1] != n:
        raise ValueError(f"starts must have {m} and {n} shares; got {x.shape} and {y.shape}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("payoff matrices must be finite")
    if generations < 0:
        raise ValueError(f"generations must be >= 0, got {generations}")
    if not baseline_fitness > 0:
        raise ValueError(f"baseline_fitness must be > 0, got {baseline_fitness}")
    _check_simplex(x, "focal_start")
    _check_simplex(y, "opponent_start")
    fa, fb = fitness(a, baseline_fitness), fitness(b, baseline_fitness)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2], x.shape[:-1], y.shape[:-1])
    x = np.broadcast_to(x, (*batch, m)).copy()
    y = np.broadcast_to(y, (*batch, n)).copy()
    xs: list[np.ndarray] = [x] if path else []
    ys: list[np.ndarray] = [y] if path else []
    for _ in range(generations):
        fx = np.einsum("...ij,...j->...i", fa, y)  # (F y)_i
        fy = np.einsum("...ij,...i->...j", fb, x)  # (G' x)_j
        x_next = x * fx
        y_next = y * fy
        x = x_next / x_next.sum(axis=-1, keepdims=True)
        y = y_next / y_next.sum(axis=-1, keepdims=True)
        if path:
            xs.append(x)
            ys.append(y)
    if path:
        return np.stack(xs), np.stack(ys)
    return x, y


def moran_fixation(
    invader_fitness: float | Sequence[float] | np.ndarray,
    resident_fitness: float | Sequence[float] | np.ndarray,
    population_size: int,
) -> float:
    """Fixation probability of one invader in a Moran process of ``population_size`` N.

    ``rho = 1 / (1 + sum_{k=1}^{N-1} prod_{j=1}^{k} g_j / f_j)`` (Nowak 2006, eq. 6.13), with
    ``f_j``/``g_j`` the invader/resident fitness when there are ``j`` invaders: scalars for
    constant fitness, or arrays of length ``N - 1``. Computed in log space (no overflow).
    """
    n = int(population_size)
    if n < 2:
        raise ValueError(f"population_size must be >= 2, got {population_size}")
    f = np.broadcast_to(np.asarray(invader_fitness, dtype=float), (n - 1,))
    g = np.broadcast_to(np.asarray(resident_fitness, dtype=float), (n - 1,))
    if not (np.all(np.isfinite(f)) and np.all(np.isfinite(g))) or f.min() <= 0 or g.min() <= 0:
        raise ValueError("fitness values must be finite and > 0")
    log_terms = np.cumsum(np.log(g) - np.log(f))  # log prod_{j<=k} g_j/f_j, k = 1..N-1
    return float(np.exp(-np.logaddexp(0.0, logsumexp(log_terms))))


# --------------------------------------------------------------------------- starts


@dataclass(frozen=True)
class Start:
    """A starting mix of both populations."""

    label: str
    focal: np.ndarray = field(repr=False)
    opponent: np.ndarray = field(repr=False)


def _rare(k: int, index: int, share: float) -> np.ndarray:
    """A mix of ``k`` strategies with strategy ``index`` at ``share`` and the others equal."""
    mix = np.full(k, (1.0 - share) / (k - 1))
    mix[index] = share
    return mix


def starting_mixes(
    arms: Sequence[str], opponents: Sequence[Any], spec: TournamentSpec
) -> list[Start]:
    """The starting mixes of ``spec.starts`` in a fixed order (labels name the rare/pure
    strategy; the treatment is ``arms[0]``). Rare starts need at least two strategies in
    that population and are skipped otherwise."""
    m, n = len(arms), len(opponents)
    if m < 1 or n < 1:
        raise ValueError("a tournament needs at least one arm and one opponent type")
    uniform_x, uniform_y = np.full(m, 1.0 / m), np.full(n, 1.0 / n)
    treatment_rare = _rare(m, 0, spec.rare_share) if m > 1 else uniform_x
    starts: list[Start] = []
    for kind in dict.fromkeys(spec.starts):  # de-duplicated, in the given order
        if kind == "uniform":
            starts.append(Start("uniform", uniform_x, uniform_y))
        elif kind == "rare":
            if m > 1:
                for i, arm in enumerate(arms):
                    starts.append(Start(f"rare {arm}", _rare(m, i, spec.rare_share), uniform_y))
            if n > 1:
                for j, opponent in enumerate(opponents):
                    starts.append(
                        Start(f"rare opponent {opponent}", uniform_x, _rare(n, j, spec.rare_share))
                    )
        else:
            for j, opponent in enumerate(opponents):
                starts.append(Start(f"vs {opponent}", treatment_rare, np.eye(n)[j]))
    return starts
