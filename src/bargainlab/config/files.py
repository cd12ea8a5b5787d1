"""Load a study file, validate it into :class:`~bargainlab.config.schema.StudySpec`, expand its sweep.

Every problem with user input becomes one :class:`ConfigError` that names the file, the
field path (``parties.dealer.delta``) and what is allowed, so the command line can print it
and exit with status 2 before anything is written.

Sweep axes are dotted paths into the study's TOML structure, e.g. ``"rounds.rho"``,
``"parties.dealer.outside_option"`` or ``"strategies.dealer.params.kind"``. The cells are the
cartesian product of the axes in file order (the last axis varies fastest); each cell is the
raw study with the axis values written in and ``sweep`` removed, validated on its own.
"""

from __future__ import annotations

import copy
import inspect
import itertools
import re
import tomllib
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..strategies import create
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
)


class ConfigError(Exception):
    """Bad user input: a study file, a sweep axis, a flag value or an output folder.

    Attributes
    ----------
    file:
        The file or folder concerned (or ``None`` when there is none, e.g. a bad flag).
    field:
        The dotted field path (``parties.dealer.delta``), a flag (``--workers``) or ``None``.
    message:
        What is wrong and what is allowed.
    problems:
        All ``(field, message)`` pairs when validation found several; the first one is also
        in ``field`` and ``message``.
    """

    def __init__(
        self,
        file: str | Path | None,
        field: str | None,
        message: str,
        problems: list[tuple[str | None, str]] | None = None,
    ) -> None:
        self.file = None if file is None else str(file)
        self.field = field
        self.message = message
        self.problems = problems or [(field, message)]
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = []
        for field, message in self.problems:
            parts = [p for p in (self.file, field) if p]
            lines.append(": ".join([*parts, message]))
        return "\n".join(lines)


@dataclass(frozen=True)
class Cell:
    """One sweep cell: its index, the axis values that define it, and its validated study."""

    index: int
    values: dict[str, Any]
    """Axis path -> value, in axis order (empty when the study has no sweep)."""
    study: StudySpec
    """The cell's study, with the overrides applied and no sweep."""


@dataclass(frozen=True)
class LoadedStudy:
    """A validated study together with the raw TOML it came from (for sweeps and storage)."""

    study: StudySpec
    raw: dict[str, Any]
    file: Path | None
    source: bytes | None
    """The file's bytes, or ``None`` for a study built in Python."""
    cells: list[Cell]
    """The sweep cells (one when there is no sweep), each validated."""
    declared_replicates: int
    """The study's own replicates (``study.replicates`` may be an override)."""


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


def available_studies(experiments_dir: str | Path = "experiments") -> list[str]:
    """Names of the studies in ``experiments_dir`` and of those shipped with the package."""
    names = {p.stem for p in Path(experiments_dir).glob("*.toml")}
    packaged = _packaged()
    if packaged.is_dir():
        names.update(p.name[:-5] for p in packaged.iterdir() if p.name.endswith(".toml"))
    return sorted(names)


def resolve_study_path(
    name_or_path: str | Path, experiments_dir: str | Path = "experiments"
) -> Path:
    """Turn ``CONFIG`` on the command line into a file path.

    A path that exists, or that looks like a path (has a suffix or a separator), is taken
    as is. A bare name such as ``rebate_renewal`` means ``experiments/<name>.toml`` when that
    exists, else the copy shipped in the package (``bargainlab/data/<name>.toml``).
    """
    path = Path(name_or_path)
    text = str(name_or_path)
    if path.exists() or path.suffix or "/" in text or "\\" in text:
        return path
    local = Path(experiments_dir) / f"{text}.toml"
    if local.is_file():
        return local
    packaged = _packaged() / f"{text}.toml"
    if packaged.is_file():
        return Path(str(packaged))
    known = available_studies(experiments_dir)
    raise ConfigError(
        text,
        None,
        f"no such file or study; known studies: {', '.join(known) or '(none)'}",
    )


def _packaged() -> Any:
    return resources.files("bargainlab") / "data"


