"""The tables of a study file that say how it compares (pydantic models): the arms, the
reputation model, the pre-registered null cells, the analysis, reproduction and the
tournament. The tables that say what is played (issue, parties, game, rounds, condition,
channels, strategies) are in :mod:`bargainlab.config.tables`;
:class:`bargainlab.config.schema.StudySpec` assembles both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from ..relationships.channels import CHANNELS
from ..strategies import get
from .labels import check_label, check_prose
from .tables import ArmSpec, Name, Pair, StrategySpec, StudyTable

if TYPE_CHECKING:
    from .schema import StudySpec

__all__ = [
    "AnalysisSpec",
    "ArmsSpec",
    "Change",
    "NullCell",
    "ReproduceSpec",
    "ReputationSpec",
    "RobustnessSpec",
    "TournamentSpec",
]


class ArmsSpec(StudyTable):
    """``[arms]``: treatment arms, alternative strategies of the focal party, compared on
    paired replicates (every arm meets the same types and random draws)."""

    party: str
    """The focal party (a party's name): the one whose strategy differs between arms and
    whose later-round payoff is compared."""
    strategies: dict[str, ArmSpec]
    """Arm label -> strategy of the focal party in that arm (at least one arm), and the
    condition's terms in that arm when they differ from the study's (``condition = { value
    = 0.0, cost = 0.0 }``: a placebo)."""
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
        """At least one arm, with valid labels; a continuation strategy when arms play theirs
        for a number of rounds only; comparisons that name arms."""
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
            if t == c:
                raise ValueError(
                    f"comparison [{t!r}, {c!r}] compares the arm {t!r} with itself (every "
                    "paired difference would be 0); compare two different arms"
                )
        return self

    def pairs(self) -> list[tuple[str, str]]:
        """The ``(treatment, control)`` comparisons: those given, else the first arm against
        each other arm."""
        labels = list(self.strategies)
        return list(self.comparisons) or [(labels[0], c) for c in labels[1:]]


class ReputationSpec(StudyTable):
    """``[reputation]``: a learner's model of its opponent's behavioural type.

    The learner ``holder`` holds a joint belief over the opponent's reservation value and its
    *type*: which of the ``types`` (policies, each a registered strategy with parameters) it
    follows, with prior probabilities ``prior`` (Kreps & Wilson 1982; Milgrom & Roberts 1982;
    Abreu & Gul 2000). A correct Bayesian updates it with each policy's exact likelihood of
    every round and plans with each policy's agreement threshold. Without this table (or
    with ``model = "known_policy"``) a learner knows the strategy its opponent plays in each
    round.

    The types are policies only: a type is evaluated under the condition's terms of the arm
    it meets (an arm's ``condition`` override, such as a placebo's worthless condition, is
    public, as the condition's value is in the essay), so a ``face_saver`` type met in a
    placebo arm is a face-saver whose condition is worth nothing, and the holder never
    mistakes what a condition is worth.
    """

    holder: str
    """The party whose belief is joint (it must play a learning strategy)."""
    types: dict[str, StrategySpec]
    """Type label -> the policy of that type, e.g. ``obstinate = { name = "holdout", params =
    { use_reference = false, aspiration = 0.8 } }``."""
    prior: dict[str, Annotated[float, Field(ge=0.0, le=1.0)]]
    """Type label -> prior probability; the labels are those of ``types`` and the
    probabilities sum to 1 (sweep the whole table to vary it)."""
    model: Literal["types", "known_policy"] = "types"
    """``"types"`` (default): the holder doubts, it holds the joint belief over the types;
    ``"known_policy"``: the holder knows the policy its opponent plays in each round (the
    types and prior are kept but not used), a reference to set beside the doubting holder --
    sweep ``"reputation.model" = ["types", "known_policy"]`` and label the axis, e.g.
    ``analysis.labels = { "reputation.model" = "dealer's model of the supplier" }``, so that
    every table and report names the reference cells."""

    @model_validator(mode="after")
    def _prior(self) -> ReputationSpec:
        """One to 16 types with valid labels, and a prior over exactly those types that sums
        to 1 (to within 1e-9)."""
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

    def check(self, study: StudySpec) -> None:
        """``ValueError`` unless the holder is a party of ``study`` that plays a learning strategy in
        every arm (when it is the focal party) or as its fixed strategy."""
        names = list(study.parties)
        holder = self.holder
        if holder not in study.parties:
            raise ValueError(f"reputation.holder must be one of {', '.join(names)}; got {holder!r}")
        if holder == study.arms.party:
            learners = {label: spec.name for label, spec in study.arms.strategies.items()}
        else:
            learners = {holder: study.strategies[holder].name}
        for label, strategy in learners.items():
            if not get(strategy).learns:
                raise ValueError(
                    f"reputation.holder is the {holder}, but its strategy {strategy!r} ({label}) "
                    "does not learn; give the reputation model to a learning party"
                )

    def ordered(self) -> tuple[tuple[str, ...], tuple[StrategySpec, ...], tuple[float, ...]]:
        """Labels, policies and prior probabilities in the order of ``types``."""
        labels = tuple(self.types)
        return labels, tuple(self.types[k] for k in labels), tuple(self.prior[k] for k in labels)


class Change(StudyTable):
    """One change to the study, or to the mechanics or statistics behind it, since its
    previous committed results, and why it was made (``[[changes]]``). The report lists the
    changes under "What changed", so that a reader comparing with earlier results knows what
    moved them. Prose only: the numbers a change moved are in the results themselves."""

    what: Annotated[str, Field(min_length=1, max_length=2_000)]
    """What changed, in a sentence."""
    why: Annotated[str, Field(min_length=1, max_length=4_000)]
    """Why: what the old design or mechanics could not express, or got wrong."""

    @field_validator("what", "why")
    @classmethod
    def _prose(cls, text: str, info: Any) -> str:
        """Prose of one paragraph (see :func:`~bargainlab.config.labels.check_prose`)."""
        return check_prose(f"changes.{info.field_name}", text)


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
    """Why the treatment must not help in this cell (printed in the report; line breaks
    become spaces, other control or invisible characters are refused)."""
    exact: bool = False
    """Whether the null holds by construction, so that every paired difference must be
    exactly 0 (a wiring check, not evidence); otherwise the row passes when its adjusted
    interval lies within ``analysis.sesoi`` of 0 (equivalence)."""

    @field_validator("reason")
    @classmethod
    def _prose(cls, text: str) -> str:
        """Prose of one paragraph (see :func:`~bargainlab.config.labels.check_prose`)."""
        return check_prose("null_cells.reason", text)

    @field_validator("where")
    @classmethod
    def _printable_where(cls, where: dict[str, Any]) -> dict[str, Any]:
        """The paths and the text values of ``where`` are printable (the report prints
        them): no control or invisible character."""
        stack: list[Any] = [where]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                for key, value in node.items():
                    check_label("null_cells.where: the key", str(key), 200)
                    stack.append(value)
            elif isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, str):
                check_label("null_cells.where: the value", node, 10_000)
        return where

    @field_validator("channel")
    @classmethod
    def _known_channel(cls, channel: str | None) -> str | None:
        """A channel named by a null cell is one of the relationship's channels."""
        if channel is not None and channel not in CHANNELS:
            raise ValueError(f"must be one of {', '.join(map(repr, CHANNELS))}; got {channel!r}")
        return channel


class ReproduceSpec(StudyTable):
    """How ``bargainlab reproduce`` checks this study."""

    tolerance: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    """Largest allowed absolute drift of any number of the summary (``summary/``)."""
    replicates: Annotated[int, Field(ge=2)] | None = None
    """CI-sized profile: replicates used by reproduce (default: the study's own)."""


class RobustnessSpec(StudyTable):
    """``[robustness]``: run the study a second time under another root seed and list the
    headline verdicts that differ between the two seeds (``summary/robustness.csv`` and the
    report's *Robustness* section). The second run is the whole study at the same size without
    its decompositions, tournament and null cells (which the headline does not use), kept in
    the run folder's ``robustness/``: it costs about one more simulation of every arm in every
    cell."""

    seed: Annotated[int, Field(ge=0, lt=2**63)]
    """The second root seed: an integer other than the study's ``seed``."""


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
    """Family-wise error rate: the intervals of a decided family (the headline family, the
    survival family) hold together at level ``1 - alpha`` (balanced max-T over its ``m``
    rows), descriptive rows each at ``1 - alpha``."""
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
    labels: dict[str, Name] = {}
    """Readable labels of sweep axes for figures and the report, e.g. ``{ "rounds.rho" =
    "type persistence" }``; an axis without one is labelled from its path. Printable
    characters only."""

    @field_validator("labels")
    @classmethod
    def _printable_labels(cls, labels: dict[str, str]) -> dict[str, str]:
        """Every label is printable text (it is written into figures and the report)."""
        for label in labels.values():
            check_label("the label", label, 200)
        return labels
