"""Golden checks on the committed results: no pre-registered null cell fails, and each study's
committed cells table is the one its study file gives.

`bargainlab reproduce` (run in CI) re-runs every study and fails when a committed number
drifts; this test checks what those numbers must say about the null cells, so a change that
created an effect in a null cell fails here even after `reproduce --update`.
"""

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from bargainlab.analysis.summary import Summary
from bargainlab.config.cells import SweepCells
from bargainlab.config.files import load_study

RESULTS = Path(__file__).resolve().parents[2] / "results"
STUDIES = sorted(p.parent for p in RESULTS.glob("*/summary"))


def test_every_study_has_committed_results():
    experiments = {p.stem for p in (RESULTS.parent / "experiments").glob("*.toml")}
    assert experiments == {p.name for p in STUDIES}
    assert (RESULTS / "README.md").is_file()
    for folder in STUDIES:
        assert (folder / "cells.parquet").is_file() and (folder / "report.md").is_file()
        assert not (folder / "summary.csv").exists()  # the older layout is gone


def null_rows_with_intervals(summary: Summary) -> pd.DataFrame:
    """Each null row with the interval of the row it tests."""
    keys = ["cell", "treatment", "control"]
    nulls = summary.nulls
    total = nulls[nulls["tested"] == "total"].merge(summary.effects, on=[*keys, "window"])
    channels = summary.channels.rename(columns={"component": "tested", "window": "channel_window"})
    channel = nulls[nulls["tested"] != "total"].merge(channels, on=[*keys, "tested"])
    return pd.concat([total, channel], ignore_index=True)


@pytest.mark.parametrize("folder", STUDIES, ids=lambda p: p.name)
def test_null_cells_contain_zero(folder):
    summary = Summary.read(folder / "summary")
    rows = null_rows_with_intervals(summary)
    assert len(rows) == len(summary.nulls)  # every null row names a row of the summary
    failing = rows[(rows["ci_low"] > 0) | (rows["ci_high"] < 0)]
    assert failing.empty, failing[["cell", "treatment", "control", "tested", "mean_diff"]]


@pytest.mark.parametrize("folder", STUDIES, ids=lambda p: p.name)
def test_no_null_cell_fails_its_check(folder):
    """A null declared exact must be exactly zero in every replicate, any other must not be
    decided helps or hurts (undetermined is reported, not a failure)."""
    nulls = Summary.read(folder / "summary").nulls
    assert set(nulls["check"]) <= {"exact zero", "negligible", "undetermined"}
    failing = nulls[nulls["check"] == "fail"]
    assert failing.empty, failing[["cell", "treatment", "control", "tested", "reason"]]


@pytest.mark.parametrize("folder", STUDIES, ids=lambda p: p.name)
def test_committed_cells_are_the_study_files(folder):
    loaded = load_study(RESULTS.parent / "experiments" / f"{folder.name}.toml")
    expected = SweepCells.of(loaded.study, loaded.cells).arrow()
    assert pq.read_table(folder / "cells.parquet").equals(expected)
