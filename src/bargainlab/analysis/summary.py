"""A run's summary, computed from its small tables (never from the rounds table): a typed
:class:`Summary` of tidy parts.

:func:`summarize` reads the ``replicates`` table (and, when the run has them, the
``mediation`` table and a bounded sample of rounds for the calibration checks); the tables are
declared in :mod:`bargainlab.analysis.tables`, the statistics are in
:mod:`bargainlab.analysis.decisions` and :mod:`bargainlab.analysis.inference`. It returns a
:class:`Summary`: one DataFrame per part (``effects``, ``survival``, ``mediation``,
``channels``, ``power``, ``nulls``, ``robustness``, ``calibration`` and, with a tournament,
``tournament_payoff``, ``tournament_mix``, ``tournament_fixation``), each with the columns its
declaration in :mod:`bargainlab.analysis.parts` gives, keyed by ``cell`` (the run's
``cells.parquet`` says what a cell is) and never carrying a column that does not apply to it.
A run writes it as ``summary/<part>.csv``, one file per part that applies to the study
(:meth:`Summary.write`; :meth:`Summary.read` reads it back). Everything is deterministic:
resamples are seeded from ``study.seed`` and the cell, so the same tables always give the same
bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path

import pandas as pd

from ..config.cells import SweepCells
from ..config.schema import StudySpec
from ..support.files import write_text_atomic
from .calibration import direction_checks
from .decisions import DESCRIPTIVE, decide
from .effects import windows_for
from .game_rows import game_parts, study_game
from .mechanism import mechanism_rows
from .nulls import null_rows
from .parts import CALIBRATION, PARTS, POWER, PartName, part
from .robustness import robustness_rows
from .tables import PIECES, WINDOWS, CellTables
from .tournament import TournamentSpec
from .tournament_rows import study_tournament, tournament_parts, tournament_results

__all__ = ["Summary", "headline_mask", "headline_rows", "headline_window", "summarize"]


@dataclass(frozen=True, eq=False)
class Summary:
    """A run's summary: one DataFrame per part (declared in :mod:`bargainlab.analysis.parts`).

    Every attribute is a DataFrame with its part's columns; a part that does not apply to the
    study (no mediation table, no decomposition, no tournament, no null cell) is empty and
    left out of :attr:`parts`, which lists the parts the study has (and :meth:`write`
    writes)."""

    effects: pd.DataFrame
    survival: pd.DataFrame
    mediation: pd.DataFrame
    channels: pd.DataFrame
    mechanism: pd.DataFrame
    power: pd.DataFrame
    nulls: pd.DataFrame
    robustness: pd.DataFrame
    calibration: pd.DataFrame
    tournament_payoff: pd.DataFrame
    tournament_mix: pd.DataFrame
    tournament_fixation: pd.DataFrame
    game: pd.DataFrame
    equilibria: pd.DataFrame
    regrets: pd.DataFrame
    option: pd.DataFrame
    parts: tuple[PartName, ...] = ()
    """The parts that apply to the study, in the order of :data:`~bargainlab.analysis.parts.PARTS`."""

    @classmethod
    def of(cls, frames: dict[PartName, pd.DataFrame]) -> Summary:
        """A summary of the parts in ``frames`` (each checked against its declaration); the
        other parts are empty and do not apply."""
        unknown = sorted(set(frames) - {p.name for p in PARTS})
        if unknown:
            raise ValueError(f"no summary part(s) {unknown}; parts: {[p.name for p in PARTS]}")
        tables = {p.name: p.check(frames[p.name]) if p.name in frames else p.empty() for p in PARTS}
        for p in PARTS:
            p.check_keys(tables[p.name])
        return cls(**tables, parts=tuple(p.name for p in PARTS if p.name in frames))

    def has(self, name: PartName) -> bool:
        """Whether the part ``name`` applies to the study."""
        return name in self.parts

    def part(self, name: PartName) -> pd.DataFrame:
        """The part ``name`` (empty when it does not apply)."""
        part(name)  # a KeyError naming the parts for an unknown name
        return getattr(self, name)

    def write(self, folder: str | Path) -> list[Path]:
        """Write ``<folder>/<part>.csv`` for every part the study has (each atomically) and
        remove the file of any other part; return the files written, in part order."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for declared in PARTS:
            path = folder / declared.file
            if declared.name in self.parts:
                write_text_atomic(path, declared.to_csv(getattr(self, declared.name)))
                written.append(path)
            else:
                path.unlink(missing_ok=True)
        return written

    @classmethod
    def read(cls, folder: str | Path) -> Summary:
        """The summary written into ``folder`` by :meth:`write` (the same values to the last
        bit, in the declared dtypes)."""
        folder = Path(folder)
        if not folder.is_dir():
            raise FileNotFoundError(f"{folder}: no summary folder")
        frames = {p.name: p.read_csv(folder / p.file) for p in PARTS if (folder / p.file).is_file()}
        return cls.of(frames)

    def equals(self, other: Summary) -> bool:
        """Whether both summaries have the same parts with the same values."""
        return self.parts == other.parts and all(
            getattr(self, f.name).equals(getattr(other, f.name))
            for f in fields(self)
            if f.name != "parts"
        )

    def headline(self, study: StudySpec) -> pd.DataFrame:
        """The rows of :attr:`effects` in each cell's headline window (see
        :func:`headline_mask`)."""
        return headline_rows(self.effects, study)

    def with_parts(self, **frames: pd.DataFrame) -> Summary:
        """A copy with some parts replaced (checked against their declarations)."""
        checked = {name: part(name).check(frame) for name, frame in frames.items()}
        return replace(self, **checked)


