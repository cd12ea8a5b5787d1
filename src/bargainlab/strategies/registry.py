"""The strategy registry: config files name strategies, the registry builds them.

Built-in strategies register themselves when :mod:`bargainlab.strategies` is imported.
Users register their own with the :func:`register` class decorator. Loading a config never
executes code: it can only name strategies that are registered.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .base import Strategy

_REGISTRY: dict[str, type[Strategy]] = {}


def register(cls: type[Strategy]) -> type[Strategy]:
    """Class decorator: make a strategy available to configs under ``cls.name``."""
    if not (isinstance(cls, type) and issubclass(cls, Strategy)):
        raise TypeError("register() takes a Strategy subclass")
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls.__name__} must be a dataclass (frozen=True) of parameters")
    name = cls.name
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"strategy name must be an identifier, got {name!r}")
    if name in _REGISTRY and _REGISTRY[name] is not cls:
        raise ValueError(f"a different strategy is already registered as {name!r}")
    _REGISTRY[name] = cls
    return cls


def available() -> list[str]:
    """Names of all registered strategies, sorted."""
    return sorted(_REGISTRY)


def get(name: str) -> type[Strategy]:
    """The strategy class registered under ``name``."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(
            f"unknown strategy {name!r}; registered strategies: {', '.join(available())}"
        ) from None


def create(name: str, **params: Any) -> Strategy:
    """Build a registered strategy from its name and parameters.

    Unknown parameters raise ValueError listing the allowed ones; each strategy validates
    its values in ``__post_init__``.
    """
    cls = get(name)
    allowed = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValueError(
            f"strategy {name!r} has no parameter {', '.join(map(repr, unknown))}; "
            f"allowed: {', '.join(allowed) or '(none)'}"
        )
    return cls(**params)


__all__ = ["available", "create", "get", "register"]
