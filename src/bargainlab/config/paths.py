"""Dotted paths into a study's plain data (``rounds.rho``, ``strategies.dealer.params.kind``).

Sweep axes, null cells and report labels name parts of a study by such paths;
:func:`same_value` compares two validated values (a sweep cell's and a null cell's ``where``).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import numpy as np


def _both(a: Any, b: Any, kind: type | tuple[type, ...]) -> bool:
    """Whether ``a`` and ``b`` are both of ``kind``."""
    return isinstance(a, kind) and isinstance(b, kind)


def same_value(actual: Any, wanted: Any) -> bool:
    """Whether two validated values are equal: numbers within 1e-12 (a boolean is not a
    number), lists and mappings entry by entry, anything else exactly."""
    if isinstance(actual, bool) or isinstance(wanted, bool):
        return _both(actual, wanted, bool) and actual == wanted
    if _both(actual, wanted, (int, float)):
        return bool(np.isclose(float(actual), float(wanted), rtol=1e-12, atol=1e-12))
    if _both(actual, wanted, list):
        return len(actual) == len(wanted) and all(map(same_value, actual, wanted))
    if _both(actual, wanted, dict):
        return actual.keys() == wanted.keys() and all(
            same_value(actual[k], wanted[k]) for k in actual
        )
    return type(actual) is type(wanted) and actual == wanted


def lookup(data: Any, path: str) -> Any:
    """The value at a dotted ``path`` of plain data (a dumped study)."""
    node = data
    for segment in path.split("."):
        if not isinstance(node, dict) or segment not in node:
            raise ValueError(f"{path!r} is neither a sweep axis nor a field of the study")
        node = node[segment]
    return node


def file_stem(label: str, limit: int = 80) -> str:
    """A safe file-name stem for a label (an arm, a comparison).

    Letters, digits, ``-``, ``_`` and ``.`` are kept; any other run of characters becomes
    ``_`` (as does a run of dots), and leading or trailing dots and underscores are dropped, so the stem never names
    a folder (``/``, ``..``) or a hidden file. When anything was replaced or cut (to at most
    ``limit`` characters) the first 8 hex digits of the label's SHA-256 are appended, so two
    different labels never share a file.
    """
    safe = re.sub(r"[^A-Za-z0-9._-]+|\.\.+", "_", label)
    safe = re.sub(r"__+", "_", safe).strip("._") or "label"
    if safe == label and len(label) <= limit:
        return label
    digest = hashlib.sha256(label.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{safe[:limit]}-{digest}"


__all__ = ["file_stem", "lookup", "same_value"]
