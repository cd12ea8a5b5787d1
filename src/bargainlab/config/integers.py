"""Integers too large for any setting of a study, and the key that holds one.

Python refuses to read or print an integer of more than 4,300 digits
(:func:`sys.get_int_max_str_digits`), so such a literal in a study file made TOML parsing,
and such a value (a long hexadecimal literal parses) made the error messages, raise a
traceback. :func:`bargainlab.config.files.read_study_file` refuses both, naming the key:
no setting is anywhere near :data:`MAX_INTEGER_BITS` bits.
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from collections.abc import Mapping
from typing import Any

__all__ = [
    "MAX_INTEGER_BITS",
    "digit_count",
    "find_long_literal",
    "huge_integer_message",
    "key_path",
]

MAX_INTEGER_BITS = 256
"""Largest integer a study may hold, in bits (about 77 digits): far beyond any setting (the
largest, ``seed``, is below 2**63), and far below the 4,300 digits beyond which Python
refuses to read or print an integer at all."""

_MARK = "bargainlab: an integer too long to read"
_DIGIT_RUN = re.compile(r"[+-]?[0-9](?:_?[0-9])*")


def digit_count(bits: int) -> int:
    """About how many decimal digits an integer of ``bits`` bits has."""
    return int(bits * 0.30103) + 1


def huge_integer_message(digits: int) -> str:
    """What is wrong with an integer of ``digits`` decimal digits."""
    return (
        f"an integer of about {digits:,} digits; no setting of a study is anywhere near that "
        f"large (at most {MAX_INTEGER_BITS} bits)"
    )


def key_path(where: str, key: Any) -> str:
    """``where.key``, the key quoted as TOML quotes it when it is not a bare key
    (``sweep."rounds.rho"``)."""
    text = str(key)
    part = text if re.fullmatch(r"[A-Za-z0-9_-]+", text) else json.dumps(text)
    return f"{where}.{part}" if where else part


def find_long_literal(text: str) -> tuple[str | None, int, int] | None:
    """Where the TOML ``text`` holds an integer literal longer than Python reads: its key
    (found by parsing the text again with the literal replaced by a string; ``None`` when
    that fails), its line and its number of digits; ``None`` when it holds none."""
    limit = sys.get_int_max_str_digits() or 4300
    found: list[tuple[int, int]] = []

    def swap(match: re.Match[str]) -> str:
        """A run of more digits than Python reads becomes the marker string."""
        digits = sum(ch.isdigit() for ch in match.group())
        if digits <= limit:
            return match.group()
        found.append((match.start(), digits))
        return json.dumps(_MARK)

    swapped = _DIGIT_RUN.sub(swap, text)
    if not found:
        return None
    start, digits = found[0]
    try:
        key = _key_of(tomllib.loads(swapped), _MARK)
    except (ValueError, RecursionError):
        key = None
    return key, text.count("\n", 0, start) + 1, digits


def _key_of(raw: Any, value: str) -> str | None:
    """The dotted key of the first place ``value`` occurs in ``raw`` (without recursion)."""
    stack: list[tuple[Any, str]] = [(raw, "")]
    while stack:
        node, where = stack.pop()
        if node == value:
            return where or None
        if isinstance(node, Mapping):
            stack.extend((v, key_path(where, k)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, where) for v in node)
    return None
