"""The server status behind the dashboard, from Python: LocalGame.server_status() over SimNet and
QUIC (its dict shape, per-type counters, sync state, the network log read by sequence number),
resync_client and kick_client with their log entries and typed errors, and serve(on_status=...)
calling back with the status and carrying out the actions it returns."""

from __future__ import annotations

import json

import pytest

import theta_net
from theta_net import _core

CLIENT_KEYS = {
    "session_id",
    "session",
    "connection",
    "name",
    "role",
    "transport",
    "rtt_ms",
    "rtt_min_ms",
    "jitter_ms",
    "packets_sent",
    "packets_received",
    "datagrams_lost",
    "loss",
    "bytes_sent",
    "bytes_received",
    "send_queue_bytes",
    "lanes",
    "messages",
    "data",
    "telemetry",
}
DATA_KEYS = {
    "state",
    "chunks_sent",
    "chunks_total",
    "entities_sent",
    "entities_total",
    "sync_version",
    "forced_resyncs",
    "queue_bytes",
    "acked_version",
    "version_lag",
}
LOG_KEYS = {"seq", "time_ms", "tick", "kind", "session_id", "session", "name", "cause", "ok", "detail"}


def two_players(network: str) -> theta_net.LocalGame:
    game = theta_net.LocalGame(network=network, terrain="superflat", seed=3, view_radius=1)
    game.add_client("alice", latency_ms=20 if network == "sim" else None)
    game.add_client("bob")
    game.run_until(2.0)
    return game


@pytest.mark.parametrize("network", ["sim", "quic"])
def test_the_status_dict_has_its_shape_and_is_json_ready(network):
    game = two_players(network)
    status = game.server_status()
    json.dumps(status)  # plain values only
    assert set(status) == {"server", "clients", "conflicts", "log", "log_first_seq", "log_last_seq"}
    server = status["server"]
    assert server["tick"] == game.tick and server["tick_rate"] == 20
    assert server["clients"] == 2 and server["players"] == 2
    assert isinstance(server["time_ms"], float)
    assert server["tick_times"]["ticks_timed"] > 0 and server["tick_times"]["median_ms"] > 0
    assert server["counters"]["accepted"] == 2
    assert status["conflicts"] is None  # no signed commands in this world
    # In connection order: bob's link is faster.
    clients = sorted(status["clients"], key=lambda c: c["name"])
    assert [c["name"] for c in clients] == ["alice", "bob"]
    for c in clients:
        assert set(c) == CLIENT_KEYS
        assert c["transport"] == network
        assert c["role"] == "editor"
        assert isinstance(c["session_id"], int) and isinstance(c["rtt_ms"], float)
        assert c["session"] == f"{c['session_id']:016x}"  # for JavaScript, which rounds big ints
        assert set(c["lanes"]) >= {"control", "input", "entities", "chunks", "replication"}
        assert c["messages"]["InputBundle"]["messages_received"] > 0
        assert c["messages"]["SessionAck"] == {
            "messages_sent": 1,
            "bytes_sent": c["messages"]["SessionAck"]["bytes_sent"],
            "messages_received": 0,
            "bytes_received": 0,
        }
        assert "AssetTransfer" not in c["messages"]  # only types seen
        assert set(c["data"]) == DATA_KEYS
        assert c["data"]["state"] == "synced"
        assert c["telemetry"] is None  # no TelemetryReport: the game's clients send none by default
        assert c["data"]["acked_version"] + c["data"]["version_lag"] == server["data_version"]
    if network == "sim":
        assert 30 <= clients[0]["rtt_ms"] <= 60  # 20 ms each way
    assert [e["kind"] for e in status["log"]] == ["session_started", "session_started"]
    assert all(set(e) == LOG_KEYS for e in status["log"])
    assert [e["seq"] for e in status["log"]] == [1, 2] and status["log_last_seq"] == 2
    assert {e["name"] for e in status["log"]} == {"alice", "bob"}
    # The dict is the JSON text the dashboard is handed, read back.
    assert json.loads(game.server_status_json()) == game.server_status()


@pytest.mark.parametrize("network", ["sim", "quic"])
def test_resync_and_kick_are_carried_out_and_logged(network):
    game = two_players(network)
    first = game.server_status()
    ids = {c["name"]: c["session_id"] for c in first["clients"]}
    alice, bob = ids["alice"], ids["bob"]
    game.resync_client(alice)
    game.run_until(3.5)
    after = game.server_status(log_after=first["log_last_seq"])
    assert [(e["kind"], e["cause"], e["ok"]) for e in after["log"]] == [("resync", "forced", True)]
    data = next(c for c in after["clients"] if c["name"] == "alice")["data"]
    assert data["forced_resyncs"] == 1 and data["state"] == "synced"
    assert game.client(0).data_digest == game.server_data_digest

    game.kick_client(bob, "afk")
    game.run_until(4.5)
    kicked = game.server_status(log_after=after["log_last_seq"])
    assert [(e["kind"], e["detail"]) for e in kicked["log"]] == [
        ("kick", "afk"),
        ("session_ended", "kicked: afk"),
    ]
    assert [c["name"] for c in kicked["clients"]] == ["alice"]
    assert len(game.players) == 1

    with pytest.raises(theta_net.Error) as unknown:
        game.kick_client(12345, "nobody")
    assert unknown.value.code == "invalid_argument"
    with pytest.raises(theta_net.Error):
        game.resync_client(bob)  # gone
    failed = game.server_status(log_after=kicked["log_last_seq"])["log"]
    assert [(e["kind"], e["ok"]) for e in failed] == [("kick", False), ("resync", False)]


def test_serve_calls_on_status_and_carries_out_its_actions():
    statuses = []

    def on_status(text):
        assert isinstance(text, str)  # JSON made in C++, read on the dashboard's side
        statuses.append(json.loads(text))
        if len(statuses) == 1:
            return [{"action": "kick", "session_id": 77, "reason": "test"}]
        return None

    summary = _core.serve(
        "127.0.0.1",
        0,
        duration=0.8,
        on_ready=lambda ready: None,
        on_event=lambda event: None,
        on_status=on_status,
        status_interval=0.1,
    )
    assert len(statuses) >= 3
    assert statuses[0]["server"]["clients"] == 0 and statuses[0]["clients"] == []
    logged = [e for s in statuses for e in s["log"]]
    # The refused kick is in the next status's log, once (each status carries only new entries).
    assert [(e["kind"], e["session_id"], e["ok"]) for e in logged] == [("kick", 77, False)]
    assert "no session" in logged[0]["detail"]
    # The kick names its target session, in hex too.
    assert logged[0]["session"] == f"{77:016x}"
    # What the statuses cost the server's thread is measured and reported.
    assert summary["status_times"]["count"] == len(statuses)
    assert summary["status_times"]["median_us"] > 0 and summary["tick_times"]["count"] > 0


def test_serve_refuses_a_malformed_action():
    with pytest.raises(theta_net.Error, match="unknown on_status action"):
        _core.serve(
            "127.0.0.1",
            0,
            duration=0.5,
            on_ready=lambda ready: None,
            on_event=lambda event: None,
            on_status=lambda status: [{"action": "explode", "session_id": 1}],
            status_interval=0.05,
        )
