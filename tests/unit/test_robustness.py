"""The headline under a second root seed: ``[robustness]`` is validated, the ``robustness``
part pairs each headline row with its twin and says which verdicts flip, and the report's
*Robustness* section names every verdict that flips."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest

from bargainlab.analysis.parts import ROBUSTNESS
from bargainlab.analysis.robustness import robustness_rows
from bargainlab.analysis.summary import Summary
from bargainlab.config.cells import SweepCells
from bargainlab.config.files import ConfigError, load_study
from bargainlab.experiments.budget import check_size, size_budget
from bargainlab.experiments.pipeline import run_study
from bargainlab.experiments.robustness import run_size, second_seed_study
from bargainlab.reporting.robustness import robustness_section
from studies import BASE

KEYS = ["cell", "treatment", "control", "window"]


def raw(**top) -> dict:
    out = copy.deepcopy(BASE)
    out.update(top)
    return out


# ---- the study file ---------------------------------------------------------------------------


def test_a_second_seed_is_read_and_left_out_it_is_none():
    assert load_study(raw(robustness={"seed": 8})).study.robustness.seed == 8
    assert load_study(raw()).study.robustness is None


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"seed": 7}, "robustness.seed: 7 is the study's seed too"),
        ({}, "robustness.seed: required field is missing"),
        ({"seed": -1}, "robustness.seed: Input should be greater than or equal to 0"),
        (
            {"seed": 8, "seeds": [9]},
            "robustness.seeds: unknown key 'seeds' (did you mean 'seed'?); allowed keys: seed",
        ),
        ({"seed": "8"}, "robustness.seed: "),
    ],
)
def test_a_bad_robustness_table_is_one_clear_error(table, message):
    with pytest.raises(ConfigError) as caught:
        load_study(raw(robustness=table))
    assert message in str(caught.value)


def test_the_second_run_is_the_study_under_the_second_seed_without_what_the_headline_skips():
    text = raw(
        robustness={"seed": 8},
        channels={**BASE["channels"], "decompose": True},
        changes=[{"what": "a", "why": "b"}],
        traces=True,
    )
    loaded = load_study(text, replicates=10)
    second = load_study(second_seed_study(loaded)).study
    assert (second.seed, second.replicates) == (8, 10)
    assert second.robustness is None and second.changes == [] and second.tournament is None
    assert not second.traces
    assert second.channels.decompose is False
    assert second.channels.information == loaded.study.channels.information
    assert second.arms == loaded.study.arms and second.parties == loaded.study.parties
    with pytest.raises(ValueError, match="has no \\[robustness\\]"):
        second_seed_study(load_study(raw()))


# ---- the part ---------------------------------------------------------------------------------


def headline(values: list[tuple]) -> pd.DataFrame:
    """Headline rows of ``effects``: (cell, mean_diff, ci_low, ci_high, verdict) each."""
    return pd.DataFrame(
        [
            {"cell": c, "treatment": "a", "control": "b", "window": "later", "mean_diff": m,
             "ci_low": lo, "ci_high": hi, "verdict": v, "n": 10}
            for c, m, lo, hi, v in values
        ]
    )  # fmt: skip


FIRST = headline([(2, 0.03, 0.01, 0.05, "helps"), (0, 0.02, -0.01, 0.05, "undetermined")])
SECOND = headline([(0, 0.04, 0.02, 0.06, "helps"), (2, 0.02, 0.005, 0.04, "helps")])


def test_rows_pair_each_headline_row_with_its_twin_and_flag_a_changed_verdict():
    rows = robustness_rows(FIRST, SECOND, (7, 8))
    assert list(rows.columns) == [c.name for c in ROBUSTNESS.columns]
    assert rows["cell"].tolist() == [2, 0]  # the order of the run's own rows
    assert rows["flips"].tolist() == [False, True]
    flipped = rows.iloc[1]
    assert (flipped["verdict"], flipped["second_verdict"]) == ("undetermined", "helps")
    assert (flipped["mean_diff"], flipped["second_mean_diff"]) == (0.02, 0.04)
    assert (flipped["second_ci_low"], flipped["second_ci_high"]) == (0.02, 0.06)
    assert rows["seed"].tolist() == [7, 7] and rows["second_seed"].tolist() == [8, 8]


@pytest.mark.parametrize(("first", "second", "side"), [(FIRST, SECOND[:1], "second seed's"),
                                                       (FIRST[:1], SECOND, "study's")])  # fmt: skip
def test_a_headline_row_missing_from_one_run_is_named(first, second, side):
    with pytest.raises(ValueError, match=f"headline row \\(cell=\\d.*missing from the {side} run"):
        robustness_rows(first, second, (7, 8))


# ---- the report -------------------------------------------------------------------------------


def section(flips: bool) -> str:
    study = load_study(raw(robustness={"seed": 8})).study
    first = headline([(0, 0.03, 0.01, 0.05, "helps")])
    twin = (0, -0.01, -0.03, 0.01, "undetermined") if flips else (0, 0.031, 0.011, 0.05, "helps")
    summary = Summary.of({"robustness": robustness_rows(first, headline([twin]), (7, 8))})
    return "\n".join(robustness_section(summary, study, SweepCells.of_study(study)))


def test_the_section_names_a_verdict_that_flips_with_both_estimates():
    text = section(flips=True)
    assert text.startswith("## Robustness") and "second root seed, 8" in text
    assert "**1 of 1 headline verdict(s) flip** under seed 8 (0 hold)" in text
    assert "a vs b" in text
    assert (
        "| **helps** +0.030 [+0.010, +0.050] | **undetermined** −0.010 [−0.030, +0.010] |" in text
    )


def test_the_section_says_when_no_verdict_flips_and_is_absent_without_a_second_seed():
    assert "No headline verdict flips: all 1 hold under both seeds." in section(flips=False)
    study = load_study(raw()).study
    summary = Summary.of({"robustness": robustness_rows(FIRST, SECOND, (7, 8))})
    assert robustness_section(summary, study, SweepCells.of_study(study)) == []


def test_the_size_check_counts_the_second_run_before_anything_runs(tmp_path):
    text = raw(robustness={"seed": 8})
    size = load_study(text).size
    assert size is not None
    out = tmp_path / "run"
    with size_budget(disk=int(size.disk * 1.5)):
        check_size(size, out, workers=0)  # the study alone fits
        with pytest.raises(ConfigError, match="disk"):
            run_study(text, out, executor="serial", progress=False)
    assert not out.exists()


def test_the_run_size_adds_the_second_run_and_keeps_the_larger_memory():
    loaded = load_study(raw(robustness={"seed": 8}))
    second = load_study(second_seed_study(loaded))
    first, other, both = loaded.size, second.size, run_size(loaded)
    assert first is not None and other is not None and both is not None
    for field in ("relationship_rounds", "rows", "trace_rows", "disk", "cpu_seconds"):
        assert getattr(both, field) == getattr(first, field) + getattr(other, field)
    assert both.task_memory == max(first.task_memory, other.task_memory)
    assert both.parent_memory == max(first.parent_memory, other.parent_memory)
    assert (both.cells, both.tasks) == (first.cells, first.tasks)
    assert run_size(load_study(raw())) == load_study(raw()).size  # no second seed: its own


def test_the_second_run_of_a_game_study_keeps_the_game_whose_comparisons_are_headline_rows():
    """The empirical game adds its comparisons to the headline's family (leaving it out of
    the second run changed every second-seed interval of strategic): the second run keeps
    it, and plays every cell of the study."""
    loaded = load_study(Path(__file__).parents[2] / "experiments" / "strategic.toml")
    second = load_study(second_seed_study(loaded))
    assert second.study.empirical_game == loaded.study.empirical_game is not None
    assert [c.values for c in second.cells] == [c.values for c in loaded.cells]
