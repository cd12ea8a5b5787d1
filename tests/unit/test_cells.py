"""The typed cells table: one type per axis decided from the validated values, labels, the
Parquet layout (cells.parquet) and null cells matched from the validated values."""

from __future__ import annotations

import io

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bargainlab.config.cells import SweepCells, axis_kind, value_text, written
from bargainlab.config.files import load_study, resolve_study_path
from bargainlab.config.sweep import Cell
from studies import study

PRIORS = [
    {"obstinate": 0.05, "firm": 0.2, "soft": 0.75},
    {"obstinate": 0.4, "firm": 0.3, "soft": 0.3},
]


def cells_of(spec, values: list[dict]) -> SweepCells:
    """Typed cells of hand-made cell values (the study supplies labels and grids)."""
    return SweepCells.of(spec, [Cell(i, v, spec) for i, v in enumerate(values)])


def test_each_axis_gets_one_type_from_the_validated_values():
    assert axis_kind([0.0, 0.5]) == ("float", ())
    assert axis_kind([1, 2]) == ("int", ())
    assert axis_kind([1, 0.5]) == ("float", ())  # integers and floats: float
    assert axis_kind([True, False]) == ("bool", ())
    assert axis_kind(["naive", "bayesian"]) == ("text", ())
    assert axis_kind(["all", 1]) == ("text", ())  # mixed kinds: text
    assert axis_kind([True, 1]) == ("text", ())  # a boolean is not a number
    assert axis_kind([0.0, {"low": 0.0, "high": 0.1}]) == ("text", ())
    assert axis_kind(PRIORS) == (
        "struct",
        (("obstinate", "float"), ("firm", "float"), ("soft", "float")),
    )
    # mappings with other keys, or a key of mixed kinds, are text
    assert axis_kind([{"a": 1}, {"b": 1}]) == ("text", ())
    assert axis_kind([{"a": 1}, {"a": "x"}]) == ("text", ())


def test_values_are_stored_typed_and_mixed_axes_as_readable_text():
    spec = study()
    sweep = [
        {"rounds.rho": 0.5, "arms.treatment_rounds": "all", "condition.cost": 0.0, "reputation.prior": PRIORS[0]},
        {"rounds.rho": 1, "arms.treatment_rounds": 1, "condition.cost": {"low": 0.0, "high": 0.1}, "reputation.prior": PRIORS[1]},
    ]  # fmt: skip
    cells = cells_of(spec.model_copy(update={"sweep": {k: [] for k in sweep[0]}}), sweep)
    assert [a.kind for a in cells.axes] == ["float", "text", "text", "struct"]
    assert cells.value(1, "rounds.rho") == 1.0 and isinstance(cells.value(1, "rounds.rho"), float)
    assert [cells.value(c, "arms.treatment_rounds") for c in (0, 1)] == ["all", "1"]
    assert [cells.value(c, "condition.cost") for c in (0, 1)] == ["0.0", "low 0, high 0.1"]
    assert cells.value(0, "reputation.prior") == PRIORS[0]
    assert cells.text(0, "reputation.prior") == "obstinate 0.05, firm 0.2, soft 0.75"


def test_missing_values_make_an_axis_text_never_nan():
    spec = study()
    values = [{"x": 1, "y": True}, {"x": None, "y": None}]
    cells = cells_of(spec.model_copy(update={"sweep": {"x": [], "y": []}}), values)
    assert [a.kind for a in cells.axes] == ["text", "text"]
    assert cells.values == ({"x": "1", "y": "true"}, {"x": "none", "y": "none"})


def test_the_parquet_table_has_one_typed_column_per_axis_and_reads_back_equal():
    spec = study()
    sweep = {"rounds.rho": [0.0, 0.5], "game.allow_exit": [True, False], "reputation.prior": PRIORS}
    values = [{"rounds.rho": r, "game.allow_exit": e, "reputation.prior": p}
              for r, e, p in zip(*sweep.values(), strict=True)]  # fmt: skip
    cells = cells_of(spec.model_copy(update={"sweep": {k: [] for k in sweep}}), values)
    table = cells.arrow()
    assert table.schema.field("cell").type == pa.int64()
    assert table.schema.field("rounds.rho").type == pa.float64()
    assert table.schema.field("game.allow_exit").type == pa.bool_()
    prior = table.schema.field("reputation.prior").type
    assert pa.types.is_struct(prior) and [f.name for f in prior] == ["obstinate", "firm", "soft"]
    sink = io.BytesIO()
    pq.write_table(table, sink)
    back = pd.read_parquet(io.BytesIO(sink.getvalue()))
    pd.testing.assert_frame_equal(back, cells.frame())
    assert back["reputation.prior"].tolist() == PRIORS
    # flat: a struct as the text of its values, so it can be grouped and compared
    assert cells.flat()["reputation.prior"].tolist() == [value_text(p) for p in PRIORS]


def test_labels_use_the_study_labels_and_a_study_without_sweep_has_one():
    spec = load_study(resolve_study_path("rebate_renewal"))
    cells = SweepCells.of(spec.study, spec.cells)
    assert cells.label(0) == "dealer's learning bayesian, supplier's policy in all"
    assert cells.label(1) == "dealer's learning bayesian, supplier's policy in 1"
    plain = SweepCells.of_study(study())
    assert plain.paths == [] and plain.labels == ("the study",)
    assert list(plain.frame().columns) == ["cell", "label"]


def test_a_union_of_grids_describes_each_cell_by_its_own_grid():
    spec = study(
        sweep=[{"rounds.rho": [0.0, 0.5]}, {"condition.value": [0.0], "condition.cost": [0.0]}]
    )
    cells = SweepCells.of_study(spec)
    assert len(cells) == 3
    assert cells.describing(0) == ("rounds.rho",)
    assert cells.describing(2) == ("condition.value", "condition.cost")
    assert cells.label(2) == "condition value 0, condition cost 0.0"
    # the cost is a number in one grid and a distribution in the other: text
    assert cells.axis("condition.cost").kind == "text"
    assert cells.value(0, "condition.cost") == "low 0, high 0.1"


def test_null_cells_are_matched_from_the_validated_values():
    spec = study(
        sweep=[{"rounds.rho": [0.0, 0.5]}, {"condition.value": [0.0], "condition.cost": [0.0]}]
    )
    cells = SweepCells.of_study(spec)
    assert cells.matching({"rounds.rho": 0.0}, spec) == [0]  # cell 2 is at the base rho, 1
    assert cells.matching({"condition.value": 0.0, "condition.cost": 0.0}, spec) == [2]
    assert cells.matching({"condition.cost": {"low": 0.0, "high": 0.1}}, spec) == [0, 1]
    # a path that is not an axis is the study's own value, for every cell
    assert cells.matching({"rounds.count": 4}, spec) == [0, 1, 2]
    assert cells.matching({"rounds.count": 1}, spec) == []
    with pytest.raises(ValueError, match="neither a sweep axis nor a field"):
        cells.matching({"no.such": 1}, spec)


def test_written_text_of_mixed_values():
    assert written(1) == "1" and written(0.0) == "0.0" and written(True) == "true"
    assert written("all") == "all"
    assert written({"low": 0.0, "high": 0.5}) == "low 0, high 0.5"
    assert value_text([0.1, 2]) == "[0.1, 2]" and value_text(None) == "none"
