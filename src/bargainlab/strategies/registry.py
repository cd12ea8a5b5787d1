"""The strategy registry: config files name strategies, the registry builds them.

Strategies come from three places:

* the library's own, which register themselves when :mod:`bargainlab.strategies` is
  imported;
* **plugins**: installed packages that declare an entry point in the group
  ``bargainlab.strategies`` (:data:`ENTRY_POINT_GROUP`). Each entry point names either a
  :class:`Strategy` subclass (``split_difference = "my_pkg.strategies:SplitDifference"``) or
  a module whose import registers strategies with :func:`register`
  (``my_pkg = "my_pkg.strategies"``). An entry point's name is the strategy name it provides
  (a module registering several is declared once under each). A name that is not a
  registered strategy is looked up among the entry points of that name only, loaded one at
  a time until one provides it; no other plugin is imported (only :func:`available`, which
  lists every name, loads them all). A plugin that fails to load raises :class:`PluginError`
  naming it, in one line (also on later look-ups);
* the user's own code, which registers classes with the :func:`register` decorator (in a
  script, a notebook or a module it imports).

Loading a config never executes code from the config: it can only name strategies that
installed or already-running code has registered.

Worker processes and Dask workers do not run the user's script or notebook. The experiment
layer therefore ships such classes with each task and makes them visible to the look-ups of
that task only, with :func:`using`.
"""

from __future__ import annotations

import dataclasses
import threading
import types
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from importlib import metadata
from typing import Any, TypeVar, cast

from .base import FACTS, Strategy

ENTRY_POINT_GROUP = "bargainlab.strategies"
"""The entry-point group of strategy plugins."""

_REGISTRY: dict[str, type[Strategy]] = {}
_PLUGIN_OF: dict[str, str] = {}
"""Strategy name -> description of the plugin that registered it."""
_LOADED: set[tuple[str, str]] = set()
"""Entry points (name, value) loaded successfully."""
_FAILED: dict[tuple[str, str], str] = {}
"""Entry points that failed to load -> the message (raised again on later look-ups)."""
_LOCK = threading.RLock()
_S = TypeVar("_S", bound=type[Strategy])

_SHIPPED: ContextVar[Mapping[str, type[Strategy]]] = ContextVar(
    "bargainlab_shipped_strategies", default=types.MappingProxyType({})
)


class PluginError(ValueError):
    """A strategy plugin (an entry point of :data:`ENTRY_POINT_GROUP`) could not be loaded.

    A :class:`ValueError`, so that a config naming a strategy gets it as a configuration
    error (one message naming the plugin) rather than a traceback.
    """


def register(cls: _S) -> _S:
    """Class decorator: make a strategy available to configs under ``cls.name``.

    ``cls`` must be a frozen dataclass subclass of :class:`Strategy` with a class attribute
    ``name: ClassVar[str]`` (an identifier). Registering the same class twice is harmless;
    another class under a taken name is an error.
    """
    if not (isinstance(cls, type) and issubclass(cls, Strategy)):
        raise TypeError("register() takes a Strategy subclass")
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls.__name__} must be a dataclass (frozen=True) of parameters")
    name = cls.__dict__.get("name")
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(
            f"{cls.__name__} needs its own registered name: a class attribute "
            f"`name: ClassVar[str] = '...'` (an identifier); got {name!r}"
        )
    if "name" in {f.name for f in dataclasses.fields(cast(Any, cls))}:
        raise TypeError(
            f"{cls.__name__}.name is a dataclass field; declare it as a class attribute: "
            f"`name: ClassVar[str] = {name!r}`"
        )
    with _LOCK:
        if name in _REGISTRY and _REGISTRY[name] is not cls:
            old = _REGISTRY[name]
            raise ValueError(
                f"a different strategy is already registered as {name!r} "
                f"({old.__module__}.{old.__qualname__})"
            )
        _REGISTRY[name] = cls
    return cls


