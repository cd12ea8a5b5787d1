"""The parts of a run's summary: their one declaration.

A summary (:class:`~bargainlab.analysis.summary.Summary`) is a few tidy tables, one per kind
of result, each written as ``summary/<part>.csv``. Each part is declared here once
(:class:`Part`): what one row is, its columns (keys first) with their dtype, unit and
meaning. The checks, the CSV files and the documentation's reference page follow from the
declarations. A part names its sweep cell by ``cell`` alone (the run's ``cells.parquet``
says what the cell is) and carries only the columns that apply to it.

* :data:`EFFECTS` -- the paired effect of a comparison on the focal party's payoff, per
  cell and outcome window: the headline family;
* :data:`SURVIVAL` -- the paired difference in survival of round 1 (its own family);
* :data:`MEDIATION` -- the contribution of each transplanted piece of round 1's state
  (descriptive);
* :data:`CHANNELS` -- the contribution of each channel, by switching it off (descriptive);
* :data:`MECHANISM` -- the essay's mechanism taken apart: what the condition's surplus adds
  (face-saver vs placebo), what attaching a condition does to the reading (placebo vs plain
  concession) and how an effect grows with type persistence (difference in differences);
* :data:`POWER` -- per row of the two decided families, the smallest effect decided at the
  run's size and the replicates that would decide an effect of the sesoi;
* :data:`NULLS` -- the rows that a pre-registered null cell names, and whether each passes;
* :data:`ROBUSTNESS` -- each headline row under the study's seed and under a second root
  seed (``[robustness]``), and whether its verdict flips;
* :data:`CALIBRATION` -- direction checks against the human evidence;
* :data:`TOURNAMENT_PAYOFF`, :data:`TOURNAMENT_MIX`, :data:`TOURNAMENT_FIXATION` -- an
  evolutionary tournament's payoff matrices, final mixes and fixation probabilities;
* :data:`GAME`, :data:`EQUILIBRIA`, :data:`REGRETS`, :data:`OPTION` -- an empirical game's
  payoff table, its Nash equilibria, the regret of each pure profile and the value of the
  conditional strategies in equilibrium (:mod:`bargainlab.analysis.game_rows`).

A float column holds NaN (a blank field) where its quantity is not defined (the mean of no
pairs); the other columns are never blank, except the few a part declares ``optional``.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..relationships.table import Column
from .game_parts import EQUILIBRIA, GAME, OPTION, REGRETS
from .tidy import Part, PartName, markdown_reference

__all__ = [
    "CALIBRATION",
    "CHANNELS",
    "EFFECTS",
    "EQUILIBRIA",
    "GAME",
    "MECHANISM",
    "MEDIATION",
    "NULLS",
    "OPTION",
    "PARTS",
    "POWER",
    "REGRETS",
    "ROBUSTNESS",
    "SURVIVAL",
    "TOURNAMENT_FIXATION",
    "TOURNAMENT_MIX",
    "TOURNAMENT_PAYOFF",
    "Part",
    "PartName",
    "describe_parts",
    "markdown_reference",
    "part",
]

# --------------------------------------------------------------------------- shared columns

_CELL = Column(
    "cell",
    "int64",
    "Sweep cell index (the run's `cells.parquet` says what the cell is: its label and its value on every sweep axis).",
)
_TREATMENT = Column("treatment", "string", "Treatment arm of the comparison.")
_CONTROL = Column(
    "control",
    "string",
    "Control arm of the comparison (paired with the treatment on common random numbers).",
)
_WINDOW = Column(
    "window",
    "string",
    "Outcome window of the focal party's payoff: `round1`, `later` (rounds 2..R), `whole` (1..R) or `survivors` (rounds 2..R of the replicates whose relationship survived round 1 in both arms).",
)
_M = Column(
    "m",
    "int64",
    "Rows in the row's family: its interval and adjusted p-value hold simultaneously over them (max-T).",
)
_N = Column(
    "n", "int64", "Paired replicates (for `survivors`: those that survived round 1 in both arms)."
)
_DIFF = (
    Column("mean_diff", "float64", "Mean paired difference, treatment - control.", unit="utility"),
    Column("sd_diff", "float64", "Standard deviation of the paired differences.", unit="utility"),
    Column(
        "ci_low",
        "float64",
        "Lower end of the studentised-bootstrap interval at `ci_level` (blank without pairs).",
        unit="utility",
    ),
    Column("ci_high", "float64", "Upper end of that interval.", unit="utility"),
    Column(
        "ci_level",
        "float64",
        "The interval's level, 1 - alpha: simultaneous over the row's family in a decided family (every interval of the family covers its effect with this probability together), the row's own on a descriptive row.",
    ),
    Column("resamples", "int64", "Bootstrap resamples behind the interval and the p-values."),
    Column(
        "p_value",
        "float64",
        "The bootstrap-t p-value of a zero mean difference, the row alone (not adjusted).",
    ),
)
_P_ADJUSTED = Column(
    "p_adjusted",
    "float64",
    "The single-step balanced max-T p-value: the share of resamples whose largest |t*| over the family (each row's over its own (tail + 1)-th largest |t*|) reaches the row's (with the +1 convention); the interval excludes 0 exactly when it is below alpha.",
)
_VERDICT = (
    Column("sesoi", "float64", "The study's smallest effect size of interest.", unit="utility"),
    Column(
        "verdict",
        "string",
        "Read off the interval: `negligible` (within (-sesoi, sesoi)), else `helps` (above 0), `hurts` (below 0), else `undetermined`; `no pairs` when the row has no paired replicate (its interval is then blank).",
    ),
    Column("exact_zero", "bool", "Whether every paired difference is exactly 0."),
)


def _per_arm(name: str, meaning: str, unit: str = "") -> tuple[Column, Column]:
    """A descriptor's two columns, ``<name>_treatment`` and ``<name>_control``."""
    return (
        Column(f"{name}_treatment", "float64", f"{meaning} (treatment arm).", unit=unit),
        Column(f"{name}_control", "float64", f"{meaning} (control arm).", unit=unit),
    )


