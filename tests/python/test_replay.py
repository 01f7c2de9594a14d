"""theta_net.replay and `theta-net replay diff`: canonical streams, the diff API and the CLI."""

from __future__ import annotations

import json
import math
import random

import pytest

import theta_net
from theta_net import replay
from theta_net.errors import ReplayError

from conftest import run_cli

HEADER = {
    "format_version": 1,
    "kind": "header",
    "protocol_version": "1.1",
    "role": "server",
    "scenario": "test",
    "schema_hash": "0x0000000000000001",
    "tick_rate": 20,
    "world_seed": 7,
}


def python_canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def write_stream(path, events, header=HEADER):
    lines = [python_canonical(header)] + [python_canonical(e) for e in events]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def session(ticks=50):
    events = []
    for t in range(1, ticks + 1):
        for p in (1, 2, 3):
            events.append({"tick": t, "kind": "move", "entity": p, "pos": [p * 1.5, 64.0, t / 8]})
        if t % 10 == 0:
            events.append(
                {"tick": t, "kind": "state_hash", "players": f"0x{t:016x}", "chunks": f"0x{2 * t:016x}"}
            )
    events.append({"tick": ticks, "kind": "chat", "entity": 2, "text": "gg"})
    return events


def random_value(rng: random.Random, depth=0):
    choice = rng.randrange(9 if depth < 4 else 6)
    if choice == 0:
        return rng.choice([None, True, False])
    if choice == 1:
        return rng.randrange(-(2**63), 2**64)
    if choice == 2:
        return rng.choice([0.0, -0.0, 1e16, 1e-5, 0.1, 5e-324]) * rng.choice([1, -1, 3.7])
    if choice == 3:
        return rng.uniform(-1e6, 1e6) * 10 ** rng.randrange(-30, 30)
    if choice == 4:
        return "".join(
            rng.choice(["a", "é", "\n", "\x01", '"', "\\", "\u2028", "😀", "\x7f", "/"])
            for _ in range(rng.randrange(6))
        )
    if choice == 5:
        return rng.randrange(-1000, 1000)
    if choice in (6, 7):
        keys = [f"k{rng.randrange(20)}{rng.choice(['', 'é', 'Z', '~'])}" for _ in range(5)]
        return {k: random_value(rng, depth + 1) for k in keys[: rng.randrange(6)]}
    return [random_value(rng, depth + 1) for _ in range(rng.randrange(5))]


def test_canonical_json_is_pythons_sorted_compact_json():
    rng = random.Random(8)
    for _ in range(2000):
        value = random_value(rng)
        assert replay.canonical_json(value) == python_canonical(value)


def test_canonical_json_refuses_what_json_cannot_carry():
    for bad in (math.nan, math.inf, {"a": [1, -math.inf]}, 2**64, -(2**63) - 1, {1: "x"}, b"x"):
        with pytest.raises(ReplayError):
            replay.canonical_json(bad)
    loop = []
    loop.append(loop)
    with pytest.raises(ReplayError):
        replay.canonical_json(loop)


def test_event_writer_is_deterministic_and_reads_back(tmp_path):
    header = replay.header_for_this_build("demo", 42, 20, "client:alice")
    assert header["kind"] == "header" and header["format_version"] == replay.FORMAT_VERSION
    assert header["schema_hash"] == f"0x{theta_net.protocol.schema_hash():016x}"
    texts = []
    for _ in range(2):
        w = replay.EventWriter(None, header)
        for e in session():
            w.write(e)
        texts.append(w.getvalue())
    assert texts[0] == texts[1]
    assert texts[0].splitlines()[1] == python_canonical(session()[0])

    path = tmp_path / "s.jsonl"
    with replay.EventWriter(path, header) as w:
        for e in session():
            w.write(e)
        assert w.events_written == len(session())
    assert path.read_text(encoding="utf-8") == texts[0]
    assert replay.read_header(path)["role"] == "client:alice"
    assert list(replay.read_events(path)) == session()


def test_event_writer_refuses_bad_events():
    w = replay.EventWriter(None, HEADER)
    w.write({"tick": 5, "kind": "a"})
    for bad in (
        {"tick": 4, "kind": "a"},
        {"kind": "a"},
        {"tick": 6},
        {"tick": 6, "kind": "header"},
        {"tick": 6, "kind": "a", "x": math.nan},
        {"tick": 6, "kind": "a", "entity": [1]},
    ):
        with pytest.raises(ReplayError):
            w.write(bad)
    assert w.events_written == 1


def test_diff_equal_and_changed(tmp_path):
    a = write_stream(tmp_path / "a.jsonl", session())
    assert replay.diff(a, a).equal
    events = session()
    events[10]["pos"][2] += 0.001
    b = write_stream(tmp_path / "b.jsonl", events)
    result = replay.diff(a, b)
    assert not result.equal
    assert result.first_divergent_tick == events[10]["tick"]
    assert result.counts["changed"] == 1
    (d,) = result.differences
    assert d["type"] == "changed" and d["field"] == "pos[2]" and d["kind"] == "move"
    assert d["entity"] == events[10]["entity"]
    assert d["b"] - d["a"] == pytest.approx(0.001)
    assert d["line_a"] == d["line_b"] == 12
    assert replay.diff(a, b, float_tol=0.01).equal


