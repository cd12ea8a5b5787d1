"""The essay's two-round game (:func:`bargainlab.theory.essay_game`) at the parameters of a
simulated study, for a report to set beside what the study's empirical game found.

The mapping, in the dealer's normalised units (0 = the issue's end the focal party prefers,
1 = the other end; a rebate's share of the range the dealer gains):

* the focal party (the supplier, who holds the condition) of bottom line ``theta`` (its own
  utility) pays at most ``b = 1 - theta`` (linear utilities); its prior is split at its
  median into two equally likely types, each at the middle of its half (the prior's
  quartiles): ``b_low = 1 - q3``, ``b_high = 1 - q1``, ``p_high = 1/2``;
* the condition's ``value`` is its value to the holder, ``cost`` the mean of the obliged
  party's cost prior, ``fallback`` the fallback terms in the dealer's units;
* ``delta = 1``: the simulation does not discount rounds against each other; the grid has
  the issue's levels (101 points for a continuous issue).

The two-round model differs from the simulation in ways the report lists (:data:`DIFFERENCES`).
:func:`essay_lines` writes the report's subsection: the model's play with and without the
condition as a table, what the condition is worth to each side in the model, and where the
simulated game agrees with it and where it differs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..beliefs.priors import TruncatedNormal, Uniform
from ..config.schema import StudySpec
from ..theory import essay_game
from ..theory.essay import EssayGame
from .text import fmt, fmt_interval, markdown_table

__all__ = ["DIFFERENCES", "EssayMatch", "essay_lines", "essay_match", "option_verdict"]

DIFFERENCES = (
    "two types instead of a continuum of bottom lines, and two rounds instead of the study's",
    "the dealer makes one take-it-or-leave-it demand per round; in the simulation each round "
    "is an alternating-offers negotiation with a deadline, and the dealer has a bottom line "
    "and an outside option of its own",
    "the supplier's types answer in equilibrium, anticipating the dealer's next demand; in "
    "the simulation the supplier plays a fixed rule of its menu and the dealer learns and "
    "plans against it (the empirical game chooses between rules, not answers)",
    "the dealer's cost of meeting the condition is known; in the simulation it is private, "
    "and the supplier learns it",
    "payoffs are surplus over the bottom line (a reject pays both 0); in the simulation they "
    "are utilities, and an ended relationship pays the outside options: compare signs and "
    "orders of magnitude, not levels",
)
"""Where the simulated game differs from the essay's two-round model."""


@dataclass(frozen=True)
class EssayMatch:
    """The essay's game at a study's parameters, with and without the condition."""

    parameters: dict[str, float]
    """``b_low``, ``b_high``, ``p_high``, ``value``, ``cost``, ``fallback``, ``delta``."""
    with_condition: EssayGame
    without: EssayGame

    def round2(self, game: EssayGame) -> float:
        """The supplier's expected round-2 payoff over its types."""
        p = self.parameters["p_high"]
        return (1 - p) * game.round2["low"] + p * game.round2["high"]

    def total(self, game: EssayGame) -> float:
        """The supplier's expected total over its types."""
        p = self.parameters["p_high"]
        return (1 - p) * game.total["low"] + p * game.total["high"]

    @property
    def option(self) -> float:
        """What the condition is worth to the supplier in round 2 (expected over types)."""
        return self.round2(self.with_condition) - self.round2(self.without)

    @property
    def dealer_gain(self) -> float:
        """What the condition is worth to the dealer per round (its total's gain over two
        rounds, halved)."""
        return (self.with_condition.dealer - self.without.dealer) / 2


def _quartiles(prior: object) -> tuple[float, float] | None:
    """The first and third quartiles of a bottom line's prior (``None`` for a known value)."""
    if isinstance(prior, Uniform):
        return prior.low + (prior.high - prior.low) / 4, prior.low + 3 * (
            prior.high - prior.low
        ) / 4
    if isinstance(prior, TruncatedNormal):
        a, b = (0 - prior.mean) / prior.sd, (1 - prior.mean) / prior.sd
        q1, q3 = stats.truncnorm.ppf([0.25, 0.75], a, b, loc=prior.mean, scale=prior.sd)
        return float(q1), float(q3)
    return None


