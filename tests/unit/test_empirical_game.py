"""Empirical games (bargainlab.analysis.empirical_game, .bimatrix): games with known equilibria,
regrets, the value of an option known by construction, and bootstrap coverage."""

from __future__ import annotations

import nashpy
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from bargainlab.analysis import empirical_game as eg
from bargainlab.analysis.bimatrix import plot_game, solve


def exact_game(a, b, *, replicates=40, sd=0.3, seed=0, outcomes=None, labels=None):
    """Replicates whose means are exactly ``a`` and ``b`` (centred noise), with labels."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    rng = np.random.default_rng(seed)

    def spread(m):
        noise = rng.normal(0.0, sd, size=(*m.shape, replicates))
        return m[..., None] + noise - noise.mean(axis=-1, keepdims=True)

    s, d = a.shape
    supplier_labels, dealer_labels = labels or (
        [f"s{i}" for i in range(s)],
        [f"d{j}" for j in range(d)],
    )
    extra = {k: spread(np.asarray(v, dtype=float)) for k, v in (outcomes or {}).items()}
    return eg.empirical_game(
        spread(a), spread(b), supplier_labels=supplier_labels, dealer_labels=dealer_labels,
        outcomes=extra,
    )  # fmt: skip


def probabilities(table, side, labels):
    """The equilibria's probability columns of one side as an array [equilibrium, strategy]."""
    return table[[f"{side}:{s}" for s in labels]].to_numpy()


# ---- games with known equilibria --------------------------------------------------------------
def test_matching_pennies_has_one_mixed_equilibrium():
    game = exact_game([[1, -1], [-1, 1]], [[-1, 1], [1, -1]])
    eq = eg.equilibria(game)
    assert not eq.degenerate and eq.reasons == ()
    assert len(eq.table) == 1 and not eq.table["pure"].any()
    np.testing.assert_allclose(probabilities(eq.table, "supplier", ["s0", "s1"]), [[0.5, 0.5]])
    np.testing.assert_allclose(probabilities(eq.table, "dealer", ["d0", "d1"]), [[0.5, 0.5]])
    np.testing.assert_allclose(eq.table[["supplier_payoff", "dealer_payoff"]], [[0, 0]], atol=1e-12)


def test_prisoners_dilemma_defection_and_its_regrets():
    # rows/columns: cooperate, defect. Defect dominates for both: (D, D) is the only equilibrium.
    labels = (["cooperate", "defect"], ["cooperate", "defect"])
    game = exact_game([[3, 0], [5, 1]], [[3, 5], [0, 1]], labels=labels)
    eq = eg.equilibria(game)
    assert len(eq.table) == 1 and bool(eq.table["pure"].iloc[0]) and not eq.degenerate
    assert eq.table.loc[0, "supplier:defect"] == 1.0 and eq.table.loc[0, "dealer:defect"] == 1.0
    reg = eg.regrets(game, rng=np.random.default_rng(1), resamples=200).set_index(
        ["supplier", "dealer"]
    )
    # deviation gains: (C,C): 5 - 3 each; (C,D): supplier 1 - 0, dealer 0; (D,C): 0, 1 - 0
    expected = {
        ("cooperate", "cooperate"): (2, 2),
        ("cooperate", "defect"): (1, 0),
        ("defect", "cooperate"): (0, 1),
        ("defect", "defect"): (0, 0),
    }
    for profile, (s, d) in expected.items():
        assert reg.loc[profile, "supplier_regret"] == pytest.approx(s, abs=1e-12)
        assert reg.loc[profile, "dealer_regret"] == pytest.approx(d, abs=1e-12)
    assert reg["equilibrium"].tolist() == [False, False, False, True]
    assert reg.loc[("defect", "defect"), "regret"] == 0.0


def test_coordination_game_has_three_equilibria():
    # A = B = [[2, 0], [0, 1]]: (0, 0), (1, 1), and both mixing 1/3, 2/3 (2y = 1 - y), worth 2/3
    game = exact_game([[2, 0], [0, 1]], [[2, 0], [0, 1]])
    eq = eg.equilibria(game)
    assert len(eq.table) == 3 and not eq.degenerate
    assert eq.table["pure"].tolist() == [True, True, False]
    np.testing.assert_allclose(
        probabilities(eq.table, "supplier", ["s0", "s1"]), [[1, 0], [0, 1], [1 / 3, 2 / 3]]
    )
    np.testing.assert_allclose(eq.table["supplier_payoff"], [2, 1, 2 / 3])
    np.testing.assert_allclose(eq.table["dealer_payoff"], [2, 1, 2 / 3])


