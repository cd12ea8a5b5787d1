"""What each component of a decomposition is, declared once: the rows of ``summary/mediation``
(state transplants) and ``summary/channels`` (switching channels off) name a component, and
the report and the figures say what it means from here.

A new piece of state a transplant swaps, or a new channel, gets its one line here; a
component without one is still drawn and tabled under its name (and a test lists the pieces
and channels that lack a meaning).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

__all__ = ["COMPONENTS", "component_meaning", "component_meanings"]

Decomposition = Literal["mediation", "channels"]
"""The two decompositions: state transplants and channels switched off."""

COMPONENTS: dict[Decomposition, dict[str, str]] = {
    "mediation": {
        "total": "the later-round effect, treatment − control",
        "direct": "the treatment arm's policy played from the control arm's post-round-1 state",
        "posterior": "the opponent's belief about the focal party after round 1",
        "reference_point": "the last agreed terms and the status quo (precedent)",
        "survival": "whether the relationship was still running after round 1",
        "subjective_value": "both parties' subjective-value stocks and levers",
        "interaction": "what direct and the pieces do not add up to: total − direct (when "
        "there is one) − the contributions",
    },
    "channels": {
        "total": "the effect with every channel on",
        "information": "what the opponent learns from the offers (beliefs are updated)",
        "surplus": "the real value and cost of the compensation condition",
        "precedent": "the last agreed terms as the reference point and status quo",
        "subjective_value": "the behavioural module: exit, retaliation, acceptance noise",
        "all_off": "the effect with every channel off",
        "interaction": "what the parts do not add up to: total − the contributions − all_off",
    },
}
"""Per decomposition, each component's meaning in a few words (a contribution is the
effect with the piece transplanted, or the channel on, minus without)."""


def component_meaning(part: Decomposition, component: str) -> str | None:
    """The declared meaning of ``component`` in decomposition ``part`` (``None`` if none)."""
    return COMPONENTS[part].get(component)


def component_meanings(part: Decomposition, components: Iterable[str]) -> dict[str, str]:
    """``{component: meaning}`` for the components that have a declared meaning, in the
    order given."""
    return {c: m for c in components if (m := component_meaning(part, c)) is not None}
