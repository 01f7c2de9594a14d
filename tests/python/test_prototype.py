"""A game written in Python (theta_net.prototype; examples/python_game/hovercraft.py) plays in a
scenario file with prediction and reconciliation, into its golden input log and stream byte for
byte; the golden input log replays into the golden stream, on any machine; a step that is not
deterministic is found with its tick and field, by the match itself or by a replay of an old log;
and one that raises fails the scenario naming the tick."""

from __future__ import annotations

import sys

import pytest

import theta_net
from theta_net import replay as streams
from theta_net.netcode import InputSchema
from theta_net.prototype import Game, MatchConfig, first_difference, play, replay
from theta_net.replication import Component, Field
from theta_net.scenario import Scenario

from conftest import REPO, run_cli

GAME = REPO / "examples" / "python_game"
GOLDEN = GAME / "replays" / "rink" / "server.jsonl"
GOLDEN_INPUTS = GOLDEN.with_name("inputs.jsonl")
sys.path.insert(0, str(GAME))

from hovercraft import Hovercraft  # noqa: E402  (the example, not a package)


def test_the_rink_plays_its_golden_stream_again_byte_for_byte(tmp_path):
    result = Scenario.load(GAME / "scenarios" / "rink.toml").run(transport="sim", out=tmp_path)
    assert result.passed, result.table()
    rerecord = (
        "re-record on purpose with `theta-net replay record examples/python_game/scenarios/rink.toml "
        "--out examples/python_game/replays/rink` (docs/tutorial_python_game.md)"
    )
    assert (tmp_path / "server.jsonl").read_bytes() == GOLDEN.read_bytes(), rerecord
    assert (tmp_path / "inputs.jsonl").read_bytes() == GOLDEN_INPUTS.read_bytes(), rerecord
    assert result.summary["nondeterminism"] is None
    assert all(p["states"] > 300 for p in result.summary["players"])  # a state a tick, less 25% loss


def test_prediction_holds_and_corrects_what_the_network_hides():
    lossy = play(Hovercraft(30), MatchConfig(players=3, seconds=20, latency_ms=40, loss=0.3, seed=2))
    clean = play(Hovercraft(30), MatchConfig(players=3, seconds=20, latency_ms=40, seed=2))
    # Without loss every input arrives in time and the prediction never misses.
    assert clean["corrections_per_minute"] == 0 and clean["mean_error"] == 0
    # With heavy loss, some inputs arrive after their tick (every bundle that carried them was
    # lost): corrected, and small on average.
    assert lossy["corrections_per_minute"] > 0 and 0 < lossy["mean_error"] < 0.1
    assert lossy["server"]["inputs_starved"] > 0 and lossy["server"]["bundles_refused"] == 0


class Drifting(Hovercraft):
    """A step that reads state it should not: the newest tick it has seen. When it is asked for
    tick 100 after having seen tick 200 (that is, in the replay of the server's input log at the
    end, and nowhere else), it gives another velocity."""

    def __init__(self, tick_rate: int) -> None:
        super().__init__(tick_rate)
        self.newest = 0

    def step(self, state, input, tick):
        self.newest = max(self.newest, tick)
        out = super().step(state, input, tick)
        return dict(out, vy=out["vy"] + 0.5) if tick == 100 and self.newest > 200 else out


def test_a_step_that_is_not_deterministic_is_found_with_its_tick_and_field():
    report = play(Drifting(30), MatchConfig(players=2, seconds=10, seed=4))
    assert report["nondeterminism"] == {"entity": 1, "tick": 100, "fields": ["vy"]}, report
    assert report["corrections_per_minute"] == 0  # the live run itself agreed with itself


def test_the_golden_input_log_replays_into_the_golden_stream(tmp_path):
    out = tmp_path / "replayed.jsonl"
    done = run_cli(
        "replay", "run", str(GOLDEN_INPUTS), "--program", str(GAME / "hovercraft.py"),
        "--out", str(out), "--expect", str(GOLDEN),
    )  # fmt: skip
    assert f"byte-identical to {GOLDEN}" in done.stdout
    # The same in this process, and every player's states come back.
    server = replay(Hovercraft(30), GOLDEN_INPUTS, events=tmp_path / "again.jsonl")
    assert (tmp_path / "again.jsonl").read_bytes() == GOLDEN.read_bytes()
    assert sorted(server.history) == [1, 2, 3] and server.tick == 600


def test_a_changed_step_replaying_an_old_log_is_found_at_its_tick_and_field(tmp_path):
    """A log from another machine (the golden one) replayed by a step that differs at tick 100:
    the stream diff names the first state record after it and the field."""
    out = tmp_path / "drifted.jsonl"
    game = Drifting(30)
    game.newest = 1000  # as after a match: the drift is on at tick 100
    replay(game, GOLDEN_INPUTS, events=out)
    d = streams.diff(GOLDEN, out, max_differences=50)
    assert d.first_divergent_tick == 120  # the state record after tick 100 (hash_interval 30)
    assert any(x.get("field", "").endswith(".vy") for x in d.differences), d.differences
    # The states themselves say the tick.
    found = first_difference(replay(Hovercraft(30), GOLDEN_INPUTS), replay(game, GOLDEN_INPUTS))
    assert found == {"entity": 1, "tick": 100, "fields": ["vy"]}


