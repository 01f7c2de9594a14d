"""Scenarios: the files in scenarios/ run over SimNet (and lan_two_player and partition over
real QUIC through the impairment relay) and meet their expectations; runs are deterministic; bad
files give errors that name the file and key; scenarios can be scripted from Python with per-tick
callbacks."""

from __future__ import annotations

import json

import pytest

import theta_net
from theta_net.scenario import Scenario

from conftest import REPO

SCENARIOS = sorted(p.stem for p in (REPO / "scenarios").glob("*.toml"))


def _failed(result) -> str:
    return "\n" + result.table()


def test_the_reference_scenarios_exist():
    assert {"lan_two_player", "ten_clients", "partition", "lossy"} <= set(SCENARIOS)


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_passes_over_simnet(name, tmp_path):
    result = Scenario.load(REPO / "scenarios" / f"{name}.toml").run(transport="sim", out=tmp_path)
    assert result.passed, _failed(result)
    assert result.expectations, "a reference scenario checks something"
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["passed"] and metrics["transport"] == "sim"
    assert {s["client"] for s in metrics["samples"]} == set(result.summary["clients"])
    assert (tmp_path / "server.jsonl").exists() and (tmp_path / "inputs.jsonl").exists()


def test_lan_two_player_over_quic_through_the_relay(tmp_path):
    scenario = Scenario.load(REPO / "scenarios" / "lan_two_player.toml")
    scenario.spec.outputs["qlog"] = True
    result = scenario.run(transport="quic", out=tmp_path)
    assert result.passed, _failed(result)
    qlogs = list((tmp_path / "qlog").iterdir())
    assert len(qlogs) >= 3, "a qlog per connection: the server's two and each client's"
    for name, client in result.summary["clients"].items():
        assert 80 <= client["rtt_ms"] <= 200, f"{name}: the relay's 50 ms each way is a ~100 ms RTT"
        assert client["reconciliation_error_ms_mean"] <= 30
    assert result.wall_seconds >= result.simulated_seconds * 0.95  # real time, not simulated


def test_lan_two_player_over_tcp_through_the_relay(tmp_path):
    result = Scenario.load(REPO / "scenarios" / "lan_two_player.toml").run(transport="tcp", out=tmp_path)
    assert result.passed, _failed(result)
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["transport"] == "tcp"
    for name, client in result.summary["clients"].items():
        # TcpRelay delays each direction by 50 ms; the RTT comes from the record link's pings.
        assert 80 <= client["rtt_ms"] <= 250, f"{name}: the relay's 50 ms each way is a ~100 ms RTT"
    assert result.wall_seconds >= result.simulated_seconds * 0.95  # real time, not simulated


def test_partition_over_quic_cuts_the_client_at_its_relay(tmp_path):
    # b is cut off for 10 s: over QUIC its relay drops everything both ways, b's connection times
    # out, and b reconnects, resumes its session and catches up, as over SimNet.
    result = Scenario.load(REPO / "scenarios" / "partition.toml").run(transport="quic", out=tmp_path)
    assert result.passed, _failed(result)
    assert result.summary["clients"]["b"]["resumes"] == 1
    assert result.summary["clients"]["a"]["reconnects"] == 0
    lost = [json.loads(line) for line in (tmp_path / "clients" / "b.jsonl").read_text().splitlines()]
    assert any(e.get("kind") == "lost" for e in lost), "b's connection was lost, not merely idle"


def test_a_partition_over_tcp_is_refused_with_why(tmp_path):
    sc = Scenario("cut", duration_ticks=40, transport="tcp")
    sc.add_player("a").disconnect(5, 10)
    with pytest.raises(theta_net.TransportError, match="would only stall, not lose"):
        sc.run(out=tmp_path)


