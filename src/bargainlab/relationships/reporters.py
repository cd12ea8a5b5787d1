"""How each recorded column of the rounds table is computed: its reporter.

As Mesa's ``DataCollector`` declares a model's reporters, every column a relationship records
(:data:`bargainlab.relationships.table.ROUNDS_SCHEMA`) names a reporter: a function from the
round's :class:`RoundContext` and a party (0 or 1) to that party's ``(n,)`` values in the
round. The record stage is one loop over the schema; adding a column is one ``Column`` with
its reporter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..beliefs.observations import RoundObservation
from ..engine.negotiation import NegotiationResult
from ..engine.rng import STREAM_PIT, StreamRNG
from ..engine.trace import Trace
from ..strategies.base import Strategy
from .behaviour import Feelings
from .setup import RelationshipSetup
from .state import RelationshipState, Round


@dataclass(frozen=True)
class RoundContext:
    """Everything a reporter may read about one round of a batch of relationships: after the
    beliefs are updated and the behavioural module has acted, before the state is carried to
    the next round (so ``state.reference_x`` is still the round's reference point)."""

    setup: RelationshipSetup
    state: RelationshipState
    round: Round
    result: NegotiationResult
    observations: tuple[RoundObservation, RoundObservation]
    """What each party observed of its opponent."""
    feelings: Feelings
    """The behavioural module's subjective values and exits (zeros where it is off)."""
    strategies: tuple[Strategy, Strategy]
    rng: StreamRNG

    @property
    def index(self) -> int:
        """The 0-based round number."""
        return self.round.index

    @property
    def active(self) -> np.ndarray:
        """``(n,)``: the relationships still running in the round."""
        return self.state.active

    @cached_property
    def agreed(self) -> np.ndarray:
        """``(n,)``: the running relationships whose round ended in agreement."""
        return self.result.agreed & self.active

    @property
    def trace(self) -> Trace:
        """The round's per-step trace (a relationship always records one)."""
        assert self.result.trace is not None
        return self.result.trace

    @cached_property
    def exits(self) -> np.ndarray:
        """``(n, 2)``: who left the relationship in the round: the responder that took its
        outside option, or a behavioural exit (party 0's first: at most one party leaves)."""
        took = [self.active & (self.result.exited_by == i) for i in (0, 1)]
        leaving = self.feelings.leaving
        first = took[0] | (leaving[:, 0] & ~took[1])
        second = took[1] | (leaving[:, 1] & ~first)
        return np.stack([first, second], axis=1)


Reporter = Callable[[RoundContext, int], np.ndarray]
"""A column's reporter: ``(context, party) -> (n,)`` values."""


def agreed(ctx: RoundContext, party: int) -> np.ndarray:
    """Whether the round ended in agreement."""
    return ctx.agreed


def terms(ctx: RoundContext, party: int) -> np.ndarray:
    """The round's terms in domain units (the status quo once the relationship has ended)."""
    issue = ctx.setup.mechanics.issue
    return np.where(
        ctx.active, issue.to_domain(ctx.result.x), issue.to_domain(ctx.state.status_quo)
    )


def condition_offered(ctx: RoundContext, party: int) -> np.ndarray:
    """Whether ``party`` attached the condition to any of its offers."""
    tr = ctx.trace
    return (tr.conditional & tr.played & (tr.proposer == party)).any(axis=0) & ctx.active


def condition_met(ctx: RoundContext, party: int) -> np.ndarray:
    """Whether an agreed condition was met."""
    return ctx.result.condition_met & ctx.agreed


def utility(ctx: RoundContext, party: int) -> np.ndarray:
    """``party``'s payoff; its outside option once the relationship has ended."""
    outside = ctx.round.parties[party].outside_option
    return np.where(ctx.active, ctx.result.utility[:, party], outside)


def steps(ctx: RoundContext, party: int) -> np.ndarray:
    """The offers made in the round."""
    return np.where(ctx.active, ctx.result.steps, 0)


def exited(ctx: RoundContext, party: int) -> np.ndarray:
    """Whether ``party`` left the relationship in the round."""
    return ctx.exits[:, party]


def active(ctx: RoundContext, party: int) -> np.ndarray:
    """Whether the relationship was running in the round."""
    return ctx.active


def reservation_value(ctx: RoundContext, party: int) -> np.ndarray:
    """``party``'s true reservation value in the round."""
    return ctx.round.reservation[party]


def belief_mean(ctx: RoundContext, party: int) -> np.ndarray:
    """The mean of ``party``'s belief about its opponent's reservation value."""
    return ctx.state.beliefs[party].mean()


def belief_sd(ctx: RoundContext, party: int) -> np.ndarray:
    """The standard deviation of that belief."""
    return ctx.state.beliefs[party].sd()


def belief_pit(ctx: RoundContext, party: int) -> np.ndarray:
    """The randomised PIT of the opponent's true reservation value under ``party``'s belief."""
    truth = ctx.state.type_index[1 - party]
    assert truth is not None  # drawn in every round's first stage
    return ctx.state.beliefs[party].pit(truth, ctx.rng.uniform(ctx.index, party, STREAM_PIT))


def belief_type_mass(ctx: RoundContext, party: int) -> np.ndarray:
    """The posterior probability ``party`` puts on the policy its opponent follows (1 without
    a reputation model; 0 if that policy is not among the declared types)."""
    belief = ctx.state.beliefs[party]
    reputation = ctx.setup.mechanics.reputation[party]
    if reputation is None:
        return np.ones(belief.n)
    k = reputation.index_of(ctx.strategies[1 - party])
    return np.zeros(belief.n) if k is None else belief.type_probabilities()[:, k]


def reference_point(ctx: RoundContext, party: int) -> np.ndarray:
    """The reference point at the start of the round, in domain units."""
    return ctx.setup.mechanics.issue.to_domain(ctx.state.reference_x)


def subjective_value(ctx: RoundContext, party: int) -> np.ndarray:
    """``party``'s subjective value of the round (the behavioural module's)."""
    return ctx.feelings.subjective_value[:, party]


def condition_belief_mean(ctx: RoundContext, party: int) -> np.ndarray:
    """The mean of the condition holder's belief about the obliged party's cost (0 for the
    obliged party and without a condition)."""
    belief = ctx.state.cost_belief
    if belief is None or party != ctx.setup.mechanics.condition_holder:
        return np.zeros(ctx.result.n)
    return belief.mean()


def condition_belief_sd(ctx: RoundContext, party: int) -> np.ndarray:
    """The standard deviation of that belief (0 where the mean is 0 by convention)."""
    belief = ctx.state.cost_belief
    if belief is None or party != ctx.setup.mechanics.condition_holder:
        return np.zeros(ctx.result.n)
    return belief.sd()


def first_offer(ctx: RoundContext, party: int) -> np.ndarray:
    """``party``'s first offer of the round in domain units (its reference point if none)."""
    tr = ctx.trace
    own = tr.played & (tr.proposer == party)
    made = own.any(axis=0)
    first = tr.x[np.argmax(own, axis=0), np.arange(ctx.result.n)]
    return ctx.setup.mechanics.issue.to_domain(np.where(made, first, ctx.state.reference_x))


def instant(ctx: RoundContext, party: int) -> np.ndarray:
    """Whether the opponent accepted ``party``'s very first offer at once."""
    return ctx.observations[party].instant_mine & ctx.active


__all__ = ["Reporter", "RoundContext"]
