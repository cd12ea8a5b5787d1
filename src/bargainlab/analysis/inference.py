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
integers, the two can never disagree. In a family of ``m`` rows the adjusted level is
``a = alpha / m`` (Bonferroni) and ``p_adjusted = min(1, m p)``: the adjusted interval
excludes 0 exactly when ``p_adjusted < alpha``. The symmetric bootstrap-t interval's coverage
error is of order ``1/n^2`` against ``1/n`` for the normal interval (Hall 1988), which is
what heavy-tailed, zero-inflated differences need.

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
    "ZERO_TOLERANCE",
    "CellTests",
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

_FLAT = 1e-12
"""A resample's variance at most this share of its mean square is zero (rounding)."""

_BLOCK_ELEMENTS = 1_000_000
"""Resample weights held at once (resamples x replicates), about 8 MB per copy."""
_BLOCK_RESAMPLES = 16_384
"""Resamples per block at most: the per-row statistics of a block (rows x resamples, a few
copies) stay within tens of MB when there are few replicates."""


def _alpha(alpha: float) -> Fraction:
    return Fraction(alpha).limit_denominator(10**9)


def critical_count(level_alpha: float, m: int, resamples: int) -> int:
    """``k = ceil(alpha (B + 1) / m) - 2``: the test at level ``alpha / m`` rejects when at
    most ``k`` resamples reach ``|t|`` (``-1``: it can never reject with ``B`` resamples)."""
    bound = _alpha(level_alpha) * (resamples + 1) / m
    return math.ceil(bound) - 2


def resamples_needed(m: int, alpha: float, resamples: int, tail: int) -> int:
    """Resamples for a family of ``m`` rows: at least ``resamples``, and enough that ``tail``
    resamples lie beyond the adjusted critical value (``k + 1 >= tail``)."""
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
    exceed: np.ndarray
    """``c``: resamples with ``|t*| >= |t|`` per column."""
    top: np.ndarray
    """The largest ``|t*|`` per column, descending, shape ``(kept, K)`` (``-inf`` below a
    column's own resamples)."""
    resamples: np.ndarray
    """Resamples behind each column."""


