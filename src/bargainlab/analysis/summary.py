"""A run's ``summary.csv``, computed from its small tables (never from the rounds table).

:func:`summarize` reads the ``replicates`` table (and, when the run has them, the
``mediation`` table and a bounded sample of rounds for the calibration checks); the tables are
declared in :mod:`bargainlab.analysis.tables`, the statistics are in
:mod:`bargainlab.analysis.decisions` and :mod:`bargainlab.analysis.inference`. Everything is
deterministic: resamples are seeded from ``study.seed`` and the cell, so the same tables
always give the same bytes.

The summary table
-----------------
One row per result, sections in this order: ``effect``, ``survival``, ``mediation``,
``channel``, then ``tournament_*`` (when the study has a tournament) and ``calibration``
(when a rounds sample was given). A blank field means "not applicable to this section".

Key columns

* ``section`` -- ``effect``: the paired effect of a comparison on the focal party's payoff in
  one cell and outcome window (the headline family); ``survival``: the paired difference in
  survival of round 1 (its own family); ``mediation``: one transplanted piece's contribution
  (descriptive); ``channel``: one channel's contribution by switching it off (descriptive);
  ``tournament_*`` and ``calibration``: see below.
* ``cell`` -- sweep cell index; then one column per sweep axis (named by its dotted path).
* ``channels`` -- ``all`` (rows are about the all-channels model; ``channel`` rows compare
  it with the switched-off variants).
* ``comparison`` -- ``"<treatment> vs <control>"``; ``treatment``, ``control`` -- arm labels;
  ``party`` -- the focal party.
* ``window`` -- ``round1``, ``later`` (rounds 2..R), ``whole`` (1..R) or ``survivors``
  (rounds 2..R of the replicates whose relationship survived round 1 in both arms).
* ``component`` -- ``total`` on effect rows, ``survival`` on survival rows, the channel or
  ``all_off`` / ``interaction`` on channel rows, the transplanted piece or ``total`` /
  ``interaction`` on mediation rows.

Statistics (one paired studentised-bootstrap test per row)

* ``family`` -- ``effect``, ``survival`` or ``descriptive``; ``m`` -- rows in the family
  (1 for descriptive rows).
* ``n`` -- paired replicates (survivors: those that survived round 1 in both arms).
* ``payoff_treatment``, ``payoff_control`` -- each arm's mean payoff in the window (survival
  rows: the share that survived round 1).
* ``mean_diff`` -- mean paired difference treatment - control; ``sd_diff`` its standard
  deviation.
* ``ci_low``, ``ci_high`` -- the interval at level ``ci_level = 1 - alpha/m``: adjusted for the
  family (Bonferroni), unadjusted ``1 - alpha`` on descriptive rows.
* ``p_value`` -- the bootstrap-t p-value; ``p_adjusted`` -- ``min(1, m p)``. The interval
  excludes 0 exactly when ``p_adjusted < alpha``.
* ``sesoi`` -- the study's smallest effect of interest; ``verdict`` -- read off the interval:
  ``negligible`` (within ``(-sesoi, sesoi)``), else ``helps`` (above 0), ``hurts`` (below 0),
  else ``undetermined``. ``exact_zero`` -- every paired difference is exactly 0.
* ``mde`` -- the smallest effect decided with the study's power at this ``n``;
  ``n_needed`` -- replicates that would decide an effect of size ``sesoi``
  (:mod:`bargainlab.analysis.power`).

Per arm (effect rows; ``_treatment`` / ``_control``, over the row's replicates)

* ``agreement_*`` -- share of rounds 2..R that ended in agreement; ``survival_*`` -- share of
  relationships still active in round R; ``terms_*`` -- mean agreed terms over rounds 2..R
  (domain units); ``belief_error_*`` -- mean |opponent's posterior mean - the focal party's
  reservation value| in round R.

Pre-registered nulls (:mod:`bargainlab.analysis.nulls`)

* ``null_cell``, ``null_reason`` -- the row is a ``study.null_cells`` entry's (headline effect
  rows, and channel rows of a named channel); ``null_check`` -- ``exact zero`` (a wiring check),
  ``negligible``, ``fail`` or ``undetermined``.

Tournament rows (see :mod:`bargainlab.analysis.tournament_rows`): ``tournament_payoff`` (a
payoff-matrix entry: ``arm``, the opponent type in its axis column, ``party``, ``n``,
``value``, ``ci_low``, ``ci_high``), ``tournament_mix`` (``start``, ``population``,
``strategy``, ``share_start``, ``value`` = final share, ``spreads``, ``support``) and
``tournament_fixation`` (Moran fixation probability in ``value``).

Calibration rows (:mod:`bargainlab.analysis.calibration`): ``check``, ``source``,
``expected``, ``statistic``, ``status`` and ``sample`` (which rounds it was measured on); the
estimate is in ``mean_diff`` with ``ci_low``, ``ci_high`` and ``n``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..config.cells import SweepCells
from ..config.schema import StudySpec
from .calibration import direction_checks
from .decisions import STAT_COLUMNS, decide
from .effects import windows_for
from .nulls import NULL_COLUMNS, null_columns
from .tables import PIECES, WINDOWS, CellTables
from .tournament import TournamentSpec
from .tournament_rows import (
    TOURNAMENT_COLUMNS,
    study_tournament,
    tournament_results,
    tournament_rows,
)

__all__ = [
    "CALIBRATION_COLUMNS",
    "EFFECT_COLUMNS",
    "SECTIONS",
    "TOURNAMENT_COLUMNS",
    "columns_for",
    "headline_mask",
    "headline_window",
    "summarize",
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
    "window",
    "component",
    *STAT_COLUMNS,
    "agreement_treatment",
    "agreement_control",
    "survival_treatment",
    "survival_control",
    "terms_treatment",
    "terms_control",
    "belief_error_treatment",
    "belief_error_control",
    *NULL_COLUMNS,
]
"""Columns of every summary (the sweep axes follow ``cell``)."""

CALIBRATION_COLUMNS = ["check", "source", "expected", "statistic", "status", "sample"]
"""Calibration columns (the estimate is in ``mean_diff`` with ``ci_low``/``ci_high``, ``n``)."""

SECTIONS = [
    "effect",
    "survival",
    "mediation",
    "channel",
    "tournament_payoff",
    "tournament_mix",
    "tournament_fixation",
    "calibration",
]
"""The sections of a summary, in order."""

_COMPONENTS = ["total", "survival", *PIECES, "information", "surplus", "precedent"]


def columns_for(axes: Sequence[str], tournament: bool, calibration: bool) -> list[str]:
    """The summary's columns for a study with these axes and sections."""
    columns = [*EFFECT_COLUMNS[:2], *axes, *EFFECT_COLUMNS[2:]]
    return (
        columns
        + (TOURNAMENT_COLUMNS if tournament else [])
        + (CALIBRATION_COLUMNS if calibration else [])
    )


