"""The *When both sides choose* section of a report, its figure and its lines in the answer
and the results index, from the summary's ``game``, ``equilibria``, ``regrets`` and
``option`` parts (:mod:`bargainlab.analysis.game_rows`).

Every number is read from those parts; every sentence is a template. Saving face *survives*
in a game when a conditional strategy is played with positive probability in an equilibrium
(in every equilibrium found, or in some); what it is *worth* is the option's value in the
supplier's best and worst equilibrium, read off its interval against the study's sesoi as
the effects are: negligible, helps (worth something), hurts (costs something) or
undetermined.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from ..analysis.bimatrix import plot_game
from ..analysis.game_rows import dealer_labels
from ..analysis.summary import Summary
from ..config.cells import SweepCells
from ..config.schema import StudySpec
from .essay_match import essay_lines, option_verdict
from .text import axis_label, fmt, fmt_interval, fmt_level, markdown_table, value_text

__all__ = ["game_answer", "game_figure", "game_finding", "game_section"]


def _conditional(summary: Summary) -> list[str]:
    """The conditional strategies (from the option part)."""
    option = summary.option
    return str(option["option"].iloc[0]).split("+") if not option.empty else []


def _places(summary: Summary, study: StudySpec, cells: SweepCells) -> dict[int, str]:
    """Per game, its name in the report: ``game 1 (<axis>: <value>, ...)`` numbered from 1
    by context ("" when the study has one game)."""
    game = summary.game
    spec = study.empirical_game
    firsts = game.drop_duplicates("context")
    if firsts["context"].nunique() <= 1 or spec is None:
        return {int(c): "" for c in firsts["context"]}
    others = [a for a in cells.paths if a != spec.opponent_axis]
    return {
        int(context): f"game {int(context) + 1} ("
        + "; ".join(
            f"{axis_label(a, study)}: {value_text(cells.value(int(cell), a))}" for a in others
        )
        + ")"
        for context, cell in zip(firsts["context"], firsts["cell"], strict=True)
    }


def _verdict(row: pd.Series, sesoi: float) -> str:
    """The option's value in words, read off its interval (:func:`option_verdict`)."""
    return option_verdict(float(row["ci_low"]), float(row["ci_high"]), sesoi)


def _survival(equilibria: pd.DataFrame, conditional: list[str]) -> tuple[int, int, str]:
    """How many equilibria play a conditional strategy, of how many, and the phrase."""
    share = equilibria[[f"supplier:{c}" for c in conditional]].sum(axis=1)
    used, total = int((share > 0).sum()), len(equilibria)
    if total and used == total:
        phrase = "survives: the supplier plays it in every equilibrium found"
    elif used:
        phrase = f"survives in {used} of the {total} equilibria found, not in the others"
    else:
        phrase = "does not survive: no equilibrium found plays it"
    return used, total, phrase


def _mix(eq: pd.Series, side: str, labels: list[str]) -> str:
    """``face_saver 0.94, capitulator 0.06``: the strategies in the support."""
    probs = [(s, float(eq[f"{side}:{s}"])) for s in labels]
    return ", ".join(f"{s} {p:.2f}" if p < 1 else s for s, p in probs if p > 0)


def _equilibrium_lines(eqs: pd.DataFrame, suppliers: list[str], dealers: list[str]) -> list[str]:
    """One bullet per equilibrium: the mixes and each side's payoffs."""
    lines = []
    for _, eq in eqs.iterrows():
        kind = "pure" if bool(eq["pure"]) else "mixed"
        lines.append(
            f"- E{int(eq['equilibrium'])} ({kind}): the supplier plays "
            f"{_mix(eq, 'supplier', suppliers)}, the dealer {_mix(eq, 'dealer', dealers)}; "
            f"payoffs per round {fmt(eq['supplier_payoff'])} (supplier) and "
            f"{fmt(eq['dealer_payoff'])} (dealer), in the later rounds "
            f"{fmt(eq['supplier_later'])} and {fmt(eq['dealer_later'])}."
        )
    return lines


