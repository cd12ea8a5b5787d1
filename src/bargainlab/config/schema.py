"""The typed schema of a study, validated before anything runs (pydantic).

A study file is TOML; its tables map one to one onto the models below. Unknown keys are
errors, every number has a range, and strategies are named by their registered name (a
config never executes code). Sweep axes are dotted paths into the same structure, e.g.
``"rounds.rho"`` or ``"strategies.dealer.params.kind"``; each sweep cell is validated on its
own, so a sweep value out of range is reported with its path.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..beliefs.priors import Prior, TruncatedNormal, Uniform
from ..relationships.behaviour import BehaviourSpec
from ..relationships.channels import CHANNELS, Channels
from ..strategies import create, get

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
"""A number in [0, 1] (utilities, probabilities, discount factors)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IssueSpec(_Model):
    """The primary issue: its name, unit and range in domain units."""

    name: str = "price"
    unit: str = ""
    low: float = 0.0
    high: float = 1.0
    levels: Annotated[int, Field(ge=2, le=100_000)] | None = None

    @model_validator(mode="after")
    def _range(self) -> IssueSpec:
        if not self.high > self.low:
            raise ValueError(f"high ({self.high}) must be greater than low ({self.low})")
        return self


class ScheduleEntry(_Model):
    """A change of strength from a given round on (1-based), e.g. a rising outside option."""

    round: Annotated[int, Field(ge=1)]
    outside_option: Unit | None = None
    reservation_shift: Annotated[float, Field(ge=-1.0, le=1.0)] | None = None
    """Added to the mean of the party's reservation-value prior (costs rose, ...)."""


class PartySpec(_Model):
    """One party: which end of the issue it prefers, its private type and its strength."""

    prefers: Literal["high", "low"]
    reservation_value: Prior = 0.0
    """Private bottom line, in the party's utility units [0, 1]."""
    outside_option: Unit = 0.0
    delta: Unit = 1.0
    curvature: Annotated[float, Field(gt=0.0, le=100.0)] = 1.0
    deadline: Annotated[int, Field(ge=1)] | None = None
    schedule: list[ScheduleEntry] = []


class GameSpec(_Model):
    """The stage game played in every round."""

    horizon: Annotated[int, Field(ge=1, le=10_000)] = 20
    breakdown: Unit = 0.0
    first_mover: str = "alternate"
    """A party's name, ``"alternate"`` (by replicate) or ``"random"``."""
    disagreement: Literal["outside_options", "status_quo"] = "outside_options"
    status_quo: float | None = None
    """Initial status quo terms in domain units (default: the middle of the range)."""
    allow_exit: bool = True


class RoundsSpec(_Model):
    """The relationship: how many rounds, how types persist, how it ends."""

    count: Annotated[int, Field(ge=1, le=1000)] = 1
    rho: Unit = 0.0
    """Type persistence: each round a type is kept with probability rho, else redrawn."""
    end_on_disagreement: bool = True
    """Whether a round without agreement ends the relationship (both take outside options)."""
    grid: Annotated[int, Field(ge=3, le=1001)] = 101
    """Points of the belief grid over the opponent's reservation value."""
    tremble: Annotated[float, Field(gt=0.0, lt=0.5)] = 1e-6
    """Probability a learner assigns to a round in which its opponent acted off every rule it
    considers (mixed into every likelihood). A correct Bayesian's likelihoods are exact, so
    its posterior is calibrated only when this is negligible next to the prior mass of the
    truth: keep it small."""


class ConditionSpec(_Model):
    """The compensation condition (a second issue with contingent terms)."""

    holder: str
    value: Unit
    """Public value of the condition to its holder when met (utility units)."""
    cost: Prior
    """Private cost to the obliged party of meeting it (utility units)."""
    fallback: float
    """Terms (domain units) that apply when the condition is not met."""


