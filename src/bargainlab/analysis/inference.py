"""One paired test per effect row: the symmetric studentised bootstrap (bootstrap-t).

For paired differences ``d_1..d_n`` (treatment - control on common random numbers) with mean
``dbar``, standard deviation ``s`` and standard error ``se = s / sqrt(n)``, the statistic is
``t = dbar / se``. Each of ``B`` resamples (replicates drawn with replacement) gives
``t*_b = (dbar*_b - dbar) / se*_b``. With ``c = #{b : |t*_b| >= |t|}``:

* the p-value is ``p = (1 + c) / (B + 1)`` (Davison & Hinkley 1997, ch. 4);
* the interval at level ``1 - a`` is ``dbar +- q_a * se``, with ``q_a`` the
  ``(k_a + 1)``-th largest ``|t*|`` and ``k_a = ceil(a (B + 1)) - 2``: the set of effects
  ``mu`` that the same test does not reject at level ``a`` (test inversion).

So the interval excludes 0 exactly when ``p < a`` (both say ``c <= k_a``); computed in
integers, the two can never disagree. The symmetric bootstrap-t interval's coverage error is
of order ``1/n^2`` against ``1/n`` for the normal interval (Hall 1988), which is what
heavy-tailed, zero-inflated differences need. A family of rows replaces ``|t*_b|`` by the
largest ``|t*|`` over the family in resample ``b`` (max-T, :mod:`bargainlab.analysis.maxt`):
:func:`paired_bootstrap` returns that largest value per resample for each group of columns.

Conventions: differences with ``|d| <= ZERO_TOLERANCE`` are exact zeros. All differences
zero: interval ``[0, 0]``, ``p = 1``. All equal to ``c != 0``: interval ``[c, c]``, ``p = 0``.
A resample that cannot be studentised (fewer than two members, or zero spread away from the
estimate) gets ``|t*| = inf``, so tiny samples get wide or unbounded intervals, never
overconfident ones. Fewer than two differences: unbounded interval, ``p = 1``.

Several rows of one sweep cell are paired on the same replicates, so they are computed
together from the same resamples (a joint bootstrap, one matrix product per block of
resamples); a row restricted to some replicates (the survivors window) is a domain mean over
its members in each resample. The generator is seeded from the study seed and the cell only,
so a row's numbers never depend on which other rows are computed.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

__all__ = [
    "OWN",
    "ZERO_TOLERANCE",
    "CellTests",
    "coherent_intervals",
    "critical_count",
    "interval_and_p",
    "paired_bootstrap",
    "resamples_needed",
    "row_generator",
    "verdicts",
]

ZERO_TOLERANCE = 1e-12
"""Paired differences at most this large in absolute value are exactly 0 (two arms that took
the same path through floating-point code in a different order)."""

OWN = -1
"""The group of a column that is its own family (its own quantile of ``|t*|``)."""

_FLAT = 1e-12
"""A resample's variance at most this share of its mean square is zero (rounding)."""

_BLOCK_ELEMENTS = 1_000_000
"""Resample weights held at once (resamples x replicates), about 8 MB per copy."""
_BLOCK_RESAMPLES = 16_384
"""Resamples per block at most: the per-row statistics of a block (rows x resamples, a few
copies) stay within tens of MB when there are few replicates."""


def _alpha(alpha: float) -> Fraction:
    """``alpha`` as an exact fraction (the counts below are computed in integers)."""
    return Fraction(alpha).limit_denominator(10**9)


def critical_count(level_alpha: float, m: int, resamples: int) -> int:
    """``k = ceil(alpha (B + 1) / m) - 2``: the test at level ``alpha / m`` rejects when at
    most ``k`` resamples reach ``|t|`` (``-1``: it can never reject with ``B`` resamples)."""
    bound = _alpha(level_alpha) * (resamples + 1) / m
    return math.ceil(bound) - 2


def resamples_needed(m: int, alpha: float, resamples: int, tail: int) -> int:
    """Resamples for a test at level ``alpha / m``: at least ``resamples``, and enough that
    ``tail`` resamples lie beyond its critical value (``k + 1 >= tail``). A max-T family is
    tested at ``alpha`` itself (``m = 1``), whatever its size."""
    need = math.ceil((tail + 1) * m / _alpha(alpha)) - 1
    return int(max(resamples, need))


