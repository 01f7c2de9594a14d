// A data schema (docs/data.md, "The model"): tables of components of typed fields, read from
// TOML, with its hash at every minor computed exactly as C++ computes it (SipHash-2-4, zero key,
// of the canonical bytes of data_schema.cpp), so DataSubscribe announces hashes the server accepts.
import { DataError } from "./errors.js";
import { siphash24 } from "./siphash.js";
import { parseToml } from "./toml_subset.js";
import type { TomlTable, TomlValue } from "./toml_subset.js";
import { writeSvarint, writeVarint } from "./varint.js";

export type FieldType = "bool" | "int" | "enum" | "fixed" | "float" | "f64" | "string" | "bytes";
const TYPE_CODES: { [t in FieldType]: number } = { bool: 0, int: 1, enum: 2, fixed: 3, float: 4, f64: 5, string: 6, bytes: 7 };

/** What the store holds: integer codes as bigint, f64 as number, text, bytes, or arrays of codes. */
export type Value = bigint | number | string | Uint8Array | bigint[] | number[];

export interface DataField {
  name: string;
  type: FieldType;
  min: bigint; // int: the range; fixed: in steps
  max: bigint;
  bits: number; // fixed: frac_bits; float: code bits
  floatMin: number;
  floatMax: number;
  values: string[]; // enum
  maxBytes: number; // string, bytes
  count: number;
  since: number;
  defaultValue: Value;
  conflict: string | null;
}
export interface DataComponent {
  name: string;
  fields: DataField[];
}
export interface DataTable {
  name: string;
  spatial: { component: string; x: string; y: string; z: string } | null;
  components: DataComponent[];
  conflict: string | null;
}

const ZERO_KEY = new Uint8Array(16);
const utf8 = new TextEncoder();

export function isText(f: DataField): boolean {
  return f.type === "string" || f.type === "bytes";
}
const maxFloatCode = (bits: number): bigint => (1n << BigInt(bits)) - 1n;

/** Units (what an application writes for fixed and float fields) to the stored code. */
export function unitsToCode(f: DataField, units: number): bigint {
  if (f.type === "fixed") return BigInt(Math.round(units * 2 ** f.bits));
  if (f.type === "float") {
    const step = (f.floatMax - f.floatMin) / Number(maxFloatCode(f.bits));
    return BigInt(Math.round((units - f.floatMin) / step));
  }
  return BigInt(Math.round(units));
}
export function codeToUnits(f: DataField, code: bigint): number {
  if (f.type === "fixed") return Number(code) / 2 ** f.bits;
  if (f.type === "float") return f.floatMin + Number(code) * ((f.floatMax - f.floatMin) / Number(maxFloatCode(f.bits)));
  return Number(code);
}

/** The range a code of this field must lie in. */
export function codeRange(f: DataField): [bigint, bigint] {
  if (f.type === "bool") return [0n, 1n];
  if (f.type === "enum") return [0n, BigInt(f.values.length - 1)];
  if (f.type === "float") return [0n, maxFloatCode(f.bits)];
  return [f.min, f.max];
}

/** A field value's wire form (field_spec.hpp): bool u8, int/fixed zigzag varint, enum/float
 * varint, f64 8 bytes little-endian, text varint length + bytes. */
export function encodeValue(f: DataField, value: Value, out: number[]): void {
  if (isText(f)) {
    const bytes = typeof value === "string" ? utf8.encode(value) : (value as Uint8Array);
    writeVarint(out, bytes.length);
    for (const b of bytes) out.push(b);
    return;
  }
  const items = f.count === 1 ? [value] : (value as (bigint | number)[]);
  for (const item of items) {
    if (f.type === "f64") {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, item as number, true);
      for (const x of b) out.push(x);
    } else if (f.type === "bool") out.push(Number(item));
    else if (f.type === "int" || f.type === "fixed") writeSvarint(out, item as bigint);
    else writeVarint(out, item as bigint);
  }
}

