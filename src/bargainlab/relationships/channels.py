"""The channels: mechanisms through which one round can affect the next.

This is the one declaration of the channel names. A study switches channels off to decompose
an effect (``[channels]`` in a study file, :class:`bargainlab.config.schema.ChannelsSpec`),
the relationship reads the switches, and the analysis names its decomposition rows after
:data:`CHANNELS`. Adding a channel means adding a field here and the stage that reads it.
"""

from __future__ import annotations

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

__all__ = ["CHANNELS", "Channels"]
