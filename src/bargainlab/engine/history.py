"""The public history of one round: every side's latest offers, as the engine updates them.

The engine owns an :class:`OfferHistory` per round and updates it after every offer; each
side reads it through its own read-only :class:`History`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _read_only(array: np.ndarray) -> np.ndarray:
    """A read-only view of ``array`` (the engine keeps writing the array itself)."""
    view = array.view()
    view.flags.writeable = False
    return view


class OfferHistory:
    """The public history of one round, owned by the engine and updated after every offer.

    Per party ``p`` (arrays of shape ``(2, n)``): ``last[p]``, its latest offer (its ideal
    position before it has made one); ``prev[p]``, the offer before that; ``conditional[p]``,
    whether its latest offer carried the condition; ``count[p]``, how many offers it has made;
    ``proposing[p]``, where it makes the offer at the current step.
    """

    __slots__ = ("conditional", "count", "last", "prev", "proposing")

    def __init__(self, n: int) -> None:
        """The history of ``n`` rounds before their first offer."""
        ideal = np.array([1.0, 0.0])[:, None]  # party 0 prefers high positions
        self.last = np.repeat(ideal, n, axis=1)
        self.prev = self.last.copy()
        self.conditional = np.zeros((2, n), dtype=bool)
        self.count = np.zeros((2, n), dtype=np.int64)
        self.proposing = np.zeros((2, n), dtype=bool)

    def record(
        self, x: np.ndarray, conditional: np.ndarray, proposer_is0: np.ndarray, active: np.ndarray
    ) -> None:
        """Both sides observe the offer ``x`` just made (where ``active``)."""
        made = np.stack([proposer_is0, ~proposer_is0]) & active
        # np.where and plain copies, never np.copyto(..., where=made): a masked copy goes run
        # by run along the mask, 5x slower than np.where when the proposer alternates over
        # the batch (a run of one replicate each)
        self.prev[...] = np.where(made, self.last, self.prev)
        first = made & (self.count == 0)
        if first.any():  # before its first offer a side's prev is the offer itself
            self.prev[...] = np.where(first, x, self.prev)
        self.last[...] = np.where(made, x, self.last)
        self.conditional &= ~made
        self.conditional |= made & np.asarray(conditional, dtype=bool)
        self.count += made

    @classmethod
    def stacked(cls, first: OfferHistory, second: OfferHistory) -> OfferHistory:
        """A copy of two histories one after the other (``first`` then ``second``)."""
        both = cls(0)
        for name in cls.__slots__:
            setattr(
                both, name, np.concatenate([getattr(first, name), getattr(second, name)], axis=1)
            )
        return both

    def take(self, rows: np.ndarray) -> OfferHistory:
        """A copy of the history of a subset of replicates (integer positions)."""
        copy = OfferHistory(rows.shape[0])
        for name in self.__slots__:
            setattr(copy, name, getattr(self, name)[:, rows].copy())
        return copy

    def put(self, rows: np.ndarray, part: OfferHistory) -> None:
        """Write ``part``, the history of the replicates ``rows`` (integer positions), into
        this one."""
        for name in self.__slots__:
            getattr(self, name)[:, rows] = getattr(part, name)

    def set_proposer(self, proposer_is0: np.ndarray) -> None:
        """Say which side proposes at the current step (``proposer_is0``: party 0)."""
        self.proposing[0] = proposer_is0
        self.proposing[1] = ~proposer_is0

    def of(self, side: int) -> History:
        """The read-only history as ``side`` sees it."""
        opp = 1 - side
        return History(
            own_last=_read_only(self.last[side]),
            own_last_conditional=_read_only(self.conditional[side]),
            own_offers=_read_only(self.count[side]),
            opp_last=_read_only(self.last[opp]),
            opp_prev=_read_only(self.prev[opp]),
            opp_last_conditional=_read_only(self.conditional[opp]),
            opp_offers=_read_only(self.count[opp]),
            proposing=_read_only(self.proposing[side]),
        )


@dataclass(frozen=True)
class History:
    """One side's read-only view of the round so far (arrays of shape ``(n,)`` that the
    engine updates in place after every offer)."""

    own_last: np.ndarray
    """The side's latest offer (its ideal position before it made one)."""
    own_last_conditional: np.ndarray
    own_offers: np.ndarray
    """How many offers the side has made this round."""
    opp_last: np.ndarray
    """The opponent's latest offer (the opponent's ideal position before it made one)."""
    opp_prev: np.ndarray
    """The opponent's offer before its latest (equal to it after one offer)."""
    opp_last_conditional: np.ndarray
    opp_offers: np.ndarray
    proposing: np.ndarray
    """Where this side makes the offer at the current step (it responds elsewhere)."""

    @classmethod
    def fresh(cls, side: int, n: int) -> History:
        """The history before the first offer of a round."""
        return OfferHistory(n).of(side)


__all__ = ["History", "OfferHistory"]