def paired_bootstrap(
    diffs: np.ndarray,
    members: np.ndarray,
    *,
    resamples: int | Sequence[int] | np.ndarray,
    rng: np.random.Generator,
    keep: int,
) -> CellTests:
    """Bootstrap-t of the columns of ``diffs`` (``n x K``, paired differences over the same
    ``n`` replicates; ``members`` marks which replicates count in each column).

    ``resamples`` is one number or one per column: column ``j`` uses the first
    ``resamples[j]`` resamples of one shared stream (so a column's numbers depend only on its
    own count); the ``keep`` largest ``|t*|`` are kept per column."""
    d = np.where(members, np.asarray(diffs, dtype=float), 0.0)
    d = np.where(np.abs(d) <= ZERO_TOLERANCE, 0.0, d)
    w = members.astype(float)
    n_rep, k = d.shape
    counts_per_column = np.broadcast_to(np.asarray(resamples, dtype=np.int64), (k,)).copy()
    n = w.sum(axis=0)
    safe = np.maximum(n, 1)
    lowest = np.where(members, d, np.inf).min(axis=0, initial=np.inf)
    highest = np.where(members, d, -np.inf).max(axis=0, initial=-np.inf)
    constant = (n >= 1) & (lowest == highest)
    # the mean of equal numbers is that number, exactly (a sum / n may miss it by a bit)
    mean = np.where(constant, np.where(constant, lowest, 0.0), d.sum(axis=0) / safe)
    centred = np.where(members, d - mean, 0.0)
    sd = np.where(constant, 0.0, np.sqrt((centred**2).sum(axis=0) / np.maximum(n - 1, 1)))
    se = sd / np.sqrt(safe)
    exact_zero = constant & (mean == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_obs = np.where(se > 0, np.abs(mean) / se, np.where(mean == 0, 0.0, np.inf))
    exceed = np.zeros(k, dtype=np.int64)
    keep = int(max(keep, 1))
    top = np.full((k, keep), -np.inf)  # one row per column: partitions run along memory
    if n_rep and k:
        # blocks of resamples at fixed boundaries (they depend on n only), so that resample b
        # is the same whatever columns are computed and however many resamples they need
        block = max(1, min(_BLOCK_ELEMENTS // n_rep, _BLOCK_RESAMPLES))
        offsets = (np.arange(block, dtype=np.int64) * n_rep)[:, None]
        # member counts per resample: one row per distinct member mask (most columns share
        # the all-replicates mask), then the sums of centred differences and of their squares
        masks, mask_of = np.unique(members.T, axis=0, return_inverse=True)
        mask_of = np.asarray(mask_of).reshape(-1)
        weights = np.concatenate([masks.astype(float), centred.T, (centred**2).T], axis=0)
        n_masks = len(masks)
        total, done = int(counts_per_column.max()), 0
        while done < total:
            b = min(block, total - done)
            cols = np.flatnonzero(counts_per_column > done)
            idx = rng.integers(0, n_rep, size=(b, n_rep))
            idx += offsets[:b]
            counts = np.bincount(idx.ravel(), minlength=b * n_rep).reshape(b, n_rep)
            rows = np.r_[np.arange(n_masks), n_masks + cols, n_masks + k + cols]
            sums = weights[rows] @ counts.T.astype(float)
            star_n = sums[:n_masks][mask_of[cols]]
            t_star = _studentised(star_n, sums[n_masks:], se[cols, None])
            short = counts_per_column[cols] < done + b
            if short.any():  # columns whose own resamples end inside this block
                used = np.arange(b)[None, :] < (counts_per_column[cols] - done)[:, None]
                t_star = np.where(used, t_star, -np.inf)
            exceed[cols] += (t_star >= t_obs[cols, None]).sum(axis=1)
            merged = np.concatenate([top[cols], t_star], axis=1)
            top[cols] = -np.partition(-merged, keep - 1, axis=1)[:, :keep]
            done += b
    top = -np.sort(-top, axis=1)
    return CellTests(n.astype(np.int64), mean, sd, se, exact_zero, exceed, top.T, counts_per_column)


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


def interval_and_p(
    tests: CellTests, m: Sequence[int] | np.ndarray, alpha: float
) -> dict[str, np.ndarray]:
    """Per column, for a family of ``m`` rows at family-wise level ``alpha``: ``ci_low``,
    ``ci_high`` (level ``1 - alpha/m``), ``ci_level``, ``p_value`` and ``p_adjusted``
    (``min(1, m p)``), coherent by construction (see the module docstring)."""
    m = np.broadcast_to(np.asarray(m, dtype=np.int64), tests.mean.shape)
    k = len(tests.mean)
    low, high = np.empty(k), np.empty(k)
    p, p_adj = np.empty(k), np.empty(k)
    for j in range(k):
        n, mean, se = int(tests.n[j]), float(tests.mean[j]), float(tests.se[j])
        b = int(tests.resamples[j])
        kmax = critical_count(alpha, int(m[j]), b)
        if n < 2:
            low[j], high[j], p[j], p_adj[j] = -np.inf, np.inf, 1.0, 1.0
            continue
        if se == 0:  # constant differences: the mean is known exactly
            low[j] = high[j] = mean
            p[j] = p_adj[j] = 1.0 if mean == 0 else 0.0
            continue
        c = int(tests.exceed[j])
        p[j] = (1 + c) / (b + 1)
        p_adj[j] = min(1.0, int(m[j]) * (1 + c) / (b + 1))
        if kmax < 0 or kmax >= tests.top.shape[0]:
            q = np.inf
        else:
            q = float(tests.top[kmax, j])
        lo, hi = mean - q * se, mean + q * se
        reject = c <= kmax
        if reject and not (lo > 0 or hi < 0):  # ties at the last bit: the test decides
            lo, hi = (np.nextafter(0.0, 1.0), hi) if mean > 0 else (lo, np.nextafter(0.0, -1.0))
        elif not reject and (lo > 0 or hi < 0):
            lo, hi = (0.0, hi) if mean > 0 else (lo, 0.0)
        low[j], high[j] = lo, hi
    level = 1.0 - alpha / m.astype(float)
    return {"ci_low": low, "ci_high": high, "ci_level": level, "p_value": p, "p_adjusted": p_adj}


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
