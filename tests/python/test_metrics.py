"""The metric dicts Python reads (LocalGame.client_metrics and server_metrics, Client.metrics,
Server.metrics, an endpoint's stats): every key scenarios, commands and notebooks use is there
with its type, and the means and quantiles come from C++ consistent with the counts beside them.
The dicts are built from the C++ structs' visit() by one converter; new keys may appear, these
may not go away."""

from __future__ import annotations

import pytest

import theta_net
from theta_net import transport as t

LANES = {"control", "input", "entities", "chunks", "replication", "chat", "diagnostics", "assets"}
LANE_KEYS = {"bytes_received": int, "bytes_sent": int, "messages_received": int}
CLIENT_KEYS = {
    "established": bool,
    "inputs_sent": int,
    "bundles_sent": int,
    "reconciliations": int,
    "ticks_replayed": int,
    "reconciliation_error_blocks_max": float,
    "reconciliation_error_ms_mean": float,
    "server_states": int,
    "chunks_loaded": int,
    "chunk_diffs": int,
    "chunk_errors": int,
    "chunk_load_ms_mean": float,
    "chunk_load_ms_max": float,
    "entity_updates": int,
    "rtt_ms": float,
    "jitter_ms": float,
    "chat": list,
    "connections": int,
    "resumes": int,
    "pauses": int,
}
CONNECTED_KEYS = {"lanes": dict, "wire_bytes_received": int, "wire_bytes_sent": int}
SERVER_KEYS = {
    "tick": int,
    "clients": int,
    "entities": int,
    "ticks_simulated": int,
    "tick_time_us_mean": float,
    "tick_time_us_max": float,
    "tick_time_us_median": float,
    "tick_time_us_p99": float,
    "per_client": list,
}
PER_CLIENT_KEYS = {
    "name": str,
    "player": int,
    "inputs_applied": int,
    "inputs_starved": int,
    "inputs_late": int,
    "inputs_duplicate": int,
    "chunks_sent": int,
    "chunk_bytes": int,
    "diffs_sent": int,
    "entity_bytes": int,
}


def check_keys(d: dict, keys: dict) -> None:
    for key, kind in keys.items():
        assert key in d, key
        assert type(d[key]) is kind, f"{key}: {type(d[key]).__name__}, not {kind.__name__}"


def check_client(m: dict) -> None:
    check_keys(m, {**CLIENT_KEYS, **CONNECTED_KEYS})
    assert set(m["lanes"]) == LANES
    for counters in m["lanes"].values():
        check_keys(counters, LANE_KEYS)
    assert m["wire_bytes_received"] >= sum(lane["bytes_received"] for lane in m["lanes"].values())


def check_server(m: dict, players: int) -> None:
    check_keys(m, SERVER_KEYS)
    assert m["clients"] == players and len(m["per_client"]) == players
    for client in m["per_client"]:
        check_keys(client, PER_CLIENT_KEYS)
        assert client["inputs_applied"] > 0
    assert 0 < m["tick_time_us_median"] <= m["tick_time_us_p99"] <= m["tick_time_us_max"]


def test_local_game_metrics_keep_their_keys_and_the_means_match_the_sums():
    game = theta_net.LocalGame(network="sim", terrain="superflat", seed=3, view_radius=2)
    a = game.add_client("a", latency_ms=40, jitter_ms=5, loss=0.02)
    game.add_client("b", latency_ms=60)
    game.run_until(2.0)
    game.client(a).intent(move=["forward"], yaw=45)
    game.client(a).say("hello")
    game.run_until(5.0)
    m = game.client_metrics(a)
    check_client(m)
    assert m["established"] and m["connections"] == 1 and m["server_states"] > 0
    assert m["reconciliation_error_ms_mean"] == pytest.approx(
        m["reconciliation_error_ms_sum"] / m["server_states"]
    )
    assert m["chunk_load_ms_mean"] == pytest.approx(m["chunk_load_ms_sum"] / m["chunk_loads_timed"])
    assert 60 <= m["rtt_ms"] <= 120  # 40 ms each way plus jitter
    assert m["lanes"]["chunks"]["bytes_received"] > 0
    assert m["driver"]["reconnects"] == game.client_reconnects(a) == 0
    check_server(game.server_metrics, players=2)


def test_client_and_server_metrics_over_endpoints():
    net = t.SimNet(5)
    server_end = net.add_endpoint("server")
    client_end = net.add_endpoint("client")
    net.set_links(server_end, client_end, t.LinkConfig())
    client_end.connect(server_end)
    server = theta_net.Server(server_end, terrain="superflat", seed=2, view_radius=1)
    client = theta_net.Client(client_end, "solo")
    before = client.metrics
    check_keys(before, CLIENT_KEYS)
    assert not before["established"] and "lanes" not in before, "no byte counters before a connection"
    now = 0.0
    for _ in range(400):
        now += 0.005
        net.advance_to(now)
        server.step(now)
        client.step(now)
    check_client(client.metrics)
    check_server(server.metrics, players=1)
    stats = client_end.stats(client_end.connections()[0])
    assert set(stats["lanes"]) == LANES and isinstance(stats["rtt_smoothed"], float)
    assert stats["bytes_received"] == client.metrics["wire_bytes_received"]
