"""A scenario's ``[telemetry]`` table (docs/scenarios.md, "Telemetry"): every client sends a
TelemetryReport each ``interval``; its frames are scripted, one a tick, ``frame_ms`` long unless a
``frames`` period says otherwise for that client, so a run's reports (and the server's slow-frame
alerts, which go into its event stream) are the same on every run. ``counters`` are set on every
client as the application's own (``set_counter``); ``slow_frame_ms`` is the server's alert
threshold (left out: the server's default).

    [telemetry]
    interval = "1s"
    frame_ms = 8
    slow_frame_ms = 40
    counters = { "app.quality" = 2 }
    frames = [ { client = "ann", from = 60, to = 100, frame_ms = 70 } ]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from .. import _core
from ..errors import Error
from .reader import TableReader, parse_duration_ms


@dataclass
class FramePeriod:
    """Frames of one client between two ticks (inclusive) taking ``frame_ms`` each."""

    client: str
    start: int
    end: int
    frame_ms: float


@dataclass
class TelemetrySpec:
    interval_s: float = 0.0  # 0: no [telemetry] table, no reports
    frame_ms: float = 8.0
    slow_frame_ms: Optional[float] = None
    counters: Dict[str, float] = field(default_factory=dict)
    frames: List[FramePeriod] = field(default_factory=list)

    def frame_ms_at(self, client: str, tick: int) -> float:
        """The frame time of ``client``'s frame at ``tick``: the last matching period's, else
        frame_ms."""
        ms = self.frame_ms
        for p in self.frames:
            if p.client == client and p.start <= tick <= p.end:
                ms = p.frame_ms
        return ms


def _frame_ms(r: TableReader, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 60_000:
        raise r.fail(key, f"{value!r} is not a frame time in ms (0 to 60000)")
    return float(value)


def parse_telemetry(
    source: str, table: Dict[str, Any], players: Dict[str, int], duration: int
) -> TelemetrySpec:
    """The ``[telemetry]`` table; ``players`` maps each player's name to its join tick."""
    spec = TelemetrySpec()
    if not table:
        return spec
    r = TableReader(source, table, "telemetry")
    interval = parse_duration_ms(r, "interval", r.get("interval", (str, int, float), "1s")) / 1000
    # The server drops reports closer than 250 ms apart (TelemetryAggregatorConfig).
    if not 0.25 <= interval <= 3600 or not math.isfinite(interval):
        raise r.fail("interval", f"{interval} s is outside 250 ms..1 h")
    spec.interval_s = interval
    spec.frame_ms = _frame_ms(r, "frame_ms", r.get("frame_ms", (int, float), 8.0))
    slow = r.get("slow_frame_ms", (int, float))
    if slow is not None:
        spec.slow_frame_ms = _frame_ms(r, "slow_frame_ms", slow)
    counters = r.get("counters", dict, {})
    for name, value in counters.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise r.fail("counters", f"{name!r} = {value!r} is not a finite number")
        try:
            _core.check_telemetry_counter_name(name)  # the reporter's rule, from C++
        except Error as exc:
            raise r.fail("counters", exc.message) from None
        spec.counters[name] = float(value)
    for i, entry in enumerate(r.get("frames", list, [])):
        where = f"telemetry.frames[{i}]"
        if not isinstance(entry, dict):
            raise r.fail("frames", f"entry {i} is not a table")
        p = TableReader(source, entry, where)
        client = p.get("client", str, required=True)
        if client not in players:
            raise p.fail("client", f"no player named {client!r}")
        start = p.get("from", int, required=True)
        end = p.get("to", int, required=True)
        if not 0 <= start <= end <= duration:
            raise p.fail("to", f"the tick range {start}..{end} is empty or outside 0..{duration}")
        ms = _frame_ms(p, "frame_ms", p.get("frame_ms", (int, float), required=True))
        p.finish()
        spec.frames.append(FramePeriod(client, start, end, ms))
    r.finish()
    return spec


class ScriptedTelemetry:
    """Plays a TelemetrySpec: a joined client gets the interval and counters once, then one frame
    a tick (before the tick is played, like an intent)."""

    def __init__(self, spec: TelemetrySpec, game: Any, index: Dict[str, int]) -> None:
        self.spec, self.game, self.index = spec, game, index
        self.started: set = set()

    def frame(self, tick: int) -> None:
        if not self.spec.interval_s:
            return
        for name, i in self.index.items():
            client = self.game.client(i)
            if name not in self.started:
                self.started.add(name)
                client.telemetry_interval = self.spec.interval_s
                for counter, value in self.spec.counters.items():
                    client.set_counter(counter, value)
            client.record_frame(self.spec.frame_ms_at(name, tick))
