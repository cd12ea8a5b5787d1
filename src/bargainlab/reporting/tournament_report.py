"""The *Evolutionary tournament* section of a report (see
:mod:`bargainlab.analysis.tournament`), from the summary's ``tournament_payoff``,
``tournament_mix`` and ``tournament_fixation`` parts."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..analysis.summary import Summary
from ..config.cells import SweepCells
from ..config.schema import StudySpec
from .text import describe_cell, fmt, markdown_table

__all__ = ["tournament_section"]


def _opponent_axis(payoff: pd.DataFrame, cells: SweepCells, study: StudySpec) -> str:
    """The tournament's opponent axis: the study's, else the axis on which the cells of one
    tournament differ (the others define the tournament)."""
    if study.tournament is not None:
        return study.tournament.opponent_axis
    members = payoff[["context", "cell"]].drop_duplicates().merge(cells.flat(), on="cell")
    varying = [a for a in cells.paths if members.groupby("context")[a].nunique().max() > 1]
    return varying[0] if varying else cells.paths[0]


def _contexts(payoff: pd.DataFrame, cells: SweepCells, opponent: str) -> dict[int, dict[str, Any]]:
    """Per tournament, its values on the other axes (those of its first cell)."""
    first = payoff.drop_duplicates("context")
    others = [a for a in cells.paths if a != opponent]
    return {
        int(context): {a: cells.value(int(cell), a) for a in others}
        for context, cell in zip(first["context"], first["cell"], strict=True)
    }


def _start_phrase(label: str) -> str:
    """``vs naive`` -> "against an all-naive opponent population", and so on."""
    if label == "uniform":
        return "from a uniform mix"
    if label.startswith("vs "):
        return f"against an all-{label[3:]} opponent population (starting rare)"
    if label.startswith("rare opponent "):
        return f"with {label.removeprefix('rare opponent ')} rare among opponents"
    if label.startswith("rare "):
        return f"with {label.removeprefix('rare ')} rare"
    return label


def _matrices(
    payoff: pd.DataFrame, study: StudySpec, cells: SweepCells, opponent: str, where: dict
) -> list[str]:
    """The payoff matrices A (the focal party's) and B of every tournament, with intervals:
    one line per focal arm, one column per opponent type."""
    focal = study.arms.party
    lines: list[str] = []
    for context, block in payoff.groupby("context", sort=False):
        place = describe_cell(where[int(context)], study)
        columns = list(dict.fromkeys(block["cell"]))
        for party, rows in block.groupby("party", sort=False):
            matrix = "A" if party == focal else "B"
            lines += [
                "",
                f"{matrix}: the {party}'s mean total utility [95% CI]"
                + (f", {place}" if place else "")
                + f" (rows: {focal} arm; columns: {opponent}):",
                "",
            ]
            table = []
            for arm, per_arm in rows.groupby("arm", sort=False):
                entry = per_arm.set_index("cell")
                table.append(
                    [
                        arm,
                        *(
                            f"{fmt(entry.loc[c, 'mean'])} [{fmt(entry.loc[c, 'ci_low'])}, "
                            f"{fmt(entry.loc[c, 'ci_high'])}]"
                            for c in columns
                        ),
                    ]
                )
            header = ["arm", *(cells.text(c, opponent) for c in columns)]
            lines += markdown_table(header, table)
    return lines


def _final_mixes(mix: pd.DataFrame, study: StudySpec) -> list[str]:
    """Per starting mix, the treatment's share, whether it spreads and the largest strategy
    of each population at the end."""
    treatment = next(iter(study.arms.strategies))
    rows = []
    for (start,), block in mix.groupby(["start"], sort=False):
        own = block[(block["population"] == "focal") & (block["strategy"] == treatment)].iloc[0]
        ranked = block.sort_values("share_final", ascending=False, kind="stable")
        focal_final = ranked[ranked["population"] == "focal"].iloc[0]
        opp_final = ranked[ranked["population"] == "opponent"].iloc[0]
        rows.append(
            [
                start,
                f"{fmt(own['share_start'])} → {fmt(own['share_final'])}",
                "yes" if own["spreads"] else "no",
                fmt(own["support"]),
                f"{focal_final['strategy']} ({fmt(focal_final['share_final'])})",
                f"{opp_final['strategy']} ({fmt(opp_final['share_final'])})",
            ]
        )
    header = ["start", f"{treatment} share", "spreads", "support",
              f"largest {study.arms.party} arm", "largest opponent type"]  # fmt: skip
    return [
        "",
        f"Final mixes (share of {treatment}; support = share of bootstrap payoff matrices under which it spreads):",
        "",
        *markdown_table(header, rows),
    ]


def _fixation(fix: pd.DataFrame, study: StudySpec) -> list[str]:
    """The Moran fixation probability of one treatment invader among each arm's residents."""
    if fix.empty:
        return []
    treatment = next(iter(study.arms.strategies))
    n = int(fix["population_size"].iloc[0])
    table = [[r["resident"], r["against"], fmt(r["probability"])] for r in fix.to_dict("records")]
    return [
        "",
        f"Moran fixation probability of one {treatment} invader among {n} residents "
        f"(neutral drift: 1/{n} = {fmt(1 / n)}; Nowak 2006):",
        "",
        *markdown_table(["resident", "against", "fixation probability"], table),
    ]


def _spreading(mix: pd.DataFrame, study: StudySpec, where: dict) -> list[str]:
    """Where the treatment spreads and where it does not, in words."""
    treatment = next(iter(study.arms.strategies))
    own = mix[(mix["population"] == "focal") & (mix["strategy"] == treatment)]

    def starts(frame: pd.DataFrame) -> str:
        """The starting mixes of ``frame`` in words, with their shares and support."""
        return "; ".join(
            _start_phrase(r["start"])
            + (f" ({describe_cell(where[r['context']], study)})" if where[r["context"]] else "")
            + f" ({fmt(r['share_start'])} → {fmt(r['share_final'])}, support {fmt(r['support'])})"
            for r in frame.to_dict("records")
        )

    spreads = own["spreads"].astype(bool)  # every treatment row says whether it spreads
    lines = [""]
    if spreads.any():
        lines.append(f"In the tournament, {treatment} spreads {starts(own[spreads])}.")
    if not spreads.all():
        lines.append(f"It does not spread {starts(own[~spreads])}.")
    return lines


def tournament_section(summary: Summary, study: StudySpec, cells: SweepCells) -> list[str]:
    """The tournament: payoff matrices, final mixes, fixation probabilities and where the
    treatment spreads."""
    payoff = summary.tournament_payoff
    opponent = _opponent_axis(payoff, cells, study)
    where = _contexts(payoff, cells, opponent)
    lines = [
        "## Evolutionary tournament",
        "",
        f"Two populations: the {study.arms.party}'s arms against the values of one sweep axis. "
        "Payoff = mean total utility over all rounds of a relationship (95% percentile bootstrap "
        "CI); discrete-time two-population replicator dynamics from each starting mix.",
        "",
    ]
    lines += _matrices(payoff, study, cells, opponent, where)
    lines += _final_mixes(summary.tournament_mix, study)
    lines += _fixation(summary.tournament_fixation, study)
    return [*lines, *_spreading(summary.tournament_mix, study, where), ""]
