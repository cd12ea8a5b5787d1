"""The tables of a study file (pydantic models): issue, parties, game, rounds, condition,
channels, strategies, arms, null cells, reproduction and tournament.

:class:`bargainlab.config.schema.StudySpec` assembles them into a whole study. Types are
strict (a boolean is not a number), numbers finite and bounded, labels short and printable.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from ..beliefs.priors import Prior, TruncatedNormal, Uniform
from ..relationships.behaviour import BehaviourSpec
from ..relationships.channels import CHANNELS, Channels
from ..strategies import create

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
"""A number in [0, 1] (utilities, probabilities, discount factors)."""

DOMAIN_LIMIT = 1e12
"""Largest magnitude of a value in domain units (issue bounds, status quo, fallback): far
beyond any price or rebate, and small enough that no difference or mean overflows."""

Domain = Annotated[float, Field(ge=-DOMAIN_LIMIT, le=DOMAIN_LIMIT)]
"""A finite number in domain units."""

LABEL_LENGTH = 64
"""Longest party name or arm label (they label tables and figures, and name files)."""


def _as_tuple(value: Any) -> Any:
    # TOML has arrays, not tuples: a pair is written [a, b].
    return tuple(value) if isinstance(value, list) else value


Pair = Annotated[tuple[str, str], BeforeValidator(_as_tuple)]
"""Two labels, written as an array of two strings."""


def check_label(kind: str, label: str) -> None:
    """Raise ValueError unless ``label`` is 1 to :data:`LABEL_LENGTH` printable characters."""
    if not label or len(label) > LABEL_LENGTH:
        raise ValueError(
            f"{kind} {label[:40]!r} must have 1 to {LABEL_LENGTH} characters; got {len(label)}"
        )
    if any(unicodedata.category(ch).startswith("C") for ch in label):
        raise ValueError(f"{kind} {label!r} must not contain control or invisible characters")


class StudyTable(BaseModel):
    """Base of every table of a study file: unknown keys forbidden, frozen, strict types,
    finite numbers."""

    # Strict: TOML gives real booleans, integers and floats, so ``delta = true`` or
    # ``replicates = "6"`` is a mistake to report, not a value to convert.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class IssueSpec(StudyTable):
    """The primary issue: its name, unit and range in domain units."""

    name: Annotated[str, Field(max_length=200)] = "price"
    unit: Annotated[str, Field(max_length=200)] = ""
    low: Domain = 0.0
    high: Domain = 1.0
    levels: Annotated[int, Field(ge=2, le=100_000)] | None = None

    @model_validator(mode="after")
    def _range(self) -> IssueSpec:
        if not self.high > self.low:
            raise ValueError(f"high ({self.high}) must be greater than low ({self.low})")
        return self


class ScheduleEntry(StudyTable):
    """A change of strength from a given round on (1-based), e.g. a rising outside option."""

    round: Annotated[int, Field(ge=1)]
    outside_option: Unit | None = None
    reservation_shift: Annotated[float, Field(ge=-1.0, le=1.0)] | None = None
    """Added to the mean of the party's reservation-value prior (costs rose, ...)."""


class PartySpec(StudyTable):
    """One party: which end of the issue it prefers, its private type and its strength."""

    prefers: Literal["high", "low"]
    reservation_value: Prior = 0.0
    """Private bottom line, in the party's utility units [0, 1]."""
    outside_option: Unit = 0.0
    delta: Unit = 1.0
    curvature: Annotated[float, Field(ge=0.01, le=100.0)] = 1.0
    """Risk curvature ``a`` of the utility ``share ** a`` (1: linear, below 1: risk averse)."""
    deadline: Annotated[int, Field(ge=1)] | None = None
    schedule: list[ScheduleEntry] = []


class GameSpec(StudyTable):
    """The stage game played in every round."""

    horizon: Annotated[int, Field(ge=1, le=10_000)] = 20
    breakdown: Unit = 0.0
    first_mover: str = "alternate"
    """A party's name, ``"alternate"`` (by replicate) or ``"random"``."""
    disagreement: Literal["outside_options", "status_quo"] = "outside_options"
    status_quo: Domain | None = None
    """Initial status quo terms in domain units (default: the middle of the range)."""
    allow_exit: bool = True


