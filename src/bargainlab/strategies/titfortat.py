"""Relative tit-for-tat (Faratin, Sierra & Jennings 1998, "Negotiation decision functions for
autonomous agents", Robotics and Autonomous Systems 24).

The agent reproduces, in percentage terms, the opponent's concession over its last two
offers. Faratin et al. write it on issue values with a window of δ = 1:

    x_a→b(t_{n+1}) = [x_b→a(t_{n−2}) / x_b→a(t_n)] · x_a→b(t_{n−1}).

Here it is applied to utilities, the opponent's offers being measured in *own* utility:

    target_{k+1} = clip(target_k · u_own(opp_prev) / u_own(opp_last), floor, p_max),

so an opponent that raises the own utility of its offers by 10% makes the agent lower its
own target by 10% (a concession for a concession), and a retraction raises it. Before the
opponent has made two offers the agent keeps its opening ``p_max``.

Degenerate ratios (the formula is relative, so an offer worth 0 to us carries no scale):
if ``u_own(opp_last) = 0`` the target is kept when ``u_own(opp_prev) = 0`` too and jumps to
``p_max`` otherwise (the opponent took back everything); if ``u_own(opp_prev) = 0 <
u_own(opp_last)`` the ratio is 0 and the agent concedes to its floor, as the
formula says: leaving a worthless offer is an infinite relative concession.

Acceptance (Genius's AC_next): accept an offer worth at least the agent's own next target,
and never less than its floor, the larger of its reservation value and outside option.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..engine.negotiation import Offer
from ..engine.views import SideView
from ..support.validation import check_scalar
from .base import Strategy
from .registry import register

_ZERO = 1e-12


@dataclass(slots=True)
class Target:
    """Tit-for-tat's per-round state: the own target utility, updated where it proposes."""

    target: np.ndarray


@register
@dataclass(frozen=True)
class TitForTat(Strategy[Target]):
    """Relative tit-for-tat in utility terms.

    Parameters
    ----------
    p_max:
        Opening target utility in [0, 1] and the ceiling of the target. The floor is the
        party's floor (reservation value or outside option, whichever is larger; it wins if it
        exceeds ``p_max``).
    """

    name: ClassVar[str] = "tit_for_tat"
    p_max: float = 1.0

    def __post_init__(self) -> None:
        """Check ``p_max``."""
        check_scalar("p_max", self.p_max, low=0, high=1)

    def _clip(self, view: SideView, target: np.ndarray) -> np.ndarray:
        """The target kept between the floor and ``p_max`` (the floor wins)."""
        return np.maximum(
            np.minimum(target, self.p_max),
            np.maximum(view.own.reservation_value, view.own.outside_option),
        )

    def _next_target(
        self,
        view: SideView,
        target: np.ndarray,
        prev: np.ndarray,
        last: np.ndarray,
        seen: np.ndarray,
    ) -> np.ndarray:
        """Target after observing the opponent's offers ``prev`` then ``last`` (``seen`` in all)."""
        u_prev, u_last = view.utility(prev), view.utility(last)
        safe = np.maximum(u_last, _ZERO)
        scaled = np.where(
            u_last > _ZERO, target * (u_prev / safe), np.where(u_prev > _ZERO, self.p_max, target)
        )
        return self._clip(view, np.where(seen >= 2, scaled, target))

    def start(self, view: SideView) -> Target:
        """The opening target ``p_max`` (never below the floor)."""
        return Target(self._clip(view, np.full(view.n, float(self.p_max))))

    def propose(self, view: SideView, state: Target, step: int) -> Offer:
        """Reproduce the opponent's last relative concession, then offer the target."""
        proposing = ((view.first_mover + step) % 2) == view.side
        target = self._next_target(
            view,
            state.target,
            view.history.opp_prev,
            view.history.opp_last,
            view.history.opp_offers,
        )
        state.target = np.where(proposing, target, state.target)
        return Offer.plain(view.position(state.target))

    def respond(self, view: SideView, state: Target, step: int, offer: Offer) -> np.ndarray:
        """Accept an offer worth at least the target it would propose next (AC_next)."""
        # the target this side would propose next, once the offer on the table is observed
        after = self._next_target(
            view, state.target, view.history.opp_last, offer.x, view.history.opp_offers + 1
        )
        return self.accept_if(view, offer, after)


__all__ = ["TitForTat"]
