"""One sentence under every figure of a report, saying what it shows and how to read it,
generated from the study's own labels (as every sentence of the report is)."""

from __future__ import annotations

from ..config.cells import SweepCells
from ..config.schema import StudySpec
from .heatmaps import heatmap_axes, heatmap_stems
from .text import axis_label

__all__ = ["caption", "figure_lines"]


def _heatmap(stem: str, study: StudySpec, cells: SweepCells) -> str:
    """The caption of a comparison's heatmap."""
    pairs = dict(zip(heatmap_stems(study), study.arms.pairs(), strict=True))
    treatment, control = pairs.get(stem, ("treatment", "control"))
    chosen = heatmap_axes(cells)
    over = (
        f" over {axis_label(chosen[0], study)} and {axis_label(chosen[1], study)}" if chosen else ""
    )
    return (
        f"The headline effect of {treatment} instead of {control} on the "
        f"{study.arms.party}'s payoff{over}, one panel per value of the other axes, with each "
        "cell's verdict mark (hatched: a pre-registered null cell)."
    )


def caption(stem: str, study: StudySpec, cells: SweepCells) -> str:
    """The one-sentence caption of the figure ``stem`` of a study's report."""
    focal = study.arms.party
    opponent = next((p for p in study.parties if p != focal), "the opponent")
    if stem.startswith("heatmap"):
        return _heatmap(stem, study, cells)
    panels = f", one panel per {axis_label(cells.paths[0], study)}" if cells.paths else ""
    captions = {
        "forest": f"Each headline effect on the {focal}'s payoff with its family-wise "
        "interval, one panel per comparison on its own linear scale, coloured by verdict "
        "(the grey band is the smallest effect of interest).",
        "trajectories": f"The {focal}'s mean utility in each round by arm with 95% intervals"
        f"{panels}.",
        "terms": f"The mean agreed {study.issue.name} in each round by arm, over the rounds "
        f"that ended in agreement{panels}.",
        "beliefs": f"The {opponent}'s mean belief about the {focal}'s reservation value after "
        f"each round by arm, against the true value (dotted){panels}.",
        "reputation": "The posterior probability the reputation holder puts on the other "
        f"party's true policy after each round by arm, starting from its prior{panels}.",
        "mediation": "How the later-round effect is carried: the contribution of each piece of "
        "round 1's state, transplanted alone from the treatment arm into the control arm "
        "(descriptive 95% intervals; the legend says what each piece is).",
        "channels": "The second view: the contribution of each channel, the effect minus the "
        "effect with that channel switched off (descriptive 95% intervals).",
        "trace": "Offers of both sides within round 1 of the first replicates, by arm, "
        "with the agreement marked.",
        "tournament": f"Replicator dynamics of the {focal}'s arms against the opponents: the "
        "treatment's share by generation from every starting mix, and the final mixes.",
        "tournament_payoffs": "The tournament's payoff matrices with their bootstrap intervals.",
    }
    return captions.get(stem, f"The {stem.replace('_', ' ')} figure.")


def figure_lines(stem: str, study: StudySpec, cells: SweepCells) -> list[str]:
    """The Markdown of one figure: the image and its caption in italics."""
    return [f"![{stem}](figures/{stem}.png)", "", f"*{caption(stem, study, cells)}*", ""]
