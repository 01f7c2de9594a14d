// Data ops on the wire (op_codec.hpp): the payload of DataBatch, DataWrite and DataSnapshotChunk.
//   op     = varint table, varint entity, u8 kind (0 upsert, 1 remove components, 2 remove entity)
//   upsert = varint component mask, then per component: varint field mask, the fields' values
// Decoding is a border: indices, masks, lengths and ranges are checked against the schema, and
// bytes after the last op are an error.
import { DataError, ProtocolError } from "./errors.js";
import { codeRange, encodeValue, isText } from "./data_schema.js";
import type { DataField, DataSchema, Value } from "./data_schema.js";
import { ByteReader, writeVarint } from "./varint.js";

export interface FieldWrite {
  field: number;
  value: Value;
}
export interface ComponentWrite {
  component: number;
  fields: FieldWrite[];
}
export type Op =
  | { kind: "upsert"; table: number; entity: bigint; writes: ComponentWrite[] }
  | { kind: "remove_components"; table: number; entity: bigint; components: bigint }
  | { kind: "remove_entity"; table: number; entity: bigint };

const KINDS = ["upsert", "remove_components", "remove_entity"] as const;
const utf8 = new TextDecoder("utf-8", { fatal: true });

export function encodeOps(schema: DataSchema, ops: Op[]): Uint8Array {
  const out: number[] = [];
  for (const op of ops) {
    writeVarint(out, op.table);
    writeVarint(out, op.entity);
    out.push(KINDS.indexOf(op.kind));
    if (op.kind === "upsert") {
      let mask = 0n;
      for (const w of op.writes) mask |= 1n << BigInt(w.component);
      writeVarint(out, mask);
      for (const w of op.writes) {
        let fields = 0n;
        for (const f of w.fields) fields |= 1n << BigInt(f.field);
        writeVarint(out, fields);
        const component = schema.tables[op.table]!.components[w.component]!;
        for (const f of w.fields) encodeValue(component.fields[f.field]!, f.value, out);
      }
    } else if (op.kind === "remove_components") writeVarint(out, op.components);
  }
  return Uint8Array.from(out);
}

function checkCode(f: DataField, code: bigint, where: string): bigint {
  const [lo, hi] = codeRange(f);
  if (code < lo || code > hi) throw new ProtocolError("range", `field ${f.name}: ${code} is outside ${lo}..${hi}`, where);
  return code;
}

export function decodeValue(f: DataField, r: ByteReader): Value {
  if (isText(f)) {
    const n = r.smallVarint(f.name, f.maxBytes);
    const bytes = r.take(n, f.name);
    if (f.type === "bytes") return bytes;
    try {
      return utf8.decode(bytes);
    } catch {
      throw new ProtocolError("range", `field ${f.name} is not valid UTF-8`, r.where);
    }
  }
  const one = (): bigint | number => {
    if (f.type === "f64") {
      const b = r.take(8, f.name);
      const v = new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true);
      if (!Number.isFinite(v)) throw new ProtocolError("range", `field ${f.name} is not finite`, r.where);
      return v;
    }
    if (f.type === "bool") return checkCode(f, BigInt(r.u8(f.name)), r.where);
    if (f.type === "int" || f.type === "fixed") return checkCode(f, r.svarint(f.name), r.where);
    return checkCode(f, r.varint(f.name), r.where);
  };
  if (f.count === 1) return one() as Value;
  const items: (bigint | number)[] = [];
  for (let i = 0; i < f.count; i++) items.push(one());
  return items as Value;
}

const fits = (mask: bigint, size: number): boolean => size >= 64 || mask >> BigInt(size) === 0n;

export function decodeOps(schema: DataSchema, payload: Uint8Array, count: number): Op[] {
  // Checked before anything is built: a count the payload cannot hold (3 bytes an op at least).
  if (count > payload.length / 3) throw new ProtocolError("truncated", `${count} ops cannot fit in ${payload.length} bytes`, "ops");
  const r = new ByteReader(payload, "ops");
  const ops: Op[] = [];
  for (let i = 0; i < count; i++) {
    const table = r.smallVarint("table", 0xffff);
    const spec = schema.tables[table];
    if (spec === undefined) throw new ProtocolError("range", `op ${i}: table ${table} is past the schema's ${schema.tables.length}`, "ops");
    const entity = r.varint("entity");
    const kind = KINDS[r.u8("op kind")];
    if (kind === undefined) throw new ProtocolError("corrupt", `op ${i}: unknown op kind`, "ops");
    if (kind === "remove_entity") {
      ops.push({ kind, table, entity });
    } else if (kind === "remove_components") {
      const components = r.varint("remove mask");
      if (components === 0n || !fits(components, spec.components.length)) {
        throw new ProtocolError("range", `op ${i}: remove mask ${components}`, "ops");
      }
      ops.push({ kind, table, entity, components });
    } else {
      const mask = r.varint("component mask");
      if (!fits(mask, spec.components.length)) throw new ProtocolError("range", `op ${i}: component mask ${mask}`, "ops");
      const writes: ComponentWrite[] = [];
      for (let c = 0; c < spec.components.length; c++) {
        if (((mask >> BigInt(c)) & 1n) === 0n) continue;
        const component = spec.components[c]!;
        const fieldMask = r.varint("field mask");
        if (!fits(fieldMask, component.fields.length)) throw new ProtocolError("range", `op ${i}: field mask ${fieldMask}`, "ops");
        const fields: FieldWrite[] = [];
        for (let f = 0; f < component.fields.length; f++) {
          if (((fieldMask >> BigInt(f)) & 1n) !== 0n) fields.push({ field: f, value: decodeValue(component.fields[f]!, r) });
        }
        writes.push({ component: c, fields });
      }
      ops.push({ kind, table, entity, writes });
    }
  }
  if (r.remaining() !== 0) throw new ProtocolError("corrupt", `${r.remaining()} bytes after the last of ${count} ops`, "ops");
  return ops;
}

/** Checks a value an application gives against its field (before it is written). */
export function checkValue(f: DataField, v: Value): void {
  const bad = (): never => {
    throw new DataError("range", `field ${f.name} (${f.type}) cannot hold ${String(v)}`);
  };
  if (isText(f)) {
    const n = typeof v === "string" ? new TextEncoder().encode(v).length : v instanceof Uint8Array ? v.length : bad();
    if ((f.type === "string") !== (typeof v === "string") || n > f.maxBytes) bad();
    return;
  }
  const items = f.count === 1 ? [v] : Array.isArray(v) && v.length === f.count ? (v as unknown[]) : bad();
  for (const item of items) {
    if (f.type === "f64") {
      if (typeof item !== "number" || !Number.isFinite(item)) bad();
    } else {
      const [lo, hi] = codeRange(f);
      if (typeof item !== "bigint" || item < lo || item > hi) bad();
    }
  }
}
