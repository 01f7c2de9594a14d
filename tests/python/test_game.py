"""The reference game from Python: LocalGame over SimNet (virtual time), Server and Client on
endpoints, and theta-net serve serving the game."""

from __future__ import annotations

import json

import pytest

import theta_net
from theta_net import transport as t

from conftest import REPO


def test_two_players_build_and_see_each_other_over_simnet():
    game = theta_net.LocalGame(network="sim", terrain="superflat", seed=7, view_radius=2)
    a = game.add_client("a", latency_ms=50)
    b = game.add_client("b", latency_ms=50, jitter_ms=5, loss=0.02)
    game.run_until(2.0)
    assert game.client(a).established and game.client(b).established
    game.client(a).intent(place=(0, 3, 2), block="planks")
    game.run_until(3.0)
    assert game.server_block(0, 4, 2) == 14
    assert game.client(b).block(0, 4, 2) == 14
    game.client(b).intent(move=["forward"], yaw=0)
    game.run_until(5.0)
    seen = game.client(a).remote_players(game.now)
    assert len(seen) == 1 and seen[0]["valid"]
    players = {p["name"]: p for p in game.players}
    assert players["b"]["position"][2] > 5.0  # b walked along +z
    m = game.client_metrics(b)
    assert m["reconciliation_error_ms_mean"] <= 30.0
    assert m["lanes"]["chunks"]["bytes_received"] > 0
    server = game.server_metrics
    assert server["clients"] == 2 and server["tick"] >= 99


def test_same_seed_same_game_byte_for_byte(tmp_path):
    def play(tag):
        events = tmp_path / f"{tag}.jsonl"
        game = theta_net.LocalGame(
            network="sim", terrain="hills", seed=11, view_radius=2, events=str(events), hash_interval=10
        )
        game.add_client("a", latency_ms=30, jitter_ms=5, loss=0.03)
        game.add_client("b", latency_ms=80, jitter_ms=10, loss=0.01)
        game.run_until(2.0)
        game.client(0).intent(move=["forward", "jump"], yaw=30)
        game.client(1).intent(move=["left"], yaw=200)
        game.run_until(6.0)
        game.close()
        return events.read_bytes()

    first = play("one")
    assert first == play("two")
    kinds = {json.loads(line)["kind"] for line in first.splitlines()}
    assert {"header", "join", "state_hash"} <= kinds


def test_server_and_client_driven_step_by_step_on_simnet():
    net = t.SimNet(3)
    server_end = net.add_endpoint("server")
    client_end = net.add_endpoint("client")
    link = t.LinkConfig()
    net.set_links(server_end, client_end, link)
    client_end.connect(server_end)
    server = theta_net.Server(server_end, terrain="superflat", seed=2, view_radius=1)
    client = theta_net.Client(client_end, "solo")
    now = 0.0
    for _ in range(400):
        now += 0.005
        net.advance_to(now)
        server.step(now)
        client.step(now)
    assert client.established and client.player is not None
    assert server.players[0]["name"] == "solo"
    assert client.metrics["chunks_loaded"] > 0
    with pytest.raises(theta_net.Error):
        client.intent(move=["fly"])


def test_client_streams_record_what_each_client_saw(tmp_path):
    """A client's stream holds its connection, chunk loads and unloads, other players' spawns and
    despawns, chat and reconciliations; ticks never decrease."""
    game = theta_net.LocalGame(network="sim", terrain="superflat", seed=5, view_radius=1)
    a_events, b_events = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a = game.add_client("a", latency_ms=40, events=str(a_events))
    b = game.add_client("b", latency_ms=40, loss=0.05, events=str(b_events))
    game.run_until(2.0)
    game.client(b).say("hello a")
    game.client(a).intent(move=["forward", "sprint"], yaw=0)  # a walks out of b's view and its chunks
    game.run_until(12.0)
    game.close()
    a_lines = [json.loads(line) for line in a_events.read_text().splitlines()]
    b_lines = [json.loads(line) for line in b_events.read_text().splitlines()]
    a_kinds = {e["kind"] for e in a_lines}
    b_kinds = {e["kind"] for e in b_lines}
    assert {"header", "connected", "chunk_load", "chunk_unload", "spawn", "chat"} <= a_kinds
    assert {"spawn", "despawn"} <= b_kinds  # a left b's interest
    chat = next(e for e in a_lines if e["kind"] == "chat")
    assert isinstance(chat["sender"], int) and chat["text"] == "hello a"
    for lines in (a_lines, b_lines):
        ticks = [e["tick"] for e in lines[1:]]
        assert ticks == sorted(ticks)


def test_server_and_client_mirror_the_game_data_with_the_applications_tables():
    board = (REPO / "scenarios" / "schemas" / "board.toml").read_text()
    net = t.SimNet(5)
    server_end, client_end = net.add_endpoint("server"), net.add_endpoint("client")
    net.set_links(server_end, client_end, t.LinkConfig())
    client_end.connect(server_end)
    server = theta_net.Server(server_end, seed=2, view_radius=1, data_schema=board)
    client = theta_net.Client(client_end, "solo", data_schema=board)
    now = 0.0

    def run(seconds):
        nonlocal now
        for _ in range(int(seconds / 0.005)):
            now += 0.005
            net.advance_to(now)
            server.step(now)
            client.step(now)

    run(1.0)
    assert client.data_state == "ready"
    assert [r["status"]["name"] for r in client.data_rows("players")] == ["solo"]
    write = client.data_write("notes", 5, set={"note": {"text": "hi", "pinned": True}})
    assert client.data_status["pending_writes"] == 1 and write >= 1
    assert client.data_rows("notes")[0]["note"]["text"] == "hi"  # at once, before the server
    run(0.5)
    assert server.data_rows("notes") == client.data_rows("notes")
    assert client.data_status["pending_writes"] == 0
    assert (client.data_version, client.data_digest) == (server.data_version, server.data_digest)
    with pytest.raises(theta_net.Error, match="no field 'likes'"):
        client.data_write("notes", 5, set={"note": {"likes": 1}})
    with pytest.raises(theta_net.Error, match="'markers'"):
        theta_net.Server(server_end, data_schema=board.replace('name = "notes"', 'name = "markers"'))


@pytest.mark.parametrize("rate", theta_net._core.tick_rates())
def test_inputs_reach_the_server_in_time_at_every_tick_rate(rate):
    """The server announces its tick rate in the SessionAck and the client paces its inputs by it:
    over a 100 ms round trip every tick after the first second runs with the client's own input,
    and the prediction needs no correction.
    (The announcement once carried the default 20 Hz whatever the world's rate, so at 60 Hz
    nearly every input arrived after its tick.)"""
    game = theta_net.LocalGame(tick_rate=rate, terrain="superflat")
    game.add_client("a", latency_ms=50, jitter_ms=5)
    game.client(0).intent(move=["forward"], yaw=30.0)
    game.run_until(1.0)
    before = game.server_metrics["per_client"][0]
    corrected = game.client_metrics(0)["reconciliations"]  # while joining: a few at most
    game.run_until(5.0)
    after = game.server_metrics["per_client"][0]
    applied = after["inputs_applied"] - before["inputs_applied"]
    starved = after["inputs_starved"] - before["inputs_starved"]
    assert applied >= 4 * rate - 2, (applied, starved)
    assert starved <= 2, (applied, starved)
    assert corrected <= rate / 4
    assert game.client_metrics(0)["reconciliations"] == corrected  # none once under way
    game.close()
