"""Repeated relationships: rounds of the stage game between the same two parties, with the
state that links them (types, beliefs, precedent, subjective value), played as stages over a
typed state (:mod:`.stages`), and the rounds table they produce (:mod:`.table`)."""

from .behaviour import BehaviourSpec
from .channels import CHANNELS, ChannelMask, Channels
from .play import play
from .setup import RelationshipSetup
from .state import RelationshipState
from .table import ROUNDS_SCHEMA, RoundsRecorder

__all__ = [
    "CHANNELS",
    "ROUNDS_SCHEMA",
    "BehaviourSpec",
    "ChannelMask",
    "Channels",
    "RelationshipSetup",
    "RelationshipState",
    "RoundsRecorder",
    "play",
]
