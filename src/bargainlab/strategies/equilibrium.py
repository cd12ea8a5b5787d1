"""Equilibrium play of the complete-information stage game (backward induction).

The strategy plays the subgame-perfect equilibrium of the engine's finite alternating-offers
game, computed by :func:`bargainlab.theory.spe_thresholds` from public facts only: both
discount factors, outside options and curvatures, the breakdown risk, who moves first, the
public horizon, whether exit is allowed, and the disagreement payoffs. In self-play on a
continuous issue it reproduces :func:`~bargainlab.theory.rubinstein` (finite horizon),
:func:`~bargainlab.theory.outside_option` and :func:`~bargainlab.theory.breakdown`.

Assumptions, since the equilibrium is one of *complete* information:

* **Horizon.** The round lasts ``min(view.horizon, own deadline)`` offers: a party knows the
  round cannot outlast its own deadline; the opponent's deadline is private and assumed not
  to bind earlier.
* **Opponent's disagreement payoff** is public (outside options or the status quo terms) and
  read from ``view.opponent_disagreement``.
* **Reservation values** are private and not part of the equilibrium: the responder still
  never accepts less than its own reservation value, and the proposer never asks for less
  (it then asks for its reservation utility instead of the equilibrium offer).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..engine.negotiation import Offer
from ..engine.views import SideView
from ..theory import SPETables, spe_thresholds
from .base import Strategy
from .registry import register


def opponent_disagreement(view: SideView) -> np.ndarray:
    """The opponent's payoff after the last rejection (public)."""
    return view.opponent_disagreement


@register
@dataclass(frozen=True)
class Equilibrium(Strategy[SPETables]):
    """Subgame-perfect play of the complete-information stage game.

    At each step the proposer offers the position that gives the responder exactly its
    rejection value ``R_j(s)`` if it prefers agreement to the rejection outcome, and its ideal
    position otherwise; the responder accepts iff the offer is worth at least
    ``max(R_own(s), reservation value)`` and, after rejecting, exits iff exit is allowed and
    ``w_own > C_own(s)``, its continuation value (the same as ``w_own > p·w_own + (1 − p)·C_own(s)``
    for p < 1; at p = 1 the talks always break down first). Ties: accept, and stay. Formulas in :func:`bargainlab.theory.spe_thresholds`
    (Rubinstein 1982; Ståhl 1972; Binmore, Shaked & Sutton 1989; Binmore, Rubinstein &
    Wolinsky 1986). The tables are built once per round in :meth:`start` (one loop over
    steps, vectorised over replicates); it has no parameters.
    """

    name: ClassVar[str] = "equilibrium"

    def start(self, view: SideView) -> SPETables:
        """The round's backward-induction tables, from public facts only."""
        me = view.side
        pair = lambda mine, theirs: (mine, theirs) if me == 0 else (theirs, mine)  # noqa: E731
        return spe_thresholds(
            delta=pair(view.own.delta, view.opponent.delta),
            outside_option=pair(view.own.outside_option, view.opponent.outside_option),
            disagreement=pair(view.disagreement, opponent_disagreement(view)),
            curvature=pair(view.own.curvature, view.opponent.curvature),
            horizon=np.minimum(view.own.deadline, view.horizon),
            first_mover=view.first_mover,
            breakdown=view.breakdown,
            allow_exit=view.allow_exit,
            levels=view.issue.levels,
        )

    @staticmethod
    def _column(table: np.ndarray, step: int) -> np.ndarray:
        """Column ``step`` of a table (its last column beyond the table's end)."""
        return table[:, min(step, table.shape[1] - 1)]

    def propose(self, view: SideView, state: SPETables, step: int) -> Offer:
        """The equilibrium offer, but never less than the own reservation utility."""
        x = self._column(state.offer, step)
        floor = view.own.reservation_value
        # never ask for less than the bottom line (the equilibrium does not know it)
        x = np.where(view.utility(x) >= floor - 1e-12, x, view.position(floor))
        return Offer.plain(x)

    def respond(self, view: SideView, state: SPETables, step: int, offer: Offer) -> np.ndarray:
        """Accept an offer worth the rejection value (and the reservation value); exit after
        rejecting where the equilibrium does."""
        response = self.accept_if(view, offer, self._column(state.threshold, step))
        return self.exit_if(view, response, self._column(state.exit, step))


__all__ = ["Equilibrium", "opponent_disagreement"]
