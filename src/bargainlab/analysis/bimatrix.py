"""Bimatrix games: every Nash equilibrium with nashpy, signs of degeneracy, and the figure.

:func:`solve` runs nashpy's support enumeration (Nisan et al. 2007, *Algorithmic Game
Theory*, Algorithm 3.4) on a row player's matrix A and a column player's matrix B. A
nondegenerate game has an odd number of equilibria, and no mixed strategy with support of
size k has more than k pure best responses (§3.4).

nashpy 0.0.43's support enumeration drops a support pair when rounding leaves a probability
of an off-support strategy at about −1e-17 (its sign test ignores its tolerance): in about a
quarter of random nondegenerate 4 × 3 games it misses an equilibrium. Where it returns an
even number of equilibria (it warns), and always with ``thorough=True``, :func:`solve` adds
nashpy's vertex enumeration (Avis et al. 2010), which this does not affect; every
equilibrium returned is checked to be one (no deviation gains more than 1e-9 of the payoff
scale). Support enumeration missing two equilibria at once (about 1.5% of random 4 × 3
games) is not detected without ``thorough``.

Support and vertex enumeration assume a nondegenerate game, so in a degenerate one
equilibria with unequal supports, or continua of them, may be missing. The game is called
degenerate, and :attr:`Solution.reasons` says why, when

* the number of equilibria found is even;
* a pure strategy has more than one pure best response; or
* a found equilibrium has more pure best responses than the other side's support size,

ties counting within 1e-12 of the largest payoff magnitude (at least 1). These are the
checks that touch pure strategies and the equilibria found, not a proof of nondegeneracy.
Vertex enumeration can fail on a degenerate game (an infeasible linear program or a flat
hull); that is said among the reasons too, and the support enumeration's equilibria kept.

:func:`plot_game` draws the payoff table of an empirical game (``game.csv``) as a bimatrix
with the equilibria (``equilibria.csv``) marked.
"""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import nashpy
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from scipy.spatial import QhullError

_SUPPORT_TOL = 1e-16  # nashpy's: a strategy in the support has probability above it

__all__ = ["Equilibria", "Solution", "equilibrium_table", "plot_game", "solve"]


Profile = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Solution:
    """The equilibria of a bimatrix game.

    Attributes
    ----------
    profiles:
        Every equilibrium found, as (row player's, column player's) probability vectors.
    reasons:
        Why the game was found degenerate; empty when no check fired.
    """

    profiles: list[Profile]
    reasons: tuple[str, ...]

    @property
    def degenerate(self) -> bool:
        """Whether any check of degeneracy fired."""
        return bool(self.reasons)


def _responses(payoffs: np.ndarray, tol: float) -> np.ndarray:
    """The number of pure best responses along the last axis (within ``tol`` of the best)."""
    return np.sum(payoffs >= payoffs.max(axis=-1, keepdims=True) - tol, axis=-1)


def _clean(probabilities: np.ndarray) -> np.ndarray:
    """A strategy as floats, with what nashpy's tolerance treats as off the support set to 0."""
    x = np.asarray(probabilities, dtype=np.float64)
    return np.where(x > _SUPPORT_TOL, x, 0.0)


def _scale(a: np.ndarray, b: np.ndarray) -> float:
    """The largest payoff magnitude, at least 1: tolerances are relative to it."""
    return max(1.0, float(np.abs(a).max()), float(np.abs(b).max()))


def _equilibria(game: nashpy.Game, method: str, a: np.ndarray, b: np.ndarray) -> list[Profile]:
    """The profiles one of nashpy's enumerations returns that are equilibria (within 1e-9)."""
    tol = 1e-9 * _scale(a, b)
    out = []
    for x, y in getattr(game, method)():
        x, y = _clean(x), _clean(y)
        if (a @ y).max() - x @ a @ y <= tol and (x @ b).max() - x @ b @ y <= tol:
            out.append((x, y))
    return out


def _support_key(profile: Profile) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
    """Order equilibria by support size, then by the strategies in the supports."""
    x, y = profile
    return (
        int(np.count_nonzero(x)),
        tuple(np.flatnonzero(x).tolist()),
        tuple(np.flatnonzero(y).tolist()),
    )


def _union(first: list[Profile], second: list[Profile]) -> list[Profile]:
    """Both lists without repeats (profiles within 1e-9), by support size, then support."""
    out = list(first)
    for x, y in second:
        if not any(np.allclose(x, u, rtol=0, atol=1e-9) and np.allclose(y, v, rtol=0, atol=1e-9)
                   for u, v in out):  # fmt: skip
            out.append((x, y))
    return sorted(out, key=_support_key)


