"""A run's ``summary.csv``, ``figures/`` and ``report.md``, computed from its rounds table.

The run pipeline calls three functions: :func:`summarize` (the summary table),
:func:`figures` (PNG + SVG files) and :func:`report` (the Markdown text, built in
:mod:`bargainlab.reporting.report` from the summary's numbers). Statistics come from
:mod:`bargainlab.analysis.effects` (paired bootstrap intervals, Wilcoxon, Holm, channel
decomposition) and figures from :mod:`bargainlab.reporting.plots`; the tournament from
:mod:`bargainlab.analysis.tournament`. Everything is deterministic: bootstraps are seeded from
``study.seed`` and the row's key, so the same rounds table always gives the same bytes.

The summary table
-----------------
One row per result, in this order: ``effect`` rows, then ``channel`` rows (when the study
decomposes), then ``tournament_*`` rows (when it has a tournament). A blank field means
"not applicable to this section" (or, for ``terms_*``, no agreement to average).

Key columns

* ``section`` -- ``effect``: the paired effect of a comparison in one cell and channels
  variant; ``channel``: one channel's contribution to the all-channels effect;
  ``tournament_payoff`` / ``tournament_mix`` / ``tournament_fixation``: see below.
* ``cell`` -- sweep cell index; then one column per sweep axis (named by its dotted path).
* ``channels`` -- channels variant: ``all`` or ``no_<channel>`` (that channel switched off).
* ``comparison`` -- ``"<treatment> vs <control>"``; ``treatment``, ``control`` -- arm labels.
* ``party`` -- the focal party (whose payoff is compared).
* ``component`` -- ``total`` on effect rows; the channel (``information``, ``surplus``,
  ``precedent``, ``subjective_value``, and ``all_off`` / ``interaction`` when present) on
  channel rows.
* ``payoff_rounds`` -- rounds averaged in the payoff: ``"2-R"`` (later rounds), or ``"1"``
  in a one-round cell (there are no later rounds).

Statistics (effect and channel rows; see :mod:`bargainlab.analysis`)

* ``n`` -- paired replicates.
* ``payoff_treatment``, ``payoff_control`` -- mean later-round payoff of each arm: per
  replicate the mean utility over ``payoff_rounds`` (the outside option after the
  relationship ended), averaged over replicates.
* ``mean_diff`` -- mean paired difference treatment - control of that payoff (channel rows:
  of the contribution); ``ci_low``, ``ci_high`` -- 95% bootstrap interval (BCa).
* ``p_value`` -- Wilcoxon signed-rank; ``p_holm`` -- Holm-corrected within the family: all
  effect rows of the same channels variant (every comparison x cell), resp. all channel
  rows. ``effect_size`` -- Cohen's d_z. ``verdict`` -- ``helps`` / ``hurts`` when the 95%
  interval lies wholly above / below 0 *and* the Holm-adjusted Wilcoxon p is below 0.05, so a
  claim survives the multiplicity of the sweep; ``no effect`` otherwise.

Per arm (effect rows; ``_treatment`` and ``_control`` suffixes)

* ``agreement_*`` -- share of (replicate, round) pairs in ``payoff_rounds`` that ended in
  agreement; rounds after the relationship ended count as no agreement.
* ``survival_*`` -- share of relationships still active in the last round.
* ``terms_*`` -- mean agreed terms over agreed rounds in ``payoff_rounds``, in domain units
  (blank when there was none).
* ``belief_error_*`` -- mean over replicates of ``|belief_mean - reservation_value|`` in the
  last round: the opponent's posterior mean about the focal party's reservation value
  against its true value (utility units).

Pre-registered nulls (effect rows)

* ``null_cell`` -- whether the row matches a ``study.null_cells`` entry: every ``where``
  path equals the cell's value of that sweep axis (or the study's own value when the path
  is not swept), and ``comparison``, when given, is this row's (treatment, control).
* ``null_reason`` -- the matching entries' reasons joined by ``"; "`` (blank otherwise).

Calibration rows (``section == "calibration"``; see :mod:`bargainlab.analysis.calibration`)

* ``check``, ``source``, ``expected`` (the human direction), ``statistic`` (what was
  measured), ``status`` (reproduced / not reproduced / by construction / not observable /
  not modelled); the estimate is in ``mean_diff`` with ``ci_low``, ``ci_high`` and ``n``.

Tournament rows (only when the study has a ``[tournament]`` section; one tournament per
combination of the sweep axes other than ``opponent_axis``, whose values fill the axis
columns; see :mod:`bargainlab.analysis.tournament`)

* ``tournament_payoff`` -- one payoff-matrix entry: ``arm`` (focal arm) x the opponent type
  in its axis column (and ``cell``); ``party`` -- whose payoff (focal party = matrix A, the
  opponent = B); ``n``; ``value`` -- mean total utility over all rounds; ``ci_low``,
  ``ci_high`` -- percentile bootstrap interval.
* ``tournament_mix`` -- ``start`` (starting mix), ``population`` (``focal``/``opponent``),
  ``strategy``, ``share_start``, ``value`` -- final share after the replicator dynamics;
  on the treatment's row ``spreads`` (final > starting share) and ``support`` (share of
  bootstrap payoff matrices under which it spreads).
* ``tournament_fixation`` -- Moran fixation probability (``value``) of one ``treatment``
  invader in a population of ``n`` ``control`` residents, against the opponent mix ``start``
  (``vs <type>`` or ``uniform``); neutral drift gives ``1/n``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..config.paths import lookup, same_value
from ..config.schema import StudySpec
from ..relationships.channels import CHANNELS
from .calibration import direction_checks
from .effects import (
    channel_decomposition,
    holm,
    later_round_payoff,
    paired_effects,
)
from .tournament import TournamentResult, TournamentSpec, tournaments

__all__ = [
    "EFFECT_COLUMNS",
    "MAX_PANELS",
    "TOURNAMENT_COLUMNS",
    "as_bool",
    "canonical",
    "cell_values",
    "effects_table",
    "focal_and_opponent",
    "last_rounds",
    "null_matches",
    "payoff_groups",
    "study_tournament",
    "summarize",
    "tournament_results",
]

EFFECT_COLUMNS = [
    "section",
    "cell",
    # sweep axes go here
    "channels",
    "comparison",
    "treatment",
    "control",
    "party",
    "component",
    "payoff_rounds",
    "n",
    "payoff_treatment",
    "payoff_control",
    "mean_diff",
    "ci_low",
    "ci_high",
    "p_value",
    "p_holm",
    "effect_size",
    "verdict",
    "agreement_treatment",
    "agreement_control",
    "survival_treatment",
    "survival_control",
    "terms_treatment",
    "terms_control",
    "belief_error_treatment",
    "belief_error_control",
    "null_cell",
    "null_reason",
]
"""Columns of every summary (the sweep axes follow ``cell``)."""

TOURNAMENT_COLUMNS = [
    "arm",
    "start",
    "population",
    "strategy",
    "share_start",
    "value",
    "spreads",
    "support",
]
"""Columns appended when the study has a tournament."""

MAX_PANELS = 8
"""At most this many small multiples per figure (further sweep values are left out)."""

MAX_HEATMAP_PANELS = 12
"""At most this many heatmaps (combinations of the other axes) per heatmap figure."""

N_RESAMPLES = 9999
"""Bootstrap resamples per interval (the default of :mod:`bargainlab.analysis`)."""
ALPHA = 0.05
"""Family-wise error rate of the Holm-adjusted verdicts."""


def adjusted_verdicts(table: pd.DataFrame, alpha: float = ALPHA) -> pd.Series:
    """``helps``/``hurts`` where the interval excludes 0 in that direction and the
    Holm-adjusted p-value is below ``alpha``; ``no effect`` elsewhere."""
    significant = table["p_holm"].to_numpy(dtype=float) < alpha
    helps = significant & (table["ci_low"].to_numpy(dtype=float) > 0)
    hurts = significant & (table["ci_high"].to_numpy(dtype=float) < 0)
    return pd.Series(
        np.where(helps, "helps", np.where(hurts, "hurts", "no effect")), index=table.index
    )


_SECTIONS = [
    "effect",
    "channel",
    "tournament_payoff",
    "tournament_mix",
    "tournament_fixation",
    "calibration",
]

CALIBRATION_COLUMNS = ["check", "source", "expected", "statistic", "status"]
"""Calibration rows (see :mod:`bargainlab.analysis.calibration`): the estimate is in ``mean_diff``
with ``ci_low``/``ci_high`` and ``n``."""


# --------------------------------------------------------------------------- helpers


def study_tournament(study: StudySpec) -> TournamentSpec | None:
    """``study.tournament`` (None when the schema or the study has none)."""
    spec = getattr(study, "tournament", None)
    if spec is not None and not isinstance(spec, TournamentSpec):
        spec = TournamentSpec.model_validate(
            spec.model_dump() if hasattr(spec, "model_dump") else spec
        )
    return spec


_ORDER = ["cell", "channels", "arm", "replicate", "round", "party"]


def as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return False if pd.isna(value) else bool(value)


def canonical(rounds: pd.DataFrame) -> pd.DataFrame:
    """The rounds table in a fixed row order, so that sums (hence the last bits of every
    number) do not depend on how the table was assembled."""
    keys = [k for k in _ORDER if k in rounds.columns]
    return rounds.sort_values(keys, kind="stable").reset_index(drop=True)


def focal_and_opponent(study: StudySpec) -> tuple[str, str]:
    focal = study.arms.party
    opponent = next(p for p in study.parties if p != focal)
    return focal, opponent


def last_rounds(rounds: pd.DataFrame) -> pd.Series:
    """Last round of every cell (cells may differ when ``rounds.count`` is swept)."""
    return rounds.groupby("cell", sort=True)["round"].max()


def cell_values(rounds: pd.DataFrame, axes: Sequence[str]) -> pd.DataFrame:
    return (
        rounds[["cell", *axes]]
        .drop_duplicates("cell")
        .sort_values("cell", kind="stable")
        .reset_index(drop=True)
    )


def null_matches(
    study: StudySpec,
    cell_values: dict[str, Any],
    comparison: tuple[str, str],
    channel: str | None = None,
) -> list[str]:
    """Reasons of the ``study.null_cells`` entries that match one cell, comparison and
    channel (``None``: the total effect; else a component of the decomposition).

    A ``where`` path that is a sweep axis is compared with the cell's value; any other path
    with the study's own value (so ``{"rounds.count" = 1}`` matches a one-round study).
    """
    dumped: dict[str, Any] | None = None
    reasons = []
    for null in study.null_cells:
        if null.comparison is not None and tuple(null.comparison) != tuple(comparison):
            continue
        if getattr(null, "channel", None) != channel:
            continue
        ok = True
        for path, wanted in null.where.items():
            if path in cell_values:
                actual = cell_values[path]
            else:
                dumped = dumped if dumped is not None else study.model_dump(mode="json")
                actual = lookup(dumped, path)
            if not same_value(actual, wanted):
                ok = False
                break
        if ok:
            reasons.append(null.reason)
    return reasons


def _flag_nulls(
    table: pd.DataFrame,
    study: StudySpec,
    axes: Sequence[str],
    cell_values: pd.DataFrame,
    applies: pd.Series,
    channel_of: pd.Series,
) -> pd.DataFrame:
    """Add ``null_cell`` and ``null_reason`` to rows of an effect or channel table."""
    by_cell = cell_values.set_index("cell")
    flags, texts = [], []
    for row, ok, channel in zip(table.to_dict("records"), applies, channel_of, strict=True):
        reasons: list[str] = []
        if ok:
            values = {a: by_cell.loc[row["cell"], a] for a in axes}
            reasons = null_matches(study, values, (row["treatment"], row["control"]), channel)
        flags.append(bool(reasons))
        texts.append("; ".join(reasons))
    return table.assign(null_cell=flags, null_reason=texts)


def payoff_groups(rounds: pd.DataFrame) -> list[tuple[int, str, pd.DataFrame]]:
    """Split the table by payoff window: ``(first_round, label, rows)`` for multi-round
    cells (rounds 2..R) and one-round cells (round 1)."""
    last = last_rounds(rounds)
    groups = []
    multi = last[last >= 2]
    if len(multi):
        ends = sorted(set(multi.tolist()))
        label = f"2-{ends[0]}" if len(ends) == 1 else "2-R"
        groups.append((2, label, rounds[rounds["cell"].isin(multi.index)]))
    single = last[last < 2]
    if len(single):
        groups.append((1, "1", rounds[rounds["cell"].isin(single.index)]))
    return groups


def _arm_descriptors(
    rounds: pd.DataFrame, focal: str, opponent: str, first_round: int, axes: Sequence[str]
) -> pd.DataFrame:
    """Per (cell, channels, arm): payoff, agreement, survival, terms, belief error."""
    keys = ["cell", "channels", "arm"]
    payoff = later_round_payoff(rounds, focal, first_round, axes=axes)
    out = payoff.groupby(keys, sort=True)["value"].mean().rename("payoff").to_frame()
    own = rounds[rounds["party"] == focal]
    late = own[own["round"] >= first_round]
    out["agreement"] = late.groupby(keys, sort=True)["agreed"].mean()
    agreed = late[late["agreed"].astype(bool)]
    out["terms"] = agreed.groupby(keys, sort=True)["terms"].mean()
    last = own["round"] == own["cell"].map(last_rounds(rounds))
    final = own[last]
    out["survival"] = final.groupby(keys, sort=True)["active"].mean()
    belief = rounds[(rounds["party"] == opponent)]
    belief = belief[belief["round"] == belief["cell"].map(last_rounds(rounds))]
    pair = final[[*keys, "replicate", "reservation_value"]].merge(
        belief[[*keys, "replicate", "belief_mean"]], on=[*keys, "replicate"], how="inner"
    )
    pair["error"] = (pair["belief_mean"] - pair["reservation_value"]).abs()
    out["belief_error"] = pair.groupby(keys, sort=True)["error"].mean()
    return out.reset_index()


def effects_table(
    rounds: pd.DataFrame,
    study: StudySpec,
    axes: Sequence[str],
    *,
    n_resamples: int = N_RESAMPLES,
) -> pd.DataFrame:
    """The ``effect`` rows of the summary (every comparison x cell x channels variant)."""
    axes = list(axes)
    focal, opponent = focal_and_opponent(study)
    pairs = study.arms.pairs()
    if not pairs:
        return pd.DataFrame(columns=[*EFFECT_COLUMNS[:2], *axes, *EFFECT_COLUMNS[2:]])
    values = cell_values(rounds, axes)
    frames = []
    for first_round, label, rows in payoff_groups(rounds):
        arms = _arm_descriptors(rows, focal, opponent, first_round, axes).set_index(
            ["cell", "channels", "arm"]
        )
        for rank, (treatment, control) in enumerate(pairs):
            eff = paired_effects(
                rows,
                focal,
                treatment,
                control,
                axes=axes,
                first_round=first_round,
                n_resamples=n_resamples,
                seed=study.seed,
            )
            eff = eff.assign(
                section="effect",
                comparison=f"{treatment} vs {control}",
                treatment=treatment,
                control=control,
                party=focal,
                component="total",
                payoff_rounds=label,
                _rank=rank,
            )
            for suffix, arm in (("treatment", treatment), ("control", control)):
                index = pd.MultiIndex.from_arrays([eff["cell"], eff["channels"], [arm] * len(eff)])
                described = arms.reindex(index)
                eff[f"payoff_{suffix}"] = described["payoff"].to_numpy()
                for metric in ("agreement", "survival", "terms", "belief_error"):
                    eff[f"{metric}_{suffix}"] = described[metric].to_numpy()
            frames.append(eff)
    table = pd.concat(frames, ignore_index=True)
    table = _flag_nulls(
        table,
        study,
        axes,
        values,
        table["channels"] == "all",
        pd.Series([None] * len(table)),
    )
    table["_channel_rank"] = (table["channels"] != "all").astype(int)
    table = table.sort_values(
        ["cell", "_channel_rank", "channels", "_rank"], kind="stable"
    ).reset_index(drop=True)
    for _, idx in table.groupby("channels", sort=True).groups.items():
        table.loc[idx, "p_holm"] = holm(table.loc[idx, "p_value"].to_numpy(dtype=float))
    table["verdict"] = adjusted_verdicts(table)
    table["n"] = table["n"].astype(np.int64)
    return table[[*EFFECT_COLUMNS[:2], *axes, *EFFECT_COLUMNS[2:]]]


def _channel_rows(
    rounds: pd.DataFrame, study: StudySpec, axes: Sequence[str], n_resamples: int
) -> pd.DataFrame | None:
    if not study.channels.decompose or set(rounds["channels"].unique()) == {"all"}:
        return None
    focal, _ = focal_and_opponent(study)
    frames = []
    for first_round, label, rows in payoff_groups(rounds):
        for rank, (treatment, control) in enumerate(study.arms.pairs()):
            dec = channel_decomposition(
                rows,
                focal,
                treatment,
                control,
                axes=axes,
                first_round=first_round,
                n_resamples=n_resamples,
                seed=study.seed,
            )
            dec = dec[dec["component"] != "total"].assign(
                section="channel",
                channels="all",
                comparison=f"{treatment} vs {control}",
                treatment=treatment,
                control=control,
                party=focal,
                payoff_rounds=label,
                _rank=rank,
            )
            frames.append(dec)
    if not frames:
        return None
    table = pd.concat(frames, ignore_index=True)
    table = table.sort_values(["cell", "_rank"], kind="stable").reset_index(drop=True)
    table["p_holm"] = holm(table["p_value"].to_numpy(dtype=float))
    table["verdict"] = adjusted_verdicts(table)
    real = table["component"].isin(CHANNELS)
    return _flag_nulls(
        table,
        study,
        axes,
        cell_values(rounds, axes),
        real,
        table["component"].where(real, None),
    )


def tournament_results(
    rounds: pd.DataFrame,
    study: StudySpec,
    axes: Sequence[str],
    spec: TournamentSpec | None = None,
) -> list[TournamentResult]:
    """The study's tournaments (one per context), or ``[]`` without a tournament."""
    spec = spec if spec is not None else study_tournament(study)
    if spec is None:
        return []
    focal, opponent = focal_and_opponent(study)
    return tournaments(
        rounds,
        focal=focal,
        opponent=opponent,
        arms=list(study.arms.strategies),
        axes=axes,
        spec=spec,
        seed=study.seed,
    )