def headline_window(study: StudySpec, rounds: int) -> str:
    """The study's headline window in a cell of ``rounds`` rounds (``round1`` when the cell
    has no later rounds)."""
    window = study.analysis.headline
    return window if window in windows_for(rounds) else "round1"


def headline_mask(effects: pd.DataFrame, study: StudySpec) -> pd.Series:
    """The rows of ``effects`` in each cell's headline window (``round1`` in a cell that has
    only that window)."""
    if effects.empty:
        return pd.Series(False, index=effects.index)
    windows = effects.groupby("cell")["window"].agg(set)
    wanted = {
        cell: (study.analysis.headline if study.analysis.headline in have else "round1")
        for cell, have in windows.items()
    }
    return effects["window"] == effects["cell"].map(wanted)


def headline_rows(effects: pd.DataFrame, study: StudySpec) -> pd.DataFrame:
    """The rows of ``effects`` in each cell's headline window."""
    return effects[headline_mask(effects, study)]


_COMPONENTS = ["total", "survival", *PIECES, "information", "surplus", "precedent"]
"""The order of the decompositions' components (any other one after them, as made)."""


def _ordered(frame: pd.DataFrame, study: StudySpec) -> pd.DataFrame:
    """A part's rows by window (the headline window first), cell, comparison (in the study's
    order) and component; rows that tie keep their order."""
    pairs = {(t, c): i for i, (t, c) in enumerate(study.arms.pairs())}
    head = study.analysis.headline
    windows = {w: i for i, w in enumerate([head, *(w for w in WINDOWS if w != head)])}
    rank = pd.DataFrame(index=frame.index)
    if "component" not in frame.columns:  # a decided family: windows first
        rank["_window"] = frame["window"].map(windows).fillna(0)
    rank["_cell"] = frame["cell"]
    pair = pd.Series(list(zip(frame["treatment"], frame["control"], strict=True)), frame.index)
    rank["_pair"] = pair.map(pairs).fillna(len(pairs))
    if "component" in frame.columns:
        components = {c: i for i, c in enumerate(_COMPONENTS)}
        rank["_component"] = frame["component"].map(components).fillna(len(components))
    order = rank.sort_values(list(rank.columns), kind="stable").index
    return frame.loc[order].reset_index(drop=True)


