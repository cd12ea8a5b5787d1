"""Small helpers that turn user parameters into validated per-replicate arrays.

Every error names the parameter and the allowed range, so that a bad value in a config or a
Python call is fixed at once instead of surfacing as a NaN ten rounds later.
"""

from __future__ import annotations

import numbers
from typing import Any, TypeVar

import numpy as np

ChoiceT = TypeVar("ChoiceT", bound=str)


def as_batch(
    name: str,
    value: Any,
    n: int | None,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    integer: bool = False,
) -> np.ndarray:
    """Return ``value`` as a float (or int) array of shape ``(n,)``, checking its range.

    A scalar is broadcast to the batch. Raises TypeError for non-numeric input and
    ValueError (naming ``name`` and the allowed interval) for NaN, infinity or values out of
    range.
    """
    arr = _per_replicate(name, _numeric(name, value, integer), n)
    if not integer and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or infinity)")
    _check_range(name, arr, low, high, low_open, high_open)
    return arr


def _numeric(name: str, value: Any, integer: bool) -> np.ndarray:
    """``value`` as an ``int64`` (``integer``) or ``float64`` array; TypeError naming
    ``name`` for anything that is not real numbers (booleans included)."""
    if isinstance(value, bool | np.bool_) or (
        not isinstance(value, numbers.Number | np.ndarray | list | tuple)
    ):
        raise TypeError(
            f"{name} must be a number or an array of numbers, got {type(value).__name__}"
        )
    arr = np.asarray(value)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) and not np.issubdtype(arr.dtype, np.complexfloating)
    ):
        raise TypeError(f"{name} must be numeric, got dtype {arr.dtype}")
    if not integer:
        return arr.astype(np.float64)
    if not np.issubdtype(arr.dtype, np.integer) and (
        not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr))
    ):
        raise TypeError(f"{name} must be an integer")
    return arr.astype(np.int64)


def _per_replicate(name: str, arr: np.ndarray, n: int | None) -> np.ndarray:
    """A scalar or 1-d ``arr`` as one entry per replicate (``n`` of them; any length when
    ``n`` is ``None``)."""
    if arr.ndim > 1:
        raise ValueError(f"{name} must be a scalar or a 1-d array, got shape {arr.shape}")
    if n is None:
        return arr
    if arr.ndim == 0:
        return np.full(n, arr.item(), dtype=arr.dtype)
    if arr.shape[0] != n:
        raise ValueError(f"{name} has {arr.shape[0]} entries, expected {n} (one per replicate)")
    return arr


def _check_range(
    name: str,
    arr: np.ndarray,
    low: float | None,
    high: float | None,
    low_open: bool,
    high_open: bool,
) -> None:
    """Raise ValueError naming ``name`` and the allowed interval if ``arr`` leaves it."""
    lo_txt = "(" if low_open else "["
    hi_txt = ")" if high_open else "]"
    allowed = f"{lo_txt}{'-inf' if low is None else low}, {'inf' if high is None else high}{hi_txt}"
    if low is not None and (np.any(arr <= low) if low_open else np.any(arr < low)):
        raise ValueError(f"{name} must lie in {allowed}, got min {arr.min()}")
    if high is not None and (np.any(arr >= high) if high_open else np.any(arr > high)):
        raise ValueError(f"{name} must lie in {allowed}, got max {arr.max()}")


def check_scalar(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    integer: bool = False,
) -> float | int:
    """Validate one scalar parameter; same rules and messages as :func:`as_batch`."""
    if isinstance(value, list | tuple) or (isinstance(value, np.ndarray) and value.ndim > 0):
        raise TypeError(f"{name} must be a single number, got {type(value).__name__}")
    arr = as_batch(
        name,
        value,
        None,
        low=low,
        high=high,
        low_open=low_open,
        high_open=high_open,
        integer=integer,
    )
    return int(arr) if integer else float(arr)


def check_choice(name: str, value: object, allowed: tuple[ChoiceT, ...]) -> ChoiceT:
    """Validate a string option against its allowed values (returned as one of them, so a
    ``Literal`` type of the choices carries over)."""
    for choice in allowed:
        if isinstance(value, str) and value == choice:
            return choice
    raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
