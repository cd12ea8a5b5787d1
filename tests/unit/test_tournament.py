"""Tests for bargainlab.analysis.tournament: replicator dynamics, Moran fixation, payoff estimation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pydantic import ValidationError

from bargainlab.analysis.tournament import (
    TournamentSpec,
    moran_fixation,
    payoff_matrices,
    replicator,
    run_tournament,
    starting_mixes,
    tournaments,
)

AXIS = "strategies.dealer.params.kind"

# --------------------------------------------------------------------------- replicator


def test_strictly_dominant_strategies_take_over_both_populations():
    # focal row 0 beats rows 1, 2 against every column; opponent column 2 beats the others
    a = np.array([[3.0, 2.5, 2.0], [2.0, 1.5, 1.0], [1.0, 1.0, 0.5]])
    b = np.array([[0.2, 0.3, 1.0], [0.1, 0.5, 0.9], [0.0, 0.2, 0.6]])
    xs, ys = replicator(a, b, [0.05, 0.5, 0.45], [0.45, 0.5, 0.05], 600, 0.01)
    assert xs[-1] == pytest.approx([1, 0, 0], abs=1e-6)
    assert ys[-1] == pytest.approx([0, 0, 1], abs=1e-6)
    assert np.all(np.diff(xs[:, 0]) >= 0) and np.all(np.diff(xs[:10, 0]) > 0)  # it only grows


def test_battle_of_the_sexes_mixed_equilibrium_is_a_saddle():
    # A = [[2,0],[0,1]], B = [[1,0],[0,2]]: mixed equilibrium x* = (2/3, 1/3), y* = (1/3, 2/3)
    a = np.array([[2.0, 0.0], [0.0, 1.0]])
    b = np.array([[1.0, 0.0], [0.0, 2.0]])
    x_star, y_star = np.array([2 / 3, 1 / 3]), np.array([1 / 3, 2 / 3])
    xs, ys = replicator(a, b, x_star, y_star, 200, 0.5)
    assert np.allclose(xs, x_star, atol=1e-12) and np.allclose(ys, y_star, atol=1e-12)
    eps = np.array([0.02, -0.02])
    xs, ys = replicator(a, b, x_star + eps, y_star + eps, 2000, 0.5)
    assert xs[-1] == pytest.approx([1, 0], abs=1e-6) and ys[-1] == pytest.approx([1, 0], abs=1e-6)
    xs, ys = replicator(a, b, x_star - eps, y_star - eps, 2000, 0.5)
    assert xs[-1] == pytest.approx([0, 1], abs=1e-6) and ys[-1] == pytest.approx([0, 1], abs=1e-6)


def test_matching_pennies_spirals_away_from_its_mixed_equilibrium():
    # zero-sum up to a constant: the interior equilibrium (1/2, 1/2) is a fixed point, and the
    # discrete-time dynamics moves away from it (KL divergence to it never decreases)
    a = np.array([[2.0, 0.0], [0.0, 2.0]])
    b = np.array([[0.0, 2.0], [2.0, 0.0]])
    half = np.array([0.5, 0.5])
    xs, ys = replicator(a, b, half, half, 50, 0.1)
    assert np.allclose(xs, half) and np.allclose(ys, half)
    xs, ys = replicator(a, b, [0.55, 0.45], half, 300, 0.1)

    def kl(p: np.ndarray) -> np.ndarray:
        return (0.5 * np.log(0.5 / p)).sum(axis=-1)

    distance = kl(xs) + kl(ys)
    assert np.all(np.diff(distance) >= -1e-12) and distance[-1] > 10 * distance[0]
    assert 0.35 < xs[:100, 0].mean() < 0.65  # it cycles around (1/2, 1/2) rather than settling


def test_baseline_and_negative_payoffs_keep_fitness_positive():
    a = np.array([[-1.0, -2.0], [-3.0, -4.0]])
    xs, _ = replicator(a, a, [0.5, 0.5], [0.5, 0.5], 100, 0.01)
    assert np.isfinite(xs).all() and xs[-1, 0] > 0.99
    with pytest.raises(ValueError, match="baseline_fitness"):
        replicator(a, a, [0.5, 0.5], [0.5, 0.5], 10, 0.0)
    with pytest.raises(ValueError, match="sum to 1"):
        replicator(a, a, [0.5, 0.6], [0.5, 0.5], 10, 0.1)
    with pytest.raises(ValueError, match="finite"):
        replicator(a * np.nan, a, [0.5, 0.5], [0.5, 0.5], 10, 0.1)


def test_batches_broadcast_and_final_only():
    rng = np.random.default_rng(1)
    a, b = rng.uniform(0, 1, (5, 3, 2)), rng.uniform(0, 1, (5, 3, 2))
    x0, y0 = np.full(3, 1 / 3), np.array([0.2, 0.8])
    xs, ys = replicator(a, b, x0, y0, 40, 0.05)
    xf, yf = replicator(a, b, x0, y0, 40, 0.05, path=False)
    assert xs.shape == (41, 5, 3) and ys.shape == (41, 5, 2)
    assert np.array_equal(xs[-1], xf) and np.array_equal(ys[-1], yf)
    one, _ = replicator(a[3], b[3], x0, y0, 40, 0.05)
    assert np.allclose(one, xs[:, 3])


simplex_matrix = arrays(np.float64, (3, 4), elements=st.floats(-5, 5, allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(
    a=simplex_matrix,
    b=simplex_matrix,
    baseline=st.floats(1e-6, 10),
    gens=st.integers(0, 80),
    w=arrays(np.float64, 7, elements=st.floats(0, 1)),
)
def test_shares_stay_on_the_simplex(a, b, baseline, gens, w):
    x0 = np.append(w[:2], 0.0) + 1e-3
    x0 = x0 / x0.sum()
    x0[2] = 0.0  # an extinct strategy stays extinct
    x0 = x0 / x0.sum()
    y0 = w[3:] + 1e-3
    y0 = y0 / y0.sum()
    xs, ys = replicator(a, b, x0, y0, gens, baseline)
    for shares in (xs, ys):
        assert np.isfinite(shares).all()
        assert (shares >= 0).all()
        assert np.allclose(shares.sum(axis=-1), 1.0, atol=1e-12)
    assert (xs[:, 2] == 0).all()


# --------------------------------------------------------------------------- Moran


@pytest.mark.parametrize("n", [2, 10, 100, 10_000])
def test_moran_neutral_is_one_over_n(n):
    assert moran_fixation(1.7, 1.7, n) == pytest.approx(1 / n, rel=1e-12)


@pytest.mark.parametrize(("r", "n"), [(1.1, 10), (0.9, 10), (2.0, 50), (1.01, 1000)])
def test_moran_constant_fitness_closed_form(r, n):
    expected = (1 - 1 / r) / (1 - 1 / r**n)
    assert moran_fixation(r, 1.0, n) == pytest.approx(expected, rel=1e-10)
    assert moran_fixation(np.full(n - 1, r), np.ones(n - 1), n) == pytest.approx(
        expected, rel=1e-10
    )


def test_moran_extremes_and_errors():
    assert moran_fixation(1.0, 50.0, 1_000_000) == pytest.approx(0.0, abs=1e-300)  # no overflow
    assert moran_fixation(50.0, 1.0, 1_000_000) == pytest.approx(1 - 1 / 50, rel=1e-12)
    # frequency dependence: fitter only when common -> lower than constant-advantage case
    n = 20
    j = np.arange(1, n)
    varying = moran_fixation(1 + 0.2 * j / n, np.ones(n - 1), n)
    assert 1 / n < varying < moran_fixation(1.2, 1.0, n)
    with pytest.raises(ValueError):
        moran_fixation(0.0, 1.0, 10)
    with pytest.raises(ValueError):
        moran_fixation(1.0, 1.0, 1)


# --------------------------------------------------------------------------- specs and starts


def test_spec_is_strict():
    spec = TournamentSpec(opponent_axis=AXIS)
    assert spec.generations == 500 and spec.starts == ["uniform", "rare", "vertices"]
    with pytest.raises(ValidationError):
        TournamentSpec(opponent_axis=AXIS, unknown=1)
    with pytest.raises(ValidationError):
        TournamentSpec(opponent_axis=AXIS, rare_share=1.0)
    with pytest.raises(ValidationError):
        TournamentSpec(opponent_axis=AXIS, baseline_fitness=0.0)
    with pytest.raises(ValidationError):
        TournamentSpec(opponent_axis=AXIS, starts=["everything"])


def test_starting_mixes():
    spec = TournamentSpec(opponent_axis=AXIS, rare_share=0.05)
    starts = starting_mixes(["fs", "cap", "hold"], ["bayesian", "naive"], spec)
    labels = [s.label for s in starts]
    assert labels == [
        "uniform",
        "rare fs",
        "rare cap",
        "rare hold",
        "rare opponent bayesian",
        "rare opponent naive",
        "vs bayesian",
        "vs naive",
    ]
    for s in starts:
        assert s.focal.sum() == pytest.approx(1) and s.opponent.sum() == pytest.approx(1)
    assert starts[1].focal == pytest.approx([0.05, 0.475, 0.475])
    assert starts[-1].opponent == pytest.approx([0, 1]) and starts[-1].focal[0] == pytest.approx(
        0.05
    )
    single = starting_mixes(
        ["fs"], ["bayesian"], TournamentSpec(opponent_axis=AXIS, starts=["rare"])
    )
    assert single == []


# --------------------------------------------------------------------------- from a replicates table


def tournament_rounds(
    focal_totals: dict[tuple[str, str], float],
    n: int = 20,
    rounds: int = 2,
    rho: tuple[float, ...] = (0.5,),
) -> pd.DataFrame:
    """The columns of a replicates table the tournament reads: the supplier's total utility in
    cell (arm, kind) is the given value (+-0.02 per replicate noise shared by the arms), the
    dealer gets ``rounds`` minus it; the switched-off variant must be ignored."""
    rng = np.random.default_rng(3)
    kinds = list(dict.fromkeys(k for _, k in focal_totals))
    arms = list(dict.fromkeys(a for a, _ in focal_totals))
    rows, cell = [], 0
    for r_value in rho:
        for kind in kinds:
            noise = rng.uniform(-0.02, 0.02, n)
            for channels in ("all", "no_information"):
                for arm in arms:
                    for rep in range(n):
                        total = focal_totals[(arm, kind)] + noise[rep]
                        rows.append(
                            {
                                "cell": cell,
                                "rounds.rho": r_value,
                                AXIS: kind,
                                "channels": channels,
                                "arm": arm,
                                "replicate": rep,
                                "total_focal": total if channels == "all" else 0.0,
                                "total_opponent": rounds - total if channels == "all" else 0.0,
                            }
                        )
            cell += 1
    return pd.DataFrame(rows)


def totals(fs: tuple[float, float], cap: tuple[float, float]) -> dict[tuple[str, str], float]:
    """The supplier's totals of arms fs and cap against the bayesian and the naive dealer."""
    return {
        ("fs", "bayesian"): fs[0],
        ("fs", "naive"): fs[1],
        ("cap", "bayesian"): cap[0],
        ("cap", "naive"): cap[1],
    }