# --------------------------------------------------------------------------- the parts

EFFECTS = Part(
    "effects",
    "The paired effect of one comparison on the focal party's payoff (mean utility per round; a relationship that has ended counts with the outside option) in one cell and outcome window, every channel on: the study's headline family.",
    (
        _CELL, _TREATMENT, _CONTROL, _WINDOW, _M, _N,
        *_per_arm("payoff", "Mean payoff in the window", "utility"),
        *_DIFF, _P_ADJUSTED, *_VERDICT,
        *_per_arm("agreement", "Share of rounds 2..R that ended in agreement"),
        *_per_arm("survival", "Share of relationships still running in round R"),
        *_per_arm("terms", "Mean agreed terms over rounds 2..R", "domain"),
        *_per_arm("belief_error", "Mean |opponent's posterior mean - the focal party's reservation value| in round R", "utility"),
    ),
    ("cell", "treatment", "control", "window"),
)  # fmt: skip

SURVIVAL = Part(
    "survival",
    "The paired difference in survival of round 1 (whether the relationship still runs in round 2) of one comparison in one cell with later rounds: its own family.",
    (
        _CELL, _TREATMENT, _CONTROL, _M, _N,
        *_per_arm("survived", "Share of relationships that survived round 1"),
        *(c if c.unit != "utility" else Column(c.name, c.dtype, c.meaning) for c in _DIFF),
        _P_ADJUSTED, *_VERDICT,
    ),
    ("cell", "treatment", "control"),
)  # fmt: skip

_COMPONENT_MEANING = {
    "mediation": "The transplanted piece of the treatment arm's post-round-1 state (`posterior`, `reference_point`, `survival`, `subjective_value`), `direct` (the treatment arm's policy played from the control arm's post-round-1 state), `total` (treatment - control) or `interaction` (what direct and the pieces do not add up to).",
    "channels": "The channel switched off (its contribution: the effect minus the effect with it off), `total`, `all_off` (the effect with every channel off) or `interaction` (what the parts do not add up to).",
}

MEDIATION = Part(
    "mediation",
    "One piece's contribution to the later-round effect (rounds 2..R) of one comparison in one cell, by state transplant: descriptive (a family of its own, unadjusted 95% interval).",
    (_CELL, _TREATMENT, _CONTROL, Column("component", "string", _COMPONENT_MEANING["mediation"]), _N, *_DIFF, *_VERDICT),
    ("cell", "treatment", "control", "component"),
)  # fmt: skip

CHANNELS = Part(
    "channels",
    "One channel's contribution to the effect of one comparison in one cell in the headline window (`later` for `survivors`), by switching it off for the whole relationship: descriptive (unadjusted 95% interval).",
    (_CELL, _TREATMENT, _CONTROL, Column("component", "string", _COMPONENT_MEANING["channels"]), _WINDOW, _N, *_DIFF, *_VERDICT),
    ("cell", "treatment", "control", "component"),
)  # fmt: skip

