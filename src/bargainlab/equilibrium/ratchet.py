"""The ratchet effect, played as a two-round relationship on the engine.

A seller makes a take-it-or-leave-it price offer for a non-durable good in each of two
rounds; the buyer's value is v_high with probability p_high, else v_low; round 2 counts δ
(Freixas, Guesnerie & Tirole 1985; Fudenberg & Tirole 1991, §9.3). Without commitment the
seller prices round 2 from what it learned in round 1, so a high type that buys at a high
price is charged v_high next: it must be paid the rent δ·(v_high − v_low) to reveal itself.
:func:`bargainlab.theory.ratchet` gives the revenues; :func:`play_ratchet` plays them.

The game is a :mod:`bargainlab.relationships` relationship of two rounds of one offer each
(horizon 1, the seller proposes, types persist: ρ = 1, a refusal does not end it). The price
is the position x = p/v_high on an issue the seller (party 0) wants high; the buyer's utility
is 1 − x and its bottom line θ = 1 − v/v_high, so its surplus (v − p)/v_high is its utility
above its bottom line. The belief grid holds the seller's own type (0) and the buyer's two.
The seller (:class:`RatchetSeller`) learns between rounds by Bayes' rule with the exact
likelihood of the buyer's response under the buyer's rule (the relationship's ``learn``
stage); it never reads the buyer's type. Three plays:

* ``"commitment"`` -- the seller posts the static optimum max(p_high·v_high, v_low) (the best
  price to the prior) in both rounds and ignores what it learns; the buyer, whose future
  prices do not depend on its choice, buys whenever the price is at most its value;
* ``"separating"`` -- round 1 at the separating price v_high − δ·(v_high − v_low): the high
  type buys and the low type refuses; round 2 at the best price to the posterior, which is
  v_high to those who bought and v_low to the others;
* ``"pooling"`` -- round 1 at v_low: both buy, nothing is learned, and round 2 is the best
  price to the prior.

The buyer (:class:`RatchetBuyer`) plays the continuation equilibrium of the first-round
prices these plays use (at most the separating price): in the last round it buys iff the
price is at most its value; in round 1 it buys iff v − P1 ≥ δ·(v − v_low)·[P1 > v_low], the
surplus it forgoes next round by revealing it is high (a purchase above v_low reveals the
high type; a refusal at P1 <= v_low would reveal it too, and the low type gets nothing in
round 2 whatever the seller believes). Above the separating price the high type mixes
(:attr:`bargainlab.theory.Ratchet.semi_separating_buy_probability`); that is not played here.

Play is deterministic given the buyer's type, so the revenue of each type is exact and
p_high·(high) + (1 − p_high)·(low) is the expectation by enumeration of the two types; the
replicate mean is the Monte Carlo estimate of the same number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..beliefs.grid import Belief
from ..beliefs.observations import RoundObservation, RoundTrace
from ..beliefs.priors import PriorTable
from ..engine.context import OwnerContext
from ..engine.negotiation import ACCEPT, REJECT, Offer
from ..engine.rng import StreamRNG
from ..engine.terms import Issue
from ..engine.views import SideView
from ..relationships import BehaviourSpec, ChannelMask, Channels, RelationshipSetup, play
from ..relationships.setup import Mechanics
from ..relationships.table import RoundsRecorder
from ..strategies.base import State, Strategy
from ..support.validation import check_choice, check_scalar
from ..theory import ratchet

PLAYS = ("commitment", "separating", "pooling")


def best_price(theta: np.ndarray, mass: np.ndarray) -> np.ndarray:
    """``(n,)``: the position maximising x·P(buyer accepts x) in a last round, over the prices
    1 − θ_g that make a candidate indifferent (``mass``: ``(n, G)`` over ascending ``theta``;
    a tie goes to the lower price: an indifferent seller serves more buyers)."""
    prices = 1.0 - theta
    accept = np.cumsum(mass, axis=1)  # P(θ <= θ_g): everyone at or below θ_g buys at 1 − θ_g
    return prices[np.argmax(prices[None, :] * accept + 1e-12 * np.arange(theta.size), axis=1)]


@dataclass(frozen=True)
class RatchetBuyer(Strategy):
    """The buyer's rule (module docstring): ``low_price`` is the position v_low/v_high;
    ``commitment`` means the seller's later prices do not depend on the buyer's choices."""

    name: ClassVar[str] = "ratchet_buyer"
    monotone_in_type: ClassVar[bool] = True
    delta: float
    low_price: float
    rounds: int = 2
    commitment: bool = False

    def propose(self, view: SideView, state: State, step: int) -> Offer:
        """Never used: the seller makes every offer (asks for the price 0)."""
        return Offer.plain(np.zeros(view.n))

    def respond(self, view: SideView, state: State, step: int, offer: Offer) -> np.ndarray:
        """Buy iff the surplus covers what revealing its type forgoes next round."""
        theta = view.own.reservation_value
        surplus = (1.0 - offer.x) - theta
        last = view.round_index >= self.rounds - 1
        if last or self.commitment:
            forgone = np.zeros(view.n)
        else:
            reveals = offer.x > self.low_price + 1e-12
            forgone = np.where(reveals, self.delta * np.maximum(1.0 - self.low_price - theta, 0), 0)
        return np.where(surplus >= forgone - 1e-12, ACCEPT, REJECT).astype(np.int8)


@dataclass(frozen=True)
class RatchetSeller(Strategy):
    """Posts ``first_price`` (a position) in round 1 if given, else, and in later rounds, the
    best last-round price to its belief: the posterior, or the prior if it ``commit``s. Learns
    the buyer's type from each round by Bayes' rule with the exact likelihood of the record."""

    name: ClassVar[str] = "ratchet_seller"
    learns: ClassVar[bool] = True
    first_price: float | None = None
    commit: bool = False

    def propose(self, view: SideView, state: State, step: int) -> Offer:
        """The round's posted price: ``first_price`` in round 1 if given, else the best last-round price to its belief."""
        if view.round_index == 0 and self.first_price is not None:
            return Offer.plain(np.full(view.n, self.first_price))
        belief = view.belief
        if belief is None:
            raise ValueError("the ratchet seller prices from its belief: play it in a relationship")
        if self.commit:
            mass = belief.prior.sum(axis=1)  # (n, G): the prior, types summed out
        else:
            mass = belief.marginal()
        return Offer.plain(best_price(belief.theta, mass))

    def respond(self, view: SideView, state: State, step: int, offer: Offer) -> np.ndarray:
        """Never used: the seller makes every offer (rejects)."""
        return np.full(view.n, REJECT, dtype=np.int8)

    def update_belief(
        self,
        belief: Belief,
        trace: RoundTrace,
        obs: RoundObservation,
        context: OwnerContext,
        models: tuple[Strategy, ...],
        tremble: float,
        rows: np.ndarray,
    ) -> None:
        """Bayes' rule on ``rows`` with the exact likelihood under the buyer's rule."""
        likelihood = models[0].likelihood(trace, context, belief.theta, rows)
        belief.update(likelihood, tremble, rows)


