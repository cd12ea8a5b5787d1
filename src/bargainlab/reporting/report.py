"""The Markdown text of a run's ``report.md``, generated from its summary table.

Nothing in a report is typed by hand: the design is read from the study, every number from
``summary.csv`` (see :mod:`bargainlab.analysis.summary` for its columns), and each sentence of the
"Honest conclusion" is a template chosen by a rule over the verdicts and filled from the
numbers. Numbers are printed with :func:`fmt` (three decimals; a typographic minus).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config.paths import lookup, same_value
from ..config.schema import StudySpec
from ..relationships.channels import CHANNELS
from .figures import figure_plan

__all__ = ["MAX_SENTENCES", "describe_cell", "fmt", "report"]


MAX_SENTENCES = 12
"""At most this many per-cell sentences per verdict and comparison; the rest are counted."""

CONFIDENCE = 0.95


# --------------------------------------------------------------------------- cell values


class _Axes(list):
    """The sweep axes, knowing which of them describe a given cell: with a union of grids
    (``study.sweep_grids``), a cell is described by the axes of the first grid it belongs
    to (the others sit at the study's own values there)."""

    def __init__(self, axes: Sequence[str], study: StudySpec) -> None:
        super().__init__(axes)
        grids = getattr(study, "sweep_grids", None)
        self.grids = list(grids) if grids else []
        self.base = study.model_dump(mode="json") if len(self.grids) > 1 else {}

    def relevant(self, row: dict[str, Any]) -> list[str]:
        if len(self.grids) <= 1:
            return list(self)
        for grid in self.grids:
            inside = all(any(same_value(row[a], v) for v in grid[a]) for a in grid if a in row)
            outside = all(
                same_value(row[a], _base_or_none(self.base, a))
                for a in self
                if a not in grid and a in row
            )
            if inside and outside:
                return [a for a in self if a in grid]
        return list(self)


def _base_or_none(base: dict[str, Any], path: str) -> Any:
    try:
        return lookup(base, path)
    except ValueError:
        return None


# --------------------------------------------------------------------------- formatting


def fmt(value: Any, *, signed: bool = False) -> str:
    """``0.031``, ``−0.031`` (``+0.031`` with ``signed``); tiny non-zero values in
    scientific notation so they never print as 0.000; ``n/a`` for a missing value."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)) or pd.isna(value):
        return "n/a"
    x = float(value)
    text = f"{x:+.3f}" if signed else f"{x:.3f}"
    if x != 0 and abs(x) < 0.0005:
        text = f"{x:+.1e}" if signed else f"{x:.1e}"
    if signed and x == 0:
        text = "0.000"
    return text.replace("-", "−")


def _interval(row: Any) -> str:
    return f"{fmt(row['mean_diff'], signed=True)} [{fmt(row['ci_low'], signed=True)}, {fmt(row['ci_high'], signed=True)}]"


def _p(value: Any) -> str:
    if pd.isna(value):
        return "n/a"
    x = float(value)
    return "<0.001" if x < 0.001 else f"{x:.3f}"


def _value(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{float(value):g}"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def describe_cell(values: dict[str, Any]) -> str:
    """``"where the dealer's kind is naive and rho is 0.8"`` (empty without axes)."""
    parts = []
    for path, value in values.items():
        seg = path.split(".")
        if seg[0] in ("parties", "strategies") and len(seg) >= 3:
            rest = [s for s in seg[2:] if s != "params"]
            parts.append(f"the {seg[1]}'s {' '.join(rest)} is {_value(value)}")
        elif seg[0] == "strategies" and len(seg) == 2:
            parts.append(f"the {seg[1]} plays {_value(value)}")
        else:
            parts.append(
                f"{' '.join(seg[1:] if len(seg) > 1 and seg[0] in ('rounds', 'game') else seg)} is {_value(value)}"
            )
    return ("where " + " and ".join(parts)) if parts else ""


def _short_label(path: str) -> str:
    """``parties.dealer.outside_option`` -> ``dealer outside_option``; ``rounds.rho`` -> ``rho``."""
    seg = [x for x in path.split(".") if x != "params"]
    if seg[0] in ("parties", "strategies") and len(seg) >= 3:
        return f"{seg[1]} {seg[-1]}"
    return seg[-1]


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value) if not pd.isna(value) else False


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def _prior(prior: Any) -> str:
    if isinstance(prior, int | float):
        return f"{prior:g} (fixed)"
    data = prior.model_dump()
    if "low" in data:
        return f"uniform on [{data['low']:g}, {data['high']:g}]"
    return f"normal(mean {data['mean']:g}, sd {data['sd']:g}) truncated to [0, 1]"


def _strategy(spec: Any) -> str:
    params = ", ".join(f"{k}={_value(v)}" for k, v in spec.params.items())
    return f"`{spec.name}`" + (f" ({params})" if params else "")


# --------------------------------------------------------------------------- sections


def _design(
    study: StudySpec, axes: Sequence[str], replicates: int, sizes: str, profile_note: str
) -> list[str]:
    focal = study.arms.party
    opponent = next(p for p in study.parties if p != focal)
    issue = study.issue
    unit = f" {issue.unit}" if issue.unit else ""
    lines = ["## Design", ""]
    lines += _table(
        ["party", "prefers", "reservation value (utility)", "outside option", "delta", "schedule"],
        [
            [
                name,
                p.prefers,
                _prior(p.reservation_value),
                f"{p.outside_option:g}",
                f"{p.delta:g}",
                "; ".join(
                    f"from round {e.round}: "
                    + ", ".join(
                        f"{k.replace('_', ' ')} {v:g}"
                        for k, v in e.model_dump().items()
                        if k != "round" and v is not None
                    )
                    for e in p.schedule
                )
                or "-",
            ]
            for name, p in study.parties.items()
        ],
    )
    lines.append("")
    g, r = study.game, study.rounds
    bullets = [
        f"Issue: {issue.name} from {issue.low:g} to {issue.high:g}{unit}"
        + (f" ({issue.levels} levels)" if issue.levels else "")
        + ".",
        f"Stage game: alternating offers, horizon {g.horizon} steps, breakdown risk {g.breakdown:g} "
        f"after each rejection, first mover {g.first_mover}, without agreement: {g.disagreement.replace('_', ' ')}.",
        f"Relationship: {r.count} round(s), type persistence rho = {r.rho:g}, "
        + (
            "a round without agreement ends it"
            if r.end_on_disagreement
            else "it continues after a disagreement"
        )
        + f"; beliefs on a {r.grid}-point grid with tremble {r.tremble:g}.",
    ]
    if study.condition is not None:
        c = study.condition
        bullets.append(
            f"Compensation condition held by the {c.holder}: worth {c.value:g} (utility) to it when met, "
            f"private cost to the obliged party {_prior(c.cost)}; fallback terms {c.fallback:g}{unit} when not met."
        )
    arms = "; ".join(f"{label}: {_strategy(s)}" for label, s in study.arms.strategies.items())
    bullets.append(f"Focal party: the {focal}. Arms (its strategy): {arms}.")
    if study.arms.treatment_rounds is not None and study.arms.continuation is not None:
        bullets.append(
            f"Arms play their strategy in rounds 1..{study.arms.treatment_rounds}, then all play "
            f"{_strategy(study.arms.continuation)}."
        )
    swept = [a for a in axes if a.startswith(f"strategies.{opponent}.")]
    bullets.append(
        f"Opponent: the {opponent} plays {_strategy(study.strategies[opponent])} in every arm"
        + (f" (swept: {', '.join(f'`{a}`' for a in swept)}; see below)." if swept else ".")
    )
    pairs = study.arms.pairs()
    if pairs:
        bullets.append(
            "Comparisons (treatment vs control, paired on common random numbers): "
            + "; ".join(f"{t} vs {c}" for t, c in pairs)
            + "."
        )
    ch = study.channels
    flags = ", ".join(
        f"{n.replace('_', ' ')} {'on' if getattr(ch, n) else 'off'}" for n in CHANNELS
    )
    bullets.append(
        f"Channels: {flags}"
        + (
            "; each enabled channel is also switched off in turn (decomposition)."
            if ch.decompose
            else "."
        )
    )
    bullets.append(f"Replicates: {replicates} per cell and arm ({sizes}); root seed {study.seed}.")
    if profile_note:
        bullets.append(profile_note)
    grids = getattr(study, "sweep_grids", None)
    if grids is None:
        grids = [study.sweep] if study.sweep else []
    for k, grid in enumerate(grids):
        label = (
            "Sweep"
            if len(grids) == 1
            else f"Sweep grid {k + 1} of {len(grids)} (other axes at the study's values)"
        )
        bullets.append(
            f"{label}: "
            + "; ".join(
                f"`{axis}` = " + ", ".join(_value(v) for v in values)
                for axis, values in grid.items()
            )
            + "."
        )
    if not grids:
        bullets.append("No sweep: one cell.")
    return lines + [f"- {b}" for b in bullets] + [""]


def _payoff_note(effects: pd.DataFrame, study: StudySpec) -> str:
    labels = sorted(set(effects["payoff_rounds"].astype(str)))
    if labels == ["1"]:
        return (
            "The study has one round, so the payoff is the round-1 utility: there are no "
            "later rounds, and the effect is the treatment's effect within the round."
        )
    text = (
        "Payoff: the focal party's mean utility over the later rounds "
        f"({', '.join(labels)}), normalised to [0, 1]; after a relationship ended, its outside option."
    )
    if "1" in labels:
        text += " One-round cells use round 1 (there are no later rounds)."
    return text


def _effects_section(effects: pd.DataFrame, axes: Sequence[str], study: StudySpec) -> list[str]:
    main = effects[effects["channels"] == "all"]
    lines = ["## Effects", "", _payoff_note(effects, study), ""]
    header = [
        *(_short_label(a) for a in axes),
        "comparison",
        "n",
        "payoff (treatment)",
        "payoff (control)",
        "effect [95% CI]",
        "p (Holm)",
        "verdict",
        "null cell",
    ]
    rows = []
    for row in main.to_dict("records"):
        rows.append(
            [
                *(_value(row[a]) for a in axes),
                row["comparison"],
                int(row["n"]),
                fmt(row["payoff_treatment"]),
                fmt(row["payoff_control"]),
                _interval(row),
                _p(row["p_holm"]),
                row["verdict"],
                "yes" if _bool(row["null_cell"]) else "",
            ]
        )
    lines += _table(header, rows)
    lines += [
        "",
        "Per arm (treatment / control): agreement rate and mean agreed terms over the "
        "payoff rounds, survival to the last round, and the opponent's belief error about "
        "the focal party's reservation value in the last round.",
        "",
    ]
    header = [
        *(_short_label(a) for a in axes),
        "comparison",
        "agreement",
        "survival",
        f"agreed {study.issue.name}",
        "belief error",
    ]
    rows = [
        [
            *(_value(row[a]) for a in axes),
            row["comparison"],
            f"{fmt(row['agreement_treatment'])} / {fmt(row['agreement_control'])}",
            f"{fmt(row['survival_treatment'])} / {fmt(row['survival_control'])}",
            f"{fmt(row['terms_treatment'])} / {fmt(row['terms_control'])}",
            f"{fmt(row['belief_error_treatment'])} / {fmt(row['belief_error_control'])}",
        ]
        for row in main.to_dict("records")
    ]
    lines += _table(header, rows)
    variants = sorted(set(effects["channels"]) - {"all"})
    if variants:
        lines += [
            "",
            "The same effects with channels switched off (variants "
            + ", ".join(f"`{v}`" for v in variants)
            + ") are in summary.csv (section `effect`, column `channels`); the decomposition "
            "below is computed from them.",
        ]
    return [*lines, ""]


def _channel_section(channels: pd.DataFrame, axes: Sequence[str]) -> list[str]:
    lines = [
        "## Channel decomposition",
        "",
        "Contribution of each channel to the all-channels effect on the later-round payoff: the "
        "paired effect minus the paired effect with that channel switched off, per replicate, "
        "with a 95% bootstrap interval; `all_off` is the effect with every channel off and "
        "`interaction` what the parts do not add up to. A `*` marks an interval that excludes 0.",
        "",
    ]
    components = list(dict.fromkeys(channels["component"]))
    header = [*(_short_label(a) for a in axes), "comparison", *components]
    rows = []
    for _, block in channels.groupby(["cell", "comparison"], sort=False):
        first = block.iloc[0]
        by = {r["component"]: r for r in block.to_dict("records")}
        rows.append(
            [
                *(_value(first[a]) for a in axes),
                first["comparison"],
                *(
                    _interval(by[c]) + ("*" if by[c]["verdict"] != "no effect" else "")
                    if c in by
                    else ""
                    for c in components
                ),
            ]
        )
    lines += _table(header, rows)
    return [*lines, ""]


def _null_section(
    summary: pd.DataFrame, study: StudySpec, axes: Sequence[str]
) -> tuple[list[str], pd.DataFrame]:
    rows = summary[summary["section"].isin(["effect", "channel"])]
    null = rows[rows["null_cell"].map(_bool)].copy()
    lines = ["## Pre-registered null cells", ""]
    if not study.null_cells:
        return [*lines, "The study pre-registers no null cell.", ""], null
    lines += [
        "A null row passes when its 95% interval contains 0: the total effect, or only the "
        "named channel's contribution when the null cell names a channel.",
        "",
    ]
    if not null.empty:
        null["passed"] = (null["ci_low"] <= 0) & (null["ci_high"] >= 0)
        header = [
            *(_short_label(a) for a in axes),
            "comparison",
            "tested",
            "effect [95% CI]",
            "result",
            "reason",
        ]
        lines += _table(
            header,
            [
                [
                    *(_value(r[a]) for a in axes),
                    r["comparison"],
                    "total" if r["section"] == "effect" else f"{r['component']} channel",
                    _interval(r),
                    "pass" if r["passed"] else "FAIL",
                    r["null_reason"],
                ]
                for r in null.to_dict("records")
            ],
        )
        lines.append("")
    has_channels = (summary["section"] == "channel").any()
    for entry in study.null_cells:
        channel = getattr(entry, "channel", None)
        where = ", ".join(f"{k} = {_value(v)}" for k, v in entry.where.items())
        matched = (
            null[null["null_reason"].astype(str).str.contains(entry.reason, regex=False)]
            if not null.empty
            else null
        )
        if channel is not None and not has_channels:
            lines.append(
                f"- Not checked ({where}): it names the {channel} channel, but the study does not decompose channels."
            )
        elif matched.empty:
            lines.append(f"- Not checked ({where}): no cell of this run matches it.")
    return [*lines, ""], null


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


def _tournament_section(summary: pd.DataFrame, study: StudySpec, axes: Sequence[str]) -> list[str]:
    payoff = summary[summary["section"] == "tournament_payoff"]
    mix = summary[summary["section"] == "tournament_mix"]
    fix = summary[summary["section"] == "tournament_fixation"]
    focal = study.arms.party
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
        where = describe_cell(context)
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
                cells = per_arm.set_index(per_arm[opponent_axis].map(str))
                table_rows.append(
                    [
                        arm,
                        *(
                            f"{fmt(cells.loc[str(o), 'value'])} [{fmt(cells.loc[str(o), 'ci_low'])}, "
                            f"{fmt(cells.loc[str(o), 'ci_high'])}]"
                            for o in opponents
                        ),
                    ]
                )
            lines += _table(["arm", *(_value(o) for o in opponents)], table_rows)
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
                "yes" if _bool(own["spreads"]) else "no",
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
    lines += _table(
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
        lines += _table(
            ["resident", "against", "fixation probability"],
            [[r["control"], r["start"], fmt(r["value"])] for r in fix.to_dict("records")],
        )
    return [*lines, ""]


# --------------------------------------------------------------------------- conclusion


def _cell_values(row: dict[str, Any], axes: Sequence[str]) -> dict[str, Any]:
    shown = axes.relevant(row) if isinstance(axes, _Axes) else axes
    return {a: row[a] for a in shown}


def _sentence(row: dict[str, Any], axes: Sequence[str], verb: str) -> str:
    where = describe_cell(_cell_values(row, axes))
    null = (
        " This is a pre-registered null cell: an effect here is a bug."
        if _bool(row["null_cell"]) and verb != "has no detectable effect on"
        else ""
    )
    return (
        f"Playing {row['treatment']} instead of {row['control']} {verb} the {row['party']}"
        + (f" {where}" if where else "")
        + f" ({_interval(row)}).{null}"
    )


def _listing(rows: list[dict[str, Any]], axes: Sequence[str], verb: str) -> list[str]:
    out = [f"- {_sentence(r, axes, verb)}" for r in rows[:MAX_SENTENCES]]
    if len(rows) > MAX_SENTENCES:
        out.append(
            f"- … and {len(rows) - MAX_SENTENCES} more cell(s) with the same verdict (see summary.csv)."
        )
    return out


def _count(k: int) -> str:
    return "none" if k == 0 else ("1 cell" if k == 1 else f"{k} cells")


def _channel_conclusion(channels: pd.DataFrame, axes: Sequence[str]) -> list[str]:
    """Per comparison: which channel is the largest detectable contributor, how often; then
    the cells with the largest detectable contributions."""
    real = channels[channels["component"].isin(CHANNELS)]
    lines = ["Through which channel:", ""]
    for comparison, block in real.groupby("comparison", sort=False):
        tops = []
        for _, cell in block.groupby("cell", sort=True):
            top = cell.loc[cell["mean_diff"].abs().idxmax()].to_dict()
            tops.append(top)
        detectable = [t for t in tops if t["verdict"] != "no effect"]
        counts = pd.Series([t["component"] for t in detectable], dtype=object).value_counts()
        parts = []
        for name, k in counts.items():
            helping = sum(t["verdict"] == "helps" for t in detectable if t["component"] == name)
            parts.append(
                f"{name} in {_count(int(k))} (helping in {helping}, hurting in {k - helping})"
            )
        silent = len(tops) - len(detectable)
        text = f"- {comparison}: the largest channel contribution is " + (
            ", ".join(parts) if parts else "detectable in no cell"
        )
        text += f"; no channel contributes detectably in {_count(silent)}." if silent else "."
        lines.append(text)
        ranked = sorted(detectable, key=lambda t: -abs(float(t["mean_diff"])))[:MAX_SENTENCES]
        for t in sorted(ranked, key=lambda t: int(t["cell"])):
            where = describe_cell(_cell_values(t, axes))
            lines.append(
                f"  - {where + ': ' if where else ''}{t['component']} {t['verdict']} "
                f"({_interval(t)})."
            )
        if len(detectable) > len(ranked):
            lines.append(
                f"  - … and {len(detectable) - len(ranked)} smaller detectable contribution(s) "
                "(see the table above)."
            )
    return [*lines, ""]


def _by_value(effects: pd.DataFrame, axes: Sequence[str]) -> list[str]:
    """Verdict counts per value of every sweep axis (the "where" table of a sweep)."""
    if len(axes) < 2:
        return []
    lines = ["Verdicts by sweep value (cells that help / show no effect / hurt):", ""]
    comparisons = list(dict.fromkeys(effects["comparison"]))
    rows = []
    records = effects.to_dict("records")
    member = [set(_cell_values(r, axes)) for r in records]
    for axis in axes:
        mine = effects[[axis in m for m in member]]
        for value in dict.fromkeys(mine[axis].tolist()):
            sub = mine[mine[axis].astype(str) == str(value)]
            row = [f"{_short_label(axis)} = {_value(value)}"]
            for comparison in comparisons:
                v = sub.loc[sub["comparison"] == comparison, "verdict"]
                row.append(
                    f"{(v == 'helps').sum()} / {(v == 'no effect').sum()} / {(v == 'hurts').sum()}"
                )
            rows.append(row)
    return [*lines, *_table(["sweep value", *comparisons], rows), ""]


def _conclusion(
    summary: pd.DataFrame, null: pd.DataFrame, study: StudySpec, axes: Sequence[str]
) -> list[str]:
    effects = summary[(summary["section"] == "effect") & (summary["channels"] == "all")]
    lines = ["## Honest conclusion", ""]
    if effects.empty:
        return [*lines, "The study compares no arms, so it makes no claim about an effect.", ""]
    for comparison, block in effects.groupby("comparison", sort=False):
        records = block.to_dict("records")
        treatment, control = records[0]["treatment"], records[0]["control"]
        helps = [r for r in records if r["verdict"] == "helps"]
        hurts = [r for r in records if r["verdict"] == "hurts"]
        none = [r for r in records if r["verdict"] == "no effect"]
        lines += [
            f"### {comparison}",
            "",
            f"Across {len(records)} cell(s), playing {treatment} instead of {control} helps the "
            f"{records[0]['party']} in {_count(len(helps))}, has no detectable effect in "
            f"{_count(len(none))} and hurts in {_count(len(hurts))} (a verdict needs the 95% CI "
            "to exclude 0 and the Holm-adjusted Wilcoxon p to be below 0.05).",
            "",
        ]
        if helps:
            lines += ["Where it helps:", "", *_listing(helps, axes, "helps"), ""]
        if none and len(none) <= MAX_SENTENCES:
            lines += [
                "Where it has no detectable effect:",
                "",
                *_listing(none, axes, "has no detectable effect on"),
                "",
            ]
        elif none:
            lines += [
                f"It has no detectable effect in the other {len(none)} cells (listed in the "
                "effects table; counted by sweep value below).",
                "",
            ]
        if hurts:
            lines += ["Where it hurts:", "", *_listing(hurts, axes, "hurts"), ""]
        advice = f"the essay's advice (here: {treatment} rather than {control})"
        if hurts:
            where = "; ".join(
                describe_cell(_cell_values(r, axes)) or "in this study"
                for r in hurts[:MAX_SENTENCES]
            )
            if len(hurts) > MAX_SENTENCES:
                where += f"; and in {len(hurts) - MAX_SENTENCES} more cell(s)"
            lines.append(
                f"**Where the essay's advice fails:** {advice} leaves the {records[0]['party']} "
                f"worse off in later rounds {where}."
            )
        if not helps:
            lines.append(
                f"**The essay's advice is not supported:** no cell shows {advice} leaving the "
                f"{records[0]['party']} better placed in later rounds."
            )
        elif none and not hurts:
            lines.append(
                f"The advice helps in some cells only; elsewhere {advice} makes no detectable difference."
            )
        elif not hurts and not none:
            lines.append(
                f"{advice[0].upper()}{advice[1:]} helps in every cell tested; that says nothing about conditions outside this sweep."
            )
        lines.append("")
    lines += _by_value(effects, axes)
    if not null.empty:
        failed = null[~null["passed"]]
        if failed.empty:
            lines.append(
                "The pre-registered null row passes: its interval contains 0."
                if len(null) == 1
                else f"All {len(null)} pre-registered null rows pass: every interval contains 0."
            )
        else:
            lines.append(
                f"{len(failed)} of {len(null)} pre-registered null row(s) fail (the interval "
                "excludes 0): the model produces an effect where the design forbids one, which "
                "is a bug to investigate (about 5% of rows fail by chance when the true effect "
                "is small but not exactly 0)."
            )
        lines.append("")
    channels = summary[summary["section"] == "channel"]
    if not channels.empty:
        lines += _channel_conclusion(channels, axes)
    mix = summary[summary["section"] == "tournament_mix"]
    if not mix.empty:
        treatment = next(iter(study.arms.strategies))
        own = mix[(mix["population"] == "focal") & (mix["strategy"] == treatment)]
        spreads = own[own["spreads"].map(_bool)]
        fails = own[~own["spreads"].map(_bool)]
        context_axes = [a for a in axes if a in own.columns and own[a].notna().any()]

        def _starts(frame: pd.DataFrame) -> str:
            return "; ".join(
                _start_phrase(r["start"], study)
                + (f" ({describe_cell(_cell_values(r, context_axes))})" if context_axes else "")
                + f" ({fmt(r['share_start'])} → {fmt(r['value'])}, support {fmt(r['support'])})"
                for r in frame.to_dict("records")
            )

        if not spreads.empty:
            lines.append(f"In the tournament, {treatment} spreads {_starts(spreads)}.")
        if not fails.empty:
            lines.append(f"It does not spread {_starts(fails)}.")
        if spreads.empty:
            lines.append(
                f"**Where the essay's advice fails:** {treatment} spreads from no starting mix."
            )
        lines.append("")
    return lines


# --------------------------------------------------------------------------- report


def _calibration_section(summary: pd.DataFrame) -> list[str]:
    """Directions of the human evidence (listed in the documentation's model page) that this run
    reproduces or not."""
    rows = summary[summary["section"] == "calibration"]
    if rows.empty:
        return []
    lines = [
        "## Calibration against the human evidence",
        "",
        "Signs only: magnitudes from the papers are not comparable (the sources are listed in "
        "the documentation, *The model*, *Human evidence*).",
        "",
    ]
    table = []
    for row in rows.to_dict("records"):
        measured = row["status"] in ("reproduced", "not reproduced") and int(row["n"] or 0) > 0
        estimate = (
            f"{fmt(row['mean_diff'], signed=True)} [{fmt(row['ci_low'])}, {fmt(row['ci_high'])}]"
            if measured
            else ""
        )
        table.append(
            [
                row["check"],
                row["source"],
                row["expected"],
                row["statistic"],
                estimate,
                row["status"],
            ]
        )
    lines += _table(
        ["direction", "source", "human sign", "measured here", "estimate [95% CI]", "status"], table
    )
    return [*lines, ""]


def report(
    run_dir: Path,
    rounds: pd.DataFrame,
    summary: pd.DataFrame,
    study: StudySpec,
    axes: list[str],
    *,
    full_replicates: int | None = None,
    tournament: Any = None,
) -> str:
    """The Markdown text of ``report.md`` (see the module docstring).

    ``full_replicates`` is the study's full size when the run used a smaller CI profile
    (default: ``study.replicates``); the report says so when the run used fewer.
    ``tournament`` is accepted for symmetry with :func:`bargainlab.reporting.figures.figures`; the
    tournament's numbers are read from ``summary``.
    """
    axes = _Axes(axes, study)
    counts = (
        rounds.groupby(["cell", "channels", "arm"])["replicate"].nunique()
        if not rounds.empty
        else pd.Series([0])
    )
    replicates = int(counts.min())
    sizes = (
        "all cells equal"
        if counts.nunique() <= 1
        else f"{int(counts.min())} to {int(counts.max())}"
    )
    full = full_replicates if full_replicates is not None else study.replicates
    profile = study.reproduce.replicates
    if replicates < full:
        profile_note = f"CI profile: this report was generated at {replicates} replicates; the full study uses {full}."
    elif profile is not None and profile == replicates:
        profile_note = (
            f"CI profile: this report was generated at {replicates} replicates, the study's "
            "`reproduce.replicates` profile (the size `bargainlab reproduce` checks); the full "
            f"size is `replicates` in experiments/{study.name}.toml."
        )
    else:
        profile_note = ""
    lines = [
        f"# {study.name}",
        "",
        "_Generated by bargainlab from this run's rounds table and summary.csv; do not edit by hand._",
        "",
        "## Question",
        "",
        study.question or "(The study states no question.)",
        "",
    ]
    lines += _design(study, axes, replicates, sizes, profile_note)
    effects = summary[summary["section"] == "effect"]
    null = pd.DataFrame()
    if not effects.empty:
        lines += _effects_section(effects, axes, study)
        channels = summary[summary["section"] == "channel"]
        if not channels.empty:
            lines += _channel_section(channels, axes)
        null_lines, null = _null_section(summary, study, axes)
        lines += null_lines
    if (summary["section"] == "tournament_mix").any():
        lines += _tournament_section(summary, study, axes)
    lines += _calibration_section(summary)
    stems = figure_plan(rounds, study, axes, traces=True, tournament=tournament)
    figure_dir = Path(run_dir) / "figures"
    embedded = [s for s in stems if s != "trace" or (figure_dir / "trace.png").is_file()]
    if not (summary["section"] == "tournament_mix").any():
        embedded = [s for s in embedded if not s.startswith("tournament")]
    lines += ["## Figures", ""]
    for stem in embedded:
        lines += [f"![{stem}](figures/{stem}.png)", ""]
    lines += _conclusion(summary, null, study, axes)
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.rstrip() + "\n"
