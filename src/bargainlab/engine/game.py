"""A batch of stage games: the issue, the two parties and the public rules of a round."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike

from ..support.validation import as_batch, check_choice
from .parties import PartyBatch
from .terms import Condition, Issue, utility
from .views import CLOCKS, Carried, Clock, ConditionView, OfferHistory, OpponentView, SideView

Disagreement = Literal["outside_options", "status_quo"]
"""What the parties get when a round ends at the deadline without agreement."""
DISAGREEMENTS: tuple[Disagreement, ...] = get_args(Disagreement)
"""The allowed values of :attr:`Game.disagreement`."""


@dataclass(frozen=True, init=False)
class Game:
    """A batch of ``n`` stage games between party 0 and party 1.

    The per-replicate parameters accept a number or any array-like and are stored as
    ``(n,)`` arrays: ``horizon`` (``int64``), ``breakdown`` and ``status_quo`` (``float64``),
    ``first_mover`` (``int8``).

    Parameters
    ----------
    issue:
        The primary issue.
    parties:
        ``(party0, party1)``: party 0 prefers high positions.
    horizon:
        Maximum number of offers in a round (the public deadline ``T``), at least 1: one
        number, or one per replicate (a batch that stacks sweep cells of different lengths).
    breakdown:
        Probability in [0, 1] that talks break down after a rejection (per replicate).
    first_mover:
        Which party (0 or 1) makes the first offer, per replicate.
    disagreement:
        ``"outside_options"``: no agreement gives both their outside options;
        ``"status_quo"``: it gives the ``status_quo`` terms (last agreed terms carry on).
    status_quo:
        Positions in [0, 1] used when ``disagreement == "status_quo"``.
    allow_exit:
        Whether a responder may take its outside option after rejecting.
    condition:
        An optional compensation condition that the holder may attach to its offers.
    clock:
        How the relative time the strategies see advances: ``"offers"`` (one tick per offer,
        reaching 1 at the last one) or ``"negmas"`` (NegMAS's rounds of two offers,
        ``t = (k + 1) / (N + 1)``); see :data:`bargainlab.engine.views.CLOCKS`.
    """

    issue: Issue
    parties: tuple[PartyBatch, PartyBatch]
    horizon: np.ndarray
    breakdown: np.ndarray
    first_mover: np.ndarray
    disagreement: Disagreement
    status_quo: np.ndarray
    allow_exit: bool
    condition: Condition | None
    clock: Clock

    def __init__(
        self,
        issue: Issue,
        parties: tuple[PartyBatch, PartyBatch],
        *,
        horizon: ArrayLike = 100,
        breakdown: ArrayLike = 0.0,
        first_mover: ArrayLike = 0,
        disagreement: Disagreement = "outside_options",
        status_quo: ArrayLike = 0.5,
        allow_exit: bool = True,
        condition: Condition | None = None,
        clock: Clock = "offers",
    ) -> None:
        """Validate every parameter (naming the one at fault) and store the per-replicate ones as ``(n,)`` arrays."""
        n = _batch_size(issue, parties)
        values = {
            "issue": issue,
            "parties": parties,
            "horizon": as_batch("horizon", horizon, n, low=1, integer=True),
            "breakdown": as_batch("breakdown", breakdown, n, low=0, high=1),
            "first_mover": as_batch(
                "first_mover", first_mover, n, low=0, high=1, integer=True
            ).astype(np.int8),
            "disagreement": check_choice("disagreement", disagreement, DISAGREEMENTS),
            "clock": check_choice("clock", clock, CLOCKS),
            "status_quo": as_batch("status_quo", status_quo, n, low=0, high=1),
            "allow_exit": allow_exit,
            "condition": condition,
        }
        if not isinstance(allow_exit, bool):
            raise TypeError("allow_exit must be True or False")
        _check_condition(condition, n)
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @property
    def n(self) -> int:
        """The number of replicates."""
        return self.parties[0].n

    def take(self, index: np.ndarray) -> Game:
        """The games of a subset of replicates (``index``: integer positions)."""
        return dataclasses.replace(
            self,
            parties=(self.parties[0].take(index), self.parties[1].take(index)),
            horizon=self.horizon[index],
            breakdown=self.breakdown[index],
            first_mover=self.first_mover[index],
            status_quo=self.status_quo[index],
            condition=None if self.condition is None else self.condition.take(index),
        )

    def with_condition(self, condition: Condition | None) -> Game:
        """A copy with another condition (same batch size)."""
        return dataclasses.replace(self, condition=condition)

    def with_party(self, side: int, party: PartyBatch) -> Game:
        """A copy in which party ``side`` is replaced (same batch size)."""
        parties = (party, self.parties[1]) if side == 0 else (self.parties[0], party)
        return dataclasses.replace(self, parties=parties)

    def disagreement_payoff(self, side: int) -> np.ndarray:
        """Undiscounted payoff of ``side`` when the deadline passes without agreement."""
        if self.disagreement == "outside_options":
            return self.parties[side].outside_option
        return utility(side, self.status_quo, self.parties[side].utility_curvature)

    def max_offers(self) -> np.ndarray:
        """``(n,)``: the most offers each replicate can make in a round (the horizon, or a
        party's own earlier deadline)."""
        p0, p1 = self.parties
        return np.minimum(np.minimum(p0.deadline, p1.deadline), self.horizon)

    def view(
        self,
        side: int,
        history: OfferHistory,
        *,
        round_index: int = 0,
        carried: Carried | None = None,
    ) -> SideView:
        """The :class:`SideView` of ``side`` in a round whose history is ``history``."""
        opp = 1 - side
        return SideView(
            side=side,
            issue=self.issue,
            own=self.parties[side],
            opponent=OpponentView(self.parties[opp], opp),
            horizon=self.horizon,
            breakdown=self.breakdown,
            first_mover=self.first_mover,
            allow_exit=self.allow_exit,
            disagreement=self.disagreement_payoff(side),
            opponent_disagreement=self.disagreement_payoff(opp),
            status_quo=self.status_quo,
            history=history.of(side),
            condition=None if self.condition is None else ConditionView(self.condition, side),
            round_index=round_index,
            carried=Carried() if carried is None else carried,
            clock=self.clock,
        )


def _batch_size(issue: Issue, parties: tuple[PartyBatch, PartyBatch]) -> int:
    """The batch size of a valid issue and pair of parties (raises naming what is wrong)."""
    if not isinstance(issue, Issue):
        raise TypeError(f"issue must be an Issue, got {type(issue).__name__}")
    if len(parties) != 2 or not all(isinstance(p, PartyBatch) for p in parties):
        raise TypeError("parties must be a pair of PartyBatch")
    n = parties[0].n
    if parties[1].n != n:
        raise ValueError(f"both parties must have the same batch size, got {n} and {parties[1].n}")
    return n


def _check_condition(condition: Condition | None, n: int) -> None:
    """Raise unless ``condition`` is ``None`` or a :class:`Condition` over ``n`` replicates."""
    if condition is None:
        return
    if not isinstance(condition, Condition):
        raise TypeError("condition must be a Condition or None")
    if condition.value.shape[0] != n:
        raise ValueError(f"condition arrays must have one entry per replicate ({n})")


__all__ = ["DISAGREEMENTS", "Disagreement", "Game"]
