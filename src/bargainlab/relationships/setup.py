"""What is fixed about a batch of relationships before the first round."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.terms import Issue
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


__all__ = ["RelationshipSetup"]
