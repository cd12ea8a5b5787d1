"""The verdicts a tested row can have, and the one a row without data has.

A row is read off its interval (:func:`bargainlab.analysis.inference.verdicts`): ``helps``,
``hurts``, ``negligible`` or ``undetermined``. A row with no paired replicates at all (the
``survivors`` window of a cell where no relationship survived round 1 in both arms) has no
estimate and so no interval: its verdict is ``no pairs`` and its interval is empty (blank in
``summary/``), never an interval of the whole utility range that would read as a result.
"""

from __future__ import annotations

import numpy as np

__all__ = ["DECIDED", "NO_PAIRS", "VERDICTS", "no_pairs"]

NO_PAIRS = "no pairs"
"""The verdict of a row without a single paired replicate."""

VERDICTS = ("helps", "hurts", "negligible", "undetermined", NO_PAIRS)
"""Every verdict, in the order reports count them."""

DECIDED = ("helps", "hurts", "negligible")
"""The verdicts that decide a row."""


def no_pairs(
    n: np.ndarray, verdict: np.ndarray, ci_low: np.ndarray, ci_high: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``verdict``, ``ci_low`` and ``ci_high`` with every row of ``n == 0`` set to
    :data:`NO_PAIRS` and an empty (NaN) interval; the other rows unchanged."""
    none = np.asarray(n) == 0
    verdict = np.where(none, NO_PAIRS, np.asarray(verdict, dtype=object)).astype(object)
    low = np.where(none, np.nan, np.asarray(ci_low, dtype=float))
    high = np.where(none, np.nan, np.asarray(ci_high, dtype=float))
    return verdict, low, high
