#!/usr/bin/env python3
"""Generates theta_net's wire protocol artefacts from schemas/theta.toml.

    gen_protocol.py header OUT.hpp        C++ message types, field visitors, schema constants
    gen_protocol.py manifest [OUT.json]   the human-readable manifest (default schemas/manifest.json)
    gen_protocol.py docs                  rewrites the generated tables in docs/protocol.md
    gen_protocol.py check                 exit 1 if manifest.json or docs/protocol.md is stale
    gen_protocol.py canonical [MINOR]     prints the canonical form (at a minor version)

CMake runs `header` at build time; tests run `check`. Standard library only (Python >= 3.11).
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "schemas" / "theta.toml"
MANIFEST = ROOT / "schemas" / "manifest.json"
DOCS = ROOT / "docs" / "protocol.md"

# The SipHash-2-4 key of the schema hash: the 16 ASCII bytes "theta_net.schema".
HASH_KEY = b"theta_net.schema"

SCALARS = {
    "bool": "bool",
    "u8": "std::uint8_t",
    "u16": "std::uint16_t",
    "u32": "std::uint32_t",
    "u64": "std::uint64_t",
    "i8": "std::int8_t",
    "i16": "std::int16_t",
    "i32": "std::int32_t",
    "i64": "std::int64_t",
    "f32": "float",
    "f64": "double",
    "str": "std::string",
    "bytes": "Bytes",
}
UNSIGNED = {"u8": 8, "u16": 16, "u32": 32, "u64": 64}


class SchemaError(Exception):
    pass


# ------------------------------------------------------------------------------------------------
# SipHash-2-4, written from the paper (the C++ core has its own; a test compares the two).


def siphash24(key: bytes, msg: bytes) -> int:
    mask = (1 << 64) - 1

    def rotl(x: int, b: int) -> int:
        return ((x << b) | (x >> (64 - b))) & mask

    k0, k1 = int.from_bytes(key[:8], "little"), int.from_bytes(key[8:16], "little")
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D, k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]

    def sipround() -> None:
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

    tail = len(msg) % 8
    padded = msg + bytes(7 - tail) + bytes([len(msg) & 0xFF])
    for i in range(0, len(padded), 8):
        m = int.from_bytes(padded[i : i + 8], "little")
        v[3] ^= m
        sipround()
        sipround()
        v[0] ^= m
    v[2] ^= 0xFF
    for _ in range(4):
        sipround()
    return v[0] ^ v[1] ^ v[2] ^ v[3]


# ------------------------------------------------------------------------------------------------
# The schema model


@dataclass
class Field:
    name: str
    type: str
    optional: bool = False
    default: object = None
    max: Optional[int] = None
    since: int = 0  # minor version that introduced it
    doc: str = ""


@dataclass
class Struct:
    name: str
    fields: List[Field]
    doc: str = ""
    id: Optional[int] = None  # set for messages
    lane: Optional[str] = None
    since: int = 0
    sender: str = ""  # messages: "client", "server" or "both" (the schema's `from`)


@dataclass
class Permission:
    """One role's row of the permission table, with `extends` already resolved."""

    role: str
    since: int
    messages: List[str]  # in the order given (own grants after the extended role's)
    commands: List[str]  # CommandKind names
    application_commands: bool
    extends: str = ""
    doc: str = ""


@dataclass
class Enum:
    name: str
    type: str
    values: Dict[str, int]
    doc: str = ""
    since: int = 0  # enums: the minor that introduced it (left out of older minors' hashes)


@dataclass
class Schema:
    name: str
    major: int
    minor: int
    alpn: str
    limits: Dict[str, int]
    enums: List[Enum] = field(default_factory=list)
    bitsets: List[Enum] = field(default_factory=list)
    structs: List[Struct] = field(default_factory=list)
    messages: List[Struct] = field(default_factory=list)
    permissions: List[Permission] = field(default_factory=list)

    def named_types(self) -> Dict[str, str]:
        kinds = {e.name: "enum" for e in self.enums}
        kinds.update({b.name: "bitset" for b in self.bitsets})
        kinds.update({s.name: "struct" for s in self.structs})
        return kinds


def _version(text: str, where: str, major: int) -> int:
    m = re.fullmatch(r"(\d+)\.(\d+)", text)
    if not m or int(m.group(1)) != major:
        raise SchemaError(f"{where}: version '{text}' must be '{major}.N'")
    return int(m.group(2))


def _identifier(name: str, where: str) -> None:
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
        raise SchemaError(f"{where}: '{name}' is not an identifier")


