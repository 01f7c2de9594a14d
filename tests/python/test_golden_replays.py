"""Golden replays (replays/NAME/, recorded by `theta-net replay record scenarios/NAME.toml`):
each input log replays into its server stream byte for byte, and playing the scenario again over
SimNet gives the same input log and server stream. Any drift fails here; docs/replay.md says how
to re-record on purpose."""

from __future__ import annotations

import json

import pytest

from theta_net import replay
from theta_net.scenario import Scenario

from conftest import REPO, run_cli

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


COLLAB = REPO / "replays" / "collab_fuzz"
COLLAB_RUN = [
    "--clients", "4", "--ops", "120", "--seed", "11", "--loss", "5%", "--reorder", "10%",
    "--duplicate", "2%", "--partition", "c0:3s:4s",
]  # fmt: skip


def test_the_golden_command_log_replays_into_its_store(tmp_path):
    """The signed command log is a replay source: replayed on a fresh server it gives the store
    of the run that wrote it, and the same run writes the same log and report byte for byte."""
    golden = json.loads((COLLAB / "report.json").read_text())
    replayed = run_cli("collab", "replay", str(COLLAB / "commands.log"), "--json")
    assert json.loads(replayed.stdout)["state_hash"] == golden["state_hash"]
    assert golden["log_entries"] > 100 and all(golden["conflicts"].values())
    log = tmp_path / "commands.log"
    again = run_cli("collab", "fuzz", *COLLAB_RUN, "--log", str(log), "--json")
    assert again.stdout.strip() == (COLLAB / "report.json").read_text().strip()
    assert (
        log.read_bytes() == (COLLAB / "commands.log").read_bytes()
    ), "re-record on purpose with the command in replays/collab_fuzz/README.md"
    broken = tmp_path / "broken.log"
    broken.write_bytes((COLLAB / "commands.log").read_bytes()[:-5])
    refused = run_cli("collab", "replay", str(broken), check=False)
    assert refused.returncode == 2 and "broken.log" in refused.stderr
