"""A third party's reading of docs/protocol.md: frames made by theta_net's C++ encoder are parsed
here with nothing but the rules of the document, Python's own `msgpack` and `zstandard` packages
and schemas/manifest.json. If the document and the code ever disagree, this test fails."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import msgpack
import pytest
import zstandard

from theta_net import protocol

MANIFEST = json.loads((Path(__file__).resolve().parents[2] / "schemas" / "manifest.json").read_text())
MESSAGES = {m["id"]: m for m in MANIFEST["messages"]}
STRUCTS = {s["name"]: s for s in MANIFEST["structs"]}
ENUMS = {e["name"]: e for e in MANIFEST["enums"]}


def crc32c(data: bytes) -> int:
    """CRC32C (Castagnoli, reflected 0x82F63B78), bit by bit as RFC 3720 defines it."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def parse_frame(frame: bytes) -> dict:
    """Section 3 of docs/protocol.md."""
    assert frame[:2] == b"\xce\xb8", "magic"
    version, flags = frame[2], frame[3]
    assert flags & ~0b11 == 0, "unknown flags"
    msg_type, pos = read_varint(frame, 4)
    sequence, pos = read_varint(frame, pos)
    length, pos = read_varint(frame, pos)
    assert len(frame) == pos + length + 4, "length"
    body = frame[pos : pos + length]
    (crc,) = struct.unpack("<I", frame[-4:])
    assert crc == crc32c(frame[:-4]), "crc32c"
    if flags & 1:
        body = zstandard.ZstdDecompressor().decompress(body)
    entries = []
    if flags & 2:
        assert msg_type == 0
        count, p = read_varint(body, 0)
        for _ in range(count):
            t, p = read_varint(body, p)
            n, p = read_varint(body, p)
            entries.append((t, body[p : p + n]))
            p += n
        assert p == len(body)
    else:
        entries.append((msg_type, body))
    return {"version": version, "flags": flags, "sequence": sequence, "entries": entries}


def name_fields(type_name: str, value):
    """Section 5: arrays of fields in schema order, nested structs likewise, enums by number."""
    if type_name.startswith("list<"):
        return [name_fields(type_name[5:-1], v) for v in value]
    if type_name.startswith("map<str,"):
        return {k: name_fields(type_name[8:-1], v) for k, v in value.items()}
    if type_name in STRUCTS:
        return {
            f["name"]: (None if v is None else name_fields(f["type"], v))
            for f, v in zip(STRUCTS[type_name]["fields"], value)
        }
    if type_name in ENUMS:
        names = {v: k for k, v in ENUMS[type_name]["values"].items()}
        return names[value]
    return value


def decode_message(msg_type: int, body: bytes) -> tuple[str, dict]:
    spec = MESSAGES[msg_type]
    array = msgpack.unpackb(body, raw=False, strict_map_key=False)
    assert isinstance(array, list)
    fields = {}
    for field, value in zip(spec["fields"], array):
        fields[field["name"]] = None if value is None else name_fields(field["type"], value)
    for field in spec["fields"][len(array) :]:
        fields[field["name"]] = field.get("default")
    return spec["name"], fields


HELLO = {
    "protocol_major": 1,
    "protocol_minor": 1,
    "schema_hash": 0x1122334455667788,
    "schema_hashes": [1, 0x1122334455667788],
    "client_nonce": bytes(range(16)),
    "capabilities": 0b1011,
    "auth_token": "secret",
    "public_key": b"\x07" * 32,
    "resume_token": None,
    "client_name": "alice θ",
}
INPUT = {
    "last_server_tick": 77,
    "inputs": [
        {
            "tick": 80,
            "sequence": 5,
            "buttons": 0b10001,
            "yaw": 40000,
            "pitch": -1200,
            "block": {"kind": "place", "target": {"x": -3, "y": 64, "z": 1000}, "face": "up", "block": 12},
            "inventory": None,
        },
        {
            "tick": 81,
            "sequence": 6,
            "buttons": 0,
            "yaw": 40010,
            "pitch": -1190,
            "block": None,
            "inventory": {"kind": "move", "slot": 1, "to_slot": 5, "count": 3},
        },
    ],
}
TELEMETRY = {
    "tick": 9,
    "frame_ms_p50": 1.5,
    "frame_ms_p99": 4.25,
    "rtt_us": 1234,
    "jitter_us": 56,
    "bytes_in": 2**40,
    "bytes_out": 7,
    "counters": {"corrections": 2.0, "fps": 59.5},
}