@dataclass(frozen=True, eq=False)
class RatchetPlay:
    """What :func:`play_ratchet` observed (prices and revenues in the values' units).

    Attributes
    ----------
    first_price:
        The price posted in round 1.
    second_price_after_purchase, second_price_after_refusal:
        The mean price posted in round 2 to buyers who bought in round 1, and to those who
        did not (NaN if there were none).
    revenue, revenue_se:
        The seller's revenue P1·[bought] + δ·P2·[bought], averaged over replicates, and its
        Monte Carlo standard error.
    revenue_by_type:
        ``(high, low)``: the revenue from each type (play is deterministic given the type;
        NaN for a type that was never drawn).
    revenue_exact:
        p_high·high + (1 − p_high)·low: the expectation by enumeration of the two types.
    bought:
        ``((high in round 1, high in round 2), (low ..., low ...))``: purchase rates.
    high_share:
        The share of replicates whose buyer is the high type.
    """

    first_price: float
    second_price_after_purchase: float
    second_price_after_refusal: float
    revenue: float
    revenue_se: float
    revenue_by_type: tuple[float, float]
    revenue_exact: float
    bought: tuple[tuple[float, float], tuple[float, float]]
    high_share: float


def _mean(values: np.ndarray, where: np.ndarray) -> float:
    """The mean of ``values`` where ``where`` holds (NaN if nowhere)."""
    return float(values[where].mean()) if where.any() else math.nan


