// Message bodies (docs/protocol.md section 5): a msgpack array of the schema's fields in order.
// The generated protocol.ts holds the schema as descriptor tables; this file interprets them, so
// the rules are written once for every message rather than once per generated function.
import { ProtocolError } from "./errors.js";
import { MpWriter, readMsgpack } from "./msgpack_wire.js";
import type { MpValue } from "./msgpack_wire.js";

export type IntType = "u8" | "u16" | "u32" | "u64" | "i8" | "i16" | "i32" | "i64";

export type TypeDesc =
  | { k: "bool" }
  | { k: "int"; t: IntType }
  | { k: "float"; t: "f32" | "f64" }
  | { k: "str"; max: number }
  | { k: "bytes"; max: number }
  | { k: "fixed"; n: number }
  | { k: "list"; max: number; of: TypeDesc }
  | { k: "map"; max: number; of: TypeDesc }
  | { k: "enum"; name: string }
  | { k: "bitset"; name: string; t: IntType }
  | { k: "struct"; name: string };

export interface FieldSpec {
  name: string;
  type: TypeDesc;
  optional?: boolean;
  default?: unknown;
  max?: number;
  since: number;
}
export interface StructSpec {
  name: string;
  fields: readonly FieldSpec[];
}
export interface MessageSpec extends StructSpec {
  id: number;
  lane: string;
  from: "client" | "server" | "both";
  since: number;
}
export interface EnumSpec {
  t: IntType;
  values: { readonly [name: string]: number };
}
export interface SchemaTables {
  enums: { readonly [name: string]: EnumSpec };
  structs: { readonly [name: string]: StructSpec };
}

const RANGES: { [t in IntType]: [bigint, bigint] } = {
  u8: [0n, 0xffn],
  u16: [0n, 0xffffn],
  u32: [0n, 0xffffffffn],
  u64: [0n, 0xffffffffffffffffn],
  i8: [-0x80n, 0x7fn],
  i16: [-0x8000n, 0x7fffn],
  i32: [-0x80000000n, 0x7fffffffn],
  i64: [-0x8000000000000000n, 0x7fffffffffffffffn],
};
const utf8Encoder = new TextEncoder();

function describe(v: unknown): string {
  if (v === null) return "null";
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (Array.isArray(v)) return "an array";
  return typeof v;
}

// ---- encoding

function encodeValue(schema: SchemaTables, type: TypeDesc, v: unknown, out: MpWriter, where: string, minor: number): void {
  const bad = (what: string): never => {
    throw new ProtocolError("type", `expected ${what}, got ${describe(v)}`, where);
  };
  switch (type.k) {
    case "bool":
      if (typeof v !== "boolean") bad("a boolean");
      out.bool(v as boolean);
      return;
    case "int":
    case "bitset": {
      if (typeof v === "number" && !Number.isSafeInteger(v)) bad(`an integer (${type.t})`);
      if (typeof v !== "number" && typeof v !== "bigint") bad(`an integer (${type.t})`);
      const n = BigInt(v as number | bigint);
      const [lo, hi] = RANGES[type.t];
      if (n < lo || n > hi) throw new ProtocolError("range", `${n} does not fit ${type.t}`, where);
      out.int(n);
      return;
    }
    case "float":
      if (typeof v !== "number") bad("a number");
      if (type.t === "f32") out.f32(v as number);
      else out.f64(v as number);
      return;
    case "str": {
      if (typeof v !== "string") bad("a string");
      const n = utf8Encoder.encode(v as string).length;
      if (n > type.max) throw new ProtocolError("limit", `${n} bytes is over its max of ${type.max}`, where);
      out.str(v as string);
      return;
    }
    case "bytes":
    case "fixed": {
      if (!(v instanceof Uint8Array)) bad("a Uint8Array");
      const b = v as Uint8Array;
      if (type.k === "fixed" && b.length !== type.n) {
        throw new ProtocolError("range", `${b.length} bytes where exactly ${type.n} are required`, where);
      }
      if (type.k === "bytes" && b.length > type.max) {
        throw new ProtocolError("limit", `${b.length} bytes is over its max of ${type.max}`, where);
      }
      out.bin(b);
      return;
    }
    case "list": {
      if (!Array.isArray(v)) bad("an array");
      const items = v as unknown[];
      if (items.length > type.max) throw new ProtocolError("limit", `${items.length} elements is over its max of ${type.max}`, where);
      out.array(items.length);
      items.forEach((item, i) => encodeValue(schema, type.of, item, out, `${where}[${i}]`, minor));
      return;
    }
    case "map": {
      if (typeof v !== "object" || v === null || Array.isArray(v) || v instanceof Uint8Array) bad("an object");
      // Sorted keys: the order C++'s std::map writes, so equal maps give equal bytes.
      const keys = Object.keys(v as object).sort();
      if (keys.length > type.max) throw new ProtocolError("limit", `${keys.length} entries is over its max of ${type.max}`, where);
      out.map(keys.length);
      for (const key of keys) {
        out.str(key);
        encodeValue(schema, type.of, (v as Record<string, unknown>)[key], out, `${where}[${JSON.stringify(key)}]`, minor);
      }
      return;
    }
    case "enum": {
      const spec = schema.enums[type.name]!;
      const number = typeof v === "string" && Object.hasOwn(spec.values, v) ? spec.values[v] : undefined;
      if (number === undefined) throw new ProtocolError("range", `${String(v)} is not a ${type.name}`, where);
      out.int(number);
      return;
    }
    case "struct": {
      if (typeof v !== "object" || v === null) bad(`a ${type.name}`);
      encodeStruct(schema, schema.structs[type.name]!, v as Record<string, unknown>, out, where, minor);
      return;
    }
  }
}

