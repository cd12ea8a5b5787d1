"""The tables of a study file that say what is played (pydantic models): issue, parties,
game, rounds, condition, channels and strategies. The tables that say how a study compares
(arms, reputation, null cells, analysis, reproduction, tournament) are in
:mod:`bargainlab.config.design`; :class:`bargainlab.config.schema.StudySpec` assembles them
into a whole study. Types are
strict (a boolean is not a number), numbers finite and bounded, labels short and printable.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from ..beliefs.priors import Prior, TruncatedNormal, Uniform
from ..relationships.behaviour import BehaviourSpec
from ..relationships.channels import CHANNELS, Channels
from ..strategies import create
from .labels import LABEL_LENGTH, check_label, check_prose

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
"""A number in [0, 1] (utilities, probabilities, discount factors)."""

DOMAIN_LIMIT = 1e12
"""Largest magnitude of a value in domain units (issue bounds, status quo, fallback): far
beyond any price or rebate, and small enough that no difference or mean overflows."""

Domain = Annotated[float, Field(ge=-DOMAIN_LIMIT, le=DOMAIN_LIMIT)]
"""A finite number in domain units."""


def _as_tuple(value: Any) -> Any:
    """A list as a tuple, anything else as it is: TOML has arrays, not tuples, so a pair is
    written ``[a, b]`` (strict validation would refuse the list)."""
    return tuple(value) if isinstance(value, list) else value


Pair = Annotated[tuple[str, str], BeforeValidator(_as_tuple)]
"""Two labels, written as an array of two strings."""


Name = Annotated[str, Field(max_length=200)]
"""A short name written into the report and figures (an issue's name and unit, an axis
label): printable characters only, as a label (see :func:`check_label`)."""


class StudyTable(BaseModel):
    """Base of every table of a study file: unknown keys forbidden, frozen, strict types,
    finite numbers."""

    # Strict: TOML gives real booleans, integers and floats, so ``delta = true`` or
    # ``replicates = "6"`` is a mistake to report, not a value to convert.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class IssueSpec(StudyTable):
    """``[issue]``: the primary issue, its name, unit and range in domain units.

    Each party's utility runs from 0 at its worst end of the range to 1 at its best end (see
    ``prefers`` of a party), so every reservation value, outside option and condition value
    of a study is in the party's own utility units, never in domain units.
    """

    name: Name = "price"
    """Name of the issue, used in tables, figures and the report (``"rebate"``); printable
    characters only (no line break, tab or bidirectional override)."""
    unit: Name = ""
    """Unit of the domain values, used in figures and the report (``"% of annual sales"``);
    printable characters only."""
    low: Domain = 0.0
    """Lowest value of the issue in domain units."""
    high: Domain = 1.0
    """Highest value of the issue in domain units; must be greater than ``low``."""
    levels: Annotated[int, Field(ge=2, le=100_000)] | None = None
    """Number of equally spaced admissible values from ``low`` to ``high`` (101 for steps of
    1% of the range), or left out for a continuous issue. A proposer rounds its offer to the
    nearest level in its own favour."""

    @field_validator("name", "unit")
    @classmethod
    def _printable(cls, text: str, info: Any) -> str:
        """The name and unit are printable text (they are written into the report and the
        figures); the unit may be left empty."""
        if text or info.field_name == "name":
            check_label(f"the issue's {info.field_name}", text, 200)
        return text

    @model_validator(mode="after")
    def _range(self) -> IssueSpec:
        """The range is not empty: ``high > low``."""
        if not self.high > self.low:
            raise ValueError(f"high ({self.high}) must be greater than low ({self.low})")
        return self


class ScheduleEntry(StudyTable):
    """``[[parties.<party>.schedule]]``: a public change of a party's strength from a given
    round on, e.g. a rising outside option or costs that rose in round 3. Entries apply in
    round order; a later entry replaces the value an earlier one set."""

    round: Annotated[int, Field(ge=1)]
    """First round (1-based) the change applies to; it holds until a later entry changes it.
    Entries beyond ``rounds.count`` are ignored."""
    outside_option: Unit | None = None
    """The party's outside option from this round on (utility units), replacing its base
    ``outside_option``; left out: unchanged."""
    reservation_shift: Annotated[float, Field(ge=-1.0, le=1.0)] | None = None
    """Shift added to the party's reservation value from this round on (utility units; the
    result is clipped to [0, 1]), relative to the base prior, not to earlier shifts. The shift
    is public: the opponent's belief moves with it. Left out: unchanged."""