function typeDefault(f: DataField): Value {
  if (isText(f)) return f.type === "string" ? "" : new Uint8Array();
  if (f.type === "f64") return f.count === 1 ? 0 : Array<number>(f.count).fill(0);
  let code = 0n;
  if (f.type === "int" || f.type === "fixed") code = f.min > 0n ? f.min : f.max < 0n ? f.max : 0n;
  else if (f.type === "float") {
    if (f.floatMax <= 0) code = maxFloatCode(f.bits);
    else if (f.floatMin < 0) code = unitsToCode(f, 0);
  }
  return f.count === 1 ? code : Array<bigint>(f.count).fill(code);
}

function fail(where: string, what: string): never {
  throw new DataError("schema", `${where}: ${what}`);
}
const asString = (v: TomlValue | undefined, where: string): string => (typeof v === "string" ? v : fail(where, "expected a string"));
const asNumber = (v: TomlValue | undefined, where: string): number =>
  typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : fail(where, "expected a number");
const asBig = (v: TomlValue | undefined, where: string): bigint => (typeof v === "bigint" ? v : fail(where, "expected an integer"));
const minorOf = (v: TomlValue | undefined, where: string): number => {
  if (v === undefined) return 0;
  const m = /^\d+\.(\d+)$/.exec(asString(v, where));
  return m ? Number(m[1]) : fail(where, "a version must be MAJOR.MINOR");
};

function fieldFrom(t: TomlTable, where: string): DataField {
  const name = asString(t.name, where);
  where = `${where}.${name}`;
  const type = asString(t.type, where) as FieldType;
  if (!(type in TYPE_CODES)) fail(where, `unknown field type ${type}`);
  const f: DataField = {
    name,
    type,
    min: 0n,
    max: 0n,
    bits: 0,
    floatMin: 0,
    floatMax: 0,
    values: [],
    maxBytes: 0,
    count: t.count === undefined ? 1 : Number(asBig(t.count, where)),
    since: minorOf(t.since, where),
    defaultValue: 0n,
    conflict: t.conflict === undefined ? null : asString(t.conflict, where),
  };
  if (type === "int") {
    f.min = asBig(t.min, where);
    f.max = asBig(t.max, where);
  } else if (type === "fixed") {
    f.bits = Number(asBig(t.frac_bits, where));
    f.min = BigInt(Math.round(asNumber(t.min, where) * 2 ** f.bits));
    f.max = BigInt(Math.round(asNumber(t.max, where) * 2 ** f.bits));
  } else if (type === "float") {
    f.bits = Number(asBig(t.bits, where));
    f.floatMin = asNumber(t.min, where);
    f.floatMax = asNumber(t.max, where);
  } else if (type === "enum") {
    const values = t.values;
    if (!Array.isArray(values) || values.length === 0) fail(where, "an enum needs values");
    f.values = (values as TomlValue[]).map((v) => asString(v, where));
  } else if (isText(f)) {
    f.maxBytes = Number(asBig(t.max, where));
  }
  const element = (v: TomlValue): bigint | number => {
    if (type === "bool") return v === true ? 1n : v === false ? 0n : fail(where, "a bool default");
    if (type === "enum") {
      const i = f.values.indexOf(asString(v, where));
      return i >= 0 ? BigInt(i) : fail(where, `default ${String(v)} is not a value`);
    }
    if (type === "f64") return asNumber(v, where);
    if (type === "int") return asBig(v, where);
    return unitsToCode(f, asNumber(v, where));
  };
  if (t.default === undefined) f.defaultValue = typeDefault(f);
  else if (isText(f)) f.defaultValue = type === "string" ? asString(t.default, where) : utf8.encode(asString(t.default, where));
  else if (f.count === 1) f.defaultValue = element(t.default) as Value;
  else if (Array.isArray(t.default)) f.defaultValue = (t.default as TomlValue[]).map(element) as Value;
  else fail(where, "an array field's default is an array");
  return f;
}

export class DataSchema {
  /** The hash at every minor 0..minor (index = minor). */
  readonly hashes: bigint[];