def read_study_file(path: str | Path) -> tuple[dict[str, Any], bytes]:
    """Read and parse a TOML study file; return the raw dict and the file's bytes.

    Raises :class:`ConfigError` for a missing path, a directory, an unreadable file, bytes
    that are not UTF-8, an empty file, or text that is not TOML.
    """
    path = Path(path)
    if not path.exists():
        raise ConfigError(path, None, "no such file")
    if path.is_dir():
        raise ConfigError(path, None, "is a directory; expected a study file (.toml)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read the file: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            path,
            None,
            f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "a study file must be UTF-8 encoded TOML",
        ) from None
    if not text.strip():
        raise ConfigError(path, None, "the file is empty; expected a TOML study (see experiments/)")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, None, f"not valid TOML: {exc}") from None
    if not raw:
        raise ConfigError(path, None, "the file has no keys or tables; expected a TOML study")
    return raw, data


def load_study(
    path_or_spec: str | Path | StudySpec | Mapping[str, Any],
    *,
    replicates: int | None = None,
) -> LoadedStudy:
    """Load and validate a study from a file, a raw dict or a :class:`StudySpec`.

    ``replicates`` overrides the study's own (e.g. ``--replicates``); the override is
    validated like the rest. The sweep is checked too (axis paths and every cell), so a study
    that loads without error runs without configuration errors.
    """
    file: Path | None = None
    source: bytes | None = None
    if isinstance(path_or_spec, StudySpec):
        raw = path_or_spec.model_dump(mode="json")
    elif isinstance(path_or_spec, Mapping):
        raw = copy.deepcopy(dict(path_or_spec))
    else:
        file = Path(path_or_spec)
        raw, source = read_study_file(file)
    study = validate(raw, file)
    declared = study.replicates
    if replicates is not None:
        raw = {**raw, "replicates": replicates}
        study = validate(raw, file)
    # Expanding now checks the axes and every cell before anything runs.
    cells = _expand(study, raw, file)
    return LoadedStudy(study, raw, file, source, cells, declared_replicates=declared)


def validate(
    raw: Mapping[str, Any], file: str | Path | None = None, *, context: str = ""
) -> StudySpec:
    """Validate a raw study dict; turn pydantic's errors into one :class:`ConfigError`."""
    try:
        return StudySpec.model_validate(raw)
    except ValidationError as exc:
        problems = _problems(exc, raw)
        if context:
            problems = [(f, f"{m} ({context})") for f, m in problems]
        field, message = problems[0]
        raise ConfigError(file, field, message, problems) from None


# ---------------------------------------------------------------------------------------------
# Sweeps
# ---------------------------------------------------------------------------------------------


def axes(study: StudySpec) -> list[str]:
    """The sweep axes of a study, in order of first appearance (every grid's)."""
    return study.sweep_axes


def expand(
    study: StudySpec, raw: Mapping[str, Any] | None = None, file: str | Path | None = None
) -> list[Cell]:
    """The sweep cells of a study.

    ``sweep`` is one grid (a table of axes) or a list of grids. A grid's cells are the
    cartesian product of its axes in file order (the last axis varies fastest); the cells
    of a list of grids are those of each grid in turn. Cell ``c`` is the raw study (``raw``,
    default: the study dumped to plain data) with each of its grid's axis paths set to the
    cell's value and ``sweep`` removed, validated on its own; on the axes its grid lacks it
    keeps the study's own value, which is what :attr:`Cell.values` records for them. A
    study without a sweep has one cell. Raises :class:`ConfigError` naming the axis when a
    path is not in the schema, and naming the field and the cell when a cell is invalid.
    """
    return _expand(study, study.model_dump(mode="json") if raw is None else raw, file)


def _expand(study: StudySpec, raw: Mapping[str, Any], file: str | Path | None) -> list[Cell]:
    base = {k: v for k, v in raw.items() if k != "sweep"}
    names = study.sweep_axes
    for axis in names:
        _check_axis(axis, base, file)
    grids = study.sweep_grids or [{}]
    cells: list[Cell] = []
    for grid in grids:
        own = list(grid)
        for combo in itertools.product(*(grid[a] for a in own)):
            index = len(cells)
            values = dict(zip(own, combo, strict=True))
            cell_raw = copy.deepcopy(base)
            for axis, value in values.items():
                _set_path(cell_raw, axis, value, file)
            label = ", ".join(f"{a}={_show(v)}" for a, v in values.items())
            spec = validate(
                cell_raw, file, context=f"sweep cell {index}: {label}" if values else ""
            )
            everything = {a: values[a] if a in values else _base_value(spec, a) for a in names}
            cells.append(Cell(index=index, values=everything, study=spec))
    return cells


