"""The strategy protocol and the registry.

A strategy is a frozen dataclass of parameters with vectorised decisions over a batch:

* ``start(view) -> state``: called at the start of every round; returns a dict of per-round
  scratch arrays;
* ``propose(view, state, step) -> Offer | ndarray``: an offer for *every* replicate (the
  engine uses it where this side proposes);
* ``respond(view, state, step, offer) -> ndarray``: ``ACCEPT``, ``REJECT`` or ``EXIT`` for
  every replicate;
* ``end_round(view, result) -> None`` (optional): update beliefs and memory between rounds.

A strategy sees only its :class:`~bargainlab.engine.views.SideView`. Config files name strategies
by their registered name; nothing in a config ever executes code. Users add strategies with
:func:`register`.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import numpy as np

from ..beliefs.likelihood import truncation_likelihood
from ..engine.negotiation import ACCEPT, EXIT, REJECT, Offer
from ..engine.views import SideView

State = dict[str, Any]
"""A strategy's per-round scratch arrays (what its ``start`` returns)."""


class Strategy:
    """Base class: subclass it as a ``@dataclass(frozen=True)`` and register it."""

    name: ClassVar[str] = "strategy"
    learns: ClassVar[bool] = False
    """Whether the strategy keeps beliefs about the opponent across rounds."""
    displays_satisfaction: ClassVar[bool] = True
    """Whether the party shows its satisfaction with a deal (the behavioural module's cue)."""

    def start(self, view: SideView) -> dict[str, Any]:
        return {}

    def propose(self, view: SideView, state: dict[str, Any], step: int) -> Offer | np.ndarray:
        raise NotImplementedError

    def respond(self, view: SideView, state: dict[str, Any], step: int, offer: Offer) -> np.ndarray:
        raise NotImplementedError

    def likelihood(self, obs: Any, theta: np.ndarray, ctx: Any, noise: float) -> np.ndarray:
        """``(n, G)``: probability of the observed round if this strategy had type ``theta``.

        A correct Bayesian opponent calls this. Strategies with an explicit rule (the
        time-dependent tactics and the essay's phase strategies) override it with
        :func:`bargainlab.beliefs.likelihood.rule_likelihood`, so the Bayesian is exact for them up to
        the smoothing; for the others (tit-for-tat, equilibrium play, the learner) this
        default is a model-free approximation: offers and acceptances bound the bottom line
        from above.
        """
        return truncation_likelihood(obs, theta, ctx, noise, rejections=False)

    # ---- helpers shared by the library --------------------------------------------------
    @staticmethod
    def accept_if(view: SideView, offer: Offer, threshold: np.ndarray) -> np.ndarray:
        """``ACCEPT`` where the offer is worth at least ``threshold`` *and* the reservation
        value, ``REJECT`` elsewhere. No strategy of the library agrees below its bottom line.
        """
        value = view.offer_value(offer.x, offer.conditional)
        # behavioural acceptance noise (0 unless the subjective-value module sets it)
        threshold = threshold + view.levers.accept_shift
        ok = (value >= threshold - 1e-12) & (value >= view.own.reservation_value - 1e-12)
        return np.where(ok, ACCEPT, REJECT).astype(np.int8)

    @staticmethod
    def exit_if(view: SideView, response: np.ndarray, leave: np.ndarray) -> np.ndarray:
        """Turn rejections into exits where ``leave`` holds (and exit is allowed)."""
        if not view.allow_exit:
            return response
        return np.where((response == REJECT) & leave, EXIT, response).astype(np.int8)

    def params(self) -> dict[str, Any]:
        """The strategy's parameters as a plain dict (for tables and manifests)."""
        return dataclasses.asdict(self) if dataclasses.is_dataclass(self) else {}


__all__ = ["ACCEPT", "EXIT", "REJECT", "Offer", "State", "Strategy"]
