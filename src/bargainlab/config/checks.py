"""Checks of a study beyond its schema: what the run will look up after the simulation.

The schema validates each table and each sweep cell. Some of a study's fields are only used
once every cell has run: null cells name sweep axes or study fields and comparisons of arms,
a tournament names an axis. :func:`check_references` resolves all of them against the sweep
before anything runs, so a mistake there is a :class:`ConfigError` and not a crash after
the whole simulation. :func:`cell_warnings` lists what is legal but suspicious in one cell
(a condition that is unlikely ever to be met, ...); :class:`Warnings` gathers them over the
cells of a sweep, one line per kind.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError, show
from .paths import lookup, same_value
from .schema import StudySpec


def check_references(study: StudySpec, file: str | Path | None) -> list[tuple[str, str]]:
    """Resolve the null cells and the tournament against the sweep.

    Raises :class:`ConfigError` (every problem, each with its field) when a ``where`` path is
    neither a sweep axis nor a field of the study, a null cell's comparison is not one of
    the study's comparisons, or the tournament's or the empirical game's opponent axis is not
    a sweep axis. Returns
    ``(field, warning)`` pairs for null cells that no cell of the run can match.
    """
    references = _References(study)
    findings = [*references.null_cells(), *references.tournament(), *references.game()]
    problems: list[tuple[str | None, str]] = [(f.field, f.message) for f in findings if f.fatal]
    if problems:
        field_, message = problems[0]
        raise ConfigError(file, field_, message, problems)
    return [(f.field, f.message) for f in findings if not f.fatal]


@dataclass(frozen=True)
class _Finding:
    """One thing :func:`check_references` found: a problem (``fatal``) or a warning."""

    field: str
    message: str
    fatal: bool


class _References:
    """The names a study's null cells and tournament refer to, checked against the sweep."""

    def __init__(self, study: StudySpec) -> None:
        """Gather what the checks compare with: the axes, the study's own values, the pairs."""
        self.study = study
        self.axes = study.sweep_axes
        self.dumped = study.model_dump(mode="json")
        self.pairs = [tuple(p) for p in study.arms.pairs()]

    def null_cells(self) -> Iterator[_Finding]:
        """Per null cell in order: its ``where`` paths, its comparison, its channel."""
        for i, null in enumerate(self.study.null_cells):
            for path, wanted in null.where.items():
                found = self.where(path, wanted)
                if found is not None:
                    yield _Finding(f"null_cells.{i}.where", *found)
            if null.comparison is not None and tuple(null.comparison) not in self.pairs:
                yield _Finding(
                    f"null_cells.{i}.comparison",
                    f"{list(null.comparison)!r} is not one of the study's comparisons "
                    "(treatment, control): "
                    f"{', '.join(repr(list(p)) for p in self.pairs) or '(none)'}",
                    fatal=True,
                )
            if null.channel is not None and null.channel not in self.study.channels.switched_off():
                yield _Finding(
                    f"null_cells.{i}.channel",
                    f"names the {null.channel} channel, but channels.decompose does not "
                    "switch it off: the null cell will not be checked",
                    fatal=False,
                )

    def where(self, path: str, wanted: Any) -> tuple[str, bool] | None:
        """``(message, fatal)`` about one ``where`` entry of a null cell, ``None`` when fine.

        A sweep axis must take the value in some cell (or the study's own value must be it,
        for the cells of a grid without the axis); another path must be a field of the study
        (fatal otherwise), and a value the study does not have matches no cell.
        """
        if path in self.axes:
            values = [v for grid in self.study.sweep_grids for v in grid.get(path, [])]
            if any(same_value(v, wanted) for v in values) or _base_matches(
                self.dumped, path, wanted
            ):
                return None
            shown = ", ".join(show(v) for v in values[:10])
            return (
                f"{path} = {show(wanted)} is none of the axis's values ({shown}): no cell matches",
                False,
            )
        try:
            value = lookup(self.dumped, path)
        except ValueError:
            return (
                f"{path!r} is neither a sweep axis nor a field set in the study; "
                f"sweep axes: {', '.join(self.axes) or '(none)'}",
                True,
            )
        if same_value(value, wanted):
            return None
        return f"{path} is {show(value)} in this study, not {show(wanted)}: no cell matches", False

    def tournament(self) -> Iterator[_Finding]:
        """The tournament's opponent axis must be a sweep axis."""
        tournament = self.study.tournament
        if tournament is not None and tournament.opponent_axis not in self.axes:
            yield _Finding(
                "tournament.opponent_axis",
                f"must be one of the sweep axes ({', '.join(self.axes) or 'the study has none'}); "
                f"got {tournament.opponent_axis!r}",
                fatal=True,
            )

    def game(self) -> Iterator[_Finding]:
        """The empirical game's opponent axis must be a sweep axis."""
        spec = self.study.empirical_game
        problem = spec.axis_problem(self.study) if spec is not None else None
        if problem is not None:
            yield _Finding("empirical_game.opponent_axis", problem, fatal=True)