class ChannelsSpec(Channels):
    """``[channels]``: the relationship's mechanisms (see
    :class:`bargainlab.relationships.channels.Channels`) and whether to decompose an effect
    into them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    decompose: bool = False
    """Also run every arm with each enabled channel switched off in turn."""


class StrategySpec(_Model):
    """A registered strategy and its parameters."""

    name: str
    params: dict[str, Any] = {}

    @model_validator(mode="after")
    def _registered(self) -> StrategySpec:
        create(self.name, **self.params)  # raises ValueError naming the parameter
        return self


class ArmsSpec(_Model):
    """Treatment arms: alternative strategies of the focal party, compared on paired replicates."""

    party: str
    strategies: dict[str, StrategySpec]
    comparisons: list[tuple[str, str]] = []
    """Pairs ``(treatment, control)`` of arm labels; default: the first arm against each other."""
    treatment_rounds: Annotated[int, Field(ge=1)] | Literal["all"] = "all"
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


class ReputationSpec(_Model):
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


class NullCell(_Model):
    """A pre-registered cell where the treatment must not help.

    By default the total paired effect must have a 95% CI containing 0; with ``channel`` set
    (one of the relationship's channels, :data:`~bargainlab.relationships.channels.CHANNELS`) only that
    channel's contribution in the decomposition must (the other channels may legitimately
    act in the cell).
    """

    where: dict[str, Any]
    """Sweep-axis values that identify the cell(s)."""
    comparison: tuple[str, str] | None = None
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


class ReproduceSpec(_Model):
    """How ``bargainlab reproduce`` checks this study."""

    tolerance: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    """Largest allowed absolute drift of any number in summary.csv."""
    replicates: Annotated[int, Field(ge=2)] | None = None
    """CI-sized profile: replicates used by reproduce (default: the study's own)."""


class TournamentSpec(_Model):
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


class StudySpec(_Model):
    """A whole study: one TOML file in ``experiments/``."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    question: str = ""
    replicates: Annotated[int, Field(ge=2, le=10_000_000)] = 200
    seed: Annotated[int, Field(ge=0)] = 0
    chunk: Annotated[int, Field(ge=1)] = 500
    """Replicates per task (the unit of parallel work and of resumption)."""
    issue: IssueSpec = IssueSpec()
    game: GameSpec = GameSpec()
    rounds: RoundsSpec = RoundsSpec()
    parties: dict[str, PartySpec]
    strategies: dict[str, StrategySpec] = {}
    """Fixed strategy of each non-focal party."""
    arms: ArmsSpec
    condition: ConditionSpec | None = None
    reputation: ReputationSpec | None = None
    channels: ChannelsSpec = ChannelsSpec()
    behaviour: BehaviourSpec = BehaviourSpec()
    sweep: dict[str, list[Any]] | list[dict[str, list[Any]]] = {}
    """Sweep axes (dotted paths) and their values: one table is one cartesian grid; an array
    of tables is a union of grids, each cell taking the base value on the axes its grid lacks."""
    null_cells: list[NullCell] = []
    reproduce: ReproduceSpec = ReproduceSpec()
    traces: bool = False
    """Also store per-step traces of the first replicates (traces.parquet)."""
    tournament: TournamentSpec | None = None
    """An evolutionary tournament between the arms and the values of one sweep axis."""

    @field_validator("parties")
    @classmethod
    def _two_parties(cls, parties: dict[str, PartySpec]) -> dict[str, PartySpec]:
        if len(parties) != 2:
            raise ValueError(
                f"exactly two parties are needed, got {len(parties)}: {', '.join(parties)}"
            )
        prefs = sorted(p.prefers for p in parties.values())
        if prefs != ["high", "low"]:
            raise ValueError("one party must prefer 'high' and the other 'low'")
        return parties

    @field_validator("sweep")
    @classmethod
    def _sweep_values(cls, sweep):
        grids = sweep if isinstance(sweep, list) else [sweep]
        for grid in grids:
            for axis, values in grid.items():
                if not values:
                    raise ValueError(f"sweep axis {axis!r} has no values")
        return sweep

    @property
    def sweep_grids(self) -> list[dict[str, list[Any]]]:
        """The sweep as a list of cartesian grids (empty grids dropped)."""
        grids = self.sweep if isinstance(self.sweep, list) else [self.sweep]
        return [g for g in grids if g]

    @property
    def sweep_axes(self) -> list[str]:
        """Every axis of every grid, in order of first appearance."""
        axes: list[str] = []
        for grid in self.sweep_grids:
            axes.extend(a for a in grid if a not in axes)
        return axes

    @model_validator(mode="after")
    def _references(self) -> StudySpec:
        names = list(self.parties)
        if self.arms.party not in self.parties:
            raise ValueError(
                f"arms.party must be one of {', '.join(names)}; got {self.arms.party!r}"
            )
        others = [p for p in names if p != self.arms.party]
        for p in others:
            if p not in self.strategies:
                raise ValueError(f"strategies.{p} is missing: the non-focal party needs a strategy")
        for p in self.strategies:
            if p not in self.parties:
                raise ValueError(f"strategies.{p}: unknown party; parties: {', '.join(names)}")
            if p == self.arms.party:
                raise ValueError(
                    f"strategies.{p}: the focal party's strategies are given by its arms"
                )
        fm = self.game.first_mover
        if fm not in (*names, "alternate", "random"):
            raise ValueError(
                f"game.first_mover must be one of {', '.join([*names, 'alternate', 'random'])}; got {fm!r}"
            )
        if self.condition is not None:
            if self.condition.holder not in self.parties:
                raise ValueError(
                    f"condition.holder must be one of {', '.join(names)}; got {self.condition.holder!r}"
                )
            _in_range("condition.fallback", self.condition.fallback, self.issue)
        if self.game.status_quo is not None:
            _in_range("game.status_quo", self.game.status_quo, self.issue)
        if self.reputation is not None:
            holder = self.reputation.holder
            if holder not in self.parties:
                raise ValueError(
                    f"reputation.holder must be one of {', '.join(names)}; got {holder!r}"
                )
            if holder == self.arms.party:
                learners = {label: spec.name for label, spec in self.arms.strategies.items()}
            else:
                learners = {holder: self.strategies[holder].name}
            for label, strategy in learners.items():
                if not get(strategy).learns:
                    raise ValueError(
                        f"reputation.holder is the {holder}, but its strategy {strategy!r} ({label}) "
                        "does not learn; give the reputation model to a learning party"
                    )
        if (
            self.tournament is not None
            and self.sweep
            and self.tournament.opponent_axis not in self.sweep_axes
        ):
            raise ValueError(
                f"tournament.opponent_axis must be one of the sweep axes ({', '.join(self.sweep_axes)}); "
                f"got {self.tournament.opponent_axis!r}"
            )
        return self

    @property
    def party_names(self) -> tuple[str, str]:
        """``(party0, party1)``: party 0 is the one that prefers high positions."""
        a, b = self.parties
        return (a, b) if self.parties[a].prefers == "high" else (b, a)


def _in_range(name: str, value: float, issue: IssueSpec) -> None:
    if not issue.low <= value <= issue.high:
        raise ValueError(
            f"{name} must lie in the issue's range [{issue.low}, {issue.high}]; got {value}"
        )


__all__ = [
    "ArmsSpec",
    "BehaviourSpec",
    "ChannelsSpec",
    "ConditionSpec",
    "GameSpec",
    "IssueSpec",
    "NullCell",
    "PartySpec",
    "Prior",
    "ReproduceSpec",
    "RoundsSpec",
    "ScheduleEntry",
    "StrategySpec",
    "StudySpec",
    "TournamentSpec",
    "TruncatedNormal",
    "Uniform",
    "Unit",
    "_Model",
]
