"""Stacking sweep cells into one batch gives each cell exactly the tables it gives alone."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from bargainlab.beliefs.grid import Belief
from bargainlab.config.files import expand
from bargainlab.engine.rng import StreamRNG
from bargainlab.experiments.tasks import replicate_keys
from bargainlab.experiments.translate import (
    CellChunk,
    arm_schedule,
    build_setup,
    channel_variants,
    simulate,
    simulate_cells,
    stacks,
)
from bargainlab.experiments.transplants import later_payoff, mediation_pieces
from bargainlab.relationships.play import play
from bargainlab.relationships.setup import RelationshipSetup
from studies import study

TYPES = {
    "holdout": {"name": "holdout"},
    "soft": {"name": "capitulator"},
    "face_saving": {"name": "face_saver"},
}


def sweep_study(**extra):
    """A study whose sweep varies only numbers (so all its cells stack), with a reputation
    model, the standing design and the channel decomposition."""
    return study(
        arms__treatment_rounds="all",
        arms__continuation=None,
        channels__decompose=True,
        rounds__count=3,
        reputation={
            "holder": "dealer",
            "types": TYPES,
            "prior": {"holdout": 0.2, "soft": 0.5, "face_saving": 0.3},
        },
        sweep={
            "rounds.rho": [0.0, 0.8],
            "rounds.count": [2, 4],
            "condition.value": [0.05, 0.3],
            "parties.dealer.outside_option": [0.2, 0.5],
            "reputation.prior": [
                {"holdout": 0.2, "soft": 0.5, "face_saving": 0.3},
                {"holdout": 0.6, "soft": 0.2, "face_saving": 0.2},
            ],
        },
        **extra,
    )


def chunks_of(spec, n=12, seed=17):
    cells = expand(spec)
    ids = np.arange(n, dtype=np.int64)
    return [CellChunk(c.index, c.study, replicate_keys(seed, c.index, ids), ids) for c in cells]


def test_cells_that_differ_in_numbers_stack_into_one_batch():
    chunks = chunks_of(sweep_study())
    assert len(chunks) == 32
    assert stacks(chunks) == [list(range(32))]


@pytest.mark.slow
def test_a_stacked_cell_gives_exactly_its_own_tables():
    # 7 replicates a cell: a cell's rows sit at other memory offsets in the stack than alone
    chunks = chunks_of(sweep_study(), n=7)
    stacked = simulate_cells(chunks, traces=True)
    # all 32 play in one batch; four of them, from both ends and the middle, also alone
    for index in (0, 7, 20, 31):
        chunk = chunks[index]
        alone = simulate_cells([chunk], traces=True)[0]
        pd.testing.assert_frame_equal(stacked[index].rounds, alone.rounds)
        pd.testing.assert_frame_equal(stacked[index].traces, alone.traces)
        pd.testing.assert_frame_equal(stacked[index].mediation, alone.mediation)
        plain, _ = simulate(chunk.study, chunk.keys, chunk.replicate_ids)
        pd.testing.assert_frame_equal(_by_keys(plain), _by_keys(alone.rounds))
    # and the cells differ, so the comparison is not vacuous
    assert not stacked[0].rounds["utility"].equals(stacked[-1].rounds["utility"])


def _by_keys(frame: pd.DataFrame) -> pd.DataFrame:
    keys = ["channels", "arm", "replicate", "round", "party"]
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def _one_variant_at_a_time(spec, keys, ids):
    """The rounds and mediation tables played the simple way: one batch per channel variant
    and arm, and one replay of every relationship per comparison and component, every batch
    with the same switches."""
    names = spec.party_names
    focal = names.index(spec.arms.party)
    frames, snapshots, rows = [], {}, []
    for variant, channels in channel_variants(spec.channels).items():
        setup = build_setup(spec, ids, channels)
        for arm, arm_spec in spec.arms.strategies.items():
            schedule, labels = arm_schedule(spec, arm_spec, setup.max_rounds)
            recorder, _ = play(setup, schedule, StreamRNG(keys), ids, snapshot=0)
            leading = {"channels": variant, "arm": arm}
            frames.append(recorder.to_frame(names, labels, ids, leading))
            if variant == "all":
                snapshots[arm] = (recorder.snapshot, schedule, setup)
    for treatment, control in spec.arms.pairs():
        state, schedule, setup = snapshots[control]
        for piece in mediation_pieces(spec):
            if piece == "direct":  # the treatment's policy from the control's state, every row
                _, replayed, played = snapshots[treatment]
                recorder, _ = play(played, replayed, StreamRNG(keys), ids, start=(1, state))
            else:
                start = state.transplant(snapshots[treatment][0], piece, focal)
                recorder, _ = play(setup, schedule, StreamRNG(keys), ids, start=(1, start))
            rows.append(
                pd.DataFrame(
                    {
                        "treatment": treatment,
                        "control": control,
                        "replicate": ids,
                        "piece": piece,
                        "payoff_later": later_payoff(recorder, focal),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True), pd.concat(rows, ignore_index=True)


@pytest.mark.parametrize("subjective_value", [False, True])
def test_channel_variants_in_one_batch_give_exactly_each_variant_alone(subjective_value):
    """Every channel variant plays in the arm's one batch (per-replicate switches) and the
    mediation replays of a comparison in one batch: each row is the one its variant or piece
    gives in a batch of its own."""
    spec = study(
        arms__treatment_rounds="all",
        arms__continuation=None,
        rounds__count=3,
        rounds__rho=0.5,
        channels={
            "information": True,
            "surplus": True,
            "precedent": True,
            "subjective_value": subjective_value,
            "decompose": True,
        },
    )
    ids = np.arange(24, dtype=np.int64)
    keys = replicate_keys(23, 0, ids)
    out = simulate_cells([CellChunk(0, spec, keys, ids)])[0]
    rounds, mediation = _one_variant_at_a_time(spec, keys, ids)
    assert set(rounds["channels"]) == set(channel_variants(spec.channels))
    assert len(set(rounds["channels"])) == 5 + subjective_value
    pd.testing.assert_frame_equal(_by_keys(out.rounds), _by_keys(rounds))
    pd.testing.assert_frame_equal(out.mediation, mediation)
    # the variants differ, so the comparison is not vacuous
    by_variant = rounds.groupby("channels")["utility"].sum()
    assert by_variant.nunique() == len(by_variant)


def test_cells_with_different_strategies_do_not_stack():
    spec = study(
        sweep={"strategies.dealer.params.kind": ["bayesian", "naive"], "rounds.rho": [0.0, 0.5]}
    )
    chunks = chunks_of(spec)
    groups = stacks(chunks)
    assert len(groups) == 2 and sorted(len(g) for g in groups) == [2, 2]


def test_posterior_means_have_the_same_bits_wherever_the_row_sits_in_a_batch():
    """A replicate's posterior mean and sd do not depend on its position in the batch (a
    matrix-vector product's rounding does: about one row in 2,000 differs in its last bit)."""
    rng = np.random.default_rng(5)
    grid = np.linspace(0.0, 1.0, 101)
    mass = rng.random((4000, 101))
    mass /= mass.sum(axis=1, keepdims=True)

    def belief(rows):
        return Belief(
            grid, rows[:1, None, :], np.zeros(len(rows), dtype=np.int64), rows[:, None, :]
        )

    whole = belief(mass)
    for offset in range(1, 8):
        moved = np.concatenate([mass[:offset], mass[100:1100]])
        shifted = belief(moved)
        assert np.array_equal(shifted.mean()[offset:], whole.mean()[100:1100])
        assert np.array_equal(shifted.sd()[offset:], whole.sd()[100:1100])


