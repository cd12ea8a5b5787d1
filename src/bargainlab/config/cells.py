"""A study's sweep cells as one typed table: what a run writes as ``cells.parquet``.

Every other table of a run (rounds, replicates, trajectories, mediation, the summary's
parts) names a sweep cell by its index alone, ``cell``; :class:`SweepCells` holds what each
cell is: one row per cell with its ``label`` and one typed column per sweep axis, named by
the axis's dotted path. The type of an axis is decided here, once, from the cells' validated
values (:func:`axis_kind`):

* ``bool``, ``int`` (``int64``), ``float`` (``float64``; integers and floats mixed) and
  ``text`` (``string``) when every cell's value is of that kind;
* ``struct`` when every value is a mapping with the same keys, each key's values of one of
  those kinds (a swept prior over behavioural types, a swept distribution such as
  ``{low = 0.0, high = 0.5}``): a Parquet struct with one typed field per key;
* ``text`` holding :func:`written` of each value when the values mix kinds
  (``arms.treatment_rounds = ["all", 1]``, a number in one grid and a distribution in another).

Nothing after the config is loaded decodes a value or guesses its type: reporting reads the
typed values, their text (:func:`value_text`) and the labels from here, and the
pre-registered null cells are matched to cells from the validated values
(:meth:`SweepCells.matching`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
import pyarrow as pa

from .paths import lookup, same_value
from .schema import StudySpec
from .sweep import Cell, expand

__all__ = [
    "Axis",
    "AxisKind",
    "SweepCells",
    "axis_kind",
    "axis_label",
    "value_text",
    "written",
]

AxisKind = Literal["bool", "int", "float", "text", "struct"]
"""How an axis's values are stored: see the module docstring."""

_ARROW: dict[str, pa.DataType] = {
    "bool": pa.bool_(),
    "int": pa.int64(),
    "float": pa.float64(),
    "text": pa.string(),
}

UNSWEPT_LABEL = "the study"
"""The label of the one cell of a study without a sweep."""


@dataclass(frozen=True)
class Axis:
    """One sweep axis: its dotted path, how its values are stored and its readable label."""

    path: str
    kind: AxisKind
    label: str
    """The study's ``analysis.labels`` entry, else a readable form of the path
    (:func:`axis_label`)."""
    fields: tuple[tuple[str, AxisKind], ...] = ()
    """A ``struct`` axis's keys and the kind of each (empty for the other kinds)."""

    def arrow_type(self) -> pa.DataType:
        """The Parquet (Arrow) type of the axis's column."""
        if self.kind == "struct":
            return pa.struct([(key, _ARROW[kind]) for key, kind in self.fields])
        return _ARROW[self.kind]


def axis_label(path: str, study: StudySpec | None = None) -> str:
    """The declared label of a sweep axis (``study.analysis.labels``), else a readable form
    of its path: ``parties.dealer.outside_option`` -> "dealer's outside option",
    ``strategies.dealer.params.kind`` -> "dealer's kind", ``rounds.rho`` -> "rho"."""
    if study is not None and path in study.analysis.labels:
        return study.analysis.labels[path]
    seg = [s for s in path.split(".") if s != "params"]
    if seg[0] in ("parties", "strategies") and len(seg) >= 3:
        return f"{seg[1]}'s {' '.join(seg[2:])}".replace("_", " ")
    if seg[0] == "strategies" and len(seg) == 2:
        return f"{seg[1]}'s strategy"
    if seg[0] in ("rounds", "game") and len(seg) > 1:
        seg = seg[1:]
    return " ".join(seg).replace("_", " ")


