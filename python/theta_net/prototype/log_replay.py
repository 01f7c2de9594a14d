"""A Python game played again from its server's input log: the same ServerSimulation the live
match ran, stepped with the logged inputs by the toolkit's generic replay
(:func:`theta_net.netcode.replay_input_log`). Its server stream is the live one byte for byte
when the game's step is deterministic; :func:`first_difference` names the first tick and fields
where it is not."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Union

from ..errors import ReplayError
from ..netcode import replay_input_log
from ..replay import EventWriter, read_header
from .game import Game, Wire, exact_compare
from .server import ServerSimulation

PathLike = Union[str, "os.PathLike[str]"]


def server_header(input_log_header: Dict[str, Any]) -> Dict[str, Any]:
    """The server stream's header for an input log's: the same but its role and schema."""
    header = {k: v for k, v in input_log_header.items() if k != "input_schema"}
    header["role"] = "server"
    return header


class _Target:
    """Plays the log's records into a ServerSimulation."""

    def __init__(self, server: ServerSimulation) -> None:
        self.server = server

    def join(self, tick: int, entity: int, name: str) -> None:
        joined = self.server.join(name)
        if joined != entity:
            raise ReplayError(f"entity {entity} joins as entity {joined} in the replay", "corrupt")

    def leave(self, tick: int, entity: int, detail: str) -> None:
        self.server.leave(entity, detail)

    def step(self, tick: int, inputs: Dict[int, Dict[str, Any]]) -> None:
        self.server.step(tick, inputs)


def replay(
    game: Game,
    input_log: Optional[PathLike] = None,
    *,
    text: Optional[str] = None,
    events: Optional[PathLike] = None,
    keep_history: bool = True,
) -> ServerSimulation:
    """Replays an input log (a file, or its ``text``) through ``game``'s step; writes the server
    stream to ``events`` when given. Returns the simulation, with each player's states kept
    (``keep_history``) and the replay's counts in ``summary`` (netcode.replay_input_log's).
    Raises :class:`~theta_net.ReplayError` for a log that is not this game's or is malformed
    (with its file and line), and whatever the step raises (with the tick and player)."""
    if (input_log is None) == (text is None):
        raise ValueError("give the input log's path or its text")
    header = read_header(input_log) if input_log is not None else _text_header(text)
    hash_interval = header.get("hash_interval", 0)
    if not isinstance(hash_interval, int) or hash_interval < 0:
        raise ReplayError(f"the input log's hash_interval is {hash_interval!r}", "corrupt")
    written_for = (header.get("input_schema") or {}).get("name")
    if written_for != game.inputs.name:
        # Refused before the events file is made; the replay checks the fields' layouts too.
        raise ReplayError(
            f"the input log was written for the input schema {written_for!r}, "
            f"not {game.name}'s {game.inputs.name!r}",
            "invalid_argument",
        )
    writer = EventWriter(events, server_header(header)) if events is not None else None
    server = ServerSimulation(
        game, Wire(game.state), events=writer, hash_interval=hash_interval, keep_history=keep_history
    )
    try:
        if input_log is not None:
            server.summary = replay_input_log(game.inputs, _Target(server), path=os.fspath(Path(input_log)))
        else:
            server.summary = replay_input_log(game.inputs, _Target(server), text=text)
    finally:
        if writer:
            writer.close()
    return server


def _text_header(text: str) -> Dict[str, Any]:
    try:
        header = json.loads(text.split("\n", 1)[0])
    except json.JSONDecodeError as exc:
        raise ReplayError(f"the input log's first line is not a JSON header: {exc}", "corrupt") from None
    if not isinstance(header, dict):
        raise ReplayError("the input log's first line is not a JSON object", "corrupt")
    return header


def first_difference(
    live: ServerSimulation,
    replayed: ServerSimulation,
    compare: Optional[Callable[[Dict[str, Any], Dict[str, Any]], Dict[str, float]]] = None,
) -> Optional[Dict[str, Any]]:
    """The first state, in tick order, where two runs of the same log differ: {"entity", "tick",
    "fields"} (the fields sorted), or None when every state agrees."""
    assert live.history is not None and replayed.history is not None, "both kept their history"
    compare = compare or exact_compare(live.wire.component)
    found = None
    for entity in sorted(set(live.history) | set(replayed.history)):
        ours, theirs = live.history.get(entity, []), replayed.history.get(entity, [])
        here = None
        for (tick, a), (_, b) in zip(ours, theirs):
            diff = compare(b, a)
            if diff:
                here = {"entity": entity, "tick": tick, "fields": sorted(diff)}
                break
        if here is None and len(ours) != len(theirs):
            # One run stepped this player for longer: it parts at the first tick the other lacks.
            longer = ours if len(ours) > len(theirs) else theirs
            here = {"entity": entity, "tick": longer[min(len(ours), len(theirs))][0], "fields": []}
        if here is not None and (found is None or here["tick"] < found["tick"]):
            found = here
    return found
