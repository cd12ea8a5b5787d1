"""The behavioural module: subjective value and face, acting only through named levers.

Off by default. After each round every party's subjective value (the Subjective Value
Inventory of Curhan, Elfenbein & Xu 2006: instrumental, self/face, process, relationship) is

    SV = outcome * (u - u_ref)                      # instrumental: result vs reference point
         - instant * [own first offer accepted at once]   # Galinsky et al. 2002
         - displayed * (opponent's displayed satisfaction) # Thompson, Valley & Kramer 1995
         - face * [plain concession below the reference]   # Brown 1968; White et al. 2004

and accumulates as ``K <- decay * K + SV``. Signs follow the human evidence cited above (the
documentation's model page lists it); every magnitude is a :class:`BehaviourSpec` parameter. A negative stock acts only through:

* the probability of leaving the relationship: ``exit_base + exit_slope * max(0, -K)``;
* retaliation: a harder stance next round (aspiration/demand ``+ retaliation * max(0, -K)``);
* acceptance noise: thresholds shifted by ``acceptance_noise * max(0, -K) * z``, ``z ~ N(0,1)``.

No lever refers to a strategy: a strategy's only input is whether it *displays* satisfaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

Unit = Annotated[float, Field(ge=0.0, le=1.0)]


class BehaviourSpec(BaseModel):
    """Magnitudes of the behavioural module (used only when the subjective-value channel is on).

    Subjective value after a round (Curhan et al. 2006) is
    ``outcome * (u - u_ref) - instant * [own first offer accepted at once]
    - displayed * (opponent's displayed satisfaction) - face * [plain concession]``
    and accumulates as ``K <- decay * K + SV``. It acts only through the levers below.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    outcome: Annotated[float, Field(ge=0.0, le=10.0)] = 1.0
    """Weight of the round's outcome against the reference point, ``u - u_ref``."""
    instant: Annotated[float, Field(ge=0.0, le=10.0)] = 0.2
    """Loss of subjective value when the party's own first offer is accepted at once (it
    feels it asked too little; Galinsky et al. 2002)."""
    displayed: Annotated[float, Field(ge=0.0, le=10.0)] = 0.2
    """Loss per unit of the opponent's displayed satisfaction (its share of the surplus above
    its bottom line, shown unless its strategy hides it; Thompson, Valley & Kramer 1995)."""
    face: Annotated[float, Field(ge=0.0, le=10.0)] = 0.2
    """Loss of face: a plain concession (an agreement below the reference point without a
    condition; Brown 1968, White et al. 2004)."""
    decay: Unit = 0.5
    """Weight of the previous stock in ``K <- decay * K + SV`` (0: only the last round counts)."""
    exit_base: Unit = 0.0
    """Probability of leaving the relationship after a round at neutral subjective value."""
    exit_slope: Annotated[float, Field(ge=0.0, le=10.0)] = 0.2
    """Increase of that probability per unit of negative subjective value."""
    retaliation: Annotated[float, Field(ge=0.0, le=1.0)] = 0.1
    """Harder opening demand per unit of negative subjective value (utility units)."""
    acceptance_noise: Annotated[float, Field(ge=0.0, le=1.0)] = 0.02
    """Std. dev. of noise on acceptance thresholds per unit of negative subjective value."""


@dataclass(frozen=True)
class Feelings:
    """What the behavioural module made of one round, per relationship and party (arrays of
    shape ``(n, 2)``; zeros where the subjective-value channel is off)."""

    subjective_value: np.ndarray
    """Each party's subjective value of the round."""
    leaving: np.ndarray
    """Whether each party leaves the relationship after the round (a behavioural exit)."""

    @classmethod
    def none(cls, n: int) -> Feelings:
        """No subjective value and no exit in any of ``n`` relationships."""
        return cls(np.zeros((n, 2)), np.zeros((n, 2), dtype=bool))


@dataclass(frozen=True)
class RoundFeelings:
    """Inputs of one party's subjective value for one round (arrays of shape ``(n,)``)."""

    utility: np.ndarray
    reference_utility: np.ndarray
    instant: np.ndarray
    opponent_display: np.ndarray
    plain_concession: np.ndarray


def subjective_value(f: RoundFeelings, b: BehaviourSpec) -> np.ndarray:
    """This round's subjective value (see the module docstring for the formula)."""
    return (
        b.outcome * (f.utility - f.reference_utility)
        - b.instant * f.instant
        - b.displayed * f.opponent_display
        - b.face * f.plain_concession
    )


def displayed_satisfaction(
    displays: bool, agreed: np.ndarray, utility: np.ndarray, reservation: np.ndarray
) -> np.ndarray:
    """Satisfaction a party shows: its share of the surplus above its bottom line, or 0."""
    if not displays:
        return np.zeros_like(utility)
    share = (utility - reservation) / np.maximum(1.0 - reservation, 1e-9)
    return np.where(agreed, np.clip(share, 0.0, 1.0), 0.0)


def levers(stock: np.ndarray, b: BehaviourSpec, z: np.ndarray) -> dict[str, np.ndarray]:
    """Next round's levers from the subjective-value stock ``K``."""
    neg = np.maximum(0.0, -stock)
    return {
        "exit_probability": np.clip(b.exit_base + b.exit_slope * neg, 0.0, 1.0),
        "retaliation": b.retaliation * neg,
        "accept_shift": b.acceptance_noise * neg * z,
    }