def test_diff_missing_extra_reordered_and_state_hash(tmp_path):
    a = write_stream(tmp_path / "a.jsonl", session())
    events = session()
    del events[4]  # a move at tick 2
    events.insert(7, {"tick": 3, "kind": "spawn", "entity": 99})
    events[9], events[10] = events[10], events[9]  # tick 4's first two moves swap
    for e in events:
        if e["kind"] == "state_hash" and e["tick"] == 20:
            e["chunks"] = "0xdead"
    b = write_stream(tmp_path / "b.jsonl", events)
    r = replay.diff(a, b)
    assert r.counts == {"missing": 1, "extra": 1, "reordered": 1, "changed": 1, "schema": 0}
    assert r.first_divergent_tick == 2
    assert r.first_state_hash_divergence == {"tick": 20, "kind": "state_hash", "sections": ["chunks"]}
    changed = [d for d in r.differences if d["type"] == "changed"][0]
    assert changed["section"] == "chunks"
    missing = [d for d in r.differences if d["type"] == "missing"][0]
    assert missing["event"]["tick"] == 2 and missing["event"]["kind"] == "move"


def test_diff_ignores_and_schema_drift(tmp_path):
    a = write_stream(tmp_path / "a.jsonl", session())
    events = session()
    for e in events:
        if e["kind"] == "move":
            e["debug"] = {"wall_ms": 1.5}
    events.append({"tick": 60, "kind": "telemetry", "rtt": 30})
    drifted = dict(HEADER, schema_hash="0x00000000000000ff")
    b = write_stream(tmp_path / "b.jsonl", events, header=drifted)
    r = replay.diff(a, b)
    assert r.counts["schema"] == 1 and r.counts["changed"] == 150 and r.counts["extra"] == 1
    schema = [d for d in r.differences if d["type"] == "schema"][0]
    assert schema == {
        "type": "schema",
        "tick": None,
        "field": "schema_hash",
        "line_a": 1,
        "line_b": 1,
        "a": "0x0000000000000001",
        "b": "0x00000000000000ff",
    }
    r = replay.diff(a, b, ignore=["debug", "schema_hash"], ignore_kinds=["telemetry"])
    assert r.equal
    r = replay.diff(a, b, ignore=["*.wall_ms"], ignore_kinds="telemetry", max_differences=0)
    assert r.counts["schema"] == 1 and r.differences == [] and r.truncated
    with pytest.raises(ReplayError) as err:
        replay.diff(a, b, ignore=["tick"])
    assert err.value.code == "invalid_argument"


def test_diff_bad_input_names_file_and_line(tmp_path):
    a = write_stream(tmp_path / "a.jsonl", session())
    bad = tmp_path / "bad.jsonl"
    bad.write_text(a.read_text().replace('"kind":"chat"', '"kind":"chat",'), encoding="utf-8")
    with pytest.raises(ReplayError) as err:
        replay.diff(a, bad)
    assert err.value.code == "corrupt"
    assert f"{bad}:{len(session()) + 1}: column" in str(err.value)
    truncated = tmp_path / "cut.jsonl"
    truncated.write_text(a.read_text()[:-10], encoding="utf-8")
    with pytest.raises(ReplayError) as err:
        replay.diff(a, truncated)
    assert err.value.code == "truncated"
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with pytest.raises(ReplayError, match="empty.jsonl:1: the input is empty"):
        replay.diff(empty, a)
    with pytest.raises(ReplayError) as err:
        replay.diff(tmp_path / "nope.jsonl", a)
    assert err.value.code == "io"
    with pytest.raises(ReplayError):
        list(replay.read_events(bad))


def test_cli_diff_exit_codes_and_json(tmp_path):
    a = write_stream(tmp_path / "a.jsonl", session())
    events = session()
    events[3]["pos"][0] = 99.0
    del events[20]
    b = write_stream(tmp_path / "b.jsonl", events)

    proc = run_cli("replay", "diff", str(a), str(a), check=False)
    assert proc.returncode == 0 and "equal" in proc.stdout

    proc = run_cli("replay", "diff", str(a), str(b), check=False)
    assert proc.returncode == 1
    assert "first divergent tick: 2" in proc.stdout
    assert "changed" in proc.stdout and "missing" in proc.stdout

    proc = run_cli("replay", "diff", "--json", str(a), str(b), check=False)
    assert proc.returncode == 1
    out = json.loads(proc.stdout)
    assert out["equal"] is False and out["first_divergent_tick"] == 2
    assert {d["type"] for d in out["differences"]} == {"changed", "missing"}
    assert all(isinstance(d["tick"], int) for d in out["differences"])
    assert out["counts"]["changed"] == 1 and out["counts"]["missing"] == 1

    proc = run_cli(
        "replay", "diff", "--json", "--float-tol", "100", "--ignore-kind", "move", str(a), str(b), check=False
    )
    assert proc.returncode == 0 and json.loads(proc.stdout)["equal"] is True
    proc = run_cli(
        "replay",
        "diff",
        "--json",
        "--ignore-field",
        "pos",
        "--ignore-kind",
        "move",
        str(a),
        str(b),
        check=False,
    )
    assert proc.returncode == 0

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"kind":"move","tick":1}\n')
    proc = run_cli("replay", "diff", str(a), str(bad), check=False)
    assert proc.returncode == 2
    assert f"{bad}:1:" in proc.stderr
    proc = run_cli("replay", "diff", str(a), check=False)
    assert proc.returncode == 2
