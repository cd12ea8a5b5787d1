"""Time-dependent tactics (Faratin, Sierra & Jennings 1998; the Genius implementation).

Target utility at relative time ``t`` in [0, 1]:

    f(t) = k + (1 - k) * t ** (1 / e)
    target(t) = p_min + (p_max - p_min) * (1 - f(t))

with ``p_min`` the party's bottom line -- the larger of its reservation value and its
outside option -- unless a higher ``p_min`` is given. ``e < 1`` is Boulware (concedes
late), ``e = 1`` linear, ``e > 1`` Conceder, ``e = 0`` a hardliner (never concedes). The
acceptance rule is Genius's AC_next: accept an offer worth at least the utility of one's own
next offer (and never below the reservation value).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .._checks import check_scalar
from ..engine.context import OwnerContext
from ..engine.negotiation import Offer
from ..engine.views import SideView
from .base import State, Strategy
from .registry import register


def genius_target(t: np.ndarray, e: float, k: float, p_min: np.ndarray, p_max: float) -> np.ndarray:
    """Target utility of a time-dependent tactic (Faratin, Sierra & Jennings 1998; Genius).

    ``f(t) = k + (1 - k) * t ** (1 / e)``, ``target = p_min + (p_max - p_min) * (1 - f(t))``;
    e.g. ``p_min = 0.2``, ``p_max = 1``, ``t = 0.5``: 0.975 (e = 0.2), 0.6 (e = 1), 0.4343 (e = 2).
    """
    t = np.clip(np.asarray(t, dtype=float), 0.0, 1.0)
    f = np.full_like(t, k) if e == 0 else k + (1.0 - k) * t ** (1.0 / e)
    return p_min + (p_max - p_min) * (1.0 - f)


@register
@dataclass(frozen=True)
class TimeDependent(Strategy):
    """Concede along ``target(t)``; accept offers worth at least the own next target.

    Parameters
    ----------
    e:
        Concession exponent >= 0 (0.2 Boulware, 1 linear, 2 Conceder, 0 hardliner).
    k:
        Initial concession in [0, 1].
    p_max:
        Opening utility in [0, 1].
    p_min:
        Floor in [0, 1]; ``None`` uses the party's bottom line (reservation value or outside
        option, whichever is larger).
    """

    name: ClassVar[str] = "time_dependent"
    monotone_in_type: ClassVar[bool] = True
    e: float = 1.0
    k: float = 0.0
    p_max: float = 1.0
    p_min: float | None = None

    def __post_init__(self) -> None:
        check_scalar("e", self.e, low=0, high=1000)
        check_scalar("k", self.k, low=0, high=1)
        check_scalar("p_max", self.p_max, low=0, high=1)
        if self.p_min is not None:
            check_scalar("p_min", self.p_min, low=0, high=1)
            if self.p_min > self.p_max:
                raise ValueError(
                    f"p_min must not exceed p_max; got p_min={self.p_min}, p_max={self.p_max}"
                )

    def _floor(self, view: SideView) -> np.ndarray:
        # an outside option is a floor under the bottom line (Binmore, Shaked & Sutton 1989)
        res = np.maximum(view.own.reservation_value, view.own.outside_option)
        return res if self.p_min is None else np.maximum(res, self.p_min)

    def start(self, view: SideView) -> State:
        # The round's targets by step: proposing at step s and responding at step s - 1 ask
        # for the same target, so each is computed once (and dropped two steps later).
        return {"targets": {}}

    def target(self, view: SideView, state: State, step: int) -> np.ndarray:
        """Own target utility at ``step`` (see the module docstring)."""
        cache = state["targets"]
        hit = cache.get(step)
        if hit is None:
            floor = self._floor(view)
            hit = genius_target(
                view.relative_time(step), self.e, self.k, floor, np.maximum(self.p_max, floor)
            )
            cache.pop(step - 2, None)
            cache[step] = hit
        return hit

    def propose(self, view: SideView, state: State, step: int) -> Offer:
        return Offer.plain(view.position(self.target(view, state, step)))

    def respond(self, view: SideView, state: State, step: int, offer: Offer) -> np.ndarray:
        return self.accept_if(view, offer, self.target(view, state, step + 1))

    def agreement_threshold(self, theta: np.ndarray, context: OwnerContext) -> np.ndarray:
        """By its deadline it accepts anything worth its floor (and ``p_min``)."""
        floor = np.maximum(theta[None, :], context.outside_option[:, None])
        return floor if self.p_min is None else np.maximum(floor, self.p_min)

    def agreement_rule(self) -> tuple[str, float | None]:
        return ("floor", self.p_min)


def _preset(cls_name: str, reg_name: str, exponent: float, doc: str) -> type[TimeDependent]:
    cls = dataclass(frozen=True)(
        type(
            cls_name,
            (TimeDependent,),
            {
                "__doc__": doc,
                "__annotations__": {"e": float, "name": ClassVar[str]},
                "name": reg_name,
                "e": exponent,
            },
        )
    )
    return register(cls)


Boulware = _preset(
    "Boulware", "boulware", 0.2, "Time-dependent tactic with e = 0.2 (concedes late)."
)
Linear = _preset("Linear", "linear", 1.0, "Time-dependent tactic with e = 1 (concedes linearly).")
Conceder = _preset(
    "Conceder", "conceder", 2.0, "Time-dependent tactic with e = 2 (concedes early)."
)
Hardliner = _preset(
    "Hardliner", "hardliner", 0.0, "Time-dependent tactic with e = 0 (never concedes)."
)