@pytest.mark.parametrize(
    "name, fields", [("SessionHello", HELLO), ("InputBundle", INPUT), ("TelemetryReport", TELEMETRY)]
)
def test_single_message_frames_parse_by_the_document(name, fields):
    frame = protocol.encode(name, fields, sequence=300)
    parsed = parse_frame(frame)
    assert parsed["version"] == 1 and parsed["flags"] == 0 and parsed["sequence"] == 300
    [(msg_type, body)] = parsed["entries"]
    assert MESSAGES[msg_type]["name"] == name
    got_name, got = decode_message(msg_type, body)
    assert got_name == name
    assert got == fields


def test_floats_are_msgpack_floats_of_the_declared_width():
    body = protocol.encode_body("TelemetryReport", TELEMETRY)
    array = msgpack.unpackb(body)
    assert isinstance(array[1], float) and isinstance(array[2], float)
    # f32 travels as float32 (0xca), f64 map values as float64 (0xcb).
    assert body.count(b"\xca") >= 2 and b"\xcb" in body


def test_batch_and_compressed_frames_parse_by_the_document():
    chunks = [
        ("ChunkData", {"position": {"x": i, "y": 0, "z": -i}, "revision": i, "blob": bytes(900)})
        for i in range(4)
    ]
    frame = protocol.encode_batch(chunks, sequence=2, compress=True)
    parsed = parse_frame(frame)
    assert parsed["flags"] == 0b11
    assert len(frame) < 600  # 3.6 KB of zeros compressed
    decoded = [decode_message(t, b) for t, b in parsed["entries"]]
    assert decoded == chunks


def test_a_frame_built_here_by_the_document_is_accepted_by_theta_net():
    """The other direction: a third-party encoder following the document."""
    body = msgpack.packb([42, "all", "hi from python", 3])
    header = b"\xce\xb8\x01\x00" + bytes([12, 0, len(body)])
    frame = header + body
    frame += struct.pack("<I", crc32c(frame))
    assert protocol.decode(frame) == (
        "ChatMessage",
        {"sender": 42, "channel": "all", "text": "hi from python", "server_tick": 3},
    )


def test_older_minor_peers_get_shorter_arrays():
    ack = {
        "session_id": 1,
        "role": "admin",
        "protocol_minor": 0,
        "capabilities": 3,
        "server_nonce": bytes(16),
        "public_key": bytes(32),
        "signature": bytes(64),
        "resume_token": bytes(16),
        "resumed": False,
        "tick_rate": 20,
        "server_tick": 5,
        "motd": "hello",
    }
    v11 = msgpack.unpackb(protocol.encode_body("SessionAck", ack))
    v10 = msgpack.unpackb(protocol.encode_body("SessionAck", ack, minor=0))
    assert len(v11) == len(v10) + 1 and v11[-1] == "hello"


def test_schema_hash_is_siphash_of_the_canonical_text():
    """Section 6, with SipHash-2-4 written here from the paper."""
    mask = (1 << 64) - 1

    def rotl(x, b):
        return ((x << b) | (x >> (64 - b))) & mask

    def siphash(key: bytes, msg: bytes) -> int:
        k0, k1 = struct.unpack("<QQ", key)
        v = [
            k0 ^ 0x736F6D6570736575,
            k1 ^ 0x646F72616E646F6D,
            k0 ^ 0x6C7967656E657261,
            k1 ^ 0x7465646279746573,
        ]

        def rnd():
            v[0] = (v[0] + v[1]) & mask
            v[1] = rotl(v[1], 13) ^ v[0]
            v[0] = rotl(v[0], 32)
            v[2] = (v[2] + v[3]) & mask
            v[3] = rotl(v[3], 16) ^ v[2]
            v[0] = (v[0] + v[3]) & mask
            v[3] = rotl(v[3], 21) ^ v[0]
            v[2] = (v[2] + v[1]) & mask
            v[1] = rotl(v[1], 17) ^ v[2]
            v[2] = rotl(v[2], 32)

        padded = msg + bytes(7 - len(msg) % 8) + bytes([len(msg) & 0xFF])
        for i in range(0, len(padded), 8):
            (m,) = struct.unpack("<Q", padded[i : i + 8])
            v[3] ^= m
            rnd()
            rnd()
            v[0] ^= m
        v[2] ^= 0xFF
        for _ in range(4):
            rnd()
        return v[0] ^ v[1] ^ v[2] ^ v[3]

    for minor, expected in enumerate(protocol.schema_hash_by_minor()):
        text = protocol.canonical_schema(minor).encode()
        assert siphash(b"theta_net.schema", text) == expected
    assert MANIFEST["schema_hash"] == f"0x{protocol.schema_hash():016x}"
