"""Telemetry from Python: a game client's TelemetryReports (record_frame, set_counter and their
typed refusals), the server's view of them in the status dict, and the telemetry scenario (its
[telemetry] table, the slow_frames expectation and what metrics.json records)."""

from __future__ import annotations

import json

import pytest

import theta_net
from theta_net import _core
from theta_net.scenario import Scenario
from theta_net.scenario.spec import parse

from conftest import REPO


def game_with_reports(slow_frame_ms=None) -> theta_net.LocalGame:
    game = theta_net.LocalGame(
        network="sim", terrain="superflat", seed=3, view_radius=1, slow_frame_ms=slow_frame_ms
    )
    game.add_client("alice", latency_ms=20)
    game.add_client("bob", latency_ms=20)
    for i in range(2):
        game.client(i).telemetry_interval = 0.5
    return game


def play(game: theta_net.LocalGame, until: float, frame_ms) -> None:
    """Runs in 50 ms steps, each client drawing one frame of frame_ms(client, time) first."""
    t = game.now
    while t < until - 1e-9:
        for i in range(2):
            game.client(i).record_frame(frame_ms(i, t))
        t += 0.05
        game.run_until(t)


def test_reports_reach_the_servers_status_with_the_applications_counters():
    game = game_with_reports(slow_frame_ms=30)
    game.client(1).set_counter("app.quality", 2)
    play(game, 4.0, lambda i, t: 45.0 if i == 0 and 2.0 <= t < 2.5 else 6.0)
    by_name = {c["name"]: c for c in game.server_status()["clients"]}
    alice, bob = by_name["alice"]["telemetry"], by_name["bob"]["telemetry"]
    assert alice["reports"] >= 5 and alice["refused"] == 0
    assert alice["alerts"] == 1 and alice["frame_ms_p99_max"] == 45.0
    assert bob["alerts"] == 0 and bob["frame_ms_p99"] == 6.0
    assert bob["counters"]["app.quality"] == 2.0
    assert bob["counters"]["frames"] == 10  # one a step, 0.5 s of them
    assert "predict.corrections" in bob["counters"] and bob["counters"]["interp.entity_updates"] > 0
    assert 30 <= bob["rtt_ms"] <= 60
    assert game.server_telemetry_totals["slow_frame_alerts"] == 1
    assert game.server_status()["server"]["counters"]["slow_frame_alerts"] == 1
    alerts = [e for e in game.server_status()["log"] if e["kind"] == "slow_frame"]
    assert [(e["name"], e["ok"]) for e in alerts] == [("alice", False)]
    assert "frame p99 45 ms over 30 ms" in alerts[0]["detail"]
    stats = game.client(0).telemetry_stats
    assert stats["reports"] >= 5 and stats["frames"] == 80 and stats["frames_refused"] == 0


def test_no_reports_unless_an_interval_is_set():
    game = theta_net.LocalGame(network="sim", terrain="superflat", seed=3, view_radius=1)
    game.add_client("alice")
    game.client(0).record_frame(90.0)
    game.run_until(3.0)
    assert game.client(0).telemetry_interval == 0
    assert game.client(0).telemetry_stats["reports"] == 0
    assert game.server_status()["clients"][0]["telemetry"] is None
    assert game.server_telemetry_totals == {
        "telemetry_reports": 0,
        "telemetry_dropped": 0,
        "telemetry_refused": 0,
        "slow_frame_alerts": 0,
    }


@pytest.mark.parametrize("ms", [-1.0, float("nan"), float("inf"), 60_001.0])
def test_a_bad_frame_time_is_a_typed_error(ms):
    game = theta_net.LocalGame(network="sim")
    game.add_client("alice")
    with pytest.raises(theta_net.Error) as err:
        game.client(0).record_frame(ms)
    assert err.value.code == "invalid_argument"
    assert game.client(0).telemetry_stats["frames_refused"] == 1


def test_counter_names_and_counts_are_checked():
    game = theta_net.LocalGame(network="sim")
    game.add_client("alice")
    client = game.client(0)
    for bad in ("", "2fast", "with space", "frames", "x" * 65):
        with pytest.raises(theta_net.Error) as err:
            client.set_counter(bad, 1.0)
        assert err.value.code == "invalid_argument", bad
    with pytest.raises(theta_net.Error):
        client.set_counter("ok.name", float("nan"))
    for i in range(127):
        client.set_counter(f"app.c{i}", i)
    with pytest.raises(theta_net.Error) as err:
        client.set_counter("app.one_more", 1)
    assert err.value.code == "limit_exceeded"
    assert client.remove_counter("app.c0") and not client.remove_counter("app.c0")
    client.set_counter("app.one_more", 1)
    with pytest.raises(theta_net.Error, match="character outside"):
        _core.check_telemetry_counter_name("a b")
    _core.check_telemetry_counter_name("gpu.frame:ms-max_1")


def test_the_telemetry_scenario_raises_one_alert_and_records_it(tmp_path):
    result = Scenario.load(REPO / "scenarios" / "telemetry.toml").run(transport="sim", out=tmp_path)
    assert result.passed, result.table()
    telemetry = result.summary["telemetry"]
    assert telemetry["slow_frame_alerts"] == 1 and telemetry["telemetry_refused"] == 0
    gpu, ann = telemetry["clients"]["gpu"], telemetry["clients"]["ann"]
    assert gpu["alerts"] == 1 and gpu["frame_ms_p99_max"] == 70.0
    assert ann["alerts"] == 0 and ann["frame_ms_p99_max"] == 9.0
    assert ann["counters"]["app.quality"] == 2.0
    assert ann["reports"] >= 10
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["summary"]["telemetry"] == telemetry
    events = [json.loads(line) for line in (tmp_path / "server.jsonl").read_text().splitlines()[1:]]
    slow = [e for e in events if e["kind"] == "slow_frame"]
    assert len(slow) == 1 and slow[0]["frame_ms_p99"] == 70.0 and slow[0]["threshold_ms"] == 40.0


def test_a_bad_telemetry_table_names_the_key():
    base = (REPO / "scenarios" / "telemetry.toml").read_text()
    cases = {
        'counters = { "app.quality" = 2 }': ('counters = { "bad name" = 2 }', "telemetry"),
        'frames = [ { client = "gpu"': ('frames = [ { client = "nobody"', "no player named 'nobody'"),
        'interval = "1s"': ('interval = "1ms"', "outside 250 ms"),
        "slow_frame_ms = 40": ("slow_frame_ms = -4", "not a frame time"),
    }
    for old, (new, message) in cases.items():
        assert old in base
        with pytest.raises(theta_net.ScenarioError, match=message):
            parse(base.replace(old, new))