def _option_lines(option: pd.DataFrame, sesoi: float) -> list[str]:
    """What the option is worth in the best and the worst equilibrium."""
    lines = []
    for _, row in option.iterrows():
        lines.append(
            f"- In the supplier's {row['equilibrium']} equilibrium the option "
            f"{_verdict(row, sesoi)}: {fmt_interval(row, 'estimate')} in its later-round "
            f"payoff per round ({fmt(row['with_option'])} with it, "
            f"{fmt(row['without_option'])} without)."
        )
    degenerate = float(option["degenerate_share"].max())
    if degenerate > 0:
        lines.append(
            f"- The game with or without the option was degenerate in {degenerate:.0%} of the "
            "resamples, where equilibria (and so the best and worst) may be missing."
        )
    return lines


def _matrix(game: pd.DataFrame, suppliers: list[str], dealers: list[str]) -> list[str]:
    """The payoff table: a row per supplier strategy, a column per dealer strategy."""
    cells = game.set_index(["supplier", "dealer"])

    def entry(s: str, d: str) -> str:
        """'supplier, dealer' with their intervals."""
        row = cells.loc[(s, d)]
        return (
            f"{fmt(row['supplier_payoff'])} [{fmt(row['supplier_payoff_ci_low'])}, "
            f"{fmt(row['supplier_payoff_ci_high'])}]; {fmt(row['dealer_payoff'])} "
            f"[{fmt(row['dealer_payoff_ci_low'])}, {fmt(row['dealer_payoff_ci_high'])}]"
        )

    return markdown_table(
        ["supplier \\ dealer", *dealers], [[s, *(entry(s, d) for d in dealers)] for s in suppliers]
    )


def _context_lines(summary: Summary, study: StudySpec, context: int, place: str) -> list[str]:
    """One game's subsection."""
    pick = {name: frame[frame["context"] == context] for name, frame in (
        ("game", summary.game), ("equilibria", summary.equilibria), ("option", summary.option),
    )}  # fmt: skip
    game, eqs = pick["game"], pick["equilibria"]
    suppliers, dealers = list(dict.fromkeys(game["supplier"])), list(dict.fromkeys(game["dealer"]))
    conditional = _conditional(summary)
    _, _, phrase = _survival(eqs, conditional)
    lines = [f"### {place[0].upper()}{place[1:]}", ""] if place else []
    lines += [
        f"Mean utility per round over the whole relationship, supplier; dealer, with "
        f"intervals ({int(game['n'].iloc[0])} paired replicates):",
        "",
        *_matrix(game, suppliers, dealers),
        "",
        f"Equilibria of the mean matrices ({len(eqs)} found):",
        "",
        *_equilibrium_lines(eqs, suppliers, dealers),
        "",
    ]
    lines += _alike(game, dealers)
    if bool(eqs["degenerate"].any()):
        reasons = str(eqs["reasons"].dropna().iloc[0]) if eqs["reasons"].notna().any() else ""
        lines += [
            f"The game is degenerate ({reasons}): equilibria may be missing, among them continua.",
            "",
        ]
    lines += [
        f"**Saving face ({' + '.join(conditional)}) {phrase}.**",
        "",
        *_option_lines(pick["option"], study.analysis.sesoi),
        "",
    ]
    return lines


def _alike(game: pd.DataFrame, dealers: list[str]) -> list[str]:
    """A sentence per group of dealer strategies that pay both sides the same in every
    profile: any mix of them is an equilibrium wherever one of them is."""
    columns = game.pivot(
        index="supplier", columns="dealer", values=["supplier_payoff", "dealer_payoff"]
    )
    groups: list[list[str]] = []
    for d in dealers:
        same = next(
            (
                g
                for g in groups
                if columns.xs(g[0], axis=1, level=1).equals(columns.xs(d, axis=1, level=1))
            ),
            None,
        )
        if same is None:
            groups.append([d])
        else:
            same.append(d)
    return [
        f"The dealer strategies {' and '.join(g)} pay both sides exactly the same mean payoffs "
        "in every profile (to the last bit: they played alike on these replicates), so any "
        "mix of them is an equilibrium wherever one of them is, and the game is degenerate "
        "for that reason."
        for g in groups
        if len(g) > 1
    ] + ([""] if any(len(g) > 1 for g in groups) else [])