def test_a_degenerate_game_is_said_to_be():
    # Against s0 the dealer is indifferent between d0 and d1: a continuum of equilibria
    # (s0, y) with y(d0) >= 1/2 next to the pure (s1, d1).
    game = exact_game([[1, 1], [0, 2]], [[1, 1], [0, 2]])
    eq = eg.equilibria(game)
    assert eq.degenerate and eq.table["degenerate"].all()
    assert "a pure strategy has more than one pure best response" in eq.reasons
    pure = eq.table[eq.table["pure"]]
    assert {(r["supplier:s0"], r["dealer:d1"]) for _, r in pure.iterrows()} >= {
        (1.0, 0.0),
        (0.0, 1.0),
    }


def test_degeneracy_checks_and_a_failing_vertex_enumeration_are_said():
    # A = B = [[1, 0], [0, 0]]: (0, 0) and (1, 1) (nobody gains by moving alone from 0): two.
    two = solve(np.array([[1.0, 0.0], [0.0, 0.0]]), np.array([[1.0, 0.0], [0.0, 0.0]]))
    assert len(two.profiles) == 2 and "an even number (2) of equilibria was found" in two.reasons
    # The row player indifferent everywhere: nashpy's vertex enumeration fails on it
    flat = solve(np.zeros((2, 2)), np.array([[1.0, 0.0], [0.0, 1.0]]), thorough=True)
    assert flat.degenerate and len(flat.profiles) >= 2
    assert any(r.startswith("nashpy's vertex enumeration failed") for r in flat.reasons)


def test_solve_finds_what_nashpys_support_enumeration_drops():
    # No pure equilibrium (row best responses: column 0 -> row 1, column 1 -> row 2; column
    # best responses: row 0 -> 0, row 1 -> 1, row 2 -> 0). Rows {1, 2} and columns {0, 1}:
    # the column player is indifferent when 4 = 9 x1 + 3 (1 - x1): x1 = 1/6; the row player
    # when 6 y0 + 7 y1 = 2 y0 + 9 y1: y0 = 1/3; row 0 earns 10/3 < 20/3. The only equilibrium.
    a = np.array([[0.0, 5.0], [6.0, 7.0], [2.0, 9.0]])
    b = np.array([[8.0, 5.0], [4.0, 9.0], [4.0, 3.0]])
    sol = solve(a, b)
    assert len(sol.profiles) == 1 and not sol.degenerate
    x, y = sol.profiles[0]
    np.testing.assert_allclose(x, [0, 1 / 6, 5 / 6], atol=1e-12)
    np.testing.assert_allclose(y, [1 / 3, 2 / 3], atol=1e-12)
    # the reason for the fallback: nashpy 0.0.43's support enumeration returns nothing here
    with pytest.warns(RuntimeWarning, match="even number"):
        assert len(list(nashpy.Game(a, b).support_enumeration())) == 0


@pytest.mark.parametrize("seed", range(16))
def test_regret_is_zero_exactly_at_the_pure_equilibria(seed):
    rng = np.random.default_rng(seed)
    game = exact_game(rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), seed=seed)
    eq = eg.equilibria(game).table
    pure = {
        (row.idxmax(), col.idxmax())
        for (_, row), (_, col) in zip(
            eq.loc[eq["pure"], [c for c in eq if c.startswith("supplier:")]].iterrows(),
            eq.loc[eq["pure"], [c for c in eq if c.startswith("dealer:")]].iterrows(),
            strict=True,
        )
    }
    reg = eg.regrets(game, rng=rng, resamples=20)
    zero = {(f"supplier:{s}", f"dealer:{d}") for s, d, r in reg[["supplier", "dealer", "regret"]].itertuples(index=False) if r == 0}  # fmt: skip
    assert zero == pure
    assert (reg["regret"] >= 0).all() and reg["equilibrium"].tolist() == (
        reg["regret"] == 0
    ).tolist()