class RoundsSpec(StudyTable):
    """The relationship: how many rounds, how types persist, how it ends."""

    count: Annotated[int, Field(ge=1, le=1000)] = 1
    rho: Unit = 0.0
    """Type persistence: each round a type is kept with probability rho, else redrawn."""
    end_on_disagreement: bool = True
    """Whether a round without agreement ends the relationship (both take outside options)."""
    grid: Annotated[int, Field(ge=3, le=1001)] = 101
    """Points of the belief grid over the opponent's reservation value."""
    tremble: Annotated[float, Field(gt=0.0, lt=0.5)] = 0.02
    """Probability mass of a random action in every likelihood, so no posterior collapses."""


class ConditionSpec(StudyTable):
    """The compensation condition (a second issue with contingent terms).

    The holder attaches it to an offer ``x``: "``x`` if the obliged party (the other party)
    meets the condition, ``fallback`` otherwise". After signing, the obliged party meets it
    iff ``u_obliged(x) - cost >= u_obliged(fallback)``. So the fallback should point toward
    the holder's preferred end of the issue: it is the penalty for not meeting the condition.

    Validation refuses a fallback with which the condition can never be met: when
    ``u_obliged(fallback)`` plus the lowest cost the cost prior allows is at least 1, no
    terms make meeting it worth it (e.g. a fallback at the obliged party's own preferred
    end). It warns (``bargainlab validate`` prints the warning) when no offer the holder
    would make at its lowest reservation value is met, when the fallback lies on the obliged
    party's side of the middle of the range (an unmet condition rewards the obliged party),
    and when a cost that is always 0 with a fallback at the obliged party's worst terms
    makes the condition always met (a free transfer, unless its value is 0 too). See
    :mod:`bargainlab.config.condition_rules`.
    """

    holder: str
    value: Unit
    """Public value of the condition to its holder when met (utility units)."""
    cost: Prior
    """Private cost to the obliged party of meeting it (utility units)."""
    fallback: Domain
    """Terms (domain units) that apply when the condition is not met."""


class ChannelsSpec(Channels):
    """``[channels]``: the relationship's mechanisms (see
    :class:`bargainlab.relationships.channels.Channels`) and whether to decompose an effect
    into them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    decompose: bool = False
    """Also run every arm with each enabled channel switched off in turn."""


class StrategySpec(StudyTable):
    """A registered strategy and its parameters."""

    name: str
    params: dict[str, Any] = {}

    @model_validator(mode="after")
    def _registered(self) -> StrategySpec:
        try:
            create(self.name, **self.params)  # raises naming the parameter
        except TypeError as exc:  # a parameter of the wrong type: bad input all the same
            raise ValueError(str(exc)) from None
        return self


class ArmsSpec(StudyTable):
    """Treatment arms: alternative strategies of the focal party, compared on paired replicates."""

    party: str
    strategies: dict[str, StrategySpec]
    comparisons: list[Pair] = []
    """Pairs ``(treatment, control)`` of arm labels; default: the first arm against each other."""
    treatment_rounds: Annotated[int, Field(ge=1)] | None = None
    """Play the arm's strategy in rounds ``1..treatment_rounds`` only, then ``continuation``
    (common to all arms), so that later rounds differ only through the state the treatment
    left behind. ``None``: the arm's strategy plays every round."""
    continuation: StrategySpec | None = None

    @model_validator(mode="after")
    def _labels(self) -> ArmsSpec:
        if len(self.strategies) < 1:
            raise ValueError("at least one arm is needed")
        for label in self.strategies:
            check_label("arms.strategies: the arm label", label)
        if self.treatment_rounds is not None and self.continuation is None:
            raise ValueError("treatment_rounds needs a continuation strategy (arms.continuation)")
        for t, c in self.comparisons:
            for label in (t, c):
                if label not in self.strategies:
                    raise ValueError(
                        f"comparison names unknown arm {label!r}; arms: {', '.join(self.strategies)}"
                    )
        return self

    def pairs(self) -> list[tuple[str, str]]:
        labels = list(self.strategies)
        return list(self.comparisons) or [(labels[0], c) for c in labels[1:]]


