"""The summary's parts: each declaration checks its tables, and a part written as CSV reads
back with the same values and dtypes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bargainlab.analysis.parts import (
    EFFECTS,
    PARTS,
    POWER,
    TOURNAMENT_MIX,
    describe_parts,
    markdown_reference,
    part,
)
from bargainlab.analysis.summary import Summary
from bargainlab.experiments.reproduction import compare_parts


def power_rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cell": [0, 0, 1],
            "treatment": ["a", "a", "a"],
            "control": ["b", "b", "b"],
            "family": ["effect", "survival", "effect"],
            "window": ["later", "round1", "later"],
            "mde": [0.1 / 3, np.nan, 1e-17],
            "n_needed": [12, 2, 3_000_000],
            "extra": [1, 2, 3],  # not declared: left out
        }
    )


def test_every_part_declares_its_keys_first_and_once():
    names = [p.name for p in PARTS]
    assert len(set(names)) == len(names)
    for declared in PARTS:
        assert declared.names[: len(declared.keys)] == list(declared.keys), declared.name
        assert len(set(declared.names)) == len(declared.names)
        assert all(c.meaning for c in declared.columns)
        assert part(declared.name) is declared
    with pytest.raises(KeyError, match="no summary part 'nope'"):
        part("nope")


def test_a_part_keeps_its_declared_columns_in_their_dtypes():
    table = POWER.check(power_rows())
    assert list(table.columns) == POWER.names
    assert str(table["cell"].dtype) == "int64" and str(table["n_needed"].dtype) == "int64"
    assert str(table["mde"].dtype) == "float64"
    with pytest.raises(ValueError, match="missing column"):
        POWER.check(power_rows().drop(columns="mde"))
    with pytest.raises(ValueError, match="blanks in column 'n_needed'"):
        POWER.check(power_rows().assign(n_needed=[1, None, 2]))
    with pytest.raises(ValueError, match="several rows"):
        POWER.check_keys(POWER.check(pd.concat([power_rows(), power_rows()])))


def test_csv_round_trips_to_the_last_bit_with_blanks():
    table = POWER.check(power_rows())
    back = POWER.read_csv(POWER.to_csv(table))
    pd.testing.assert_frame_equal(back, table)
    assert back["mde"].iloc[0] == 0.1 / 3 and np.isnan(back["mde"].iloc[1])
    mix = TOURNAMENT_MIX.check(
        pd.DataFrame(
            {
                "context": [0, 0],
                "start": ["uniform", "uniform"],
                "population": ["focal", "focal"],
                "strategy": ["a", "b"],
                "share_start": [0.5, 0.5],
                "share_final": [1.0, 0.0],
                "spreads": [True, None],  # on the treatment's row only
                "support": [0.9, np.nan],
            }
        )
    )
    assert str(mix["spreads"].dtype) == "boolean"
    again = TOURNAMENT_MIX.read_csv(TOURNAMENT_MIX.to_csv(mix))
    pd.testing.assert_frame_equal(again, mix)
    assert TOURNAMENT_MIX.to_csv(again) == TOURNAMENT_MIX.to_csv(mix)


def test_reproduce_compares_every_part_blanks_included():
    mix = TOURNAMENT_MIX.read_csv(
        "context,start,population,strategy,share_start,share_final,spreads,support\n"
        "0,uniform,focal,a,0.5,1.0,True,0.9\n0,uniform,focal,b,0.5,0.0,,\n"
    )
    committed = Summary.of({"power": power_rows(), "tournament_mix": mix})
    assert compare_parts(committed, committed, 0.0, "s").empty
    flipped = mix.assign(spreads=pd.array([False, None], dtype="boolean"))
    moved = POWER.check(power_rows()).assign(mde=lambda t: t["mde"] + 1e-6)
    drift = compare_parts(
        committed.with_parts(tournament_mix=flipped, power=moved), committed, 1e-9, "s"
    )
    assert drift[["part", "column"]].values.tolist() == [
        ["power", "mde"],
        ["power", "mde"],
        ["tournament_mix", "spreads"],
    ]
    assert compare_parts(Summary.of({"power": power_rows()}), committed, 0.0)["row"].tolist() == [
        "(part)"
    ]


def test_a_summary_has_every_part_and_says_which_apply(tmp_path):
    summary = Summary.of({"power": power_rows()})
    assert summary.parts == ("power",) and summary.has("power") and not summary.has("effects")
    assert summary.effects.empty and list(summary.effects.columns) == EFFECTS.names
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "effects.csv").write_text("stale")
    assert [p.name for p in summary.write(tmp_path / "s")] == ["power.csv"]
    assert not (tmp_path / "s" / "effects.csv").exists()  # a part it does not have is removed
    assert Summary.read(tmp_path / "s").equals(summary)
    with pytest.raises(ValueError, match="no summary part"):
        Summary.of({"section": power_rows()})


def test_the_reference_lists_every_column_of_every_part():
    text = describe_parts()
    for declared in PARTS:
        assert f"## `{declared.file}`" in text
        assert markdown_reference(declared) in text