# ---- the setup's generic take and stack --------------------------------------------------------
def _setup(n, **overrides):
    spec = study(
        reputation={
            "holder": "dealer",
            "types": TYPES,
            "prior": {"holdout": 0.2, "soft": 0.5, "face_saving": 0.3},
        },
        **overrides,
    )
    return build_setup(spec, np.arange(n, dtype=np.int64), spec.channels)


def _same_setup(a, b):
    """Whether two setups hold the same values in every field (arrays by value)."""
    assert a.mechanics == b.mechanics
    for name in ("rounds", "horizon", "breakdown", "first_mover", "status_quo", "rho",
                 "outside_option", "delta", "curvature", "deadline", "condition_value",
                 "condition_fallback"):  # fmt: skip
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for mine, theirs in zip(a.priors, b.priors, strict=True):
        np.testing.assert_array_equal(mine.rows(), theirs.rows())
    np.testing.assert_array_equal(a.condition_cost_prior.rows(), b.condition_cost_prior.rows())
    for name in ("information", "surplus", "precedent", "subjective_value"):
        np.testing.assert_array_equal(a.channels[name], b.channels[name])
    np.testing.assert_array_equal(a.reputation_prior[0], b.reputation_prior[0])
    assert a.reputation_prior[1] is None and b.reputation_prior[1] is None