def _decided_parts(
    replicates: pd.DataFrame | CellTables,
    study: StudySpec,
    cells: SweepCells,
    mediation: pd.DataFrame | None,
) -> dict[PartName, pd.DataFrame]:
    """``effects``, ``survival``, ``mediation``, ``channels``, ``power`` and ``nulls``: the
    parts of the tested rows that apply to the study."""
    tested = {
        name: _ordered(frame, study)
        for name, frame in decide(replicates, study, mediation=mediation).items()
    }
    applies = _applies(replicates, study, mediation)
    out = {name: tested.get(name, part(name).empty()) for name in applies}
    if "power" in applies:
        decided = [f[f["family"] != DESCRIPTIVE] for f in tested.values()]
        decided = [f for f in decided if len(f)]
        out["power"] = pd.concat(decided, ignore_index=True) if decided else POWER.empty()
    if "effects" in applies:
        found = mechanism_rows(out["effects"], study, cells)
        if not found.empty:
            out["mechanism"] = found
    if "nulls" in applies:
        out["nulls"] = null_rows(
            headline_rows(out["effects"], study), out.get("channels", pd.DataFrame()), study, cells
        )
    return out


def _applies(
    replicates: pd.DataFrame | CellTables, study: StudySpec, mediation: pd.DataFrame | None
) -> list[PartName]:
    """The parts of the tested rows that apply to the study's design."""
    if not study.arms.pairs():
        return []
    names: list[PartName] = ["effects"]
    if isinstance(replicates, pd.DataFrame):
        rounds = replicates.groupby("cell")["rounds"].first().tolist()
        has_mediation = mediation is not None
    else:
        rounds = list(replicates.rounds_by_cell().values())
        cells = list(replicates.rounds_by_cell())
        has_mediation = bool(cells) and replicates.mediation(cells[0]) is not None
    if any(r >= 2 for r in rounds):
        names.append("survival")
    if has_mediation:
        names.append("mediation")
    if study.channels.decompose:
        names.append("channels")
    names.append("power")
    if study.null_cells:
        names.append("nulls")
    return names


def _sample_note(rounds: pd.DataFrame) -> str:
    """Which rounds the calibration checks were measured on."""
    cells = sorted(int(c) for c in rounds["cell"].unique()) if "cell" in rounds else []
    reps = rounds["replicate"]
    return (
        f"cell(s) {', '.join(map(str, cells))}; {reps.nunique()} replicates "
        f"({int(reps.min())}..{int(reps.max())})"
    )


def summarize(
    replicates: pd.DataFrame | CellTables,
    study: StudySpec,
    cells: SweepCells | None = None,
    *,
    mediation: pd.DataFrame | None = None,
    rounds_sample: pd.DataFrame | None = None,
    tournament: TournamentSpec | None = None,
    second: pd.DataFrame | None = None,
) -> Summary:
    """The study's :class:`Summary` (its parts are declared in
    :mod:`bargainlab.analysis.parts`).

    ``replicates`` and ``mediation`` are the tables of :mod:`bargainlab.analysis.tables`, or
    ``replicates`` serves both cell by cell (:class:`~bargainlab.analysis.tables.CellTables`:
    a run folder does, so that only one cell's rows are held at once; a tournament still
    reads its whole table); ``cells`` are the study's typed sweep cells (default: expanded
    from ``study``); ``rounds_sample`` -- a bounded sample of the rounds table (e.g. the first
    chunk of every cell) -- adds the calibration checks, which need per-round joins;
    ``tournament`` overrides ``study.tournament``; ``second`` -- the ``effects`` of the same
    study run under ``study.robustness.seed`` -- adds the ``robustness`` part (a study
    without ``[robustness]`` ignores it).
    """
    cells = cells if cells is not None else SweepCells.of_study(study)
    if isinstance(replicates, pd.DataFrame) and replicates.empty:
        raise ValueError("the replicates table is empty")
    frames = _decided_parts(replicates, study, cells, mediation)
    if rounds_sample is not None and not rounds_sample.empty:
        checks = direction_checks(cells.attach(rounds_sample), study, seed=study.seed)
        frames["calibration"] = CALIBRATION.check(checks.assign(sample=_sample_note(rounds_sample)))
    if study.robustness is not None and second is not None and "effects" in frames:
        frames["robustness"] = robustness_rows(
            headline_rows(frames["effects"], study),
            headline_rows(second, study),
            (study.seed, study.robustness.seed),
        )
    spec = tournament if tournament is not None else study_tournament(study)
    if spec is not None:
        whole = replicates if isinstance(replicates, pd.DataFrame) else replicates.table
        frames.update(tournament_parts(tournament_results(whole, study, cells, spec), study))
    if study_game(study) is not None:
        frames.update(game_parts(replicates, study, cells))
    return Summary.of(frames)
