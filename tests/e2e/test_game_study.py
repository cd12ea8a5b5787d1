"""A study with an empirical game, run end to end: its profiles meet the same draws, the four
parts are written beside the summary with a figure and a report section, and reproduce
compares them like the other parts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from bargainlab.analysis.summary import Summary
from bargainlab.experiments.pipeline import run_study
from bargainlab.experiments.reproduction import compare_parts
from studies import GAME_STUDY


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("game")
    path = root / "game.toml"
    path.write_text(GAME_STUDY, encoding="utf-8")
    return run_study(path, root / "run", executor="serial", progress=False).path


@pytest.mark.slow
def test_every_profile_of_a_game_meets_the_same_draws(run_dir):
    rounds = pd.read_parquet(run_dir / "rounds.parquet")
    supplier = rounds[(rounds["party"] == "supplier") & (rounds["round"] == 1)]
    values = supplier.pivot_table(
        index=["arm", "replicate"], columns="cell", values="reservation_value"
    )
    # cells 0 and 1 are one game (rho 0.5), cells 2 and 3 the other
    pd.testing.assert_series_equal(values[0], values[1], check_names=False)
    pd.testing.assert_series_equal(values[2], values[3], check_names=False)
    assert not values[0].equals(values[2])


@pytest.mark.slow
def test_the_game_is_written_beside_the_summary(run_dir):
    for name in ("game", "equilibria", "regrets", "option"):
        assert (run_dir / "summary" / f"{name}.csv").is_file()
    assert (run_dir / "figures" / "game.png").is_file()
    report = (run_dir / "report.md").read_text(encoding="utf-8")
    assert "## When both sides choose: the empirical game" in report
    assert "![game](figures/game.png)" in report
    assert "### Beside the essay's two-round game" in report


@pytest.mark.slow
def test_reproduce_compares_the_games_parts(run_dir):
    summary = Summary.read(run_dir / "summary")
    assert compare_parts(summary, summary, 0.0, "game").empty
    option = summary.option.assign(estimate=summary.option["estimate"] + 1e-6)
    drift = compare_parts(summary.with_parts(option=option), summary, 1e-9, "game")
    assert set(drift["part"]) == {"option"} and set(drift["column"]) == {"estimate"}