def test_stacked_setups_of_different_lengths_pad_their_schedules_with_the_last_round():
    short = _setup(3, rounds__count=2, parties__dealer__outside_option=0.2)
    long = _setup(
        2, rounds__count=4, parties__dealer__schedule=[{"round": 2, "outside_option": 0.4}]
    )
    both = RelationshipSetup.stack([short, long])
    assert both.n == 5 and both.max_rounds == 4
    assert both.outside_option.shape == (4, 5, 2)
    # the short relationships keep their last round's outside option in the padding
    np.testing.assert_array_equal(both.outside_option[:, :3, 0], 0.2)
    np.testing.assert_array_equal(both.outside_option[:, 3:, 0], [[0.3, 0.3], [0.4, 0.4],
                                                                  [0.4, 0.4], [0.4, 0.4]])  # fmt: skip
    np.testing.assert_array_equal(both.rounds, [2, 2, 2, 4, 4])
    # taking each part back gives each setup (the short one cut to its own length)
    _same_setup(both.take(np.arange(3)), short)
    _same_setup(both.take(np.arange(3, 5)), long)


def test_taking_rows_and_stacking_them_again_gives_the_rows_of_the_whole():
    whole = _setup(6, rounds__rho=0.5)
    rows = np.array([4, 0, 5, 2])
    _same_setup(RelationshipSetup.stack([whole.take(rows[:1]), whole.take(rows[1:])]),
                whole.take(rows))  # fmt: skip


def test_reservation_shifts_written_for_different_lengths_are_the_same_mechanics():
    schedule = [{"round": 2, "reservation_shift": 0.1}]
    short = _setup(2, rounds__count=2, parties__dealer__schedule=schedule)
    long = _setup(2, rounds__count=5, parties__dealer__schedule=schedule)
    assert short.shares_mechanics(long)
    assert long.mechanics.shift(0).tolist() == [0.0, 0.0]
    assert long.mechanics.shift(4).tolist() == [0.1, 0.0] == short.mechanics.shift(4).tolist()
    other = _setup(
        2, rounds__count=5, parties__dealer__schedule=[{"round": 3, "reservation_shift": 0.1}]
    )
    assert not short.shares_mechanics(other)


def test_setups_with_other_mechanics_do_not_stack():
    a = _setup(2)
    b = _setup(2, game__allow_exit=True)
    assert not a.shares_mechanics(b)
    with pytest.raises(ValueError, match="same mechanics"):
        RelationshipSetup.stack([a, b])
    # an equal grid in another array is the same mechanics: arrays compare by value
    c = dataclasses.replace(
        a, mechanics=dataclasses.replace(a.mechanics, grid=a.mechanics.grid.copy())
    )
    assert c.shares_mechanics(a)


def test_a_reputation_prior_must_match_the_reputation_model():
    setup = _setup(3)
    with pytest.raises(ValueError, match=r"reputation_prior\[0\] must be \(3, 3\)"):
        dataclasses.replace(setup, reputation_prior=(np.full((3, 2), 0.5), None))
    with pytest.raises(ValueError, match=r"reputation_prior\[1\] must be None"):
        dataclasses.replace(setup, reputation_prior=(setup.reputation_prior[0], np.ones((3, 1))))


def test_cells_with_a_random_and_a_fixed_first_mover_stack_and_play_as_alone():
    """A random first mover is a per-replicate value (COIN), not part of the mechanics: the
    cells stack, and each gives exactly the tables it gives alone."""
    spec = study(rounds__count=3, sweep={"game.first_mover": ["alternate", "random", "dealer"]})
    chunks = chunks_of(spec, n=9)
    assert stacks(chunks) == [[0, 1, 2]]
    stacked = simulate_cells(chunks, traces=True)
    for chunk, tables in zip(chunks, stacked, strict=True):
        alone = simulate_cells([chunk], traces=True)[0]
        pd.testing.assert_frame_equal(tables.rounds, alone.rounds)
        pd.testing.assert_frame_equal(tables.traces, alone.traces)
    # the coin is tossed per replicate and round: both parties open some rounds
    traces = stacked[1].traces
    first = traces[traces["step"] == 0]
    assert set(first["proposer"]) == {0, 1}
    assert not stacked[0].rounds["utility"].equals(stacked[1].rounds["utility"])