def _base_value(study: StudySpec, axis: str) -> Any:
    """The value a validated study has at a dotted path (strategy parameters with their
    defaults; tables as plain data; ``None`` when the path leads nowhere)."""
    node: Any = study
    for seg in axis.split("."):
        if isinstance(node, StrategySpec) and seg == "params":
            node = create(node.name, **node.params).params()
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


def _check_axis(axis: str, raw: dict[str, Any], file: str | Path | None) -> None:
    _set_path(copy.deepcopy(raw), axis, None, file, dry=True)


def _set_path(
    raw: dict[str, Any], axis: str, value: Any, file: str | Path | None, *, dry: bool = False
) -> None:
    """Write ``value`` at the dotted ``axis`` path of ``raw``, checking it against the schema.

    Missing tables are created when the schema has them (e.g. ``rounds`` left at its
    defaults, or a strategy's ``params``); keys of user-named tables (parties, arms) must
    exist already.
    """
    field = f'sweep."{axis}"'
    segments = axis.split(".")
    if not all(segments):
        raise ConfigError(file, field, "an axis is a dotted path such as rounds.rho")
    if segments[0] in UNSWEEPABLE:
        raise ConfigError(
            file,
            field,
            f"{segments[0]!r} cannot be swept; sweepable tables and fields: "
            + ", ".join(f for f in StudySpec.model_fields if f not in UNSWEEPABLE),
        )
    node: Any = raw
    tp: Any = StudySpec
    walked: list[str] = []
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        kind, inner = _container(tp)
        where = ".".join(walked) or "the study"
        if kind == "model":
            fields = inner.model_fields
            if seg not in fields:
                raise ConfigError(
                    file, field, f"{where} has no field {seg!r}; fields: {', '.join(fields)}"
                )
            tp = fields[seg].annotation
            if not last and _container(tp)[0] == "value":
                raise ConfigError(
                    file,
                    field,
                    f"{'.'.join([*walked, seg])} is a single value; the path cannot go into it",
                )
        elif kind == "dict":
            key_is_user_named = _container(inner)[0] == "model"
            if key_is_user_named and (not isinstance(node, dict) or seg not in node):
                have = ", ".join(node) if isinstance(node, dict) and node else "(none)"
                raise ConfigError(file, field, f"{where} has no entry {seg!r}; entries: {have}")
            tp = inner
        elif kind == "list":
            if not (isinstance(node, list) and seg.isdigit() and int(seg) < len(node)):
                raise ConfigError(file, field, f"{where} has no item {seg}")
            tp = inner
        elif kind == "any":
            tp = Any
        else:
            raise ConfigError(file, field, f"{where} is a single value; the path cannot go into it")
        if last:
            if not dry:
                if isinstance(node, list):
                    node[int(seg)] = copy.deepcopy(value)
                else:
                    node[seg] = copy.deepcopy(value)
            return
        index: Any = int(seg) if isinstance(node, list) else seg
        child = node[index] if isinstance(node, list) else node.get(seg)
        if child is None:
            if _container(tp)[0] in ("model", "dict", "any"):
                child = {}
                node[index] = child
            else:
                raise ConfigError(
                    file, field, f"{where}.{seg} is not set, so the path cannot go into it"
                )
        if not isinstance(child, dict | list):
            raise ConfigError(
                file, field, f"{where}.{seg} is a single value; the path cannot go into it"
            )
        node = child
        walked.append(seg)


