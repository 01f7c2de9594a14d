"""The server's side of a Python game, without its network: the players, each one's state stepped
by the game every tick with the input it took, the server stream's records and the input log.
The live match runs it with the inputs its buffers hand out; a replay runs it with the inputs of
the input log, and so writes the server stream again."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Dict, List, Optional, Tuple

from ..netcode import InputLogWriter
from ..replay import EventWriter
from .game import Game, Wire


class ServerSimulation:
    """Players by entity (1, 2, ... in the order they join), stepped in entity order.

    ``events`` receives the server stream: ``join`` and ``leave``, and every ``hash_interval``
    ticks a ``state`` record with every player's state and their digest. ``inputs`` (an
    :class:`~theta_net.netcode.InputLogWriter`) receives the input log. With ``keep_history``
    each player's (tick, state) after every step is kept, for the determinism check."""

    def __init__(
        self,
        game: Game,
        wire: Wire,
        events: Optional[EventWriter] = None,
        inputs: Optional[InputLogWriter] = None,
        hash_interval: int = 0,
        keep_history: bool = False,
    ) -> None:
        self.game, self.wire = game, wire
        self.events, self.inputs = events, inputs
        self.hash_interval = hash_interval
        self.states: Dict[int, Dict[str, Any]] = {}
        self.history: Optional[Dict[int, List[Tuple[int, Dict[str, Any]]]]] = {} if keep_history else None
        self.tick = 0
        self.summary: Optional[Dict[str, Any]] = None  # a replay's counts (log_replay.replay)
        self._next_entity = 1

    def join(self, name: str = "") -> int:
        """A new player after the current tick, at its spawn; returns its entity."""
        entity = self._next_entity
        self._next_entity += 1
        self.states[entity] = self.wire.quantize(self.game.spawn(entity - 1))
        if self.history is not None:
            self.history[entity] = []
        if self.events:
            self.events.write({"tick": self.tick, "kind": "join", "entity": entity})
        if self.inputs:
            self.inputs.join(self.tick, entity, name)
        return entity

    def leave(self, entity: int, detail: str) -> None:
        if self.states.pop(entity, None) is None:
            return
        if self.events:
            self.events.write({"tick": self.tick, "kind": "leave", "entity": entity, "detail": detail})
        if self.inputs:
            self.inputs.leave(self.tick, entity, detail)

    def step(
        self, tick: int, inputs: Dict[int, Dict[str, Any]], codes: Optional[Dict[int, List[int]]] = None
    ) -> None:
        """Simulates ``tick`` (the one after the current) with each player's input; a player
        without one runs with the default input. ``codes`` are the inputs' codes (from
        ``InputBuffer.take_codes``), which the input log keeps as they are: quantizing the dict
        again is not exact for every field kind (a quaternion)."""
        for entity in sorted(self.states):
            input = inputs.get(entity, self.game.inputs.default)
            try:
                state = self.wire.quantize(self.game.step(self.states[entity], input, tick))
            except Exception as exc:
                exc.add_note(f"in {self.game.name}'s step on the server, tick {tick}, player {entity}")
                raise
            self.states[entity] = state
            if self.inputs:
                if codes is not None and entity in codes:
                    self.inputs.input_codes(tick, entity, codes[entity])
                else:
                    self.inputs.input(tick, entity, input)
            if self.history is not None:
                self.history[entity].append((tick, state))
        self.tick = tick
        if self.events and self.hash_interval and tick % self.hash_interval == 0:
            states = [dict(self.states[e], entity=e) for e in sorted(self.states)]
            digest = hashlib.sha256(json.dumps(states, sort_keys=True).encode()).hexdigest()[:16]
            self.events.write(
                {"tick": tick, "kind": "state", "digest": digest, "players": len(states), "states": states}
            )
