"""Diagnostics lane expectations (docs/scenarios.md, "Expectations"): the slow-frame alerts the
server raised from clients' TelemetryReports (`slow_frames`, counted from the server stream's
`slow_frame` events, so what it counts is what the stream, and a replay of the input log, holds),
and the EditorEvents a client received (`editor_events`, from the client's own count). Registered
in expectations.py's one registry like every kind."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, Dict, Set

from .data_expectations import COUNT, _Counted, server_events
from .editor_spec import KINDS
from .expectations import CLIENT, THE_CLIENT, Key, expectation
from .reader import TableReader
from .result import ExpectationResult

if TYPE_CHECKING:
    from .context import RunEnd, TickContext


def _editor_kind(r: TableReader, key: str, value: Any, players: Set[str], duration: int) -> Any:
    if value not in KINDS:
        raise r.fail(key, f"{value!r} is not one of {', '.join(KINDS)}")
    return value


@expectation
class SlowFrames(_Counted):
    kind = "slow_frames"
    keys = {"client": CLIENT, "count": COUNT, "at_least": COUNT, "at_most": COUNT}
    holds_when = (
        "the server raised `count` (or at_least / at_most; none given: at least 1) slow-frame "
        "alerts from the client's TelemetryReports (left out: any client's), by its stream's "
        "`slow_frame` events"
    )

    def what(self) -> str:
        return f"{self.bounds()} slow-frame alerts from {self.params.get('client', 'any client')}"

    def evaluate(self, end: "RunEnd") -> ExpectationResult:
        names: Dict[int, str] = {}  # entity -> player name, from the stream's joins
        by: Counter = Counter()
        for e in server_events(end):
            if e["kind"] == "join":
                names.setdefault(e["entity"], e["name"])
            elif e["kind"] == "slow_frame":
                by[names.get(e["entity"], f"entity {e['entity']}")] += 1
        n = by[self.params["client"]] if "client" in self.params else sum(by.values())
        detail = f"{n}; all: " + (", ".join(f"{k} {v}" for k, v in sorted(by.items())) or "none")
        return self.result(self.holds(n), detail)


@expectation
class EditorEvents(_Counted):
    kind = "editor_events"
    needs_streams = False
    keys = {
        "client": THE_CLIENT,
        "editor_kind": Key(str, check=_editor_kind),
        "count": COUNT,
        "at_least": COUNT,
        "at_most": COUNT,
    }
    holds_when = (
        "the client received `count` (or at_least / at_most; none given: at least 1) EditorEvents "
        "the server relayed to it (of `editor_kind`: tool_activated, selection, gizmo_transform, "
        "panel_update; left out: any), by the end"
    )

    def what(self) -> str:
        kind = self.params.get("editor_kind", "editor")
        return f"{self.params['client']} received {self.bounds()} {kind} events"

    def finish(self, ctx: "TickContext") -> None:
        self.received = dict(ctx.client(self.params["client"]).editor_events_received)

    def evaluate(self, end: "RunEnd") -> ExpectationResult:
        kind = self.params.get("editor_kind")
        n = self.received.get(kind, 0) if kind else sum(self.received.values())
        detail = f"{n}; all: " + (", ".join(f"{k} {v}" for k, v in sorted(self.received.items())) or "none")
        return self.result(self.holds(n), detail)
