"""Golden replays (replays/NAME/, recorded by `theta-net replay record scenarios/NAME.toml`):
each input log replays into its server stream byte for byte, and playing the scenario again over
SimNet gives the same input log and server stream. Any drift fails here; docs/replay.md says how
to re-record on purpose."""

from __future__ import annotations

import pytest

from theta_net import replay
from theta_net.scenario import Scenario

from conftest import REPO

GOLDEN = sorted(p.name for p in (REPO / "replays").iterdir() if (p / "inputs.jsonl").exists())
RERECORD = "re-record on purpose with `theta-net replay record scenarios/{0}.toml` (docs/replay.md)"


def _explain(golden, produced) -> str:
    d = replay.diff(golden, produced, max_differences=5)
    where = d.first_state_hash_divergence
    lines = [f"first divergent tick {d.first_divergent_tick}, counts {d.counts}"]
    if where:
        lines.append(f"state hash first diverged at tick {where['tick']} in {where['sections']}")
    lines += [str(x) for x in d.differences]
    return "\n".join(lines)


def test_every_reference_scenario_has_a_golden_replay():
    scenarios = {p.stem for p in (REPO / "scenarios").glob("*.toml")}
    assert scenarios <= set(GOLDEN), f"no golden replay for {sorted(scenarios - set(GOLDEN))}"


@pytest.mark.parametrize("name", GOLDEN)
def test_golden_input_log_replays_into_its_server_stream(name, tmp_path):
    golden = REPO / "replays" / name
    out = tmp_path / "replayed.jsonl"
    ran = replay.run(golden / "inputs.jsonl", out)
    assert ran.ticks > 0 and ran.inputs > 0
    assert out.read_bytes() == (golden / "server.jsonl").read_bytes(), (
        _explain(golden / "server.jsonl", out) + "\n" + RERECORD.format(name)
    )


@pytest.mark.parametrize("name", GOLDEN)
def test_playing_the_scenario_again_gives_the_golden_streams(name, tmp_path):
    golden = REPO / "replays" / name
    result = Scenario.load(REPO / "scenarios" / f"{name}.toml").run(transport="sim", out=tmp_path)
    for stream in ("server.jsonl", "inputs.jsonl"):
        assert (tmp_path / stream).read_bytes() == (golden / stream).read_bytes(), (
            _explain(golden / stream, tmp_path / stream) + "\n" + RERECORD.format(name)
        )
    assert result.passed
