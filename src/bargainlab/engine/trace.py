"""The per-step trace of a round: every offer, who made it, and the answer to it.

:class:`Trace` holds one ``(steps, n)`` array per quantity, its dtype declared once with the
field. The engine fills it when asked (``negotiate(..., trace=True)``); learners read it as
the round's public record (:class:`~bargainlab.beliefs.observations.RoundTrace`) and the
relationship's recorder reads the offers each party made.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np


@dataclass(frozen=True, slots=True)
class Trace:
    """The per-step record of a round over a batch (arrays of shape ``(steps, n)``; a step a
    replicate did not play is all zeros, with ``played`` False). Each field's ``dtype`` is
    declared in its metadata."""

    played: np.ndarray = field(metadata={"dtype": bool})
    """Whether the replicate played the step (the round had not ended)."""
    proposer: np.ndarray = field(metadata={"dtype": np.int8})
    """The side (0 or 1) that made the offer at the step."""
    x: np.ndarray = field(metadata={"dtype": float})
    """The offer (a position, as snapped to the issue's levels)."""
    conditional: np.ndarray = field(metadata={"dtype": bool})
    """Whether the offer carried the compensation condition."""
    response: np.ndarray = field(metadata={"dtype": np.int8})
    """The responder's answer: ``REJECT``, ``ACCEPT`` or ``EXIT``."""
    u0: np.ndarray = field(metadata={"dtype": float})
    """Party 0's (undiscounted) utility of the offer."""
    u1: np.ndarray = field(metadata={"dtype": float})
    """Party 1's (undiscounted) utility of the offer."""

    @classmethod
    def zeros(cls, steps: int, n: int) -> Trace:
        """An empty trace of ``steps`` steps for ``n`` replicates."""
        return cls(**{f.name: np.zeros((steps, n), dtype=f.metadata["dtype"]) for f in fields(cls)})

    @property
    def steps(self) -> int:
        """The number of steps recorded (the longest round of the batch)."""
        return self.played.shape[0]

    @property
    def n(self) -> int:
        """The number of replicates."""
        return self.played.shape[1]

    def put(self, rows: np.ndarray, part: Trace) -> None:
        """Write ``part``, the trace of the replicates ``rows`` (integer positions) played as a
        batch of their own, into this trace (its first ``part.steps`` steps)."""
        for f in fields(self):
            getattr(self, f.name)[: part.steps, rows] = getattr(part, f.name)


__all__ = ["Trace"]
