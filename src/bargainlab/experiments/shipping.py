"""User strategies travel with the tasks to worker processes and Dask workers.

A worker finds the library's strategies and those of installed plugins by itself (the
registry discovers plugins through their entry points). It does not run the user's script
or notebook, so a strategy registered there -- in ``__main__``, or in a module the workers
never import -- would be unknown to it. The parent therefore pickles such classes with
``cloudpickle`` (by reference when their module can be imported by name, by value otherwise:
``__main__``, a notebook, a module loaded from a file path) and every task carries them; the
worker makes them visible to that task's look-ups only
(:func:`bargainlab.strategies.registry.using`).

Everything that can go wrong is found before anything runs or is written:
:func:`pack` raises :class:`ConfigError` naming the strategy when a class cannot be
pickled, and :func:`check_on_workers` loads the classes on the workers and resolves every
strategy name of the study there (for a Dask cluster, on every worker).
"""

from __future__ import annotations

import functools
import importlib.machinery
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import cloudpickle

from ..config.files import Cell, ConfigError
from ..config.schema import StrategySpec, StudySpec
from ..strategies import Strategy
from ..strategies.registry import get, plugin_of, using

_BUILTIN_PREFIX = "bargainlab."


def strategy_fields(study: StudySpec) -> dict[str, str]:
    """Every strategy name the study uses -> the first field that names it."""
    named: list[tuple[str, StrategySpec]] = [
        *((f"strategies.{p}", s) for p, s in study.strategies.items()),
        *((f"arms.strategies.{a}", s) for a, s in study.arms.strategies.items()),
    ]
    if study.arms.continuation is not None:
        named.append(("arms.continuation", study.arms.continuation))
    out: dict[str, str] = {}
    for path, spec in named:
        out.setdefault(spec.name, f"{path}.name")
    return out


def cells_strategy_fields(cells: Iterable[Cell]) -> dict[str, str]:
    """:func:`strategy_fields` over every sweep cell (a sweep may change names)."""
    out: dict[str, str] = {}
    for cell in cells:
        for name, path in strategy_fields(cell.study).items():
            out.setdefault(name, path)
    return out


def is_builtin(cls: type) -> bool:
    """Whether ``cls`` is one of the library's own strategies."""
    return cls.__module__.startswith(_BUILTIN_PREFIX)


def needs_shipping(name: str) -> bool:
    """Whether a worker could not find strategy ``name`` by itself: it is neither the
    library's own nor an installed plugin's."""
    return not is_builtin(get(name)) and plugin_of(name) is None


def _importable_by_name(module_name: str) -> bool:
    """Whether a worker could import the module ``module_name`` by name: not a script or
    notebook (``__main__``), and found on the import path rather than loaded from a file."""
    if module_name in {"__main__", "__mp_main__"}:
        return False
    module = sys.modules.get(module_name)
    if module is None or getattr(module, "__spec__", None) is None:
        return False
    top = module_name.partition(".")[0]
    return importlib.machinery.PathFinder.find_spec(top) is not None


def pack(fields: Mapping[str, str], file: str | Path | None = None) -> bytes | None:
    """Pickle the classes of the strategies in ``fields`` (name -> field, see
    :func:`strategy_fields`) that workers cannot find by themselves; ``None`` when there is
    none. Raises :class:`ConfigError` naming the field when a class cannot be pickled."""
    classes = {name: get(name) for name in sorted(fields) if needs_shipping(name)}
    if not classes:
        return None
    for name, cls in classes.items():
        try:
            _dumps({name: cls})
        except Exception as exc:
            raise ConfigError(
                file,
                fields[name],
                f"strategy {name!r} ({cls.__module__}.{cls.__qualname__}) cannot be sent to "
                f"the workers: {type(exc).__name__}: {exc}. Define it in an importable module "
                "(or a package with a `bargainlab.strategies` entry point), or run with the "
                "serial executor",
            ) from None
    return _dumps(classes)


def _dumps(classes: Mapping[str, type[Strategy]]) -> bytes:
    """Pickle by reference where the worker can import the class's module by name, else by
    value (registered with cloudpickle only for the duration of this call)."""
    already = set(cloudpickle.list_registry_pickle_by_value())
    added = []
    for cls in classes.values():
        module = sys.modules.get(cls.__module__)
        if (
            module is not None
            and module.__name__ not in {"__main__", "__mp_main__"}
            and module.__name__ not in already
            and not _importable_by_name(module.__name__)
        ):
            cloudpickle.register_pickle_by_value(module)
            added.append(module)
            already.add(module.__name__)
    try:
        return cloudpickle.dumps(dict(classes))
    finally:
        for module in added:
            cloudpickle.unregister_pickle_by_value(module)


@functools.lru_cache(maxsize=16)
def unpack(payload: bytes | None) -> Mapping[str, type[Strategy]]:
    """The classes shipped with a task (an empty mapping for ``None``); cached per worker."""
    if payload is None:
        return {}
    try:
        classes = cloudpickle.loads(payload)
    except Exception as exc:
        raise RuntimeError(
            f"cannot load the strategies shipped with the task: {type(exc).__name__}: {exc}"
        ) from exc
    return _checked(classes)


def _checked(classes: Any) -> dict[str, type[Strategy]]:
    """``classes`` if it is a mapping of names to strategy classes; RuntimeError otherwise."""
    if not isinstance(classes, dict) or not all(
        isinstance(c, type) and issubclass(c, Strategy) for c in classes.values()
    ):
        raise RuntimeError("the strategies shipped with the task are not strategy classes")
    return classes


def worker_problems(payload: bytes | None, names: tuple[str, ...]) -> list[str]:
    """Run on a worker: load the shipped classes and resolve every name; what failed."""
    try:
        classes = unpack(payload)
    except RuntimeError as exc:
        cause = exc.__cause__ or exc
        return [f"cannot load the strategies on a worker: {type(cause).__name__}: {cause}"]
    problems = []
    with using(classes):
        for name in names:
            try:
                get(name)
            except ValueError as exc:
                problems.append(f"strategy {name!r} is not available on a worker: {exc}")
    return problems


def check_on_workers(
    run_on_workers: Callable[[Callable[[], list[str]]], list[list[str]]],
    payload: bytes | None,
    fields: Mapping[str, str],
    file: str | Path | None = None,
) -> None:
    """Raise :class:`ConfigError` unless the workers can use every strategy of the study.

    ``run_on_workers`` runs a function on the workers and returns their results (see
    :meth:`bargainlab.experiments.executors.Executor.run_on_workers`). Only needed when the
    study uses a strategy that is not the library's own.
    """
    names = tuple(n for n in sorted(fields) if not is_builtin(get(n)))
    if not names:
        return
    check = functools.partial(worker_problems, payload, names)
    for problems in run_on_workers(check):
        if problems:
            field = next((fields[n] for n in names if repr(n) in problems[0]), None)
            raise ConfigError(
                file,
                field,
                "; ".join(problems)
                + ". Install the module or plugin that defines it on the workers, or define "
                "the strategy in the script or notebook that runs the study",
            )


__all__ = [
    "cells_strategy_fields",
    "check_on_workers",
    "is_builtin",
    "needs_shipping",
    "pack",
    "strategy_fields",
    "unpack",
    "worker_problems",
]
