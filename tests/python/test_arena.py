"""The arena (examples/arena) in scenario files: a [game] table hands the scenario to the game's own
program (python/theta_net/scenario/game_program.py). Its skirmish plays over SimNet into its
golden input log and stream byte for byte, the golden input log replays into the golden stream,
it plays over QUIC on loopback, its expectations read the program's report, and what a [game]
scenario cannot hold is refused by name."""

from __future__ import annotations

import json
import re
import tomllib

import pytest

import theta_net
from theta_net import replay
from theta_net.scenario import Scenario
from theta_net.scenario.spec import parse

from conftest import REPO, run_cli

SKIRMISH = REPO / "examples" / "arena" / "scenarios" / "skirmish.toml"
GOLDEN = REPO / "examples" / "arena" / "replays" / "skirmish" / "server.jsonl"
GOLDEN_INPUTS = GOLDEN.with_name("inputs.jsonl")
PROGRAM = REPO / "build" / "release" / "examples" / "arena" / "theta_arena_match"
RERECORD = (
    "re-record on purpose with `theta-net replay record examples/arena/scenarios/skirmish.toml "
    "--out examples/arena/replays/skirmish` (docs/arena.md)"
)


def _table(**changes):
    table = tomllib.loads(SKIRMISH.read_text())
    table["game"]["program"] = str(PROGRAM)
    for section, values in changes.items():
        table.setdefault(section, {}).update(values)
    return table


def test_the_skirmish_plays_its_golden_stream_again_byte_for_byte(tmp_path):
    result = Scenario.load(SKIRMISH).run(transport="sim", out=tmp_path)
    assert result.passed, result.table()
    produced = tmp_path / "server.jsonl"
    if produced.read_bytes() != GOLDEN.read_bytes():
        d = replay.diff(GOLDEN, produced, max_differences=5)
        pytest.fail(f"first divergent tick {d.first_divergent_tick}: {d.differences}\n{RERECORD}")
    assert (tmp_path / "inputs.jsonl").read_bytes() == GOLDEN_INPUTS.read_bytes(), RERECORD
    # The expectations read the program's report; the first is the program's own verdict.
    kinds = [e.kind for e in result.expectations]
    assert kinds[0] == "program" and kinds.count("report") == 4
    assert result.summary["server"]["kills"] > 0
    assert result.summary["mean_error_ms"] < 1.0
    assert (tmp_path / "metrics.json").exists()