def _tournament_rows(
    results: list[TournamentResult], study: StudySpec, axes: Sequence[str], spec: TournamentSpec
) -> pd.DataFrame:
    focal, opponent = focal_and_opponent(study)
    treatment = next(iter(study.arms.strategies))
    rows: list[dict[str, Any]] = []
    for res in results:
        context = res.matrices.context
        for p in res.payoffs.to_dict("records"):
            rows.append(
                {
                    "section": "tournament_payoff",
                    "cell": p["cell"],
                    **context,
                    spec.opponent_axis: p["opponent"],
                    "channels": "all",
                    "party": focal if p["party"] == "focal" else opponent,
                    "arm": p["arm"],
                    "n": p["n"],
                    "value": p["mean"],
                    "ci_low": p["ci_low"],
                    "ci_high": p["ci_high"],
                }
            )
        for mix in res.mixes.to_dict("records"):
            rows.append(
                {
                    "section": "tournament_mix",
                    **context,
                    "channels": "all",
                    "start": mix["start"],
                    "population": mix["population"],
                    "strategy": mix["strategy"],
                    "share_start": mix["share_start"],
                    "value": mix["share_final"],
                    "spreads": mix["spreads"],
                    "support": mix["support"],
                }
            )
        for fix in res.fixation.to_dict("records"):
            rows.append(
                {
                    "section": "tournament_fixation",
                    **context,
                    "channels": "all",
                    "treatment": fix["invader"],
                    "control": fix["resident"],
                    "comparison": f"{treatment} vs {fix['resident']}",
                    "party": focal,
                    "start": fix["against"],
                    "n": fix["population_size"],
                    "value": fix["probability"],
                }
            )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- summary


