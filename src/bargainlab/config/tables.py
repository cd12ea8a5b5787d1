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
    """``[issue]``: the primary issue, its name, unit and range in domain units.

    Each party's utility runs from 0 at its worst end of the range to 1 at its best end (see
    ``prefers`` of a party), so every reservation value, outside option and condition value
    of a study is in the party's own utility units, never in domain units.
    """

    name: Annotated[str, Field(max_length=200)] = "price"
    """Name of the issue, used in tables, figures and the report (``"rebate"``)."""
    unit: Annotated[str, Field(max_length=200)] = ""
    """Unit of the domain values, used in figures and the report (``"% of annual sales"``)."""
    low: Domain = 0.0
    """Lowest value of the issue in domain units."""
    high: Domain = 1.0
    """Highest value of the issue in domain units; must be greater than ``low``."""
    levels: Annotated[int, Field(ge=2, le=100_000)] | None = None
    """Number of equally spaced admissible values from ``low`` to ``high`` (101 for steps of
    1% of the range), or left out for a continuous issue. A proposer rounds its offer to the
    nearest level in its own favour."""

    @model_validator(mode="after")
    def _range(self) -> IssueSpec:
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
        try:
            create(self.name, **self.params)  # raises naming the parameter
        except TypeError as exc:  # a parameter of the wrong type: bad input all the same
            raise ValueError(str(exc)) from None
        return self


class ArmsSpec(StudyTable):
    """``[arms]``: treatment arms, alternative strategies of the focal party, compared on
    paired replicates (every arm meets the same types and random draws)."""

    party: str
    """The focal party (a party's name): the one whose strategy differs between arms and
    whose later-round payoff is compared."""
    strategies: dict[str, StrategySpec]
    """Arm label -> strategy of the focal party in that arm (at least one arm)."""
    comparisons: list[Pair] = []
    """Pairs ``(treatment, control)`` of arm labels; default: the first arm against each other."""
    treatment_rounds: Annotated[int, Field(ge=1, le=1000)] | Literal["all"] = "all"
    """The design: ``"all"`` (default) -- each arm plays its strategy as a standing policy in
    every round; an integer ``k`` -- each arm plays its strategy in rounds ``1..k`` only, then
    ``continuation`` (common to all arms), so that later rounds differ only through the
    state the first rounds left behind. Sweep it (``"arms.treatment_rounds" = ["all", 1]``)
    to report both designs side by side."""
    continuation: StrategySpec | None = None
    """The strategy every arm plays after round ``treatment_rounds`` (needed with an integer
    ``treatment_rounds``)."""

    @model_validator(mode="after")
    def _labels(self) -> ArmsSpec:
        if len(self.strategies) < 1:
            raise ValueError("at least one arm is needed")
        for label in self.strategies:
            check_label("arms.strategies: the arm label", label)
        if self.treatment_rounds != "all" and self.continuation is None:
            raise ValueError(
                "arms.treatment_rounds is a number of rounds, so arms.continuation is needed "
                "(the strategy every arm plays afterwards)"
            )
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


class ReputationSpec(StudyTable):
    """``[reputation]``: a learner's model of its opponent's behavioural type.

    The learner ``holder`` holds a joint belief over the opponent's reservation value and its
    *type*: which of the ``types`` (policies, each a registered strategy with parameters) it
    follows, with prior probabilities ``prior`` (Kreps & Wilson 1982; Milgrom & Roberts 1982;
    Abreu & Gul 2000). A correct Bayesian updates it with each policy's exact likelihood of
    every round and plans with each policy's agreement threshold. Without this table a
    learner knows the strategy its opponent plays in each round.
    """

    holder: str
    """The party whose belief is joint (it must play a learning strategy)."""
    types: dict[str, StrategySpec]
    """Type label -> the policy of that type, e.g. ``obstinate = { name = "holdout", params =
    { use_reference = false, aspiration = 0.8 } }``."""
    prior: dict[str, Annotated[float, Field(ge=0.0, le=1.0)]]
    """Type label -> prior probability; the labels are those of ``types`` and the
    probabilities sum to 1 (sweep the whole table to vary it)."""

    @model_validator(mode="after")
    def _prior(self) -> ReputationSpec:
        if not self.types:
            raise ValueError("reputation.types must declare at least one type")
        if len(self.types) > 16:
            raise ValueError(
                f"reputation.types may declare at most 16 types; got {len(self.types)}"
            )
        for label in self.types:
            check_label("reputation.types: the type label", label)
        if set(self.prior) != set(self.types):
            raise ValueError(
                f"reputation.prior must give a probability for each type ({', '.join(self.types)}); "
                f"got {', '.join(self.prior) or 'none'}"
            )
        total = sum(self.prior.values())
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"reputation.prior must sum to 1; got {total:g}")
        return self

    def ordered(self) -> tuple[tuple[str, ...], tuple[StrategySpec, ...], tuple[float, ...]]:
        """Labels, policies and prior probabilities in the order of ``types``."""
        labels = tuple(self.types)
        return labels, tuple(self.types[k] for k in labels), tuple(self.prior[k] for k in labels)