def matrices(rounds: pd.DataFrame, spec: TournamentSpec, **overrides) -> list:
    """payoff_matrices of arms fs and cap over rho and the dealer's kind, seed 5 (each
    keyword overrides one of these)."""
    kwargs = {"arms": ["fs", "cap"], "axes": ["rounds.rho", AXIS], "spec": spec, "seed": 5}
    return payoff_matrices(rounds, **{**kwargs, **overrides})


def test_payoff_matrices_estimate_the_totals():
    rounds = tournament_rounds(totals((1.2, 0.8), (1.0, 0.9)), rho=(0.0, 0.5))
    spec = TournamentSpec(opponent_axis=AXIS, resamples=300)
    mats = matrices(rounds, spec)
    assert [m.context for m in mats] == [{"rounds.rho": 0.0}, {"rounds.rho": 0.5}]
    m = mats[1]
    assert m.opponents == ("bayesian", "naive") and m.cells == (2, 3) and m.n == (20, 20)
    assert m.focal == pytest.approx(np.array([[1.2, 0.8], [1.0, 0.9]]), abs=0.011)
    assert m.opponent == pytest.approx(2 - m.focal, abs=1e-12)  # only channels "all" counts
    low, high = np.quantile(m.focal_boot, [0.025, 0.975], axis=0)
    assert (low <= m.focal).all() and (m.focal <= high).all() and (high - low < 0.02).all()
    again = matrices(rounds, spec)
    assert np.array_equal(again[1].focal_boot, m.focal_boot)
    with pytest.raises(ValueError, match="not a sweep axis"):
        matrices(rounds, spec, axes=["rounds.rho"])
    with pytest.raises(ValueError, match="must all be present"):
        matrices(rounds, spec, arms=["fs", "holdout"])