def _degeneracy(a: np.ndarray, b: np.ndarray, found: list[Profile]) -> tuple[str, ...]:
    """The checks of degeneracy that fired (module text)."""
    tol = 1e-12 * _scale(a, b)
    reasons = []
    if len(found) % 2 == 0:
        reasons.append(f"an even number ({len(found)}) of equilibria was found")
    if np.any(_responses(a.T, tol) > 1) or np.any(_responses(b, tol) > 1):
        reasons.append("a pure strategy has more than one pure best response")
    if any(
        _responses(a @ y, tol) > np.count_nonzero(y) or _responses(x @ b, tol) > np.count_nonzero(x)
        for x, y in found
    ):
        reasons.append("an equilibrium has more pure best responses than the other's support")
    return tuple(reasons)


def solve(a: np.ndarray, b: np.ndarray, *, thorough: bool = False) -> Solution:
    """Every equilibrium nashpy finds in (A, B), and signs of degeneracy (module text).

    ``a[i, j]`` and ``b[i, j]`` are the row and column player's payoffs when the row player
    plays i and the column player j (finite, same shape). Support enumeration runs first;
    vertex enumeration is added when it finds an even number, or always when ``thorough``
    (not when a player has one strategy: then every equilibrium is pure, and found).
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.ndim != 2 or a.shape != b.shape or a.size == 0:
        raise ValueError(
            f"a and b must be non-empty matrices of one shape, got {a.shape}, {b.shape}"
        )
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("a and b must be finite (no NaN or infinity)")
    game = nashpy.Game(a, b)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # nashpy's even-number warning
        found = _union([], _equilibria(game, "support_enumeration", a, b))
        failed = []
        if (thorough or len(found) % 2 == 0) and min(a.shape) > 1:
            try:
                found = _union(found, _equilibria(game, "vertex_enumeration", a, b))
            except (
                TypeError,
                ValueError,
                QhullError,
            ) as err:  # its LP or hull on a degenerate game
                failed.append(f"nashpy's vertex enumeration failed ({type(err).__name__})")
    return Solution(found, (*failed, *_degeneracy(a, b, found)))


@dataclass(frozen=True)
class Equilibria:
    """The Nash equilibria of one game, from :func:`equilibrium_table`.

    Attributes
    ----------
    table:
        One row per equilibrium (``equilibria.csv``).
    degenerate:
        Whether the game was found degenerate: then equilibria may be missing from ``table``.
    reasons:
        Why it was found degenerate (empty otherwise).
    """

    table: pd.DataFrame
    degenerate: bool
    reasons: tuple[str, ...]


def equilibrium_table(
    a: np.ndarray, b: np.ndarray, supplier_labels: Sequence[str], dealer_labels: Sequence[str]
) -> Equilibria:
    """Solve the supplier's (rows) and dealer's (columns) payoff matrices: one row per
    equilibrium, ``equilibrium`` (1, 2, ...), ``supplier:<label>`` and ``dealer:<label>``
    probabilities, ``supplier_payoff``, ``dealer_payoff``, ``pure`` and ``degenerate``."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.ndim != 2 or a.shape != (len(supplier_labels), len(dealer_labels)):
        raise ValueError(
            f"a has shape {a.shape}; expected ({len(supplier_labels)}, {len(dealer_labels)}), "
            "one row per supplier label and one column per dealer label"
        )
    solution = solve(a, b, thorough=True)
    columns = [
        "equilibrium",
        *(f"supplier:{s}" for s in supplier_labels),
        *(f"dealer:{d}" for d in dealer_labels),
        "supplier_payoff",
        "dealer_payoff",
        "pure",
        "degenerate",
    ]
    rows = [
        [k, *x, *y, x @ a @ y, x @ b @ y, max(np.count_nonzero(x), np.count_nonzero(y)) == 1]
        for k, (x, y) in enumerate(solution.profiles, start=1)
    ]
    frame = pd.DataFrame(rows, columns=columns[:-1])
    frame["degenerate"] = solution.degenerate
    return Equilibria(frame, solution.degenerate, solution.reasons)