def test_the_golden_input_log_replays_into_the_golden_stream_byte_for_byte(tmp_path):
    out = tmp_path / "replayed.jsonl"
    done = run_cli(
        "replay",
        "run",
        str(GOLDEN_INPUTS),
        "--program",
        str(PROGRAM),
        "--out",
        str(out),
        "--expect",
        str(GOLDEN),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"byte-identical to {GOLDEN}" in done.stdout
    header = replay.read_header(GOLDEN_INPUTS)
    assert header["role"] == "inputs" and header["input_schema"]["name"] == "arena.Input"
    kinds = {e["kind"] for e in replay.read_events(GOLDEN_INPUTS)}
    assert kinds == {"join", "input", "end"}


def test_a_game_input_log_needs_its_program_and_a_changed_input_shows_in_the_diff(tmp_path):
    done = run_cli("replay", "run", str(GOLDEN_INPUTS), "--out", str(tmp_path / "x.jsonl"), check=False)
    assert done.returncode == 2 and "replay it with --program" in done.stderr
    # The golden match's first shot not fired: the replay parts from the golden stream at its tick.
    shot = next(e for e in replay.read_events(GOLDEN) if e["kind"] == "shot")
    lines = GOLDEN_INPUTS.read_text().splitlines(keepends=True)
    at = next(
        i
        for i, line in enumerate(lines[1:], 1)
        if (e := json.loads(line))["kind"] == "input"
        and (e["tick"], e["entity"]) == (shot["tick"], shot["entity"])
    )
    assert '"fire":1' in lines[at]
    lines[at] = lines[at].replace('"fire":1', '"fire":0')
    edited = tmp_path / "edited.jsonl"
    edited.write_text("".join(lines))
    out = tmp_path / "y.jsonl"
    done = run_cli(
        "replay", "run", str(edited), "--program", str(PROGRAM), "--out", str(out), "--expect", str(GOLDEN),
        check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert replay.diff(GOLDEN, out).first_divergent_tick == shot["tick"]


def test_the_arena_plays_a_scenario_over_quic_and_its_log_replays_into_its_stream(tmp_path):
    scenario = Scenario.from_dict(_table(scenario={"duration": "3s"}))
    result = scenario.run(transport="quic", out=tmp_path)
    assert result.summary["network"] == "quic"
    assert result.expectations[0].passed, result.table()
    assert all(p["states"] > 60 for p in result.summary["players"])
    # Over sockets a match is not the same twice; its own input log replays into its own stream.
    done = run_cli(
        "replay", "run", str(tmp_path / "inputs.jsonl"), "--program", str(PROGRAM),
        "--out", str(tmp_path / "replayed.jsonl"), "--expect", str(tmp_path / "server.jsonl"),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_report_expectation_that_does_not_hold_fails_the_run(tmp_path):
    table = _table(scenario={"duration": "2s"})
    table["expect"] = [
        {"kind": "report", "field": "server.kills", "max": -1},
        {"kind": "report", "field": "server.nonsense", "min": 0},
    ]
    result = Scenario.from_dict(table).run(transport="sim", out=tmp_path)
    assert not result.passed
    kills, nonsense = result.expectations[1:]
    assert not kills.passed and not nonsense.passed
    assert "no field 'nonsense' in server" in nonsense.detail and "kills" in nonsense.detail


def test_the_report_kind_reads_the_reference_games_summary_too(tmp_path):
    text = (REPO / "scenarios" / "lan_two_player.toml").read_text()
    text += '\n[[expect]]\nkind = "report"\nfield = "server.ticks"\nmin = 100\n'
    result = Scenario.from_spec(parse(text, "lan.toml")).run(transport="sim", out=tmp_path)
    assert result.passed and "server.ticks >= 100" in [e.what for e in result.expectations]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"world": {"generator": "hills"}}, "world: a [game] scenario's program makes its own"),
        ({"network": {"reorder": "1%"}}, "takes latency, jitter and loss only, not reorder"),
        ({"game": {"bots": 0}}, "game.bots: 0 is outside 1..64"),
        ({"game": {"engine": "x"}}, "game: unknown key(s) engine"),
    ],
)
def test_what_a_game_scenario_cannot_hold_is_refused_by_name(change, message):
    with pytest.raises(theta_net.ScenarioError, match=re.escape(message)):
        Scenario.from_dict(_table(**change))


def test_a_game_scenario_takes_report_expectations_only():
    table = _table()
    table["expect"] = [{"kind": "corrections", "max": 3}]
    with pytest.raises(
        theta_net.ScenarioError, match="expect\\[0\\].kind: a game program is checked by its report"
    ):
        Scenario.from_dict(table)


def test_a_missing_program_is_named_with_how_to_build_it(tmp_path):
    table = _table()
    table["game"]["program"] = str(tmp_path / "no_such_game")
    with pytest.raises(theta_net.ScenarioError, match="no_such_game' is not an executable file.*build it"):
        Scenario.from_dict(table).run(transport="sim", out=tmp_path)


def test_a_program_that_breaks_the_contract_fails_with_its_words(tmp_path):
    broken = tmp_path / "broken_game"
    broken.write_text("#!/bin/sh\necho 'cannot open the map' >&2\nexit 3\n")
    broken.chmod(0o755)
    table = _table()
    table["game"]["program"] = str(broken)
    with pytest.raises(theta_net.ScenarioError, match="exited with 3 without a report: cannot open the map"):
        Scenario.from_dict(table).run(transport="sim", out=tmp_path / "out")


def test_theta_net_run_plays_a_game_scenario(tmp_path):
    done = run_cli("run", str(SKIRMISH), "--out", str(tmp_path), "--no-progress")
    assert "skirmish over sim: passed (5/5 expectations)" in done.stdout
    assert "mean_error_ms:" in done.stdout
