"""The empirical game's parts of the summary: ``game``, ``equilibria``, ``regrets`` and
``option`` (declared in :mod:`bargainlab.analysis.parts`), from a run's ``replicates`` table.

A study's ``[empirical_game]`` (:class:`~bargainlab.config.empirical.EmpiricalGameSpec`)
names the supplier's menu (some of the focal party's arms), the dealer's (the values of one
sweep axis) and the conditional strategies. Every combination of the other sweep axes that
has every dealer strategy is a game of its own (a *context*, numbered in cell order). In a
game, profile (arm ``i``, dealer ``j``) is read from the cell of dealer ``j``, channels
variant ``all``: per replicate, each side's mean utility per round over the whole
relationship (the supplier's ``payoff_whole``, the dealer's ``total_opponent / rounds``) and
over the later rounds (``payoff_later``, ``opponent_payoff_later``). The cells of a game play
the same replicates' random numbers (:func:`~bargainlab.config.empirical.seed_cells`), so
every profile is paired; :func:`~bargainlab.analysis.empirical_game.analyse` then computes
the payoff table, the equilibria of the mean matrices, the regrets and the option's value
(the supplier's later-round payoff in its best and worst equilibrium, with the conditional
strategies minus without), every interval from the same resamples of the replicates. The
resamples are seeded from the study's seed and the context, so the same tables always give
the same parts.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..config.cells import SweepCells, value_text
from ..config.empirical import EmpiricalGameSpec
from ..config.paths import same_value
from ..config.schema import StudySpec
from .empirical_game import EmpiricalGame, EmpiricalGameAnalysis, analyse, empirical_game
from .parts import EQUILIBRIA, GAME, OPTION, REGRETS, PartName
from .tables import CellTables

__all__ = ["GameContext", "game_contexts", "game_parts", "played_games", "study_game"]

MEASURE = "supplier_later"
"""The outcome the option's value is measured in: the supplier's later-round payoff."""


def study_game(study: StudySpec) -> EmpiricalGameSpec | None:
    """``study.empirical_game`` (None when the study has none)."""
    return getattr(study, "empirical_game", None)


@dataclass(frozen=True)
class GameContext:
    """One game of a study: the cell of each dealer strategy, and the other axes' values."""

    context: int
    """Its number, in cell order."""
    cells: tuple[int, ...]
    """The sweep cell of each dealer strategy, in the order of the dealer's menu."""
    values: dict[str, Any]
    """The values of the sweep axes other than the opponent axis (validated values)."""


def dealer_labels(study: StudySpec) -> list[str]:
    """The dealer's strategies' labels: the spec's, else each axis value as reports print it."""
    spec = _spec(study)
    return list(spec.opponents or [value_text(v) for v in spec.axis_values(study)])


def _spec(study: StudySpec) -> EmpiricalGameSpec:
    """The study's empirical game (``ValueError`` when it has none)."""
    spec = study_game(study)
    if spec is None:
        raise ValueError(f"study {study.name!r} has no [empirical_game]")
    return spec


def game_contexts(study: StudySpec, cells: SweepCells) -> list[GameContext]:
    """The study's games, in cell order: one per combination of the other axes' values that
    has every dealer strategy."""
    spec = _spec(study)
    axis, values = spec.opponent_axis, spec.axis_values(study)
    others = [a for a in study.sweep_axes if a != axis]
    groups: list[tuple[dict[str, Any], dict[int, int]]] = []
    for cell, validated in zip(cells.cells, cells.validated, strict=True):
        key = {a: validated.get(a) for a in others}
        group = next((g for g in groups if _same(g[0], key)), None)
        if group is None:
            group = (key, {})
            groups.append(group)
        position = next(i for i, v in enumerate(values) if same_value(validated.get(axis), v))
        group[1].setdefault(position, cell)
    complete = [(key, found) for key, found in groups if len(found) == len(values)]
    return [
        GameContext(k, tuple(found[i] for i in range(len(values))), key)
        for k, (key, found) in enumerate(complete)
    ]


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two cells have the same values on the axes of ``a``."""
    return all(same_value(a[k], b.get(k)) for k in a)


def _cell_rows(replicates: pd.DataFrame | CellTables, cell: int) -> pd.DataFrame:
    """One cell's rows of the ``replicates`` table."""
    if isinstance(replicates, pd.DataFrame):
        return replicates[replicates["cell"] == cell]
    return replicates.replicates(cell)


_OUTCOMES = ("supplier", "dealer", "supplier_later", "dealer_later")