def _mean(prior: object) -> float:
    """The mean of a cost's prior (a number is its own mean)."""
    if isinstance(prior, Uniform):
        return (prior.low + prior.high) / 2
    if isinstance(prior, TruncatedNormal):
        a, b = (0 - prior.mean) / prior.sd, (1 - prior.mean) / prior.sd
        return float(stats.truncnorm.mean(a, b, loc=prior.mean, scale=prior.sd))
    return float(prior)  # type: ignore[arg-type]


def essay_match(study: StudySpec) -> EssayMatch | None:
    """The essay's game at ``study``'s parameters (module docstring), or ``None`` when the
    study has no condition held by its focal party or the focal party's bottom line is known."""
    cond, focal = study.condition, study.arms.party
    if cond is None or cond.holder != focal:
        return None
    quartiles = _quartiles(study.parties[focal].reservation_value)
    if quartiles is None:
        return None
    issue = study.issue
    dealer = next(p for p in study.parties if p != focal)
    share = (cond.fallback - issue.low) / (issue.high - issue.low)
    fallback = share if study.parties[dealer].prefers == "high" else 1.0 - share
    parameters = {
        "b_low": 1.0 - quartiles[1],
        "b_high": 1.0 - quartiles[0],
        "p_high": 0.5,
        "value": float(cond.value),
        "cost": _mean(cond.cost),
        "fallback": float(fallback),
        "delta": 1.0,
    }
    grid = np.linspace(0.0, 1.0, issue.levels or 101)
    return EssayMatch(
        parameters,
        essay_game(**parameters, grid=grid, condition=True),
        essay_game(**parameters, grid=grid, condition=False),
    )


def option_verdict(low: float, high: float, sesoi: float) -> str:
    """The option's value in words, read off an interval (a point value: ``low == high``):
    ``is negligible`` (within the sesoi), ``is worth something to it`` (above 0), ``costs it
    something`` (below 0), else ``is undetermined at this size``."""
    if -sesoi < low and high < sesoi:
        return "is negligible"
    if low > 0:
        return "is worth something to it"
    if high < 0:
        return "costs it something"
    return "is undetermined at this size"


def _pair(mapping: object, text: object = fmt) -> str:
    """``low, high`` of a by-type mapping (one value when they agree)."""
    low, high = mapping["low"], mapping["high"]  # type: ignore[index]
    show = [("none (ended)" if v is None else text(v)) for v in (low, high)]  # type: ignore[operator]
    return show[0] if show[0] == show[1] else f"{show[0]} (low), {show[1]} (high)"


def _table(match: EssayMatch) -> list[str]:
    """The model's play with and without the condition, one row each."""
    header = ["essay_game", "demand 1", "answers", "belief in high after them", "demand 2",
              "supplier's round 2", "supplier's total (expected)", "dealer's total"]  # fmt: skip
    rows = [
        [
            name,
            fmt(game.demand1),
            _pair(game.answers, str),
            _pair(game.posterior),
            _pair(game.demand2),
            _pair(game.round2),
            fmt(match.total(game)),
            fmt(game.dealer),
        ]
        for name, game in (("with the condition", match.with_condition),
                           ("without it", match.without))
    ]  # fmt: skip
    return markdown_table(header, rows)


def _model_lines(match: EssayMatch, sesoi: float) -> list[str]:
    """What the condition does in the model, in words."""
    on, off = match.with_condition, match.without
    shifts = [on.demand1 - off.demand1] + [
        on.demand2[t] - off.demand2[t]  # type: ignore[operator]
        for t in ("low", "high")
        if on.demand2[t] is not None and off.demand2[t] is not None
    ]
    moved = fmt(min(shifts), signed=True)
    if max(shifts) - min(shifts) > 1e-9:
        moved += f" to {fmt(max(shifts), signed=True)}"
    pooled = on.answers["low"] == on.answers["high"]
    answers = (
        "answer alike (they pool, so round 1 teaches the dealer nothing)"
        if pooled
        else "answer apart (they separate, so round 1 tells the dealer the type)"
    )
    keeps = (
        "keeps the condition's net surplus by raising its demands"
        if match.dealer_gain > 1e-9
        else "gains nothing from it"
    )
    return [
        f"In the model the condition moves the dealer's demands by {moved}, and with it the "
        f"two types {answers}. The option is worth {fmt(match.option, signed=True)} to the "
        f"supplier in round 2 (it {option_verdict(match.option, match.option, sesoi)}) and "
        f"{fmt(match.dealer_gain, signed=True)} per round to the dealer: a dealer that sees "
        f"the condition coming {keeps}."
    ]


