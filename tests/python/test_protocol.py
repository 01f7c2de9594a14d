"""theta_net.protocol: the Python face of the C++ wire codec."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import theta_net
from theta_net import protocol

from conftest import run_cli


def test_every_message_type_round_trips_through_python(repo):
    samples = {
        "Heartbeat": {
            "kind": "pong",
            "id": 9,
            "sent_at_us": 10**12,
            "responder_at_us": 5,
            "rtt_us": 1500,
            "jitter_us": 80,
            "server_tick": 3,
        },
        "ChunkUnload": {"positions": [{"x": 1, "y": -2, "z": 3}]},
        "SessionControl": {
            "action": "role_change",
            "target": 77,
            "role": "viewer",
            "reason": "",
            "migrate_to": None,
            "ban_seconds": 0,
            "sequence": 4,
            "signature": b"s" * 64,
            "successor_key": None,
        },
        "DataStateHash": {"version": 12, "tables": [{"table": 5, "hash": 2**63 + 1}]},
        "NackRequest": {
            "lane": "replication",
            "sequences": [],
            "transfer": 0,
            "from_version": 3,
            "to_version": 9,
        },
        "EntityDelta": {
            "server_tick": 100,
            "baseline_tick": 96,
            "last_input_sequence": 50,
            "payload": b"\x01\x02",
        },
        "GameInput": {"last_server_tick": 90, "bundle": b"\x01\x05\x02\x00\xff"},
        "GameState": {
            "server_tick": 100,
            "entity": 7,
            "last_input_tick": 103,
            "component": 2**64 - 5,
            "state": b"\x10\x20",
        },
    }
    for name, fields in samples.items():
        assert protocol.decode(protocol.encode(name, fields)) == (name, fields)
    assert set(protocol.message_types()) >= set(samples)
    assert len(protocol.message_types()) == 40


def test_defaults_fill_omitted_optional_and_defaulted_fields():
    name, fields = protocol.decode(protocol.encode("ChatMessage", {"sender": 1, "text": "x"}))
    assert fields == {"sender": 1, "channel": "", "text": "x", "server_tick": 0}


@pytest.mark.parametrize(
    "fields, code, words",
    [
        ({"sender": 1}, "invalid_argument", "ChatMessage.text: missing"),
        ({"sender": 1, "text": "x", "colour": 1}, "invalid_argument", "unknown field 'colour'"),
        ({"sender": "one", "text": "x"}, "invalid_argument", "ChatMessage.sender: expected an int"),
        ({"sender": 2**64, "text": "x"}, "out_of_range", "ChatMessage.sender"),
        ({"sender": 1, "text": "x" * 1025}, "limit_exceeded", "over the schema limit of 1024"),
    ],
)
def test_bad_fields_raise_protocol_errors_naming_the_field(fields, code, words):
    with pytest.raises(theta_net.ProtocolError) as err:
        protocol.encode("ChatMessage", fields)
    assert err.value.code == code
    assert words in str(err.value)


def test_enum_and_fixed_bytes_are_checked():
    with pytest.raises(theta_net.ProtocolError, match="'boss' is not a Role"):
        protocol.encode("SessionControl", {"action": "kick", "target": 1, "role": "boss"})
    with pytest.raises(theta_net.ProtocolError, match="expected exactly 64 bytes, got 3"):
        protocol.encode(
            "CommandLogEntry",
            {
                "author": b"k" * 32,
                "sequence": 1,
                "lamport": 1,
                "base_version": 0,
                "command": 1,
                "payload": b"",
                "signature": b"abc",
            },
        )


def test_corrupt_frames_raise_typed_errors():
    frame = bytearray(protocol.encode("ClientReady", {"snapshot_id": 1, "server_tick": 2}))
    frame[-6] ^= 0xFF
    with pytest.raises(theta_net.ProtocolError) as err:
        protocol.decode(bytes(frame))
    assert err.value.code == "checksum_mismatch"
    with pytest.raises(theta_net.ProtocolError) as err:
        protocol.decode(b"GET / HTTP/1.1\r\n\r\n")
    assert err.value.code == "corrupt" and "not a theta frame" in str(err.value)


def test_batches_and_unknown_types():
    frame = protocol.encode_batch([("ClientReady", {"snapshot_id": i, "server_tick": i}) for i in range(3)])
    info = protocol.decode_frame(frame)
    assert info["lane"] == "replication" and len(info["messages"]) == 3
    with pytest.raises(theta_net.ProtocolError, match="batch of 3"):
        protocol.decode(frame)
    with pytest.raises(theta_net.ProtocolError, match="unknown message type"):
        protocol.encode("Teleport", {})


def test_flags_helper():
    assert protocol.flags("MoveButtons", ["forward", "jump"]) == 0b10001
    with pytest.raises(theta_net.ProtocolError):
        protocol.flags("MoveButtons", ["fly"])


def test_manifest_and_docs_are_generated_from_the_schema(repo):
    proc = subprocess.run(
        [sys.executable, str(repo / "scripts" / "gen_protocol.py"), "check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    on_disk = json.loads((repo / "schemas" / "manifest.json").read_text())
    assert on_disk == protocol.manifest()  # the build's embedded copy matches too


def test_schema_change_changes_the_hash(repo, tmp_path, gen_protocol):
    """Editing a field's type in a copy of the schema gives another hash; editing a doc does not."""
    original = (repo / "schemas" / "theta.toml").read_text()
    base = gen_protocol.schema_hash(gen_protocol.load(repo / "schemas" / "theta.toml"))
    assert base == protocol.schema_hash()
    variants = {
        "type": original.replace('{ name = "rtt_us", type = "u32" }', '{ name = "rtt_us", type = "u64" }'),
        "doc": original.replace("Integer block or chunk coordinates.", "Block coordinates."),
    }
    hashes = {}
    for label, text in variants.items():
        assert text != original
        path = tmp_path / f"{label}.toml"
        path.write_text(text)
        hashes[label] = gen_protocol.schema_hash(gen_protocol.load(path))
    assert hashes["type"] != base
    assert hashes["doc"] == base


