"""Snapshots and transplants of a relationship's state: resuming reproduces the later rounds
exactly, and transplanting a piece moves exactly that piece."""

from __future__ import annotations

import numpy as np
import pytest

from bargainlab.analysis.derive import replicates_from_rounds
from bargainlab.analysis.effects import cell_arms, mediation_rows
from bargainlab.engine.rng import StreamRNG
from bargainlab.experiments.translate import CellChunk, build_setup, simulate_cells
from bargainlab.relationships.play import play
from bargainlab.relationships.state import PIECES
from bargainlab.strategies import create
from studies import keys_for, study

N = 48


def setup_and_rng():
    spec = study(
        arms__treatment_rounds="all",
        arms__continuation=None,
        rounds__count=4,
        channels__precedent=True,
    )
    ids = np.arange(N)
    return build_setup(spec, ids, spec.channels), StreamRNG.from_seed(3, N), ids


def pair(arm):
    return (create("learner", kind="bayesian"), create(arm))


def test_resuming_from_a_snapshot_plays_the_later_rounds_exactly():
    setup, rng, ids = setup_and_rng()
    full, _ = play(setup, pair("face_saver"), rng, ids, snapshot=0)
    resumed, _ = play(setup, pair("face_saver"), rng, ids, start=(1, full.snapshot))
    for name, array in full.arrays.items():
        np.testing.assert_array_equal(resumed[name][1:], array[1:], err_msg=name)
        assert not resumed[name][0].any(), f"round 1 of {name} was not played, so it stays zero"


@pytest.mark.parametrize("piece", PIECES)
def test_a_transplant_from_the_same_arm_changes_nothing(piece):
    setup, rng, ids = setup_and_rng()
    full, _ = play(setup, pair("capitulator"), rng, ids, snapshot=0)
    state = full.snapshot.transplant(full.snapshot, piece, owner=1)
    again, _ = play(setup, pair("capitulator"), rng, ids, start=(1, state))
    np.testing.assert_array_equal(again["utility"][1:], full["utility"][1:])


def test_transplanting_the_posterior_moves_only_the_opponents_belief():
    setup, rng, ids = setup_and_rng()
    treated, _ = play(setup, pair("face_saver"), rng, ids, snapshot=0)
    control, _ = play(setup, pair("capitulator"), rng, ids, snapshot=0)
    t, c = treated.snapshot, control.snapshot
    mixed = c.transplant(t, "posterior", owner=1)
    np.testing.assert_array_equal(mixed.beliefs[0].mass, t.beliefs[0].mass)  # the dealer's
    np.testing.assert_array_equal(mixed.beliefs[1].mass, c.beliefs[1].mass)
    np.testing.assert_array_equal(mixed.reference_x, c.reference_x)
    np.testing.assert_array_equal(mixed.active, c.active)
    assert not np.array_equal(t.beliefs[0].mass, c.beliefs[0].mass)
    # the transplanted state is a copy: playing on it leaves the donor as it was
    before = t.beliefs[0].mass.copy()
    play(setup, pair("capitulator"), rng, ids, start=(1, mixed))
    np.testing.assert_array_equal(t.beliefs[0].mass, before)


@pytest.mark.parametrize("piece", PIECES)
def test_moved_marks_exactly_the_relationships_a_transplant_changes(piece):
    setup, rng, ids = setup_and_rng()
    treated, _ = play(setup, pair("face_saver"), rng, ids, snapshot=0)
    control, _ = play(setup, pair("capitulator"), rng, ids, snapshot=0)
    t, c = treated.snapshot, control.snapshot
    assert not c.moved(c, piece, owner=1).any()
    moved = c.moved(t, piece, owner=1)
    mixed = c.transplant(t, piece, owner=1)
    same = np.flatnonzero(~moved)
    a, b = mixed.take(same), c.take(same)
    for side in (0, 1):
        np.testing.assert_array_equal(a.beliefs[side].mass, b.beliefs[side].mass)
    np.testing.assert_array_equal(a.reference_x, b.reference_x)
    np.testing.assert_array_equal(a.status_quo, b.status_quo)
    np.testing.assert_array_equal(a.active, b.active)
    np.testing.assert_array_equal(a.stock, b.stock)
    if piece in ("posterior", "reference_point"):  # the arms differ in these after round 1
        assert moved.any()


def _mediated(arms, n=N):
    """The replicates and mediation tables of a small decomposing study with standing
    policies (the supplier's arms ``arms``, the first against each other)."""
    spec = study(
        arms__strategies=arms,
        arms__treatment_rounds="all",
        arms__continuation=None,
        rounds__count=4,
        channels__precedent=True,
        channels__decompose=True,
    )
    chunk = CellChunk(0, spec, keys_for(n), np.arange(n))
    out = simulate_cells([chunk])[0]
    rounds = out.rounds.assign(cell=0)
    table = replicates_from_rounds(rounds, "supplier", "dealer")
    return table, out.mediation.assign(cell=0)


def test_every_replicates_components_add_up_to_its_total():
    arms = {"face_saver": {"name": "face_saver"}, "capitulator": {"name": "capitulator"}}
    table, mediation = _mediated(arms)
    assert set(mediation["piece"]) == {"direct", "posterior", "reference_point", "survival"}
    ids, by_arm = cell_arms(table)
    rows = {r.key["component"]: r.diffs for r in mediation_rows(table, mediation, ids, by_arm)}
    parts = sum(d for c, d in rows.items() if c != "total")
    np.testing.assert_allclose(parts, rows["total"], rtol=0, atol=1e-12)
    assert (rows["direct"] != 0).any(), "the two policies never differ from the same state"


def test_the_direct_replay_of_the_same_policy_is_the_control():
    """Two arms with the same policy: the treatment's policy from the control's state is the
    control's own later rounds, bit for bit."""
    arms = {"a": {"name": "face_saver"}, "b": {"name": "face_saver"}}
    table, mediation = _mediated(arms)
    direct = mediation[mediation["piece"] == "direct"].sort_values("replicate")
    own = table[(table["arm"] == "b") & (table["channels"] == "all")].sort_values("replicate")
    np.testing.assert_array_equal(direct["payoff_later"].to_numpy(), own["payoff_later"].to_numpy())