def _strip(tp: Any) -> Any:
    """Remove ``Annotated`` and ``None`` from an annotation."""
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    if _is_union(tp):
        members = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(members) == 1:
            return _strip(members[0])
    return tp


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def _container(tp: Any) -> tuple[str, Any]:
    """Classify an annotation for path walking: model, dict, list, any, union or value."""
    tp = _strip(tp)
    if tp is Any:
        return "any", None
    if inspect.isclass(tp) and issubclass(tp, BaseModel):
        return "model", tp
    origin = typing.get_origin(tp)
    if origin is dict:
        return "dict", typing.get_args(tp)[1]
    if origin is list:
        return "list", typing.get_args(tp)[0]
    if _is_union(tp):
        return "any", None  # e.g. a prior given as a table: validation checks the inside
    return "value", tp


# ---------------------------------------------------------------------------------------------
# Error messages
# ---------------------------------------------------------------------------------------------

_SWEEP_HINT = '; sweep axes are quoted dotted paths, e.g. "rounds.rho" = [0.0, 0.5]'
_TYPE_ERRORS = re.compile(r"(_type|_parsing|model_type|dict_type|list_type|model_attributes_type)$")
_LEADING_PATH = re.compile(r"^([a-z_][a-z0-9_]*(?:\.[A-Za-z0-9_]+)+)\b")


def _problems(exc: ValidationError, raw: Mapping[str, Any]) -> list[tuple[str, str]]:
    """One ``(field path, message)`` per distinct problem, union alternatives collapsed."""
    errors = exc.errors(include_url=False)
    groups: dict[tuple, dict[str, list[dict]]] = {}
    plain: list[tuple[tuple, dict]] = []
    for err in errors:
        loc = tuple(err["loc"])
        split = _union_split(loc)
        if split is None:
            plain.append((loc, err))
        else:
            prefix, tag = split
            groups.setdefault(prefix, {}).setdefault(tag, []).append(err)
    problems: list[tuple[str, str]] = []
    order: list[tuple[str, str]] = []
    for loc, err in plain:
        order.append(_describe_error(loc, err))
    for prefix, by_tag in groups.items():
        tp = _annotation_at(prefix)
        real = {
            t: errs
            for t, errs in by_tag.items()
            if not all(_TYPE_ERRORS.search(e["type"]) for e in errs)
        }
        if real:
            # The alternative the user evidently meant: the one with the fewest complaints.
            _, errs = min(real.items(), key=lambda kv: len(kv[1]))
            for err in errs:
                inner = tuple(err["loc"])[len(prefix) + 1 :]
                allowed = tp if not inner else None
                order.append(
                    _describe_error(prefix + inner, err, annotation=allowed, in_union=True)
                )
        else:
            value = _value_at(raw, prefix)
            text = f"must be {_allowed(tp)}; got {_show(value)}"
            if prefix == ("sweep",):
                text += _SWEEP_HINT
            order.append((_join(prefix), text))
    for item in order:
        if item not in problems:
            problems.append(item)
    return problems


def _describe_error(
    loc: tuple, err: dict, *, annotation: Any = None, in_union: bool = False
) -> tuple[str, str]:
    kind = err["type"]
    msg = err["msg"]
    if kind == "extra_forbidden":
        parent = _annotation_at(loc[:-1]) if not in_union else None
        kind_, model = _container(parent) if parent is not None else ("", None)
        allowed = f"; allowed keys: {', '.join(model.model_fields)}" if kind_ == "model" else ""
        return _join(loc), f"unknown key {loc[-1]!r}{allowed}"
    if kind == "missing":
        return _join(loc), "required field is missing"
    if kind in ("value_error", "assertion_error"):
        text = re.sub(r"^(Value|Assertion) error, ", "", msg)
        return _value_error_field(loc, text, err.get("input")), text
    text = f"{msg}; got {_show(err.get('input'))}"
    tp = annotation if annotation is not None or in_union else _annotation_at(loc)
    if tp is not None and kind != "literal_error":
        text += f"; allowed: {_allowed(tp)}"
    if loc and loc[0] == "sweep" and kind == "list_type":
        text += _SWEEP_HINT
    return _join(loc), text


