"""Figures of an evolutionary tournament (:mod:`bargainlab.analysis.tournament`)."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..analysis.tournament import TournamentResult
from ..config.schema import TournamentSpec


def _short(axis: str) -> str:
    """An axis's last segment (``kind`` for ``strategies.dealer.params.kind``)."""
    return axis.rsplit(".", 1)[-1]


def _tick(value: Any) -> str:
    """A tick label: a number as ``0.5``, anything else as its text."""
    return f"{value:g}" if isinstance(value, int | float | np.number) else str(value)


def _context(result: TournamentResult) -> str:
    """`` (rho = 0.5)``: the tournament's values on the other axes (empty without any)."""
    mat = result.matrices
    context = ", ".join(f"{_short(a)} = {_tick(v)}" for a, v in mat.context.items())
    return f" ({context})" if context else ""


def _dynamics(result: TournamentResult, focal_party: str, spec: TournamentSpec) -> Figure:
    """The treatment's share by generation from every start, and the final mixes of both
    populations."""
    mat = result.matrices
    treatment = mat.arms[0]
    labels = [s.label for s in result.starts]
    fig = Figure(figsize=(15, 5.6), layout="constrained")
    ax_path, ax_focal, ax_opp = fig.subplots(1, 3)
    generations = np.arange(result.focal_path.shape[0])
    for s, label in enumerate(labels):
        ax_path.plot(generations, result.focal_path[:, s, 0], label=label, color=f"C{s % 10}",
                     linestyle="-" if s < 10 else "--")  # fmt: skip
    ax_path.set_xscale("symlog", linthresh=10)
    ax_path.set_ylim(-0.02, 1.02)
    ax_path.set_xlabel("generation")
    ax_path.set_ylabel(f"share of {treatment} in the {focal_party} population")
    ax_path.set_title(f"Share of {treatment} by starting mix")
    ax_path.legend(fontsize="x-small", ncols=2, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    opponents = [_tick(o) for o in mat.opponents]
    for ax, final, names, who in (
        (ax_focal, result.focal_path[-1], mat.arms, focal_party),
        (ax_opp, result.opponent_path[-1], opponents, _short(spec.opponent_axis)),
    ):
        _final_mix(ax, final, names, labels)
        ax.set_title(f"Final {who} mix after {spec.generations} generations")
    title = f"Replicator dynamics: {focal_party} arms vs {_short(spec.opponent_axis)}"
    fig.suptitle(title + _context(result))
    return fig


def _final_mix(ax: Any, final: np.ndarray, names: Any, labels: list[str]) -> None:
    """One population's final mix from each start, stacked bars."""
    bottom = np.zeros(len(labels))
    for k, name in enumerate(names):
        ax.bar(np.arange(len(labels)), final[:, k], bottom=bottom, label=str(name), color=f"C{k}")
        bottom += final[:, k]
    ax.set_xticks(np.arange(len(labels)), labels, rotation=60, ha="right", fontsize="small")
    ax.set_ylim(0, 1)
    ax.set_ylabel("final share")
    ax.legend(fontsize="small")


def _payoffs(
    result: TournamentResult, focal_party: str, opponent_party: str, spec: TournamentSpec
) -> Figure:
    """The payoff matrices A and B annotated with their bootstrap intervals."""
    mat = result.matrices
    pay = Figure(figsize=(11, 4.2), layout="constrained")
    alpha = (1 - spec.confidence) / 2
    for ax, (name, point, boot, whose) in zip(
        pay.subplots(1, 2),
        (("A", mat.focal, mat.focal_boot, focal_party),
         ("B", mat.opponent, mat.opponent_boot, opponent_party)),
        strict=True,
    ):  # fmt: skip
        low, high = np.quantile(boot, [alpha, 1 - alpha], axis=0)
        image = ax.imshow(point, cmap="viridis", aspect="auto")
        for i in range(point.shape[0]):
            for j in range(point.shape[1]):
                dark = image.norm(point[i, j]) < 0.5
                ax.text(j, i, f"{point[i, j]:.2f}\n[{low[i, j]:.2f}, {high[i, j]:.2f}]",
                        ha="center", va="center", fontsize="small",
                        color="white" if dark else "black")  # fmt: skip
        ax.set_xticks(range(len(mat.opponents)), [_tick(o) for o in mat.opponents])
        ax.set_yticks(range(len(mat.arms)), list(mat.arms))
        ax.set_xlabel(spec.opponent_axis)
        ax.set_ylabel(f"{focal_party} arm")
        ax.set_title(f"{name}: {whose}'s mean total utility over all rounds")
        pay.colorbar(image, ax=ax, label="total utility (sum over rounds)")
    pay.suptitle(
        f"Tournament payoff matrices{_context(result)} (mean, {spec.confidence:.0%} bootstrap CI)"
    )
    return pay


def tournament_figures(
    result: TournamentResult, *, focal_party: str, opponent_party: str, spec: TournamentSpec
) -> tuple[Figure, Figure]:
    """Two figures of one context's tournament: the treatment's share by generation from
    every start with the final mixes of both populations, and the payoff matrices A and B
    annotated with their bootstrap intervals."""
    return (
        _dynamics(result, focal_party, spec),
        _payoffs(result, focal_party, opponent_party, spec),
    )


__all__ = ["tournament_figures"]
