"""Three implementations of the wire, one set of frames: a frame built by each of the C++ codec
(theta_net.protocol), the pure-Python codec (theta_net.pure_wire) and the TypeScript client
(web/, through a small node tool reading JSON lines) is decoded by the other two to the same
fields, for every message type with seeded random values. Also: the generated
web/src/generated/protocol.ts is current with schemas/theta.toml, and the pure-Python decoder
refuses corrupt frames with typed errors."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys

import pytest

from theta_net import protocol

from conftest import REPO

WEB = REPO / "web"
TOOL = WEB / "dist" / "tools" / "frame_tool.mjs"


def load_pure_wire():
    """Loaded from its file alone: it must not need the theta_net package or its extension."""
    spec = importlib.util.spec_from_file_location(
        "pure_wire_alone", REPO / "python" / "theta_net" / "pure_wire.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pure_wire = load_pure_wire()
CODEC = pure_wire.WireCodec.from_manifest_file(REPO / "schemas" / "manifest.json")
NAMES = [m["name"] for m in CODEC.manifest["messages"]]


def test_generated_typescript_protocol_is_current():
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "gen_protocol_ts.py"), "check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_pure_wire_does_not_import_the_extension():
    source = (REPO / "python" / "theta_net" / "pure_wire.py").read_text()
    assert "_core" not in source.replace("theta_net._core``", "")


class TsTool:
    """The TypeScript codec as a process: one JSON request line in, one JSON answer line out."""

    def __init__(self) -> None:
        node = shutil.which("node")
        assert node, "node is required for the TypeScript client's tests (apt-get install nodejs)"
        if not (WEB / "node_modules").is_dir():
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=WEB, check=True, capture_output=True)
        subprocess.run(["npm", "run", "--silent", "build:tools"], cwd=WEB, check=True, capture_output=True)
        self.proc = subprocess.Popen(
            [node, str(TOOL)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )

    def ask(self, request: dict) -> dict:
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def ts():
    tool = TsTool()
    yield tool
    tool.close()


def to_ts(t: str, v):
    """Python values to the tool's tagged JSON (u64/i64 as $big, bytes as $bytes)."""
    if v is None:
        return None
    kind, arg = pure_wire._parse_type(t)
    if kind == "list":
        return [to_ts(arg, x) for x in v]
    if kind == "map":
        return {k: to_ts(arg, x) for k, x in v.items()}
    if kind == "fixed" or t == "bytes":
        return {"$bytes": v.hex()}
    if t in ("u64", "i64"):
        return {"$big": str(v)}
    if t in CODEC.structs:
        return {f["name"]: to_ts(f["type"], v.get(f["name"])) for f in CODEC.structs[t]}
    return v


def from_ts(v):
    if isinstance(v, list):
        return [from_ts(x) for x in v]
    if isinstance(v, dict):
        if set(v) == {"$big"}:
            return int(v["$big"])
        if set(v) == {"$bytes"}:
            return bytes.fromhex(v["$bytes"])
        return {k: from_ts(x) for k, x in v.items()}
    return v


def message_to_ts(name: str, fields: dict) -> dict:
    return {f["name"]: to_ts(f["type"], fields.get(f["name"])) for f in CODEC.by_name[name]["fields"]}


@pytest.mark.parametrize("name", NAMES)
def test_a_frame_from_each_implementation_decodes_in_the_other_two(ts, name):
    for seed in range(3):
        fields = protocol.random_message(name, seed)
        sequence = seed * 1000 + 7
        frames = {
            "c++": protocol.encode(name, fields, sequence=sequence),
            "python": CODEC.encode(name, fields, sequence=sequence),
        }
        answer = ts.ask(
            {"op": "encode", "name": name, "fields": message_to_ts(name, fields), "sequence": sequence}
        )
        assert "error" not in answer, answer
        frames["ts"] = bytes.fromhex(answer["hex"])
        for source, frame in frames.items():
            where = f"{name} seed {seed} built by {source}"
            assert protocol.decode(frame) == (name, fields), where
            assert CODEC.decode(frame) == (name, fields), where
            decoded = ts.ask({"op": "decode", "hex": frame.hex()})
            assert "error" not in decoded, (where, decoded)
            assert decoded["name"] == name and decoded["sequence"] == sequence, where
            assert from_ts(decoded["fields"]) == fields, where
        # All three write the smallest msgpack forms the C++ encoder writes: the same bytes.
        assert frames["python"] == frames["c++"] == frames["ts"], name


def test_a_cpp_batch_frame_decodes_in_pure_python_and_typescript(ts):
    messages = [
        (name, protocol.random_message(name, 40 + i)) for i, name in enumerate(["ChunkData", "ChunkDiff"] * 3)
    ]
    frame = protocol.encode_batch(messages, sequence=11)
    decoded = CODEC.decode_frame(frame)
    assert decoded["flags"] == pure_wire.FLAG_BATCH and decoded["sequence"] == 11
    assert decoded["messages"] == messages
    answer = ts.ask({"op": "decode", "hex": frame.hex()})
    assert "error" not in answer, answer
    assert [(m["name"], from_ts(m["fields"])) for m in answer["messages"]] == messages


def test_the_typescript_permission_table_is_the_one_cpp_enforces(ts):
    ours = ts.ask({"op": "permissions"})
    theirs = protocol.permissions()
    assert set(ours) == set(theirs)
    for role, row in theirs.items():
        assert ours[role]["messages"] == row["messages"], role
        assert ours[role]["commands"] == row["commands"], role
        assert ours[role]["applicationCommands"] == row["application_commands"], role


def test_pure_wire_refuses_corrupt_frames_with_typed_errors():
    good = CODEC.encode("ChatMessage", {"sender": 42, "channel": "all", "text": "hi", "server_tick": 3}, 5)
    assert CODEC.decode(good)[1]["text"] == "hi"
    codes = set()
    for n in range(len(good)):
        with pytest.raises(pure_wire.WireError) as info:
            CODEC.decode_frame(good[:n])
        codes.add(info.value.code)
    for i in range(len(good)):
        for x in (0x00, 0xFF, 0x80):
            bad = bytearray(good)
            if bad[i] == x:
                continue
            bad[i] = x
            with pytest.raises(pure_wire.WireError):
                CODEC.decode_frame(bytes(bad))
    assert {"truncated", "corrupt"} <= codes
    body = bytes([0x94, 0x07, 0xA3, 0x61, 0xFF, 0x62, 0x00])  # ChatMessage with invalid UTF-8
    with pytest.raises(pure_wire.WireError, match="range"):
        CODEC.decode_body(12, body)
    with pytest.raises(pure_wire.WireError, match="truncated"):
        CODEC.decode_body(29, bytes([0xDD, 0xFF, 0xFF, 0xFF, 0xFF]))