def load(path: Path = SCHEMA) -> Schema:
    raw = tomllib.loads(path.read_text())
    proto = raw["protocol"]
    major_text, minor_text = str(proto["version"]).split(".")
    schema = Schema(
        name=proto["name"],
        major=int(major_text),
        minor=int(minor_text),
        alpn=proto["alpn"],
        limits=dict(raw["limits"]),
    )
    for e in raw.get("enum", []):
        since = _version(e["since"], e["name"], schema.major) if "since" in e else 0
        schema.enums.append(Enum(e["name"], e["type"], dict(e["values"]), e.get("doc", ""), since))
    for b in raw.get("bitset", []):
        schema.bitsets.append(Enum(b["name"], b["type"], dict(b["bits"]), b.get("doc", "")))

    def fields_of(entry: dict, where: str) -> List[Field]:
        out = []
        for f in entry["fields"]:
            unknown = set(f) - {"name", "type", "optional", "default", "max", "since", "doc"}
            if unknown:
                raise SchemaError(f"{where}.{f.get('name')}: unknown keys {sorted(unknown)}")
            since = _version(f["since"], f"{where}.{f['name']}", schema.major) if "since" in f else 0
            out.append(
                Field(
                    f["name"],
                    f["type"].replace(" ", ""),
                    bool(f.get("optional", False)),
                    f.get("default"),
                    f.get("max"),
                    since,
                    f.get("doc", ""),
                )
            )
        return out

    for s in raw.get("struct", []):
        schema.structs.append(Struct(s["name"], fields_of(s, s["name"]), s.get("doc", "")))
    for m in raw.get("message", []):
        since = _version(m["since"], m["name"], schema.major) if "since" in m else 0
        if "from" not in m:
            raise SchemaError(f"{m['name']}: says nothing of who sends it (from = client, server or both)")
        schema.messages.append(
            Struct(
                m["name"],
                fields_of(m, m["name"]),
                m.get("doc", ""),
                int(m["id"]),
                m["lane"],
                since,
                m["from"],
            )
        )
    schema.permissions = load_permissions(raw.get("permission", []), schema.major)
    validate(schema)
    return schema


PERMISSION_KEYS = {"role", "since", "extends", "doc", "messages", "commands", "application_commands"}


def load_permissions(entries: list, major: int) -> List[Permission]:
    """The [[permission]] rows with `extends` resolved: a role's grants are those of the role it
    extends (declared before it) followed by its own."""
    out: List[Permission] = []
    by_role: Dict[str, Permission] = {}
    for p in entries:
        where = f"permission {p.get('role', '?')}"
        unknown = set(p) - PERMISSION_KEYS
        if unknown:
            raise SchemaError(f"{where}: unknown keys {sorted(unknown)}")
        for key in ("role", "since", "messages", "commands", "application_commands"):
            if key not in p:
                raise SchemaError(f"{where}: lacks '{key}'")
        if not isinstance(p["application_commands"], bool):
            raise SchemaError(f"{where}: application_commands must be true or false")
        for key in ("messages", "commands"):
            if not isinstance(p[key], list) or not all(isinstance(x, str) for x in p[key]):
                raise SchemaError(f"{where}: {key} must be a list of names")
        role = p["role"]
        if role in by_role:
            raise SchemaError(f"{where}: the role has two entries")
        messages: List[str] = []
        commands: List[str] = []
        extends = p.get("extends", "")
        if extends:
            if extends not in by_role:
                raise SchemaError(f"{where}: extends '{extends}', which is not declared before it")
            messages += by_role[extends].messages
            commands += by_role[extends].commands
        for name in p["messages"]:
            if name in messages:
                raise SchemaError(f"{where}: grants {name} twice")
            messages.append(name)
        for name in p["commands"]:
            if name in commands:
                raise SchemaError(f"{where}: grants command {name} twice")
            commands.append(name)
        entry = Permission(
            role,
            _version(p["since"], where, major),
            messages,
            commands,
            p["application_commands"],
            extends,
            p.get("doc", ""),
        )
        if extends and by_role[extends].application_commands and not entry.application_commands:
            raise SchemaError(f"{where}: takes back the application commands '{extends}' grants")
        by_role[role] = entry
        out.append(entry)
    return out


def parse_type(t: str):
    """('list', inner) | ('map', inner) | ('fixed', n) | ('scalar', name) | ('named', name)."""
    if t.startswith("list<") and t.endswith(">"):
        return "list", t[5:-1]
    if t.startswith("map<str,") and t.endswith(">"):
        return "map", t[8:-1]
    m = re.fullmatch(r"bytes\[(\d+)\]", t)
    if m:
        return "fixed", int(m.group(1))
    if t in SCALARS:
        return "scalar", t
    return "named", t