def headline_window(study: StudySpec, rounds: int) -> str:
    """The study's headline window in a cell of ``rounds`` rounds (``round1`` when the cell
    has no later rounds)."""
    window = study.analysis.headline
    return window if window in windows_for(rounds) else "round1"


def headline_mask(summary: pd.DataFrame, study: StudySpec) -> pd.Series:
    """The effect rows of each cell's headline window."""
    effect = summary["section"] == "effect"
    if not effect.any():
        return effect
    windows = summary[effect].groupby("cell")["window"].agg(set)
    wanted = {
        cell: (study.analysis.headline if study.analysis.headline in have else "round1")
        for cell, have in windows.items()
    }
    return effect & (summary["window"] == summary["cell"].map(wanted))


def _sample_note(rounds: pd.DataFrame) -> str:
    cells = sorted(int(c) for c in rounds["cell"].unique()) if "cell" in rounds else []
    reps = rounds["replicate"]
    return (
        f"cell(s) {', '.join(map(str, cells))}; {reps.nunique()} replicates "
        f"({int(reps.min())}..{int(reps.max())})"
    )


def _order(table: pd.DataFrame, study: StudySpec) -> pd.DataFrame:
    pairs = {f"{t} vs {c}": i for i, (t, c) in enumerate(study.arms.pairs())}
    head = study.analysis.headline
    windows = [head, *(w for w in WINDOWS if w != head)]
    rank = pd.DataFrame(
        {
            "_section": table["section"].map({s: i for i, s in enumerate(SECTIONS)}),
            "_window": table["window"].map({w: i for i, w in enumerate(windows)}).fillna(0),
            "_pair": table["comparison"].map(pairs).fillna(len(pairs)),
            "_component": table["component"]
            .map({c: i for i, c in enumerate(_COMPONENTS)})
            .fillna(len(_COMPONENTS)),
            "_cell": table["cell"].fillna(-1),
        },
        index=table.index,
    )
    rank.loc[table["section"] != "effect", "_window"] = 0
    keys = ["_section", "_window", "_cell", "_pair", "_component"]
    order = rank.sort_values(keys, kind="stable").index
    return table.loc[order].reset_index(drop=True)


