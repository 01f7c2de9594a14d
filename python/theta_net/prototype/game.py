"""What a Python game defines (:class:`Game`), how a match is set up (:class:`MatchConfig`), and
the state component's quantization and wire form, which the server, the clients and the replay
share."""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Sequence

import numpy as np

from ..errors import Error
from ..netcode import InputSchema
from ..replication import Component, EntityCodec


class Game(ABC):
    """What a Python game defines. Subclass it, set ``name``, ``state`` and ``inputs``, and write
    the three methods."""

    name: str = "prototype"
    state: Component  # the player's state: its fields are the state dict's keys
    inputs: InputSchema
    # The fields the report's mean_error measures (None: every field): the largest difference
    # among them at each server state, so give fields of one unit (a position's, say).
    error_fields: Optional[Sequence[str]] = None

    @abstractmethod
    def spawn(self, player: int) -> Dict[str, Any]:
        """Player ``player``'s first state (players count from 0)."""

    @abstractmethod
    def step(self, state: Dict[str, Any], input: Dict[str, Any], tick: int) -> Dict[str, Any]:
        """The state after ``tick`` with ``input``: a new dict, the same for the same arguments."""

    @abstractmethod
    def bot(self, player: int, state: Dict[str, Any], tick: int, rng: random.Random) -> Dict[str, Any]:
        """The input player ``player`` makes for ``tick``, seeing its predicted ``state``."""


@dataclass
class MatchConfig:
    players: int = 2
    tick_rate: int = 30
    seconds: float = 10.0
    seed: int = 1
    latency_ms: float = 0.0  # each way
    jitter_ms: float = 0.0
    loss: float = 0.0
    events: Optional[str] = None  # the server's JSONL stream
    inputs: Optional[str] = None  # the server's input log (JSONL)
    hash_interval: int = 0  # ticks between "state" events (0: none)
    scenario: str = "prototype"


class Wire:
    """The state component's quantization and wire form (replication's entity codec)."""

    def __init__(self, component: Component) -> None:
        self.component = component
        self.codec = EntityCodec(component)
        self.names = [f.name for f in component.fields]

    def _columns(self, entity: int, state: Dict[str, Any]) -> Dict[str, np.ndarray]:
        columns = {"entity": np.array([entity], dtype=np.uint64)}
        for name in self.names:
            if name not in state:
                raise Error(f"state has no field {name!r} (the {self.component.name} component's)")
            columns[name] = np.array([state[name]])
        return columns

    def _state(self, columns: Dict[str, np.ndarray]) -> Dict[str, Any]:
        prefix = self.component.name + "."
        return {name: columns[prefix + name][0].item() for name in self.names}

    def quantize(self, state: Dict[str, Any]) -> Dict[str, Any]:
        return self._state(self.codec.quantize(self._columns(0, state)))

    def encode(self, entity: int, state: Dict[str, Any]) -> bytes:
        return self.codec.encode(self._columns(entity, state))

    def decode(self, payload: bytes) -> Dict[str, Any]:
        return self._state(self.codec.decode(payload))


def exact_compare(component: Component) -> Callable[[Dict[str, Any], Dict[str, Any]], Dict[str, float]]:
    """compare(predicted, authoritative): the fields that differ, each with by how much in its
    own units (an angle the short way round); empty when none do."""
    angles = {f.name for f in component.fields if f.kind == "angle"}

    def compare(predicted: Dict[str, Any], authoritative: Dict[str, Any]) -> Dict[str, float]:
        out = {}
        for key, value in authoritative.items():
            if predicted.get(key) == value:
                continue
            difference = abs(predicted[key] - value)
            out[key] = abs((difference + 180.0) % 360.0 - 180.0) if key in angles else difference
        return out

    return compare