class NullCell(StudyTable):
    """A pre-registered cell where the treatment must not help.

    By default the total paired effect must have a 95% CI containing 0; with ``channel`` set
    (one of the relationship's channels, :data:`~bargainlab.relationships.channels.CHANNELS`) only that
    channel's contribution in the decomposition must (the other channels may legitimately
    act in the cell).
    """

    where: dict[str, Any]
    """Sweep-axis values that identify the cell(s)."""
    comparison: Pair | None = None
    channel: str | None = None
    """A channel name (see :data:`bargainlab.relationships.channels.CHANNELS`), or left out for
    the total effect."""
    reason: str

    @field_validator("channel")
    @classmethod
    def _known_channel(cls, channel: str | None) -> str | None:
        if channel is not None and channel not in CHANNELS:
            raise ValueError(f"must be one of {', '.join(map(repr, CHANNELS))}; got {channel!r}")
        return channel


class ReproduceSpec(StudyTable):
    """How ``bargainlab reproduce`` checks this study."""

    tolerance: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    """Largest allowed absolute drift of any number in summary.csv."""
    replicates: Annotated[int, Field(ge=2)] | None = None
    """CI-sized profile: replicates used by reproduce (default: the study's own)."""


class TournamentSpec(StudyTable):
    """``[tournament]``: an evolutionary tournament between the arms and one sweep axis.

    The focal population chooses among the study's arms, the opponent population among the
    values of ``opponent_axis``; see :mod:`bargainlab.tournament`.
    """

    opponent_axis: str
    """Sweep axis whose values are the opponent population's types (must be in ``sweep``)."""
    generations: Annotated[int, Field(ge=1, le=100_000)] = 500
    """Generations of replicator dynamics from each starting mix."""
    baseline_fitness: Annotated[float, Field(gt=0.0, le=1000.0)] = 0.01
    """Constant ``c`` added to every payoff to form the fitness (keeps it positive). Larger
    values weaken selection per generation; the fixed points do not change."""
    starts: list[Literal["uniform", "rare", "vertices"]] = ["uniform", "rare", "vertices"]
    """Starting mixes: ``uniform`` (both populations uniform); ``rare`` (each strategy of
    either population in turn at ``rare_share``, the rest of its population equal, the other
    population uniform); ``vertices`` (the opponent population pure at each type in turn,
    the treatment rare among the focal arms)."""
    rare_share: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.05
    """Starting share of a rare strategy."""
    population_size: Annotated[int, Field(ge=2, le=1_000_000)] | None = 100
    """Population size ``N`` of the Moran fixation probabilities (``None``: skip them)."""
    resamples: Annotated[int, Field(ge=100, le=100_000)] = 1000
    """Bootstrap resamples for the payoff intervals and the support of each spread verdict."""
    confidence: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.95
    """Level of the payoff intervals."""


def in_range(name: str, value: float, issue: IssueSpec) -> None:
    if not issue.low <= value <= issue.high:
        raise ValueError(
            f"{name} must lie in the issue's range [{issue.low}, {issue.high}]; got {value}"
        )


__all__ = [
    "DOMAIN_LIMIT",
    "LABEL_LENGTH",
    "ArmsSpec",
    "BehaviourSpec",
    "ChannelsSpec",
    "ConditionSpec",
    "Domain",
    "GameSpec",
    "IssueSpec",
    "NullCell",
    "Pair",
    "PartySpec",
    "Prior",
    "ReproduceSpec",
    "RoundsSpec",
    "ScheduleEntry",
    "StrategySpec",
    "StudyTable",
    "TournamentSpec",
    "TruncatedNormal",
    "Uniform",
    "Unit",
    "check_label",
    "in_range",
]