MECHANISM = Part(
    "mechanism",
    "One piece of the essay's mechanism in one cell (see `bargainlab.analysis.mechanism`): `surplus` (the face-saver vs its placebo, the same policy with a condition worth nothing: what the condition's surplus adds) and `concealment` (the placebo vs the plain concession: what attaching a condition does to the opponent's reading) are the `effects` rows of those comparisons, in every window, with their intervals and verdicts; `persistence` is a comparison's headline-window effect at the highest type persistence minus at persistence 0, the other axes equal (Welch interval, adjusted over the persistence rows).",
    (
        _CELL, _TREATMENT, _CONTROL, _WINDOW,
        Column("component", "string", "`surplus`, `concealment` or `persistence`."),
        Column("reference_cell", "int64", "The cell the row is measured against: the same cell for `surplus` and `concealment`, the persistence-0 cell for `persistence` (whose `cell` is the highest-persistence one)."),
        _M,
        Column("n", "int64", "Paired replicates (for `persistence`: of both cells)."),
        Column("mean_diff", "float64", "The effect (`persistence`: the difference of the two cells' effects).", unit="utility"),
        Column("se", "float64", "Its standard error.", unit="utility"),
        *(c for c in _DIFF if c.name in ("ci_low", "ci_high", "ci_level", "p_value")),
        _P_ADJUSTED,
        *(c for c in _VERDICT if c.name != "exact_zero"),
    ),
    ("cell", "treatment", "control", "window", "component"),
)  # fmt: skip

POWER = Part(
    "power",
    "The power of one row of `effects` (family `effect`) or `survival` (family `survival`, window `round1`): the normal approximation with the row's sd and its family's critical value.",
    (
        _CELL, _TREATMENT, _CONTROL,
        Column("family", "string", "`effect`: the row of `effects` with this cell, comparison and window; `survival`: the row of `survival`."),
        _WINDOW,
        Column("mde", "float64", "The smallest effect decided with the study's power at this n: (c + z(power)) sd / sqrt(n), with c the family's critical value (z(1 - alpha/2m) where it is unbounded).", unit="utility"),
        Column("n_needed", "int64", "Replicates that would decide an effect of size sesoi with the study's power: ((c + z(power)) sd / sesoi)^2, at least 2."),
    ),
    ("cell", "treatment", "control", "family", "window"),
)  # fmt: skip

NULLS = Part(
    "nulls",
    "A row a pre-registered null cell (`[[null_cells]]`) names: the headline-window row of `effects` (`tested` = `total`) or a channel's row of `channels`, with its check.",
    (
        _CELL, _TREATMENT, _CONTROL,
        Column("tested", "string", "`total` (the row of `effects`) or the channel whose row of `channels` is tested."),
        Column("window", "string", "The tested row's window."),
        Column("check", "string", "`exact zero` (every paired difference is 0: a wiring check), `negligible` (the interval lies within the sesoi: evidence), `fail` (helps or hurts, or not exactly 0 where the null is declared exact) or `undetermined`."),
        Column("reason", "string", "Why the design forbids an effect here (the null cells' reasons, joined by `; ` when several apply)."),
    ),
    ("cell", "treatment", "control", "tested"),
)  # fmt: skip

ROBUSTNESS = Part(
    "robustness",
    "One headline row of `effects` (a comparison in a cell, in its headline window) under the study's root seed and again under the second root seed of `[robustness]`: the whole study re-run with the same replicates, so the two differ only in their random draws.",
    (
        _CELL, _TREATMENT, _CONTROL, _WINDOW,
        Column("seed", "int64", "The study's root seed (the row of `effects`)."),
        Column("mean_diff", "float64", "Mean paired difference under `seed`, treatment - control.", unit="utility"),
        Column("ci_low", "float64", "Lower end of its interval (adjusted as in `effects`).", unit="utility"),
        Column("ci_high", "float64", "Upper end of that interval.", unit="utility"),
        Column("verdict", "string", "Its verdict under `seed` (as in `effects`)."),
        Column("second_seed", "int64", "The second root seed (`robustness.seed`)."),
        Column("second_mean_diff", "float64", "Mean paired difference under `second_seed`.", unit="utility"),
        Column("second_ci_low", "float64", "Lower end of its interval, adjusted for the same family.", unit="utility"),
        Column("second_ci_high", "float64", "Upper end of that interval.", unit="utility"),
        Column("second_verdict", "string", "Its verdict under `second_seed`."),
        Column("flips", "bool", "Whether the two verdicts differ."),
    ),
    ("cell", "treatment", "control", "window"),
)  # fmt: skip

