"""The channels: mechanisms through which one round can affect the next.

This is the one declaration of the channel names. A study switches channels off to decompose
an effect (``[channels]`` in a study file, :class:`bargainlab.config.schema.ChannelsSpec`),
the relationship reads the switches, and the analysis names its decomposition rows after
:data:`CHANNELS`. Adding a channel means adding a field here and the stage that reads it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict


class Channels(BaseModel):
    """Which mechanisms carry state from one round to the next (all on but the behavioural
    module by default)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    information: bool = True
    """Learners update their beliefs about the opponent from what they observed."""
    surplus: bool = True
    """The condition is worth its value to the holder and costs the obliged party its cost;
    off, it is cosmetic (value = cost = 0)."""
    precedent: bool = True
    """The last agreed terms become the reference point and the status quo."""
    subjective_value: bool = False
    """The behavioural module: subjective value acts through exit, retaliation and acceptance
    noise."""

    def without(self, *names: str) -> Channels:
        """A copy with the named channels switched off."""
        unknown = [n for n in names if n not in CHANNELS]
        if unknown:
            raise ValueError(f"unknown channel(s) {unknown}; channels: {', '.join(CHANNELS)}")
        return self.model_copy(update=dict.fromkeys(names, False))

    def enabled(self) -> tuple[str, ...]:
        """The names of the channels that are on, in declaration order."""
        return tuple(name for name in CHANNELS if getattr(self, name))


CHANNELS: tuple[str, ...] = tuple(Channels.model_fields)
"""The channel names, in declaration order."""


@dataclass(frozen=True, eq=False)
class ChannelMask:
    """Which channels are on, per relationship of a batch: one ``(n,)`` boolean array per
    channel name (:data:`CHANNELS`).

    A batch may hold relationships with different switches: the channel variants of a
    decomposition play as one batch. Each stage reads its channel's array and acts only
    where the channel is on, so a relationship plays exactly as it would in a batch where
    every relationship had its switches.
    """

    on: Mapping[str, np.ndarray]

    def __post_init__(self) -> None:
        """Check that every channel has one ``(n,)`` switch array, and store them as booleans."""
        unknown = sorted(set(self.on) - set(CHANNELS))
        missing = [name for name in CHANNELS if name not in self.on]
        if unknown or missing:
            raise ValueError(
                f"a channel mask needs exactly the channels {', '.join(CHANNELS)}; "
                f"unknown: {unknown or 'none'}, missing: {missing or 'none'}"
            )
        arrays = {name: np.asarray(self.on[name], dtype=bool) for name in CHANNELS}
        shapes = {array.shape for array in arrays.values()}
        if len(shapes) != 1 or len(next(iter(shapes))) != 1:
            raise ValueError(f"a channel mask needs one (n,) array per channel; got {shapes}")
        object.__setattr__(self, "on", arrays)

    @classmethod
    def of(cls, channels: Channels, n: int) -> ChannelMask:
        """The same switches for ``n`` relationships."""
        return cls({name: np.full(n, bool(getattr(channels, name))) for name in CHANNELS})

    @classmethod
    def stack(cls, masks: Sequence[ChannelMask]) -> ChannelMask:
        """The relationships of several masks, one after the other."""
        return cls({name: np.concatenate([m.on[name] for m in masks]) for name in CHANNELS})

    def take(self, rows: np.ndarray) -> ChannelMask:
        """The switches of a subset of the relationships (integer positions)."""
        return ChannelMask({name: self.on[name][rows] for name in CHANNELS})

    @property
    def n(self) -> int:
        """The number of relationships."""
        return self.on[CHANNELS[0]].shape[0]

    def __getitem__(self, name: str) -> np.ndarray:
        """``(n,)``: where channel ``name`` is on."""
        return self.on[name]

    def anywhere(self, name: str) -> bool:
        """Whether channel ``name`` is on for any relationship of the batch."""
        return bool(self.on[name].any())


__all__ = ["CHANNELS", "ChannelMask", "Channels"]
