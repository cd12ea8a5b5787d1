"""Walking the study schema's type annotations by field path.

Both the sweep (which checks that an axis such as ``rounds.rho`` leads to a field) and the
error messages (which say what a field allows) need to know, for a path into a study, what
type the schema declares there. These helpers answer that from the pydantic models alone.
"""

from __future__ import annotations

import inspect
import types
import typing
from typing import Any

from pydantic import BaseModel

from .schema import StudySpec


def strip(tp: Any) -> Any:
    """Remove ``Annotated`` and ``None`` from an annotation."""
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    if is_union(tp):
        members = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(members) == 1:
            return strip(members[0])
    return tp


def is_union(tp: Any) -> bool:
    """Whether an annotation is a union (``A | B`` or ``Union[A, B]``)."""
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def container(tp: Any) -> tuple[str, Any]:
    """Classify an annotation for path walking: ``("model", cls)``, ``("dict", value type)``,
    ``("list", item type)``, ``("any", None)`` (anything, or a union whose inside validation
    checks) or ``("value", type)``."""
    tp = strip(tp)
    if tp is Any:
        return "any", None
    if inspect.isclass(tp) and issubclass(tp, BaseModel):
        return "model", tp
    origin = typing.get_origin(tp)
    if origin is dict:
        return "dict", typing.get_args(tp)[1]
    if origin is list:
        return "list", typing.get_args(tp)[0]
    if is_union(tp):
        return "any", None  # e.g. a prior given as a table: validation checks the inside
    return "value", tp


def step(tp: Any, seg: Any) -> Any:
    """The annotation one path segment below ``tp`` (``None`` when there is none)."""
    kind, inner = container(tp)
    if kind == "model":
        f = inner.model_fields.get(seg)
        return None if f is None else with_metadata(f)
    if kind in ("dict", "list"):
        return inner
    if kind == "value" and typing.get_origin(inner) is tuple:
        args = typing.get_args(inner)
        return args[seg] if isinstance(seg, int) and seg < len(args) else None
    return None


def annotation_at(loc: tuple) -> Any:
    """The annotation at a location (a tuple of path segments) of a study, or ``None``."""
    tp: Any = StudySpec
    for seg in loc:
        tp = step(tp, seg)
        if tp is None:
            return None
    return tp


def with_metadata(field: Any) -> Any:
    """A pydantic field's annotation with its constraints (``ge``, ``le``, ...) attached."""
    if field.metadata:
        return typing.Annotated[field.annotation, *field.metadata]
    return field.annotation


def union_split(loc: tuple) -> tuple[tuple, Any] | None:
    """If ``loc`` passes through a union member tag, return ``(loc up to the union, tag)``."""
    tp: Any = StudySpec
    for i, seg in enumerate(loc):
        if is_union(strip(tp)):
            return loc[:i], seg
        tp = step(tp, seg)
        if tp is None:
            return None
    return None


__all__ = [
    "annotation_at",
    "container",
    "is_union",
    "step",
    "strip",
    "union_split",
    "with_metadata",
]
