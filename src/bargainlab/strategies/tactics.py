"""Time-dependent tactics (Faratin, Sierra & Jennings 1998; the Genius implementation).

Target utility at relative time ``t`` in [0, 1]:

    f(t) = k + (1 - k) * t ** (1 / e)
    target(t) = p_min + (p_max - p_min) * (1 - f(t))

with ``p_min`` the party's bottom line -- the larger of its reservation value and its
outside option -- unless a higher ``p_min`` is given. ``e < 1`` is Boulware (concedes
late), ``e = 1`` linear, ``e > 1`` Conceder, ``e = 0`` a hardliner (never concedes). The
acceptance rule is Genius's AC_next: accept an offer worth at least the utility of one's own
next offer (and never below the reservation value).

GENIUS and NegMAS conventions
-----------------------------
The presets ``boulware``, ``linear``, ``conceder`` and ``hardliner`` are GENIUS's curves on
the engine's default clock. NegMAS names the same family differently and runs it on another
clock; to compare with NegMAS by name, play ``Game(..., clock="negmas",
horizon=2 * n_steps - 1)`` with the presets ``negmas_boulware``, ``negmas_linear`` and
``negmas_conceder``. The engine then reproduces NegMAS's time-based negotiators offer for
offer (see the test of NegMAS's worked example).

| | GENIUS (bargainlab's default) | NegMAS (``clock="negmas"``) |
|---|---|---|
| clock | one tick per offer: ``t = s / (T - 1)`` at offer ``s = 0..T-1``; reaches 1 at the last offer | one tick per round of two offers: ``t = (k + 1) / (N + 1)`` in round ``k = 0..N-1``, the same for both sides; never reaches 1 |
| length | ``horizon = T`` offers | ``n_steps = N`` rounds = ``horizon = 2N - 1`` offers (the last proposal of round ``N - 1`` is never answered); NegMAS's step of agreement is ``steps // 2`` |
| who moves | ``first_mover`` proposes at even offers | the first negotiator added proposes first (``first_mover``); later, each responds to the offer on the table, then proposes if it rejects |
| curve | ``target = p_min + (p_max - p_min) * (1 - f(t))``, ``f(t) = k + (1 - k) * t ** (1 / e)`` | ``lo(t) = u_min' + (u_max - u_min') * (1 - t ** e_N) - eps``, clamped to [0, 1] |
| exponent | ``e``: Boulware 0.2 (``t ** 5``), linear 1, Conceder 2 (``t ** 0.5``), hardliner 0 | ``e_N = 1 / e``: Boulware 4 (``t ** 4``), linear 1, Conceder 0.25 (``t ** 0.25``) |
| presets here | ``boulware`` (e = 0.2), ``linear`` (1), ``conceder`` (2), ``hardliner`` (0) | ``negmas_boulware`` (e = 0.25), ``negmas_linear`` (1), ``negmas_conceder`` (4), all with ``tolerance = 1e-4`` |
| floor | ``p_min`` = max(reservation value, outside option) | ``u_min'`` = max(lowest utility, reserved value) |
| offer | the position worth the target, rounded to a level in the proposer's favour | the lowest-utility outcome worth at least ``lo(t)`` |
| acceptance | AC_next: accept iff the offer is worth at least the own *next* target | accept iff the offer is worth at least ``lo(t)`` at the *current* ``t``: the same rule, since under NegMAS's clock a side's next offer is in the round of its response |
| tolerance | none (``tolerance = 0``) | ``eps = 1e-4`` for ``BoulwareTBNegotiator``, ``LinearTBNegotiator``, ``ConcederTBNegotiator`` (``AspirationNegotiator``: 1e-3) |

Two differences remain: no strategy here offers or accepts below its reservation value (the
tolerance stops at the floor), while NegMAS's ``lo(t)`` may sit up to ``eps`` below the
reserved value; and a Bayesian opponent's model of
a tactic (its ``likelihood``) uses the default clock and no tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import numpy as np

from ..engine.context import OwnerContext
from ..engine.negotiation import Offer
from ..engine.views import SideView
from ..support.validation import check_scalar
from .base import Strategy
from .registry import register


def genius_target(t: np.ndarray, e: float, k: float, p_min: np.ndarray, p_max: float) -> np.ndarray:
    """Target utility of a time-dependent tactic (Faratin, Sierra & Jennings 1998; Genius).

    ``f(t) = k + (1 - k) * t ** (1 / e)``, ``target = p_min + (p_max - p_min) * (1 - f(t))``;
    e.g. ``p_min = 0.2``, ``p_max = 1``, ``t = 0.5``: 0.975 (e = 0.2), 0.6 (e = 1), 0.4343 (e = 2).
    """
    return p_min + (p_max - p_min) * _share_left(t, e, k)


def _share_left(t: np.ndarray, e: float, k: float) -> np.ndarray:
    """``1 - f(t)``, the share of the span a tactic still asks for at times ``t``. When every
    replicate is at the same time (the common case) it is worked out on one element and
    broadcast: the same operations on the same numbers, so the same bits, and only the
    target's own two passes over the batch remain."""
    t = np.asarray(t, dtype=float)
    if t.ndim == 1 and t.size > 1 and t[0] == t[-1] and bool((t == t[0]).all()):
        return np.broadcast_to(_left(np.clip(t[:1], 0.0, 1.0), e, k), t.shape)
    return _left(np.clip(t, 0.0, 1.0), e, k)