def summarize(
    rounds: pd.DataFrame,
    study: StudySpec,
    axes: list[str],
    *,
    tournament: TournamentSpec | None = None,
    n_resamples: int = N_RESAMPLES,
) -> pd.DataFrame:
    """The study's ``summary.csv`` (columns documented in the module docstring).

    ``tournament`` overrides ``study.tournament`` (until the schema has that field).
    """
    axes = list(axes)
    if rounds.empty:
        raise ValueError("the rounds table is empty")
    rounds = canonical(rounds)
    table = effects_table(rounds, study, axes, n_resamples=n_resamples)
    parts = [table]
    channel = _channel_rows(rounds, study, axes, n_resamples)
    if channel is not None:
        parts.append(channel)
    spec = tournament if tournament is not None else study_tournament(study)
    columns = [*EFFECT_COLUMNS[:2], *axes, *EFFECT_COLUMNS[2:]]
    if spec is not None:
        results = tournament_results(rounds, study, axes, spec)
        parts.append(_tournament_rows(results, study, axes, spec))
        columns += TOURNAMENT_COLUMNS
    checks = direction_checks(rounds, study, seed=study.seed)
    parts.append(checks.rename(columns={"estimate": "mean_diff"}).assign(section="calibration"))
    columns += CALIBRATION_COLUMNS
    out = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    out = out.reindex(columns=columns)
    out["_section"] = out["section"].map({s: i for i, s in enumerate(_SECTIONS)})
    out = out.sort_values("_section", kind="stable").drop(columns="_section")
    for column in ("cell", "n"):
        if out[column].notna().all():
            out[column] = out[column].astype(np.int64)
        else:
            out[column] = out[column].astype("Int64")
    if out["null_cell"].notna().all():
        out["null_cell"] = out["null_cell"].astype(bool)
    return out.reset_index(drop=True)
