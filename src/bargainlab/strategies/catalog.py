"""What a strategy is, from its name and parameters, without building it.

Reports, figures and checks need facts about the strategies a study names: does the party
learn, and how; is a policy's likelihood exact; which declared type is the policy an arm
plays. :func:`describe` answers from the registry and the classes' declared facts
(:meth:`Strategy.classify <bargainlab.strategies.base.Strategy.classify>`) alone, as
Axelrod's ``classifier`` does::

    from bargainlab.strategies import describe

    info = describe("learner", {"kind": "naive"})
    info.classifier.learns        # True
    info.learning                 # how it learns, in one line
    describe("face_saver", {}) == describe("face_saver", {"condition": True})  # same policy

:func:`~bargainlab.strategies.registry.available` filters the registered names by the same
facts. :func:`catalog` lists every strategy (the library's, plugins' and those registered by
running code) with its parameters, their defaults and its facts at those defaults (what
``bargainlab strategies`` prints).
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from .base import FACTS, Classifier, Strategy
from .registry import available, get, parameters, plugin_of


@dataclass(frozen=True)
class StrategyInfo:
    """A strategy as named by a study: its registered name, its parameters with the
    defaults filled in, its facts with these parameters and how it learns.

    Two infos are equal when they name the same policy (the same registered name and the
    same parameters, defaults filled in): the strategies :func:`create
    <bargainlab.strategies.registry.create>` would build from them are equal. Infos hash
    alike when they are equal (parameters must then be hashable values).
    """

    name: str
    """The registered name."""
    params: dict[str, Any]
    """Every parameter, in the order of the strategy's fields (read it, do not change it)."""
    classifier: Classifier
    """Its facts with these parameters."""
    learning: str
    """One line: how it learns (``"does not learn"`` for a strategy that does not)."""

    def __hash__(self) -> int:
        """The hash of the policy: its name and parameters."""
        return hash((self.name, tuple(self.params.items())))


def describe(name: str, params: Mapping[str, Any] | None = None) -> StrategyInfo:
    """The strategy registered as ``name`` with the parameters ``params`` (defaults filled
    in), without building it.

    An unknown name or parameter raises the same :class:`ValueError` as
    :func:`~bargainlab.strategies.registry.create`; so does a value the facts depend on and
    the strategy refuses (a learner's unknown ``kind``). Other values are checked when the
    strategy is built.
    """
    cls = get(name)
    full = parameters(name, params or {})
    return StrategyInfo(name, full, cls.classify(full), cls.describe_learning(full))


REQUIRED = object()
"""The default of a parameter that has none (a study must give it)."""


@dataclass(frozen=True)
class Parameter:
    """One parameter of a strategy: its name, its declared type and its default."""

    name: str
    """The parameter's name, as a study file's ``params`` give it."""
    type: str
    """Its declared type, as written in the class (``float``, ``float | None``, ...)."""
    default: Any
    """Its default, or :data:`REQUIRED` when it has none."""


@dataclass(frozen=True)
class CatalogEntry:
    """A registered strategy as ``bargainlab strategies`` lists it."""

    name: str
    """The registered name."""
    source: str
    """``"built-in"``, ``"plugin <entry point>"`` or ``"registered"`` (by
    running code: a script, a notebook or a module it imports)."""
    summary: str
    """The first sentence of the class's docstring."""
    parameters: tuple[Parameter, ...]
    """Its parameters, in the order of its fields."""
    facts: dict[str, bool] | None
    """Its facts at the default parameters (``None`` when a parameter has no default)."""


def catalog() -> list[CatalogEntry]:
    """Every strategy :func:`~bargainlab.strategies.registry.available` names, sorted, with
    its parameters, their defaults and its facts at the defaults; a plugin that fails to
    load raises :class:`~bargainlab.strategies.registry.PluginError`."""
    return [_entry(name, get(name)) for name in available()]


def _entry(name: str, cls: type[Strategy]) -> CatalogEntry:
    """The catalog's entry of ``cls``, registered as ``name``."""
    params = tuple(
        Parameter(f.name, f.type.__name__ if isinstance(f.type, type) else str(f.type), _default(f))
        for f in dataclasses.fields(cast(Any, cls))
        if f.init
    )
    defaults = {p.name: p.default for p in params}
    facts = None
    if all(p.default is not REQUIRED for p in params):
        known = cls.classify(defaults)
        facts = {fact: getattr(known, fact) for fact in FACTS}
    plugin = plugin_of(name)
    module = getattr(cls, "__module__", "") or ""
    if plugin is not None:
        source = f"plugin {plugin}"
    elif module == "bargainlab" or module.startswith("bargainlab."):
        source = "built-in"
    else:
        source = "registered"
    return CatalogEntry(name, source, _first_sentence(inspect.getdoc(cls) or ""), params, facts)


def _first_sentence(doc: str) -> str:
    """The first sentence of the first paragraph of ``doc``, on one line."""
    paragraph = " ".join(doc.strip().split("\n\n", 1)[0].split())
    end = re.search(r"[.!?](\s|$)", paragraph)
    return paragraph[: end.end()].strip() if end else paragraph


def _default(f: dataclasses.Field) -> Any:
    """A dataclass field's default (its factory's value), or :data:`REQUIRED`."""
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return REQUIRED


__all__ = ["REQUIRED", "CatalogEntry", "Parameter", "StrategyInfo", "catalog", "describe"]