def _profile_values(rows: pd.DataFrame, arms: Sequence[str], cell: int) -> tuple[np.ndarray, ...]:
    """Per outcome, ``(arms, replicates)`` from one cell's rows (channels ``all``), replicates
    in id order; ``ValueError`` when an arm's replicates differ from the first arm's."""
    rows = rows[rows["channels"] == "all"].sort_values(["arm", "replicate"], kind="stable")
    by_arm = {arm: block for arm, block in rows.groupby("arm", sort=False)}
    missing = [a for a in arms if a not in by_arm]
    if missing:
        raise ValueError(f"cell {cell}: the replicates table has no rows of arm(s) {missing}")
    ids = by_arm[arms[0]]["replicate"].to_numpy()
    out: list[list[np.ndarray]] = [[] for _ in _OUTCOMES]
    for arm in arms:
        block = by_arm[arm]
        if not np.array_equal(block["replicate"].to_numpy(), ids):
            raise ValueError(f"cell {cell}: arm {arm!r} did not play the same replicates")
        columns = (
            block["payoff_whole"],
            block["total_opponent"] / block["rounds"],
            block["payoff_later"],
            block["opponent_payoff_later"],
        )
        for store, values in zip(out, columns, strict=True):
            store.append(values.to_numpy(dtype=np.float64))
    return tuple(np.stack(values) for values in out)


def played_games(
    replicates: pd.DataFrame | CellTables, study: StudySpec, cells: SweepCells
) -> list[tuple[GameContext, EmpiricalGame]]:
    """Each game of the study with its per-replicate payoffs (see the module docstring)."""
    spec = _spec(study)
    arms, dealers = spec.menu(study), dealer_labels(study)
    games = []
    for context in game_contexts(study, cells):
        columns = [_profile_values(_cell_rows(replicates, c), arms, c) for c in context.cells]
        sizes = {values[0].shape[1] for values in columns}
        if len(sizes) != 1:
            raise ValueError(
                f"game {context.context}: its cells {list(context.cells)} played different "
                "numbers of replicates"
            )
        stacked = [np.stack([values[k] for values in columns], axis=1) for k in range(4)]
        game = empirical_game(
            stacked[0],
            stacked[1],
            supplier_labels=arms,
            dealer_labels=dealers,
            outcomes={"supplier_later": stacked[2], "dealer_later": stacked[3]},
        )
        games.append((context, game))
    return games


def _rng(seed: int, context: int) -> np.random.Generator:
    """The resamples' generator of one game: the study's seed, keyed by the game."""
    key = (zlib.crc32(b"empirical_game"), context)
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=key))


def _equilibrium_rows(result: EmpiricalGameAnalysis, game: EmpiricalGame) -> pd.DataFrame:
    """The equilibria with each side's later-round payoff at them and the reasons."""
    table = result.equilibria.table.copy()
    x = table[[f"supplier:{s}" for s in game.supplier_labels]].to_numpy()
    y = table[[f"dealer:{d}" for d in game.dealer_labels]].to_numpy()
    for name in ("supplier_later", "dealer_later"):
        later = game.outcomes[name].mean(axis=2)
        table[name] = np.einsum("ei,ij,ej->e", x, later, y)
    reasons = "; ".join(result.equilibria.reasons)
    table["reasons"] = reasons if reasons else None
    return table


def _context_parts(
    context: GameContext, game: EmpiricalGame, spec: EmpiricalGameSpec, study: StudySpec
) -> dict[str, pd.DataFrame]:
    """The four parts' rows of one game."""
    result = analyse(
        game,
        rng=_rng(study.seed, context.context),
        option=spec.conditional_arms(study),
        measure=MEASURE,
        resamples=spec.resamples,
        level=spec.level,
    )
    dealer_cell = dict(zip(game.dealer_labels, context.cells, strict=True))
    table = result.game.assign(
        context=context.context, cell=result.game["dealer"].map(dealer_cell), n=game.replicates
    )
    assert result.option is not None  # an option was asked for
    return {
        "game": table,
        "equilibria": _equilibrium_rows(result, game).assign(context=context.context),
        "regrets": result.regrets.assign(context=context.context),
        "option": result.option.assign(context=context.context),
    }


def game_parts(
    replicates: pd.DataFrame | CellTables, study: StudySpec, cells: SweepCells
) -> dict[PartName, pd.DataFrame]:
    """The empirical game's four parts of the summary (empty parts when no game is
    complete)."""
    spec = _spec(study)
    frames: dict[str, list[pd.DataFrame]] = {
        "game": [],
        "equilibria": [],
        "regrets": [],
        "option": [],
    }
    for context, game in played_games(replicates, study, cells):
        for name, frame in _context_parts(context, game, spec, study).items():
            frames[name].append(frame)
    declared = {"game": GAME, "equilibria": EQUILIBRIA, "regrets": REGRETS, "option": OPTION}
    out: dict[PartName, pd.DataFrame] = {}
    for name, part in declared.items():
        found = frames[name]
        out[part.name] = part.check(pd.concat(found, ignore_index=True)) if found else part.empty()
    return out