def _side_gain(game: pd.DataFrame, conditional: list[str], column: str) -> float:
    """A side's mean payoff in the profiles of the conditional strategies minus in those of
    the rest of the supplier's menu, averaged over the dealer's strategies."""
    with_it = game["supplier"].isin(conditional)
    return float(game.loc[with_it, column].mean() - game.loc[~with_it, column].mean())


def _dealer_words(simulated: float, model: float) -> str:
    """Whether the simulated dealers gain from the condition as the model's does."""
    if simulated > 0:
        return (
            "takes a share of the condition's surplus, as in the model"
            if model > 0
            else ("gains where the model's does not")
        )
    return "does not gain, unlike the model's" if model > 0 else "does not gain, as in the model"


def _agreement(match: EssayMatch, best: pd.Series, game: pd.DataFrame, place: str,
               conditional: list[str], sesoi: float) -> str:  # fmt: skip
    """One game's line: the simulated option beside the model's, agree or differ."""
    model = option_verdict(match.option, match.option, sesoi)
    simulated = option_verdict(float(best["ci_low"]), float(best["ci_high"]), sesoi)
    if simulated == model:
        verdict = "agrees with the model"
    elif simulated.endswith("this size"):
        verdict = "cannot be set against the model's at this size"
    else:
        verdict = "differs from the model"
    dealer = _side_gain(game, conditional, "dealer_payoff")
    name = place or "the game"
    return (
        f"- {name[0].upper()}{name[1:]}: in the supplier's best equilibrium the option {simulated} "
        f"({fmt_interval(best, 'estimate')} per later round), which {verdict}; the dealers "
        f"earn {fmt(dealer, signed=True)} per round more against the conditional strategies "
        f"than against the rest of the menu (the model's dealer "
        f"{fmt(match.dealer_gain, signed=True)}), so the simulated dealer "
        f"{_dealer_words(dealer, match.dealer_gain)}."
    )


def essay_lines(study: StudySpec, game: pd.DataFrame, option: pd.DataFrame,
                places: dict[int, str], conditional: list[str]) -> list[str]:  # fmt: skip
    """The report's subsection setting the essay's two-round game beside the empirical game
    (``places``: each game's name in the report, by context)."""
    match = essay_match(study)
    if match is None:
        return []
    p, sesoi = match.parameters, study.analysis.sesoi
    best = option[option["equilibrium"] == "best"].set_index("context")
    lines = [
        "### Beside the essay's two-round game",
        "",
        f"`essay_game` at the matching parameters (the supplier's prior split at its median: "
        f"b_low = {fmt(p['b_low'])}, b_high = {fmt(p['b_high'])}, p_high = {fmt(p['p_high'])}; "
        f"value {fmt(p['value'])}, cost {fmt(p['cost'])} (the mean of its prior), fallback "
        f"{fmt(p['fallback'])}, delta 1, in the dealer's units; see the documentation's "
        "*Strategic answer* page):",
        "",
        *_table(match),
        "",
        *_model_lines(match, sesoi),
        "",
        "The simulated game, game by game (the option as `option.csv` has it; the dealers' "
        "gain from the mean matrices):",
        "",
    ]
    for context, place in places.items():
        if context in best.index:
            lines.append(_agreement(match, best.loc[context], game[game["context"] == context],
                                    place, conditional, sesoi))  # fmt: skip
    return [
        *lines,
        "",
        "Why they may differ: the simulated game is not the model's, in these ways:",
        "",
        *(f"- {d}." for d in DIFFERENCES),
        "",
    ]
