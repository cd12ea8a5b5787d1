"""Stacking sweep cells into one batch gives each cell exactly the tables it gives alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bargainlab.config.files import expand
from bargainlab.experiments.tasks import replicate_keys
from bargainlab.experiments.translate import CellChunk, simulate, simulate_cells, stacks
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
    chunks = chunks_of(sweep_study(), n=8)
    stacked = simulate_cells(chunks, traces=True)
    # all 32 play in one batch; four of them, from both ends and the middle, also alone
    for index in (0, 7, 20, 31):
        chunk = chunks[index]
        alone = simulate_cells([chunk], traces=True)[0]
        pd.testing.assert_frame_equal(stacked[index].rounds, alone.rounds)
        pd.testing.assert_frame_equal(stacked[index].traces, alone.traces)
        pd.testing.assert_frame_equal(stacked[index].mediation, alone.mediation)
        plain, _ = simulate(chunk.study, chunk.keys, chunk.replicate_ids)
        pd.testing.assert_frame_equal(plain, alone.rounds)
    # and the cells differ, so the comparison is not vacuous
    assert not stacked[0].rounds["utility"].equals(stacked[-1].rounds["utility"])


def test_cells_with_different_strategies_do_not_stack():
    spec = study(
        sweep={"strategies.dealer.params.kind": ["bayesian", "naive"], "rounds.rho": [0.0, 0.5]}
    )
    chunks = chunks_of(spec)
    groups = stacks(chunks)
    assert len(groups) == 2 and sorted(len(g) for g in groups) == [2, 2]