# ---- the value of an option -------------------------------------------------------------------
def test_option_value_known_by_construction():
    # The dealer's d0 dominates (2 > 0 in every row). Against d0 the supplier earns 3 with the
    # option's strategy and 1 without it, so the option is worth 3 - 1 = 2 in its only
    # equilibrium, best and worst alike; in the later rounds 5 - 2 = 3.
    game = exact_game(
        [[3, 0], [1, 0]], [[2, 0], [2, 0]], labels=(["option", "base"], ["d0", "d1"]),
        outcomes={"supplier_later": [[5, 0], [2, 0]]},
    )  # fmt: skip
    rng = np.random.default_rng(3)
    out = eg.option_value(game, ["option"], rng=rng, resamples=300).set_index("equilibrium")
    assert out.loc["best", "estimate"] == pytest.approx(2.0) == out.loc["worst", "estimate"]
    assert out.loc["best", "ci_low"] <= 2.0 <= out.loc["best", "ci_high"]
    later = eg.option_value(game, ["option"], rng=rng, measure="supplier_later", resamples=300)
    assert later["estimate"].to_numpy() == pytest.approx([3.0, 3.0])
    assert later["with_option"].to_numpy() == pytest.approx([5.0, 5.0])
    assert (later["dropped"] == 0).all() and (later["degenerate_share"] == 0).all()


def test_option_value_differs_between_best_and_worst_equilibria():
    # Coordination A = B = [[2, 0], [0, 1]] with s0 the option. With it: equilibria worth 2, 1
    # and 2/3 to the supplier; without it the dealer answers s1 with d1: 1. Best 2 - 1 = 1,
    # worst 2/3 - 1 = -1/3.
    game = exact_game([[2, 0], [0, 1]], [[2, 0], [0, 1]], sd=0.05)
    out = eg.option_value(game, ["s0"], rng=np.random.default_rng(4), resamples=200)
    assert out["estimate"].to_numpy() == pytest.approx([1.0, -1.0 / 3.0])
    assert (out["ci_low"] <= out["estimate"]).all() and (out["estimate"] <= out["ci_high"]).all()


def test_paired_resampling_keeps_profile_differences_fixed():
    # Every profile is the same replicate draw plus a constant: within any resample the
    # differences between profiles, hence the regrets, are those constants.
    rng = np.random.default_rng(5)
    common = rng.normal(size=50)
    offset_s, offset_d = np.array([[0.0, 1.0], [0.5, 0.2]]), np.array([[0.3, 0.0], [0.1, 0.4]])
    game = eg.empirical_game(
        offset_s[..., None] + common, offset_d[..., None] + common,
        supplier_labels=["a", "b"], dealer_labels=["x", "y"],
    )  # fmt: skip
    reg = eg.regrets(game, rng=rng, resamples=100)
    for side in ("supplier", "dealer"):
        np.testing.assert_allclose(reg[f"{side}_regret_ci_low"], reg[f"{side}_regret"], atol=1e-12)
        np.testing.assert_allclose(reg[f"{side}_regret_ci_high"], reg[f"{side}_regret"], atol=1e-12)


def test_bootstrap_intervals_cover_the_true_mean():
    # 95% percentile intervals of 2 x 2 means from 100 normal replicates, 300 data sets:
    # 1,200 intervals. Expected coverage about 0.945 (the percentile interval runs a little
    # short at n = 100); the binomial sd of the estimate is 0.0066, so 0.92-0.97 is about
    # four of them either side.
    rng = np.random.default_rng(6)
    truth = np.array([[0.2, 0.5], [0.7, 0.1]])
    hits = []
    for _ in range(300):
        data = truth[..., None] + rng.normal(0.0, 1.0, size=(2, 2, 100))
        game = eg.empirical_game(data, data, supplier_labels=["a", "b"], dealer_labels=["x", "y"])
        table = eg.payoff_table(game, rng=rng, resamples=400)
        low, high = table["supplier_payoff_ci_low"], table["supplier_payoff_ci_high"]
        hits.extend((low <= truth.ravel()) & (truth.ravel() <= high))
    assert 0.92 <= np.mean(hits) <= 0.97