def row_generator(seed: int, *key: Any) -> np.random.Generator:
    """A generator that depends only on ``seed`` and ``key`` (strings are hashed)."""
    words = tuple(zlib.crc32(str(k).encode()) if isinstance(k, str) else int(k) for k in key)
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=words))


@dataclass(frozen=True)
class CellTests:
    """The bootstrap of ``K`` columns of paired differences of one cell."""

    n: np.ndarray
    """Members of each column (replicates with a difference)."""
    mean: np.ndarray
    sd: np.ndarray
    se: np.ndarray
    exact_zero: np.ndarray
    """Every difference of the column is exactly 0."""
    t_obs: np.ndarray
    """``|t| = |mean| / se`` (0 for a zero mean without spread, ``inf`` for a non-zero one)."""
    exceed: np.ndarray
    """``c``: resamples with ``|t*| >= |t|`` per column."""
    top: np.ndarray
    """The largest ``|t*|`` per column of group :data:`OWN`, descending, shape ``(kept, K)``
    (``-inf`` in the other columns)."""
    scale: np.ndarray
    """Each column's scale in its group's maxima (``inf``: left out, it cannot be bounded)."""
    maxima: np.ndarray
    """Per group ``g >= 0`` and resample, the largest ``|t*| / scale`` over the group's
    columns that can be bounded (0 without any), shape ``(groups, B)``."""
    resamples: int
    """``B``: resamples behind every column."""


