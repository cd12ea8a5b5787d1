"""Sample rounds for the strategy contract (:func:`~bargainlab.strategies.testing.check_strategy`).

A :class:`Sample` is a varied batch of one-round games in which the strategy under test plays
one side against a fixed opponent: bottom lines on a grid (so a likelihood can be read at the
true one), outside options that sometimes bind, curved and linear utilities, both first
movers, a compensation condition held by either side or none, continuous and discrete
issues, a reference point, an estimate of the condition's cost, and a belief about the
opponent with the opponent as its one modelled policy and a relationship ahead (what a
learner plans with). :func:`play_sample` plays it with every raw decision recorded and the
protocol's own limits checked as they are made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np

from ..beliefs.grid import Belief
from ..beliefs.observations import RoundTrace
from ..beliefs.priors import grid_points
from ..engine.context import OwnerContext
from ..engine.negotiation import ACCEPT, EXIT, REJECT, Game, Offer, negotiate
from ..engine.parties import PartyBatch
from ..engine.terms import Condition, Issue
from ..engine.views import Carried, Outlook, SideView
from .base import Strategy

GRID = np.linspace(0.0, 0.8, 17)
"""The candidate bottom lines of the strategy under test (its true ones are among them)."""

HORIZON = 10
"""Offers in a sample round (every party's deadline too: a learner assumes it)."""

Holder = Literal["tested", "opponent", "none"]
"""Who holds the compensation condition in a sample."""


class Broken(AssertionError):
    """A check of the contract failed: ``check`` names it."""

    def __init__(self, check: str, detail: str) -> None:
        """Name the check and say what failed."""
        super().__init__(f"{check}: {detail}")
        self.check = check
        self.detail = detail

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by the constructor's arguments, so that it crosses processes whole."""
        return (type(self), (self.check, self.detail))


@dataclass(frozen=True)
class Jitter(Strategy[None]):
    """An opponent whose offers and responses vary from replicate to replicate and step to
    step, deterministically: a function of its own bottom line and the step (so that a
    replicate meets the same opponent alone or in a batch)."""

    name: ClassVar[str] = "jitter"

    @staticmethod
    def _draw(view: SideView, step: int, salt: int) -> np.ndarray:
        """A number in [0, 1) per replicate, from its own bottom line and the step, by integer
        hashing (exact, so the same alone and in any batch)."""
        key = np.round(view.own.reservation_value * 1e6).astype(np.int64)
        return ((key * 2654435761 + step * 40503 + salt * 7919) % 1009) / 1009.0

    def propose(self, view: SideView, state: None, step: int) -> Offer:
        """A position worth a random share between its bottom line and 1."""
        floor = view.own.reservation_value
        return Offer.plain(view.position(floor + (1.0 - floor) * self._draw(view, step, 0)))

    def respond(self, view: SideView, state: None, step: int, offer: Offer) -> np.ndarray:
        """Accept offers worth a random threshold above its bottom line."""
        floor = view.own.reservation_value
        threshold = floor + (1.0 - floor) * (0.4 + 0.6 * self._draw(view, step, 7))
        return self.accept_if(view, offer, threshold)


@dataclass(frozen=True)
class Sample:
    """A batch of one-round games with the strategy under test on side ``side``."""

    game: Game
    carried: tuple[Carried, Carried]
    side: int
    opponent: Strategy[Any]
    truth: np.ndarray
    """Per replicate, the grid index of the tested side's reservation value."""

    @property
    def n(self) -> int:
        """The number of replicates."""
        return self.game.n

    def take(self, rows: np.ndarray) -> Sample:
        """The same games for the replicates ``rows`` only."""
        carried = (self.carried[0].take(rows), self.carried[1].take(rows))
        return Sample(self.game.take(rows), carried, self.side, self.opponent, self.truth[rows])

    def context(self) -> OwnerContext:
        """The tested side's public side of the round, as a learner reasoning about it would
        have it (with its true cost of the condition)."""
        game, side = self.game, self.side
        cost = 0.0 if game.condition is None else game.condition.cost
        return OwnerContext.public(game, side, self.carried[side], assumed_cost=cost)


def make_sample(
    side: int,
    opponent: Strategy[Any],
    *,
    holder: Holder,
    levels: int | None,
    n: int,
    seed: int,
) -> Sample:
    """A varied batch (module docstring) with the strategy under test on ``side``."""
    gen = np.random.default_rng(seed)
    truth = gen.integers(0, GRID.size, n)
    tested = PartyBatch.build(
        n,
        reservation_value=GRID[truth],
        outside_option=np.where(gen.random(n) < 0.3, gen.uniform(0.0, 0.4, n), 0.0),
        delta=gen.uniform(0.9, 1.0, n),
        curvature=np.where(gen.random(n) < 0.5, 1.0, gen.uniform(0.7, 1.5, n)),
        deadline=HORIZON,
    )
    other = PartyBatch.build(n, reservation_value=gen.uniform(0.0, 0.4, n), deadline=HORIZON)
    parties = (tested, other) if side == 0 else (other, tested)
    condition = None
    if holder != "none":
        owner = side if holder == "tested" else 1 - side
        value, cost = gen.uniform(0.05, 0.2, n), gen.uniform(0.0, 0.1, n)
        condition = Condition(owner, value, cost, gen.uniform(0.0, 1.0, n))
    game = Game(
        Issue(levels=levels),
        parties,
        horizon=HORIZON,
        first_mover=np.arange(n) % 2,
        allow_exit=True,
        condition=condition,
    )
    reference = gen.uniform(0.2, 0.8, n)
    theirs = Carried(reference_point=reference)
    mine = Carried(
        belief=Belief.from_prior(np.full(21, 1 / 21), grid_points(21), n),
        condition_cost=np.full(n, 0.05) if holder == "tested" else None,
        reference_point=reference,
        opponent_models=(opponent,),
        opponent_context=OwnerContext.public(game, 1 - side, theirs),
        outlook=Outlook(rounds_left=2, rho=0.8, ends_on_disagreement=False, learning=True),
    )
    carried = (mine, theirs) if side == 0 else (theirs, mine)
    return Sample(game, carried, side, opponent, truth)


@dataclass
class Recorder:
    """Plays a strategy for the engine and keeps every raw decision, refusing (as
    :class:`Broken`) an offer outside [0, 1] or a response other than ``ACCEPT``,
    ``REJECT`` or ``EXIT`` as soon as it is made."""

    strategy: Strategy[Any]
    views: list[SideView] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)
    responses: list[np.ndarray] = field(default_factory=list)

    def start(self, view: SideView) -> Any:
        """The strategy's state (its view is kept)."""
        self.views.append(view)
        return self.strategy.start(view)

    def propose(self, view: SideView, state: Any, step: int) -> Offer:
        """The strategy's offer, checked."""
        raw = self.strategy.propose(view, state, step)
        offer = raw if isinstance(raw, Offer) else Offer.plain(np.asarray(raw, dtype=float))
        x, cond = np.asarray(offer.x), np.asarray(offer.conditional)
        if x.shape != (view.n,) or cond.shape != (view.n,):
            raise Broken("offers", f"step {step}: shape {x.shape}, expected ({view.n},)")
        if not (np.isfinite(x).all() and (x >= 0.0).all() and (x <= 1.0).all()):
            raise Broken("offers", f"step {step}: a position outside [0, 1]: {x.min()}..{x.max()}")
        if cond.dtype != bool:
            raise Broken("offers", f"step {step}: the condition flags are {cond.dtype}, not bool")
        self.offers.append(offer)
        return offer

    def respond(self, view: SideView, state: Any, step: int, offer: Offer) -> np.ndarray:
        """The strategy's response, checked."""
        raw = np.asarray(self.strategy.respond(view, state, step, offer))
        if raw.shape != (view.n,):
            raise Broken("responses", f"step {step}: shape {raw.shape}, expected ({view.n},)")
        valid = np.isin(raw, (ACCEPT, REJECT, EXIT))
        if not valid.all():
            raise Broken("responses", f"step {step}: {raw[~valid][0]!r} is not ACCEPT/REJECT/EXIT")
        self.responses.append(raw)
        return raw


def play_sample(strategy: Strategy[Any], sample: Sample) -> tuple[RoundTrace, Recorder]:
    """Play the sample: the round's record, and the tested side's raw decisions."""
    recorder = Recorder(strategy)
    pair: tuple[Any, Any] = (
        (recorder, sample.opponent) if sample.side == 0 else (sample.opponent, recorder)
    )
    result = negotiate(sample.game, pair, trace=True, carried=sample.carried)
    return RoundTrace.from_result(result), recorder


__all__ = [
    "GRID",
    "HORIZON",
    "Broken",
    "Holder",
    "Jitter",
    "Recorder",
    "Sample",
    "make_sample",
    "play_sample",
]
