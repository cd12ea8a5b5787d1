"""Dotted paths into a study's plain data (``rounds.rho``, ``strategies.dealer.params.kind``).

Sweep axes, null cells and report labels name parts of a study by such paths. Values stored
in a rounds table's axis columns come back as NumPy scalars or, for axes of mixed types, as
JSON text; :func:`same_value` compares them with a config's values either way.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import numpy as np


def _plain(value: Any) -> Any:
    """A stored axis value as plain data: numpy scalars unwrapped, JSON text parsed."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def same_value(actual: Any, wanted: Any) -> bool:
    """Whether a cell's axis value equals a ``where`` value (numbers within 1e-12; text that
    holds JSON, as mixed-type axes are stored, compared after parsing)."""
    a, b = _plain(actual), _plain(wanted)
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return bool(np.isclose(float(a), float(b), rtol=1e-12, atol=1e-12))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


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
