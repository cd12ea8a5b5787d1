"""The behavioural module: subjective value and face, acting only through named levers.

Off by default. After each round every party's subjective value (the Subjective Value
Inventory of Curhan, Elfenbein & Xu 2006: instrumental, self/face, process, relationship) is

    SV = outcome * (v - v_ref)                          # instrumental: result vs reference point
         - instant * [own first offer accepted at once]       # Galinsky et al. 2002
         - displayed * (d - d_ref)                            # Thompson, Valley & Kramer 1995
         - face * [plain concession below the reference]      # Brown 1968; White et al. 2004

and accumulates as ``K <- decay * K + SV``. Every term compares like with like, so that an
agreement at the reference terms (the last agreed terms) is worth nothing:

* ``v`` is the round's payoff *undiscounted* (the agreed terms after the condition, with its
  value or cost when met; the outside option or the status quo without agreement), and
  ``v_ref`` the utility of the reference terms, also undiscounted: a deal at the reference
  terms reached late is the same deal, not a loss (the discounting within a round is a
  payoff, not a feeling about the terms);
* ``d`` is the opponent's displayed satisfaction with the deal and ``d_ref`` the satisfaction
  it would display with the reference terms: an opponent that looks happier than it would
  with last time's terms lowers one's felt success, one that looks less happy raises it;
* a plain concession is an agreement without the condition on headline terms worth less
  (undiscounted) than the reference terms;
* the instant-acceptance regret is an event, not a comparison: it costs ``instant`` whenever
  one's own first offer is accepted at once, at the reference terms too.

Signs follow the human evidence cited above (the documentation's model page lists it); every
magnitude is a :class:`BehaviourSpec` parameter. A negative stock acts only through:

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
    ``outcome * (v - v_ref) - instant * [own first offer accepted at once]
    - displayed * (d - d_ref) - face * [plain concession]`` (the module docstring says what
    each term compares) and accumulates as ``K <- decay * K + SV``. It acts only through the
    levers below.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    outcome: Annotated[float, Field(ge=0.0, le=10.0)] = 1.0
    """Weight of the round's outcome against the reference point, ``v - v_ref`` (both
    undiscounted)."""
    instant: Annotated[float, Field(ge=0.0, le=10.0)] = 0.2
    """Loss of subjective value when the party's own first offer is accepted at once (it
    feels it asked too little; Galinsky et al. 2002)."""
    displayed: Annotated[float, Field(ge=0.0, le=10.0)] = 0.2
    """Loss per unit of the opponent's displayed satisfaction (its share of the surplus above
    its bottom line, shown unless its strategy hides it; Thompson, Valley & Kramer 1995) above
    the satisfaction it would display with the reference terms (a gain below it)."""
    face: Annotated[float, Field(ge=0.0, le=10.0)] = 0.2
    """Loss of face: a plain concession (an agreement without a condition on terms worth less
    than the reference terms, both undiscounted; Brown 1968, White et al. 2004)."""
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
    """The round's payoff, undiscounted (``v``)."""
    reference_utility: np.ndarray
    """The utility of the reference terms, undiscounted (``v_ref``)."""
    instant: np.ndarray
    """1 where the party's own first offer was accepted at once."""
    opponent_display: np.ndarray
    """The opponent's displayed satisfaction with the round's deal (``d``)."""
    plain_concession: np.ndarray
    """1 where the party agreed without the condition below the reference terms."""
    reference_display: np.ndarray | float = 0.0
    """The satisfaction the opponent would display with the reference terms (``d_ref``)."""


def subjective_value(f: RoundFeelings, b: BehaviourSpec) -> np.ndarray:
    """This round's subjective value (see the module docstring for the formula)."""
    return (
        b.outcome * (f.utility - f.reference_utility)
        - b.instant * f.instant
        - b.displayed * (f.opponent_display - f.reference_display)
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