def _scalar_kind(value: Any) -> AxisKind | None:
    """The kind of a scalar value (``None`` for a mapping, a list or ``None``)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "text"
    return None


def _common_kind(values: Sequence[Any]) -> AxisKind | None:
    """The one scalar kind of ``values`` (integers and floats together are ``float``), or
    ``None`` when they mix kinds or are not scalars."""
    kinds = {_scalar_kind(v) for v in values}
    if None in kinds or not kinds:
        return None
    if kinds == {"int", "float"}:
        return "float"
    return kinds.pop() if len(kinds) == 1 else None


def axis_kind(values: Sequence[Any]) -> tuple[AxisKind, tuple[tuple[str, AxisKind], ...]]:
    """How an axis with these (validated) values is stored, and a struct's fields."""
    kind = _common_kind(values)
    if kind is not None:
        return kind, ()
    if values and all(isinstance(v, Mapping) and v for v in values):
        keys = list(values[0])
        if all(list(v) == keys for v in values):
            kinds = [_common_kind([v[k] for v in values]) for k in keys]
            if all(k is not None for k in kinds):
                return "struct", tuple(zip(keys, kinds, strict=True))  # type: ignore[arg-type]
    return "text", ()


def value_text(value: Any) -> str:
    """A value as the reports print it: ``0.8``, ``naive``, ``yes``; a mapping as its entries
    (``obstinate 0.05, firm 0.2``), a list as ``[0.1, 0.2]``, nothing as ``none``."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k} {value_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    return "none" if value is None else str(value)


def written(value: Any) -> str:
    """The text stored for a value of an axis that mixes kinds: a text as it is, a number as
    written (``0.0``, ``1``), a boolean as ``true``/``false``, a mapping as its entries
    (``low 0, high 0.5``, see :func:`value_text`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return value_text(value)


def _typed(axis: Axis, value: Any) -> Any:
    """A validated value as the axis stores it."""
    convert = {"bool": bool, "int": int, "float": float}
    if axis.kind == "struct":
        fields = dict(axis.fields)
        return {k: convert.get(fields[k], str)(v) for k, v in value.items()}
    if axis.kind == "text":
        return value if isinstance(value, str) else written(value)
    return convert[axis.kind](value)


def _grid_axes(study: StudySpec, count: int) -> list[tuple[str, ...]]:
    """Per cell, the axes of the grid it comes from (the grids' cells follow each other)."""
    out: list[tuple[str, ...]] = []
    for grid in study.sweep_grids:
        out += [tuple(grid)] * math.prod(len(v) for v in grid.values())
    return out if len(out) == count else [tuple(study.sweep_axes)] * count


@dataclass(frozen=True)
class SweepCells:
    """The sweep cells of a study, typed (see the module docstring); build it with
    :meth:`of` from a loaded study's cells."""

    axes: tuple[Axis, ...]
    cells: tuple[int, ...]
    """The cell indices, in order."""
    values: tuple[dict[str, Any], ...]
    """Per cell (in :attr:`cells` order), axis path -> the value as stored."""
    validated: tuple[dict[str, Any], ...]
    """Per cell, axis path -> the validated value (what null cells are matched against)."""
    described: tuple[tuple[str, ...], ...]
    """Per cell, the axes that describe it: those of the grid it comes from (with a union
    of grids, the other axes sit at the study's own values there)."""
    labels: tuple[str, ...]
    """Per cell, a short readable label (``dealer's learning bayesian, supplier's policy in
    all``; ``the study`` for a study without a sweep)."""

    @classmethod
    def of(cls, study: StudySpec, cells: Sequence[Cell]) -> SweepCells:
        """The typed cells of ``study`` from its expanded cells (``LoadedStudy.cells``)."""
        paths = list(study.sweep_axes)
        axes = []
        for path in paths:
            kind, fields = axis_kind([c.values[path] for c in cells])
            axes.append(Axis(path, kind, axis_label(path, study), fields))
        values = tuple({a.path: _typed(a, c.values[a.path]) for a in axes} for c in cells)
        described = tuple(_grid_axes(study, len(cells)) if paths else [()] * len(cells))
        labels = tuple(_label(axes, v, d) for v, d in zip(values, described, strict=True))
        return cls(
            axes=tuple(axes),
            cells=tuple(int(c.index) for c in cells),
            values=values,
            validated=tuple(dict(c.values) for c in cells),
            described=described,
            labels=labels,
        )

    @classmethod
    def of_study(cls, study: StudySpec) -> SweepCells:
        """:meth:`of` a study's cells, expanding its sweep (each cell validated)."""
        return cls.of(study, expand(study))

    @property
    def paths(self) -> list[str]:
        """The axes' dotted paths, in order."""
        return [a.path for a in self.axes]

    def __len__(self) -> int:
        """The number of cells."""
        return len(self.cells)

    def axis(self, path: str) -> Axis:
        """The axis at ``path``."""
        for axis in self.axes:
            if axis.path == path:
                return axis
        raise KeyError(f"{path!r} is not a sweep axis; axes: {self.paths}")

    def _at(self, cell: int) -> int:
        """The position of cell ``cell`` (``KeyError`` naming the cells for an unknown one)."""
        try:
            return self.cells.index(int(cell))
        except ValueError:
            raise KeyError(f"no sweep cell {cell}; cells 0..{len(self) - 1}") from None

    def value(self, cell: int, path: str) -> Any:
        """Cell ``cell``'s value on the axis ``path``, as stored."""
        return self.values[self._at(cell)][path]

    def text(self, cell: int, path: str) -> str:
        """Cell ``cell``'s value on ``path`` as the reports print it (:func:`value_text`)."""
        return value_text(self.value(cell, path))

    def label(self, cell: int) -> str:
        """Cell ``cell``'s label."""
        return self.labels[self._at(cell)]

    def describing(self, cell: int) -> tuple[str, ...]:
        """The axes that describe cell ``cell`` (see :attr:`described`)."""
        return self.described[self._at(cell)]

    def arrow(self) -> pa.Table:
        """The cells table as Arrow: ``cell`` (int64), ``label`` (string), one typed column
        per axis."""
        columns = {"cell": pa.array(self.cells, pa.int64()), "label": pa.array(self.labels)}
        for axis in self.axes:
            column = [v[axis.path] for v in self.values]
            columns[axis.path] = pa.array(column, axis.arrow_type())
        return pa.table(columns)

    def frame(self) -> pd.DataFrame:
        """The cells table as pandas reads ``cells.parquet`` (a struct's values as dicts)."""
        return self.arrow().to_pandas()

    def flat(self, paths: Sequence[str] | None = None) -> pd.DataFrame:
        """``cell`` and the axes ``paths`` (default: all), a struct axis as the text of its
        values, so that every column can be compared, grouped and sorted."""
        chosen = self.paths if paths is None else list(paths)
        frame = self.frame()[["cell", *chosen]]
        for path in chosen:
            if self.axis(path).kind == "struct":
                frame[path] = [self.text(c, path) for c in self.cells]
        return frame

    def attach(self, frame: pd.DataFrame, paths: Sequence[str] | None = None) -> pd.DataFrame:
        """``frame`` (with a ``cell`` column) with the axes ``paths`` (default: all, as in
        :meth:`flat`) right after ``cell``: a view for analyses that group by axis values."""
        flat = self.flat(paths)
        chosen = [c for c in flat.columns if c != "cell"]
        merged = frame.drop(columns=[c for c in chosen if c in frame.columns]).merge(
            flat, on="cell", how="left", validate="many_to_one"
        )
        front = ["cell", *chosen]
        return merged[[*front, *(c for c in merged.columns if c not in front)]]

    def matching(self, where: Mapping[str, Any], study: StudySpec) -> list[int]:
        """The cells whose validated values equal ``where`` (dotted path -> value; a path
        that is not a sweep axis is compared with the study's own value)."""
        dumped: dict[str, Any] | None = None
        fixed: dict[str, Any] = {}
        for path in where:
            if path not in self.paths:
                dumped = dumped if dumped is not None else study.model_dump(mode="json")
                fixed[path] = lookup(dumped, path)
        if not all(same_value(fixed[p], where[p]) for p in fixed):
            return []
        return [
            cell
            for cell, values in zip(self.cells, self.validated, strict=True)
            if all(same_value(values[p], w) for p, w in where.items() if p not in fixed)
        ]


def _label(axes: Sequence[Axis], values: Mapping[str, Any], described: Sequence[str]) -> str:
    """A cell's label: each describing axis's label and value (a value that lists entries,
    such as a mapping, in parentheses)."""
    parts = []
    for axis in axes:
        if axis.path in described:
            text = value_text(values[axis.path])
            parts.append(f"{axis.label} ({text})" if ", " in text else f"{axis.label} {text}")
    return ", ".join(parts) or UNSWEPT_LABEL
