"""``bargainlab strategies``: every strategy a study file can name, with its parameters.

For each strategy the library ships, an installed plugin provides or running code has
registered (:func:`bargainlab.strategies.catalog.catalog`): its name, where it comes from,
one sentence of what it does, its parameters with their types and defaults, and its flags
(the facts of :class:`~bargainlab.strategies.base.Classifier` that hold at the defaults).
``--json`` prints the same as one JSON object.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..strategies.base import FACTS
from ..strategies.catalog import REQUIRED, CatalogEntry, catalog

__all__ = ["show_strategies", "strategies_json"]


def _shown(value: Any) -> str:
    """A default as a study file would write it (``true``, ``0.2``, ``"bayesian"``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


def _jsonable(value: Any) -> Any:
    """A default as JSON: numbers, text, booleans and null as such, a sequence as a list,
    a non-finite number or anything else as its text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return repr(value)


def _lines(entry: CatalogEntry) -> list[str]:
    """One strategy in a few lines: name, source and summary; parameters; flags."""
    params = ", ".join(
        f"{p.name}: {p.type}"
        + (" (required)" if p.default is REQUIRED else f" = {_shown(p.default)}")
        for p in entry.parameters
    )
    if entry.facts is None:
        flags = "(they depend on the required parameters)"
    else:
        flags = ", ".join(f for f in FACTS if entry.facts[f]) or "(none)"
    return [
        f"{entry.name} ({entry.source}): {entry.summary}",
        f"  parameters: {params or '(none)'}",
        f"  flags: {flags}",
    ]


def strategies_json(entries: list[CatalogEntry]) -> dict[str, Any]:
    """The catalog as one JSON-ready object: ``facts`` (the names a flag can have) and
    ``strategies``, each with ``name``, ``source``, ``summary``, ``parameters`` (``name``,
    ``type``, ``default``, ``required``) and ``flags`` (each fact's value at the defaults,
    or null when a parameter has no default)."""
    return {
        "facts": list(FACTS),
        "strategies": [
            {
                "name": e.name,
                "source": e.source,
                "summary": e.summary,
                "parameters": [
                    {
                        "name": p.name,
                        "type": p.type,
                        "default": None if p.default is REQUIRED else _jsonable(p.default),
                        "required": p.default is REQUIRED,
                    }
                    for p in e.parameters
                ],
                "flags": e.facts,
            }
            for e in entries
        ],
    }


def show_strategies(as_json: bool = False) -> None:
    """Print every strategy (or, with ``as_json``, one JSON object)."""
    entries = catalog()
    if as_json:
        print(json.dumps(strategies_json(entries), indent=2))
        return
    print(f"{len(entries)} strategies (flags: the facts that hold at the default parameters)")
    for entry in entries:
        print()
        print("\n".join(_lines(entry)))
