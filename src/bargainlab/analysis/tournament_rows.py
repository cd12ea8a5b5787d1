"""The tournament's parts of the summary: ``tournament_payoff``, ``tournament_mix`` and
``tournament_fixation`` (declared in :mod:`bargainlab.analysis.parts`)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..config.cells import SweepCells
from ..config.schema import StudySpec
from .parts import TOURNAMENT_FIXATION, TOURNAMENT_MIX, TOURNAMENT_PAYOFF, PartName
from .tournament import TournamentResult, TournamentSpec, tournaments

__all__ = ["study_tournament", "tournament_parts", "tournament_results"]


def study_tournament(study: StudySpec) -> TournamentSpec | None:
    """``study.tournament`` (None when the study has none)."""
    return getattr(study, "tournament", None)


def tournament_results(
    replicates: pd.DataFrame,
    study: StudySpec,
    cells: SweepCells,
    spec: TournamentSpec | None = None,
) -> list[TournamentResult]:
    """The study's tournaments (one per context, in cell order) from its ``replicates``
    table, or ``[]``. The tournament groups cells by their values on the sweep axes, which
    it reads from ``cells`` (a struct axis as the text of its values)."""
    spec = spec if spec is not None else study_tournament(study)
    if spec is None:
        return []
    return tournaments(
        cells.attach(replicates),
        arms=list(study.arms.strategies),
        axes=cells.paths,
        spec=spec,
        seed=study.seed,
    )


def _payoffs(results: Sequence[TournamentResult], study: StudySpec) -> pd.DataFrame:
    """The payoff-matrix entries of every context."""
    focal = study.arms.party
    opponent = next(p for p in study.parties if p != focal)
    frames = [
        res.payoffs.assign(
            context=k, party=res.payoffs["party"].map({"focal": focal, "opponent": opponent})
        )
        for k, res in enumerate(results)
    ]
    table = pd.concat(frames, ignore_index=True) if frames else TOURNAMENT_PAYOFF.empty()
    return TOURNAMENT_PAYOFF.check(table)


def _mixes(results: Sequence[TournamentResult]) -> pd.DataFrame:
    """The starting and final shares of every context's starting mixes."""
    frames = [res.mixes.assign(context=k) for k, res in enumerate(results)]
    table = pd.concat(frames, ignore_index=True) if frames else TOURNAMENT_MIX.empty()
    return TOURNAMENT_MIX.check(table)


def _fixation(results: Sequence[TournamentResult]) -> pd.DataFrame:
    """The fixation probabilities of every context."""
    frames = [res.fixation.assign(context=k) for k, res in enumerate(results)]
    table = pd.concat(frames, ignore_index=True) if frames else TOURNAMENT_FIXATION.empty()
    return TOURNAMENT_FIXATION.check(table)


def tournament_parts(
    results: Sequence[TournamentResult], study: StudySpec
) -> dict[PartName, pd.DataFrame]:
    """The three tournament parts of the summary from the study's tournaments."""
    return {
        "tournament_payoff": _payoffs(results, study),
        "tournament_mix": _mixes(results),
        "tournament_fixation": _fixation(results),
    }