function encodeStruct(
  schema: SchemaTables,
  spec: StructSpec,
  fields: Record<string, unknown>,
  out: MpWriter,
  where: string,
  minor: number,
): void {
  const known = spec.fields.filter((f) => f.since <= minor);
  out.array(known.length);
  for (const f of known) {
    const here = `${where}.${f.name}`;
    let v = fields[f.name];
    if (v === undefined && f.default !== undefined) v = f.default;
    if (v === undefined || v === null) {
      if (!f.optional) throw new ProtocolError("type", "is required", here);
      out.nil();
      continue;
    }
    encodeValue(schema, f.type, v, out, here, minor);
  }
}

export function encodeMessageBody(
  schema: SchemaTables,
  spec: MessageSpec,
  fields: Record<string, unknown>,
  minor: number,
): Uint8Array {
  const out = new MpWriter();
  encodeStruct(schema, spec, fields, out, spec.name, minor);
  return out.finish();
}

// ---- decoding

function decodeValue(schema: SchemaTables, type: TypeDesc, m: MpValue, where: string): unknown {
  const bad = (what: string): never => {
    throw new ProtocolError("type", `expected ${what}, got msgpack ${m.t}`, where);
  };
  switch (type.k) {
    case "bool":
      return m.t === "bool" ? m.v : bad("bool");
    case "int":
    case "bitset": {
      if (m.t !== "int") return bad(`int (${type.t})`);
      const [lo, hi] = RANGES[type.t];
      if (m.v < lo || m.v > hi) throw new ProtocolError("range", `${m.v} does not fit ${type.t}`, where);
      return type.t === "u64" || type.t === "i64" ? m.v : Number(m.v);
    }
    case "float":
      // msgpack-c writes integral doubles as ints: a receiver takes both.
      if (m.t === "float") return m.v;
      if (m.t === "int") return Number(m.v);
      return bad("float");
    case "str":
      if (m.t !== "str") return bad("str");
      if (m.bytes > type.max) throw new ProtocolError("limit", `${m.bytes} bytes is over its max of ${type.max}`, where);
      return m.v;
    case "bytes":
      if (m.t !== "bin") return bad("bin");
      if (m.v.length > type.max) throw new ProtocolError("limit", `${m.v.length} bytes is over its max of ${type.max}`, where);
      return m.v;
    case "fixed":
      if (m.t !== "bin") return bad("bin");
      if (m.v.length !== type.n) throw new ProtocolError("range", `${m.v.length} bytes where exactly ${type.n} are required`, where);
      return m.v;
    case "list":
      if (m.t !== "array") return bad("array");
      if (m.v.length > type.max) throw new ProtocolError("limit", `${m.v.length} elements is over its max of ${type.max}`, where);
      return m.v.map((item, i) => decodeValue(schema, type.of, item, `${where}[${i}]`));
    case "map": {
      if (m.t !== "map") return bad("map");
      if (m.v.length > type.max) throw new ProtocolError("limit", `${m.v.length} entries is over its max of ${type.max}`, where);
      const out: Record<string, unknown> = {};
      for (const [k, val] of m.v) {
        if (k.t !== "str") throw new ProtocolError("type", `a map key of msgpack ${k.t}`, where);
        if (Object.hasOwn(out, k.v)) throw new ProtocolError("corrupt", `the key ${JSON.stringify(k.v)} is repeated`, where);
        out[k.v] = decodeValue(schema, type.of, val, `${where}[${JSON.stringify(k.v)}]`);
      }
      return out;
    }
    case "enum": {
      if (m.t !== "int") return bad("int (enum)");
      const spec = schema.enums[type.name]!;
      for (const [name, value] of Object.entries(spec.values)) {
        if (BigInt(value) === m.v) return name;
      }
      throw new ProtocolError("range", `${m.v} is no ${type.name} value`, where);
    }
    case "struct":
      return decodeStruct(schema, schema.structs[type.name]!, m, where);
  }
}

function decodeStruct(schema: SchemaTables, spec: StructSpec, m: MpValue, where: string): Record<string, unknown> {
  if (m.t !== "array") throw new ProtocolError("type", `expected an array, got msgpack ${m.t}`, where);
  const out: Record<string, unknown> = {};
  spec.fields.forEach((f, i) => {
    const here = `${where}.${f.name}`;
    const item = m.v[i];
    if (item === undefined) {
      // A peer at an older minor leaves out newer trailing fields: they take their default.
      if (f.default !== undefined) out[f.name] = f.default;
      else if (f.optional) out[f.name] = null;
      else throw new ProtocolError("truncated", "is missing and has no default", here);
      return;
    }
    if (item.t === "nil") {
      if (!f.optional) throw new ProtocolError("type", "is nil but not optional", here);
      out[f.name] = null;
      return;
    }
    out[f.name] = decodeValue(schema, f.type, item, here);
  });
  // Elements past the known fields are a newer peer's: skipped (readMsgpack checked them whole).
  return out;
}

export function decodeMessageBody(
  schema: SchemaTables,
  byId: ReadonlyMap<number, MessageSpec>,
  id: number,
  body: Uint8Array,
): { name: string; fields: Record<string, unknown> } {
  const spec = byId.get(id);
  if (spec === undefined) throw new ProtocolError("unknown_message", `message type ${id} is not in the schema`);
  const value = readMsgpack(body, spec.name);
  return { name: spec.name, fields: decodeStruct(schema, spec, value, spec.name) };
}