def available(**filters: bool) -> list[str]:
    """Names of all strategies, sorted: registered ones and those of installed plugins.

    With ``filters``, only the strategies whose facts at their default parameters (their
    :class:`~bargainlab.strategies.base.Classifier`, read without building them) have the
    given values, as Axelrod's ``filtered_strategies``:
    ``available(learns=True, exact_likelihood=False)``. For the facts of other parameters,
    see :func:`~bargainlab.strategies.catalog.describe`.

    Raises :class:`ValueError` naming an unknown fact, :class:`TypeError` for a value that
    is not true or false, and :class:`PluginError` when an installed plugin fails to load.
    """
    unknown = sorted(set(filters) - set(FACTS))
    if unknown:
        raise ValueError(
            f"strategies have no fact {', '.join(map(repr, unknown))}; facts: {', '.join(FACTS)}"
        )
    for fact, value in filters.items():
        if not isinstance(value, bool):
            raise TypeError(f"available({fact}=...) takes true or false; got {value!r}")
    _discover(None)
    names = sorted({*_REGISTRY, *_SHIPPED.get()})
    return [n for n in names if _has(get(n), filters)] if filters else names


def _has(cls: type[Strategy], filters: Mapping[str, bool]) -> bool:
    """Whether the facts of ``cls`` at its default parameters have the ``filters``' values."""
    facts = cls.classify(_defaults(cls))
    return all(getattr(facts, fact) is value for fact, value in filters.items())


def _defaults(cls: type[Strategy]) -> dict[str, Any]:
    """The parameters of ``cls`` that have a default, with it."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(cast(Any, cls)):
        if f.init and f.default is not dataclasses.MISSING:
            out[f.name] = f.default
        elif f.init and f.default_factory is not dataclasses.MISSING:
            out[f.name] = f.default_factory()
    return out


def get(name: str) -> type[Strategy]:
    """The strategy class registered under ``name`` (looking into plugins if needed).

    Raises :class:`ValueError` listing the known names when there is none, and
    :class:`PluginError` when a plugin that could provide it fails to load.
    """
    shipped = _SHIPPED.get()
    cls = shipped.get(name) or _REGISTRY.get(name)
    if cls is None:
        _discover(name)
        cls = _REGISTRY.get(name)
    if cls is None:
        raise ValueError(
            f"unknown strategy {name!r}; registered strategies: {', '.join(_known_names())}"
        )
    return cls


def _known_names() -> list[str]:
    """The registered names and those of the installed entry points, none loaded for it."""
    return sorted({*_REGISTRY, *_SHIPPED.get(), *(ep.name for ep in _entry_points())})


def create(name: str, **params: Any) -> Strategy[Any]:
    """Build a registered strategy from its name and parameters.

    Unknown parameters raise ValueError listing the allowed ones; each strategy validates
    its values in ``__post_init__``.
    """
    cls = get(name)
    _check_known(name, cls, params)
    return cls(**params)


def parameters(name: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters of strategy ``name``: ``params`` with the defaults filled in, in the
    order of its fields, without building it.

    An unknown name or parameter raises the same :class:`ValueError` as :func:`create`, and
    so does a parameter without a default that ``params`` leaves out. The values are checked
    when the strategy is built.
    """
    cls = get(name)
    _check_known(name, cls, params)
    merged = {**_defaults(cls), **params}
    fields = [f.name for f in dataclasses.fields(cast(Any, cls)) if f.init]
    missing = [f for f in fields if f not in merged]
    if missing:
        raise ValueError(f"strategy {name!r} needs the parameter {', '.join(map(repr, missing))}")
    return {f: merged[f] for f in fields}


def _names(cls: type[Strategy]) -> list[str]:
    """The names of the parameters of ``cls``, in order."""
    return [f.name for f in dataclasses.fields(cast(Any, cls))]


def _check_known(name: str, cls: type[Strategy], params: Mapping[str, Any]) -> None:
    """Raise ValueError listing the allowed parameters when ``params`` names another."""
    allowed = _names(cls)
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValueError(
            f"strategy {name!r} has no parameter {', '.join(map(repr, unknown))}; "
            f"allowed: {', '.join(allowed) or '(none)'}"
        )


def plugin_of(name: str) -> str | None:
    """The plugin that provided strategy ``name`` (a description), or ``None`` when the
    strategy is the library's own or was registered by running code."""
    return _PLUGIN_OF.get(name)