def test_treatment_spreads_only_against_opponents_it_beats():
    # fs earns more than cap against bayesian, less against naive; dealers prefer naive
    rounds = tournament_rounds(totals((1.4, 0.6), (1.0, 1.0)))
    spec = TournamentSpec(opponent_axis=AXIS, generations=300, resamples=200, population_size=30)
    (res,) = tournaments(
        rounds,
        arms=["fs", "cap"],
        axes=["rounds.rho", AXIS],
        spec=spec,
        seed=1,
    )
    mix = res.mixes[
        (res.mixes["population"] == "focal") & (res.mixes["strategy"] == "fs")
    ].set_index("start")
    assert bool(mix.loc["vs bayesian", "spreads"]) and mix.loc["vs bayesian", "share_final"] > 0.99
    assert not bool(mix.loc["vs naive", "spreads"]) and mix.loc["vs naive", "share_final"] < 0.01
    assert mix.loc["vs bayesian", "support"] == 1.0 and mix.loc["vs naive", "support"] == 0.0
    # from a uniform start the dealers drift to naive (B is higher there), and fs then loses
    assert not bool(mix.loc["uniform", "spreads"])
    assert np.allclose(res.focal_path.sum(axis=-1), 1.0) and np.isfinite(res.opponent_path).all()
    fix = res.fixation.set_index("against")
    assert fix.loc["vs bayesian", "probability"] > 1 / 30 > fix.loc["vs naive", "probability"]
    assert fix["neutral"].eq(1 / 30).all()


def test_run_tournament_is_deterministic():
    rounds = tournament_rounds(totals((1.1, 0.9), (1.0, 1.0)))
    spec = TournamentSpec(opponent_axis=AXIS, generations=50, resamples=100)
    (a,) = matrices(rounds, spec, seed=9)
    one, two = run_tournament(a, spec), run_tournament(a, spec)
    pd.testing.assert_frame_equal(one.mixes, two.mixes)
    pd.testing.assert_frame_equal(one.payoffs, two.payoffs)


def test_contexts_without_every_opponent_type_are_skipped():
    rounds = tournament_rounds(totals((1.2, 0.8), (1.0, 0.9)), rho=(0.0, 0.5))
    lone = rounds[rounds["cell"] == 0].assign(cell=9, **{"rounds.rho": 0.9})
    rounds = pd.concat([rounds, lone], ignore_index=True)
    spec = TournamentSpec(opponent_axis=AXIS, resamples=100)
    mats = matrices(rounds, spec)
    assert [m.context for m in mats] == [{"rounds.rho": 0.0}, {"rounds.rho": 0.5}]