def validate(schema: Schema) -> None:
    names = set()
    kinds = schema.named_types()
    for decl in [*schema.enums, *schema.bitsets, *schema.structs, *schema.messages]:
        _identifier(decl.name, decl.name)
        if decl.name in names:
            raise SchemaError(f"{decl.name} is declared twice")
        names.add(decl.name)
    for e in [*schema.enums, *schema.bitsets]:
        if e.type not in UNSIGNED:
            raise SchemaError(f"{e.name}: type must be an unsigned integer")
        if len(set(e.values.values())) != len(e.values):
            raise SchemaError(f"{e.name}: two names share a value")
    for b in schema.bitsets:
        for bit_name, bit in b.values.items():
            if not 0 <= bit < UNSIGNED[b.type]:
                raise SchemaError(f"{b.name}.{bit_name}: bit {bit} does not fit {b.type}")
    ids = set()
    lanes = next(e for e in schema.enums if e.name == "LaneId").values
    for m in schema.messages:
        if not 1 <= m.id <= 0xFFFF or m.id in ids:
            raise SchemaError(f"{m.name}: id {m.id} is out of range or reused")
        ids.add(m.id)
        if m.lane not in lanes:
            raise SchemaError(f"{m.name}: unknown lane '{m.lane}'")
        if m.sender not in SENDERS:
            raise SchemaError(f"{m.name}: from must be client, server or both, not '{m.sender}'")

    def check_type(t: str, where: str, depth: int = 0) -> None:
        kind, inner = parse_type(t)
        if kind in ("list", "map"):
            if depth > 0:
                raise SchemaError(f"{where}: nested containers are not supported")
            check_type(inner, where, depth + 1)
        elif kind == "named" and inner not in kinds:
            raise SchemaError(f"{where}: unknown type '{inner}'")

    for s in [*schema.structs, *schema.messages]:
        seen_later = False
        seen_names = set()
        for f in s.fields:
            where = f"{s.name}.{f.name}"
            _identifier(f.name, where)
            if f.name in seen_names:
                raise SchemaError(f"{where}: duplicate field")
            seen_names.add(f.name)
            check_type(f.type, where)
            if f.since > schema.minor:
                raise SchemaError(f"{where}: since 1.{f.since} is newer than the protocol")
            if f.since > s.since:
                seen_later = True
                if not f.optional and f.default is None:
                    raise SchemaError(f"{where}: a field added in a later minor needs a default")
            elif seen_later:
                raise SchemaError(f"{where}: fields of the first version must come before later ones")
            kind, inner = parse_type(f.type)
            enum = next((e for e in schema.enums if e.name == inner), None)
            if enum is not None and enum.since > max(f.since, s.since):
                raise SchemaError(f"{where}: enum {inner} is newer (1.{enum.since}) than the field")
            if f.max is not None and kind not in ("list", "map") and inner not in ("str", "bytes"):
                raise SchemaError(f"{where}: max applies to str, bytes, list and map only")
    validate_permissions(schema)


SENDERS = ("client", "server", "both")
# CommandLogEntry.command values from this one up are the application's.
APPLICATION_COMMANDS_FROM = 256


def validate_permissions(schema: Schema) -> None:
    """Every Role has one row; a row grants only clients' messages that exist at its minor, and
    CommandKind values that exist; the CommandLogEntry message goes with any command grant."""
    roles = next((e for e in schema.enums if e.name == "Role"), None)
    if roles is None:
        raise SchemaError("the permission table needs the Role enum")
    kinds = next((e for e in schema.enums if e.name == "CommandKind"), None)
    messages = {m.name: m for m in schema.messages}
    declared = {p.role for p in schema.permissions}
    for role in roles.values:
        if role not in declared:
            raise SchemaError(f"Role.{role} has no [[permission]] entry")
    for p in schema.permissions:
        where = f"permission {p.role}"
        if p.role not in roles.values:
            raise SchemaError(f"{where}: '{p.role}' is not a Role")
        if p.since > schema.minor:
            raise SchemaError(f"{where}: since 1.{p.since} is newer than the protocol")
        for name in p.messages:
            m = messages.get(name)
            if m is None:
                raise SchemaError(f"{where}: no message named '{name}'")
            if m.sender == "server":
                raise SchemaError(f"{where}: {name} is a server's message; clients never send it")
        for name in p.commands:
            if kinds is None or name not in kinds.values:
                raise SchemaError(f"{where}: '{name}' is not a CommandKind")
            if kinds.values[name] >= APPLICATION_COMMANDS_FROM:
                raise SchemaError(f"{where}: CommandKind.{name} is not below {APPLICATION_COMMANDS_FROM}")
        if (p.commands or p.application_commands) and "CommandLogEntry" not in p.messages:
            raise SchemaError(f"{where}: grants commands but not the CommandLogEntry that carries them")


