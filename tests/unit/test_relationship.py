"""Repeated relationships: ratchet, pre-registered nulls, information discipline, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bargainlab.analysis.derive import replicates_from_rounds
from bargainlab.analysis.effects import effect_rows
from bargainlab.analysis.inference import interval_and_p, paired_bootstrap, row_generator
from bargainlab.beliefs.grid import Belief
from bargainlab.beliefs.priors import grid_points, prior_mass
from bargainlab.config.schema import Uniform
from bargainlab.engine.negotiation import Game, negotiate
from bargainlab.engine.parties import PartyBatch
from bargainlab.engine.terms import Issue
from bargainlab.engine.views import Carried, InformationError, OfferHistory
from bargainlab.experiments.translate import simulate
from bargainlab.relationships.table import COLUMNS, REPORTED, ROUNDS_SCHEMA
from bargainlab.strategies import Strategy, create
from bargainlab.strategies.learner import optimal_demand
from studies import keys_for, study


def run(spec, n=None, seed=11):
    n = n or spec.replicates
    rounds, _ = simulate(spec, keys_for(n, seed), np.arange(n))
    return rounds


def effect(rounds, treatment, control, party="supplier"):
    """The paired later-round effect (rounds 2..R) with its unadjusted 95% interval."""
    other = next(p for p in rounds["party"].unique() if p != party)
    table = replicates_from_rounds(rounds.assign(cell=0), party, other)
    (row,) = [r for r in effect_rows(table, [(treatment, control)]) if r.key["window"] == "later"]
    tests = paired_bootstrap(
        row.diffs[:, None], row.members[:, None], resamples=999, rng=row_generator(1), keep=60
    )
    result = interval_and_p(tests, 1, 0.05)
    return {
        "mean_diff": tests.mean[0],
        "sd_diff": tests.sd[0],
        **{k: result[k][0] for k in ("ci_low", "ci_high", "p_value")},
    }


# ---- the data contract -----------------------------------------------------------------
def test_rounds_table_has_documented_columns_and_no_nan():
    rounds = run(study())
    for col in [c for c in COLUMNS if c != "cell"]:
        assert col in rounds.columns, col
    numeric = rounds.select_dtypes("number")
    assert not numeric.isna().any().any()
    assert rounds["utility"].between(0, 1).all()
    # one row per arm x replicate x round x party
    assert len(rounds) == 2 * 64 * 4 * 2
    assert not rounds.duplicated(["channels", "arm", "replicate", "round", "party"]).any()


def test_terms_stay_in_the_domain_and_reservation_values_in_units():
    rounds = run(study())
    assert rounds["terms"].between(1.0, 2.0).all()
    assert rounds["reservation_value"].between(0, 1).all()


# ---- a computable ratchet ---------------------------------------------------------------
def test_ratchet_capitulator_is_held_to_its_bottom_line_after_revealing_it():
    """With rho = 1 a capitulator that offered its bottom line in round 1 faces, in round 2,
    a correct-Bayesian demand that leaves it its bottom line up to the width of the posterior;
    with rho = 0 the same dealer goes back to the prior-optimal demand, which leaves it more
    on average. (The ratchet effect, emerging from beliefs alone.)"""
    spec = study(
        **{
            "rounds__count": 2,
            "arms__strategies": {"capitulator": {"name": "capitulator"}},
            "arms__treatment_rounds": "all",
            "arms__continuation": None,
            "parties__dealer__reservation_value": 0.3,
            "strategies__dealer__params": {"kind": "bayesian", "e": 0.2},
            "parties__dealer__outside_option": 0.5,
            "condition": None,
        }
    )
    r1 = run(spec, n=200)
    sup = r1[r1.party == "supplier"].pivot(
        index="replicate", columns="round", values=["utility", "reservation_value"]
    )
    dealer = r1[r1.party == "dealer"].set_index(["replicate", "round"])
    # replicates where round 1 revealed the bottom line: the dealer's belief is tight
    revealed = dealer.xs(1, level="round")["belief_sd"] < 0.05
    assert revealed.sum() > 20
    gap = sup[("utility", 2)] - sup[("reservation_value", 2)]
    # the posterior's width is the learner's likelihood noise (0.03): within 2.5 of those
    assert np.all(gap[revealed] >= -1e-9), gap[revealed].describe()
    assert np.all(gap[revealed] < 2.5 * 0.03), gap[revealed].describe()

    # with rho = 0 nothing learned carries over: every round-2 opening demand is the same
    # prior-optimal one, whatever happened in round 1; with rho = 1 it follows the type
    def openings(rho):
        n = 200
        _, traces = simulate(
            spec.model_copy(update={"rounds": spec.rounds.model_copy(update={"rho": rho})}),
            keys_for(n),
            np.arange(n),
            traces=True,
        )
        first = traces[(traces["round"] == 2) & (traces["step"] == 0)]
        return first.set_index("replicate")["offer"]

    assert openings(0.0).nunique() == 1
    assert openings(1.0).nunique() > 5


def test_prior_optimal_demand_matches_a_direct_computation():
    """Uniform prior on the grid points in [0, 0.4], fallback 0: the dealer's demand maximises
    P(theta <= u_s) * (1 - u_s) = (g + 1) / 41 * (1 - g / 100) over grid points g <= 40,
    whose maximum (checked by a plain loop) is at g = 40: the dealer asks for 0.6."""
    best = max(range(41), key=lambda g: (g + 1) / 41 * (1 - g / 100))
    assert best == 40
    grid = grid_points(101)
    mass = prior_mass(Uniform(low=0.0, high=0.4), grid)
    belief = Belief.from_prior(mass, grid, 3)
    issue = Issue()
    dealer = PartyBatch.build(3)
    supplier = PartyBatch.build(3)
    game = Game(issue, (dealer, supplier), horizon=2)
    view = game.view(0, OfferHistory(game.n), carried=Carried(belief=belief))
    np.testing.assert_allclose(optimal_demand(belief, view), 1 - best / 100)


# ---- pre-registered nulls: the face-saving effect's CI contains 0 ------------------------
NULLS = {
    "rho_zero": {"rounds__rho": 0.0},
    "non_learning_opponent": {"strategies__dealer__params": {"kind": "anchored"}},
    "public_type": {"parties__supplier__reservation_value": 0.2},
    "binding_outside_option": {"parties__supplier__outside_option": 0.5},
    "one_offer_per_round": {"game__horizon": 1},
}


@pytest.mark.parametrize("name", sorted(NULLS))
def test_null_cell_face_saving_has_no_later_round_effect(name):
    """Information channel alone (precedent and subjective value off; no exits and no end on
    disagreement, so every relationship survives): in these cells nothing the supplier
    reveals can be used later. The mechanics then make the later rounds *identical* across
    arms, replicate by replicate, so the test asks for exact zeros, not just a CI around 0
    (a CI alone could hide a leak as large as the real effect)."""
    rounds = run(study(**NULLS[name]), n=96)
    row = effect(rounds, "face_saver", "capitulator")
    assert row["ci_low"] <= 0.0 <= row["ci_high"], row
    later = rounds[(rounds["round"] >= 2) & (rounds.party == "supplier")]
    a = later[later.arm == "face_saver"].set_index(["replicate", "round"])["utility"].sort_index()
    b = later[later.arm == "capitulator"].set_index(["replicate", "round"])["utility"].sort_index()
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())


def test_positive_control_the_same_setting_outside_the_nulls_has_an_effect():
    """The null tests can fail: in the base cell (persistent private types, a learning
    dealer, several offers per round) the arms' later rounds do differ, and the paired
    effect is detected."""
    rounds = run(study(), n=200)
    row = effect(rounds, "face_saver", "capitulator")
    later = rounds[(rounds["round"] >= 2) & (rounds.party == "supplier")]
    a = later[later.arm == "face_saver"].set_index(["replicate", "round"])["utility"].sort_index()
    b = later[later.arm == "capitulator"].set_index(["replicate", "round"])["utility"].sort_index()
    assert (a.to_numpy() != b.to_numpy()).mean() > 0.05
    assert row["sd_diff"] > 0 and not (row["ci_low"] <= 0.0 <= row["ci_high"]), row


def test_null_cell_worthless_condition_against_a_correct_bayesian():
    """Same concession path with and without a condition worth nothing: no effect at all."""
    spec = study(
        **{
            "condition__value": 0.0,
            "condition__cost": 0.0,
            "arms__strategies": {
                "face_saver": {"name": "face_saver"},
                "plain": {"name": "face_saver", "params": {"condition": False}},
            },
        }
    )
    rounds = run(spec, n=96)
    row = effect(rounds, "face_saver", "plain")
    assert row["ci_low"] <= 0.0 <= row["ci_high"]
    a = (
        rounds[rounds.arm == "face_saver"]
        .drop(columns=["arm", "condition_offered", "condition_met", "strategy"])
        .reset_index(drop=True)
    )
    b = (
        rounds[rounds.arm == "plain"]
        .drop(columns=["arm", "condition_offered", "condition_met", "strategy"])
        .reset_index(drop=True)
    )
    pd.testing.assert_frame_equal(a, b)


def test_information_channel_is_live_outside_the_null_cells():
    """A control for the nulls: with persistent private types the Bayesian dealer ends up
    less certain about a face-saver than about a capitulator (pooling)."""
    rounds = run(study(), n=96)
    d = rounds[(rounds.party == "dealer") & (rounds["round"] == 1)]
    sd = d.groupby("arm")["belief_sd"].mean()
    assert sd["face_saver"] > sd["capitulator"] + 0.01


# ---- information discipline ---------------------------------------------------------------
class _Peeker(Strategy):
    name = "peeker"

    def propose(self, view, state, step):
        return np.full(view.n, 0.5)

    def respond(self, view, state, step, offer):
        return (view.opponent.reservation_value > 0).astype(np.int8)


class _CostPeeker(_Peeker):
    def respond(self, view, state, step, offer):
        return (view.condition.cost > 0).astype(np.int8)


def _game(condition=None):
    issue = Issue()
    parties = (
        PartyBatch.build(4, reservation_value=0.2),
        PartyBatch.build(4, reservation_value=0.3),
    )
    return Game(issue, parties, horizon=3, condition=condition)


def test_a_strategy_cannot_read_the_opponents_reservation_value():
    with pytest.raises(InformationError, match="private"):
        negotiate(_game(), (create("linear"), _Peeker()))


def test_the_holder_cannot_read_the_obliged_partys_cost():
    from bargainlab.engine.terms import Condition

    cond = Condition(holder=0, value=np.full(4, 0.1), cost=np.full(4, 0.05), fallback=np.zeros(4))
    with pytest.raises(InformationError, match="private"):
        negotiate(_game(cond), (_CostPeeker(), create("linear")))


# ---- determinism and batch invariance ----------------------------------------------------
def test_same_keys_same_table_and_replicates_independent_of_the_batch():
    spec = study(**{"channels__subjective_value": True, "behaviour__exit_base": 0.05})
    n = 40
    keys = keys_for(n)
    ids = np.arange(n)
    a, _ = simulate(spec, keys, ids)
    b, _ = simulate(spec, keys, ids)
    pd.testing.assert_frame_equal(a, b)
    idx = np.array([31, 2, 17])
    part, _ = simulate(spec, keys[idx], ids[idx])
    whole = a.set_index(["channels", "arm", "replicate", "round", "party"]).sort_index()
    sub = part.set_index(["channels", "arm", "replicate", "round", "party"]).sort_index()
    pd.testing.assert_frame_equal(whole.loc[sub.index], sub)


def test_seed_changes_the_draws():
    spec = study()
    a = run(spec, n=20, seed=1)
    b = run(spec, n=20, seed=2)
    assert not np.array_equal(a["reservation_value"].to_numpy(), b["reservation_value"].to_numpy())


# ---- beliefs ---------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 8),
    g=st.integers(3, 41),
    tremble=st.floats(1e-4, 0.4),
    rho=st.floats(0, 1),
    seed=st.integers(0, 2**32 - 1),
)
def test_belief_mass_sums_to_one_and_stays_on_the_grid(n, g, tremble, rho, seed):
    gen = np.random.default_rng(seed)
    grid = grid_points(g)
    prior = gen.dirichlet(np.ones(g))
    belief = Belief.from_prior(prior, grid, n)
    for _ in range(3):
        lik = gen.random((n, g)) * (gen.random((n, g)) < 0.5)  # many exact zeros
        belief.update(lik, tremble)
        np.testing.assert_allclose(belief.mass.sum(axis=(1, 2)), 1.0)
        assert (belief.mass > 0).all()
        assert belief.mass.shape == (n, 1, g)
        belief.persist(rho)
        np.testing.assert_allclose(belief.mass.sum(axis=(1, 2)), 1.0)
        m = belief.mean()
        assert np.all((m >= grid[0] - 1e-12) & (m <= grid[-1] + 1e-12))
        assert np.all(np.isfinite(belief.sd()))


def test_invalid_relationship_parameters_name_the_field():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="rho"):
        study(rounds__rho=1.5)
    with pytest.raises(ValidationError, match="count"):
        study(rounds__count=0)
    with pytest.raises(ValueError, match="kind"):
        create("learner", kind="clairvoyant")
    with pytest.raises(ValueError, match="decide_at"):
        create("face_saver", decide_at=2.0)


# ---- schedules, status quo, behavioural levers ------------------------------------------
def test_outside_option_schedule_takes_effect_from_its_round():
    spec = study(
        **{
            "rounds__count": 4,
            "parties__dealer__schedule": [{"round": 3, "outside_option": 0.9}],
            "game__allow_exit": True,
            "rounds__end_on_disagreement": True,
        }
    )
    rounds = run(spec, n=48)
    dealer = rounds[(rounds.party == "dealer") & ~rounds.active]
    # after the relationship ended the dealer receives its outside option of that round
    early = dealer[dealer["round"] < 3]["utility"]
    late = dealer[dealer["round"] >= 3]["utility"]
    assert (early == 0.3).all() and (late == 0.9).all() and len(late) > 0


def test_status_quo_mode_carries_the_last_agreed_terms():
    spec = study(
        **{
            "game__disagreement": "status_quo",
            "rounds__count": 3,
            "channels__precedent": True,
            "game__horizon": 4,
        }
    )
    rounds = run(spec, n=64)
    sup = rounds[rounds.party == "supplier"].sort_values(["arm", "replicate", "round"])
    for (_, _), g in sup.groupby(["arm", "replicate"]):
        g = g.reset_index(drop=True)
        for i in range(1, len(g)):
            last_agreed = g.loc[: i - 1][g.loc[: i - 1, "agreed"]]
            if not g.loc[i, "agreed"] and len(last_agreed):
                assert g.loc[i, "terms"] == last_agreed["terms"].iloc[-1]
            expected_ref = last_agreed["terms"].iloc[-1] if len(last_agreed) else 1.0
            assert np.isclose(g.loc[i, "reference_point"], expected_ref)


def test_behavioural_module_acts_only_through_its_levers():
    """With every lever at zero, switching the module on changes nothing but the logged
    subjective value."""
    levers_off = {"exit_base": 0.0, "exit_slope": 0.0, "retaliation": 0.0, "acceptance_noise": 0.0}
    on = run(study(**{"channels__subjective_value": True, "behaviour": levers_off}), n=48)
    off = run(study(**{"channels__subjective_value": False, "behaviour": levers_off}), n=48)
    assert (on["subjective_value"] != 0).any()
    pd.testing.assert_frame_equal(
        on.drop(columns="subjective_value"), off.drop(columns="subjective_value")
    )
    # and with the levers on, it does change outcomes
    live = run(study(**{"channels__subjective_value": True, "behaviour": {"exit_base": 0.3}}), n=48)
    assert not np.array_equal(live["utility"].to_numpy(), off["utility"].to_numpy())


def test_every_recorded_column_has_a_reporter():
    """The relationship records exactly the declared columns that have a reporter: every
    relationship column but the keys and the strategy, which the table adds."""
    recorded = {c.name for c in REPORTED}
    declared = {c.name for c in ROUNDS_SCHEMA if c.origin == "relationship"}
    assert recorded == declared - {"round", "party", "strategy"}
    assert all(c.reporter is None for c in ROUNDS_SCHEMA if c.name not in recorded)


def test_a_behavioural_exit_is_recorded_for_one_party_only():
    """When both parties leave after the same round, the table records party 0's exit (one
    relationship ends once), and the relationship is over from the next round on."""
    spec = study(**{"channels__subjective_value": True, "behaviour": {"exit_base": 1.0}})
    rounds = run(spec, n=16)
    first = rounds[rounds["round"] == 1]
    assert first[first.party == "dealer"]["exited"].all()
    assert not first[first.party == "supplier"]["exited"].any()
    assert not rounds[rounds["round"] > 1]["active"].any()
    assert not rounds[rounds["round"] > 1]["exited"].any()


def test_holder_learns_the_obliged_partys_cost_from_whether_it_met_the_condition():
    """Met: the cost was at most the slack u(x) - u(fallback), so the holder's belief moves
    down from the prior mean where that slack is inside the prior's support; not met: up. The
    obliged party holds no such belief. (The dealer's utility is the position x = terms - 1
    and the fallback is position 0, so the slack is terms - 1, informative below 1.)"""
    spec = study(**{"rounds__count": 2, "condition__cost": {"low": 0.0, "high": 1.0}})
    rounds = run(spec, n=800)
    prior_mean = 0.5
    holder = rounds[(rounds.party == "supplier") & (rounds["round"] == 1)]
    deals = holder[holder.agreed & (rounds.loc[holder.index, "strategy"] == "face_saver")]
    deals = deals[rounds.loc[deals.index, "condition_offered"]]
    met = deals[deals.condition_met]
    informative = met[met["terms"] - 1.0 < 0.95]
    assert len(informative) >= 5
    assert (informative["condition_belief_mean"] < prior_mean).all()
    assert (met["condition_belief_mean"] <= prior_mean + 1e-9).all()
    unmet_conditional = deals[~deals.condition_met]
    assert (unmet_conditional["condition_belief_mean"] >= prior_mean - 1e-9).all()
    obliged = rounds[rounds.party == "dealer"]
    assert (obliged["condition_belief_mean"] == 0).all() and (
        obliged["condition_belief_sd"] == 0
    ).all()
