"""The theta_net wire protocol from Python.

Frames and message bodies are built and parsed by the C++ codec (the same code a theta_net peer
runs); messages are dicts keyed by the field names of ``schemas/theta.toml``. Enums are given by
name, bitsets as ints (see :func:`flags`), bytes as bytes, absent optional fields as ``None``.
docs/protocol.md specifies the bytes.

>>> frame = encode("ChatMessage", {"sender": 0, "text": "hello"})
>>> decode(frame)
('ChatMessage', {'sender': 0, 'channel': '', 'text': 'hello', 'server_tick': 0})
"""

from __future__ import annotations

import functools
import json
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

from . import _core
from .errors import ProtocolError

MsgType = Union[str, int]

PROTOCOL_VERSION: Tuple[int, int] = tuple(_core.protocol_version())  # type: ignore[assignment]
ALPN = "theta/1"


def _minor(minor: Optional[int]) -> int:
    return PROTOCOL_VERSION[1] if minor is None else minor


def encode(
    msg_type: MsgType,
    fields: Dict[str, Any],
    *,
    sequence: int = 0,
    compress: bool = False,
    minor: Optional[int] = None,
) -> bytes:
    """One message in one frame. ``minor`` encodes for a peer of an older minor version."""
    return _core.protocol_encode(msg_type, fields, sequence, compress, _minor(minor))


def encode_batch(
    messages: Iterable[Tuple[MsgType, Dict[str, Any]]],
    *,
    sequence: int = 0,
    compress: bool = False,
    minor: Optional[int] = None,
) -> bytes:
    """Several messages of one lane in one batch frame."""
    return _core.protocol_encode_batch(list(messages), sequence, compress, _minor(minor))


def decode_frame(frame: bytes) -> Dict[str, Any]:
    """Parses a frame: ``{"version", "flags", "sequence", "lane", "messages": [(type, dict), ...]}``."""
    return _core.protocol_decode(frame)


def decode(frame: bytes) -> Tuple[str, Dict[str, Any]]:
    """Parses a single-message frame into ``(msg_type, fields)``."""
    messages = decode_frame(frame)["messages"]
    if len(messages) != 1:
        raise ProtocolError(
            f"the frame is a batch of {len(messages)} messages; use decode_frame()", "invalid_argument"
        )
    return messages[0]


def encode_body(msg_type: MsgType, fields: Dict[str, Any], *, minor: Optional[int] = None) -> bytes:
    """A message body alone: the msgpack array of its fields, without a frame."""
    return _core.protocol_encode_body(msg_type, fields, _minor(minor))


def decode_body(msg_type: MsgType, body: bytes) -> Dict[str, Any]:
    return _core.protocol_decode_body(msg_type, body)


def random_message(msg_type: MsgType, seed: int = 0) -> Dict[str, Any]:
    """A message of that type with seeded random values the schema allows (for tests, notebooks)."""
    return _core.protocol_random_message(msg_type, seed)


def schema_hash() -> int:
    """The 64-bit schema hash of this build's protocol version."""
    return _core.protocol_schema_hash()


def schema_hash_by_minor() -> List[int]:
    return list(_core.protocol_schema_hash_by_minor())


def canonical_schema(minor: Optional[int] = None) -> str:
    """The canonical schema text the hash is SipHash-2-4 of (key: b"theta_net.schema")."""
    return _core.protocol_canonical_schema(_minor(minor))


@functools.lru_cache(maxsize=1)
def manifest() -> Dict[str, Any]:
    """The schema manifest: protocol, hashes, enums, bitsets, structs and messages."""
    return json.loads(_core.protocol_manifest_json())


def message_types() -> Dict[str, int]:
    """Message name -> numeric type id."""
    return {m["name"]: m["id"] for m in manifest()["messages"]}


def flags(bitset: str, names: Iterable[str]) -> int:
    """The integer of a bitset from bit names, e.g. ``flags("MoveButtons", ["forward", "jump"])``."""
    for b in manifest()["bitsets"]:
        if b["name"] == bitset:
            value = 0
            for name in names:
                if name not in b["bits"]:
                    raise ProtocolError(f"{bitset} has no bit named '{name}'", "invalid_argument")
                value |= 1 << b["bits"][name]
            return value
    raise ProtocolError(f"no bitset named '{bitset}'", "invalid_argument")


# ------------------------------------------------------------------------------------------------
# Identity and permissions (docs/protocol.md, "Handshake", "Roles and permissions", "Session
# control"): computed by the C++ build, not retyped here.

KeyPair = _core.KeyPair


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is the key's Ed25519 signature of ``message``."""
    return _core.ed25519_verify(public_key, message, signature)


def proof_transcript(hello: Dict[str, Any], server_hello: Dict[str, Any]) -> bytes:
    """The bytes a client signs in SessionProof, for its SessionHello and the server's ServerHello."""
    return _core.protocol_proof_transcript(hello, server_hello)


def signed_session_control(
    admin: "KeyPair",
    action: str,
    target: int,
    sequence: int,
    *,
    role: Optional[str] = None,
    reason: str = "",
    ban_seconds: int = 0,
) -> Dict[str, Any]:
    """A SessionControl's fields (kick, ban, role_change), signed by the admin's key."""
    return _core.protocol_signed_session_control(admin, action, target, sequence, role, reason, ban_seconds)


@functools.lru_cache(maxsize=1)
def _permission_rows() -> Tuple[Dict[str, Any], ...]:
    return tuple(_core.protocol_permissions())


def permissions() -> Dict[str, Dict[str, Any]]:
    """The permission table this build enforces: role -> {"messages", "commands",
    "application_commands", "since"}."""
    return {
        row["role"]: {k: (list(v) if isinstance(v, list) else v) for k, v in row.items() if k != "role"}
        for row in _permission_rows()
    }


def role_may_send(role: str, message: str) -> bool:
    """Whether a session of ``role`` may send ``message`` (a message type name)."""
    return _core.protocol_role_may_send(role, message)


def role_may_command(role: str, command: int) -> bool:
    """Whether a session of ``role`` may send a CommandLogEntry carrying ``command``."""
    return _core.protocol_role_may_command(role, command)


__all__ = [
    "PROTOCOL_VERSION",
    "ALPN",
    "encode",
    "encode_batch",
    "decode",
    "decode_frame",
    "encode_body",
    "decode_body",
    "random_message",
    "schema_hash",
    "schema_hash_by_minor",
    "canonical_schema",
    "manifest",
    "message_types",
    "flags",
    "KeyPair",
    "ed25519_verify",
    "proof_transcript",
    "signed_session_control",
    "permissions",
    "role_may_send",
    "role_may_command",
]
