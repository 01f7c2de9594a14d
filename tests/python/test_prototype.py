"""A game written in Python (theta_net.prototype; examples/python_game/hovercraft.py) plays in a
scenario file with prediction and reconciliation, into its golden stream byte for byte; a step
that is not deterministic is found with its tick and field, and one that raises fails the
scenario naming the tick."""

from __future__ import annotations

import sys

import pytest

import theta_net
from theta_net.prototype import MatchConfig, play
from theta_net.scenario import Scenario

from conftest import REPO

GAME = REPO / "examples" / "python_game"
sys.path.insert(0, str(GAME))

from hovercraft import Hovercraft  # noqa: E402  (the example, not a package)


def test_the_rink_plays_its_golden_stream_again_byte_for_byte(tmp_path):
    result = Scenario.load(GAME / "scenarios" / "rink.toml").run(transport="sim", out=tmp_path)
    assert result.passed, result.table()
    golden = GAME / "replays" / "rink" / "server.jsonl"
    assert (tmp_path / "server.jsonl").read_bytes() == golden.read_bytes(), (
        "re-record on purpose with `theta-net replay record examples/python_game/scenarios/rink.toml "
        "--out examples/python_game/replays/rink` (docs/tutorial_python_game.md)"
    )
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
