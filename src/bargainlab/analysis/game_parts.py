"""The parts of an empirical game's summary (``[empirical_game]``): :data:`GAME`, the payoff
table of every profile; :data:`EQUILIBRIA`, the Nash equilibria of its mean matrices;
:data:`REGRETS`, the regret of each pure profile; :data:`OPTION`, the value of the
conditional strategies in equilibrium. Declared like every part
(:mod:`bargainlab.analysis.parts` lists them in :data:`~bargainlab.analysis.parts.PARTS`);
computed by :mod:`bargainlab.analysis.game_rows`.
"""

from __future__ import annotations

from ..relationships.table import Column
from .tidy import Part

__all__ = ["EQUILIBRIA", "GAME", "OPTION", "REGRETS"]

_GAME = Column(
    "context",
    "int64",
    "The game: one per combination of the sweep axes other than the empirical game's opponent axis that has every opponent strategy, numbered in cell order.",
)
_SUPPLIER = Column(
    "supplier", "string", "The supplier's strategy: an arm of the focal party's menu."
)
_DEALER = Column(
    "dealer", "string", "The dealer's strategy: the label of a value of the opponent axis."
)


def _interval(name: str, meaning: str, unit: str = "utility") -> tuple[Column, Column, Column]:
    """A quantity and its percentile interval: ``name``, ``name_ci_low``, ``name_ci_high``."""
    return (
        Column(name, "float64", meaning, unit=unit),
        Column(f"{name}_ci_low", "float64", f"Lower end of the percentile bootstrap interval of `{name}` (resampling replicates, every profile at the same draws).", unit=unit),
        Column(f"{name}_ci_high", "float64", "Upper end of that interval.", unit=unit),
    )  # fmt: skip


_WHOLE = "mean utility per round over the whole relationship (a relationship that has ended counts with the outside option)"
_LATER = "mean utility per round over rounds 2..R"

GAME = Part(
    "game",
    "One profile of an empirical game (`[empirical_game]`): the supplier (the focal party) plays an arm of its menu against one dealer strategy (a value of the opponent axis), both on the same paired replicates as every other profile of the game.",
    (
        _GAME, _SUPPLIER, _DEALER,
        Column("cell", "int64", "The sweep cell in which this dealer strategy plays in this game."),
        Column("n", "int64", "Paired replicates behind the means."),
        *_interval("supplier_payoff", f"The supplier's {_WHOLE}."),
        *_interval("dealer_payoff", f"The dealer's {_WHOLE}."),
        *_interval("supplier_later", f"The supplier's {_LATER}."),
        *_interval("dealer_later", f"The dealer's {_LATER}."),
    ),
    ("context", "supplier", "dealer"),
)  # fmt: skip

EQUILIBRIA = Part(
    "equilibria",
    "One Nash equilibrium of a game's mean payoff matrices (`supplier_payoff`, `dealer_payoff` of `game`), found with nashpy's support enumeration and vertex enumeration (`bargainlab.analysis.bimatrix`).",
    (
        _GAME,
        Column("equilibrium", "int64", "The equilibrium's number in its game: 1, 2, ... by support size, then support."),
        Column("supplier_payoff", "float64", f"The supplier's {_WHOLE}, at the equilibrium's mixed strategies.", unit="utility"),
        Column("dealer_payoff", "float64", f"The dealer's {_WHOLE}, at the equilibrium.", unit="utility"),
        Column("supplier_later", "float64", f"The supplier's {_LATER}, at the equilibrium.", unit="utility"),
        Column("dealer_later", "float64", f"The dealer's {_LATER}, at the equilibrium.", unit="utility"),
        Column("pure", "bool", "Whether both sides play one strategy."),
        Column("degenerate", "bool", "Whether the game was found degenerate: then equilibria may be missing (support enumeration is exact for nondegenerate games only)."),
        Column("reasons", "string", "Why the game was found degenerate (blank when it was not)."),
    ),
    ("context", "equilibrium"),
    optional=("reasons",),
    families=(
        Column("supplier:", "float64", "The probability the supplier plays the strategy `<label>` in this equilibrium."),
        Column("dealer:", "float64", "The probability the dealer plays the strategy `<label>`."),
    ),
)  # fmt: skip

REGRETS = Part(
    "regrets",
    "One pure profile's regret in an empirical game: what each side would gain by its best deviation, with percentile intervals; 0 for both at a pure equilibrium.",
    (
        _GAME, _SUPPLIER, _DEALER,
        *_interval("supplier_regret", "The supplier's best deviation gain: its best payoff against this dealer strategy minus this profile's."),
        *_interval("dealer_regret", "The dealer's best deviation gain against this supplier strategy."),
        *_interval("regret", "The larger of the two."),
        Column("equilibrium", "bool", "Whether the profile is a pure equilibrium of the mean matrices (regret exactly 0)."),
        Column("equilibrium_share", "float64", "The share of resamples in which it is one."),
    ),
    ("context", "supplier", "dealer"),
)  # fmt: skip

OPTION = Part(
    "option",
    "What the conditional strategies (the face-saving option) are worth to the supplier in equilibrium: its later-round payoff in its best (worst) equilibrium with its whole menu minus its best (worst) equilibrium without them, each resample re-solving both games.",
    (
        _GAME,
        Column("equilibrium", "string", "`best` or `worst`: the supplier's best or worst equilibrium by its whole-relationship payoff (ties: the higher, resp. lower, later-round payoff)."),
        Column("option", "string", "The conditional strategies, joined by `+`."),
        Column("measure", "string", "The game's outcome the value is measured in (`supplier_later`)."),
        Column("with_option", "float64", "The measure in that equilibrium of the game with the whole menu.", unit="utility"),
        Column("without_option", "float64", "The measure in that equilibrium of the game without the conditional strategies.", unit="utility"),
        Column("estimate", "float64", "`with_option - without_option`.", unit="utility"),
        Column("ci_low", "float64", "Lower end of its percentile interval over resamples (each re-solved).", unit="utility"),
        Column("ci_high", "float64", "Upper end of that interval.", unit="utility"),
        Column("degenerate_share", "float64", "The share of resamples in which either game was found degenerate."),
        Column("dropped", "int64", "Resamples left out because an equilibrium was not found (possible only in degenerate games)."),
    ),
    ("context", "equilibrium"),
)  # fmt: skip