def permission_message_ids(schema: Schema, p: Permission, minor: Optional[int] = None) -> List[int]:
    """The ids of the messages a row grants; at `minor`, only those that exist then (a row may
    grant a message added after it, which older minors' hashes leave out)."""
    by_name = {m.name: m for m in schema.messages}
    return sorted(by_name[name].id for name in p.messages if minor is None or by_name[name].since <= minor)


def permission_command_values(schema: Schema, p: Permission) -> List[int]:
    kinds = next(e for e in schema.enums if e.name == "CommandKind")
    return sorted(kinds.values[name] for name in p.commands)


# ------------------------------------------------------------------------------------------------
# Canonical form and hash


def _default_text(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def canonical(schema: Schema, minor: Optional[int] = None) -> str:
    """The canonical text at a minor version: one declaration per line, declarations sorted,
    fields in wire order, docs left out (so prose edits do not change the hash)."""
    minor = schema.minor if minor is None else minor
    lines = [
        "theta-schema 1",
        f"protocol {schema.name} {schema.major} alpn={schema.alpn}",
        "limits " + " ".join(f"{k}={v}" for k, v in sorted(schema.limits.items())),
    ]
    for b in sorted(schema.bitsets, key=lambda x: x.name):
        bits = sorted(b.values.items(), key=lambda kv: kv[1])
        lines.append(f"bitset {b.name} {b.type} " + " ".join(f"{k}={v}" for k, v in bits))
    for e in sorted(schema.enums, key=lambda x: x.name):
        if e.since > minor:
            continue
        values = sorted(e.values.items(), key=lambda kv: kv[1])
        lines.append(f"enum {e.name} {e.type} " + " ".join(f"{k}={v}" for k, v in values))

    def field_text(f: Field) -> str:
        text = f"{f.name}:{f.type}"
        if f.optional:
            text += ",optional"
        if f.default is not None:
            text += f",default={_default_text(f.default)}"
        if f.max is not None:
            text += f",max={f.max}"
        if f.since:
            text += f",since={schema.major}.{f.since}"
        return text

    for s in sorted(schema.structs, key=lambda x: x.name):
        fields = [field_text(f) for f in s.fields if f.since <= minor]
        lines.append(f"struct {s.name} " + " ".join(fields))
    for m in sorted(schema.messages, key=lambda x: x.id):
        if m.since > minor:
            continue
        fields = [field_text(f) for f in m.fields if f.since <= minor]
        lines.append(f"message {m.id} {m.name} lane={m.lane} " + " ".join(fields))
    # Who sends what and who may send what: part of the form once the table exists (1.3), so
    # that older minors keep their hashes.
    rows = [p for p in schema.permissions if p.since <= minor]
    if rows:
        client_ids = [m.id for m in sorted(schema.messages, key=lambda x: x.id) if m.sender != "server"]
        lines.append("senders client=" + ",".join(str(i) for i in client_ids if i in _ids_at(schema, minor)))
        roles = next(e for e in schema.enums if e.name == "Role").values
        for p in sorted(rows, key=lambda x: roles[x.role]):
            lines.append(
                f"permission {p.role} messages="
                + ",".join(str(i) for i in permission_message_ids(schema, p, minor))
                + " commands="
                + ",".join(str(v) for v in permission_command_values(schema, p))
                + f" application_commands={int(p.application_commands)}"
            )
    return "\n".join(lines) + "\n"


def _ids_at(schema: Schema, minor: int) -> set:
    return {m.id for m in schema.messages if m.since <= minor}


def schema_hash(schema: Schema, minor: Optional[int] = None) -> int:
    return siphash24(HASH_KEY, canonical(schema, minor).encode())


# ------------------------------------------------------------------------------------------------
# C++ header


def camel_constant(name: str) -> str:
    return "k" + "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def cpp_type(schema: Schema, t: str) -> str:
    kind, inner = parse_type(t)
    if kind == "list":
        return f"std::vector<{cpp_type(schema, inner)}>"
    if kind == "map":
        return f"std::map<std::string, {cpp_type(schema, inner)}>"
    if kind == "fixed":
        return f"std::array<std::uint8_t, {inner}>"
    if kind == "scalar":
        return SCALARS[inner]
    bitsets = {b.name: b for b in schema.bitsets}
    if inner in bitsets:
        return SCALARS[bitsets[inner].type]
    return inner


def cpp_default(schema: Schema, f: Field) -> str:
    if f.optional:
        return ""
    kind, inner = parse_type(f.type)
    enums = {e.name: e for e in schema.enums}
    if f.default is None:
        if kind == "named" and inner in enums:
            first = min(enums[inner].values.items(), key=lambda kv: kv[1])[0]
            return f" = {inner}::{camel_constant(first)}"
        if kind == "scalar" and inner not in ("str", "bytes"):
            return " = false" if inner == "bool" else " = 0"
        return "{}"
    if isinstance(f.default, str) and kind == "named" and inner in enums:
        return f" = {inner}::{camel_constant(f.default)}"
    if isinstance(f.default, bool):
        return " = true" if f.default else " = false"
    if isinstance(f.default, str):
        return " = " + json.dumps(f.default)
    if isinstance(f.default, (int, float)):
        return f" = {f.default}"
    raise SchemaError(f"{f.name}: unsupported default {f.default!r}")


def field_flags(f: Field) -> str:
    flags = []
    if f.optional:
        flags.append("kOptional")
    if f.default is not None:
        flags.append("kHasDefault")
    return " | ".join(f"FieldInfo::{x}" for x in flags) or "0"


def emit_struct(schema: Schema, s: Struct, out: List[str]) -> None:
    if s.doc:
        out.append(f"// {s.doc}")
    out.append(f"struct {s.name} {{")
    out.append(f'  static constexpr std::string_view kName = "{s.name}";')
    out.append(f"  static constexpr std::size_t kFieldCount = {len(s.fields)};")
    if s.id is not None:
        out.append(f"  static constexpr MessageType kType = MessageType::k{s.name};")
        out.append(f"  static constexpr LaneId kLane = LaneId::{camel_constant(s.lane)};")
        out.append(f"  static constexpr std::uint16_t kSinceMinor = {s.since};")
    out.append("")
    for f in s.fields:
        t = cpp_type(schema, f.type)
        if f.optional:
            t = f"std::optional<{t}>"
        comment = f"  // {f.doc}" if f.doc else ""
        out.append(f"  {t} {f.name}{cpp_default(schema, f)};{comment}")
    out.append("")
    out.append("  // Calls v(FieldInfo, member) for every field in wire order.")
    out.append("  template <class Self, class Visitor>")
    out.append("  static void visit(Self& self, Visitor&& v) {")
    for f in s.fields:
        kind, inner = parse_type(f.type)
        limit = (
            f.max
            if f.max is not None
            else (
                schema.limits["list"]
                if kind == "list"
                else schema.limits["map"]
                if kind == "map"
                else schema.limits["str"]
                if inner == "str"
                else schema.limits["bytes"]
                if inner == "bytes"
                else 0
            )
        )
        out.append(f'    v(FieldInfo{{"{f.name}", {f.since}, {limit}, {field_flags(f)}}}, self.{f.name});')
    out.append("  }")
    out.append(f"  bool operator==(const {s.name}&) const = default;")
    out.append("};")
    out.append("")


def header(schema: Schema) -> str:
    out: List[str] = []
    out.append("// Generated by scripts/gen_protocol.py from schemas/theta.toml. Do not edit: change the")
    out.append("// schema instead (the build regenerates this file and the schema hash).")
    out.append("#pragma once")
    out.append("")
    for inc in [
        "array",
        "cstddef",
        "cstdint",
        "map",
        "optional",
        "span",
        "string",
        "string_view",
        "variant",
        "vector",
    ]:
        out.append(f"#include <{inc}>")
    out.append("")
    out.append('#include "theta_net/core/byte_io.hpp"')
    out.append('#include "theta_net/protocol/field_info.hpp"')
    out.append("")
    out.append("namespace theta_net::protocol {")
    out.append("")
    out.append(f'inline constexpr std::string_view kProtocolName = "{schema.name}";')
    out.append(f"inline constexpr std::uint16_t kProtocolMajor = {schema.major};")
    out.append(f"inline constexpr std::uint16_t kProtocolMinor = {schema.minor};")
    out.append(f'inline constexpr std::string_view kAlpn = "{schema.alpn}";')
    out.append(f'// SipHash-2-4 under the key "{HASH_KEY.decode()}" of the canonical form at each minor.')
    hashes = ", ".join(f"0x{schema_hash(schema, m):016x}ull" for m in range(schema.minor + 1))
    out.append(
        f"inline constexpr std::array<std::uint64_t, {schema.minor + 1}> kSchemaHashByMinor = {{{hashes}}};"
    )
    out.append(f"inline constexpr std::uint64_t kSchemaHash = kSchemaHashByMinor[{schema.minor}];")
    for m in range(schema.minor + 1):
        text = canonical(schema, m).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        out.append(f'inline constexpr std::string_view kCanonicalSchemaMinor{m} = "{text}";')
    canon = ", ".join(f"kCanonicalSchemaMinor{m}" for m in range(schema.minor + 1))
    out.append(
        f"inline constexpr std::array<std::string_view, {schema.minor + 1}> kCanonicalSchema = {{{canon}}};"
    )
    manifest_text = json.dumps(manifest(schema), sort_keys=False, separators=(",", ":"))
    out.append(f'inline constexpr std::string_view kManifestJson = R"json({manifest_text})json";')
    lim = schema.limits
    out.append(f"inline constexpr std::size_t kDefaultMaxStr = {lim['str']};")
    out.append(f"inline constexpr std::size_t kDefaultMaxBytes = {lim['bytes']};")
    out.append("")

    for e in schema.enums:
        if e.doc:
            out.append(f"// {e.doc}")
        out.append(f"enum class {e.name} : {SCALARS[e.type]} {{")
        for name, value in e.values.items():
            out.append(f"  {camel_constant(name)} = {value},")
        out.append("};")
        out.append(f"template <> struct EnumTraits<{e.name}> {{")
        out.append(f'  static constexpr std::string_view kName = "{e.name}";')
        entries = ", ".join(f'EnumEntry<{e.name}>{{"{n}", {e.name}::{camel_constant(n)}}}' for n in e.values)
        out.append(
            f"  static constexpr std::array<EnumEntry<{e.name}>, {len(e.values)}> "
            f"kEntries = {{{{{entries}}}}};"
        )
        out.append("};")
        out.append("")
    for b in schema.bitsets:
        if b.doc:
            out.append(f"// {b.doc}")
        out.append(f"namespace {b.name.lower()}_bits {{")
        for name, bit in b.values.items():
            out.append(
                f"inline constexpr {SCALARS[b.type]} {camel_constant(name)} = "
                f"{SCALARS[b.type]}{{1}} << {bit};"
            )
        # The bits by name, for the borders that take names (Python intents, scenario files).
        entries = ", ".join(f'EnumEntry<{SCALARS[b.type]}>{{"{n}", {camel_constant(n)}}}' for n in b.values)
        out.append(
            f"inline constexpr std::array<EnumEntry<{SCALARS[b.type]}>, {len(b.values)}> "
            f"kEntries = {{{{{entries}}}}};"
        )
        out.append(f"}}  // namespace {b.name.lower()}_bits")
        out.append("")

    out.append("enum class MessageType : std::uint16_t {")
    for m in schema.messages:
        out.append(f"  k{m.name} = {m.id},")
    out.append("};")
    out.append("")
    for s in schema.structs:
        emit_struct(schema, s, out)
    for m in schema.messages:
        emit_struct(schema, m, out)
    out.append("// Every message type, in id order.")
    out.append("using AnyMessage = std::variant<" + ", ".join(m.name for m in schema.messages) + ">;")
    out.append("")
    out.append("// X-macro over the message types, for explicit instantiations.")
    out.append("#define THETA_PROTOCOL_MESSAGES(X) " + " ".join(f"X({m.name})" for m in schema.messages))
    out.append("")
    emit_permissions(schema, out)
    out.append("}  // namespace theta_net::protocol")
    return "\n".join(out) + "\n"


def emit_permissions(schema: Schema, out: List[str]) -> None:
    """Who sends each message, and the permission table with its two questions."""

    def sender_function(name: str, doc: str, senders: tuple) -> None:
        out.append(f"// {doc}")
        out.append(f"constexpr bool {name}(MessageType type) {{")
        out.append("  switch (type) {")
        for m in schema.messages:
            if m.sender in senders:
                out.append(f"    case MessageType::k{m.name}:")
        out.append("      return true;")
        out.append("    default:")
        out.append("      return false;")
        out.append("  }")
        out.append("}")
        out.append("")

    sender_function(
        "client_sends", "Whether clients send this message (the schema's `from`).", ("client", "both")
    )
    sender_function(
        "server_sends", "Whether servers send this message (the schema's `from`).", ("server", "both")
    )
    out.append("// CommandLogEntry.command values from this one up are the application's.")
    out.append(f"inline constexpr std::uint16_t kApplicationCommandsFrom = {APPLICATION_COMMANDS_FROM};")
    out.append("")
    out.append("// One role's row of the permission table (schemas/theta.toml, [[permission]]), with")
    out.append("// `extends` resolved: what a session of the role may send once established.")
    out.append("struct RolePermissions {")
    out.append("  Role role;")
    out.append("  std::uint16_t since_minor;")
    out.append("  std::span<const MessageType> messages;  // in id order")
    out.append("  std::span<const std::uint16_t> commands;  // CommandKind values, ascending")
    out.append("  bool application_commands;                 // command kinds from 256 up")
    out.append("};")
    out.append("")
    out.append("namespace permission_rows {")
    for p in schema.permissions:
        ident = camel_constant(p.role)
        ids = {m.id: m.name for m in schema.messages}
        names = [f"MessageType::k{ids[i]}" for i in permission_message_ids(schema, p)]
        joined = ", ".join(names)
        out.append(f"inline constexpr std::array<MessageType, {len(names)}> {ident}Messages = {{{joined}}};")
        values = [str(v) for v in permission_command_values(schema, p)]
        joined = ", ".join(values)
        out.append(
            f"inline constexpr std::array<std::uint16_t, {len(values)}> {ident}Commands = {{{joined}}};"
        )
    out.append("}  // namespace permission_rows")
    out.append("")
    rows = []
    for p in schema.permissions:
        ident = camel_constant(p.role)
        rows.append(
            f"RolePermissions{{Role::{ident}, {p.since}, permission_rows::{ident}Messages, "
            f"permission_rows::{ident}Commands, {'true' if p.application_commands else 'false'}}}"
        )
    out.append(
        f"inline constexpr std::array<RolePermissions, {len(rows)}> kPermissions = {{{{{', '.join(rows)}}}}};"
    )
    out.append("")
    out.append("// The row of `role`, or null for a value that is no Role.")
    out.append("constexpr const RolePermissions* permissions_of(Role role) {")
    out.append("  for (const RolePermissions& row : kPermissions) {")
    out.append("    if (row.role == role) return &row;")
    out.append("  }")
    out.append("  return nullptr;")
    out.append("}")
    out.append("")
    out.append("// Whether a session of `role` may send a message of `type`.")
    out.append("constexpr bool role_may_send(Role role, MessageType type) {")
    out.append("  const RolePermissions* row = permissions_of(role);")
    out.append("  if (!row) return false;")
    out.append("  for (MessageType granted : row->messages) {")
    out.append("    if (granted == type) return true;")
    out.append("  }")
    out.append("  return false;")
    out.append("}")
    out.append("")
    out.append("// Whether a session of `role` may carry `command` (CommandLogEntry.command) in its")
    out.append("// CommandLogEntry messages: a granted CommandKind, or an application kind when allowed.")
    out.append("constexpr bool role_may_command(Role role, std::uint16_t command) {")
    out.append("  const RolePermissions* row = permissions_of(role);")
    out.append("  if (!row || !role_may_send(role, MessageType::kCommandLogEntry)) return false;")
    out.append("  if (command >= kApplicationCommandsFrom) return row->application_commands;")
    out.append("  for (std::uint16_t granted : row->commands) {")
    out.append("    if (granted == command) return true;")
    out.append("  }")
    out.append("  return false;")
    out.append("}")
    out.append("")


# ------------------------------------------------------------------------------------------------
# Manifest and docs


def manifest(schema: Schema) -> dict:
    def fields(s: Struct) -> list:
        out = []
        for f in s.fields:
            entry = {"name": f.name, "type": f.type, "since": f"{schema.major}.{f.since}"}
            if f.optional:
                entry["optional"] = True
            if f.default is not None:
                entry["default"] = f.default
            if f.max is not None:
                entry["max"] = f.max
            if f.doc:
                entry["doc"] = f.doc
            out.append(entry)
        return out

    return {
        "protocol": {"name": schema.name, "version": f"{schema.major}.{schema.minor}", "alpn": schema.alpn},
        "schema_hash": f"0x{schema_hash(schema):016x}",
        "schema_hash_by_minor": {
            f"{schema.major}.{m}": f"0x{schema_hash(schema, m):016x}" for m in range(schema.minor + 1)
        },
        "hash_key": HASH_KEY.decode(),
        "limits": schema.limits,
        "enums": [
            {
                "name": e.name,
                "type": e.type,
                "values": e.values,
                "since": f"{schema.major}.{e.since}",
                "doc": e.doc,
            }
            for e in schema.enums
        ],
        "bitsets": [{"name": b.name, "type": b.type, "bits": b.values, "doc": b.doc} for b in schema.bitsets],
        "structs": [{"name": s.name, "doc": s.doc, "fields": fields(s)} for s in schema.structs],
        "messages": [
            {
                "id": m.id,
                "name": m.name,
                "lane": m.lane,
                "from": m.sender,
                "since": f"{schema.major}.{m.since}",
                "doc": m.doc,
                "fields": fields(m),
            }
            for m in schema.messages
        ],
        "permissions": [
            {
                "role": p.role,
                "since": f"{schema.major}.{p.since}",
                "extends": p.extends,
                "doc": p.doc,
                "messages": [m.name for m in schema.messages if m.name in p.messages],
                "commands": p.commands,
                "application_commands": p.application_commands,
            }
            for p in schema.permissions
        ],
    }


def manifest_text(schema: Schema) -> str:
    return json.dumps(manifest(schema), indent=2) + "\n"


DOC_BEGIN = "<!-- BEGIN GENERATED: scripts/gen_protocol.py docs -->"
DOC_END = "<!-- END GENERATED -->"


def docs_tables(schema: Schema) -> str:
    out = [
        DOC_BEGIN,
        "",
        f"Schema hash (protocol {schema.major}.{schema.minor}): `0x{schema_hash(schema):016x}`; "
        "by minor: "
        + ", ".join(f"{schema.major}.{m} `0x{schema_hash(schema, m):016x}`" for m in range(schema.minor + 1))
        + ".",
        "",
    ]
    out.append("### Enums and bitsets")
    out.append("")
    out.append("| name | wire type | values |")
    out.append("| --- | --- | --- |")
    for e in schema.enums:
        out.append(f"| {e.name} | {e.type} | " + ", ".join(f"{k}={v}" for k, v in e.values.items()) + " |")
    for b in schema.bitsets:
        out.append(
            f"| {b.name} (bitset) | {b.type} | "
            + ", ".join(f"{k}=1<<{v}" for k, v in b.values.items())
            + " |"
        )
    out.append("")

    def table(s: Struct, title: str) -> None:
        out.append(title)
        out.append("")
        if s.doc:
            out.append(s.doc)
            out.append("")
        out.append("| # | field | type | notes |")
        out.append("| --- | --- | --- | --- |")
        for i, f in enumerate(s.fields):
            notes = []
            if f.optional:
                notes.append("optional (nil when absent)")
            if f.default is not None:
                notes.append(f"default {json.dumps(f.default)}")
            if f.max is not None:
                notes.append(f"max {f.max}")
            if f.since:
                notes.append(f"since {schema.major}.{f.since}")
            if f.doc:
                notes.append(f.doc)
            out.append(f"| {i} | {f.name} | `{f.type}` | {'; '.join(notes)} |")
        out.append("")

    out.append("### Structs")
    out.append("")
    for s in schema.structs:
        table(s, f"#### {s.name}")
    out.append("### Messages")
    out.append("")
    for m in schema.messages:
        table(m, f"#### {m.id} {m.name} (lane: {m.lane}, from: {m.sender})")
    permissions_table(schema, out)
    out.append(DOC_END)
    return "\n".join(out)


def permissions_table(schema: Schema, out: List[str]) -> None:
    out.append("### Permissions")
    out.append("")
    out.append(
        "What a session of each role may send once established (`extends` resolved). Commands are "
        "the CommandKind values a CommandLogEntry may carry; application commands are kinds "
        f"{APPLICATION_COMMANDS_FROM} and up."
    )
    out.append("")
    out.append("| role | since | messages | commands | application commands | |")
    out.append("| --- | --- | --- | --- | --- | --- |")
    for p in schema.permissions:
        names = [m.name for m in schema.messages if m.name in p.messages]
        out.append(
            f"| {p.role} | {schema.major}.{p.since} | {', '.join(names)} | {', '.join(p.commands) or '-'} "
            f"| {'yes' if p.application_commands else 'no'} | {p.doc} |"
        )
    out.append("")


def docs_updated(schema: Schema, text: str) -> str:
    start, end = text.find(DOC_BEGIN), text.find(DOC_END)
    if start < 0 or end < 0:
        raise SchemaError(f"{DOCS} lacks the generated-section markers")
    return text[:start] + docs_tables(schema) + text[end + len(DOC_END) :]


def main(argv: List[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    try:
        schema = load()
    except (SchemaError, KeyError, tomllib.TOMLDecodeError) as exc:
        print(f"gen_protocol: {SCHEMA}: {exc}", file=sys.stderr)
        return 1
    command = argv[0]
    if command == "header":
        target = Path(argv[1])
        text = header(schema)
        if not target.exists() or target.read_text() != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        return 0
    if command == "manifest":
        Path(argv[1] if len(argv) > 1 else MANIFEST).write_text(manifest_text(schema))
        return 0
    if command == "docs":
        DOCS.write_text(docs_updated(schema, DOCS.read_text()))
        return 0
    if command == "check":
        stale = []
        if not MANIFEST.exists() or MANIFEST.read_text() != manifest_text(schema):
            stale.append(str(MANIFEST))
        if not DOCS.exists() or DOCS.read_text() != docs_updated(schema, DOCS.read_text()):
            stale.append(str(DOCS))
        if stale:
            print(
                "stale: " + ", ".join(stale) + " (run scripts/gen_protocol.py manifest and docs)",
                file=sys.stderr,
            )
            return 1
        return 0
    if command == "canonical":
        sys.stdout.write(canonical(schema, int(argv[1]) if len(argv) > 1 else None))
        return 0
    print(f"unknown command {command}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