def _left(t: np.ndarray, e: float, k: float) -> np.ndarray:
    """``1 - f(t)`` at times ``t`` in [0, 1]."""
    if e == 0:
        f = np.full_like(t, k)
    else:
        f = k + (1.0 - k) * _power(t, 1.0 / e)
    return 1.0 - f


def _power(t: np.ndarray, y: float) -> np.ndarray:
    """``t ** y``, computed once when every replicate is at the same time (the common case:
    the power is most of a tactic's cost). The one value comes from a contiguous one-element
    array, the same loop NumPy runs over the whole array, so each replicate gets the bits it
    would get alone (a 0-d or broadcast operand can differ by an ulp)."""
    if t.ndim == 1 and t.size > 1 and t[0] == t[-1] and bool((t == t[0]).all()):
        return np.broadcast_to(np.power(t[:1].copy(), y), t.shape)
    return np.power(t, y)


@dataclass(slots=True)
class Targets:
    """A time-dependent tactic's per-round state: its targets by step. Proposing at step
    ``s`` and responding at step ``s - 1`` ask for the same target, so each is computed once
    (and dropped two steps later)."""

    by_step: dict[int, np.ndarray] = field(default_factory=dict)
    floor: np.ndarray | None = None
    """The bottom line (with ``p_min``), fixed for the round: set by the first target."""
    span: np.ndarray | None = None
    """``max(p_max, floor) - floor``, the span the tactic concedes over in the round."""


StateT = TypeVar("StateT")