def test_simnet_runs_are_byte_identical(tmp_path):
    path = REPO / "scenarios" / "lossy.toml"
    first = Scenario.load(path).run(transport="sim", out=tmp_path / "one")
    second = Scenario.load(path).run(transport="sim", out=tmp_path / "two")
    for name in ("server.jsonl", "inputs.jsonl", "clients/a.jsonl", "clients/c.jsonl"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    assert first.samples == second.samples
    assert first.reconciliations == second.reconciliations


def test_a_missed_expectation_fails_the_run_and_says_why():
    sc = Scenario("unmet", duration_ticks=60)
    sc.add_player("a")
    sc.add_player("b")
    sc.expect("block", client="b", at=[0, 4, 2], block="glass", by_tick=50)  # nobody places it
    sc.expect("corrections", max=0)
    result = sc.run()
    assert not result.passed
    block, corrections = result.expectations
    assert not block.passed and block.detail == "not at tick 50"
    assert corrections.passed
    assert "FAIL b sees glass at (0, 4, 2) by tick 50" in result.table()


def test_scripted_from_python_with_callbacks_and_dataframes():
    pytest.importorskip("pandas")
    sc = Scenario("scripted", duration_ticks=120, generator="superflat", view_radius=2)
    sc.add_player("a", latency="40ms").place(30, (0, 3, 2), block="stone").walk(
        40, 110, [(-1.5, 0.5), (-1.5, 6.5)]
    )
    sc.add_player("b", preset="good", join_tick=20).chat(60, "hi")
    sc.expect("block", client="b", at=[0, 4, 2], block="stone", by_tick=70)
    sc.expect("chat_received", client="a", text="hi", by_tick=90)
    seen = []

    @sc.on_tick
    def watch(ctx):
        if ctx.tick == 100:
            z = ctx.client("a").player["position"][2]
            seen.append(z)
            ctx.check(z > 4.0, "a walked along its path", f"z = {z:.2f}")

    result = sc.run(transport="sim")
    assert result.passed, _failed(result)
    assert seen and result.expectations[-1].what == "a walked along its path"
    frame = result.dataframe()
    assert set(frame["client"]) == {"a", "b"}
    assert frame.groupby("client")["wire_bytes_received"].max()["a"] > 0
    assert list(result.dataframe("reconciliations").columns) == [
        "client",
        "tick",
        "time_s",
        "error_blocks",
        "error_ms",
        "ticks_replayed",
        "cause",
    ]
    with pytest.raises(theta_net.ScenarioError, match="no table"):
        result.dataframe("nope")


def test_walking_into_a_wall_not_yet_heard_of_is_corrected_and_says_why():
    # b builds a wall in a's path 100 ms (one round trip) before a reaches it: a's prediction
    # walks into the wall's place, the server stops a, and a is corrected.
    sc = Scenario("wall", duration_ticks=100, generator="superflat", view_radius=2)
    sc.add_player("a", latency=50).move(20, 100, ["forward"], yaw=0)
    b = sc.add_player("b", latency=50).move(0, 30, ["forward"], yaw=0)
    b.place(57, (0, 3, 10), "stone").place(58, (0, 4, 10), "stone")
    result = sc.run(transport="sim")
    corrections = result.reconciliations
    assert [r["client"] for r in corrections] == ["a"], corrections
    assert corrections[0]["cause"] == "position+velocity"
    assert corrections[0]["error_blocks"] > 0


def test_a_partitioned_client_loses_its_connection_and_resumes(tmp_path):
    sc = Scenario(
        "cut", duration_ticks=400, view_radius=1, outputs={"sample_ticks": 10, "client_events": False}
    )
    sc.add_player("a")
    sc.add_player("b").disconnect(40, 240)
    sc.expect("resumed", client="b")
    result = sc.run(out=tmp_path)
    assert result.passed, _failed(result)
    assert result.summary["clients"]["b"]["reconnects"] >= 1
    assert result.summary["clients"]["a"]["reconnects"] == 0
    assert not (tmp_path / "clients").exists()
    assert {s["tick"] for s in result.samples} == set(range(10, 401, 10))
    # Byte counters run over the whole run, across b's two connections: they never go down.
    b = [s for s in result.samples if s["client"] == "b"]
    for key in ("wire_bytes_received", "chunks_bytes_received"):
        values = [s[key] for s in b]
        assert values == sorted(values), key
    assert result.summary["clients"]["b"]["wire_bytes_received"] == b[-1]["wire_bytes_received"]
    assert b[-1]["chunks_bytes_received"] > max(s["chunks_bytes_received"] for s in b if s["tick"] <= 60)


BAD = [
    ("[scenario]\nname = 1\n[[players]]\nname='a'\n", "scenario.name: expected a string, got int 1"),
    ("[scenario]\nname='x'\n", "scenario file.players: is required"),
    (
        "[scenario]\nname='x'\ntick_rate = 25\n[[players]]\nname='a'\n",
        "scenario.tick_rate: 25 is not 20, 30, 60 or 90",
    ),
    (
        "[scenario]\nname='x'\nduration='soon'\n[[players]]\nname='a'\n",
        "scenario.duration: 'soon' is not a duration",
    ),
    (
        "[scenario]\nname='x'\n[network]\nloss='150%'\n[[players]]\nname='a'\n",
        "network.loss: '150%' is outside 0..100%",
    ),
    (
        "[scenario]\nname='x'\n[network]\npreset='awful'\n[[players]]\nname='a'\n",
        "network.preset: 'awful' is not one of",
    ),
    (
        "[scenario]\nname='x'\n[[players]]\nname='a'\n[[players]]\nname='a'\n",
        "players[1].name: 'a' is used twice",
    ),
    (
        "[scenario]\nname='x'\n[[players]]\nname='a'\nactions=[{at=5, move='fly'}]\n",
        "players[0].actions[0].move: 'fly' is not one of",
    ),
    (
        "[scenario]\nname='x'\nduration_ticks=100\n[[players]]\nname='a'\n"
        "actions=[{from=5, to=500, move='jump'}]\n",
        "players[0].actions[0].to: tick 500 is after the scenario's end (100)",
    ),
    (
        "[scenario]\nname='x'\n[[players]]\nname='a'\nactions=[{at=5}]\n",
        "players[0].actions[0]: does nothing",
    ),
    (
        "[scenario]\nname='x'\n[[players]]\nname='a'\nactions=[{at=5, place=[1,2]}]\n",
        "players[0].actions[0].place: expected [x, y, z] integers",
    ),
    (
        "[scenario]\nname='x'\n[[players]]\nname='a'\nactions=[{at=5, place=[1,2,3], block='gold'}]\n",
        "players[0].actions[0].block: 'gold' is not a block",
    ),
    (
        "[scenario]\nname='x'\n[[players]]\nname='a'\n"
        "[[expect]]\nkind='block'\nclient='z'\nat=[0,0,0]\nblock='air'\n",
        "expect[0].client: no player named 'z'",
    ),
    (
        "[scenario]\nname='x'\n[[players]]\nname='a'\n[[expect]]\nkind='block'\nclient='a'\nblock='air'\n",
        "expect[0].at: is required for a block expectation",
    ),
    (
        "[scenario]\nname='x'\n[[players]]\nname='a'\n[[expect]]\nkind='telepathy'\n",
        "expect[0].kind: 'telepathy' is not one of",
    ),
    ("[scenario]\nname='x'\ncolour='red'\n[[players]]\nname='a'\n", "scenario: unknown key(s) colour"),
    (
        "[scenario]\nname='x'\n[world]\nsize=[16]\n[[players]]\nname='a'\n",
        "world.size: expected [x, z] blocks",
    ),
    ("[scenario\nname='x'\n", "not valid TOML"),
]


@pytest.mark.parametrize("text,message", BAD, ids=[m.split(":")[0] for _, m in BAD])
def test_bad_scenario_files_name_the_file_and_the_key(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(theta_net.ScenarioError) as info:
        Scenario.load(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(theta_net.ScenarioError, match="nope.toml: cannot read"):
        Scenario.load(tmp_path / "nope.toml")


def test_scenario_files_are_documented(repo):
    doc = (repo / "docs" / "scenarios.md").read_text()
    from theta_net.scenario.expectations import EXPECTATIONS, expectation_table

    for kind in EXPECTATIONS:
        assert f"`{kind}`" in doc, f"docs/scenarios.md does not describe the {kind} expectation"
    assert expectation_table() in doc, (
        "docs/scenarios.md's expectation table differs from the registry: paste the output of "
        "`python -m theta_net.scenario` over it"
    )


def test_a_bounded_world_ends_in_void_and_replays(tmp_path):
    """world.size bounds the world: beyond the edge is air, a player walking off drops to the floor
    below the world, and the input log (whose header carries the size) replays byte for byte."""
    sc = Scenario("edge", duration_ticks=200, view_radius=1, size=(16, 16))
    sc.add_player("a").move(10, 120, ["forward"], yaw=0)  # +z: off the edge at z = 8
    sc.expect("streams_match")
    sc.expect("world_consistent")
    result = sc.run(out=tmp_path)
    assert result.passed, _failed(result)
    x, y, z = result.summary["players"]["a"]["position"]
    assert z > 8 and y < 1, "a walked off the edge at z = 8 and dropped from y = 4 to the floor"
    header = json.loads((tmp_path / "inputs.jsonl").read_text().splitlines()[0])
    assert header["size"] == [16, 16]
    game = theta_net.LocalGame(size=(16, 16))
    assert (
        game.server_block(0, 3, 0) != 0
        and game.server_block(0, 3, 8) == 0
        and game.server_block(-9, 3, 0) == 0
    )
    with pytest.raises(theta_net.Error, match="size sides"):
        theta_net.LocalGame(size=(0, 16))


def test_a_new_expectation_kind_is_one_registered_class(tmp_path):
    """The registry drives validation, observation, evaluation and the table: a kind defined here
    (and nowhere else) is checked like the built-in ones."""
    from theta_net.scenario.expectations import EXPECTATIONS, Expectation, Key, expectation

    @expectation
    class Jumped(Expectation):
        kind = "test_jumped_above"
        keys = {"client": Key(str, required=True), "y": Key(float, required=True)}
        holds_when = "the client's player was above `y` at some tick"

        def __init__(self, spec, duration_ticks):
            super().__init__(spec, duration_ticks)
            self.highest = None

        def what(self):
            return f"{self.params['client']} is above y = {self.params['y']}"

        def observe(self, ctx, tick):
            player = ctx.client(self.params["client"]).player if ctx.joined(self.params["client"]) else None
            if player is not None:
                y = player["position"][1]
                self.highest = y if self.highest is None else max(self.highest, y)

        def evaluate(self, end):
            return self.result(
                self.highest is not None and self.highest > self.params["y"], f"highest y {self.highest:.2f}"
            )

    try:
        sc = Scenario(
            "jump",
            duration_ticks=60,
            view_radius=1,
            outputs={"events": False, "input_log": False, "client_events": False},
        )
        sc.add_player("a").move(20, 40, ["jump"])
        sc.expect("streams_match")
        sc.expect("test_jumped_above", client="a", y=4.5)
        sc.expect("test_jumped_above", client="a", y=9.0)
        with pytest.raises(
            theta_net.ScenarioError, match=r"expect\('test_jumped_above'\).*y: expected a number"
        ):
            sc.expect("test_jumped_above", client="a", y="high")
        result = sc.run(out=tmp_path)
    finally:
        del EXPECTATIONS["test_jumped_above"]
    streams, low, high = result.expectations
    # streams_match is evaluated in its place, even with the streams not asked for as outputs.
    assert streams.kind == "streams_match" and streams.passed and "byte-identical" in streams.detail
    assert low.passed and low.what == "a is above y = 4.5"
    assert not high.passed and not result.passed
    assert "FAIL a is above y = 9.0: highest y" in result.table()


def test_samples_stream_to_disk_and_metrics_json_is_the_result(tmp_path):
    sc = Scenario("stream", duration_ticks=100, view_radius=1, outputs={"sample_ticks": 10})
    sc.add_player("a")
    sc.add_player("b", join_tick=30)
    result = sc.run(out=tmp_path)
    lines = (tmp_path / "samples.jsonl").read_text().splitlines()
    assert len(lines) == len(result.samples) == 10 + 7
    assert [json.loads(line) for line in lines] == list(result.samples) == result.samples
    assert result.samples[-1]["tick"] == 100 and result.samples[0]["client"] == "a"
    assert [s["tick"] for s in result.samples[:3]] == [10, 20, 30]
    assert result.files["samples"] == str(tmp_path / "samples.jsonl")
    text = (tmp_path / "metrics.json").read_text()
    assert text == json.dumps(result.to_dict(), sort_keys=True, separators=(",", ":")) + "\n"


def _peak_python_memory(ticks: int, tmp_path) -> int:
    import tracemalloc

    sc = Scenario(
        "flat",
        duration_ticks=ticks,
        view_radius=1,
        outputs={"sample_ticks": 1, "events": False, "input_log": False, "client_events": False},
    )
    sc.add_player("a")
    sc.add_player("b")
    tracemalloc.reset_peak()
    result = sc.run(out=tmp_path / str(ticks))
    peak = tracemalloc.get_traced_memory()[1]
    assert len(result.samples) == 2 * ticks
    return peak


def test_memory_stays_flat_as_a_run_gets_longer(tmp_path):
    """Samples go to disk as they are taken and the summary is kept up to date as the run goes:
    ten times the ticks (and samples) must not take more Python memory. Before samples were
    streamed, the longer run's peak was several times the shorter one's."""
    import tracemalloc

    tracemalloc.start()
    try:
        _peak_python_memory(50, tmp_path)  # warms up imports and caches
        short = _peak_python_memory(200, tmp_path)
        long = _peak_python_memory(2000, tmp_path)
    finally:
        tracemalloc.stop()
    assert long < short * 1.25 + 64 * 1024, f"peak {short:,} B for 200 ticks, {long:,} B for 2000"


def test_a_finished_run_frees_its_game_without_the_cycle_collector():
    """No reference cycle keeps a run (and its closed game with every chunk) alive after it
    returns: a cycle made each run allocate fresh memory, doubling the game's time in page faults."""
    import gc

    from theta_net.scenario.runner import ScenarioRunner

    sc = Scenario("freed", duration_ticks=20, view_radius=1)
    sc.add_player("a")
    gc.collect()
    gc.disable()
    try:
        result = sc.run()
        alive = [o for o in gc.get_objects() if isinstance(o, ScenarioRunner)]
    finally:
        gc.enable()
    assert result.passed and not alive