CALIBRATION = Part(
    "calibration",
    "One direction check against the human evidence on negotiation (signs only; see `bargainlab.analysis.calibration`), measured on a bounded sample of the rounds.",
    (
        Column("check", "string", "The direction checked."),
        Column("source", "string", "Where the human evidence comes from."),
        Column("expected", "string", "The human sign (or value)."),
        Column("statistic", "string", "What is measured here, or why it cannot be."),
        Column("estimate", "float64", "The measured statistic (0 when not measured)."),
        Column("ci_low", "float64", "Lower end of its 95% percentile bootstrap interval."),
        Column("ci_high", "float64", "Upper end of that interval."),
        Column("n", "int64", "Observations behind the estimate."),
        Column("status", "string", "`reproduced`, `not reproduced`, `by construction`, `not observable` or `not modelled`."),
        Column("sample", "string", "The rounds the checks were measured on."),
    ),
    ("check",),
)  # fmt: skip

_CONTEXT = Column(
    "context",
    "int64",
    "The tournament: one per combination of the sweep axes other than the opponent axis that has every opponent type, numbered in cell order.",
)

TOURNAMENT_PAYOFF = Part(
    "tournament_payoff",
    "One payoff-matrix entry of an evolutionary tournament: a party's mean total utility over all rounds when the focal party plays an arm against the opponent type of one cell.",
    (
        _CELL,
        Column("party", "string", "Whose payoff: the focal party (matrix A) or the opponent (matrix B)."),
        Column("arm", "string", "The focal party's arm."),
        _CONTEXT,
        Column("n", "int64", "Replicates behind the mean."),
        Column("mean", "float64", "Mean total utility over all rounds of a relationship.", unit="utility"),
        Column("ci_low", "float64", "Lower end of the percentile bootstrap interval at the tournament's confidence.", unit="utility"),
        Column("ci_high", "float64", "Upper end of that interval.", unit="utility"),
    ),
    ("cell", "party", "arm"),
)  # fmt: skip

TOURNAMENT_MIX = Part(
    "tournament_mix",
    "One strategy's share of its population at the start and at the end of a tournament's replicator dynamics from one starting mix.",
    (
        _CONTEXT,
        Column("start", "string", "The starting mix (`uniform`, `rare <arm>`, `vs <type>`, ...)."),
        Column("population", "string", "`focal` (the arms) or `opponent` (the opponent types)."),
        Column("strategy", "string", "The arm or opponent type."),
        Column("share_start", "float64", "Its share at the start."),
        Column("share_final", "float64", "Its share after the tournament's generations."),
        Column("spreads", "bool", "On the treatment's row: whether its share grew (blank on the other rows)."),
        Column("support", "float64", "On the treatment's row: the share of bootstrap payoff matrices under which it spreads."),
    ),
    ("context", "start", "population", "strategy"),
    optional=("spreads",),
)  # fmt: skip

TOURNAMENT_FIXATION = Part(
    "tournament_fixation",
    "The Moran fixation probability of one treatment invader in a population of residents playing another arm, against one opponent mix.",
    (
        _CONTEXT,
        Column("resident", "string", "The arm the residents play."),
        Column("against", "string", "The opponent mix (`vs <type>` or `uniform`)."),
        Column("invader", "string", "The arm of the invader (the treatment)."),
        Column("population_size", "int64", "Population size N (neutral drift fixes with 1/N)."),
        Column("probability", "float64", "The fixation probability."),
    ),
    ("context", "resident", "against"),
)  # fmt: skip

PARTS: tuple[Part, ...] = (
    EFFECTS,
    SURVIVAL,
    MEDIATION,
    CHANNELS,
    MECHANISM,
    POWER,
    NULLS,
    ROBUSTNESS,
    CALIBRATION,
    TOURNAMENT_PAYOFF,
    TOURNAMENT_MIX,
    TOURNAMENT_FIXATION,
    GAME,
    EQUILIBRIA,
    REGRETS,
    OPTION,
)
"""Every part, in the order a summary lists them."""


def part(name: str) -> Part:
    """The declaration of the part ``name``."""
    for declared in PARTS:
        if declared.name == name:
            return declared
    raise KeyError(f"no summary part {name!r}; parts: {[p.name for p in PARTS]}")


def describe_parts(parts: Sequence[Part] = PARTS) -> str:
    """Every part's rows, keys and columns as Markdown (the documentation's reference)."""
    lines = []
    for p in parts:
        keys = ", ".join(f"`{k}`" for k in p.keys)
        lines += [f"## `{p.file}`", "", f"{p.rows} Keys: {keys}.", "", markdown_reference(p), ""]
    return "\n".join(lines)
