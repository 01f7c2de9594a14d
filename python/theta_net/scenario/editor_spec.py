"""A scenario's ``[editor]`` table (docs/scenarios.md, "Editor events"): the tool scopes each
client watches (its InterestUpdate's scopes; "*" for every tool) and the EditorEvents clients send
at given ticks. A ``from``/``to`` entry sends ``per_tick`` events every tick of the range (a
gizmo drag: the server relays only the latest transform per object each tick); each event's
payload is ``"TICK:N"``, so what a client receives shows which one survived.

    [editor]
    scopes = { ann = ["t"], ben = ["*"] }
    events = [
      { at = 50, client = "ann", kind = "tool_activated", tool = "t" },
      { from = 60, to = 80, client = "ann", kind = "gizmo_transform", tool = "t", per_tick = 3 },
    ]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List

from .. import protocol
from .reader import TableReader

# The EditorEventKind names, from the schema's manifest (through C++).
KINDS = tuple(next(e for e in protocol.manifest()["enums"] if e["name"] == "EditorEventKind")["values"])


@dataclass
class EditorSend:
    client: str
    start: int
    end: int
    kind: str
    tool: str
    entities: List[int] = field(default_factory=list)
    per_tick: int = 1


@dataclass
class EditorSpec:
    scopes: Dict[str, List[str]] = field(default_factory=dict)
    events: List[EditorSend] = field(default_factory=list)


def parse_editor(source: str, table: Dict[str, Any], players: Dict[str, int], duration: int) -> EditorSpec:
    """The ``[editor]`` table; ``players`` maps each player's name to its join tick."""
    spec = EditorSpec()
    if not table:
        return spec
    r = TableReader(source, table, "editor")
    for name, scopes in r.get("scopes", dict, {}).items():
        if name not in players:
            raise r.fail("scopes", f"no player named {name!r}")
        if not isinstance(scopes, list) or not all(isinstance(s, str) and s for s in scopes):
            raise r.fail("scopes", f"{name}'s scopes are not a list of tool names: {scopes!r}")
        spec.scopes[name] = list(scopes)
    for i, entry in enumerate(r.get("events", list, [])):
        if not isinstance(entry, dict):
            raise r.fail("events", f"entry {i} is not a table")
        e = TableReader(source, entry, f"editor.events[{i}]")
        client = e.get("client", str, required=True)
        if client not in players:
            raise e.fail("client", f"no player named {client!r}")
        at, start, end = e.get("at", int), e.get("from", int), e.get("to", int)
        if (at is None) == (start is None) or (start is None) != (end is None):
            raise e.fail("at", "give at = TICK, or from = TICK and to = TICK")
        start, end = (at, at) if at is not None else (start, end)
        if not players[client] <= start <= end < duration:
            raise e.fail(
                "to", f"ticks {start}..{end} are outside {client}'s {players[client]}..{duration - 1}"
            )
        kind = e.get("kind", str, required=True)
        if kind not in KINDS:
            raise e.fail("kind", f"{kind!r} is not one of {', '.join(KINDS)}")
        tool = e.get("tool", str, required=True)
        if not tool:
            raise e.fail("tool", "is empty: an event goes to its tool's scope")
        entities = e.get("entities", list, [])
        if not all(isinstance(x, int) and not isinstance(x, bool) and 0 <= x < 2**64 for x in entities):
            raise e.fail("entities", f"{entities!r} is not a list of entity ids")
        per_tick = e.get("per_tick", int, 1)
        if not 1 <= per_tick <= 100:
            raise e.fail("per_tick", f"{per_tick} is outside 1..100")
        e.finish()
        spec.events.append(EditorSend(client, start, end, kind, tool, list(entities), per_tick))
    r.finish()
    return spec


class ScriptedEditors:
    """Plays an EditorSpec: a joined client gets its scopes once; events go before their tick is
    played (like intents)."""

    def __init__(self, spec: EditorSpec, game: Any, index: Dict[str, int]) -> None:
        self.spec, self.game, self.index = spec, game, index
        self.scoped: set = set()

    def act(self, tick: int) -> None:
        for name, scopes in self.spec.scopes.items():
            if name in self.index and name not in self.scoped:
                self.scoped.add(name)
                self.game.client(self.index[name]).set_tool_scopes(scopes)
        for send in self.spec.events:
            if send.start <= tick <= send.end and send.client in self.index:
                client = self.game.client(self.index[send.client])
                for n in range(send.per_tick):
                    payload = f"{tick}:{n}".encode()
                    client.send_editor_event(send.kind, send.tool, send.entities, payload)
