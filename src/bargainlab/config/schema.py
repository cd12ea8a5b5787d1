"""The typed schema of a study, validated before anything runs (pydantic).

A study file is TOML; its tables map one to one onto the models below. Unknown keys are
errors, types are strict (a boolean is not a number, a string is not an integer), every
number is finite and has a range, labels that become file names are short printable text,
and strategies are named by their registered name and built with their parameters while
validating (a config never executes code). Sweep axes are dotted paths into the same structure, e.g.
``"rounds.rho"`` or ``"strategies.dealer.params.kind"``; each sweep cell is validated on its
own, so a sweep value out of range is reported with its path.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator

from ..beliefs.priors import grid_points, has_mass_on
from .condition_rules import ConditionReach, condition_reach
from .design import (
    AnalysisSpec,
    ArmsSpec,
    Change,
    NullCell,
    ReproduceSpec,
    ReputationSpec,
    RobustnessSpec,
    TournamentSpec,
)
from .empirical import EmpiricalGameSpec
from .labels import LABEL_LENGTH, check_label, check_prose
from .tables import (
    DOMAIN_LIMIT,
    ArmSpec,
    BehaviourSpec,
    ChannelsSpec,
    ConditionSpec,
    ConditionTerms,
    Domain,
    GameSpec,
    IssueSpec,
    Pair,
    PartySpec,
    Prior,
    RoundsSpec,
    ScheduleEntry,
    StrategySpec,
    StudyTable,
    TruncatedNormal,
    Uniform,
    Unit,
    in_range,
)


class StudySpec(StudyTable):
    """A whole study: one TOML file (the top-level keys; the tables are below)."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
    """The study's name: lower-case letters, digits and underscores, starting with a letter,
    at most 64 characters. It names the default run folder, ``runs/<name>``."""
    question: Annotated[str, Field(max_length=10_000)] = ""
    """The question the study answers, in one sentence (the report starts with it). Line
    breaks become spaces; other control or invisible characters (bidirectional overrides,
    zero-width characters) are refused."""
    replicates: Annotated[int, Field(ge=2, le=10_000_000)] = 200
    """Paired replicates per sweep cell: every arm and channel variant plays the same
    replicates (types and random draws). ``--replicates`` overrides it."""
    seed: Annotated[int, Field(ge=0, lt=2**63)] = 0
    """Root seed: replicate ``r`` of sweep cell ``c`` draws from its own random stream
    ``SeedSequence(seed, spawn_key=(c, r))``, so results do not depend on the executor, the
    number of workers or ``chunk``."""
    chunk: Annotated[int, Field(ge=1, le=10_000_000)] = 500
    """Replicates per task: the unit of parallel work and of resumption (a killed run
    restarts from its last finished task). It never changes the results."""
    issue: IssueSpec = IssueSpec()
    """The primary issue (``[issue]``)."""
    game: GameSpec = GameSpec()
    """The stage game of every round (``[game]``)."""
    rounds: RoundsSpec = RoundsSpec()
    """The relationship (``[rounds]``); left out: a single round."""
    parties: dict[str, PartySpec]
    """The two parties by name (``[parties.<party>]``)."""
    strategies: dict[str, StrategySpec] = Field(default_factory=dict)
    """Fixed strategy of each non-focal party (``[strategies.<party>]``); the focal party's
    strategies are its arms."""
    arms: ArmsSpec
    """The treatment arms of the focal party (``[arms]``)."""
    condition: ConditionSpec | None = None
    """The compensation condition (``[condition]``); left out: none."""
    reputation: ReputationSpec | None = None
    """A learner's model of its opponent's behavioural type (``[reputation]``); left out: a
    learner knows the strategy its opponent plays in each round."""
    channels: ChannelsSpec = ChannelsSpec()
    """Which mechanisms link the rounds, and whether to decompose effects into them
    (``[channels]``)."""
    behaviour: BehaviourSpec = BehaviourSpec()
    """Magnitudes of the behavioural module (``[behaviour]``), used only when
    ``channels.subjective_value`` is on."""
    sweep: dict[str, list[Any]] | list[dict[str, list[Any]]] = Field(default_factory=dict)
    """Sweep axes (dotted paths) and their values: one table is one cartesian grid; an array
    of tables is a union of grids, each cell taking the base value on the axes its grid lacks."""
    null_cells: list[NullCell] = Field(default_factory=list)
    """Pre-registered cells where the treatment must not help (``[[null_cells]]``); the
    report checks each and a failure is flagged as a bug."""
    reproduce: ReproduceSpec = ReproduceSpec()
    """How ``bargainlab reproduce`` checks the study (``[reproduce]``)."""
    traces: bool = False
    """Also store every offer and response of every replicate, round, arm and channel
    variant (``traces.parquet``, one row per step): large, meant for small studies."""
    tournament: TournamentSpec | None = None
    """An evolutionary tournament between the arms and the values of one sweep axis."""
    empirical_game: EmpiricalGameSpec | None = None
    """An empirical game between some of the arms and the values of one sweep axis, every
    profile on the same replicates (``[empirical_game]``)."""
    analysis: AnalysisSpec = AnalysisSpec()
    """How effects are decided and labelled (``[analysis]``)."""
    robustness: RobustnessSpec | None = None
    """Re-run the headline under a second root seed (``[robustness]``); left out: one seed."""
    changes: list[Change] = Field(default_factory=list)
    """What changed since the study's previous committed results, and why
    (``[[changes]]``); the report lists them."""

    @field_validator("question")
    @classmethod
    def _prose(cls, text: str) -> str:
        """One paragraph of printable text (see :func:`~bargainlab.config.labels.check_prose`)."""
        return check_prose("the question", text)

    @field_validator("parties")
    @classmethod
    def _two_parties(cls, parties: dict[str, PartySpec]) -> dict[str, PartySpec]:
        """Exactly two parties, with valid names, one preferring each end of the issue."""
        if len(parties) != 2:
            raise ValueError(
                f"exactly two parties are needed, got {len(parties)}: {', '.join(parties)}"
            )
        for name in parties:
            check_label("the party name", name)
        prefs = sorted(p.prefers for p in parties.values())
        if prefs != ["high", "low"]:
            raise ValueError("one party must prefer 'high' and the other 'low'")
        return parties

    @field_validator("sweep")
    @classmethod
    def _sweep_values(cls, sweep):
        """Every axis of every grid has at least one value (an empty axis has no cells)."""
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
        """Names that point at other parts of the study must resolve: the focal party and
        the parties' strategies, the first mover, the status quo and fallback within the
        issue, priors on the belief grid, the condition's holder, the reputation's holder,
        the tournament's axis and the empirical game's axis and menus, and a second seed other
        than the study's; checked in this order, the first failure reported."""
        self._strategies_of_parties()
        self._first_mover_is_known()
        if self.game.status_quo is not None:
            in_range("game.status_quo", self.game.status_quo, self.issue)
        self._priors_on_grid()
        if self.condition is not None:
            self._condition_holder()
        self._arm_conditions_have_a_condition()
        if self.reputation is not None:
            self.reputation.check(self)
        self._tournament_axis_is_swept()
        if self.empirical_game is not None:
            self.empirical_game.check(self)
        self._treatment_within_rounds()
        self._second_seed_differs()
        return self

    def _second_seed_differs(self) -> None:
        """``robustness.seed`` is not the study's own seed: the same seed would repeat the run
        and no verdict could flip."""
        if self.robustness is not None and self.robustness.seed == self.seed:
            raise ValueError(
                f"robustness.seed {self.seed} is the study's seed too, so the second run would "
                "repeat the first; give another integer in [0, 2**63)"
            )

    def _treatment_within_rounds(self) -> None:
        """An integer ``arms.treatment_rounds`` is at most ``rounds.count``: beyond it the
        arms would never reach their continuation, a design that says one thing and does
        another."""
        treatment, count = self.arms.treatment_rounds, self.rounds.count
        if isinstance(treatment, int) and treatment > count:
            raise ValueError(
                f"arms.treatment_rounds ({treatment}) is more than rounds.count ({count}): "
                f"the arms would never reach arms.continuation; give at most {count}, or "
                '"all" for standing policies'
            )

    def _strategies_of_parties(self) -> None:
        """The focal party is a party; every other party has a fixed strategy, and only
        they do (the focal party's strategies are its arms)."""
        names = list(self.parties)
        if self.arms.party not in self.parties:
            raise ValueError(
                f"arms.party must be one of {', '.join(names)}; got {self.arms.party!r}"
            )
        for p in names:
            if p != self.arms.party and p not in self.strategies:
                raise ValueError(f"strategies.{p} is missing: the non-focal party needs a strategy")
        for p in self.strategies:
            if p not in self.parties:
                raise ValueError(f"strategies.{p}: unknown party; parties: {', '.join(names)}")
            if p == self.arms.party:
                raise ValueError(
                    f"strategies.{p}: the focal party's strategies are given by its arms"
                )

    def _first_mover_is_known(self) -> None:
        """``game.first_mover`` is a party's name, ``"alternate"`` or ``"random"``."""
        allowed = [*self.parties, "alternate", "random"]
        fm = self.game.first_mover
        if fm not in allowed:
            raise ValueError(f"game.first_mover must be one of {', '.join(allowed)}; got {fm!r}")

    def _condition_holder(self) -> None:
        """The condition's holder is a party, its fallback lies in the issue's range, and
        the condition can be met at all (:meth:`_condition_can_be_met`)."""
        assert self.condition is not None
        if self.condition.holder not in self.parties:
            raise ValueError(
                f"condition.holder must be one of {', '.join(self.parties)}; "
                f"got {self.condition.holder!r}"
            )
        in_range("condition.fallback", self.condition.fallback, self.issue)
        self._condition_can_be_met()

    def _arm_conditions_have_a_condition(self) -> None:
        """An arm may change the terms of the study's condition only when there is one."""
        if self.condition is not None:
            return
        for label, arm in self.arms.strategies.items():
            if arm.condition is not None:
                raise ValueError(
                    f"arms.strategies.{label}.condition changes the terms of the study's "
                    "compensation condition, but the study has none: declare [condition] "
                    "(holder, value, cost, fallback) or remove the arm's condition"
                )

    def _tournament_axis_is_swept(self) -> None:
        """A tournament's opponent axis is a sweep axis (when the study sweeps at all; a
        study without a sweep is reported by :func:`~bargainlab.config.checks.check_references`)."""
        if (
            self.tournament is not None
            and self.sweep
            and self.tournament.opponent_axis not in self.sweep_axes
        ):
            raise ValueError(
                f"tournament.opponent_axis must be one of the sweep axes ({', '.join(self.sweep_axes)}); "
                f"got {self.tournament.opponent_axis!r}"
            )

    @model_validator(mode="after")
    def _analysis_labels(self) -> StudySpec:
        """``analysis.labels`` names sweep axes only."""
        unknown = [a for a in self.analysis.labels if a not in self.sweep_axes]
        if unknown:
            axes = ", ".join(self.sweep_axes) or "none"
            raise ValueError(
                f"analysis.labels names {', '.join(map(repr, unknown))}, not a sweep axis; "
                f"sweep axes: {axes}"
            )
        return self

    def _priors_on_grid(self) -> None:
        """Every prior puts mass on the belief grid (see :func:`has_mass_on`)."""
        grid = grid_points(self.rounds.grid)
        priors = {
            f"parties.{p}.reservation_value": s.reservation_value for p, s in self.parties.items()
        }
        if self.condition is not None:
            priors["condition.cost"] = self.condition.cost
        for label, arm in self.arms.strategies.items():
            if arm.condition is not None and arm.condition.cost is not None:
                priors[f"arms.strategies.{label}.condition.cost"] = arm.condition.cost
        for field, prior in priors.items():
            if not has_mass_on(prior, grid):
                raise ValueError(
                    f"{field} puts no mass on the {self.rounds.grid}-point belief "
                    "grid (rounds.grid); widen it (sd) or refine the grid"
                )

    def condition_reach(self) -> ConditionReach | None:
        """What the condition's fallback means to the obliged party (see
        :mod:`bargainlab.config.condition_rules`); ``None`` without a condition."""
        cond = self.condition
        if cond is None or cond.holder not in self.parties:
            return None
        obliged = next(p for p in self.parties if p != cond.holder)
        return condition_reach(
            fallback=cond.fallback,
            low=self.issue.low,
            high=self.issue.high,
            obliged_prefers=self.parties[obliged].prefers,
            obliged_curvature=self.parties[obliged].curvature,
            holder_curvature=self.parties[cond.holder].curvature,
            cost=cond.cost,
            holder_reservation=self.parties[cond.holder].reservation_value,
            grid=self.rounds.grid,
        )

    def _condition_can_be_met(self) -> None:
        """Refuse a fallback with which the condition can never be met (see
        :mod:`bargainlab.config.condition_rules`), saying which way to move it."""
        reach = self.condition_reach()
        if reach is None or not reach.never_met:
            return
        cond = self.condition
        assert cond is not None
        obliged = next(p for p in self.parties if p != cond.holder)
        holder_end = (
            self.issue.high if self.parties[cond.holder].prefers == "high" else self.issue.low
        )
        raise ValueError(
            f"condition.fallback {cond.fallback} means the condition can never be met: it "
            f"is worth {reach.fallback_utility:.3g} to the obliged party ({obliged}) and meeting "
            f"the condition costs it at least {reach.lowest_cost:.3g}, so it would meet it only "
            f"on terms worth {reach.threshold:.3g} or more (utilities are at most 1); the "
            f"fallback is the penalty for an unmet condition: move it toward the holder's "
            f"preferred end ({holder_end})"
        )

    @property
    def party_names(self) -> tuple[str, str]:
        """``(party0, party1)``: party 0 is the one that prefers high positions."""
        a, b = self.parties
        return (a, b) if self.parties[a].prefers == "high" else (b, a)


__all__ = [
    "DOMAIN_LIMIT",
    "LABEL_LENGTH",
    "AnalysisSpec",
    "ArmSpec",
    "ArmsSpec",
    "BehaviourSpec",
    "ChannelsSpec",
    "ConditionSpec",
    "ConditionTerms",
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
    "StudySpec",
    "StudyTable",
    "TournamentSpec",
    "TruncatedNormal",
    "Uniform",
    "Unit",
    "check_label",
]
