"""The carrier of bad user input, :class:`ConfigError`, and the translation of pydantic's
validation errors into its messages.

Every problem with user input becomes one :class:`ConfigError` that names the file, the
field path (``parties.dealer.delta``) and what is allowed, so the command line can print it
and exit with status 2 before anything is written. :func:`problems` turns a pydantic
``ValidationError`` into ``(field, message)`` pairs: one per distinct problem, the
alternatives of a union collapsed into the one the user evidently meant.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .annotations import annotation_at, container, is_union, strip, union_split
from .schema import StrategySpec, StudySpec


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
        problems: Sequence[tuple[str | None, str]] | None = None,
    ) -> None:
        self.file = None if file is None else str(file)
        self.field = field
        self.message = message
        self.problems: list[tuple[str | None, str]] = list(problems or [(field, message)])
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = []
        for field, message in self.problems:
            parts = [p for p in (self.file, field) if p]
            lines.append(": ".join([*parts, message]))
        return "\n".join(lines)


def validate(
    raw: Mapping[str, Any], file: str | Path | None = None, *, context: str = ""
) -> StudySpec:
    """Validate a raw study dict, strictly (a boolean is not a number, a string is not an
    integer, nested tables included); turn pydantic's errors into one :class:`ConfigError`
    (``context``, e.g. the sweep cell, is appended to every message)."""
    try:
        return StudySpec.model_validate(raw, strict=True)
    except ValidationError as exc:
        found = problems(exc, raw)
        if context:
            found = [(f, f"{m} ({context})") for f, m in found]
        field, message = found[0]
        raise ConfigError(file, field, message, found) from None


_SWEEP_HINT = '; sweep axes are quoted dotted paths, e.g. "rounds.rho" = [0.0, 0.5]'
_TYPE_ERRORS = re.compile(r"(_type|_parsing|model_type|dict_type|list_type|model_attributes_type)$")
_LEADING_PATH = re.compile(r"^([a-z_][a-z0-9_]*(?:\.[A-Za-z0-9_]+)+)\b")


def problems(exc: ValidationError, raw: Mapping[str, Any]) -> list[tuple[str, str]]:
    """One ``(field path, message)`` per distinct problem, union alternatives collapsed."""
    errors: list[Any] = list(exc.errors(include_url=False))
    groups: dict[tuple, dict[str, list[Any]]] = {}
    plain: list[tuple[tuple, Any]] = []
    for err in errors:
        loc = tuple(err["loc"])
        split = union_split(loc)
        if split is None:
            plain.append((loc, err))
        else:
            prefix, tag = split
            groups.setdefault(prefix, {}).setdefault(tag, []).append(err)
    found: list[tuple[str, str]] = []
    order: list[tuple[str, str]] = []
    for loc, err in plain:
        order.append(_describe_error(loc, err))
    for prefix, by_tag in groups.items():
        tp = annotation_at(prefix)
        real = {
            t: errs
            for t, errs in by_tag.items()
            # an alternative rejected only for types is one the user did not mean, unless it
            # is a table whose keys matched (then only a value inside it has the wrong type)
            if not all(
                _TYPE_ERRORS.search(e["type"])
                and (len(e["loc"]) == len(prefix) + 1 or not _is_model_tag(t, tp))
                for e in errs
            )
        }
        if real:
            # The alternative the user evidently meant: the one with the fewest complaints.
            _, errs = min(real.items(), key=lambda kv: len(kv[1]))
            for err in errs:
                inner = tuple(err["loc"])[len(prefix) + 1 :]
                meant = tp if not inner else None
                order.append(_describe_error(prefix + inner, err, annotation=meant, in_union=True))
        else:
            value = _value_at(raw, prefix)
            text = f"must be {allowed(tp)}; got {show(value)}"
            if prefix == ("sweep",):
                text += _SWEEP_HINT
            order.append((join(prefix), text))
    for item in order:
        if item not in found:
            found.append(item)
    return found


def _is_model_tag(tag: Any, tp: Any) -> bool:
    """Whether a union member tag (``Uniform``, ``function-after[_order(), Uniform]``) names
    a model alternative of the union annotation ``tp``."""
    members = typing.get_args(strip(tp)) if is_union(strip(tp)) else ()
    names = [m.__name__ for m in members if inspect.isclass(m) and issubclass(m, BaseModel)]
    return any(re.search(rf"\b{re.escape(n)}\b", str(tag)) for n in names)


def _describe_error(
    loc: tuple, err: dict, *, annotation: Any = None, in_union: bool = False
) -> tuple[str, str]:
    kind = err["type"]
    msg = err["msg"]
    if kind == "extra_forbidden":
        parent = annotation_at(loc[:-1]) if not in_union else None
        kind_, model = container(parent) if parent is not None else ("", None)
        keys = (
            f"; allowed keys: {', '.join(model.model_fields)}"
            if kind_ == "model" and model is not None
            else ""
        )
        return join(loc), f"unknown key {loc[-1]!r}{keys}"
    if kind == "missing":
        return join(loc), "required field is missing"
    if kind in ("value_error", "assertion_error"):
        text = re.sub(r"^(Value|Assertion) error, ", "", msg)
        field = _value_error_field(loc, text, err.get("input"))
        if text.startswith(f"{field} ") and not text.startswith(f"{field} ("):
            text = text[len(field) + 1 :]  # the field is printed before the message anyway
        return field, text
    text = f"{msg}; got {show(err.get('input'))}"
    tp = annotation if annotation is not None or in_union else annotation_at(loc)
    if tp is not None and kind != "literal_error":
        text += f"; allowed: {allowed(tp)}"
    if loc and loc[0] == "sweep" and kind == "list_type":
        text += _SWEEP_HINT
    return join(loc), text


def _value_error_field(loc: tuple, text: str, value: Any) -> str:
    """Where a model validator's error belongs: the strategy's name/parameter, or a path at
    the start of the message (``arms.party must be one of ...``)."""
    tp = annotation_at(loc)
    if tp is not None and strip(tp) is StrategySpec and isinstance(value, dict):
        if text.startswith("unknown strategy"):
            return join((*loc, "name"))
        params = value.get("params") or {}
        if "has no parameter" in text:
            return join((*loc, "params"))
        first = re.match(r"[A-Za-z_]\w*", text)
        if first and first.group(0) in params:
            return join((*loc, "params", first.group(0)))
    if not loc:
        m = _LEADING_PATH.match(text)
        if m:
            return m.group(1)
        return "(study)"
    return join(loc)


def allowed(tp: Any) -> str:
    """A short human description of what an annotation accepts."""
    bounds: list[Any] = []
    while typing.get_origin(tp) is typing.Annotated:
        args = typing.get_args(tp)
        tp = args[0]
        for meta in args[1:]:
            bounds.extend(getattr(meta, "metadata", [meta]))
    optional = is_union(tp) and type(None) in typing.get_args(tp)
    if is_union(tp):
        members = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(members) > 1:
            text = ", ".join(allowed(m) for m in members[:-1]) + f" or {allowed(members[-1])}"
            return text
        return allowed(members[0]) + (" (or left out)" if optional else "")
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


def join(loc: Iterable[Any]) -> str:
    """A location as a dotted field path (``"(study)"`` for the whole study)."""
    return ".".join(str(s) for s in loc) or "(study)"


def show(value: Any) -> str:
    """A value as the user wrote it, shortened to 80 characters."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


__all__ = ["ConfigError", "allowed", "join", "problems", "show", "validate"]
