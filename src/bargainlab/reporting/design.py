"""The *Design* section of a report: the study as run, read from the study file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..config.schema import StudySpec
from ..relationships.channels import CHANNELS
from ..strategies import describe
from .text import markdown_table, value_text

__all__ = ["design_section", "reputation_section"]


def _prior(prior: Any) -> str:
    """A prior as words: fixed, uniform or a truncated normal."""
    if isinstance(prior, int | float):
        return f"{prior:g} (fixed)"
    data = prior.model_dump()
    if "low" in data:
        return f"uniform on [{data['low']:g}, {data['high']:g}]"
    return f"normal(mean {data['mean']:g}, sd {data['sd']:g}) truncated to [0, 1]"


def _listed(value: Any) -> str:
    """A sweep value in a list of values: one that lists entries itself (a mapping) in
    parentheses."""
    text = value_text(value)
    return f"({text})" if ", " in text else text


def _strategy(spec: Any) -> str:
    """```name` (param=value, ...)``."""
    params = ", ".join(f"{k}={value_text(v)}" for k, v in spec.params.items())
    return f"`{spec.name}`" + (f" ({params})" if params else "")


_KIND_NOTES = {
    "naive": "is approximate on purpose: it truncates its belief at what the offers and "
    "responses it sees imply, with smoothed steps",
    "expected_terms": "is approximate on purpose: it truncates as the naive learner does and "
    "reads a conditional offer at its expected realised terms",
    "anchored": "does not learn: it demands its reference point plus a step",
}


def _kinds(study: StudySpec, party: str, axes: Sequence[str]) -> list[str]:
    """The learning kinds ``party`` plays in the study: the swept values, or its own."""
    axis = f"strategies.{party}.params.kind"
    if axis in axes:
        return list(dict.fromkeys(v for g in study.sweep_grids if axis in g for v in g[axis]))
    return [study.strategies[party].params.get("kind", "bayesian")]


def _inexact(models: dict[str, Any]) -> list[str]:
    """The labels of the policies whose rule gives no exact likelihood."""
    return [
        label
        for label, m in models.items()
        if not describe(m.name, m.params).classifier.exact_likelihood
    ]


def _learning_note(study: StudySpec, axes: Sequence[str]) -> str:
    """Which learners the study has and whether each is exact: a Bayesian is exact when every
    policy it models gives an exact likelihood (the rule's ``exact_likelihood``); the other
    kinds are approximate by design."""
    notes = []
    for party, spec in study.strategies.items():
        if not describe(spec.name, spec.params).classifier.learns:
            continue
        reputation = study.reputation
        if reputation is not None and reputation.holder == party:
            models = dict(reputation.types)
        else:
            other = next(p for p in study.parties if p != party)
            models = (
                dict(study.arms.strategies)
                if other == study.arms.party
                else {study.strategies[other].name: study.strategies[other]}
            )
            if other == study.arms.party and study.arms.continuation is not None:
                models[f"the continuation {study.arms.continuation.name}"] = study.arms.continuation
        inexact = _inexact(models)
        parts = []
        for kind in _kinds(study, party, axes):
            if kind == "bayesian":
                parts.append(
                    f"`bayesian` is approximate against {', '.join(inexact)} (their rules give "
                    "no exact likelihood) and exact against the others"
                    if inexact
                    else "`bayesian` is a correct Bayesian: its likelihood is exact for every "
                    f"policy it models ({', '.join(models)})"
                )
            else:
                parts.append(f"`{kind}` {_KIND_NOTES.get(kind, 'is approximate')}")
        notes.append(f"the {party} learns; " + "; ".join(parts))
    return ("Learning: " + ". ".join(notes) + ".") if notes else ""


# --------------------------------------------------------------------------- sections


def _schedule(party: Any) -> str:
    """A party's schedule: from which round its outside option or reservation value
    changes (``-`` without one)."""
    return (
        "; ".join(
            f"from round {e.round}: "
            + ", ".join(
                f"{k.replace('_', ' ')} {v:g}"
                for k, v in e.model_dump().items()
                if k != "round" and v is not None
            )
            for e in party.schedule
        )
        or "-"
    )


def _parties(study: StudySpec) -> list[str]:
    """The parties' table: preferences, reservation values, outside options, patience."""
    header = ["party", "prefers", "reservation value (utility)", "outside option", "delta", "schedule"]  # fmt: skip
    rows = [
        [
            name,
            p.prefers,
            _prior(p.reservation_value),
            f"{p.outside_option:g}",
            f"{p.delta:g}",
            _schedule(p),
        ]
        for name, p in study.parties.items()
    ]
    return [*markdown_table(header, rows), ""]


def _game(study: StudySpec) -> list[str]:
    """The issue, the stage game, the relationship and the compensation condition."""
    issue, g, r = study.issue, study.game, study.rounds
    unit = f" {issue.unit}" if issue.unit else ""
    ending = "a round without agreement ends it" if r.end_on_disagreement else "it continues after a disagreement"  # fmt: skip
    bullets = [
        f"Issue: {issue.name} from {issue.low:g} to {issue.high:g}{unit}"
        + (f" ({issue.levels} levels)" if issue.levels else "")
        + ".",
        f"Stage game: alternating offers, horizon {g.horizon} steps, breakdown risk {g.breakdown:g} "
        f"after each rejection, first mover {g.first_mover}, without agreement: {g.disagreement.replace('_', ' ')}.",
        f"Relationship: {r.count} round(s), type persistence rho = {r.rho:g}, {ending}; "
        f"beliefs on a {r.grid}-point grid with tremble {r.tremble:g}.",
    ]
    if study.condition is not None:
        c = study.condition
        bullets.append(
            f"Compensation condition held by the {c.holder}: worth {c.value:g} (utility) to it when met, "
            f"private cost to the obliged party {_prior(c.cost)}; fallback terms {c.fallback:g}{unit} when not met."
        )
    return bullets


def _how_long(study: StudySpec, axes: Sequence[str]) -> str:
    """How long the arms play their policy: every round, rounds 1..k, or both (swept)."""
    k, cont = study.arms.treatment_rounds, study.arms.continuation
    if "arms.treatment_rounds" in axes and cont is not None:
        return (
            "Arms play their strategy in every round (standing policies) where "
            "`arms.treatment_rounds` is `all`, and in rounds 1..k only where it is k, after "
            f"which all play {_strategy(cont)} (swept: see below)."
        )
    if k != "all" and cont is not None:
        return f"Arms play their strategy in rounds 1..{k}, then all play {_strategy(cont)}."
    return "Arms play their strategy in every round (standing policies)."


def _arm_terms(spec: Any) -> str:
    """The condition's terms in an arm that changes them (nothing for the others)."""
    terms = spec.condition
    if terms is None:
        return ""
    parts = []
    if terms.value is not None:
        parts.append(f"worth {terms.value:g} to its holder")
    if terms.cost is not None:
        parts.append(f"costing the obliged party {_prior(terms.cost)}")
    return f", with the condition {' and '.join(parts)} in this arm instead of the study's terms"


def _arms(study: StudySpec, axes: Sequence[str]) -> list[str]:
    """The focal party's arms, how long they play, the opponent, learning, comparisons."""
    focal = study.arms.party
    opponent = next(p for p in study.parties if p != focal)
    arms = "; ".join(
        f"{label}: {_strategy(s)}{_arm_terms(s)}" for label, s in study.arms.strategies.items()
    )
    swept = [a for a in axes if a.startswith(f"strategies.{opponent}.")]
    bullets = [
        f"Focal party: the {focal}. Arms (its strategy): {arms}.",
        _how_long(study, axes),
        f"Opponent: the {opponent} plays {_strategy(study.strategies[opponent])} in every arm"
        + (f" (swept: {', '.join(f'`{a}`' for a in swept)}; see below)." if swept else "."),
    ]
    learning = _learning_note(study, axes)
    if learning:
        bullets.append(learning)
    pairs = study.arms.pairs()
    if pairs:
        bullets.append(
            "Comparisons (treatment vs control, paired on common random numbers): "
            + "; ".join(f"{t} vs {c}" for t, c in pairs)
            + "."
        )
    return bullets


def _channels(study: StudySpec) -> str:
    """Which channels are on, which are switched off in turn, and whether the study
    decomposes."""
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
    decomposes = " (decomposition: mediation by state transplant, then switching off)."
    return f"Channels: {flags}{switched}" + (decomposes if ch.decompose else ".")


def _sweep(study: StudySpec) -> list[str]:
    """Each sweep grid's axes and values (a study without a sweep has one cell)."""
    grids = study.sweep_grids
    if not grids:
        return ["No sweep: one cell."]
    bullets = []
    for k, grid in enumerate(grids):
        label = "Sweep" if len(grids) == 1 else f"Sweep grid {k + 1} of {len(grids)} (other axes at the study's values)"  # fmt: skip
        values = "; ".join(
            f"`{axis}` = " + ", ".join(_listed(v) for v in values) for axis, values in grid.items()
        )
        bullets.append(f"{label}: {values}.")
    return bullets


def design_section(
    study: StudySpec, axes: Sequence[str], replicates: int, sizes: str, profile_note: str
) -> list[str]:
    """The *Design* section: the parties, the game, the arms, the channels, the size, the
    analysis and the sweep, read from the study file (``sizes`` says whether every cell has
    ``replicates`` replicates; ``profile_note`` names a smaller CI profile)."""
    a = study.analysis
    bullets = [
        *_game(study),
        *_arms(study, axes),
        _channels(study),
        f"Replicates: {replicates} per cell and arm ({sizes}); root seed {study.seed}.",
        f"Analysis: headline window `{a.headline}`, smallest effect of interest (sesoi) "
        f"{a.sesoi:g} utility per round, family-wise error rate {a.alpha:g}.",
        *([profile_note] if profile_note else []),
        *_sweep(study),
    ]
    return ["## Design", "", *_parties(study), *[f"- {b}" for b in bullets], ""]


def _reference_cells(study: StudySpec, axes: Sequence[str], holder: str, other: str) -> list[str]:
    """Where the holder knows the policy instead of doubting (``reputation.model``)."""
    assert study.reputation is not None
    if "reputation.model" in axes:
        where = "In the cells whose `reputation.model` is `known_policy`"
    elif study.reputation.model == "known_policy":
        where = "In this study (`reputation.model` is `known_policy`)"
    else:
        return []
    return [
        f"{where} the {holder} knows the policy the {other} plays and does not use the types "
        f"below: those cells are a labelled reference, beside the doubting {holder} of the "
        "other cells.",
        "",
    ]


def reputation_section(study: StudySpec, axes: Sequence[str]) -> list[str]:
    """What the reputation holder believes and how to read the ``reputation`` figure, and
    which theoretical references apply to the study (nothing without ``[reputation]``)."""
    spec = study.reputation
    if spec is None:
        return []
    holder = spec.holder
    other = next(p for p in study.parties if p != holder)
    types = "; ".join(f"{label}: {_strategy(s)}" for label, s in spec.types.items())
    kinds = _kinds(study, holder, axes) if holder in study.strategies else []
    inexact = _inexact(dict(spec.types))
    if "bayesian" not in kinds:
        bayesian = f"and the {holder} is not a correct Bayesian (its kind is not `bayesian`)"
    elif inexact:
        bayesian = (
            f"but the {holder} is approximate against {', '.join(inexact)} (their rules give "
            "no exact likelihood)"
        )
    elif kinds == ["bayesian"]:
        bayesian = f"so the {holder} is a correct Bayesian"
    else:
        bayesian = f"where its kind is `bayesian`, the {holder} is a correct Bayesian"
    if "reputation.prior" in axes:
        prior = "swept (`reputation.prior`)"
    else:
        prior = ", ".join(f"{label} {value_text(p)}" for label, p in spec.prior.items())
    return [
        "## Reputation",
        "",
        *_reference_cells(study, axes, holder, other),
        f"The {holder} holds a joint belief over the {other}'s reservation value and its "
        f"policy, one of the declared types ({types}); prior: {prior}. Each type's likelihood "
        f"is that policy's own rule over every offer and response of a round, {bayesian} "
        f"about the {other}'s type. The figure `reputation` "
        f"shows its posterior probability of the policy the {other} actually plays, after "
        "each round and by arm, beside the prior (round 0). The one reference that holds "
        "whatever the policies is Bayes' rule itself: for a correct Bayesian, under the true "
        "policy that posterior is a submartingale, so its mean in each arm never falls below "
        "the prior; a mean below it would point to a misspecified likelihood.",
        "",
        "The equilibrium references of bargaining with incomplete information (screening "
        "with skimming prices, Sobel & Takahashi 1983; the ratchet effect, Freixas, "
        "Guesnerie & Tirole 1985; attrition against obstinate types, Abreu & Gul 2000; "
        "deterrence in the chain store, Kreps & Wilson 1982) are equilibria: every type that "
        "is not a commitment type best-responds, over the whole game, to the other side's "
        f"strategy. Here no arm of the {other} best-responds (each is a fixed policy) and the "
        f"{holder} plans one round ahead, so none of their values is a prediction for these "
        "cells and none is drawn on this study's figures. The engine "
        "reproduces the first three by play in `bargainlab.equilibrium` (the documentation's "
        "page *Equilibrium by play*); the Kreps–Wilson horizon is a closed form in "
        "`bargainlab.theory`.",
        "",
    ]
