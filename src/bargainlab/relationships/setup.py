"""What is fixed about a batch of relationships before the first round."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.terms import Issue
from ..strategies.base import Strategy
from .behaviour import BehaviourSpec
from .channels import Channels


@dataclass(frozen=True)
class RelationshipSetup:
    """Everything fixed about a batch of relationships (arrays indexed by round and party).

    Party 0 prefers high positions on the issue. ``priors`` are pmfs over each party's
    reservation value on the type ``grid``; ``outside_option`` and ``reservation_shift``
    (public shifts of a party's type: costs rose in round 3) have shape ``(rounds, 2)``;
    ``first_mover`` is an ``(n,)`` array of party indices or ``"random"`` (a fair coin per
    replicate and round).
    """

    issue: Issue
    names: tuple[str, str]
    rounds: int
    horizon: int
    breakdown: float
    first_mover: np.ndarray | str
    disagreement: str
    status_quo: float
    """Initial status quo (and reference point) as a position in [0, 1]."""
    allow_exit: bool
    rho: float
    """Type persistence: each round a type is kept with probability rho, else redrawn."""
    end_on_disagreement: bool
    grid: np.ndarray
    tremble: float
    priors: tuple[np.ndarray, np.ndarray]
    outside_option: np.ndarray
    reservation_shift: np.ndarray
    delta: tuple[float, float]
    curvature: tuple[float, float]
    deadline: tuple[int, int]
    channels: Channels
    behaviour: BehaviourSpec
    condition_holder: int | None = None
    condition_value: float = 0.0
    condition_cost_prior: np.ndarray | None = None
    condition_fallback: float = 0.0
    """Position that applies when an agreed condition is not met."""
    reputation: tuple[Reputation | None, Reputation | None] = (None, None)
    """Per side: the behavioural types it thinks its opponent may be (its reputation model);
    ``None``: a learner on that side knows the opponent's strategy of each round."""


@dataclass(frozen=True)
class Reputation:
    """A learner's model of its opponent: the policies the opponent may follow, with a prior."""

    labels: tuple[str, ...]
    models: tuple[Strategy, ...]
    prior: np.ndarray
    """``(K,)`` prior probabilities of the types (they sum to 1)."""

    def index_of(self, strategy: Strategy) -> int | None:
        """The type whose policy is ``strategy`` (equal parameters), if any."""
        for k, model in enumerate(self.models):
            if model == strategy:
                return k
        return None


__all__ = ["RelationshipSetup", "Reputation"]