def _base_matches(dumped: dict[str, Any], path: str, wanted: Any) -> bool:
    """Whether the study's own value at ``path`` is ``wanted`` (``False`` when it has none)."""
    try:
        return same_value(lookup(dumped, path), wanted)
    except ValueError:
        return False


def cell_warnings(study: StudySpec) -> list[tuple[str, str, str]]:
    """``(field, kind, message)`` for what is legal but suspicious in one cell's study."""
    reach = study.condition_reach()
    cond = study.condition
    if reach is None or cond is None:
        return []
    out = []
    obliged = next(p for p in study.parties if p != cond.holder)
    if not reach.never_met and reach.threshold > reach.best_from_holder + 1e-12:
        out.append(
            (
                "condition.fallback",
                "holder-never-concedes-enough",
                f"{obliged} meets the condition only on terms worth at least "
                f"{reach.threshold:.3g} to it (its utility of the fallback {cond.fallback} plus "
                f"the lowest cost), more than the {reach.best_from_holder:.3g} that {cond.holder} "
                "concedes at its lowest reservation value: the condition is likely never met",
            )
        )
    if reach.fallback_utility > 0.5 ** study.parties[obliged].curvature + 1e-12:
        out.append(
            (
                "condition.fallback",
                "fallback-favours-obliged",
                f"the fallback {cond.fallback} lies on the side of the range that "
                f"{obliged} (the obliged party) prefers: an unmet condition rewards it instead "
                f"of penalising it; the fallback usually points toward {cond.holder}'s end",
            )
        )
    if reach.highest_cost == 0.0 and reach.fallback_utility == 0.0 and cond.value > 0:
        out.append(
            (
                "condition.cost",
                "always-met",
                "the cost is always 0 and the fallback is the obliged party's worst terms: "
                "the condition is always met, a free transfer of its value to "
                f"{cond.holder} rather than a decision",
            )
        )
    return out


@dataclass
class Warnings:
    """Warnings gathered over the cells of a sweep: one line per field and kind, with the
    number of cells concerned and the first of them as an example."""

    file: str | None = None
    items: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    study_level: list[tuple[str, str]] = field(default_factory=list)
    n_cells: int = 0

    def add_cell(self, index: int, values: dict[str, Any], study: StudySpec) -> None:
        """Count one cell's warnings; the first cell of each kind is kept as the example."""
        self.n_cells += 1
        for field_, kind, message in cell_warnings(study):
            entry = self.items.setdefault((field_, kind), [message, 0, index, values])
            entry[1] += 1

    def lines(self) -> list[str]:
        """The warnings as lines ``file: field: message``."""
        out = [self._line(f, m) for f, m in self.study_level]
        for (field_, _), (message, count, index, values) in self.items.items():
            if values:
                where = ", ".join(f"{a}={show(v)}" for a, v in values.items())
                scope = f"in {count} of {self.n_cells} sweep cells, e.g. cell {index}: {where}"
                message = f"{message} ({scope})"
            out.append(self._line(field_, message))
        return out

    def _line(self, field_: str, message: str) -> str:
        """``file: field: message``, leaving out the parts that are empty."""
        return ": ".join(p for p in (self.file, field_, message) if p)


__all__ = ["Warnings", "cell_warnings", "check_references"]
