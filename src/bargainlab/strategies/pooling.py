"""A face-saver that pools: every type whose bottom line is at most a public ``cutoff`` plays
as the type whose bottom line is the cutoff.

The essay's reason for the condition is concealment: a party that is bound to lose concedes
with a condition "so as not to reveal its bottom line". Against an opponent that knows the
face-saver's rule, a concession whose terms or timing depend on the bottom line reveals it
to a correct Bayesian whatever is attached to it; only a concession that is the same for
many bottom lines (a *pooling* one) can hide a type. :class:`PoolingFaceSaver` is the
face-saver (:class:`~bargainlab.strategies.essay.FaceSaver`) with an effective bottom line

    floor_eff = max(reservation value, outside option, cutoff)

in place of ``max(reservation value, outside option)`` wherever the face-saver reads its
bottom line: its aspiration ``A = max(base aspiration, floor_eff)``, whether the conditional
concession is affordable (``u(offer) + value >= floor_eff``) and its last-resort acceptance
(offers worth ``floor_eff``). Everything else it reads is public (the history, the reference
point, its estimate of the condition's cost), so:

* **what it reveals**: every type at or below the cutoff makes the same offers and responses
  in every round (they pool), and a type above the cutoff plays as the face-saver does; a
  correct Bayesian that knows the rule learns from a pooled round only that the bottom line
  is at most the cutoff (the likelihood is constant on ``[0, cutoff]``);
* **what it costs**: a type below the cutoff concedes later than it could, or not at all --
  it holds at its aspiration where a concession worth less than the cutoff (but more than
  its own bottom line) would have been affordable, and refuses last-resort offers between
  its bottom line and the cutoff -- so it risks the deadline, the breakdown and the
  opponent's exit for the sake of concealment;
* it never agrees below its own bottom line (``floor_eff`` is at least that).

With ``condition = false`` it is the plain counterpart that pools the same way (the
opponent's demand, no condition, no compensation), as ``face_saver`` with ``condition =
false`` is the plain concession. Its facts follow the face-saver's: with the condition it is
not monotone in its bottom line (a learner replays it on every candidate); without it,
``floor_eff`` is non-decreasing in the bottom line, so it is monotone and a learner evaluates
it by bisection. Both likelihoods are exact.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..engine.context import OwnerContext
from ..engine.views import SideView
from ..support.validation import check_scalar
from .essay import Aspiration, FaceSaver
from .registry import register


@register
@dataclass(frozen=True)
class PoolingFaceSaver(FaceSaver):
    """The face-saver, with every bottom line below ``cutoff`` raised to it (module
    docstring): the types at or below the cutoff pool, those above play as the face-saver.

    Parameters as for :class:`~bargainlab.strategies.essay.FaceSaver`, plus ``cutoff`` (own
    utility, default 0.5, the middle of the scale; a study sets its own).
    """

    name: ClassVar[str] = "pooling_face_saver"
    cutoff: float = 0.5
    """The bottom line (own utility) every lower type plays as: public, part of the rule."""

    def __post_init__(self) -> None:
        """Check the face-saver's parameters and ``cutoff`` in [0, 1]."""
        super().__post_init__()
        check_scalar("cutoff", self.cutoff, low=0, high=1)

    def start(self, view: SideView) -> Aspiration:
        """The face-saver's floor and aspiration, with the floor raised to the cutoff."""
        own = super().start(view)
        floor = np.maximum(own.floor, self.cutoff)
        return Aspiration(floor, np.clip(np.maximum(own.asp, floor), 0.0, 1.0))

    def agreement_threshold(self, theta: np.ndarray, context: OwnerContext) -> np.ndarray:
        """The face-saver's thresholds at the effective bottom line ``max(theta, cutoff)``."""
        return super().agreement_threshold(np.maximum(theta, self.cutoff), context)

    def agreement_rule(self) -> Hashable:
        """Pooling face-savers with the same cutoff agree at the same thresholds; the plain
        one agrees at its floor raised to the cutoff, as a tactic with that ``p_min``."""
        return ("pooling_face_saver", self.cutoff) if self.condition else ("floor", self.cutoff)


__all__ = ["PoolingFaceSaver"]
