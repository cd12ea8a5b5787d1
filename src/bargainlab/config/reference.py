"""The study-file reference, generated from the schema and the strategy registry.

:func:`markdown_reference` walks :class:`~bargainlab.config.schema.StudySpec` and every model
it contains and writes one Markdown table per TOML table of a study file: every key with its
type, default, allowed values and meaning. Meanings are the attribute docstrings of the
models (the one place they are written), types and ranges come from the annotations, so the
reference cannot drift from what validation accepts. A second part lists every registered
strategy with its parameters, from the dataclass fields and their documentation.

The documentation site renders this at build time; a unit test checks that every field of
every model appears.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
import textwrap
import types
import typing
from collections.abc import Iterator
from functools import cache
from typing import Annotated, Any, Literal, cast

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from ..strategies import available, get
from .schema import StudySpec

__all__ = ["Section", "attribute_docs", "markdown_reference", "sections", "strategy_reference"]

_PLACEHOLDERS = {
    ("StudySpec", "parties"): "<party>",
    ("StudySpec", "strategies"): "<party>",
    ("ArmsSpec", "strategies"): "<arm>",
}
"""Names of the keys of a table of tables (``[parties.<party>]``)."""


@dataclasses.dataclass
class Section:
    """One model of the schema and the TOML paths where it appears."""

    model: type[BaseModel]
    paths: list[str]
    """``""`` for the top level; ``"[issue]"``, ``"[[null_cells]]"``, ``"{ low, high }"``..."""

    @property
    def anchor(self) -> str:
        """The section's link target in the page (see :func:`_anchor`)."""
        return _anchor(self.model)


def _anchor(model: type) -> str:
    """A model's link target: its name in kebab case (``StudySpec`` -> ``study-spec``)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", model.__name__).lower()


# ---- attribute docstrings -----------------------------------------------------------------
@cache
def _own_attribute_docs(cls: type) -> dict[str, str]:
    """The docstrings written under the annotated attributes in ``cls``'s own source (a
    string expression right after ``name: type = ...``); empty when the source is not
    available."""
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        return {}
    body = ast.parse(source).body[0]
    docs: dict[str, str] = {}
    if not isinstance(body, ast.ClassDef):
        return docs
    for node, after in zip(body.body, body.body[1:], strict=False):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[node.target.id] = inspect.cleandoc(after.value.value)
    return docs


def attribute_docs(cls: type) -> dict[str, str]:
    """The docstrings written under the attributes of ``cls`` and its bases (nearest first)."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if klass in (object, BaseModel):
            continue
        docs.update(_own_attribute_docs(klass))
        docs.update(_numpy_parameters(klass.__doc__ or "") if "__doc__" in vars(klass) else {})
    return docs


def _numpy_parameters(doc: str) -> dict[str, str]:
    """Entries of a numpy-style ``Parameters`` section (``name:`` then an indented text)."""
    lines = inspect.cleandoc(doc).splitlines()
    out: dict[str, str] = {}
    try:
        start = next(
            i for i, line in enumerate(lines[:-1]) if line.strip() == "Parameters"
            and set(lines[i + 1].strip()) == {"-"}
        )  # fmt: skip
    except StopIteration:
        return out
    names: list[str] = []
    for line in lines[start + 2 :]:
        if not line.strip():
            continue
        if not line.startswith(" "):
            if set(line.strip()) == {"-"} or not line.rstrip().endswith(":"):
                break
            names = [n.strip() for n in line.rstrip()[:-1].split(",")]
            continue
        for name in names:
            out[name] = f"{out.get(name, '')} {line.strip()}".strip()
    return out


# ---- rendering ------------------------------------------------------------------------------
def _inline(text: str) -> str:
    """Docstring text as one line of table-safe Markdown."""
    text = " ".join(text.split())
    text = re.sub(r":\w+:`~?([^`]+)`", lambda m: f"`{m.group(1).split('.')[-1]}`", text)
    text = text.replace("``", "`")
    return text.replace("|", "\\|")


def _num(bound: object) -> str:
    """A bound as written in the reference: ``1`` for 1.0, else the shortest ``g`` form."""
    # annotated_types types a bound as SupportsGe, SupportsGt, ...; the schema's are numbers
    value = cast(float, bound)
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


_BOUND_FORMS: tuple[tuple[type, str, str, str], ...] = (
    (at.Ge, "low", "ge", "[{}"),
    (at.Gt, "low", "gt", "({}"),
    (at.Le, "high", "le", "{}]"),
    (at.Lt, "high", "lt", "{})"),
)
"""Constraint class, the side of the range it bounds, its attribute, and how the side is
written in interval notation (a bracket for a closed side, a parenthesis for an open one)."""


