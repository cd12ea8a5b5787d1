"""``[empirical_game]``: an empirical game in which both sides choose.

The focal party (the *supplier* of the game's tables, whatever its name) chooses among some
of its arms; its opponent (the *dealer*) among the values of one sweep axis, e.g. the
dealer's strategy (``"strategies.dealer"``: learning kinds, a planner to the horizon). Every
profile is played on the same replicates: the cells that differ only on that axis share their
replicates' random numbers (:func:`seed_cells`), as the arms of a cell always do, so every
(arm, dealer) pair meets the same types and draws. Every combination of the other sweep axes
is a game of its own (a *context*). The analysis is in
:mod:`bargainlab.analysis.game_rows`: payoff matrices with intervals, every Nash
equilibrium, the regret of every pure profile and the value of the *conditional* strategies
(the face-saving option) in equilibrium.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from ..strategies import describe
from .labels import check_label
from .paths import same_value
from .tables import StudyTable

if TYPE_CHECKING:  # the study assembles this table: only its type is needed here
    from .schema import StudySpec

__all__ = ["EmpiricalGameSpec", "seed_cells"]


class EmpiricalGameSpec(StudyTable):
    """``[empirical_game]``: the focal party's arms against the values of one sweep axis,
    every profile on the same replicates (see :mod:`bargainlab.config.empirical`)."""

    opponent_axis: str
    """The sweep axis whose values are the opponent's strategies (the dealer's menu), e.g.
    ``"strategies.dealer"`` swept over learners of several kinds."""
    opponents: list[str] | None = None
    """A label for each value of ``opponent_axis``, in the order of the sweep (default: the
    values as the reports print them)."""
    arms: list[str] | None = None
    """The focal party's menu: some of its arms, at least two (default: every arm)."""
    conditional: list[str] | None = None
    """The strategies of the menu that use the compensation condition, whose value in
    equilibrium ``option.csv`` gives (default: the arms whose strategy attaches it)."""
    resamples: Annotated[int, Field(ge=100, le=100_000)] = 1000
    """Bootstrap resamples over replicates behind every interval (each re-solves the game for
    the option's value)."""
    level: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.95
    """Level of the percentile intervals."""

    def menu(self, study: StudySpec) -> list[str]:
        """The focal party's menu (its arms, in the study's order, when not given)."""
        return list(self.arms) if self.arms is not None else list(study.arms.strategies)

    def conditional_arms(self, study: StudySpec) -> list[str]:
        """The conditional strategies of the menu (given, or those that attach the
        condition)."""
        if self.conditional is not None:
            return list(self.conditional)
        arms = study.arms.strategies
        return [
            a
            for a in self.menu(study)
            if describe(arms[a].name, arms[a].params).classifier.attaches_condition
        ]

    def axis_values(self, study: StudySpec) -> list[Any]:
        """The distinct values of the opponent axis, in the order of the sweep."""
        values: list[Any] = []
        for grid in study.sweep_grids:
            for value in grid.get(self.opponent_axis, []):
                if not any(same_value(value, seen) for seen in values):
                    values.append(value)
        return values

    def axis_problem(self, study: StudySpec) -> str | None:
        """Why the opponent axis is not one of the study's sweep axes (``None`` when it is)."""
        if self.opponent_axis in study.sweep_axes:
            return None
        axes = ", ".join(study.sweep_axes) or "the study has none"
        return f"must be one of the sweep axes ({axes}); got {self.opponent_axis!r}"

    def check(self, study: StudySpec) -> None:
        """``ValueError`` naming the field when the menu names no arm or fewer than two, the
        conditional strategies are not some but not all of the menu, or (in a study that
        sweeps: a sweep cell's study has no sweep, and a study without one is reported by
        :func:`~bargainlab.config.checks.check_references`) the axis is not swept or the
        labels do not match its values."""
        menu = self.menu(study)
        _some_of("empirical_game.arms", menu, list(study.arms.strategies), least=2)
        _some_of("empirical_game.conditional", self.conditional_arms(study), menu, proper=True)
        if not study.sweep:
            return
        problem = self.axis_problem(study)
        if problem is not None:
            raise ValueError(f"empirical_game.opponent_axis {problem}")
        values = self.axis_values(study)
        if self.opponents is not None:
            if len(self.opponents) != len(values) or len(set(self.opponents)) != len(values):
                raise ValueError(
                    f"empirical_game.opponents must be {len(values)} distinct labels, one per "
                    f"value of {self.opponent_axis}; got {self.opponents!r}"
                )
            for label in self.opponents:
                check_label("empirical_game.opponents: the label", label)


def _some_of(
    field: str,
    chosen: Sequence[str],
    allowed: Sequence[str],
    *,
    least: int = 1,
    proper: bool = False,
) -> None:
    """``ValueError`` unless ``chosen`` are at least ``least`` distinct members of
    ``allowed`` (and, when ``proper``, not all of them)."""
    unknown = [c for c in chosen if c not in allowed]
    if unknown or len(set(chosen)) != len(chosen):
        raise ValueError(
            f"{field} must name distinct strategies among {', '.join(allowed)}; got {list(chosen)!r}"
        )
    if len(chosen) < least or (proper and len(chosen) == len(allowed)):
        need = "some but not all" if proper else f"at least {least}"
        raise ValueError(f"{field} must name {need} of {', '.join(allowed)}; got {list(chosen)!r}")


def seed_cells(
    study: StudySpec, cells: Sequence[int], values: Sequence[Mapping[str, Any]]
) -> dict[int, int]:
    """Cell index -> the cell whose replicates' random numbers it plays: with an empirical
    game, the first cell with the same values on every sweep axis but the opponent axis (so
    every profile of a game meets the same draws); every cell its own otherwise.

    ``values`` are the cells' validated values, axis path -> value, in ``cells`` order."""
    spec = study.empirical_game
    if spec is None:
        return {c: c for c in cells}
    others = [a for a in study.sweep_axes if a != spec.opponent_axis]
    firsts: list[tuple[int, Mapping[str, Any]]] = []
    out = {}
    for cell, cell_values in zip(cells, values, strict=True):
        match = next(
            (
                first
                for first, seen in firsts
                if all(same_value(cell_values.get(a), seen.get(a)) for a in others)
            ),
            None,
        )
        if match is None:
            firsts.append((cell, cell_values))
        out[cell] = cell if match is None else match
    return out
