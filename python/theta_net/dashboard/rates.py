"""Rates from counters: the server's status holds totals (bytes sent to a client, per lane and per
message type, since it connected); the dashboard shows bytes per second, computed here from two
successive statuses. A client that is new, or whose session changed, has no rate until its second
status. Counters are read from the server's point of view: ``sent`` is the client's download."""

from __future__ import annotations

from typing import Any, Dict, Optional

Status = Dict[str, Any]


def _per_second(now: float, before: float, seconds: float) -> float:
    # A counter that went down (a reconnect under the same session id) restarts its rate at 0.
    return max(0.0, (now - before) / seconds) if seconds > 0 else 0.0


def _table_rates(now: Dict[str, Dict[str, Any]], before: Dict[str, Dict[str, Any]], seconds: float) -> dict:
    rates = {}
    for name, counters in now.items():
        previous = before.get(name, {})
        rates[name] = {
            "down_bps": _per_second(counters.get("bytes_sent", 0), previous.get("bytes_sent", 0), seconds),
            "up_bps": _per_second(
                counters.get("bytes_received", 0), previous.get("bytes_received", 0), seconds
            ),
        }
    return rates


def client_rates(now: Dict[str, Any], before: Optional[Dict[str, Any]], seconds: float) -> dict:
    """Bytes per second for one client: on the wire, per lane and per message type."""
    before = before or {}
    return {
        "down_bps": _per_second(
            now.get("bytes_sent", 0), before.get("bytes_sent", now.get("bytes_sent", 0)), seconds
        ),
        "up_bps": _per_second(
            now.get("bytes_received", 0), before.get("bytes_received", now.get("bytes_received", 0)), seconds
        ),
        "lanes": _table_rates(now.get("lanes", {}), before.get("lanes", now.get("lanes", {})), seconds),
        "messages": _table_rates(
            now.get("messages", {}), before.get("messages", now.get("messages", {})), seconds
        ),
    }


def add_rates(status: Status, previous: Optional[Status]) -> Status:
    """Adds ``rates`` to every client of ``status`` (from ``previous``, the status before it)."""
    seconds = 0.0
    earlier: Dict[int, Dict[str, Any]] = {}
    if previous is not None:
        seconds = (status["server"]["time_ms"] - previous["server"]["time_ms"]) / 1000.0
        earlier = {c["session_id"]: c for c in previous.get("clients", [])}
    for client in status.get("clients", []):
        client["rates"] = client_rates(client, earlier.get(client["session_id"]), seconds)
    return status
