"""A row without a single paired replicate has the verdict ``no pairs`` and an empty interval,
in the summary, its files and every report table (issue 20, item 4)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from test_summarize import make_rounds, make_study, report, reps

from bargainlab.analysis import summary as S
from bargainlab.analysis.verdicts import NO_PAIRS, VERDICTS, no_pairs


def test_no_pairs_blanks_the_interval_of_rows_without_pairs_only():
    verdict, low, high = no_pairs(
        np.array([0, 5]),
        np.array(["undetermined", "helps"], dtype=object),
        np.array([-1.0, 0.1]),
        np.array([1.0, 0.2]),
    )
    assert verdict.tolist() == [NO_PAIRS, "helps"]
    assert np.isnan(low[0]) and np.isnan(high[0])
    assert (low[1], high[1]) == (0.1, 0.2)
    assert NO_PAIRS in VERDICTS


@pytest.fixture(scope="module")
def no_survivors(tmp_path_factory):
    """A summary where no replicate of cell 1 survives round 1 in the control arm."""
    rounds = make_rounds({0: 0.05, 1: 0.0, 2: -0.05, 3: 0.02})
    dead = (rounds["cell"] == 1) & (rounds["arm"] == "capitulator") & (rounds["round"] >= 2)
    rounds.loc[dead, ["active", "agreed"]] = False
    rounds.loc[dead, "utility"] = 0.0
    rounds.loc[dead, "steps"] = 0
    spec = make_study()
    summary = S.summarize(reps(rounds), spec, rounds_sample=rounds)
    folder = tmp_path_factory.mktemp("summary")
    summary.write(folder)
    return spec, summary, folder


def test_a_window_without_pairs_reads_no_pairs_with_a_blank_interval(no_survivors):
    _spec, summary, folder = no_survivors
    effects = summary.effects
    row = effects[(effects["cell"] == 1) & (effects["window"] == "survivors")].iloc[0]
    assert row["n"] == 0 and row["verdict"] == NO_PAIRS
    assert np.isnan(row["ci_low"]) and np.isnan(row["ci_high"])
    others = effects[effects["n"] > 0]
    assert NO_PAIRS not in set(others["verdict"])
    assert np.isfinite(others[["ci_low", "ci_high"]].to_numpy(float)).all()
    # the file says the same: blank ends, the verdict spelt out
    line = next(
        ln
        for ln in (folder / "effects.csv").read_text().splitlines()
        if ln.startswith("1,") and ",survivors," in ln
    )
    assert ",no pairs," in line and ",-1.0,1.0," not in line
    back = S.Summary.read(folder)
    assert back.equals(summary)


def test_the_report_says_no_pairs_and_prints_no_interval_for_them(no_survivors, tmp_path):
    spec, summary, _ = no_survivors
    text = report(tmp_path, summary, spec)
    assert "no pairs" in text
    assert "[−1.000, +1.000]" not in text and "n/a [n/a" not in text