def _moments(d: np.ndarray, members: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per column: members, mean, sd, se, exact zero and ``|t|``."""
    n = members.sum(axis=0).astype(float)
    safe = np.maximum(n, 1)
    lowest = np.where(members, d, np.inf).min(axis=0, initial=np.inf)
    highest = np.where(members, d, -np.inf).max(axis=0, initial=-np.inf)
    constant = (n >= 1) & (lowest == highest)
    # the mean of equal numbers is that number, exactly (a sum / n may miss it by a bit)
    mean = np.where(constant, np.where(constant, lowest, 0.0), d.sum(axis=0) / safe)
    centred = np.where(members, d - mean, 0.0)
    sd = np.where(constant, 0.0, np.sqrt((centred**2).sum(axis=0) / np.maximum(n - 1, 1)))
    se = sd / np.sqrt(safe)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_obs = np.where(se > 0, np.abs(mean) / se, np.where(mean == 0, 0.0, np.inf))
    return n, mean, sd, se, constant & (mean == 0), t_obs, centred


def paired_bootstrap(
    diffs: np.ndarray,
    members: np.ndarray,
    *,
    resamples: int,
    rng: np.random.Generator,
    keep: int = 0,
    groups: Sequence[int] | np.ndarray | None = None,
    guard: int | None = None,
    balance: int | None = None,
) -> CellTests:
    """Bootstrap-t of the columns of ``diffs`` (``n x K``, paired differences over the same
    ``n`` replicates; ``members`` marks which replicates count in each column) from
    ``resamples`` resamples of the cell's replicates.

    ``groups`` gives each column a group: :data:`OWN` (the default for every column) keeps
    the column's ``keep`` largest ``|t*|`` (its own quantiles); a group ``g >= 0`` records,
    per resample, the largest ``|t*_j| / s_j`` over its columns (``maxima[g]``, for max-T).
    The scale ``s_j`` is 1, or with ``balance`` the column's ``(balance + 1)``-th largest
    ``|t*|`` (its own critical value at the unadjusted level, for a balanced max-T). With
    ``guard``, a column whose ``(guard + 1)``-th largest ``|t*|`` is infinite (more than
    ``guard`` resamples could not be studentised: a domain of a few members) gets scale
    ``inf``: it is left out of its group's maxima and cannot be bounded. Resample ``b`` is the
    same whatever columns are computed."""
    d = np.where(members, np.asarray(diffs, dtype=float), 0.0)
    d = np.where(np.abs(d) <= ZERO_TOLERANCE, 0.0, d)
    k = d.shape[1]
    group = np.full(k, OWN, dtype=np.int64) if groups is None else np.asarray(groups, np.int64)
    n, mean, sd, se, exact_zero, t_obs, centred = _moments(d, members)
    t_star = _resampled(centred, members, se, int(resamples), rng)
    exceed = (t_star >= t_obs[:, None]).sum(axis=1)
    own = np.flatnonzero(group == OWN)
    top = np.full((max(int(keep), 1), k), -np.inf)
    if own.size and keep > 0:
        top[:, own] = _largest(t_star[own], int(keep)).T
    scale = np.ones(k)
    if guard is not None and t_star.shape[1]:
        # the (guard + 1)-th largest |t*| is infinite iff more than guard resamples are (|t*|
        # is never NaN); counting them costs one pass instead of a partition
        beyond = np.isinf(t_star).sum(axis=1) > guard if t_star.shape[1] > guard else True
        scale = np.where(beyond, np.inf, 1.0)
    if balance is not None and t_star.shape[1]:
        own_critical = _largest(t_star, int(balance) + 1)[:, -1]
        fine = np.isfinite(own_critical) & (own_critical > 0)
        scale = np.where(fine, scale * np.where(fine, own_critical, 1.0), np.inf)
    maxima = _maxima(t_star, scale, group, n)
    return CellTests(
        n.astype(np.int64), mean, sd, se, exact_zero, t_obs, exceed, top, scale, maxima,
        int(resamples),
    )  # fmt: skip


def _largest(values: np.ndarray, keep: int) -> np.ndarray:
    """The ``keep`` largest values of each row, descending (``-inf`` beyond the row's own)."""
    if keep > values.shape[1]:
        values = np.pad(values, ((0, 0), (0, keep - values.shape[1])), constant_values=-np.inf)
    part = -np.partition(-values, keep - 1, axis=1)[:, :keep]
    return -np.sort(-part, axis=1)


def _maxima(t_star: np.ndarray, scale: np.ndarray, group: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Per group ``g >= 0`` and resample, the largest ``|t*| / scale`` over the group's
    columns that can be bounded (at least two members and a finite, positive scale; the
    others have scale ``inf``), 0 without any."""
    n_groups = int(group.max(initial=OWN)) + 1
    maxima = np.zeros((n_groups, t_star.shape[1]))
    counted = (n >= 2) & np.isfinite(scale) & (scale > 0)
    for g in range(n_groups):
        chosen = np.flatnonzero(counted & (group == g))
        if chosen.size:
            maxima[g] = (t_star[chosen] / scale[chosen, None]).max(axis=0)
    return maxima


def _resampled(
    centred: np.ndarray, members: np.ndarray, se: np.ndarray, total: int, rng: np.random.Generator
) -> np.ndarray:
    """``|t*|`` of every column (rows) in every resample (columns), drawn block by block."""
    n_rep, k = centred.shape
    t_star = np.zeros((k, total))
    if not (n_rep and k):
        return t_star
    # blocks of resamples at fixed boundaries (they depend on n only), so that resample b is
    # the same whatever columns are computed
    block = max(1, min(_BLOCK_ELEMENTS // n_rep, _BLOCK_RESAMPLES))
    offsets = (np.arange(block, dtype=np.int64) * n_rep)[:, None]
    # member counts per resample: one row per distinct member mask (most columns share the
    # all-replicates mask), then the sums of centred differences and of their squares
    masks, mask_of = np.unique(members.T, axis=0, return_inverse=True)
    mask_of = np.asarray(mask_of).reshape(-1)
    weights = np.concatenate([masks.astype(float), centred.T, (centred**2).T], axis=0)
    done = 0
    while done < total:
        b = min(block, total - done)
        idx = rng.integers(0, n_rep, size=(b, n_rep))
        idx += offsets[:b]
        counts = np.bincount(idx.ravel(), minlength=b * n_rep).reshape(b, n_rep)
        sums = weights @ counts.T.astype(float)
        star_n = sums[: len(masks)][mask_of]
        t_star[:, done : done + b] = _studentised(star_n, sums[len(masks) :], se[:, None])
        done += b
    return t_star


def _studentised(star_n: np.ndarray, sums: np.ndarray, se: np.ndarray) -> np.ndarray:
    """``|t*|`` per column (rows) and resample (columns) from the resample's member counts
    ``star_n`` and the sums of centred differences and of their squares (stacked, ``2k x b``)."""
    k = len(star_n)
    s1, s2 = sums[:k], sums[k:]
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = s1 / star_n
        var = s1 * dev  # in place from here on: these arrays are the bootstrap's largest
        np.subtract(s2, var, out=var)
        np.maximum(var, 0.0, out=var)
        np.divide(var, star_n - 1, out=var)
        # a resample without spread (all its members equal) cannot be studentised by itself:
        # it is scaled by the sample's standard error (the basic statistic)
        flat = var <= _FLAT * s2 / star_n
        star_se = np.sqrt(np.divide(var, star_n, out=var), out=var)
        star_se = np.where(flat, se, star_se)
        ratio = np.divide(np.abs(dev, out=dev), star_se, out=dev)
        none = star_se <= 0  # no spread at all: |t*| is 0 for a zero mean, else unbounded
        if none.any():
            ratio[none] = np.where(s1[none] == 0, 0.0, np.inf)
        ratio[star_n < 2] = np.inf
    return ratio


def coherent_intervals(
    tests: CellTests | Any,
    critical: np.ndarray,
    reached: np.ndarray,
    kmax: int | np.ndarray,
) -> dict[str, np.ndarray]:
    """``ci_low``, ``ci_high`` and the p-value ``(1 + reached) / (B + 1)`` per column, from
    its critical value of ``|t|`` and the resamples whose statistic reaches its ``|t|``: the
    interval ``mean +- critical * se`` excludes 0 exactly when ``reached <= kmax`` (the
    p-value is below the level), ties at the last bit decided by the count. Columns with
    fewer than two members are unbounded with ``p = 1``; constant columns are exact."""
    n, mean, se = np.asarray(tests.n), np.asarray(tests.mean, float), np.asarray(tests.se, float)
    reached = np.asarray(reached, dtype=np.int64)
    with np.errstate(invalid="ignore"):
        low, high = mean - critical * se, mean + critical * se
    reject = reached <= kmax
    apart = (low > 0) | (high < 0)
    tiny = np.nextafter(0.0, 1.0)
    # a rejected row whose interval touches 0 in the last bit: the count decides
    low = np.where(reject & ~apart & (mean > 0), tiny, low)
    high = np.where(reject & ~apart & (mean <= 0), -tiny, high)
    # a row not rejected whose interval misses 0 in the last bit: it is widened to 0
    low = np.where(~reject & apart & (mean > 0), 0.0, low)
    high = np.where(~reject & apart & (mean <= 0), 0.0, high)
    p = (1 + reached) / (int(tests.resamples) + 1)
    constant = se == 0
    low = np.where(constant, mean, low)
    high = np.where(constant, mean, high)
    p = np.where(constant, np.where(mean == 0, 1.0, 0.0), p)
    few = n < 2
    return {
        "ci_low": np.where(few, -np.inf, low),
        "ci_high": np.where(few, np.inf, high),
        "p_value": np.where(few, 1.0, p),
    }


def interval_and_p(
    tests: CellTests, m: Sequence[int] | np.ndarray | int, alpha: float
) -> dict[str, np.ndarray]:
    """Per column, each its own test at level ``alpha / m`` (``m = 1``: unadjusted;
    ``m > 1``: Bonferroni over a family of ``m`` rows, needing :func:`resamples_needed` and
    ``keep > k``): ``ci_low``, ``ci_high``, ``ci_level``, ``critical`` (the column's
    ``(k + 1)``-th largest ``|t*|``), ``p_value`` and ``p_adjusted`` (``min(1, m p)``),
    coherent by construction (see the module docstring)."""
    m = np.broadcast_to(np.asarray(m, dtype=np.int64), tests.mean.shape)
    kmax = np.array([critical_count(alpha, int(k), tests.resamples) for k in m], dtype=np.int64)
    kept = tests.top.shape[0]
    inside = (kmax >= 0) & (kmax < kept)
    columns = np.arange(len(m))
    critical = np.where(inside, tests.top[np.clip(kmax, 0, kept - 1), columns], np.inf)
    result = coherent_intervals(tests, critical, tests.exceed, kmax)
    p = result["p_value"]
    return {
        "ci_low": result["ci_low"],
        "ci_high": result["ci_high"],
        "ci_level": 1.0 - alpha / m.astype(float),
        "critical": critical,
        "p_value": p,
        "p_adjusted": np.minimum(1.0, m * p),
    }


def verdicts(
    ci_low: np.ndarray | Sequence[float], ci_high: np.ndarray | Sequence[float], sesoi: float
) -> np.ndarray:
    """The verdict read off an interval: ``negligible`` when it lies within ``(-sesoi,
    +sesoi)``, else ``helps`` when it lies above 0, ``hurts`` when below, else
    ``undetermined``."""
    low = np.asarray(ci_low, dtype=float)
    high = np.asarray(ci_high, dtype=float)
    negligible = (low > -sesoi) & (high < sesoi)
    return np.where(
        negligible,
        "negligible",
        np.where(low > 0, "helps", np.where(high < 0, "hurts", "undetermined")),
    ).astype(object)
