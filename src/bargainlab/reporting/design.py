"""The *Design* section of a report: the study as run, read from the study file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..config.schema import StudySpec
from ..relationships.channels import CHANNELS
from .text import markdown_table, value_text

__all__ = ["design_section"]


def _prior(prior: Any) -> str:
    if isinstance(prior, int | float):
        return f"{prior:g} (fixed)"
    data = prior.model_dump()
    if "low" in data:
        return f"uniform on [{data['low']:g}, {data['high']:g}]"
    return f"normal(mean {data['mean']:g}, sd {data['sd']:g}) truncated to [0, 1]"


def _strategy(spec: Any) -> str:
    params = ", ".join(f"{k}={value_text(v)}" for k, v in spec.params.items())
    return f"`{spec.name}`" + (f" ({params})" if params else "")


# --------------------------------------------------------------------------- sections


def design_section(
    study: StudySpec, axes: Sequence[str], replicates: int, sizes: str, profile_note: str
) -> list[str]:
    focal = study.arms.party
    opponent = next(p for p in study.parties if p != focal)
    issue = study.issue
    unit = f" {issue.unit}" if issue.unit else ""
    lines = ["## Design", ""]
    lines += markdown_table(
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
    off = ch.switched_off()
    if ch.decompose is True:
        switched = "; each enabled channel is also switched off in turn, then all together"
    elif off:
        names = ", ".join(n.replace("_", " ") for n in off)
        switched = f"; the {names} channel{'s' if len(off) > 1 else ''} also switched off"
    else:
        switched = ""
    bullets.append(
        f"Channels: {flags}{switched}"
        + (
            " (decomposition: mediation by state transplant, then switching off)."
            if ch.decompose
            else "."
        )
    )
    bullets.append(f"Replicates: {replicates} per cell and arm ({sizes}); root seed {study.seed}.")
    a = study.analysis
    bullets.append(
        f"Analysis: headline window `{a.headline}`, smallest effect of interest (sesoi) "
        f"{a.sesoi:g} utility per round, family-wise error rate {a.alpha:g}."
    )
    if profile_note:
        bullets.append(profile_note)
    grids = study.sweep_grids
    for k, grid in enumerate(grids):
        label = (
            "Sweep"
            if len(grids) == 1
            else f"Sweep grid {k + 1} of {len(grids)} (other axes at the study's values)"
        )
        bullets.append(
            f"{label}: "
            + "; ".join(
                f"`{axis}` = " + ", ".join(value_text(v) for v in values)
                for axis, values in grid.items()
            )
            + "."
        )
    if not grids:
        bullets.append("No sweep: one cell.")
    return lines + [f"- {b}" for b in bullets] + [""]
