"""Text a study file puts into the report, the tables and the figures: labels (party names,
arm labels, axis labels) and prose (a question, a reason), checked to be printable so that
no line break, bidirectional override or zero-width character can forge the structure of a
report or reorder what its reader sees."""

from __future__ import annotations

import re
import unicodedata

LABEL_LENGTH = 64
"""Longest party name or arm label (they label tables and figures, and name files)."""


def hidden(ch: str) -> bool:
    """Whether ``ch`` is a control or invisible character: a line break, a tab, a
    bidirectional override, a zero-width space, unassigned or private (Unicode categories C,
    Zl and Zp). Such a character in text written into the report or a figure can forge its
    structure or reorder what the reader sees."""
    category = unicodedata.category(ch)
    return category.startswith("C") or category in ("Zl", "Zp")


def check_label(kind: str, label: str, length: int = LABEL_LENGTH) -> None:
    """Raise ValueError unless ``label`` is 1 to ``length`` printable characters (no control
    or invisible character, see :func:`hidden`)."""
    if not label or len(label) > length:
        raise ValueError(
            f"{kind} {label[:40]!r} must have 1 to {length} characters; got {len(label)}"
        )
    if not label.isprintable() and any(hidden(ch) for ch in label):
        raise ValueError(
            f"{kind} {label[:80]!r} must not contain control or invisible characters (line "
            "breaks, tabs, bidirectional overrides, zero-width characters)"
        )


_BREAKS = re.compile(r"\s*[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]+\s*")
"""Line breaks and tabs with the spaces around them."""


def check_prose(kind: str, text: str) -> str:
    """Free text (a question, a reason): line breaks and tabs become single spaces (a TOML
    multi-line string reads as one paragraph, and no line of it can become a heading or a
    table row of the report); raise ValueError for any other control or invisible
    character (see :func:`hidden`). Returns the text as it is kept."""
    text = _BREAKS.sub(" ", text)
    if text.isprintable():  # no character of categories C, Zl, Zp, Zs: nothing is hidden
        return text
    found = sorted({ch for ch in text if hidden(ch)})
    if found:
        shown = ", ".join(f"U+{ord(ch):04X}" for ch in found[:5])
        raise ValueError(
            f"{kind} must not contain control or invisible characters such as bidirectional "
            f"overrides or zero-width characters; found {shown}"
        )
    return text


__all__ = ["LABEL_LENGTH", "check_label", "check_prose", "hidden"]
