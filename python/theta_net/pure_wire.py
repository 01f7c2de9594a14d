"""theta frames and message bodies in pure Python, driven by schemas/manifest.json.

For tools that read captures (event streams, recorded frames) where the C++ extension is not
built: this module imports only the standard library and ``msgpack``, never ``theta_net._core``,
so it also works copied on its own next to a manifest. It follows docs/protocol.md sections 3
and 5 as written (tests/python/test_web_frames.py checks it against the C++ codec and the
TypeScript client). Messages are dicts as ``theta_net.protocol`` gives them: enums by name,
bitsets as ints, bytes as bytes, absent optional fields as None.

    codec = WireCodec.from_manifest_file("schemas/manifest.json")
    frame = codec.encode("ChatMessage", {"sender": 1, "text": "hi"}, sequence=0)
    name, fields = codec.decode(frame)

Compressed frames (flag bit 0) are refused with code "unsupported": zstd is not in the standard
library.
"""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import msgpack

MAGIC = b"\xce\xb8"
VERSION = 1
FLAG_COMPRESSED = 1
FLAG_BATCH = 2
MAX_BATCH = 4096
DEFAULT_MAX_BODY = 16 << 20
DEFAULT_MANIFEST = Path(__file__).resolve().parents[2] / "schemas" / "manifest.json"

INT_RANGES = {
    "u8": (0, 2**8 - 1),
    "u16": (0, 2**16 - 1),
    "u32": (0, 2**32 - 1),
    "u64": (0, 2**64 - 1),
    "i8": (-(2**7), 2**7 - 1),
    "i16": (-(2**15), 2**15 - 1),
    "i32": (-(2**31), 2**31 - 1),
    "i64": (-(2**63), 2**63 - 1),
}


class WireError(ValueError):
    """A frame or body that breaks docs/protocol.md; ``code`` says how, the text names where."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


def _crc_table() -> List[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc_table()


def crc32c(data: bytes) -> int:
    """CRC32C (Castagnoli, reflected 0x82F63B78), as RFC 3720 defines it."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _CRC_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def write_varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def read_varint(data: bytes, pos: int, what: str) -> Tuple[int, int]:
    """Unsigned LEB128, shortest form only, at most 10 bytes and 64 bits."""
    value = 0
    for i in range(10):
        if pos >= len(data):
            raise WireError("truncated", f"the frame ends inside {what}")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            if byte == 0 and i > 0:
                raise WireError("corrupt", f"{what} is a varint not in its shortest form")
            if value >= 2**64:
                raise WireError("range", f"{what} is over 64 bits")
            return value, pos
    raise WireError("range", f"{what} is a varint longer than 10 bytes")


def _parse_type(t: str) -> Tuple[str, Any]:
    if t.startswith("list<"):
        return "list", t[5:-1]
    if t.startswith("map<str,"):
        return "map", t[8:-1]
    m = re.fullmatch(r"bytes\[(\d+)\]", t)
    if m:
        return "fixed", int(m.group(1))
    return "name", t


