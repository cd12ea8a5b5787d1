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
facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .base import Classifier
from .registry import get, parameters


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


__all__ = ["StrategyInfo", "describe"]