  constructor(
    readonly name: string,
    readonly major: number,
    readonly minor: number,
    readonly tables: DataTable[],
  ) {
    // As in C++: the hash changes only at a minor that added fields; the others repeat it.
    const changing = new Set<number>([0]);
    for (const t of tables) for (const c of t.components) for (const f of c.fields) changing.add(f.since);
    this.hashes = [];
    for (let m = 0; m <= minor; m++) {
      this.hashes.push(changing.has(m) ? siphash24(ZERO_KEY, this.canonicalBytes(m)) : this.hashes[m - 1]!);
    }
  }

  get hash(): bigint {
    return this.hashes[this.minor]!;
  }

  static fromToml(text: string): DataSchema {
    const root = parseToml(text);
    const head = root.schema;
    if (typeof head !== "object" || Array.isArray(head)) fail("schema", "no [schema] table");
    const name = asString((head as TomlTable).name, "schema.name");
    const version = /^(\d+)\.(\d+)$/.exec(asString((head as TomlTable).version, "schema.version"));
    if (!version) fail("schema.version", "must be MAJOR.MINOR");
    const tables = ((root.table ?? []) as TomlTable[]).map((t): DataTable => {
      const tname = asString(t.name, "table");
      const spatial = t.spatial as TomlTable | undefined;
      return {
        name: tname,
        spatial: spatial
          ? {
              component: asString(spatial.component, tname),
              x: asString(spatial.x, tname),
              y: asString(spatial.y, tname),
              z: asString(spatial.z, tname),
            }
          : null,
        conflict: t.conflict === undefined ? null : asString(t.conflict, tname),
        components: ((t.component ?? []) as TomlTable[]).map((c) => {
          const cname = asString(c.name, tname);
          return { name: cname, fields: ((c.fields ?? []) as TomlTable[]).map((f) => fieldFrom(f, `${tname}.${cname}`)) };
        }),
      };
    });
    return new DataSchema(name, Number(version![1]), Number(version![2]), tables);
  }

  tableIndex(name: string): number {
    const i = this.tables.findIndex((t) => t.name === name);
    if (i < 0) throw new DataError("schema", `no table ${name} in schema ${this.name}`);
    return i;
  }

  /** data_schema.cpp's canonical_bytes_at: the schema as a peer at `minor` knows it. */
  canonicalBytes(minor: number): Uint8Array {
    const out: number[] = [];
    const text = (s: string) => {
      const b = utf8.encode(s);
      writeVarint(out, b.length);
      for (const x of b) out.push(x);
    };
    const f64 = (v: number) => {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, v, true);
      for (const x of b) out.push(x);
    };
    text("theta_net.data.schema");
    text(this.name);
    writeVarint(out, this.major);
    writeVarint(out, this.tables.length);
    for (const t of this.tables) {
      text(t.name);
      out.push(t.spatial ? 1 : 0);
      if (t.spatial) for (const s of [t.spatial.component, t.spatial.x, t.spatial.y, t.spatial.z]) text(s);
      writeVarint(out, t.components.length);
      for (const c of t.components) {
        text(c.name);
        const known = c.fields.filter((f) => f.since <= minor);
        writeVarint(out, known.length);
        for (const f of known) {
          text(f.name);
          out.push(TYPE_CODES[f.type]);
          writeSvarint(out, f.min);
          writeSvarint(out, f.max);
          writeSvarint(out, BigInt(f.bits));
          f64(f.floatMin);
          f64(f.floatMax);
          writeVarint(out, f.values.length);
          for (const v of f.values) text(v);
          writeVarint(out, f.maxBytes);
          out.push(f.count);
          writeVarint(out, f.since);
          encodeValue(f, f.defaultValue, out);
        }
      }
    }
    // The conflict strategies, only when the schema declares any at this minor.
    const any = this.tables.some(
      (t) => t.conflict !== null || t.components.some((c) => c.fields.some((f) => f.since <= minor && f.conflict !== null)),
    );
    if (any) {
      text("conflict");
      const strategy = (s: string | null) => {
        out.push(s === null ? 0 : 1);
        if (s !== null) text(s);
      };
      for (const t of this.tables) {
        strategy(t.conflict);
        for (const c of t.components) for (const f of c.fields) if (f.since <= minor) strategy(f.conflict);
      }
    }
    return Uint8Array.from(out);
  }
}
