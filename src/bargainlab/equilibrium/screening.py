"""The skimming (Coasian durable-good) equilibrium, played on the engine's stage game.

A seller with zero cost sells one unit to a buyer whose value v is private and uniform on
[0, 1]; in each of T periods the seller posts a price (a take-it-or-leave-it offer) and the
buyer buys or waits, both discounting by δ per period (Sobel & Takahashi 1983; Fudenberg &
Tirole 1991, §10.2). :func:`bargainlab.theory.screening` gives the equilibrium by backward
induction: with n periods to go and the buyers on [0, k] left, the price is b_n·k, the buyers
above c_n·k buy, and the marginal buyer is indifferent between p now and b_(n−1) times the
next cutoff, so a buyer facing the price p buys iff

    v >= p / γ_n,      γ_n = 1 − δ·(1 − b_(n−1))      (γ_1 = 1: the last period).

:func:`play_screening` plays that equilibrium as strategies, by play:

* **The seller** (:class:`SkimmingSeller`, party 0) holds a grid posterior over the buyer's
  bottom line (:class:`bargainlab.beliefs.grid.Belief`, uniform prior). In each period it
  posts b_n times the upper end of its posterior's support, the equilibrium price rule as a
  function of the posterior: it does *not* maximise its value numerically (a test checks by
  play that no other first price does better). After a rejection it updates by Bayes' rule
  with the exact likelihood of the buyer's response under the buyers' stopping rule, which
  the engine evaluates by replaying that rule on every grid candidate
  (:meth:`bargainlab.strategies.Strategy.likelihood`), so the seller never reads a buyer's
  value (the engine's views forbid it).
* **The buyers** (:class:`SkimmingBuyer`, party 1) have values drawn per replicate from the
  uniform prior with a :class:`numpy.random.Generator` seeded from
  ``numpy.random.SeedSequence(seed)``, and stop optimally: buy iff v − p ≥ δ·(v − p_next),
  with p_next the price the seller's rule posts next, i.e. iff v ≥ p/γ_n.

In the engine a price p is the position x = p on an issue that party 0 (the seller) wants
high; the buyer's utility is 1 − x and its bottom line (reservation value) θ = 1 − v, so its
surplus v − p is its utility above its bottom line. Each period is one call of
:func:`bargainlab.engine.negotiation.negotiate` on a one-offer round (horizon 1, the seller
proposes) over the buyers still in the market. A relationship (:mod:`bargainlab.relationships`)
is not used because it ends on disagreement, while here a sale ends the game (a durable good);
the loop over periods, with the market as the engine's ``active`` mask, is that difference.

Grid error: the posterior's upper end is the largest grid value below the cutoff, so each
price is low by at most one grid step h = 1/(grid − 1) per period elapsed, and buyers within
that distance of a cutoff may buy one period apart from the closed form.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from ..beliefs.grid import Belief
from ..beliefs.observations import RoundTrace
from ..beliefs.priors import Uniform, grid_points, prior_mass
from ..engine.context import OwnerContext
from ..engine.negotiation import ACCEPT, REJECT, Game, NegotiationResult, Offer, negotiate
from ..engine.parties import PartyBatch
from ..engine.terms import Issue
from ..engine.views import Carried, Posterior, SideView
from ..strategies.base import State, Strategy
from ..support.validation import check_scalar
from ..theory import screening

PRICE = Issue(name="price", low=0.0, high=1.0, party0_prefers="high")
"""The issue: the position is the price; the seller (party 0) wants it high."""


def skimming_coefficients(delta: float, periods: int) -> tuple[np.ndarray, np.ndarray]:
    """``(b, gamma)``, each of length ``periods``, indexed by n − 1 (n periods to go).

    b_n is the equilibrium price per unit of the upper end of the buyers left (the first
    price of :func:`bargainlab.theory.screening` with n periods), and γ_n = 1 − δ·(1 − b_(n−1))
    (γ_1 = 1) the price per unit of the cutoff it induces.
    """
    b = np.array([screening(delta, n).prices[0] for n in range(1, periods + 1)])
    gamma = np.ones(periods)
    gamma[1:] = 1.0 - delta * (1.0 - b[:-1])
    return b, gamma


def posterior_upper(belief: Posterior) -> np.ndarray:
    """``(n,)``: the largest buyer value v = 1 − θ to which the posterior gives positive mass."""
    theta = belief.theta  # ascending: the first candidate with mass is the highest value
    return 1.0 - theta[np.argmax(belief.marginal() > 0.0, axis=1)]


@dataclass(frozen=True)
class SkimmingBuyer(Strategy):
    """The buyers' equilibrium stopping rule: with n periods to go, buy at the price p iff
    v ≥ p/γ_n (ties buy), v = 1 − (own bottom line). Never proposes (it answers one offer per
    period; it would ask for the price 0). The period is the engine's ``round_index``."""

    name: ClassVar[str] = "skimming_buyer"
    monotone_in_type: ClassVar[bool] = True
    delta: float
    periods: int
    gamma: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Validate the parameters and precompute the coefficients γ_n."""
        check_scalar("delta", self.delta, low=0, high=1)
        check_scalar("periods", self.periods, low=1, integer=True)
        object.__setattr__(self, "gamma", skimming_coefficients(self.delta, self.periods)[1])

    def cutoff(self, price: np.ndarray, period: int) -> np.ndarray:
        """The lowest value that buys at ``price`` in ``period`` (0-based)."""
        return np.asarray(price) / self.gamma[self.periods - period - 1]

    def propose(self, view: SideView, state: State, step: int) -> Offer:
        """Never used: the seller makes every offer (asks for the price 0)."""
        return Offer.plain(np.zeros(view.n))

    def respond(self, view: SideView, state: State, step: int, offer: Offer) -> np.ndarray:
        """Buy iff the value reaches the period's cutoff for the price."""
        value = 1.0 - view.own.reservation_value
        buy = value >= self.cutoff(offer.x, view.round_index) - 1e-12
        return np.where(buy, ACCEPT, REJECT).astype(np.int8)