def _regret_lines(summary: Summary) -> list[str]:
    """The pure profiles an equilibrium in some resamples, with their regret."""
    rows = summary.regrets[summary.regrets["equilibrium_share"] > 0]
    if rows.empty:
        return []
    body = [
        [
            int(r["context"]) + 1,
            r["supplier"],
            r["dealer"],
            f"{fmt(r['regret'])} [{fmt(r['regret_ci_low'])}, {fmt(r['regret_ci_high'])}]",
            f"{r['equilibrium_share']:.1%}",
        ]
        for _, r in rows.iterrows()
    ]
    header = ["game", "supplier", "dealer", "regret [interval]", "an equilibrium in"]
    return [
        "Pure profiles that are an equilibrium in some resamples (regret: the larger of the two "
        "sides' best deviation gains; `regrets.csv` has every profile):",
        "",
        *markdown_table(header, body),
        "",
    ]


def _named(party: str) -> str:
    """`` (the <party>)`` when the focal party has another name than the supplier."""
    return "" if party == "supplier" else f" (the {party})"


def game_section(summary: Summary, study: StudySpec, cells: SweepCells) -> list[str]:
    """The *When both sides choose* section (empty without an empirical game)."""
    if summary.game.empty or study.empirical_game is None:
        return []
    spec = study.empirical_game
    places = _places(summary, study, cells)
    lines = [
        "## When both sides choose: the empirical game",
        "",
        f"The supplier{_named(study.arms.party)} chooses among {', '.join(spec.menu(study))}; the "
        f"dealer among {', '.join(dealer_labels(study))} (the values of "
        f"`{spec.opponent_axis}`). Every profile is played on the same paired replicates; "
        f"intervals are {fmt_level(spec.level)} percentile intervals from {spec.resamples} "
        "resamples of the replicates, every profile at the same draws, and the option's value "
        "re-solves the game with and without the conditional strategies in each. The figure "
        "*game* (under *Figures*) draws the matrices with the equilibria marked.",
        "",
    ]
    for context, place in places.items():
        lines += _context_lines(summary, study, context, place)
    essay = essay_lines(study, summary.game, summary.option, places, _conditional(summary))
    return [*lines, *_regret_lines(summary), *essay]


def game_answer(summary: Summary, study: StudySpec, cells: SweepCells) -> list[str]:
    """A paragraph for the report's *Answer*: does saving face survive, and its worth."""
    if summary.game.empty:
        return []
    conditional = " + ".join(_conditional(summary))
    parts = []
    for context, place in _places(summary, study, cells).items():
        eqs = summary.equilibria[summary.equilibria["context"] == context]
        best = summary.option[
            (summary.option["context"] == context) & (summary.option["equilibrium"] == "best")
        ]
        _, _, phrase = _survival(eqs, _conditional(summary))
        value = fmt_interval(best.iloc[0], "estimate")
        parts.append(
            f"{place + ', ' if place else ''}saving face ({conditional}) {phrase}; in the "
            f"supplier's best equilibrium the option {_verdict(best.iloc[0], study.analysis.sesoi)} "
            f"({value} per later round)"
        )
    return ["When both sides choose (the empirical game): " + "; ".join(parts) + ".", ""]


def game_finding(summary: Summary) -> str:
    """One sentence for the results index (empty without an empirical game)."""
    if summary.option.empty:
        return ""
    best = summary.option[summary.option["equilibrium"] == "best"]
    used = [
        _survival(summary.equilibria[summary.equilibria["context"] == c], _conditional(summary))[:2]
        for c in best["context"]
    ]
    text = ", ".join(f"{u} of {t}" for u, t in used)
    values = ", ".join(fmt_interval(row, "estimate") for _, row in best.iterrows())
    return f"Empirical game: the conditional strategy is played in {text} equilibria; the option is worth {values} in the supplier's best."


def game_figure(summary: Summary, study: StudySpec, cells: SweepCells) -> Figure | None:
    """The payoff matrices of every game with the equilibria marked, one panel each."""
    if summary.game.empty:
        return None
    places = _places(summary, study, cells)
    first = summary.game[summary.game["context"] == next(iter(places))]
    suppliers, dealers = first["supplier"].nunique(), first["dealer"].nunique()
    fig = Figure(figsize=(2.4 * dealers + 2.4, (1.1 * suppliers + 2.2) * len(places)))
    fig.set_layout_engine("constrained")
    axes = fig.subplots(len(places), 1, squeeze=False)[:, 0]
    for ax, (context, place) in zip(axes, places.items(), strict=True):
        plot_game(
            summary.game[summary.game["context"] == context],
            summary.equilibria[summary.equilibria["context"] == context],
            ax=ax,
        )
        if place:
            ax.set_title(f"{place}\n{ax.get_title()}", fontsize=8)
    return fig
