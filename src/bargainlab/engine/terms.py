"""Issues, terms and utilities.

The engine works on a normalised *position* ``x`` in [0, 1] along the primary issue. Party 0
prefers high positions, party 1 low ones; the :class:`Issue` maps positions to domain units
(a rebate in percent, a price) and back. Utilities are normalised to [0, 1]:

    u_0(x) = x ** a_0,        u_1(x) = (1 - x) ** a_1,

with risk curvature ``a > 0`` (``a = 1`` linear, ``a < 1`` concave, i.e. risk averse).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..support.validation import check_choice, check_scalar

_EPS = 1e-12


@dataclass(frozen=True)
class Issue:
    """The primary issue: a range in domain units, optionally discretised.

    Parameters
    ----------
    name, unit:
        Labels for tables and figures (``"rebate"``, ``"% of annual sales"``).
    low, high:
        The domain range; ``low < high``.
    party0_prefers:
        ``"high"`` if party 0 gains when the domain value rises (a dealer and a rebate),
        ``"low"`` otherwise (a buyer and a price).
    levels:
        Number of equally spaced admissible values (at least 2), or ``None`` for a
        continuous issue. A proposer rounds its offer to the admissible level that still
        gives it at least its target.
    """

    name: str = "price"
    low: float = 0.0
    high: float = 1.0
    unit: str = ""
    party0_prefers: str = "high"
    levels: int | None = None

    def __post_init__(self) -> None:
        """Validate the labels, the range, the preferred direction and the levels."""
        for label in ("name", "unit"):
            if not isinstance(getattr(self, label), str):
                raise TypeError(
                    f"issue.{label} must be a string, got {type(getattr(self, label)).__name__}"
                )
        check_scalar("issue.low", self.low)
        check_scalar("issue.high", self.high)
        if not self.high > self.low:
            raise ValueError(
                f"issue.high must be greater than issue.low; got low={self.low}, high={self.high}"
            )
        check_choice("issue.party0_prefers", self.party0_prefers, ("high", "low"))
        if self.levels is not None:
            check_scalar("issue.levels", self.levels, low=2, integer=True)

    def to_domain(self, x: np.ndarray | float) -> np.ndarray:
        """Domain value (e.g. the rebate in %) of position ``x``."""
        x = np.asarray(x, dtype=float)
        frac = x if self.party0_prefers == "high" else 1.0 - x
        return self.low + frac * (self.high - self.low)

    def from_domain(self, value: np.ndarray | float) -> np.ndarray:
        """Position of a domain value; raises ValueError outside ``[low, high]``."""
        v = np.asarray(value, dtype=float)
        if np.any(v < self.low - 1e-12) or np.any(v > self.high + 1e-12):
            raise ValueError(
                f"{self.name} must lie in [{self.low}, {self.high}] {self.unit}".rstrip()
            )
        frac = (v - self.low) / (self.high - self.low)
        return np.clip(frac if self.party0_prefers == "high" else 1.0 - frac, 0.0, 1.0)

    def snap(self, x: np.ndarray, side: np.ndarray) -> np.ndarray:
        """Round positions to admissible levels in favour of the proposer ``side``.

        Party 0 (prefers high) rounds up, party 1 rounds down, so rounding never gives the
        proposer less than the target it asked for.
        """
        return self.rounder(side)(x)

    def rounder(self, side: np.ndarray | int) -> Callable[[np.ndarray], np.ndarray]:
        """:meth:`snap` for fixed proposers ``side``, each replicate's direction worked out
        once: the engine makes one per turn of a round and calls it at every step of it."""
        if self.levels is None:
            return _clip_unit
        # In the proposer's own direction (sign +1 for party 0, -1 for party 1), the nearest
        # level at or beyond x: never one that gives the proposer less than its target.
        sign = 1.0 - 2.0 * np.asarray(side, dtype=float)
        return functools.partial(_snap_to_levels, scale=sign * (self.levels - 1))


def _clip_unit(x: np.ndarray) -> np.ndarray:
    """Positions clipped to [0, 1] (a continuous issue's snap)."""
    return np.clip(x, 0.0, 1.0)


def _snap_to_levels(x: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The positions ``x`` rounded to levels ``1 / k`` apart in the direction of ``sign``,
    with ``scale = sign * k`` (:meth:`Issue.rounder`). A sign of +-1 only flips the sign bit,
    so ``x * scale`` and ``level / scale`` are bit for bit ``sign * x * k`` and
    ``sign * level / k``, with fewer passes over the batch."""
    y = np.multiply(x, scale)
    level = np.ceil(y - 1e-9)
    level += level < y
    level /= scale
    return np.clip(level, 0.0, 1.0)


def _is_linear(curvature: np.ndarray | float) -> bool:
    """Whether a curvature (one number or per replicate) is 1 everywhere."""
    if isinstance(curvature, float):
        return curvature == 1.0
    c = np.asarray(curvature)
    return c.size == 0 or bool((c == 1.0).all())


def utility(side: int | np.ndarray, x: np.ndarray, curvature: np.ndarray | float) -> np.ndarray:
    """Normalised utility of position ``x`` to ``side`` (0 or 1) with risk curvature."""
    if isinstance(side, int | np.integer):
        share = x if side == 0 else 1.0 - np.asarray(x)
    else:
        share = np.where(np.asarray(side) == 0, x, 1.0 - x)
    share = np.minimum(np.maximum(share, 0.0), 1.0)
    return share if _is_linear(curvature) else share**curvature


def position(side: int | np.ndarray, u: np.ndarray, curvature: np.ndarray | float) -> np.ndarray:
    """The position that gives ``side`` the utility ``u`` (inverse of :func:`utility`).

    Never rounds against ``side``: where ``1 - share`` (or an underflowing share) would give
    it less than ``u``, the position moves one ulp in its favour. Only a curvature can do
    that: with linear utilities ``1 - (1 - u)`` is within an ulp of ``u`` (exact for
    ``u >= 0.5`` by Sterbenz's lemma, one rounding of ``1 - u`` below), far inside the
    ``1e-12`` the check allows, so a linear batch skips the check (the same bits).
    """
    u = np.clip(u, 0.0, 1.0)
    linear = _is_linear(curvature)
    share = u if linear else u ** (1.0 / curvature)
    toward: float | np.ndarray
    if isinstance(side, int | np.integer):
        x = share if side == 0 else 1.0 - share
        toward = 1.0 if side == 0 else 0.0
    else:
        sides = np.asarray(side)
        x = np.where(sides == 0, share, 1.0 - share)
        toward = np.where(sides == 0, 1.0, 0.0)
    if linear:
        return x
    short = utility(side, x, curvature) < u - 1e-12
    if np.any(short):
        x = np.where(short, np.nextafter(x, toward), x)
    return x


@dataclass(frozen=True)
class Condition:
    """A compensation condition: a second issue with a value to its holder and a private cost
    to the obliged party, attached to contingent terms.

    An offer ``(x, conditional=True)`` means "position ``x`` if the obliged party meets the
    condition, position ``fallback`` otherwise". After signing, the obliged party meets it
    iff doing so pays: ``u_obliged(x) - cost >= u_obliged(fallback)``. When met, the holder
    gains ``value`` and the obliged party pays ``cost`` (both in utility units, per
    replicate); the sums are clipped to [0, 1].

    Attributes are per-replicate arrays of shape ``(n,)``; ``holder`` is the party index (0
    or 1) that benefits, and the other party is obliged.
    """

    holder: int
    value: np.ndarray
    cost: np.ndarray
    fallback: np.ndarray

    def __post_init__(self) -> None:
        """Validate the per-replicate arrays (finite, in [0, 1]) and the holder."""
        if self.holder not in (0, 1):
            raise ValueError(f"condition.holder must be 0 or 1, got {self.holder!r}")
        for name in ("value", "cost", "fallback"):
            arr = np.asarray(getattr(self, name), dtype=float)
            if arr.ndim != 1 or not np.all(np.isfinite(arr)):
                raise ValueError(f"condition.{name} must be a finite 1-d array")
            if np.any(arr < 0) or np.any(arr > 1):
                raise ValueError(f"condition.{name} must lie in [0, 1]")
            object.__setattr__(self, name, arr)

    @property
    def obliged(self) -> int:
        """The party that must meet the condition (the one that does not hold it)."""
        return 1 - self.holder

    def take(self, index: np.ndarray) -> Condition:
        """The condition of a subset of replicates."""
        return Condition(self.holder, self.value[index], self.cost[index], self.fallback[index])


def settle(
    x: np.ndarray,
    conditional: np.ndarray,
    curvature: tuple[np.ndarray | float, np.ndarray | float],
    condition: Condition | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Payoffs of signed terms, after the obliged party's decision on the condition.

    Returns ``(u0, u1, met, realised_x)``: both parties' utilities (before discounting), whether
    the condition was met, and the position that applies in the end.
    """
    conditional = np.asarray(conditional, dtype=bool)
    if condition is None:
        met = np.zeros_like(conditional)
        realised = x
    else:
        ob = condition.obliged
        gain_if_met = utility(ob, x, curvature[ob]) - condition.cost
        gain_if_not = utility(ob, condition.fallback, curvature[ob])
        met = conditional & (gain_if_met >= gain_if_not - _EPS)
        realised = np.where(conditional & ~met, condition.fallback, x)
    u0 = utility(0, realised, curvature[0])
    u1 = utility(1, realised, curvature[1])
    if condition is not None:
        bonus = np.where(met, condition.value, 0.0)
        charge = np.where(met, condition.cost, 0.0)
        if condition.holder == 0:
            u0, u1 = u0 + bonus, u1 - charge
        else:
            u0, u1 = u0 - charge, u1 + bonus
    return np.clip(u0, 0.0, 1.0), np.clip(u1, 0.0, 1.0), met, realised