@contextmanager
def using(classes: Mapping[str, type[Strategy]]) -> Iterator[None]:
    """Within the block (and in this thread or task only), look-ups of these names return
    these classes, ahead of the registry.

    This is how a worker uses the strategy classes shipped with a task: the registry of the
    worker process is left as it was.
    """
    for name, cls in classes.items():
        if not (isinstance(cls, type) and issubclass(cls, Strategy)) or cls.name != name:
            raise TypeError(f"using() takes a mapping of strategy names to their classes; {name!r}")
    token = _SHIPPED.set({**_SHIPPED.get(), **classes})
    try:
        yield
    finally:
        _SHIPPED.reset(token)


@contextmanager
def isolated() -> Iterator[None]:
    """Within the block, register strategies and load plugins freely: at its end the
    registry is what it was before (the strategies, the plugins loaded or failed). For
    tests, the library's and a plugin's own."""
    with _LOCK:
        saved = (dict(_REGISTRY), dict(_PLUGIN_OF), dict(_FAILED), set(_LOADED))
    try:
        yield
    finally:
        with _LOCK:
            strategies, plugins, failed, loaded = saved
            _REGISTRY.clear()
            _REGISTRY.update(strategies)
            _PLUGIN_OF.clear()
            _PLUGIN_OF.update(plugins)
            _FAILED.clear()
            _FAILED.update(failed)
            _LOADED.clear()
            _LOADED.update(loaded)


# ---------------------------------------------------------------------------------------------
# Plugins
# ---------------------------------------------------------------------------------------------


def _entry_points() -> list[metadata.EntryPoint]:
    """The entry points of :data:`ENTRY_POINT_GROUP`, each once."""
    seen: dict[tuple[str, str], metadata.EntryPoint] = {}
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        seen.setdefault((ep.name, ep.value), ep)
    return list(seen.values())


def _describe(ep: metadata.EntryPoint) -> str:
    """An entry point in words: its name, its distribution and what it names."""
    dist = ep.dist
    where = f"{dist.name} {dist.version}: " if dist is not None else ""
    return f"{ep.name!r} ({where}{ep.value})"


def _discover(name: str | None) -> None:
    """Load the plugins not loaded yet whose entry point is called ``name``, one at a time
    until one provides it (``None``: every plugin)."""
    with _LOCK:
        pending = [ep for ep in _entry_points() if (ep.name, ep.value) not in _LOADED]
        for ep in pending:
            if name is None or ep.name == name:
                _load(ep)
                if name is not None and name in _REGISTRY:
                    return


def _load(ep: metadata.EntryPoint) -> None:
    """Load one plugin; a failure is remembered and raised as :class:`PluginError`."""
    key = (ep.name, ep.value)
    if key in _FAILED:
        raise PluginError(_FAILED[key])
    label = _describe(ep)
    try:
        _register_plugin(ep, label)
    except (Exception, SystemExit) as exc:  # an import that exits is a plugin that fails
        reason = str(exc) if isinstance(exc, PluginError) else f"{type(exc).__name__}: {exc}"
        message = f"strategy plugin {label} failed to load: {' '.join(reason.split())}"
        _FAILED[key] = message
        raise PluginError(message) from exc
    _LOADED.add(key)


def _register_plugin(ep: metadata.EntryPoint, label: str) -> None:
    """Register what an entry point names: a class, or the classes a module registers."""
    obj = ep.load()
    if isinstance(obj, type) and issubclass(obj, Strategy):
        register(obj)
        names = [obj.name]
    elif isinstance(obj, types.ModuleType):
        prefix = obj.__name__ + "."
        names = [
            n
            for n, cls in _REGISTRY.items()
            if cls.__module__ == obj.__name__ or cls.__module__.startswith(prefix)
        ]
        if not names:
            raise PluginError(f"module {obj.__name__} registers no strategy")
    else:
        raise PluginError(
            f"it names {obj!r}; an entry point of {ENTRY_POINT_GROUP!r} must name a "
            "Strategy subclass or a module that registers strategies"
        )
    for n in names:
        _PLUGIN_OF.setdefault(n, label)


__all__ = [
    "ENTRY_POINT_GROUP",
    "PluginError",
    "available",
    "create",
    "get",
    "isolated",
    "parameters",
    "plugin_of",
    "register",
    "using",
]
