"""Playing under NegMAS's conventions reproduces a known NegMAS negotiation offer for offer.

The negotiation (NegMAS 0.15.7-0.16.0, ``SAOMechanism``): one issue ``price`` with the
integer values 0..99; a buyer ``BoulwareTBNegotiator`` with ``u_b(p) = (99 - p) / 99`` and a
seller ``ConcederTBNegotiator`` with ``u_s(p) = p / 99``; ``n_steps = N``. NegMAS's published
rules (``negmas.negotiators.helpers`` and the time-based negotiators):

* at step ``k = 0..N-1`` every negotiator sees ``t = (k + 1) / (N + 1)``; in a step each acts
  once, in the order they were added: the first proposes with nothing on the table, every
  later turn responds to the offer on the table and proposes if it rejects;
* aspiration ``a(t) = 1 - t ** e_N`` (Boulware ``e_N = 4``, Conceder ``0.25``); target
  ``lo(t) = max(0, a(t) - eps)`` with ``eps = 1e-4`` (reserved values 0, utilities 0..1);
* offer the lowest-utility outcome worth at least ``lo(t)`` (the seller ``ceil(99 lo)``, the
  buyer ``floor(99 (1 - lo))``); accept iff the offer is worth at least ``lo(t)`` now.

The sequences below were written from these formulas (and agree with real NegMAS runs);
NegMAS itself is never run here. :func:`negmas_reference` re-derives them, so a typo in a
sequence cannot pass unnoticed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from bargainlab import Game, Issue, PartyBatch, create, negotiate
from bargainlab.engine.views import OfferHistory, SideView

# (N, who is added first) -> (offers in order, agreed price, NegMAS step of agreement)
NEGMAS_RUNS = {
    (10, "buyer"): ([0, 45, 0, 35, 0, 28, 1, 23, 4, 18, 8, 14], 14, 6),
    (20, "buyer"): (
        [0, 53, 0, 44, 0, 39, 0, 34, 0, 30, 0, 27, 1, 24, 2, 22, 3, 19, 5, 17, 7, 15, 10, 13],
        13,
        12,
    ),
    (10, "seller"): ([45, 0, 35, 0, 28, 0, 23, 1, 18, 4, 14, 8, 11], 11, 6),
}
EXPONENT = {"buyer": 4.0, "seller": 0.25}  # BoulwareTB buyer, ConcederTB seller
EPS = 1e-4


def negmas_reference(n_steps: int, first: str) -> tuple[list[int], int | None, int | None]:
    """NegMAS's protocol and time-based negotiators, one negotiation, in plain Python."""

    def lo(who: str, t: float) -> float:
        return max(0.0, 1.0 - t ** EXPONENT[who] - EPS)

    def utility(who: str, p: int) -> float:
        return (99 - p) / 99 if who == "buyer" else p / 99

    def propose(who: str, t: float) -> int:
        if who == "seller":
            return math.ceil(99 * lo(who, t))
        return math.floor(99 * (1 - lo(who, t)))

    order = [first, "seller" if first == "buyer" else "buyer"]
    table: tuple[str, int] | None = None
    offers: list[int] = []
    for k in range(n_steps):
        t = (k + 1) / (n_steps + 1)
        for who in order:
            if table is not None and table[0] != who and utility(who, table[1]) >= lo(who, t):
                return offers, table[1], k
            table = (who, propose(who, t))
            offers.append(table[1])
    return offers, None, None


@pytest.mark.parametrize(("n_steps", "first"), list(NEGMAS_RUNS))
def test_the_written_sequences_follow_negmas_formulas(n_steps, first):
    assert negmas_reference(n_steps, first) == NEGMAS_RUNS[(n_steps, first)]


def test_the_engine_follows_negmas_formulas_at_every_length():
    # beyond the three written runs: every length from 2 to 40 rounds, both first movers, in
    # one batch per length, offer for offer against the reference derived from the formulas
    for n_steps in range(2, 41):
        issue, result = _play(n_steps, [1, 0])
        trace = result.trace_frame(issue)
        for replicate, first in enumerate(["buyer", "seller"]):
            offers, price, step = negmas_reference(n_steps, first)
            played = trace[trace["replicate"] == replicate].sort_values("step")
            assert np.round(played["offer"].to_numpy()).astype(int).tolist() == offers, (
                n_steps,
                first,
            )
            assert bool(result.agreed[replicate]) == (price is not None)
            if price is not None:
                assert round(float(issue.to_domain(result.x[replicate]))) == price
                assert result.steps[replicate] // 2 == step