def _value_error_field(loc: tuple, text: str, value: Any) -> str:
    """Where a model validator's error belongs: the strategy's name/parameter, or a path at
    the start of the message (``arms.party must be one of ...``)."""
    tp = _annotation_at(loc)
    if tp is not None and _strip(tp) is StrategySpec and isinstance(value, dict):
        if text.startswith("unknown strategy"):
            return _join((*loc, "name"))
        params = value.get("params") or {}
        if "has no parameter" in text:
            return _join((*loc, "params"))
        first = re.match(r"[A-Za-z_]\w*", text)
        if first and first.group(0) in params:
            return _join((*loc, "params", first.group(0)))
    if not loc:
        m = _LEADING_PATH.match(text)
        if m:
            return m.group(1)
        return "(study)"
    return _join(loc)


def _union_split(loc: tuple) -> tuple[tuple, Any] | None:
    """If ``loc`` passes through a union member tag, return ``(loc up to the union, tag)``."""
    tp: Any = StudySpec
    for i, seg in enumerate(loc):
        if _is_union(_strip(tp)):
            return loc[:i], seg
        tp = _step(tp, seg)
        if tp is None:
            return None
    return None


def _annotation_at(loc: tuple) -> Any:
    tp: Any = StudySpec
    for seg in loc:
        tp = _step(tp, seg)
        if tp is None:
            return None
    return tp


def _step(tp: Any, seg: Any) -> Any:
    kind, inner = _container(tp)
    if kind == "model":
        f = inner.model_fields.get(seg)
        return None if f is None else _with_metadata(f)
    if kind in ("dict", "list"):
        return inner
    if kind == "value" and typing.get_origin(inner) is tuple:
        args = typing.get_args(inner)
        return args[seg] if isinstance(seg, int) and seg < len(args) else None
    return None


def _with_metadata(field: Any) -> Any:
    if field.metadata:
        return typing.Annotated[field.annotation, *field.metadata]
    return field.annotation


def _allowed(tp: Any) -> str:
    """A short human description of what an annotation accepts."""
    bounds = []
    while typing.get_origin(tp) is typing.Annotated:
        args = typing.get_args(tp)
        tp = args[0]
        for meta in args[1:]:
            bounds.extend(getattr(meta, "metadata", [meta]))
    optional = _is_union(tp) and type(None) in typing.get_args(tp)
    if _is_union(tp):
        members = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(members) > 1:
            text = ", ".join(_allowed(m) for m in members[:-1]) + f" or {_allowed(members[-1])}"
            return text
        return _allowed(members[0]) + (" (or left out)" if optional else "")
    if tp is bool:
        return "true or false"
    if tp in (int, float):
        noun = "an integer" if tp is int else "a number"
        return noun + _interval(bounds)
    if tp is str:
        return "a string"
    if typing.get_origin(tp) is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(tp))
    if inspect.isclass(tp) and issubclass(tp, BaseModel):
        return "a table with keys {" + ", ".join(tp.model_fields) + "}"
    origin = typing.get_origin(tp)
    if origin is dict:
        return "a table"
    if origin in (list, tuple):
        return "a list"
    return getattr(tp, "__name__", str(tp))


def _interval(bounds: Iterable[Any]) -> str:
    low = high = None
    low_open = high_open = False
    for b in bounds:
        if getattr(b, "ge", None) is not None:
            low = b.ge
        if getattr(b, "gt", None) is not None:
            low, low_open = b.gt, True
        if getattr(b, "le", None) is not None:
            high = b.le
        if getattr(b, "lt", None) is not None:
            high, high_open = b.lt, True
    if low is None and high is None:
        return ""
    if high is None:
        return f" {'>' if low_open else '>='} {low}"
    if low is None:
        return f" {'<' if high_open else '<='} {high}"
    return f" in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"


def _value_at(raw: Any, loc: tuple) -> Any:
    node = raw
    for seg in loc:
        try:
            node = node[seg]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _join(loc: Iterable[Any]) -> str:
    return ".".join(str(s) for s in loc) or "(study)"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


__all__ = [
    "UNSWEEPABLE",
    "Cell",
    "ConfigError",
    "LoadedStudy",
    "available_studies",
    "axes",
    "expand",
    "load_study",
    "read_study_file",
    "resolve_study_path",
    "validate",
]