def play_ratchet(
    v_high: float,
    v_low: float,
    p_high: float,
    delta: float,
    *,
    replicates: int = 2_000,
    seed: int = 0,
    equilibrium: str = "separating",
) -> RatchetPlay:
    """Play the two-round ratchet game on ``replicates`` relationships (see the module).

    Parameters
    ----------
    v_high, v_low, p_high, delta:
        As in :func:`bargainlab.theory.ratchet` (checked there).
    replicates:
        The number of relationships; the buyer's type is drawn in each from its prior by the
        engine's counter-based random numbers, rooted at ``numpy.random.SeedSequence(seed)``.
    seed:
        The root seed.
    equilibrium:
        ``"commitment"``, ``"separating"`` or ``"pooling"``.
    """
    reference = ratchet(v_high, v_low, p_high, delta)
    check_choice("equilibrium", equilibrium, PLAYS)
    n = int(check_scalar("replicates", replicates, low=1, integer=True))
    vh, vl, p, d = float(v_high), float(v_low), float(p_high), float(delta)
    low_price = vl / vh
    first = {
        "commitment": None,
        "separating": reference.separating_price / vh,
        "pooling": low_price,
    }
    seller = RatchetSeller(first_price=first[equilibrium], commit=equilibrium == "commitment")
    buyer = RatchetBuyer(d, low_price, rounds=2, commitment=equilibrium == "commitment")
    setup = _ratchet_setup(n, vh, low_price, p)
    rng = StreamRNG.from_seed(np.random.SeedSequence(seed), n)
    recorder, _ = play(setup, (seller, buyer), rng, np.arange(n))
    return _observed(recorder, d, p, setup.mechanics.grid)


def _ratchet_setup(n: int, v_high: float, low_price: float, p_high: float) -> RelationshipSetup:
    """``n`` two-round relationships of one offer each, the seller (party 0) proposing, the
    buyer's type persisting (see the module): the belief grid holds the seller's own type (0)
    and the buyer's two, the high type with prior ``p_high``."""
    grid = np.array([0.0, 1.0 - low_price])  # θ: the seller and high type, then the low type
    mechanics = Mechanics(
        issue=Issue(name="price", low=0.0, high=v_high, party0_prefers="high"),
        names=("seller", "buyer"),
        disagreement="outside_options",
        allow_exit=False,
        end_on_disagreement=False,
        grid=grid,
        tremble=0.0,
        behaviour=BehaviourSpec(),
        condition_holder=None,
        reservation_shift=np.zeros((2, 2)),
    )
    return RelationshipSetup(
        mechanics=mechanics,
        channels=ChannelMask.of(Channels(precedent=False), n),
        rounds=np.full(n, 2, dtype=np.int64),
        horizon=np.ones(n, dtype=np.int64),
        breakdown=np.zeros(n),
        first_mover=np.zeros(n, dtype=np.int8),
        status_quo=np.zeros(n),
        rho=np.ones(n),
        priors=(
            PriorTable.single(np.array([1.0, 0.0]), n),
            PriorTable.single(np.array([p_high, 1.0 - p_high]), n),
        ),
        outside_option=np.zeros((2, n, 2)),
        delta=np.ones((n, 2)),
        curvature=np.ones((n, 2)),
        deadline=np.ones((n, 2), dtype=np.int64),
        condition_value=np.zeros(n),
        condition_cost_prior=None,
        condition_fallback=np.zeros(n),
    )


def _observed(recorder: RoundsRecorder, d: float, p: float, grid: np.ndarray) -> RatchetPlay:
    """What the two rounds recorded show: prices, purchases and the seller's revenue."""
    price = recorder["first_offer"][:, :, 0]  # (round, replicate), in the values' units
    bought = recorder["agreed"][:, :, 0]
    n = price.shape[1]
    revenue = price[0] * bought[0] + d * price[1] * bought[1]
    high = recorder["reservation_value"][0, :, 1] < 0.5 * grid[1]
    by_type = (_mean(revenue, high), _mean(revenue, ~high))
    return RatchetPlay(
        first_price=float(price[0].mean()),
        second_price_after_purchase=_mean(price[1], bought[0]),
        second_price_after_refusal=_mean(price[1], ~bought[0]),
        revenue=float(revenue.mean()),
        revenue_se=float(revenue.std(ddof=1) / math.sqrt(n)) if n > 1 else math.inf,
        revenue_by_type=by_type,
        revenue_exact=p * by_type[0] + (1.0 - p) * by_type[1],
        bought=(
            (_mean(bought[0], high), _mean(bought[1], high)),
            (_mean(bought[0], ~high), _mean(bought[1], ~high)),
        ),
        high_share=float(high.mean()),
    )


__all__ = [
    "PLAYS",
    "RatchetBuyer",
    "RatchetPlay",
    "RatchetSeller",
    "best_price",
    "play_ratchet",
]
