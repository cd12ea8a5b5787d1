"""The offers of one negotiation, step by step (issue 20, item 11), drawn from a run's
traces table (``traces.parquet``, written when the study sets ``traces = true``).

:func:`choose_negotiation` picks one negotiation's rows (a cell, an arm, a replicate, a round
and a channel variant; each defaults to the first the table has) and says, for a value the
table lacks, which ones it has. :func:`offer_trace` draws them: both sides' offers by step in
the issue's units, the offers that carried the compensation condition ringed, the agreement
starred and labelled (or the exit crossed, or the deadline named), and under the title what
the condition is in this cell. ``bargainlab trace RUN_DIR`` and
:meth:`Run.plot_trace <bargainlab.experiments.run.Run.plot_trace>` call them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from textwrap import wrap
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..config.cells import SweepCells, value_text
from ..config.schema import StudySpec
from ..support.validation import did_you_mean
from .drawing import new_figure, require, tick_text, with_units

__all__ = ["TRACE_KEYS", "Negotiation", "choose_negotiation", "condition_text", "offer_trace"]

TRACE_KEYS = ("cell", "arm", "replicate", "round", "channels")
"""What names one negotiation in the traces table."""

_COLUMNS = (*TRACE_KEYS, "step", "proposer", "offer", "conditional", "response")


@dataclass(frozen=True)
class Negotiation:
    """One negotiation's rows of the traces table, sorted by step, and what names it."""

    rows: pd.DataFrame
    """Its steps (``step``, ``proposer``, ``offer``, ``conditional``, ``response``, ...)."""
    keys: Mapping[str, Any]
    """Its ``cell``, ``arm``, ``replicate``, ``round`` and ``channels``."""


def choose_negotiation(traces: pd.DataFrame, **wanted: object) -> Negotiation:
    """The rows of the negotiation named by ``wanted`` (keys of :data:`TRACE_KEYS`; a key
    left out or ``None`` is the first value present, in the order of the table for ``arm``
    and ``channels``, the smallest number otherwise). :class:`ValueError` naming the key and
    the values present when the table has no such negotiation."""
    require(traces, _COLUMNS, "traces table")
    unknown = sorted(set(wanted) - set(TRACE_KEYS))
    if unknown:
        raise ValueError(f"a negotiation is named by {', '.join(TRACE_KEYS)}; got {unknown}")
    rows, keys = traces, {}
    for key in TRACE_KEYS:
        present = list(pd.unique(rows[key]))
        if key not in ("arm", "channels"):
            present = sorted(present)
        value = wanted.get(key)
        if value is None:
            value = "all" if key == "channels" and "all" in present else present[0]
        if value not in present:
            shown = [tick_text(v) for v in present]
            raise ValueError(
                f"{key}: {value!r} is not in the traces table here"
                f"{did_you_mean(str(value), shown)}; present: {', '.join(shown)}"
            )
        rows = rows[rows[key] == value]
        keys[key] = value
    return Negotiation(rows.sort_values("step").reset_index(drop=True), keys)


def condition_text(study: StudySpec, cells: SweepCells | None = None, cell: int = 0) -> str:
    """What the compensation condition is in ``cell`` (the sweep's value where it sweeps a
    key of ``[condition]``), in one sentence; ``"no compensation condition"`` without one."""
    spec = study.condition
    if spec is None:
        return "no compensation condition"
    values = {"value": spec.value, "fallback": spec.fallback, "holder": spec.holder}
    for path in cells.paths if cells is not None else ():
        key = path.removeprefix("condition.")
        if path.startswith("condition.") and key in values:
            values[key] = cells.value(cell, path)  # type: ignore[union-attr]
    unit = study.issue.unit or ""
    return (
        f"condition held by {values['holder']}: worth {value_text(values['value'])} to it "
        f"when met, else the terms fall back to {value_text(values['fallback'])}{unit}"
    )


def offer_trace(
    negotiation: Negotiation,
    *,
    parties: tuple[str, str] = ("party 0", "party 1"),
    issue: str = "offer",
    units: str | None = None,
    about: str = "",
    condition: str = "",
    ax: Axes | None = None,
) -> Figure:
    """Both sides' offers by step in one negotiation: one line per proposer (``parties``
    names them), offers with the condition ringed, the agreement starred and labelled with
    its terms (or the exit crossed). Under the title: ``about`` (which negotiation: cell,
    arm, ...), how it ended and ``condition`` (what the condition is)."""
    rows = negotiation.rows
    if rows.empty:
        raise ValueError("the negotiation has no steps")
    fig, ax = new_figure(ax, figsize=(7.0, 4.6))
    for proposer in (0, 1):
        own = rows[rows["proposer"] == proposer]
        if not own.empty:
            ax.plot(own["step"], own["offer"], "-o", markersize=4, color=f"C{proposer}",
                    label=f"{parties[proposer]}'s offers")  # fmt: skip
    ringed = rows[rows["conditional"].astype(bool)]
    if not ringed.empty:
        ax.scatter(ringed["step"], ringed["offer"], s=110, facecolors="none",
                   edgecolors="black", label="offer with the condition", zorder=3)  # fmt: skip
    outcome = _mark_the_end(ax, rows, parties, units or "")
    ax.margins(x=0.06, y=0.12)
    ax.set_xlabel("step")
    ax.set_ylabel(with_units(issue, units))
    ax.xaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]
    ax.legend(fontsize="small", loc="best")
    notes = [line for text in (about, outcome, condition) if text for line in wrap(text, 90)]
    ax.set_title("\n".join(notes), fontsize="small", loc="left")
    if ax.figure is fig and len(fig.axes) == 1:
        fig.suptitle("One negotiation: both sides' offers by step", fontsize="medium")
    return fig


def _mark_the_end(ax: Axes, rows: pd.DataFrame, parties: tuple[str, str], unit: str) -> str:
    """Star the accepted offer or cross an exit; what happened, in words."""
    last = rows.iloc[-1]
    responder = parties[1 - int(last["proposer"])]
    if last["response"] == "accept":
        terms = f"{tick_text(last['offer'])}{unit}"
        with_condition = " with the condition" if bool(last["conditional"]) else ""
        ax.scatter([last["step"]], [last["offer"]], marker="*", s=260, color="gold",
                   edgecolors="black", zorder=4,
                   label=f"agreement: {terms}{with_condition}")  # fmt: skip
        return f"{responder} accepted {terms}{with_condition} at step {int(last['step'])}"
    if last["response"] == "exit":
        ax.scatter([last["step"]], [last["offer"]], marker="X", s=120, color="black",
                   zorder=4, label=f"exit: {responder} leaves")  # fmt: skip
        return f"{responder} left at step {int(last['step'])}"
    return "no agreement by the deadline"
