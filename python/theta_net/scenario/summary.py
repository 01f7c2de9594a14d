"""The end-of-run summary (Result.summary): the server's figures, each player's final state,
each client's metrics over its whole run and the server's view of the clients' telemetry. The
means come from C++ (LocalGame's metrics), the peak rate from the recorder's running window, so
nothing here depends on the run's length."""

from __future__ import annotations

from typing import Any, Dict

from .. import _core
from .corrections import CorrectionStats


def byte_counters(m: Dict[str, Any]) -> Dict[str, int]:
    """Byte counters over the whole run: LocalGame adds up a client's connections, so they run on
    across reconnections (zeros before the first connection)."""
    out = {key: int(m.get(key, 0)) for key in ("wire_bytes_received", "wire_bytes_sent")}
    for lane, counters in sorted(m.get("lanes", {}).items()):
        for direction in ("received", "sent"):
            out[f"{lane}_bytes_{direction}"] = int(counters[f"bytes_{direction}"])
    return out


def telemetry_summary(game: _core.LocalGame) -> Dict[str, Any]:
    """What the server made of the clients' TelemetryReports: its totals, and each connected
    client's figures and last report (the status JSON's ``telemetry``, docs/dashboard.md) by name;
    clients that sent none are left out."""
    status = game.server_status()
    return {
        **game.server_telemetry_totals,
        "clients": {c["name"]: c["telemetry"] for c in status["clients"] if c["telemetry"]},
    }


def summarize(
    game: _core.LocalGame,
    index: Dict[str, int],
    peaks: Dict[str, float],
    corrections: CorrectionStats,
    minutes: Dict[str, float],
) -> Dict[str, Any]:
    """The summary of a game that has run its last tick (before it is closed). `minutes`: each
    client's time in the game, for its corrections per minute."""
    server = game.server_metrics
    clients = {}
    for name, i in index.items():
        m = game.client_metrics(i)
        counted = byte_counters(m)  # over every connection of the run
        m.pop("lanes", None)
        m.pop("chat", None)
        m["wire_bytes_received"] = counted["wire_bytes_received"]
        m["wire_bytes_sent"] = counted["wire_bytes_sent"]
        m["lanes_bytes_received"] = {
            k[: -len("_bytes_received")]: v
            for k, v in counted.items()
            if k.endswith("_bytes_received") and not k.startswith("wire_")
        }
        m["peak_bytes_per_second"] = peaks.get(name, 0.0)
        m["reconnects"] = game.client_reconnects(i)
        m.update(corrections.figures(name, m["server_states"], minutes.get(name, 0.0)))
        clients[name] = m
    return {
        "telemetry": telemetry_summary(game),
        "server": {
            "ticks": server["tick"],
            "clients": server["clients"],
            "entities": server["entities"],
            "tick_time_us_mean": server["tick_time_us_mean"],
            "tick_time_us_max": server["tick_time_us_max"],
            "per_client": server["per_client"],
        },
        "players": {
            p["name"]: {"position": list(p["position"]), "health": p["health"]} for p in game.players
        },
        "clients": clients,
    }
