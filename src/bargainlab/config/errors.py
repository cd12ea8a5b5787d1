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
from .integers import MAX_INTEGER_BITS, digit_count
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
        """One problem (``field``, ``message``), or several in ``problems`` (the first of
        which should be ``field`` and ``message``)."""
        self.file = None if file is None else str(file)
        self.field = field
        self.message = message
        self.problems: list[tuple[str | None, str]] = list(problems or [(field, message)])
        super().__init__(str(self))

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by the constructor's arguments (the default would call it with the message
        alone), so that the error crosses to and from worker processes whole."""
        return (type(self), (self.file, self.field, self.message, self.problems))

    def __str__(self) -> str:
        """One line per problem: ``file: field: message``, leaving out what is ``None``."""
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
    """One ``(field path, message)`` per distinct problem, union alternatives collapsed.

    Pydantic reports a value that fits no member of a union once per member; those errors
    are grouped by the union they pass through and described by :func:`_describe_union`, the
    others one by one; a message that comes out twice is kept once, where it first came.
    """
    plain: list[tuple[tuple, Any]] = []
    groups: dict[tuple, dict[str, list[Any]]] = {}
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        split = union_split(loc)
        if split is None:
            plain.append((loc, err))
        else:
            prefix, tag = split
            groups.setdefault(prefix, {}).setdefault(tag, []).append(err)
    found = [_describe_error(loc, err) for loc, err in plain]
    for prefix, by_tag in groups.items():
        found.extend(_describe_union(prefix, by_tag, raw))
    return list(dict.fromkeys(found))


def _describe_union(
    prefix: tuple, by_tag: Mapping[str, list[Any]], raw: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """The problems of a value at ``prefix`` that fits no member of its union, given the
    errors of each member (by tag): those of the member the user evidently meant (the one
    with the fewest complaints, among those not rejected for types alone), or, when every
    member was rejected for its type, one message saying what the union allows."""
    tp = annotation_at(prefix)
    real = {tag: errs for tag, errs in by_tag.items() if not _type_only(errs, prefix, tag, tp)}
    if not real:
        text = f"must be {allowed(tp)}; got {show(_value_at(raw, prefix))}"
        if prefix == ("sweep",):
            text += _SWEEP_HINT
        return [(join(prefix), text)]
    _, errs = min(real.items(), key=lambda kv: len(kv[1]))
    out = []
    for err in errs:
        inner = tuple(err["loc"])[len(prefix) + 1 :]
        meant = tp if not inner else None
        out.append(_describe_error(prefix + inner, err, annotation=meant, in_union=True))
    return out


def _type_only(errs: list[Any], prefix: tuple, tag: Any, tp: Any) -> bool:
    """Whether a union member was rejected only for types: then it is one the user did not
    mean, unless it is a table whose keys matched (only a value inside it has the wrong type,
    reported deeper than the member itself)."""
    return all(
        _TYPE_ERRORS.search(e["type"])
        and (len(e["loc"]) == len(prefix) + 1 or not _is_model_tag(tag, tp))
        for e in errs
    )


def _is_model_tag(tag: Any, tp: Any) -> bool:
    """Whether a union member tag (``Uniform``, ``function-after[_order(), Uniform]``) names
    a model alternative of the union annotation ``tp``."""
    members = typing.get_args(strip(tp)) if is_union(strip(tp)) else ()
    names = [m.__name__ for m in members if inspect.isclass(m) and issubclass(m, BaseModel)]
    return any(re.search(rf"\b{re.escape(n)}\b", str(tag)) for n in names)


def _describe_error(
    loc: tuple, err: dict, *, annotation: Any = None, in_union: bool = False
) -> tuple[str, str]:
    """``(field path, message)`` of one pydantic error at ``loc``.

    ``annotation`` is what the field allows when the caller knows it better than the path
    does (a union member); ``in_union`` says the error concerns one member of a union, whose
    own keys or annotation the path cannot tell.
    """
    kind = err["type"]
    if kind == "extra_forbidden":
        return join(loc), f"unknown key {loc[-1]!r}{_allowed_keys(loc, in_union)}"
    if kind == "missing":
        return join(loc), "required field is missing"
    if kind in ("value_error", "assertion_error"):
        return _validator_message(loc, err)
    text = f"{err['msg']}; got {show(err.get('input'))}"
    tp = annotation if annotation is not None or in_union else annotation_at(loc)
    if tp is not None and kind != "literal_error":
        text += f"; allowed: {allowed(tp)}"
    if loc and loc[0] == "sweep" and kind == "list_type":
        text += _SWEEP_HINT
    return join(loc), text


def _allowed_keys(loc: tuple, in_union: bool) -> str:
    """``"; allowed keys: ..."`` for an unknown key at ``loc`` when its table is a model the
    path leads to, else ``""``."""
    parent = annotation_at(loc[:-1]) if not in_union else None
    kind, model = container(parent) if parent is not None else ("", None)
    if kind == "model" and model is not None:
        return f"; allowed keys: {', '.join(model.model_fields)}"
    return ""


def _validator_message(loc: tuple, err: dict) -> tuple[str, str]:
    """``(field, message)`` of a validator's own error: the message without pydantic's
    prefix, under the field it belongs to (see :func:`_value_error_field`), which is not
    repeated at the message's start."""
    text = re.sub(r"^(Value|Assertion) error, ", "", err["msg"])
    field = _value_error_field(loc, text, err.get("input"))
    if text.startswith(f"{field} ") and not text.startswith(f"{field} ("):
        text = text[len(field) + 1 :]  # the field is printed before the message anyway
    return field, text


