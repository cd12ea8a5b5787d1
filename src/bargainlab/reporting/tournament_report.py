"""The *Evolutionary tournament* section of a report (see
:mod:`bargainlab.analysis.tournament`)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..config.cells import SweepCells
from ..config.schema import StudySpec
from .text import as_bool, describe_cell, fmt, markdown_table, value_text

__all__ = ["tournament_section"]


def _opponent_axis(payoff: pd.DataFrame, axes: Sequence[str]) -> str:
    """The axis that varies within one context of the payoff rows (the opponent axis)."""
    for axis in axes:
        if payoff[axis].nunique(dropna=False) > 1 or len(axes) == 1:
            others = [a for a in axes if a != axis]
            if not others or payoff.groupby(others, dropna=False)[axis].nunique().max() > 1:
                return axis
    return axes[0]


def _start_phrase(label: str, study: StudySpec) -> str:
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


def tournament_section(summary: pd.DataFrame, study: StudySpec, cells: SweepCells) -> list[str]:
    payoff = summary[summary["section"] == "tournament_payoff"]
    mix = summary[summary["section"] == "tournament_mix"]
    fix = summary[summary["section"] == "tournament_fixation"]
    focal = study.arms.party
    axes = cells.paths
    lines = [
        "## Evolutionary tournament",
        "",
        f"Two populations: the {focal}'s arms against the values of one sweep axis. Payoff = "
        "mean total utility over all rounds of a relationship (95% percentile bootstrap CI); "
        "discrete-time two-population replicator dynamics from each starting mix.",
        "",
    ]
    opponent_axis = _opponent_axis(payoff, axes)
    context_axes = [a for a in axes if a != opponent_axis]
    groups = (
        payoff.groupby(context_axes, sort=False, dropna=False) if context_axes else [((), payoff)]
    )
    for key, block in groups:
        context = dict(zip(context_axes, key if isinstance(key, tuple) else (key,), strict=True))
        where = describe_cell(context, study)
        opponents = list(dict.fromkeys(block[opponent_axis].tolist()))
        for party, rows in block.groupby("party", sort=False):
            matrix = "A" if party == focal else "B"
            lines += [
                "",
                f"{matrix}: the {party}'s mean total utility [95% CI]"
                + (f", {where}" if where else "")
                + f" (rows: {focal} arm; columns: {opponent_axis}):",
                "",
            ]
            table_rows = []
            for arm, per_arm in rows.groupby("arm", sort=False):
                entries = per_arm.set_index(per_arm[opponent_axis].map(str))
                table_rows.append(
                    [
                        arm,
                        *(
                            f"{fmt(entries.loc[str(o), 'value'])} [{fmt(entries.loc[str(o), 'ci_low'])}, "
                            f"{fmt(entries.loc[str(o), 'ci_high'])}]"
                            for o in opponents
                        ),
                    ]
                )
            lines += markdown_table(["arm", *(value_text(o) for o in opponents)], table_rows)
    treatment = next(iter(study.arms.strategies))
    rows = []
    for (start,), block in mix.groupby(["start"], sort=False):
        own = block[(block["population"] == "focal") & (block["strategy"] == treatment)].iloc[0]
        focal_final = (
            block[block["population"] == "focal"]
            .sort_values("value", ascending=False, kind="stable")
            .iloc[0]
        )
        opp_final = (
            block[block["population"] == "opponent"]
            .sort_values("value", ascending=False, kind="stable")
            .iloc[0]
        )
        rows.append(
            [
                start,
                f"{fmt(own['share_start'])} → {fmt(own['value'])}",
                "yes" if as_bool(own["spreads"]) else "no",
                fmt(own["support"]),
                f"{focal_final['strategy']} ({fmt(focal_final['value'])})",
                f"{opp_final['strategy']} ({fmt(opp_final['value'])})",
            ]
        )
    lines += [
        "",
        f"Final mixes (share of {treatment}; support = share of bootstrap payoff matrices under which it spreads):",
        "",
    ]
    lines += markdown_table(
        [
            "start",
            f"{treatment} share",
            "spreads",
            "support",
            f"largest {focal} arm",
            "largest opponent type",
        ],
        rows,
    )
    if not fix.empty:
        n = int(fix["n"].iloc[0])
        lines += [
            "",
            f"Moran fixation probability of one {treatment} invader among {n} residents "
            f"(neutral drift: 1/{n} = {fmt(1 / n)}; Nowak 2006):",
            "",
        ]
        lines += markdown_table(
            ["resident", "against", "fixation probability"],
            [[r["control"], r["start"], fmt(r["value"])] for r in fix.to_dict("records")],
        )
    own = mix[(mix["population"] == "focal") & (mix["strategy"] == treatment)]
    context_axes = [a for a in axes if a in own.columns and own[a].notna().any()]

    def starts(frame: pd.DataFrame) -> str:
        return "; ".join(
            _start_phrase(r["start"], study)
            + (
                f" ({describe_cell({a: r[a] for a in context_axes}, study)})"
                if context_axes
                else ""
            )
            + f" ({fmt(r['share_start'])} → {fmt(r['value'])}, support {fmt(r['support'])})"
            for r in frame.to_dict("records")
        )

    spreads = own[own["spreads"].map(as_bool)]
    fails = own[~own["spreads"].map(as_bool)]
    lines.append("")
    if not spreads.empty:
        lines.append(f"In the tournament, {treatment} spreads {starts(spreads)}.")
    if not fails.empty:
        lines.append(f"It does not spread {starts(fails)}.")
    return [*lines, ""]