def _constraints(metadata: list[Any]) -> Iterator[Any]:
    """The constraints in a field's metadata (a nested ``Field(...)`` gives its own)."""
    for item in metadata:
        yield from item.metadata if isinstance(item, FieldInfo) else [item]


def _bounds(metadata: list[Any]) -> list[str]:
    """The ``allowed`` entries of a field's constraints: its range (``[0, 1]``, ``≥ 2``,
    ``< 5``) and the pattern a string must match."""
    ends: dict[str, str] = {}
    pattern = None
    for b in _constraints(metadata):
        form = next((f for f in _BOUND_FORMS if isinstance(b, f[0])), None)
        if form is not None:
            _, side, attribute, text = form
            ends[side] = text.format(_num(getattr(b, attribute)))
        elif getattr(b, "pattern", None):
            pattern = b.pattern
    out = _range(ends.get("low"), ends.get("high"))
    if pattern:
        out.append(f"matches `{pattern}`")
    return out


def _range(low: str | None, high: str | None) -> list[str]:
    """``[low, high]`` in interval notation when both sides are bounded, else the one bound
    as an inequality (``≥ 0``, ``> 0``, ``≤ 1``, ``< 1``); empty when neither is."""
    if low and high:
        return [f"{low}, {high}"]
    if low:
        return [f"≥ {low[1:]}" if low[0] == "[" else f"> {low[1:]}"]
    if high:
        return [f"≤ {high[:-1]}" if high[-1] == "]" else f"< {high[:-1]}"]
    return []


def _describe(tp: Any, metadata: list[Any] | None = None) -> tuple[str, list[str]]:
    """``(type, allowed)`` of an annotation in TOML words."""
    allowed = _bounds(metadata or [])
    origin = typing.get_origin(tp)
    if origin is Annotated:
        base, *extra = typing.get_args(tp)
        kind, more = _describe(base, extra)
        return kind, allowed + more
    if origin in (typing.Union, types.UnionType):
        return _describe_union(tp, allowed)
    if origin is Literal:
        return "string", [*allowed, "one of " + ", ".join(f'`"{v}"`' for v in typing.get_args(tp))]
    return _kind(tp), allowed


def _describe_union(tp: Any, allowed: list[str]) -> tuple[str, list[str]]:
    """A union without ``None``: an optional value reads as its one member (its constraints
    joining ``allowed``), several members as ``"a or b"``, each with its own range."""
    described = [_describe(a) for a in typing.get_args(tp) if a is not type(None)]
    if len(described) == 1:
        return described[0][0], allowed + described[0][1]
    kinds = [k if not more else f"{k} in {' and '.join(more)}" for k, more in described]
    return " or ".join(kinds), allowed


_NAMES = {bool: "boolean", int: "integer", float: "number", str: "string"}
"""TOML words of the plain types."""


def _kind(tp: Any) -> str:
    """The TOML word of a type that is neither annotated, a union nor a literal: a table, an
    array, a pair, a table of the schema (linked), a plain value or its type's name."""
    origin = typing.get_origin(tp)
    if origin is dict:
        _, value = typing.get_args(tp)
        return f"table of {_plural(_describe(value)[0])}"
    if origin is list:
        (item,) = typing.get_args(tp)
        kind = _describe(item)[0]
        return "array" if kind == "value" else f"array of {_plural(kind)}"
    if origin is tuple:
        args = typing.get_args(tp)
        return f"pair of {_describe(args[0])[0]}s"
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return f"table (see [below](#{_anchor(tp)}))"
    if tp is Any:
        return "value"
    return _NAMES.get(tp, getattr(tp, "__name__", str(tp)))


def _plural(kind: str) -> str:
    """The plural of a kind's first word (``table (see ...)`` -> ``tables (see ...)``)."""
    word, _, rest = kind.partition(" ")
    return " ".join(p for p in (word + "s", rest) if p)


def _label(model: type[BaseModel]) -> str:
    """How a model is written in a TOML path: a prior as its inline table, else its name."""
    return {"Uniform": "{ low, high }", "TruncatedNormal": "{ mean, sd }"}.get(
        model.__name__, model.__name__
    )


def _default(field: FieldInfo) -> str:
    """A field's default as TOML in backticks, ``**required**`` without one, ``(table)``
    for a table of the schema and ``(none)`` for ``None``."""
    if field.default is PydanticUndefined and field.default_factory is None:
        return "**required**"
    value = field.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return "(table)"
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    if isinstance(value, list | tuple):
        return "`[" + ", ".join(f'"{v}"' if isinstance(v, str) else str(v) for v in value) + "]`"
    if isinstance(value, dict):
        return "`{}`" if not value else f"`{value}`"
    return f"`{value}`"