class PartySpec(StudyTable):
    """``[parties.<party>]``: one party, which end of the issue it prefers, its private type
    and its strength. A study has exactly two parties, one preferring ``"high"`` and the
    other ``"low"``."""

    prefers: Literal["high", "low"]
    """Which end of the issue the party gains from. This sets the party's utility scale: a
    domain value ``v`` is worth ``share ** curvature`` to it, with ``share = (v - low) / (high -
    low)`` for ``"high"`` and ``share = (high - v) / (high - low)`` for ``"low"``. So for a
    party that prefers ``"low"``, utility 0 is the issue's ``high`` end and utility 1 its
    ``low`` end: a supplier paying a rebate of 1%..2% with reservation value 0.5 can afford at
    most 1.5%."""
    reservation_value: Prior = 0.0
    """Private bottom line in the party's own utility units [0, 1]: it never agrees to terms
    worth less. A number is a type known to both sides; a prior (``{ low, high }`` or ``{ mean,
    sd }``) is drawn per replicate, kept from round to round with probability ``rounds.rho``,
    and is what the opponent's belief starts from."""
    outside_option: Unit = 0.0
    """Utility of walking away (competitors' terms), public. A responder may take it after
    rejecting (``game.allow_exit``); both parties get it after a breakdown, and every round
    after the relationship has ended. Every strategy of the library treats it as a floor
    under its bottom line (the outside-option principle)."""
    delta: Unit = 1.0
    """Per-step discount factor within a round: an outcome reached after ``s`` offers is
    worth ``delta ** (s - 1)`` times its value (an agreement on the first offer is not
    discounted). The default 1 means no impatience: pressure then comes only from the
    deadline, the breakdown risk and the outside options. Rounds are not discounted against
    each other."""
    curvature: Annotated[float, Field(ge=0.01, le=100.0)] = 1.0
    """Risk curvature ``a`` of the utility ``share ** a``: 1 linear, below 1 concave (risk
    averse), above 1 convex; at least 0.01 (smaller values underflow)."""
    deadline: Annotated[int, Field(ge=1)] | None = None
    """The party's own, private last step in a round; the round ends after ``min(deadline
    of either party, game.horizon)`` offers. Left out: ``game.horizon``."""
    schedule: list[ScheduleEntry] = []
    """Public changes of the party's strength from given rounds on (array of tables)."""


class GameSpec(StudyTable):
    """``[game]``: the stage game played in every round (alternating offers)."""

    horizon: Annotated[int, Field(ge=1, le=10_000)] = 20
    """Public deadline: the largest number of offers in a round (1 is an ultimatum)."""
    breakdown: Unit = 0.0
    """Probability that the talks break down after each rejection; both parties then get
    their outside options (discounted to that step)."""
    first_mover: str = "alternate"
    """Who makes the first offer of a round: a party's name; ``"alternate"``, by replicate
    (even replicates: the party that prefers ``"high"``, odd: the other one, so that both
    orders are equally represented); or ``"random"``, a fair coin per replicate and round."""
    disagreement: Literal["outside_options", "status_quo"] = "outside_options"
    """What a round that reaches the deadline without agreement gives: ``"outside_options"``
    (each party its outside option) or ``"status_quo"`` (the status quo terms carry on; with
    the precedent channel on, the status quo is the last agreed terms)."""
    status_quo: Domain | None = None
    """Initial status quo terms in domain units, within the issue's range (default: the
    middle of the range). It is also each party's reference point before the first
    agreement (precedent), e.g. last year's contract."""
    allow_exit: bool = True
    """Whether a responder may take its outside option right after rejecting an offer; an
    exit ends the round and the relationship."""