def _play(n_steps: int, first_movers: list[int], strategies=("negmas_conceder", "negmas_boulware")):
    """Party 0 the seller (prefers high prices), party 1 the buyer, on NegMAS's clock."""
    n = len(first_movers)
    horizon = 2 * n_steps - 1
    seller = PartyBatch.build(n, reservation_value=0.0, deadline=horizon, name="seller")
    buyer = PartyBatch.build(n, reservation_value=0.0, deadline=horizon, name="buyer")
    issue = Issue(name="price", low=0.0, high=99.0, levels=100)
    game = Game(issue, (seller, buyer), horizon=horizon, first_mover=first_movers, clock="negmas")
    result = negotiate(game, tuple(create(s) for s in strategies), trace=True)
    return issue, result


@pytest.mark.parametrize("n_steps", [10, 20])
def test_the_engine_reproduces_negmas_offer_for_offer(n_steps):
    # one batch: replicate 0 with the buyer (party 1) first, replicate 1 with the seller
    issue, result = _play(n_steps, [1, 0])
    trace = result.trace_frame(issue)
    for replicate, first in enumerate(["buyer", "seller"]):
        if (n_steps, first) not in NEGMAS_RUNS:
            continue
        offers, price, step = NEGMAS_RUNS[(n_steps, first)]
        played = trace[trace["replicate"] == replicate].sort_values("step")
        assert np.round(played["offer"].to_numpy()).astype(int).tolist() == offers
        assert played["response"].tolist() == ["reject"] * (len(offers) - 1) + ["accept"]
        assert result.agreed[replicate]
        assert round(float(issue.to_domain(result.x[replicate]))) == price
        assert result.steps[replicate] == len(offers)
        assert result.steps[replicate] // 2 == step  # NegMAS's step of agreement


def test_on_the_default_clock_the_same_presets_give_another_game():
    issue = Issue(name="price", low=0.0, high=99.0, levels=100)
    n = 1
    seller = PartyBatch.build(n, reservation_value=0.0, deadline=19)
    buyer = PartyBatch.build(n, reservation_value=0.0, deadline=19)
    game = Game(issue, (seller, buyer), horizon=19, first_mover=[1])
    offers = negotiate(game, (create("negmas_conceder"), create("negmas_boulware")), trace=True)
    played = np.round(offers.trace_frame(issue)["offer"].to_numpy()).astype(int).tolist()
    assert played != NEGMAS_RUNS[(10, "buyer")][0]


def test_negmas_clock_times_and_presets():
    n = 3
    party = PartyBatch.build(n, reservation_value=0.0, deadline=19)
    game = Game(Issue(levels=100), (party, party), horizon=19, clock="negmas")
    view = game.view(0, OfferHistory(n))
    assert isinstance(view, SideView) and view.clock == "negmas"
    times = [float(view.relative_time(s)[0]) for s in range(19)]
    assert times[:4] == [1 / 11, 1 / 11, 2 / 11, 2 / 11]
    assert times[-1] == 10 / 11 and max(times) < 1.0  # never reaches 1
    default = Game(Issue(levels=100), (party, party), horizon=19).view(0, OfferHistory(n))
    assert float(default.relative_time(18)[0]) == 1.0
    with pytest.raises(ValueError, match="clock must be one of 'offers', 'negmas'"):
        Game(Issue(levels=100), (party, party), horizon=19, clock="genius")
    # NegMAS's t**4 Boulware is GENIUS's e = 1/4; GENIUS's own Boulware stays e = 0.2
    assert (create("negmas_boulware").e, create("negmas_conceder").e) == (0.25, 4.0)
    assert create("negmas_linear").tolerance == 1e-4 and create("boulware").tolerance == 0.0
    assert (create("boulware").e, create("conceder").e) == (0.2, 2.0)
