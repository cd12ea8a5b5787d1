"""bargainlab: a batch-first simulator of repeated bargaining between unequal parties.

The common names are importable from the package itself:

- the stage game over a batch of replicates: :class:`Issue`, :class:`PartyBatch`,
  :class:`Game`, :func:`negotiate`, :class:`Offer`;
- strategies: :class:`Strategy` (subclass it as a frozen dataclass with
  ``name: ClassVar[str]``), :func:`register`, :func:`create`, :func:`available`;
- :mod:`theory` -- closed-form references (Rubinstein, outside options, ...);
- studies: :func:`load_study` (validate a study file), :func:`run_study` (run it and get a
  :class:`Run`), :func:`load_run` (open a finished run folder as a :class:`Run`).

Importing the package has no side effects and stays light: nothing is read, written or
seeded, and each name's module (NumPy, pandas, pyarrow, matplotlib...) is imported the first
time the name is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from . import theory as theory
    from .config.files import load_study as load_study
    from .engine.negotiation import Game as Game
    from .engine.negotiation import Offer as Offer
    from .engine.negotiation import negotiate as negotiate
    from .engine.parties import PartyBatch as PartyBatch
    from .engine.terms import Issue as Issue
    from .experiments.pipeline import run_study as run_study
    from .experiments.run import Run as Run
    from .experiments.run import load_run as load_run
    from .strategies import Strategy as Strategy
    from .strategies import available as available
    from .strategies import create as create
    from .strategies import register as register

_LAZY: dict[str, tuple[str, str | None]] = {
    "Issue": (".engine.terms", "Issue"),
    "PartyBatch": (".engine.parties", "PartyBatch"),
    "Game": (".engine.negotiation", "Game"),
    "negotiate": (".engine.negotiation", "negotiate"),
    "Offer": (".engine.negotiation", "Offer"),
    "Strategy": (".strategies", "Strategy"),
    "register": (".strategies", "register"),
    "create": (".strategies", "create"),
    "available": (".strategies", "available"),
    "theory": (".theory", None),
    "load_study": (".config.files", "load_study"),
    "run_study": (".experiments.pipeline", "run_study"),
    "load_run": (".experiments.run", "load_run"),
    "Run": (".experiments.run", "Run"),
}
"""Public name -> (module, attribute; ``None`` for the module itself)."""

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (:data:`_LAZY`) and keep the name."""
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    module = importlib.import_module(module_name, __name__)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names, including those not imported yet, and the module's dunder names."""
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})