class RoundsSpec(StudyTable):
    """``[rounds]``: the relationship, how many rounds, how types persist, how it ends.

    Without a ``[rounds]`` table a study plays a single round: a one-shot negotiation with no
    relationship, in which nothing can carry over to later rounds.
    """

    count: Annotated[int, Field(ge=1, le=1000)] = 1
    """Number of rounds (negotiations) between the same two parties. Later-round payoffs,
    the outcome the analysis compares, need at least 2."""
    rho: Unit = 0.0
    """Type persistence: each round a private type (reservation value, cost of the
    condition) is kept with probability ``rho`` and redrawn from its prior otherwise. The
    default 0 redraws every round, so nothing learned about a type is worth anything later."""
    end_on_disagreement: bool = True
    """Whether a round without agreement ends the relationship (both take outside options)."""
    grid: Annotated[int, Field(ge=3, le=1001)] = 101
    """Points of the belief grid over the opponent's reservation value."""
    tremble: Annotated[float, Field(gt=0.0, lt=0.5)] = 1e-6
    """Probability a learner assigns to a round in which its opponent acted off every rule it
    considers (mixed into every likelihood). A correct Bayesian's likelihoods are exact, so
    its posterior is calibrated only when this is negligible next to the prior mass of the
    truth: keep it small."""


