"""Parties over a batch: strengths and private types, one entry per replicate.

A party's *strength* is its outside option, its patience (per-step discount factor and its
own deadline), and its exposure to breakdown risk; its *type* is private: above all its
reservation value (bottom line). Every attribute is an array with a leading replicate axis,
so one batch holds many negotiations with different parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from functools import cached_property

import numpy as np

from ..support.validation import as_batch

PRIVATE_FIELDS = frozenset({"reservation_value"})
"""Attributes the opponent may never read (the engine enforces it)."""


@dataclass(frozen=True)
class PartyBatch:
    """One side of ``n`` negotiations.

    Attributes (all shape ``(n,)``)
    -------------------------------
    reservation_value:
        Private bottom line in utility units [0, 1]: the party never agrees to less.
    outside_option:
        Utility [0, 1] of walking away (competitors' terms); public.
    delta:
        Per-step discount factor in [0, 1]; utility of an outcome at step ``s`` is
        ``delta ** s`` times its undiscounted value. Public.
    curvature:
        Risk curvature ``a > 0`` of the utility ``share ** a``; public.
    deadline:
        The party's own last step (integer >= 1): the round ends without agreement after
        ``min(deadline_0, deadline_1)`` offers. Private.
    """

    reservation_value: np.ndarray
    outside_option: np.ndarray
    delta: np.ndarray
    curvature: np.ndarray
    deadline: np.ndarray

    @classmethod
    def build(
        cls,
        n: int,
        *,
        reservation_value=0.0,
        outside_option=0.0,
        delta=1.0,
        curvature=1.0,
        deadline=100,
        name: str = "party",
    ) -> PartyBatch:
        """Validate and broadcast parameters to a batch of ``n`` replicates."""
        if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 1:
            raise ValueError(f"n (the batch size) must be a positive integer, got {n!r}")
        return cls(
            reservation_value=as_batch(
                f"{name}.reservation_value", reservation_value, n, low=0, high=1
            ),
            outside_option=as_batch(f"{name}.outside_option", outside_option, n, low=0, high=1),
            delta=as_batch(f"{name}.delta", delta, n, low=0, high=1),
            curvature=as_batch(f"{name}.curvature", curvature, n, low=0, low_open=True, high=100),
            deadline=as_batch(f"{name}.deadline", deadline, n, low=1, integer=True),
        )

    @property
    def n(self) -> int:
        """The number of replicates."""
        return self.reservation_value.shape[0]

    @cached_property
    def linear(self) -> bool:
        """Whether every replicate's utility is linear (curvature 1), checked once."""
        return bool((np.asarray(self.curvature) == 1.0).all())

    @property
    def utility_curvature(self) -> np.ndarray | float:
        """The curvature to pass to :func:`~bargainlab.engine.terms.utility`: the scalar 1.0
        when every replicate is linear (so the utility skips the check), else the array."""
        return 1.0 if self.linear else self.curvature

    def take(self, index: np.ndarray) -> PartyBatch:
        """The sub-batch of the given replicates."""
        return PartyBatch(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def with_(self, **changes) -> PartyBatch:
        """A copy with some attributes replaced (validated like :meth:`build`)."""
        merged = {f.name: getattr(self, f.name) for f in fields(self)} | changes
        return PartyBatch.build(self.n, **merged)


__all__ = ["PRIVATE_FIELDS", "PartyBatch", "replace"]