# ---- walking the schema ----------------------------------------------------------------------
def _models_in(tp: Any) -> Iterator[tuple[type[BaseModel], str]]:
    """Models inside an annotation, with how they nest: ``""``, ``"dict"`` or ``"list"``."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is Annotated:
        yield from _models_in(args[0])
    elif origin in (typing.Union, types.UnionType):
        for a in args:
            yield from _models_in(a)
    elif origin is dict:
        for model, how in _models_in(args[1]):
            yield model, how or "dict"
    elif origin is list:
        for model, how in _models_in(args[0]):
            yield model, how or "list"
    elif isinstance(tp, type) and issubclass(tp, BaseModel):
        yield tp, ""


def sections(root: type[BaseModel] = StudySpec) -> list[Section]:
    """Every model reachable from ``root``, depth first in field order, with its TOML paths."""
    found: dict[type[BaseModel], Section] = {root: Section(root, [""])}

    def visit(model: type[BaseModel], prefix: str) -> None:
        """Record the models in ``model``'s fields (``prefix`` is its TOML key), and visit
        each model the first time it is found."""
        for name, field in model.model_fields.items():
            for sub, how in _models_in(field.annotation):
                key = f"{prefix}.{name}" if prefix else name
                if sub.__name__ in ("Uniform", "TruncatedNormal"):
                    path = f"{key} = {_label(sub)}"
                elif how == "dict":
                    key = f"{key}.{_PLACEHOLDERS.get((model.__name__, name), '<name>')}"
                    path = f"[{key}]"
                elif how == "list":
                    path = f"[[{key}]]"
                else:
                    path = f"[{key}]"
                section = found.get(sub)
                if section is None:
                    found[sub] = Section(sub, [path])
                    visit(sub, key)
                elif path not in section.paths:
                    section.paths.append(path)

    visit(root, "")
    return list(found.values())


def _model_table(section: Section) -> list[str]:
    """The Markdown lines of one section: heading, the model's summary, a row per key."""
    model = section.model
    docs = attribute_docs(model)
    if section.paths == [""]:
        title = "Top-level keys"
    else:
        title = ", ".join(f"`{p}`" for p in section.paths)
    lines = [f"### {title} {{ #{section.anchor} }}", ""]
    if model.__doc__:
        lines += [_inline(inspect.cleandoc(model.__doc__).split("\n\n")[0]), ""]
    lines += ["| key | type | default | allowed | meaning |", "|---|---|---|---|---|"]
    for name, field in model.model_fields.items():
        kind, allowed = _describe(field.annotation, field.metadata)
        meaning = _inline(docs.get(name, field.description or ""))
        allowed_text = "; ".join(allowed).replace("|", "\\|")
        lines.append(f"| `{name}` | {kind} | {_default(field)} | {allowed_text} | {meaning} |")
    return [*lines, ""]


def strategy_reference() -> str:
    """Every registered strategy and its parameters as Markdown (from the registry)."""
    lines = []
    for name in available():
        cls = get(name)
        summary = _inline(inspect.cleandoc(cls.__doc__ or "").split("\n\n")[0])
        lines += [f"### `{name}` {{ #strategy-{name} }}", "", summary, ""]
        # register() accepts only dataclasses; is_dataclass() would narrow type[Strategy] to Never
        fields = [f for f in dataclasses.fields(cast(Any, cls)) if f.init]
        if not fields:
            lines += ["No parameters.", ""]
            continue
        docs = attribute_docs(cls)
        lines += ["| parameter | default | meaning |", "|---|---|---|"]
        for f in fields:
            default = f.default if f.default is not dataclasses.MISSING else None
            if default is None:
                shown = "(none)"
            elif isinstance(default, bool):
                shown = f"`{str(default).lower()}`"
            else:
                shown = f"`{default!r}`".replace("'", '"')
            lines.append(f"| `{f.name}` | {shown} | {_inline(docs.get(f.name, ''))} |")
        lines.append("")
    return "\n".join(lines)


def markdown_reference(heading_level: int = 2) -> str:
    """The whole study-file reference as Markdown: the tables of the schema, then the
    registered strategies. ``heading_level`` is the level of its two part headings."""
    h = "#" * heading_level
    lines = [f"{h} Tables and keys", ""]
    for section in sections():
        lines += _model_table(section)
    lines += [f"{h} Strategies", "", strategy_reference()]
    text = "\n".join(lines)
    return text.replace("\n### ", f"\n{h}# ")
