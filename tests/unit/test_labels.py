"""The printable-text checks of labels and prose: the fast path (``str.isprintable``) never
lets a hidden character through, and the slow path still names what it finds."""

from __future__ import annotations

import sys

import pytest

from bargainlab.config.labels import check_label, check_prose, hidden


def test_no_printable_character_is_hidden():
    """Every code point ``str.isprintable`` accepts is one ``hidden`` accepts too, so text
    that is printable as a whole needs no character-by-character look."""
    printable_yet_hidden = [
        c for c in range(sys.maxunicode + 1) if chr(c).isprintable() and hidden(chr(c))
    ]
    assert printable_yet_hidden == []


@pytest.mark.parametrize("ch", ["\u200b", "\u202e", "\u2066", "\x07", "\ue000"])
def test_a_hidden_character_is_refused_in_prose_and_labels(ch):
    with pytest.raises(ValueError, match=f"U\\+{ord(ch):04X}"):
        check_prose("question", f"Does it pay{ch}?")
    with pytest.raises(ValueError, match="control or invisible"):
        check_label("arm label", f"face{ch}saver")


def test_spaces_that_are_not_printable_pass_and_line_breaks_become_spaces():
    assert check_prose("question", "a\u00a0b\u2009c") == "a\u00a0b\u2009c"  # no-break, thin
    assert check_prose("reason", "one\n  two\tthree") == "one two three"
    check_label("arm label", "face\u00a0saver")
