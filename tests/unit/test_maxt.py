"""Max-T family-wise intervals: the family's critical value and counts by hand, the limits it
must reach (perfectly correlated rows: one row's test; independent rows: Sidak), coherence of
the intervals with the adjusted p-values, and family-wise coverage on data with known truth."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from bargainlab.analysis.inference import critical_count, paired_bootstrap, row_generator
from bargainlab.analysis.maxt import Family, interval_method, max_t_intervals

ALPHA = 0.05


def family_intervals(
    cells: list[np.ndarray], *, resamples: int, seed: int, guard: int | None, balanced: bool
):
    """The rows of every cell (columns of its ``n x k`` differences) tested as one family,
    the way :func:`bargainlab.analysis.decisions.decide` does (``balanced`` on the 11th largest
    |t*|, guard 10, the defaults' tail): each
    cell bootstrapped from its own stream, the family's maxima the largest over its cells."""
    tested = [
        paired_bootstrap(
            d,
            np.ones(d.shape, dtype=bool),
            resamples=resamples,
            rng=row_generator(seed, "bootstrap", c),
            groups=[0] * d.shape[1],
            guard=guard,
            balance=10 if balanced else None,
        )
        for c, d in enumerate(cells)
    ]
    family = Family(np.max([t.maxima[0] for t in tested], axis=0), ALPHA)

    def joined(name: str) -> np.ndarray:
        return np.concatenate([getattr(t, name) for t in tested])

    result = max_t_intervals(
        family, joined("n"), joined("mean"), joined("se"), joined("t_obs"), joined("scale")
    )
    return family, tested, result


def test_critical_value_and_counts_by_hand():
    family = Family(np.array([5.0, 1.0, 19.0, 2.0, 16.0, 3.0, 17.0, 4.0, 18.0]), 0.25)
    # k = ceil(0.25 * 10) - 2 = 1: the critical value is the second largest maximum
    assert family.resamples == 9 and family.kmax == 1 and family.critical == 18.0
    assert family.reached(np.array([18.0, 18.5, 0.0, 20.0])).tolist() == [2, 1, 9, 0]
    assert Family(np.arange(5.0), 0.05).critical == np.inf  # too few resamples to reject


@pytest.mark.parametrize("balanced", [False, True])
def test_identical_rows_get_one_rows_test(balanced):
    """Perfectly correlated rows: the largest |t*| is any row's, so the family's interval is a
    single row's unadjusted one (Bonferroni would pay for four)."""
    d = np.random.default_rng(3).standard_t(3, size=(80, 1)) + 0.2
    family, _, result = family_intervals(
        [np.repeat(d, 4, axis=1)], resamples=1999, seed=5, guard=10, balanced=balanced
    )
    own = paired_bootstrap(
        d, np.ones(d.shape, bool), resamples=1999, rng=row_generator(5, "bootstrap", 0), keep=99
    )
    k = critical_count(ALPHA, 1, 1999)
    far = own.top[10, 0] if balanced else 1.0  # the row's scale
    assert family.critical == own.top[k, 0] / far
    assert np.allclose(result["ci_low"], own.mean[0] - own.top[k, 0] * own.se[0])
    bonferroni = own.top[critical_count(ALPHA, 4, 1999), 0]
    assert bonferroni > own.top[k, 0]


def test_independent_rows_reach_sidak():
    """Independent normal rows in separate cells: the critical value is Sidak's normal one."""
    rng = np.random.default_rng(11)
    cells = [rng.normal(size=(400, 1)) for _ in range(10)]
    family, _, _ = family_intervals(cells, resamples=4999, seed=2, guard=None, balanced=False)
    sidak = stats.norm.ppf(1 - (1 - (1 - ALPHA) ** (1 / 10)) / 2)
    single = stats.norm.ppf(1 - ALPHA / 2)
    assert abs(family.critical - sidak) < 0.15 and family.critical > single + 0.5


@pytest.mark.parametrize("balanced", [False, True])
def test_intervals_agree_with_adjusted_p_values(balanced):
    rng = np.random.default_rng(7)
    shifts = np.array([0.0, 0.05, 0.1, 0.2, -0.15, 0.3])
    cells = [rng.exponential(size=(60, 6)) - 1 + shifts * (1 + c) for c in range(3)]
    _, tested, result = family_intervals(cells, resamples=1999, seed=4, guard=10, balanced=balanced)
    excludes = (result["ci_low"] > 0) | (result["ci_high"] < 0)
    assert (excludes == (result["p_adjusted"] < ALPHA)).all()
    assert 0 < excludes.sum() < excludes.size
    own_p = (1 + np.concatenate([t.exceed for t in tested])) / 2000
    assert (result["p_adjusted"] >= own_p).all()


def test_interval_method_is_read_off_the_level():
    assert interval_method(16, 1 - 0.05 / 16, 0.05) == "Bonferroni"
    assert interval_method(16, 0.95, 0.05) == "max-T"
    assert interval_method(1, 0.95, 0.05) == "unadjusted"


def _known_truth(rng: np.random.Generator, n: int) -> tuple[list[np.ndarray], np.ndarray]:
    """Three cells of four correlated rows each (like a study's windows) with known means:
    zero-inflated, right-skewed differences within [-1, 1] as utilities' are (a shared and an
    own jump, each non-zero with probability 0.3 and Beta(1, 3) in size), centred exactly."""
    p, jump_mean = 0.3, 0.25
    truth = np.array([0.0, 0.02, -0.05, 0.1])
    cells = []
    for c in range(3):
        shared = rng.binomial(1, p, (n, 1)) * rng.beta(1, 3, (n, 1)) - p * jump_mean
        own = rng.binomial(1, p, (n, 4)) * rng.beta(1, 3, (n, 4)) - p * jump_mean
        cells.append(truth * (1 + c) + 0.7 * shared + 0.5 * own)
    return cells, np.concatenate([truth * (1 + c) for c in range(3)])


@pytest.mark.slow
@pytest.mark.parametrize("n", [50, 200])
def test_family_wise_coverage_on_known_truth(n):
    """Every interval of the family covers its true mean together in at least 95% of
    simulated studies, within two Monte Carlo standard errors, with the balanced, guarded
    max-T the studies use (about 40 s both)."""
    rng = np.random.default_rng(99 + n)
    studies, covered = 300, 0
    for s in range(studies):
        cells, truth = _known_truth(rng, n)
        _, _, result = family_intervals(cells, resamples=999, seed=s, guard=10, balanced=True)
        covered += bool(((result["ci_low"] <= truth) & (truth <= result["ci_high"])).all())
    coverage = covered / studies
    mc_error = np.sqrt(0.95 * 0.05 / studies)
    assert coverage >= 0.95 - 2 * mc_error, coverage