class ConditionSpec(StudyTable):
    """``[condition]``: the compensation condition, a second issue with contingent terms.

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
    """The party that may attach the condition and gains from it (a party's name); the
    other party is obliged."""
    value: Unit
    """Public value of the condition to its holder when met (the holder's utility units)."""
    cost: Prior
    """Private cost to the obliged party of meeting it (the obliged party's utility units): a
    number or a prior, drawn per replicate and kept from round to round like a type."""
    fallback: Domain
    """Terms (domain units, within the issue's range) that apply when the condition is not
    met. It must favour the holder: the obliged party meets the condition only if ``x`` beats
    the fallback for it by at least its cost, so a fallback at or beyond the agreed terms in
    the obliged party's favour means the condition is never worth meeting. The usual choice
    is the holder's own end of the range (the supplier's 1% rebate)."""


class ChannelsSpec(Channels):
    """``[channels]``: the relationship's mechanisms (see
    :class:`bargainlab.relationships.channels.Channels`) and whether to decompose an effect
    into them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    decompose: bool | tuple[str, ...] = False
    """Decompose the effects into what carries them: replay the later rounds with one piece of
    the other arm's post-round-1 state transplanted (mediation, the primary view), and run
    every arm again with channels switched off (the second view). ``true`` switches each
    enabled channel off in turn and then all of them together; a list of enabled channels
    (``["information"]``) switches off only those, each in turn, which costs one more run of
    every arm per name instead of one per enabled channel and one more."""

    @field_validator("decompose", mode="before")
    @classmethod
    def _decompose_names(cls, value: Any) -> Any:
        """``decompose`` is a boolean or a non-empty list of distinct channel names (as a
        tuple, the form the rest of the run reads)."""
        if isinstance(value, bool):
            return value
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ValueError(
                "must be true, false or a list of channel names "
                f"({', '.join(CHANNELS)}); got {value!r}"
            )
        if not value:
            raise ValueError("an empty list switches nothing off: write false")
        unknown = [v for v in value if v not in CHANNELS]
        if unknown:
            raise ValueError(f"unknown channel(s) {unknown}; channels: {', '.join(CHANNELS)}")
        if len(set(value)) != len(value):
            raise ValueError(f"names a channel twice: {list(value)}")
        return tuple(value)

    @model_validator(mode="after")
    def _decompose_enabled(self) -> ChannelsSpec:
        """A channel the decomposition names is on: switching off one that is off would
        cost a run of every arm and show nothing."""
        if isinstance(self.decompose, tuple):
            off = [name for name in self.decompose if not getattr(self, name)]
            if off:
                raise ValueError(
                    f"decompose names channel(s) that are off, so switching them off changes "
                    f"nothing: {off}; enabled: {', '.join(self.enabled()) or '(none)'}"
                )
        return self

    def switched_off(self) -> tuple[str, ...]:
        """The channels the decomposition switches off one at a time (none without it)."""
        if self.decompose is False:
            return ()
        return self.enabled() if self.decompose is True else self.decompose

    def all_off(self) -> bool:
        """Whether the decomposition also runs every enabled channel off together."""
        return self.decompose is True and bool(self.enabled())


class StrategySpec(StudyTable):
    """A registered strategy and its parameters (``[strategies.<party>]``,
    ``[arms.strategies.<arm>]``, ``arms.continuation``). A study names strategies only:
    loading it never executes code."""

    name: str
    """A registered strategy name (see the strategies below)."""
    params: dict[str, Any] = {}
    """The strategy's parameters by name; an unknown name or a value out of range is an
    error naming the parameter."""

    @model_validator(mode="after")
    def _registered(self) -> StrategySpec:
        """The name is registered and the strategy builds with these parameters."""
        try:
            create(self.name, **self.params)  # raises naming the parameter
        except TypeError as exc:  # a parameter of the wrong type: bad input all the same
            raise ValueError(str(exc)) from None
        return self


class ConditionTerms(StudyTable):
    """``condition = { value = ..., cost = ... }`` of an arm (``[arms.strategies.<arm>]``):
    the terms of the study's compensation condition that hold in this arm's relationships
    instead of ``[condition]``'s, e.g. a *placebo* arm, ``condition = { value = 0.0, cost =
    0.0 }``: a condition worth nothing to either side, with the same holder and fallback
    rule. Every other arm, and every random draw of a replicate (common random numbers), is
    as in the rest of the study; a key left out keeps the study's value. No payoff term
    refers to an arm or a strategy: the override changes the terms, and the arm's strategy
    plays under them."""

    value: Unit | None = None
    """The condition's value to its holder in this arm (utility units); left out: the
    study's."""
    cost: Prior | None = None
    """The obliged party's private cost of meeting it in this arm (a number or a prior, as
    ``condition.cost``); left out: the study's."""

    @model_validator(mode="after")
    def _something(self) -> ConditionTerms:
        """At least one term: an empty override changes nothing."""
        if self.value is None and self.cost is None:
            raise ValueError(
                "an arm's condition must give value, cost or both; an empty table changes nothing"
            )
        return self


class ArmSpec(StrategySpec):
    """``[arms.strategies.<arm>]``: the focal party's strategy in one arm, and optionally the
    condition's terms in that arm (:class:`ConditionTerms`)."""

    condition: ConditionTerms | None = None
    """Terms of the study's ``[condition]`` that hold in this arm instead (``{ value = 0.0,
    cost = 0.0 }`` for a placebo); left out: the study's terms."""


def in_range(name: str, value: float, issue: IssueSpec) -> None:
    """Raise ValueError naming the field ``name`` unless ``value`` lies in the issue's range."""
    if not issue.low <= value <= issue.high:
        raise ValueError(
            f"{name} must lie in the issue's range [{issue.low}, {issue.high}]; got {value}"
        )


__all__ = [
    "DOMAIN_LIMIT",
    "LABEL_LENGTH",
    "ArmSpec",
    "BehaviourSpec",
    "ChannelsSpec",
    "ConditionSpec",
    "ConditionTerms",
    "Domain",
    "GameSpec",
    "IssueSpec",
    "Name",
    "Pair",
    "PartySpec",
    "Prior",
    "RoundsSpec",
    "ScheduleEntry",
    "StrategySpec",
    "StudyTable",
    "TruncatedNormal",
    "Uniform",
    "Unit",
    "check_label",
    "check_prose",
    "in_range",
]