class WireCodec:
    """Frames and bodies of one schema (a manifest.json's content)."""

    def __init__(self, manifest: Dict[str, Any]) -> None:
        self.manifest = manifest
        self.limits = manifest["limits"]
        self.minor = int(manifest["protocol"]["version"].split(".")[1])
        self.enums = {e["name"]: e["values"] for e in manifest["enums"]}
        self.enum_names = {name: {v: k for k, v in values.items()} for name, values in self.enums.items()}
        self.bitsets = {b["name"]: b["type"] for b in manifest["bitsets"]}
        self.structs = {s["name"]: s["fields"] for s in manifest["structs"]}
        self.by_name = {m["name"]: m for m in manifest["messages"]}
        self.by_id = {m["id"]: m for m in manifest["messages"]}

    @classmethod
    def from_manifest_file(cls, path: Optional[Path] = None) -> "WireCodec":
        return cls(json.loads(Path(path or DEFAULT_MANIFEST).read_text()))

    # ---- bodies

    @staticmethod
    def _since(field: Dict[str, Any]) -> int:
        return int(field["since"].split(".")[1])

    def _pack(self, t: str, value: Any, bound: Optional[int], where: str, out: msgpack.Packer) -> bytes:
        kind, arg = _parse_type(t)
        if kind == "list":
            limit = bound if bound is not None else self.limits["list"]
            if not isinstance(value, (list, tuple)) or len(value) > limit:
                raise WireError("limit", f"{where}: a list of at most {limit} elements")
            return out.pack_array_header(len(value)) + b"".join(
                self._pack(arg, v, None, f"{where}[{i}]", out) for i, v in enumerate(value)
            )
        if kind == "map":
            limit = bound if bound is not None else self.limits["map"]
            if not isinstance(value, dict) or len(value) > limit:
                raise WireError("limit", f"{where}: a map of at most {limit} entries")
            return out.pack_map_header(len(value)) + b"".join(
                out.pack(k) + self._pack(arg, value[k], None, f"{where}[{k!r}]", out) for k in sorted(value)
            )
        if kind == "fixed":
            if not isinstance(value, (bytes, bytearray)) or len(value) != arg:
                raise WireError("range", f"{where}: exactly {arg} bytes")
            return out.pack(bytes(value))
        if t in INT_RANGES:
            lo, hi = INT_RANGES[t]
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                raise WireError("range", f"{where}: {value!r} does not fit {t}")
            return out.pack(value)
        if t == "bool":
            if not isinstance(value, bool):
                raise WireError("type", f"{where}: expected a bool")
            return out.pack(value)
        if t in ("f32", "f64"):
            # Senders write f32 as float32 and f64 as float64 (section 5).
            return (
                struct.pack(">Bf", 0xCA, float(value))
                if t == "f32"
                else struct.pack(">Bd", 0xCB, float(value))
            )
        if t in ("str", "bytes"):
            limit = bound if bound is not None else self.limits[t]
            raw = value.encode() if t == "str" and isinstance(value, str) else value
            if not isinstance(raw, (bytes, bytearray)) or (t == "str") != isinstance(value, str):
                raise WireError("type", f"{where}: expected {t}")
            if len(raw) > limit:
                raise WireError("limit", f"{where}: {len(raw)} bytes is over its max of {limit}")
            return out.pack(value if t == "str" else bytes(value))
        if t in self.enums:
            if value not in self.enums[t]:
                raise WireError("range", f"{where}: {value!r} is not a {t}")
            return out.pack(self.enums[t][value])
        if t in self.bitsets:
            return self._pack(self.bitsets[t], value, None, where, out)
        return self._pack_struct(self.structs[t], value, where, self.minor, out)

    def _pack_struct(self, fields: list, value: dict, where: str, minor: int, out: msgpack.Packer) -> bytes:
        known = [f for f in fields if self._since(f) <= minor]
        parts = [out.pack_array_header(len(known))]
        for f in known:
            v = value.get(f["name"], f.get("default"))
            if v is None:
                if not f.get("optional"):
                    raise WireError("type", f"{where}.{f['name']}: is required")
                parts.append(out.pack(None))
            else:
                parts.append(self._pack(f["type"], v, f.get("max"), f"{where}.{f['name']}", out))
        return b"".join(parts)

    def encode_body(self, name: str, fields: Dict[str, Any], minor: Optional[int] = None) -> bytes:
        packer = msgpack.Packer(use_bin_type=True, autoreset=True)
        minor = self.minor if minor is None else minor
        return self._pack_struct(self.by_name[name]["fields"], fields, name, minor, packer)

    def _unpack(self, t: str, v: Any, bound: Optional[int], where: str) -> Any:
        kind, arg = _parse_type(t)
        if kind == "list":
            limit = bound if bound is not None else self.limits["list"]
            if not isinstance(v, list):
                raise WireError("type", f"{where}: expected an array")
            if len(v) > limit:
                raise WireError("limit", f"{where}: {len(v)} elements is over its max of {limit}")
            return [self._unpack(arg, x, None, f"{where}[{i}]") for i, x in enumerate(v)]
        if kind == "map":
            limit = bound if bound is not None else self.limits["map"]
            if not isinstance(v, dict) or not all(isinstance(k, str) for k in v):
                raise WireError("type", f"{where}: expected a map with str keys")
            if len(v) > limit:
                raise WireError("limit", f"{where}: {len(v)} entries is over its max of {limit}")
            return {k: self._unpack(arg, x, None, f"{where}[{k!r}]") for k, x in v.items()}
        if kind == "fixed":
            if not isinstance(v, bytes) or len(v) != arg:
                raise WireError("range", f"{where}: exactly {arg} bytes")
            return v
        if t in INT_RANGES or t in self.bitsets:
            lo, hi = INT_RANGES[self.bitsets.get(t, t)]
            if isinstance(v, bool) or not isinstance(v, int):
                raise WireError("type", f"{where}: expected an int")
            if not lo <= v <= hi:
                raise WireError("range", f"{where}: {v} does not fit {t}")
            return v
        if t == "bool":
            if not isinstance(v, bool):
                raise WireError("type", f"{where}: expected a bool")
            return v
        if t in ("f32", "f64"):
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise WireError("type", f"{where}: expected a float")
            return float(v)
        if t in ("str", "bytes"):
            limit = bound if bound is not None else self.limits[t]
            if not isinstance(v, str if t == "str" else bytes):
                raise WireError("type", f"{where}: expected {t}")
            size = len(v.encode()) if t == "str" else len(v)
            if size > limit:
                raise WireError("limit", f"{where}: {size} bytes is over its max of {limit}")
            return v
        if t in self.enums:
            if isinstance(v, bool) or v not in self.enum_names[t]:
                raise WireError("range", f"{where}: {v!r} is no {t} value")
            return self.enum_names[t][v]
        return self._unpack_struct(self.structs[t], v, where)

    def _unpack_struct(self, fields: list, v: Any, where: str) -> Dict[str, Any]:
        if not isinstance(v, list):
            raise WireError("type", f"{where}: expected an array")
        out = {}
        for i, f in enumerate(fields):
            here = f"{where}.{f['name']}"
            if i >= len(v):
                if "default" not in f and not f.get("optional"):
                    raise WireError("truncated", f"{here}: is missing and has no default")
                out[f["name"]] = f.get("default")
            elif v[i] is None:
                if not f.get("optional"):
                    raise WireError("type", f"{here}: is nil but not optional")
                out[f["name"]] = None
            else:
                out[f["name"]] = self._unpack(f["type"], v[i], f.get("max"), here)
        return out  # elements past the known fields are a newer peer's: skipped

    def decode_body(self, type_id: int, body: bytes) -> Tuple[str, Dict[str, Any]]:
        spec = self.by_id.get(type_id)
        if spec is None:
            raise WireError("unknown_message", f"message type {type_id} is not in the schema")
        n = len(body)
        try:
            # Counts are bounded by the bytes there are: a small body cannot reserve a large one.
            value = msgpack.unpackb(
                body,
                raw=False,
                strict_map_key=False,
                max_str_len=n,
                max_bin_len=n,
                max_array_len=n,
                max_map_len=n // 2,
                max_ext_len=0,
            )
        except msgpack.ExtraData:
            raise WireError("corrupt", f"{spec['name']}: bytes after the body's value") from None
        except UnicodeDecodeError:
            raise WireError("range", f"{spec['name']}: a string that is not valid UTF-8") from None
        except (ValueError, msgpack.UnpackException) as exc:
            raise WireError("truncated", f"{spec['name']}: {exc}") from None
        return spec["name"], self._unpack_struct(spec["fields"], value, spec["name"])

    # ---- frames

    def encode(
        self, name: str, fields: Dict[str, Any], sequence: int = 0, minor: Optional[int] = None
    ) -> bytes:
        body = self.encode_body(name, fields, minor)
        head = MAGIC + bytes([VERSION, 0]) + write_varint(self.by_name[name]["id"])
        frame = head + write_varint(sequence) + write_varint(len(body)) + body
        return frame + struct.pack("<I", crc32c(frame))

    def decode_frame(self, frame: bytes, max_body: int = DEFAULT_MAX_BODY) -> Dict[str, Any]:
        """Section 3, checks in its order; returns sequence, flags and the decoded messages."""
        if frame[:2] != MAGIC:
            raise WireError("corrupt", "bad magic (not a theta frame)")
        if len(frame) < 4:
            raise WireError("truncated", "the frame ends inside its header")
        if frame[2] != VERSION:
            raise WireError("range", f"version {frame[2]}, expected {VERSION}")
        flags = frame[3]
        if flags & ~(FLAG_COMPRESSED | FLAG_BATCH):
            raise WireError("corrupt", f"unknown flags 0x{flags:x}")
        msg_type, pos = read_varint(frame, 4, "the type")
        if bool(flags & FLAG_BATCH) != (msg_type == 0):
            raise WireError("corrupt", "type 0 exactly when the batch flag is set")
        sequence, pos = read_varint(frame, pos, "the sequence")
        if sequence >= 2**32:
            raise WireError("range", "a sequence over 32 bits")
        length, pos = read_varint(frame, pos, "the length")
        if length > max_body:
            raise WireError("limit", f"a body of {length} bytes is over the limit of {max_body}")
        if len(frame) - pos != length + 4:
            raise WireError("truncated", f"the header says {length + 4} bytes follow, {len(frame) - pos} do")
        if struct.unpack("<I", frame[-4:])[0] != crc32c(frame[:-4]):
            raise WireError("corrupt", "CRC32C mismatch")
        if flags & FLAG_COMPRESSED:
            raise WireError("unsupported", "a zstd-compressed body")
        body = frame[pos:-4]
        entries = [(msg_type, body)]
        if flags & FLAG_BATCH:
            count, p = read_varint(body, 0, "the batch count")
            if not 1 <= count <= MAX_BATCH:
                raise WireError("range", f"a batch of {count} messages")
            entries = []
            for i in range(count):
                t, p = read_varint(body, p, f"entry {i} type")
                n, p = read_varint(body, p, f"entry {i} length")
                if t == 0 or p + n > len(body):
                    raise WireError("truncated", f"entry {i} does not fit the batch")
                entries.append((t, body[p : p + n]))
                p += n
            if p != len(body):
                raise WireError("corrupt", f"{len(body) - p} bytes after the last entry")
        return {
            "flags": flags,
            "sequence": sequence,
            "messages": [self.decode_body(t, b) for t, b in entries],
        }

    def decode(self, frame: bytes) -> Tuple[str, Dict[str, Any]]:
        """A frame of exactly one message, as (name, fields)."""
        messages = self.decode_frame(frame)["messages"]
        if len(messages) != 1:
            raise WireError("range", f"a batch of {len(messages)} messages where one was expected")
        return messages[0]
