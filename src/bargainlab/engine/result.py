"""What a round of the stage game gives: per replicate, the outcome, the terms and the payoffs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

import numpy as np
import pandas as pd

from .terms import Issue
from .trace import Trace

OUTCOME_AGREEMENT: Final = 0
"""Outcome code: an offer was accepted."""
OUTCOME_DEADLINE: Final = 1
"""Outcome code: the last offer was rejected (or no offer was made)."""
OUTCOME_BREAKDOWN: Final = 2
"""Outcome code: the talks broke down after a rejection."""
OUTCOME_EXIT: Final = 3
"""Outcome code: the responder rejected and took its outside option."""
Outcome = Literal[0, 1, 2, 3]
"""An outcome code (the ``OUTCOME_*`` constants)."""
OUTCOME_NAMES = ("agreement", "deadline", "breakdown", "exit")
"""The outcomes' names, indexed by their codes."""
RESPONSE_NAMES = ("reject", "accept", "exit")
"""The response codes' names, indexed by their codes."""


@dataclass(repr=False)
class NegotiationResult:
    """Summary of each negotiation in a batch (arrays of shape ``(n,)`` unless noted).

    ``x`` is the agreed headline position when ``agreed``; otherwise the status quo in
    ``status_quo`` mode and the last offer on the table in ``outside_options`` mode.
    ``realised_x`` is the position that applies after the condition decision.
    ``utility`` has shape ``(n, 2)``: each side's discounted payoff. It prints as a short
    summary of the batch; :meth:`summary` gives one row per negotiation.
    """

    agreed: np.ndarray
    outcome: np.ndarray
    steps: np.ndarray
    x: np.ndarray
    conditional: np.ndarray
    condition_met: np.ndarray
    realised_x: np.ndarray
    utility: np.ndarray
    exited_by: np.ndarray
    proposer: np.ndarray
    last_offer: np.ndarray
    last_offer_conditional: np.ndarray
    first_offer: np.ndarray
    offers_made: np.ndarray
    trace: Trace | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        """The number of negotiations."""
        return self.agreed.shape[0]

    def __repr__(self) -> str:
        """A short summary of the batch: agreement rate, steps, utilities and outcomes."""
        n = self.n
        if n == 0:
            return "NegotiationResult: 0 negotiations"
        counts = np.bincount(self.outcome, minlength=len(OUTCOME_NAMES))
        outcomes = ", ".join(
            f"{name} {count:,}" for name, count in zip(OUTCOME_NAMES, counts, strict=False) if count
        )
        u0, u1 = self.utility.mean(axis=0)
        return (
            f"NegotiationResult: {n:,} negotiation{'s' if n != 1 else ''}\n"
            f"  agreement rate  {self.agreed.mean():.3f}\n"
            f"  mean steps      {self.steps.mean():.2f}\n"
            f"  mean utility    party 0: {u0:.4f}, party 1: {u1:.4f}\n"
            f"  outcomes        {outcomes}"
        )

    @property
    def instant(self) -> np.ndarray:
        """Agreement on the very first offer of the round."""
        return self.agreed & (self.steps == 1)

    def summary(self, issue: Issue | None = None) -> pd.DataFrame:
        """One row per negotiation: agreed, terms, step, utilities, outcome, who exited."""
        terms = issue.to_domain(self.x) if issue is not None else self.x
        return pd.DataFrame(
            {
                "agreed": self.agreed,
                "terms": terms,
                "conditional": self.conditional,
                "condition_met": self.condition_met,
                "steps": self.steps,
                "utility_0": self.utility[:, 0],
                "utility_1": self.utility[:, 1],
                "outcome": pd.Categorical.from_codes(self.outcome, OUTCOME_NAMES),
                "exited_by": self.exited_by,
            }
        )

    def trace_frame(self, issue: Issue | None = None) -> pd.DataFrame:
        """Per-step trace in long form (only steps that were played)."""
        if self.trace is None:
            raise ValueError("no trace was recorded: call negotiate(..., trace=True)")
        tr = self.trace
        steps, reps = np.nonzero(tr.played)
        x = tr.x[steps, reps]
        return pd.DataFrame(
            {
                "replicate": reps,
                "step": steps,
                "proposer": tr.proposer[steps, reps],
                "offer": issue.to_domain(x) if issue is not None else x,
                "conditional": tr.conditional[steps, reps],
                "response": pd.Categorical.from_codes(tr.response[steps, reps], RESPONSE_NAMES),
                "utility_0": tr.u0[steps, reps],
                "utility_1": tr.u1[steps, reps],
            }
        )


__all__ = [
    "OUTCOME_AGREEMENT",
    "OUTCOME_BREAKDOWN",
    "OUTCOME_DEADLINE",
    "OUTCOME_EXIT",
    "OUTCOME_NAMES",
    "RESPONSE_NAMES",
    "NegotiationResult",
    "Outcome",
]