def _cell_text(row: pd.Series) -> str:
    """'supplier, dealer' means with their intervals below."""
    means = f"{row['supplier_payoff']:.3f}, {row['dealer_payoff']:.3f}"
    low = f"[{row['supplier_payoff_ci_low']:.3f}, {row['supplier_payoff_ci_high']:.3f}]"
    high = f"[{row['dealer_payoff_ci_low']:.3f}, {row['dealer_payoff_ci_high']:.3f}]"
    return f"{means}\n{low}\n{high}"


def _equilibrium_note(k: int, eq: pd.Series, suppliers: list[str], dealers: list[str]) -> str:
    """One line per equilibrium: its mixed strategies and payoffs."""

    def mix(side: str, labels: list[str]) -> str:
        """The strategies in the support with their probabilities."""
        probs = [(s, float(eq[f"{side}:{s}"])) for s in labels]
        return ", ".join(f"{s} {p:.2f}" for s, p in probs if p > 0)

    return (
        f"E{k}: supplier {mix('supplier', suppliers)}; dealer {mix('dealer', dealers)}; "
        f"payoffs {eq['supplier_payoff']:.3f}, {eq['dealer_payoff']:.3f}"
    )


def _marks(
    equilibria: pd.DataFrame, suppliers: list[str], dealers: list[str]
) -> tuple[dict[tuple[int, int], list[str]], set[tuple[int, int]], list[str]]:
    """The marks Ek of every cell in an equilibrium's support, the pure equilibria's cells,
    and one note per equilibrium."""
    marks: dict[tuple[int, int], list[str]] = {}
    pure: set[tuple[int, int]] = set()
    notes = []
    for k, (_, eq) in enumerate(equilibria.iterrows(), start=1):
        rows = [i for i, s in enumerate(suppliers) if eq[f"supplier:{s}"] > 0]
        cols = [j for j, d in enumerate(dealers) if eq[f"dealer:{d}"] > 0]
        for cell in ((i, j) for i in rows for j in cols):
            marks.setdefault(cell, []).append(f"E{k}")
            if len(rows) == len(cols) == 1:
                pure.add(cell)
        notes.append(_equilibrium_note(k, eq, suppliers, dealers))
    return marks, pure, notes


def plot_game(game: pd.DataFrame, equilibria: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Draw the bimatrix of ``game`` (``game.csv`` rows) with ``equilibria`` marked.

    Each cell shows the supplier's and the dealer's mean payoff and their intervals; a cell
    in the support of equilibrium k carries the mark Ek (shaded when the equilibrium is pure),
    and the equilibria are listed under the matrix. Without ``ax`` a new Figure is made
    (not registered with pyplot); the Figure is returned.
    """
    suppliers = list(dict.fromkeys(game["supplier"]))
    dealers = list(dict.fromkeys(game["dealer"]))
    if ax is None:
        fig = Figure(figsize=(2.2 * len(dealers) + 2.0, 1.0 * len(suppliers) + 1.6))
        fig.set_layout_engine("constrained")
        ax = fig.add_subplot()
    fig = cast(Figure, ax.figure)
    cells = game.set_index(["supplier", "dealer"])
    marks, pure, notes = _marks(equilibria, suppliers, dealers)
    for i, s in enumerate(suppliers):
        for j, d in enumerate(dealers):
            face = "#c6dbef" if (i, j) in pure else "white"
            ax.add_patch(Rectangle((j, i), 1, 1, facecolor=face, edgecolor="0.5"))
            ax.text(j + 0.5, i + 0.55, _cell_text(cells.loc[(s, d)]), ha="center", va="center",
                    fontsize=7)  # fmt: skip
            if (i, j) in marks:
                ax.text(j + 0.04, i + 0.08, " ".join(marks[(i, j)]), va="top", fontsize=7,
                        fontweight="bold", color="#08519c")  # fmt: skip
    ax.set_xlim(0, len(dealers))
    ax.set_ylim(len(suppliers), 0)
    ax.set_xticks(np.arange(len(dealers)) + 0.5, dealers)
    ax.set_yticks(np.arange(len(suppliers)) + 0.5, suppliers)
    ax.xaxis.tick_top()
    width = max(40, int(13 * fig.get_figwidth()))  # characters of 7-point text per line
    lines = [textwrap.fill(n, width, subsequent_indent="    ") for n in notes]
    ax.set_xlabel("\n".join(lines) or "no equilibrium found", fontsize=7, loc="left")
    ax.set_ylabel("supplier")
    ax.set_title(
        "dealer\ncells: supplier, dealer mean payoff; supplier's interval; dealer's", fontsize=8
    )
    return fig