def test_a_match_keeps_its_input_log_and_it_replays_to_the_same_states(tmp_path):
    config = MatchConfig(
        players=2, seconds=5, latency_ms=40, loss=0.2, seed=6, inputs=str(tmp_path / "in.jsonl")
    )
    report = play(Hovercraft(30), config)
    assert report["nondeterminism"] is None
    header = streams.read_header(tmp_path / "in.jsonl")
    assert header["role"] == "inputs" and header["input_schema"]["name"] == Hovercraft.inputs.name
    again = replay(Hovercraft(30), tmp_path / "in.jsonl")
    logged = sum(1 for e in streams.read_events(tmp_path / "in.jsonl") if e["kind"] == "input")
    assert again.tick == 150 and sorted(again.history) == [1, 2]
    assert sum(len(h) for h in again.history.values()) == logged > 200


class Spinner(Game):
    """A quaternion input: quantizing its dequantized value again does not always give the same
    codes, so the log must keep the codes the step saw for the replay to be exact."""

    name = "spinner"
    state = Component("spinner.Body", [Field.fixed("x", 12, -100, 100), Field.fixed("y", 12, -100, 100)])
    inputs = InputSchema("spinner.Input", [Field.quaternion("grip", 9)])

    def spawn(self, player):
        return {"x": 0.0, "y": 0.0}

    def step(self, state, input, tick):
        w, a, b, c = input["grip"]
        return {
            "x": max(-100.0, min(100.0, state["x"] + a - b)),
            "y": max(-100.0, min(100.0, state["y"] + w * c)),
        }

    def bot(self, player, state, tick, rng):
        q = [rng.gauss(0, 1) for _ in range(4)]
        n = sum(v * v for v in q) ** 0.5
        return {"grip": tuple(v / n for v in q)}


def test_a_quaternion_input_replays_exactly_from_the_codes_the_step_saw(tmp_path):
    config = MatchConfig(
        players=2,
        seconds=10,
        seed=5,
        hash_interval=10,
        events=str(tmp_path / "s.jsonl"),
        inputs=str(tmp_path / "i.jsonl"),
    )
    report = play(Spinner(), config)
    assert report["nondeterminism"] is None and report["server"]["ticks"] == 300
    replay(Spinner(), tmp_path / "i.jsonl", events=tmp_path / "again.jsonl")
    assert (tmp_path / "again.jsonl").read_bytes() == (tmp_path / "s.jsonl").read_bytes()


def test_first_difference_names_a_player_one_run_stepped_longer():
    live = replay(Hovercraft(30), GOLDEN_INPUTS)
    cut = replay(Hovercraft(30), GOLDEN_INPUTS)
    cut.history[2] = cut.history[2][:50]
    assert first_difference(live, cut) == {"entity": 2, "tick": live.history[2][50][0], "fields": []}
    assert first_difference(cut, live) == first_difference(live, cut)


def test_a_log_of_another_game_is_refused_naming_the_schemas(tmp_path):
    from theta_net.netcode import InputLogWriter

    other = InputSchema("board.Input", [Field.boolean("jump")])
    log = InputLogWriter(
        other, streams.header_for_this_build("x", 1, 30, "inputs"), str(tmp_path / "o.jsonl")
    )
    log.end(1)
    with pytest.raises(theta_net.ReplayError, match="written for the input schema 'board.Input'"):
        replay(Hovercraft(30), tmp_path / "o.jsonl", events=tmp_path / "never.jsonl")
    assert not (tmp_path / "never.jsonl").exists()


def test_a_step_that_raises_fails_the_scenario_naming_the_tick(tmp_path):
    program = tmp_path / "broken.py"
    program.write_text(
        f"import sys\nsys.path.insert(0, {str(GAME)!r})\n"
        "from hovercraft import Hovercraft\nfrom theta_net.prototype import main\n\n"
        "class Broken(Hovercraft):\n"
        "    def step(self, state, input, tick):\n"
        "        if tick == 40:\n"
        "            raise ValueError('the rink melted')\n"
        "        return super().step(state, input, tick)\n\n"
        "sys.exit(main(Broken(30)))\n"
    )
    text = (GAME / "scenarios" / "rink.toml").read_text().replace("../hovercraft.py", str(program))
    path = tmp_path / "broken.toml"
    path.write_text(text)
    with pytest.raises(theta_net.ScenarioError, match="the rink melted / .*tick 40"):
        Scenario.load(path).run(transport="sim", out=tmp_path / "out")
