"""What the engine asks of a strategy, and what a strategy gives back.

A strategy is any object with the three calls of :class:`Strategy` (a structural protocol:
no base class is needed, though :class:`bargainlab.strategies.Strategy` provides one). The
engine calls, over a batch of replicates:

* ``start(view)`` at the start of every round: the strategy's own per-round state, of any
  type (the engine only hands it back);
* ``propose(view, state, step)`` at every step: an :class:`Offer` (or an array of positions)
  for *every* replicate, used where this side proposes;
* ``respond(view, state, step, offer)`` at every step: a response code (:data:`REJECT`,
  :data:`ACCEPT` or :data:`EXIT`) for every replicate, used where this side responds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, Protocol, TypeVar

import numpy as np

from .views import SideView

REJECT: Final = 0
"""Response code: the responder rejects the offer (the talks go on)."""
ACCEPT: Final = 1
"""Response code: the responder accepts the offer."""
EXIT: Final = 2
"""Response code: the responder rejects the offer and takes its outside option."""

Response = Literal[0, 1, 2]
"""A response code: :data:`REJECT`, :data:`ACCEPT` or :data:`EXIT`."""


@dataclass(frozen=True)
class Offer:
    """A batch of offers: primary position ``x`` and whether the condition is attached."""

    x: np.ndarray
    conditional: np.ndarray

    @classmethod
    def plain(cls, x: np.ndarray) -> Offer:
        """Offers of the positions ``x`` without the condition."""
        x = np.asarray(x, dtype=float)
        return cls(x, np.zeros(x.shape, dtype=bool))


StateT = TypeVar("StateT")
"""A strategy's per-round state: whatever its ``start`` returns (opaque to the engine)."""


class Strategy(Protocol[StateT]):
    """The calls the engine makes on a strategy (see the module docstring), generic in the
    type of the strategy's per-round state."""

    def start(self, view: SideView) -> StateT:
        """The strategy's state at the start of a round (its own scratch arrays)."""
        ...

    def propose(self, view: SideView, state: StateT, step: int) -> Offer | np.ndarray:
        """An offer for every replicate of the batch at ``step``."""
        ...

    def respond(self, view: SideView, state: StateT, step: int, offer: Offer) -> np.ndarray:
        """A response code (``int8``) for every replicate to the ``offer`` made at ``step``."""
        ...


__all__ = ["ACCEPT", "EXIT", "REJECT", "Offer", "Response", "StateT", "Strategy"]