def summarize(
    replicates: pd.DataFrame | CellTables,
    study: StudySpec,
    cells: SweepCells | None = None,
    *,
    mediation: pd.DataFrame | None = None,
    rounds_sample: pd.DataFrame | None = None,
    tournament: TournamentSpec | None = None,
) -> pd.DataFrame:
    """The study's ``summary.csv`` (columns documented in the module docstring).

    ``replicates`` and ``mediation`` are the tables of :mod:`bargainlab.analysis.tables`, or
    ``replicates`` serves both cell by cell (:class:`~bargainlab.analysis.tables.CellTables`:
    a run folder does, so that only one cell's rows are held at once; a tournament still reads
    its whole table); ``rounds_sample`` -- a bounded sample of the rounds table (e.g. the first chunk of every
    cell) -- adds the calibration rows, which need per-round joins; ``tournament`` overrides
    ``study.tournament``.
    """
    cells = cells if cells is not None else SweepCells.of_study(study)
    axes = cells.paths
    if isinstance(replicates, pd.DataFrame) and replicates.empty:
        raise ValueError("the replicates table is empty")
    table = decide(replicates, study, mediation=mediation)
    parts = []
    if not table.empty:
        table["comparison"] = table["treatment"] + " vs " + table["control"]
        table["party"] = study.arms.party
        table = _order(table, study)
        table = pd.concat(
            [table, null_columns(table, study, cells, headline_mask(table, study))], axis=1
        )
        parts.append(cells.attach(table))
    spec = tournament if tournament is not None else study_tournament(study)
    if spec is not None:
        whole = replicates if isinstance(replicates, pd.DataFrame) else replicates.table
        results = tournament_results(cells.attach(whole), study, axes, spec)
        parts.append(tournament_rows(results, study, spec))
    if rounds_sample is not None and not rounds_sample.empty:
        checks = direction_checks(cells.attach(rounds_sample), study, seed=study.seed)
        checks = checks.rename(columns={"estimate": "mean_diff"})
        parts.append(checks.assign(section="calibration", sample=_sample_note(rounds_sample)))
    columns = columns_for(
        axes, spec is not None, rounds_sample is not None and not rounds_sample.empty
    )
    out = pd.concat([p for p in parts if not p.empty], ignore_index=True).reindex(columns=columns)
    for column in ("cell", "n", "m", "n_needed"):
        values = out[column]
        out[column] = values.astype(np.int64) if values.notna().all() else values.astype("Int64")
    for column in ("exact_zero", "null_cell"):
        if out[column].notna().all():
            out[column] = out[column].astype(bool)
    return out.reset_index(drop=True)
