"""The tournament's rows of ``summary.csv`` (see :mod:`bargainlab.analysis.summary`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..config.schema import StudySpec
from .tournament import TournamentResult, TournamentSpec, tournaments

__all__ = ["TOURNAMENT_COLUMNS", "study_tournament", "tournament_results", "tournament_rows"]

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
"""Columns appended to the summary when the study has a tournament."""


def study_tournament(study: StudySpec) -> TournamentSpec | None:
    """``study.tournament`` (None when the study has none)."""
    return getattr(study, "tournament", None)


def tournament_results(
    replicates: pd.DataFrame,
    study: StudySpec,
    axes: Sequence[str],
    spec: TournamentSpec | None = None,
) -> list[TournamentResult]:
    """The study's tournaments (one per context) from its ``replicates`` table, or ``[]``."""
    spec = spec if spec is not None else study_tournament(study)
    if spec is None:
        return []
    return tournaments(
        replicates,
        arms=list(study.arms.strategies),
        axes=axes,
        spec=spec,
        seed=study.seed,
    )


def tournament_rows(
    results: list[TournamentResult], study: StudySpec, spec: TournamentSpec
) -> pd.DataFrame:
    """``tournament_payoff``, ``tournament_mix`` and ``tournament_fixation`` rows."""
    focal = study.arms.party
    opponent = next(p for p in study.parties if p != focal)
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