class NullCell(StudyTable):
    """A pre-registered cell where the treatment must not help.

    By default the total paired effect must have a 95% CI containing 0; with ``channel`` set
    (one of the relationship's channels, :data:`~bargainlab.relationships.channels.CHANNELS`) only that
    channel's contribution in the decomposition must (the other channels may legitimately
    act in the cell).
    """

    where: dict[str, Any]
    """Sweep-axis values that identify the cell(s): dotted path -> value; a path that is not
    a sweep axis matches the study's own value."""
    comparison: Pair | None = None
    """The ``(treatment, control)`` pair the null applies to; left out: every comparison."""
    channel: str | None = None
    """A channel name (see :data:`bargainlab.relationships.channels.CHANNELS`), or left out for
    the total effect."""
    reason: Annotated[str, Field(max_length=10_000)]
    """Why the treatment must not help in this cell (printed in the report)."""
    exact: bool = False
    """Whether the null holds by construction, so that every paired difference must be
    exactly 0 (a wiring check, not evidence); otherwise the row passes when its adjusted
    interval lies within ``analysis.sesoi`` of 0 (equivalence)."""

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
    values of ``opponent_axis``; see :mod:`bargainlab.analysis.tournament`.
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


class AnalysisSpec(StudyTable):
    """``[analysis]``: how the study's effects are decided (see the documentation's
    *Statistics* page).

    Every effect row gets a paired, studentised bootstrap interval adjusted for the study's
    family of headline comparisons, and one verdict read off that interval: ``negligible``
    (the whole interval lies within ``sesoi`` of 0), else ``helps`` / ``hurts`` (it lies
    above / below 0), else ``undetermined``.
    """

    sesoi: Annotated[float, Field(gt=0.0, le=1.0)] = 0.01
    """Smallest effect size of interest, in the focal party's utility units (per round): a
    difference smaller than this is *negligible*. The default 0.01 is one step of a 101-level
    issue, 1% of the range between a party's worst and best terms: the smallest change of the
    terms the shipped studies can express."""
    alpha: Annotated[float, Field(gt=0.0, lt=0.5)] = 0.05
    """Family-wise error rate: intervals of the headline family are at level ``1 - alpha/m``
    (Bonferroni over its ``m`` rows), descriptive rows at ``1 - alpha``."""
    headline: Literal["round1", "later", "whole", "survivors"] = "later"
    """The outcome window the report's answer and key figure are about: ``round1``, ``later``
    (rounds 2..R), ``whole`` (rounds 1..R) or ``survivors`` (rounds 2..R of the pairs whose
    relationship survived round 1 in both arms)."""
    resamples: Annotated[int, Field(ge=999, le=1_000_000)] = 9999
    """Bootstrap resamples per cell (at least; more when the adjusted level needs them, see
    ``tail``)."""
    tail: Annotated[int, Field(ge=1, le=1000)] = 10
    """Resamples beyond the adjusted critical value: the resamples of a family of ``m`` rows
    are raised to ``(tail + 1) * m / alpha`` when that exceeds ``resamples``, so that the far
    quantile an adjusted interval needs is estimated from at least this many resamples (10
    puts the interval's half-width within about 2% of its value with infinitely many)."""
    power: Annotated[float, Field(gt=0.5, lt=1.0)] = 0.8
    """Target power of the sample-size estimate (``bargainlab power``)."""
    labels: dict[str, Annotated[str, Field(max_length=200)]] = {}
    """Readable labels of sweep axes for figures and the report, e.g. ``{ "rounds.rho" =
    "type persistence" }``; an axis without one is labelled from its path."""


def in_range(name: str, value: float, issue: IssueSpec) -> None:
    if not issue.low <= value <= issue.high:
        raise ValueError(
            f"{name} must lie in the issue's range [{issue.low}, {issue.high}]; got {value}"
        )


__all__ = [
    "DOMAIN_LIMIT",
    "LABEL_LENGTH",
    "AnalysisSpec",
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
    "ReputationSpec",
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
