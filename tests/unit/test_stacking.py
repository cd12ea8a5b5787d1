"""Stacking sweep cells into one batch gives each cell exactly the tables it gives alone."""

from __future__ import annotations

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
    and arm, and one replay per comparison and piece, every batch with the same switches."""
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
