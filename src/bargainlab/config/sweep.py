"""Expanding a study's sweep into cells, and dotted paths into its TOML structure.

Sweep axes are dotted paths into the study's TOML structure, e.g. ``"rounds.rho"``,
``"parties.dealer.outside_option"`` or ``"strategies.dealer.params.kind"``. ``sweep`` is one
grid (a table of axes) or a list of grids. A grid's cells are the cartesian product of its
axes in file order (the last axis varies fastest); the cells of a list of grids are those of
each grid in turn. Cell ``c`` is the raw study with each of its grid's axis paths set to the
cell's value and ``sweep`` removed, validated on its own.

Cost: the number of cells is computed from the lengths of the axes before anything is
expanded, and a sweep of more than :data:`MAX_CELLS` cells is refused at once. Expanding
validates every cell once (so a study that loads runs without configuration errors) but
keeps, per cell, only its axis values: a cell's study is rebuilt from the shared base when it
is asked for (the most recent ones are cached), so memory grows with the number of cells
times the number of axes, not with the size of a study per cell.
"""

from __future__ import annotations

import copy
import functools
import itertools
import math
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..strategies import describe
from .annotations import container
from .errors import ConfigError, show, validate
from .schema import StrategySpec, StudySpec

#: Top-level fields a sweep may not vary: they define the run itself, not a model cell.
UNSWEEPABLE = (
    "name",
    "question",
    "replicates",
    "seed",
    "chunk",
    "sweep",
    "null_cells",
    "reproduce",
    "traces",
    "tournament",
    "analysis",
    "changes",
)

MAX_CELLS = 20_000
"""Most sweep cells a study may have. Every cell is validated before a run starts (about a
millisecond each) and runs at least two replicates of every arm, so a larger grid is almost
certainly a mistake (three axes of a hundred values are a million cells)."""

_CACHED_CELLS = 256
"""Cell studies kept once built (the most recently used), so that asking for a cell's study
again does not validate it again."""


class Cell:
    """One sweep cell: its index, the axis values that define it, and its validated study.

    ``Cell(index, values, study)`` holds its study; cells made by :func:`expand` rebuild it
    from the study's raw data on demand (the last few hundred are cached).
    """

    __slots__ = ("_build", "_study", "index", "values")

    def __init__(
        self,
        index: int,
        values: dict[str, Any],
        study: StudySpec | None = None,
        *,
        build: Callable[[int], StudySpec] | None = None,
    ) -> None:
        """A cell holding its ``study``, or one that rebuilds it with ``build(index)``."""
        self.index = index
        self.values = values
        """Axis path -> value, in axis order (empty when the study has no sweep)."""
        self._study = study
        self._build = build

    @property
    def study(self) -> StudySpec:
        """The cell's study, with the overrides applied and no sweep."""
        if self._study is None and self._build is not None:
            return self._build(self.index)
        return self._study  # type: ignore[return-value]

    def __eq__(self, other: object) -> bool:
        """Equal when index, values and study are (however each cell holds its study)."""
        if not isinstance(other, Cell):
            return NotImplemented
        return (self.index, self.values, self.study) == (other.index, other.values, other.study)

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type[Cell], tuple[int, dict[str, Any], StudySpec]]:
        """Pickle (e.g. to send to a worker) with the cell's study, not the shared builder."""
        return (Cell, (self.index, self.values, self.study))

    def __repr__(self) -> str:
        """Index and values only: a study is too long to show."""
        return f"Cell(index={self.index}, values={self.values!r})"


def cell_count(study: StudySpec) -> int:
    """Number of sweep cells (1 without a sweep), computed without expanding anything."""
    grids = study.sweep_grids
    return sum(math.prod(len(v) for v in grid.values()) for grid in grids) if grids else 1


def check_cell_count(study: StudySpec, file: str | Path | None) -> int:
    """Return :func:`cell_count`, or raise :class:`ConfigError` when it exceeds
    :data:`MAX_CELLS` (in microseconds, before anything is expanded)."""
    n = cell_count(study)
    if n > MAX_CELLS:
        sizes = " + ".join(
            " x ".join(str(len(v)) for v in grid.values()) for grid in study.sweep_grids
        )
        raise ConfigError(
            file,
            "sweep",
            f"the sweep has {n:,} cells ({sizes} values); at most {MAX_CELLS:,} are allowed: "
            "sweep fewer values, or split the study",
        )
    return n