# ---- tables, determinism, validation, the figure ----------------------------------------------
def test_analyse_shares_one_draw_and_is_reproducible():
    game = exact_game([[2, 0], [0, 1]], [[2, 0], [0, 1]], outcomes={"later": [[1, 0], [0, 1]]})
    first = eg.analyse(game, rng=np.random.default_rng(7), option=["s0"], resamples=100)
    again = eg.analyse(game, rng=np.random.default_rng(7), option=["s0"], resamples=100)
    pd.testing.assert_frame_equal(first.game, again.game)
    pd.testing.assert_frame_equal(first.option, again.option)
    alone = eg.payoff_table(game, rng=np.random.default_rng(7), resamples=100)
    pd.testing.assert_frame_equal(first.game, alone)
    assert list(first.game.columns) == [
        "supplier", "dealer",
        "supplier_payoff", "supplier_payoff_ci_low", "supplier_payoff_ci_high",
        "dealer_payoff", "dealer_payoff_ci_low", "dealer_payoff_ci_high",
        "later", "later_ci_low", "later_ci_high",
    ]  # fmt: skip
    assert list(first.option.columns[:8]) == [
        "option", "measure", "equilibrium", "with_option", "without_option", "estimate",
        "ci_low", "ci_high",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"supplier": np.zeros((2, 2))}, r"supplier must have shape \(S, D, R\)"),
        ({"supplier": np.zeros((2, 2, 1)), "dealer": np.zeros((2, 2, 1))}, "R >= 2"),
        ({"dealer": np.zeros((2, 3, 4))}, "dealer has shape"),
        ({"dealer": np.full((2, 2, 4), np.nan)}, "dealer must be finite"),
        ({"supplier_labels": ["a", "a"]}, "supplier_labels must be 2 distinct"),
        ({"dealer_labels": ["x"]}, "dealer_labels must be 2 distinct"),
        ({"outcomes": {"dealer": np.zeros((2, 2, 4))}}, "must not be named"),
    ],
)
def test_bad_game_input_names_the_field(change, match):
    kw = dict(
        supplier=np.zeros((2, 2, 4)), dealer=np.zeros((2, 2, 4)), supplier_labels=["a", "b"],
        dealer_labels=["x", "y"],
    )  # fmt: skip
    kw.update(change)
    with pytest.raises(ValueError, match=match):
        eg.empirical_game(kw.pop("supplier"), kw.pop("dealer"), **kw)


def test_bad_analysis_arguments_name_the_field():
    game = exact_game([[2, 0], [0, 1]], [[2, 0], [0, 1]])
    rng = np.random.default_rng(8)
    with pytest.raises(ValueError, match="option must be a non-empty list"):
        eg.option_value(game, ["s0", "s1"], rng=rng, resamples=10)
    with pytest.raises(ValueError, match="option must be a non-empty list"):
        eg.option_value(game, "s0", rng=rng, resamples=10)
    with pytest.raises(ValueError, match="measure must be one of"):
        eg.analyse(game, rng=rng, option=["s0"], measure="nope", resamples=10)
    with pytest.raises(ValueError, match="resamples must be a positive integer"):
        eg.payoff_table(game, rng=rng, resamples=0)
    with pytest.raises(ValueError, match=r"level must lie in \(0, 1\)"):
        eg.regrets(game, rng=rng, resamples=10, level=1.0)


def test_degenerate_resamples_are_counted():
    # Two supplier strategies with the same payoffs in every replicate: every resample's game
    # has a pure strategy with two best responses.
    rng = np.random.default_rng(9)
    supplier = rng.normal(size=(3, 2, 30)) + np.array([[1, 0], [1, 0], [0, 2]])[..., None]
    dealer = rng.normal(size=(3, 2, 30)) + np.array([[2, 0], [2, 0], [0, 1]])[..., None]
    supplier[1], dealer[1] = supplier[0], dealer[0]
    game = eg.empirical_game(
        supplier, dealer, supplier_labels=["a", "b", "c"], dealer_labels=["x", "y"]
    )
    assert eg.equilibria(game).degenerate
    out = eg.option_value(game, ["c"], rng=rng, resamples=20)
    assert (out["degenerate_share"] == 1.0).all()


def test_plot_game_marks_the_equilibria():
    game = exact_game([[2, 0], [0, 1]], [[2, 0], [0, 1]])
    result = eg.analyse(game, rng=np.random.default_rng(10), resamples=50)
    fig = plot_game(result.game, result.equilibria.table)
    assert isinstance(fig, Figure)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts.count("E1 E3") == 1 and texts.count("E2 E3") == 1 and texts.count("E3") == 2
    assert "E3: supplier s0 0.33, s1 0.67" in fig.axes[0].get_xlabel()
    own = Figure()
    ax = own.add_subplot()
    assert plot_game(result.game, result.equilibria.table, ax=ax) is own
