"""How a learner updates its belief after a round: the belief-update parts of a learner.

A :class:`~bargainlab.strategies.learner.Learner` is composed of an update rule (this
module) and a planner (:mod:`bargainlab.strategies.planners`), as NegMAS composes a
negotiator from its offering, acceptance and opponent-model components (``make_boa``). The
rules, each a small frozen dataclass with the :class:`UpdateRule` interface:

* :class:`ExactBayes` -- Bayes' rule with the exact likelihood of the whole round (every
  offer and every response) under each policy the learner considers
  (:meth:`Strategy.likelihood <bargainlab.strategies.base.Strategy.likelihood>`);
* :class:`Truncation` -- "it offered or accepted x, so its bottom line is at most u(x); it
  rejected y, so above u(y)" (Baarslag et al. 2016), whatever the opponent's policy, with
  smooth steps of width ``noise``, a conditional concession read at its headline terms or at
  its expected realised terms;
* :class:`NoUpdate` -- the belief stays the prior.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol

import numpy as np

from ..beliefs.grid import Belief
from ..beliefs.likelihood import truncation_likelihood
from ..beliefs.observations import RoundObservation, RoundTrace
from ..engine.context import OwnerContext
from .base import Strategy
from .planning import TYPE_FLOOR

Reading = Literal["headline", "expected"]
"""How a truncation reads a conditional concession: at its headline terms, or at its
expected realised terms (the condition's terms plus its value to the opponent when the
learner, which knows its own cost, would meet it; the fallback terms when it would not)."""


class UpdateRule(Protocol):
    """The belief-update part of a learner."""

    learns: ClassVar[bool]
    """Whether the rule changes the belief (a learner's planning anticipates it only then)."""

    def update(
        self,
        belief: Belief,
        trace: RoundTrace,
        obs: RoundObservation,
        context: OwnerContext,
        models: Sequence[Strategy[Any]],
        tremble: float,
        rows: np.ndarray,
    ) -> None:
        """Update ``belief`` in place on the replicates ``rows`` (a boolean mask) from the
        round's public record ``trace`` (and the learner's summary ``obs`` of it);
        ``models`` are the policies of the belief's types, ``context`` the opponent's public
        side of the round."""
        ...

    def describe(self) -> str:
        """One line: how the rule learns."""
        ...


@dataclass(frozen=True)
class ExactBayes:
    """Bayes' rule with the exact likelihood of the round under each modelled policy (exact
    when every policy's ``likelihood`` is: the policy's ``exact_likelihood``)."""

    learns: ClassVar[bool] = True

    def update(
        self,
        belief: Belief,
        trace: RoundTrace,
        obs: RoundObservation,
        context: OwnerContext,
        models: Sequence[Strategy[Any]],
        tremble: float,
        rows: np.ndarray,
    ) -> None:
        """Types whose posterior probability is below
        :data:`~bargainlab.strategies.planning.TYPE_FLOOR` are not evaluated (they count as
        inconsistent): the error this makes in any posterior probability is below
        ``TYPE_FLOOR`` over the prior mass of the consistent candidates."""
        theta = belief.theta
        present = belief.type_probabilities() > TYPE_FLOOR
        lik = np.zeros(belief.mass.shape)
        for k, model in enumerate(models):
            where = rows & present[:, k]
            if where.any():
                lik[:, k, :] = np.where(
                    where[:, None], model.likelihood(trace, context, theta, where), 0.0
                )
        belief.update(lik, tremble, rows)

    def describe(self) -> str:
        """One line: how the rule learns."""
        return "Bayes' rule with the exact likelihood of the round under each modelled policy"


@dataclass(frozen=True)
class Truncation:
    """Truncation of the belief at what the opponent's offers and responses imply, whatever
    its policy, with smooth steps of width ``noise``."""

    reading: Reading = "headline"
    """How a conditional concession is read (see :data:`Reading`)."""
    noise: float = 0.03
    """Width in (0, 1] of the smoothed steps."""

    learns: ClassVar[bool] = True

    def update(
        self,
        belief: Belief,
        trace: RoundTrace,
        obs: RoundObservation,
        context: OwnerContext,
        models: Sequence[Strategy[Any]],
        tremble: float,
        rows: np.ndarray,
    ) -> None:
        """Bayes' rule with the truncation likelihood of the learner's observation."""
        lik = truncation_likelihood(
            obs,
            belief.theta,
            context,
            self.noise,
            rejections=True,
            expected_terms=self.reading == "expected",
        )
        belief.update(lik, tremble, rows)

    def describe(self) -> str:
        """One line: how the rule learns."""
        terms = "headline" if self.reading == "headline" else "expected realised"
        return (
            "truncation at what the offers and responses imply (smoothed steps of width "
            f"{self.noise:g}), a conditional concession read at its {terms} terms"
        )


@dataclass(frozen=True)
class NoUpdate:
    """No update: the belief stays the prior."""

    learns: ClassVar[bool] = False

    def update(
        self,
        belief: Belief,
        trace: RoundTrace,
        obs: RoundObservation,
        context: OwnerContext,
        models: Sequence[Strategy[Any]],
        tremble: float,
        rows: np.ndarray,
    ) -> None:
        """Leave the belief as it is."""

    def describe(self) -> str:
        """One line: how the rule learns."""
        return "no update: it does not learn"


__all__ = ["ExactBayes", "NoUpdate", "Reading", "Truncation", "UpdateRule"]