@dataclass(frozen=True)
class TimeDependentBase(Strategy[StateT]):
    """The parameters and the target curve of a time-dependent tactic, whatever else its
    per-round state holds (:class:`TimeDependent` keeps only its targets; the modest winner
    more).

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
    tolerance:
        Subtracted from the target, for offers and acceptance alike (NegMAS's ``eps``; 0 in
        GENIUS).
    """

    monotone_in_type: ClassVar[bool] = True
    e: float = 1.0
    k: float = 0.0
    p_max: float = 1.0
    p_min: float | None = None
    tolerance: float = 0.0

    def __post_init__(self) -> None:
        """Check the parameters' ranges (and ``p_min <= p_max``)."""
        check_scalar("e", self.e, low=0, high=1000)
        check_scalar("k", self.k, low=0, high=1)
        check_scalar("p_max", self.p_max, low=0, high=1)
        check_scalar("tolerance", self.tolerance, low=0, high=1)
        if self.p_min is not None:
            check_scalar("p_min", self.p_min, low=0, high=1)
            if self.p_min > self.p_max:
                raise ValueError(
                    f"p_min must not exceed p_max; got p_min={self.p_min}, p_max={self.p_max}"
                )

    def _floor(self, view: SideView) -> np.ndarray:
        """The bottom line (an outside option is a floor under it: Binmore, Shaked & Sutton
        1989), raised to ``p_min`` when one is given."""
        res = np.maximum(view.own.reservation_value, view.own.outside_option)
        return res if self.p_min is None else np.maximum(res, self.p_min)

    def target(self, view: SideView, targets: Targets, step: int) -> np.ndarray:
        """Own target utility at ``step`` (see the module docstring), cached in ``targets``."""
        cache = targets.by_step
        hit = cache.get(step)
        if hit is None:
            if targets.floor is None or targets.span is None:
                targets.floor = self._floor(view)
                targets.span = np.maximum(self.p_max, targets.floor) - targets.floor
            floor = targets.floor
            # genius_target with the round's floor and span worked out once
            hit = floor + targets.span * _share_left(view.relative_time(step), self.e, self.k)
            if self.tolerance:
                # NegMAS's eps, but never below the floor: no agreement under the bottom line
                hit = np.maximum(hit - self.tolerance, floor)
            cache.pop(step - 2, None)
            cache[step] = hit
        return hit

    def agreement_threshold(self, theta: np.ndarray, context: OwnerContext) -> np.ndarray:
        """By its deadline it accepts anything worth its floor (and ``p_min``)."""
        floor = np.maximum(theta[None, :], context.outside_option[:, None])
        return floor if self.p_min is None else np.maximum(floor, self.p_min)

    def agreement_rule(self) -> tuple[str, float | None]:
        """Tactics with the same ``p_min`` agree at the same thresholds."""
        return ("floor", self.p_min)


@register
@dataclass(frozen=True)
class TimeDependent(TimeDependentBase[Targets]):
    """Concede along ``target(t)``; accept offers worth at least the own next target.

    Parameters: ``e``, ``k``, ``p_max``, ``p_min`` and ``tolerance`` (see
    :class:`TimeDependentBase`).
    """

    name: ClassVar[str] = "time_dependent"

    def start(self, view: SideView) -> Targets:
        """No target computed yet."""
        return Targets()

    def propose(self, view: SideView, state: Targets, step: int) -> Offer:
        """The position worth the current target."""
        return Offer.plain(view.position(self.target(view, state, step)))

    def respond(self, view: SideView, state: Targets, step: int, offer: Offer) -> np.ndarray:
        """Accept an offer worth at least the own next target (AC_next)."""
        return self.accept_if(view, offer, self.target(view, state, step + 1))


def _preset(
    cls_name: str, reg_name: str, exponent: float, doc: str, tolerance: float = 0.0
) -> type[TimeDependent]:
    """A registered subclass of :class:`TimeDependent` with another default exponent (and
    tolerance)."""
    annotations: dict[str, Any] = {"e": float, "name": ClassVar[str]}
    namespace: dict[str, Any] = {"__doc__": doc, "__annotations__": annotations}
    namespace.update(name=reg_name, e=exponent)
    if tolerance:
        annotations["tolerance"] = float
        namespace["tolerance"] = tolerance
    cls: type[TimeDependent] = dataclass(frozen=True)(type(cls_name, (TimeDependent,), namespace))
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

NEGMAS_TOLERANCE = 1e-4
"""NegMAS's ``eps`` for its time-based negotiators (``BoulwareTBNegotiator``, ...)."""
NegmasBoulware = _preset(
    "NegmasBoulware",
    "negmas_boulware",
    0.25,
    "NegMAS's BoulwareTBNegotiator: aspiration 1 - t**4 (e = 0.25), tolerance 1e-4.",
    NEGMAS_TOLERANCE,
)
NegmasLinear = _preset(
    "NegmasLinear",
    "negmas_linear",
    1.0,
    "NegMAS's LinearTBNegotiator: aspiration 1 - t (e = 1), tolerance 1e-4.",
    NEGMAS_TOLERANCE,
)
NegmasConceder = _preset(
    "NegmasConceder",
    "negmas_conceder",
    4.0,
    "NegMAS's ConcederTBNegotiator: aspiration 1 - t**0.25 (e = 4), tolerance 1e-4.",
    NEGMAS_TOLERANCE,
)