def test_generator_rejects_schemas_that_break_the_rules(repo, tmp_path, gen_protocol):
    original = (repo / "schemas" / "theta.toml").read_text()
    broken = original.replace(
        '{ name = "server_tick", type = "u32", default = 0, since = "1.1" }',
        '{ name = "server_tick", type = "u32", since = "1.1" }',
    )
    path = tmp_path / "broken.toml"
    path.write_text(broken)
    with pytest.raises(gen_protocol.SchemaError, match="needs a default"):
        gen_protocol.load(path)


def test_schema_command_prints_manifest_hash_and_canonical_form():
    manifest = json.loads(run_cli("schema").stdout)
    assert manifest["protocol"]["alpn"] == "theta/1"
    assert run_cli("schema", "--hash").stdout.strip() == f"0x{protocol.schema_hash():016x}"
    assert run_cli("schema", "--canonical", "--minor", "0").stdout.startswith("theta-schema 1\n")


def test_generator_validates_the_permission_table(repo, tmp_path, gen_protocol):
    """Every role has a row; a row grants only existing, client-sent messages and CommandKinds."""
    original = (repo / "schemas" / "theta.toml").read_text()
    viewer_messages = 'messages = ["Heartbeat", "TelemetryReport"'
    assert viewer_messages in original
    cases = {
        "no message named": original.replace(viewer_messages, 'messages = ["Teleport", "TelemetryReport"'),
        "a server's message": original.replace(viewer_messages, 'messages = ["ChunkData", "TelemetryReport"'),
        "has no \\[\\[permission\\]\\] entry": original.replace('role = "admin"', 'role = "spectator"'),
        "is not a CommandKind": original.replace('commands = ["data_write"]', 'commands = ["teleport"]'),
        "says nothing of who sends it": original.replace(
            'lane = "input"\nfrom = "client"\n', 'lane = "input"\n'
        ),
        "not declared before it": original.replace('extends = "viewer"', 'extends = "admin"'),
    }
    for expected, text in cases.items():
        assert text != original, expected
        path = tmp_path / "broken.toml"
        path.write_text(text)
        with pytest.raises(gen_protocol.SchemaError, match=expected):
            gen_protocol.load(path)


def test_the_permission_table_is_in_the_hash_from_its_minor_on(repo, tmp_path, gen_protocol):
    original = (repo / "schemas" / "theta.toml").read_text()
    base = gen_protocol.load(repo / "schemas" / "theta.toml")
    path = tmp_path / "viewer_without_resync.toml"
    path.write_text(
        original.replace('"DataAck", "DataResync", "AssetRequest"]', '"DataAck", "AssetRequest"]')
    )
    changed = gen_protocol.load(path)
    assert gen_protocol.schema_hash(changed) != gen_protocol.schema_hash(base)
    for minor in range(3):  # the minors before the table keep their hashes
        assert gen_protocol.schema_hash(changed, minor) == gen_protocol.schema_hash(base, minor)
    assert "permission viewer messages=" in gen_protocol.canonical(base)
    assert "\npermission " not in gen_protocol.canonical(base, 2)


def test_what_a_minor_adds_leaves_the_older_minors_hashes_alone(repo, tmp_path, gen_protocol):
    """An enum declared `since` a minor, and a message granted to an older row, are left out of
    the canonical text of the minors before theirs."""
    base = gen_protocol.load(repo / "schemas" / "theta.toml")
    assert "enum AssetError " in gen_protocol.canonical(base, 4)
    assert "enum AssetError " not in gen_protocol.canonical(base, 3)
    viewer = next(p for p in base.permissions if p.role == "viewer")
    assert 38 in gen_protocol.permission_message_ids(base, viewer, 4)
    assert 38 not in gen_protocol.permission_message_ids(base, viewer, 3)
    original = (repo / "schemas" / "theta.toml").read_text()
    path = tmp_path / "enum_too_new.toml"
    # NackRequest (1.0) with a field of an enum added at 1.4.
    path.write_text(
        original.replace('{ name = "lane", type = "LaneId" },', '{ name = "lane", type = "AssetError" },', 1)
    )
    with pytest.raises(gen_protocol.SchemaError, match="enum AssetError is newer"):
        gen_protocol.load(path)