@dataclass(frozen=True)
class SkimmingSeller(Strategy):
    """The seller's equilibrium price rule given its posterior: b_n times the posterior's upper
    end with n periods to go (``first_price``, if given, replaces it in the first period: a
    one-shot deviation). Never responds to an offer (it makes every offer)."""

    name: ClassVar[str] = "skimming_seller"
    delta: float
    periods: int
    first_price: float | None = None
    b: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Validate the parameters and precompute the coefficients b_n."""
        check_scalar("delta", self.delta, low=0, high=1)
        check_scalar("periods", self.periods, low=1, integer=True)
        if self.first_price is not None:
            check_scalar("first_price", self.first_price, low=0, high=1)
        object.__setattr__(self, "b", skimming_coefficients(self.delta, self.periods)[0])

    def propose(self, view: SideView, state: State, step: int) -> Offer:
        """The period's price: b_n times the upper end of the posterior's support."""
        if view.round_index == 0 and self.first_price is not None:
            return Offer.plain(np.full(view.n, self.first_price))
        if view.belief is None:
            raise ValueError("the skimming seller prices from its posterior: carry a belief")
        n_left = self.periods - view.round_index
        return Offer.plain(self.b[n_left - 1] * posterior_upper(view.belief))

    def respond(self, view: SideView, state: State, step: int, offer: Offer) -> np.ndarray:
        """Never used: the seller makes every offer (rejects)."""
        return np.full(view.n, REJECT, dtype=np.int8)


def closed_form_purchases(
    values: np.ndarray, delta: float, periods: int
) -> tuple[np.ndarray, np.ndarray]:
    """What the closed form says buyers with these ``values`` do: ``(period, paid)``, the
    0-based period each buys in (−1: never) and the price it pays (0: never). Comparing a play
    with it on the play's own buyers leaves no Monte Carlo error, only the grid's."""
    ref = screening(delta, periods)
    lower = np.array([*ref.cutoffs, ref.prices[-1]])  # period t sells to [lower[t], lower[t−1])
    period = np.full(np.shape(values), -1, dtype=np.int64)
    for t in range(periods - 1, -1, -1):
        period = np.where(np.asarray(values) >= lower[t], t, period)
    paid = np.where(period >= 0, np.array(ref.prices)[np.maximum(period, 0)], 0.0)
    return period, paid


@dataclass(frozen=True, eq=False)
class ScreeningPlay:
    """What :func:`play_screening` observed (pairs with :class:`bargainlab.theory.Screening`).

    Attributes
    ----------
    revenue, revenue_se:
        The seller's discounted revenue per buyer, Σ_t δ^(t−1)·p_t·[bought at t], averaged
        over replicates, and its Monte Carlo standard error.
    sales:
        The share of buyers who buy in each period (length T).
    prices:
        The price posted in each period to the buyers still in the market (the same for all
        of them; NaN if none is left).
    posterior_upper:
        The upper end of the seller's posterior support after each rejection (length T − 1;
        NaN if nobody rejected).
    values, purchase_period, paid:
        Per replicate: the buyer's value, the 0-based period it bought in (−1: never) and the
        price it paid (0 if it never bought).
    grid_values:
        The buyer values v = 1 − θ of the belief grid, ascending (step ``grid_step``).
    posteriors:
        ``(T − 1, G)``: the seller's posterior over ``grid_values`` after each rejection
        (the average over the sellers whose buyer rejected; they share the history).
    """

    revenue: float
    revenue_se: float
    sales: tuple[float, ...]
    prices: tuple[float, ...]
    posterior_upper: tuple[float, ...]
    values: np.ndarray
    purchase_period: np.ndarray
    paid: np.ndarray
    grid_values: np.ndarray
    grid_step: float
    posteriors: np.ndarray


def play_screening(
    delta: float,
    periods: int,
    *,
    replicates: int = 10_000,
    seed: int = 0,
    grid: int = 501,
    first_price: float | None = None,
) -> ScreeningPlay:
    """Play the T-period skimming game on ``replicates`` seller–buyer pairs (see the module).

    Parameters
    ----------
    delta:
        The common discount factor in [0, 1].
    periods:
        The number of periods T >= 1.
    replicates:
        The number of seller–buyer pairs (memory grows as replicates × grid).
    seed:
        The root of the ``numpy.random.SeedSequence`` the buyers' values are drawn from.
    grid:
        The number of points of the seller's belief grid (>= 3; step 1/(grid − 1)).
    first_price:
        A price the seller posts in the first period instead of its rule (a deviation).
    """
    d = check_scalar("delta", delta, low=0, high=1)
    n_periods = int(check_scalar("periods", periods, low=1, integer=True))
    n = int(check_scalar("replicates", replicates, low=1, integer=True))
    size = int(check_scalar("grid", grid, low=3, integer=True))
    generator = np.random.default_rng(np.random.SeedSequence(seed))
    values = generator.random(n)
    theta = grid_points(size)
    belief = Belief.from_prior(prior_mass(Uniform(low=0.0, high=1.0), theta), theta, n)
    seller = PartyBatch.build(n, name="seller")
    buyer = PartyBatch.build(n, reservation_value=1.0 - values, name="buyer")
    game = Game(PRICE, (seller, buyer), horizon=1, first_mover=0, allow_exit=False)
    strategies = (SkimmingSeller(d, n_periods, first_price), SkimmingBuyer(d, n_periods))
    market = _Market.open(n, n_periods, size)
    for t in range(n_periods):
        carried = (Carried(belief=belief), Carried())
        result = negotiate(
            game, strategies, round_index=t, trace=True, carried=carried, active=market.in_market
        )
        market.sell(t, result)
        if t < n_periods - 1:
            market.learn(t, game, strategies[1], belief, result)
    return market.outcome(d, values, theta)


@dataclass
class _Market:
    """The buyers still in the market, and what the periods played so far recorded."""

    in_market: np.ndarray
    """``(n,)``: the buyers that have not bought yet."""
    period: np.ndarray
    """``(n,)``: the 0-based period each buyer bought in (-1: not yet)."""
    paid: np.ndarray
    prices: list[float]
    uppers: list[float]
    posteriors: np.ndarray

    @classmethod
    def open(cls, n: int, periods: int, grid: int) -> _Market:
        """A market of ``n`` buyers before the first of ``periods`` periods."""
        return cls(
            in_market=np.ones(n, dtype=bool),
            period=np.full(n, -1, dtype=np.int64),
            paid=np.zeros(n),
            prices=[],
            uppers=[],
            posteriors=np.zeros((periods - 1, grid)),
        )

    def sell(self, t: int, result: NegotiationResult) -> None:
        """Record period ``t``'s price and purchases; the buyers who bought leave."""
        market = self.in_market
        self.prices.append(float(result.first_offer[market].mean()) if market.any() else math.nan)
        bought = market & result.agreed
        self.period[bought] = t
        self.paid[bought] = result.x[bought]
        self.in_market = market & ~bought

    def learn(
        self, t: int, game: Game, buyer: SkimmingBuyer, belief: Belief, result: NegotiationResult
    ) -> None:
        """The seller's Bayes update after the rejections of period ``t`` (exact likelihood
        of the buyers' stopping rule), and what the posterior says."""
        market = self.in_market
        if not market.any():
            self.uppers.append(math.nan)
            return
        context = OwnerContext.public(game, 1, Carried(), round_index=t)
        trace = RoundTrace.from_result(result)
        belief.update(buyer.likelihood(trace, context, belief.theta, rows=market), 0.0, rows=market)
        self.uppers.append(float(posterior_upper(belief)[market].mean()))
        self.posteriors[t] = belief.marginal()[market].mean(axis=0)[::-1]

    def outcome(self, d: float, values: np.ndarray, theta: np.ndarray) -> ScreeningPlay:
        """What the play observed, with the buyers' ``values`` and the belief grid ``theta``."""
        n, period, paid = values.shape[0], self.period, self.paid
        discounted = np.where(period >= 0, d ** np.maximum(period, 0) * paid, 0.0)
        return ScreeningPlay(
            revenue=float(discounted.mean()),
            revenue_se=float(discounted.std(ddof=1) / math.sqrt(n)) if n > 1 else math.inf,
            sales=tuple(float(np.mean(period == t)) for t in range(len(self.prices))),
            prices=tuple(self.prices),
            posterior_upper=tuple(self.uppers),
            values=values,
            purchase_period=period,
            paid=paid,
            grid_values=(1.0 - theta)[::-1],
            grid_step=float(theta[1] - theta[0]),
            posteriors=self.posteriors,
        )


__all__ = [
    "PRICE",
    "ScreeningPlay",
    "SkimmingBuyer",
    "SkimmingSeller",
    "closed_form_purchases",
    "play_screening",
    "posterior_upper",
    "skimming_coefficients",
]
