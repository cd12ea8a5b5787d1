"""Taking and stacking batches of relationships, generically over a dataclass's fields.

A batch's dataclass declares each field once, and its metadata says how the field follows
the replicates (:func:`shared`, :func:`per_replicate`): shared values are kept (and must be
equal to stack), arrays are indexed and concatenated along their replicate axis, per-round
schedules are cut to, or padded with their last round up to, the longest relationship, and
batched values (:class:`Batched`: a :class:`~bargainlab.beliefs.priors.PriorTable`, a
:class:`~bargainlab.relationships.channels.ChannelMask`, ...) take and stack themselves.
Tuples apply the rule to each entry and ``None`` stays ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import Field, fields
from typing import Any, Protocol, Self

import numpy as np


class Batched(Protocol):
    """A value over a batch of replicates that knows how to take and stack itself."""

    def take(self, rows: np.ndarray) -> Self:
        """The value of a subset of the replicates (integer positions)."""
        ...

    @classmethod
    def stack(cls, parts: Sequence[Self]) -> Self:
        """The replicates of several values, one after the other."""
        ...


def shared() -> dict[str, Any]:
    """Field metadata: one value for the whole batch (equal in every stacked batch)."""
    return {"shared": True}


def per_replicate(*, axis: int = 0, per_round: bool = False) -> dict[str, Any]:
    """Field metadata: one entry per replicate along ``axis``; ``per_round``: a schedule whose
    axis 0 is the round, which a relationship past its end keeps at its last round."""
    return {"shared": False, "axis": axis, "per_round": per_round}


def take_fields(obj: Any, rows: np.ndarray, longest: int) -> dict[str, Any]:
    """Every field of the dataclass ``obj`` for the replicates ``rows`` (integer positions),
    its per-round schedules cut to ``longest`` rounds."""
    values = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        values[f.name] = value if f.metadata["shared"] else _take(value, rows, longest, f.metadata)
    return values


def stack_fields(parts: Sequence[Any], longest: int) -> dict[str, Any]:
    """Every field of the dataclasses ``parts`` (of one type) stacked, one batch after the
    other, their per-round schedules padded to ``longest`` rounds. Raises ValueError when a
    shared field differs."""
    return {
        f.name: _stack_field(f, [getattr(p, f.name) for p in parts], longest)
        for f in fields(parts[0])
    }


def _stack_field(f: Field[Any], values: list[Any], longest: int) -> Any:
    """One field of several batches stacked (see :func:`stack_fields`)."""
    if f.metadata["shared"]:
        if any(value != values[0] for value in values[1:]):
            raise ValueError(f"only batches with the same {f.name} can be stacked")
        return values[0]
    return _stack(values, longest, f.metadata)


def _take(value: Any, rows: np.ndarray, longest: int, rule: Mapping[str, Any]) -> Any:
    """``value`` of the replicates ``rows``, by the field's ``rule``."""
    if value is None:
        return None
    if isinstance(value, tuple):
        return tuple(_take(entry, rows, longest, rule) for entry in value)
    if not isinstance(value, np.ndarray):
        return value.take(rows)
    if rule["per_round"]:
        value = value[:longest]
    return value[(slice(None),) * rule["axis"] + (rows,)]


def _stack(values: list[Any], longest: int, rule: Mapping[str, Any]) -> Any:
    """Several batches' ``values`` one after the other, by the field's ``rule``."""
    first = values[0]
    if first is None or isinstance(first, tuple):
        return _stack_entries(values, longest, rule)
    if not isinstance(first, np.ndarray):
        return type(first).stack(values)
    if rule["per_round"]:
        values = [_padded(value, longest) for value in values]
    return np.concatenate(values, axis=rule["axis"])


def _stack_entries(values: list[Any], longest: int, rule: Mapping[str, Any]) -> Any:
    """Stacked ``None``s (all of them must be) or tuples (entry by entry)."""
    if values[0] is None:
        if any(value is not None for value in values):
            raise ValueError("only batches with the same optional values can be stacked")
        return None
    count = len(values[0])
    return tuple(_stack([value[i] for value in values], longest, rule) for i in range(count))


def _padded(schedule: np.ndarray, rounds: int) -> np.ndarray:
    """A per-round schedule extended to ``rounds`` rounds with its last round."""
    pad = np.repeat(schedule[-1:], rounds - schedule.shape[0], axis=0)
    return np.concatenate([schedule, pad], axis=0)


__all__ = ["Batched", "per_replicate", "shared", "stack_fields", "take_fields"]
