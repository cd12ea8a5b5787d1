"""Family-wise intervals by max-T: one critical value for every row of a family, from one set
of studentised resamples shared by the family (Westfall & Young 1993; Romano & Wolf 2005).

A family's rows lie in several sweep cells; each cell is an independent sample of replicates,
bootstrapped from its own seeded stream (:func:`~bargainlab.analysis.inference.paired_bootstrap`).
Resample ``b`` of the family is the ``b``-th resample of every cell, so each cell returns, per
resample, its largest balanced ``|t*|`` over its rows of the family, and the family's largest is

    M_b = max over the family's rows j of |t*_bj| / q_j,   b = 1..B,

where ``q_j`` is row ``j``'s own far quantile: its ``(tail + 1)``-th largest ``|t*|`` (by
default the 11th of 9,999, out where the family's critical value lies; balanced max-T, Beran
1988). With ``k = ceil(alpha (B + 1)) - 2``
(:func:`~bargainlab.analysis.inference.critical_count` at ``m = 1``), the family's critical
value ``c`` is the ``(k + 1)``-th largest ``M_b`` (the ``1 - alpha`` quantile of the largest
balanced ``|t*|``), and every row of the family gets

* the interval ``mean +- c q_j se_j``;
* the single-step adjusted p-value ``(1 + #{b : M_b >= |t_j| / q_j}) / (B + 1)``.

The interval excludes 0 exactly when the adjusted p-value is below ``alpha`` (both say
``#{b : M_b >= |t_j| / q_j} <= k``), counted in integers as for a single row. Together the
intervals cover every row's mean with probability about ``1 - alpha``: they control the
family-wise error rate of every claim read off them (a row said to help, hurt or be
negligible), whichever rows are null. A row with fewer than two members stays unbounded and
is left out of the maxima; a row whose differences are all equal is exact and adds 0. A row
that more than ``tail`` resamples cannot studentise (a domain of a few members, whose
``|t*|`` is then infinite) is left out of the maxima and unbounded too: it would make every
row's interval unbounded.

Why balanced: without ``q_j`` the rows whose ``|t*|`` has the heaviest tails (rows of rare
non-zero differences) set every row's critical value. On face_saving_sweep's committed run
the plain max-T's intervals were a median 10 times as wide as Bonferroni's and decided 6 of
890 headline rows; balanced on each row's ``1 - alpha`` quantile, still 1.5 times (the rows'
tails differ in shape beyond it); balanced on the far quantile, 0.91 times, with 530 rows
decided against Bonferroni's 481. Each row is then held to about the same share of the
family's error.
The price: each row's far tail comes from its own bootstrap distribution, as Bonferroni's
did, and on heavily skewed, unbounded differences that tail is too light (see the statistics
page for the simulated coverage of both).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .inference import coherent_intervals, critical_count

__all__ = ["Family", "interval_method", "max_t_intervals"]


@dataclass(frozen=True)
class Family:
    """A family's resampled maxima, gathered over its cells."""

    maxima: np.ndarray
    """``M_b``, the largest ``|t*|`` over the family in each resample ``b`` (length ``B``)."""
    alpha: float
    """The family-wise level."""

    @property
    def resamples(self) -> int:
        """``B``."""
        return len(self.maxima)

    @property
    def kmax(self) -> int:
        """``k``: a row is rejected when at most ``k`` resamples' maxima reach its ``|t|``."""
        return critical_count(self.alpha, 1, self.resamples)

    @property
    def critical(self) -> float:
        """``c``, the ``(k + 1)``-th largest ``M_b`` (``inf`` when ``B`` is too small)."""
        k = self.kmax
        if k < 0 or k >= self.resamples:
            return float("inf")
        return float(-np.partition(-self.maxima, k)[k])

    def reached(self, t_obs: np.ndarray) -> np.ndarray:
        """Per row, ``#{b : M_b >= |t_j|}``."""
        ordered = np.sort(self.maxima)
        return len(ordered) - np.searchsorted(ordered, np.asarray(t_obs, float), side="left")


@dataclass(frozen=True)
class _Rows:
    """The per-row statistics :func:`coherent_intervals` reads."""

    n: np.ndarray
    mean: np.ndarray
    se: np.ndarray
    resamples: int


def max_t_intervals(
    family: Family,
    n: np.ndarray,
    mean: np.ndarray,
    se: np.ndarray,
    t_obs: np.ndarray,
    scale: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """The family's rows' ``ci_low``, ``ci_high`` (``mean +- c s se``), ``critical``
    (``c s``) and ``p_adjusted`` (single-step max-T on ``|t| / s``), coherent by
    construction (see the module docstring); ``scale`` holds each row's ``s`` (1 when
    ``None``). A row whose scale is not finite and positive cannot be bounded: it is
    unbounded unless its differences are constant."""
    rows = _Rows(np.asarray(n), np.asarray(mean, float), np.asarray(se, float), family.resamples)
    s = np.ones(len(rows.n)) if scale is None else np.asarray(scale, dtype=float)
    bounded = np.isfinite(s) & (s > 0)
    s = np.where(bounded, s, np.inf)
    with np.errstate(invalid="ignore"):
        balanced = np.where(bounded, np.asarray(t_obs, float) / np.where(bounded, s, 1.0), 0.0)
    critical = np.where(bounded, family.critical * np.where(bounded, s, 1.0), np.inf)
    result = coherent_intervals(rows, critical, family.reached(balanced), family.kmax)
    return {
        "ci_low": result["ci_low"],
        "ci_high": result["ci_high"],
        "critical": critical,
        "p_adjusted": result["p_value"],
    }


def interval_method(m: int, ci_level: float, alpha: float) -> str:
    """Which method made the intervals of a family of ``m`` rows at level ``ci_level``:
    ``"max-T"`` (simultaneous at ``1 - alpha``), ``"Bonferroni"`` (each at ``1 - alpha/m``,
    as in summaries written before max-T) or ``"unadjusted"`` (a family of one)."""
    if m <= 1:
        return "unadjusted"
    if abs(ci_level - (1.0 - alpha / m)) < 1e-12:
        return "Bonferroni"
    return "max-T"