def _value_error_field(loc: tuple, text: str, value: Any) -> str:
    """Where a model validator's error belongs: the strategy's name/parameter, or a path at
    the start of the message (``arms.party must be one of ...``)."""
    tp = annotation_at(loc)
    spec = None if tp is None else strip(tp)
    if isinstance(spec, type) and issubclass(spec, StrategySpec) and isinstance(value, dict):
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
    if is_union(tp):
        return _allowed_union(tp)
    if tp in (int, float):
        noun = "an integer" if tp is int else "a number"
        return noun + _interval(bounds)
    return _allowed_plain(tp)


def _allowed_union(tp: Any) -> str:
    """``"a, b or c"`` for a union of several members; one member, optional or not, reads
    as that member (``"(or left out)"`` when ``None`` is allowed)."""
    members = [a for a in typing.get_args(tp) if a is not type(None)]
    if len(members) > 1:
        return ", ".join(allowed(m) for m in members[:-1]) + f" or {allowed(members[-1])}"
    optional = type(None) in typing.get_args(tp)
    return allowed(members[0]) + (" (or left out)" if optional else "")


def _allowed_plain(tp: Any) -> str:
    """What a type that is neither a union nor a number accepts, in TOML words."""
    if tp is bool:
        return "true or false"
    if tp is str:
        return "a string"
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(tp))
    if inspect.isclass(tp) and issubclass(tp, BaseModel):
        return "a table with keys {" + ", ".join(tp.model_fields) + "}"
    if origin is dict:
        return "a table"
    if origin in (list, tuple):
        return "a list"
    return getattr(tp, "__name__", str(tp))


def _interval(bounds: Iterable[Any]) -> str:
    """A number's range from its constraints: ``" in [0, 1]"``, ``" in (0, 1)"``, ``" >= 2"``,
    ``" < 5"``, or ``""`` when it has none."""
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
    """The value the user gave at ``loc`` in the raw study (``None`` when there is none)."""
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
    """A value as the user wrote it, shortened to 80 characters (an integer too long to
    print as its number of digits)."""
    if isinstance(value, int) and value.bit_length() > MAX_INTEGER_BITS:
        return f"an integer of about {digit_count(value.bit_length()):,} digits"
    try:
        text = repr(value)
    except ValueError:  # it holds an integer longer than Python prints
        return "a value too large to show"
    return text if len(text) <= 80 else text[:77] + "..."


__all__ = ["ConfigError", "allowed", "join", "problems", "show", "validate"]
