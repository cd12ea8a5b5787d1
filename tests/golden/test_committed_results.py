"""Golden checks on the committed results: no pre-registered null cell fails.

`bargainlab reproduce` (run in CI) re-runs every study and fails when a committed number
drifts; this test checks what those numbers must say about the null cells, so a change that
created an effect in a null cell fails here even after `reproduce --update`.
"""

from pathlib import Path

import pandas as pd
import pytest

RESULTS = Path(__file__).resolve().parents[2] / "results"
SUMMARIES = sorted(RESULTS.glob("*/summary.csv"))


def test_every_study_has_committed_results():
    experiments = {p.stem for p in (RESULTS.parent / "experiments").glob("*.toml")}
    assert experiments == {p.parent.name for p in SUMMARIES}
    assert (RESULTS / "README.md").is_file()


@pytest.mark.parametrize("path", SUMMARIES, ids=lambda p: p.parent.name)
def test_null_cells_contain_zero(path):
    summary = pd.read_csv(path)
    nulls = summary[summary["null_cell"].fillna(False).astype(bool)]
    failing = nulls[(nulls["ci_low"] > 0) | (nulls["ci_high"] < 0)]
    assert failing.empty, failing[
        ["section", "cell", "comparison", "component", "mean_diff", "ci_low", "ci_high"]
    ]


@pytest.mark.parametrize("path", SUMMARIES, ids=lambda p: p.parent.name)
def test_no_null_cell_fails_its_check(path):
    """A null declared exact must be exactly zero in every replicate, any other must not be
    decided helps or hurts (undetermined is reported, not a failure)."""
    summary = pd.read_csv(path)
    nulls = summary[summary["null_cell"].fillna(False).astype(bool)]
    assert set(nulls["null_check"]) <= {"exact zero", "negligible", "undetermined"}
    failing = nulls[nulls["null_check"] == "fail"]
    assert failing.empty, failing[["section", "cell", "comparison", "component", "mean_diff"]]