def expand(
    study: StudySpec,
    raw: Mapping[str, Any] | None = None,
    file: str | Path | None = None,
    *,
    visit: Callable[[Cell, StudySpec], None] | None = None,
) -> list[Cell]:
    """The sweep cells of a study, each validated.

    Cell ``c`` is the raw study (``raw``, default: the study dumped to plain data) with each
    of its grid's axis paths set to the cell's value and ``sweep`` (and the axes' labels,
    ``analysis.labels``) removed; on the axes its
    grid lacks it keeps the study's own value, which is what :attr:`Cell.values` records for
    them. A study without a sweep has one cell. ``visit(cell, study)`` is called with each
    cell's validated study as it is made (to tally sizes or warnings without keeping them).
    Raises :class:`ConfigError` naming the sweep when it has too many cells, naming the axis
    when a path is not in the schema, and naming the field and the cell when a cell is
    invalid.
    """
    raw = study.model_dump(mode="json") if raw is None else raw
    check_cell_count(study, file)
    base = _without_sweep(raw)
    names = study.sweep_axes
    if not names:
        cell = Cell(0, {}, validate(base, file))
        if visit is not None:
            visit(cell, cell.study)
        return [cell]
    for axis in names:
        set_path(copy.deepcopy(base), axis, None, file, dry=True)
    builder = _Builder(base, study.sweep_grids, file)
    cells: list[Cell] = []
    for index, values in enumerate(builder.combinations()):
        spec = builder.validate(index, values)
        everything = {a: values[a] if a in values else base_value(spec, a) for a in names}
        cell = Cell(index, everything, build=builder.study)
        if visit is not None:
            visit(cell, spec)
        cells.append(cell)
    return cells


