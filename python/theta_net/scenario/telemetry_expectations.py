"""Telemetry's expectation (docs/scenarios.md, "Expectations"): the slow-frame alerts the server
raised from clients' TelemetryReports (`slow_frames`). Registered in expectations.py's one registry
like every kind; it counts the server stream's `slow_frame` events, so what it counts is what the
stream, and a replay of the input log, holds."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Dict

from .data_expectations import COUNT, _Counted, server_events
from .expectations import CLIENT, expectation
from .result import ExpectationResult

if TYPE_CHECKING:
    from .context import RunEnd


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