def _without_sweep(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The raw study every cell starts from: ``raw`` without ``sweep`` and without the axes'
    labels (``analysis.labels`` name sweep axes: they belong with the sweep, not with a cell).
    Shallow: the tables it shares with ``raw`` are copied before a cell changes them."""
    base = {k: v for k, v in raw.items() if k != "sweep"}
    if isinstance(base.get("analysis"), Mapping) and base["analysis"].get("labels"):
        base["analysis"] = {k: v for k, v in base["analysis"].items() if k != "labels"}
    return base


class _Builder:
    """Makes the raw data and the study of a cell from the shared base and its index."""

    def __init__(
        self, base: dict[str, Any], grids: list[dict[str, list[Any]]], file: str | Path | None
    ) -> None:
        """Cells from ``base`` (the raw study without its sweep) and the sweep's ``grids``."""
        self.base = base
        self.grids = grids
        self.file = file
        self.study = functools.lru_cache(maxsize=_CACHED_CELLS)(self._study)

    def combinations(self) -> Iterator[dict[str, Any]]:
        """Every cell's axis values, in cell order: each grid's cartesian product in turn,
        the last axis of a grid varying fastest."""
        for grid in self.grids:
            own = list(grid)
            for combo in itertools.product(*(grid[a] for a in own)):
                yield dict(zip(own, combo, strict=True))

    def values_of(self, index: int) -> dict[str, Any]:
        """The axis values of cell ``index`` without enumerating the cells before it: the
        index within its grid, written in the mixed radix of the grid's axis lengths."""
        for grid in self.grids:
            size = math.prod(len(v) for v in grid.values())
            if index < size:
                values: dict[str, Any] = {}
                for axis in reversed(list(grid)):  # the last axis varies fastest
                    index, i = divmod(index, len(grid[axis]))
                    values[axis] = grid[axis][i]
                return {a: values[a] for a in grid}
            index -= size
        raise IndexError("no such sweep cell")

    def raw(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The raw study of a cell: the base with each axis set (copying only the tables on
        the axes' paths)."""
        cell = dict(self.base)
        for axis, value in values.items():
            set_path(cell, axis, value, self.file, copy_on_write=True)
        return cell

    def validate(self, index: int, values: Mapping[str, Any]) -> StudySpec:
        """The validated study of a cell; its errors name the cell and its values."""
        label = ", ".join(f"{a}={show(v)}" for a, v in values.items())
        return validate(self.raw(values), self.file, context=f"sweep cell {index}: {label}")

    def _study(self, index: int) -> StudySpec:
        """The study of cell ``index`` (cached per builder, see :data:`_CACHED_CELLS`)."""
        return self.validate(index, self.values_of(index))


def base_value(study: StudySpec, axis: str) -> Any:
    """The value a validated study has at a dotted path (strategy parameters with their
    defaults; tables as plain data; ``None`` when the path leads nowhere)."""
    node: Any = study
    for seg in axis.split("."):
        if isinstance(node, StrategySpec) and seg == "params":
            node = dict(describe(node.name, node.params).params)
        elif isinstance(node, BaseModel):
            node = getattr(node, seg, None)
        elif isinstance(node, Mapping):
            node = node.get(seg)
        elif isinstance(node, list | tuple) and seg.isdigit() and int(seg) < len(node):
            node = node[int(seg)]
        else:
            return None
        if node is None:
            return None
    return node.model_dump(mode="json") if isinstance(node, BaseModel) else node


def set_path(
    raw: dict[str, Any],
    axis: str,
    value: Any,
    file: str | Path | None,
    *,
    dry: bool = False,
    copy_on_write: bool = False,
) -> None:
    """Write ``value`` at the dotted ``axis`` path of ``raw``, checking it against the schema.

    Missing tables are created when the schema has them (e.g. ``rounds`` left at its
    defaults, or a strategy's ``params``); keys of user-named tables (parties, arms) must
    exist already. With ``copy_on_write`` every table or list on the path is copied before
    it is changed, so ``raw`` may share the rest of its data with other cells. With ``dry``
    the path is only checked and ``raw`` is left as it was (apart from the tables created on
    the way). Raises :class:`ConfigError` naming ``sweep."<axis>"`` and the first segment
    that the schema or the data does not allow.
    """
    path = _AxisPath(axis, file)
    node: Any = raw
    tp: Any = StudySpec
    for i, seg in enumerate(path.segments):
        last = i == len(path.segments) - 1
        tp = path.step(tp, i, node)
        index: Any = int(seg) if isinstance(node, list) else seg
        if last:
            if not dry:
                node[index] = value if copy_on_write else copy.deepcopy(value)
            return
        node = path.descend(node, i, tp, copy_on_write=copy_on_write)


class _AxisPath:
    """A sweep axis split into segments, walked against the schema and the raw data at once.

    Each method checks one segment and raises :class:`ConfigError` naming the axis
    (``sweep."<axis>"``) with a message that says where the path stops and why.
    """

    def __init__(self, axis: str, file: str | Path | None) -> None:
        """Split ``axis`` at its dots; refuse an empty segment and an unsweepable table."""
        self.file = file
        self.field = f'sweep."{axis}"'
        self.segments = axis.split(".")
        if not all(self.segments):
            raise self.error("an axis is a dotted path such as rounds.rho")
        if self.segments[0] in UNSWEEPABLE:
            raise self.error(
                f"{self.segments[0]!r} cannot be swept; sweepable tables and fields: "
                + ", ".join(f for f in StudySpec.model_fields if f not in UNSWEEPABLE)
            )

    def error(self, message: str) -> ConfigError:
        """A :class:`ConfigError` about this axis."""
        return ConfigError(self.file, self.field, message)

    def where(self, i: int) -> str:
        """The path walked before segment ``i``, as the messages name it."""
        return ".".join(self.segments[:i]) or "the study"

    def step(self, tp: Any, i: int, node: Any) -> Any:
        """The annotation segment ``i`` leads to from the annotation ``tp`` (at data ``node``).

        A model must have the field; a table of models (parties, arms) must already have
        the entry, while a table of values may gain one; a list must have the item; the
        inside of ``Any`` (or of a union validation checks) is not checked here.
        """
        kind, inner = container(tp)
        if kind == "model":
            return self._field(inner, i)
        if kind == "dict":
            return self._entry(inner, i, node)
        if kind == "list":
            return self._item(inner, i, node)
        if kind == "any":
            return Any
        raise self.error(f"{self.where(i)} is a single value; the path cannot go into it")

    def _entry(self, value_type: Any, i: int, node: Any) -> Any:
        """The value type of a table; a table of models is user-named (parties, arms), so
        segment ``i`` must be one of its entries already."""
        seg = self.segments[i]
        if container(value_type)[0] == "model" and (not isinstance(node, dict) or seg not in node):
            have = ", ".join(node) if isinstance(node, dict) and node else "(none)"
            raise self.error(f"{self.where(i)} has no entry {seg!r}; entries: {have}")
        return value_type

    def _item(self, item_type: Any, i: int, node: Any) -> Any:
        """The item type of a list, whose item segment ``i`` must exist."""
        seg = self.segments[i]
        if not (isinstance(node, list) and seg.isdigit() and int(seg) < len(node)):
            raise self.error(f"{self.where(i)} has no item {seg}")
        return item_type

    def _field(self, model: type[BaseModel], i: int) -> Any:
        """The annotation of the field segment ``i`` names in ``model``; a field holding a
        single value must be the path's last segment."""
        seg = self.segments[i]
        fields = model.model_fields
        if seg not in fields:
            raise self.error(f"{self.where(i)} has no field {seg!r}; fields: {', '.join(fields)}")
        tp = fields[seg].annotation
        if i < len(self.segments) - 1 and container(tp)[0] == "value":
            raise self.error(
                f"{'.'.join(self.segments[: i + 1])} is a single value; the path cannot go into it"
            )
        return tp

    def descend(self, node: Any, i: int, tp: Any, *, copy_on_write: bool) -> Any:
        """The table or list below ``node`` at segment ``i`` (whose annotation is ``tp``),
        stored back into ``node``: created empty when absent and the schema has a table
        there, copied first with ``copy_on_write``."""
        seg = self.segments[i]
        index: Any = int(seg) if isinstance(node, list) else seg
        child = node[index] if isinstance(node, list) else node.get(seg)
        if child is None:
            if container(tp)[0] not in ("model", "dict", "any"):
                raise self.error(f"{self.where(i)}.{seg} is not set, so the path cannot go into it")
            child = {}
        elif not isinstance(child, dict | list):
            raise self.error(f"{self.where(i)}.{seg} is a single value; the path cannot go into it")
        elif copy_on_write:
            child = dict(child) if isinstance(child, dict) else list(child)
        node[index] = child
        return child


__all__ = [
    "MAX_CELLS",
    "UNSWEEPABLE",
    "Cell",
    "base_value",
    "cell_count",
    "check_cell_count",
    "expand",
    "set_path",
]
