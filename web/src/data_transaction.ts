// Values as an application sees them (units for fixed and float fields, names for enums) and
// the Transaction that gathers writes in the normal form the server commits: one op per entity,
// components and fields in schema order.
import { DataError } from "./errors.js";
import { codeToUnits, unitsToCode } from "./data_schema.js";
import type { DataField, DataSchema, Value } from "./data_schema.js";
import { checkValue } from "./data_ops.js";
import type { Op } from "./data_ops.js";

/** A field value as an application sees it: units for fixed/float, names for enums. */
export type UserValue = boolean | number | bigint | string | Uint8Array | (number | bigint | boolean)[];
export type Row = { [component: string]: { [field: string]: UserValue } };

export function toUser(f: DataField, v: Value): UserValue {
  const one = (x: bigint | number): number | bigint | boolean | string => {
    if (f.type === "bool") return x === 1n;
    if (f.type === "enum") return f.values[Number(x)]!;
    if (f.type === "fixed" || f.type === "float") return codeToUnits(f, x as bigint);
    if (f.type === "int") return (x as bigint) >= BigInt(Number.MIN_SAFE_INTEGER) && (x as bigint) <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : x;
    return x;
  };
  if (typeof v === "string" || v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map((x) => one(x) as number | bigint | boolean);
  return one(v);
}

export function fromUser(f: DataField, u: UserValue): Value {
  const one = (x: unknown): bigint | number => {
    if (f.type === "bool") return x === true ? 1n : x === false ? 0n : bad();
    if (f.type === "enum") return f.values.indexOf(x as string) >= 0 ? BigInt(f.values.indexOf(x as string)) : bad();
    if (f.type === "f64") return typeof x === "number" ? x : bad();
    if (f.type === "fixed" || f.type === "float") return typeof x === "number" ? unitsToCode(f, x) : bad();
    return typeof x === "bigint" ? x : typeof x === "number" && Number.isSafeInteger(x) ? BigInt(x) : bad();
  };
  const bad = (): never => {
    throw new DataError("type", `field ${f.name} (${f.type}) cannot hold ${String(u)}`);
  };
  let v: Value;
  if (f.type === "string" || f.type === "bytes") v = u as Value;
  else if (f.count === 1) v = one(u) as Value;
  else v = (Array.isArray(u) ? u.map(one) : bad()) as Value;
  checkValue(f, v);
  return v;
}

/** Writes gathered before they are sent: one op per entity and kind, in schema order. */
export class Transaction {
  readonly ops: Op[] = [];
  constructor(private readonly schema: DataSchema) {}

  set(table: string, entity: bigint | number, component: string, field: string, value: UserValue): this {
    const t = this.schema.tableIndex(table);
    const c = this.schema.tables[t]!.components.findIndex((x) => x.name === component);
    if (c < 0) throw new DataError("schema", `no component ${component} in ${table}`);
    const comp = this.schema.tables[t]!.components[c]!;
    const f = comp.fields.findIndex((x) => x.name === field);
    if (f < 0) throw new DataError("schema", `no field ${field} in ${table}.${component}`);
    const id = BigInt(entity);
    const v = fromUser(comp.fields[f]!, value);
    // Sets merge into the entity's latest op while it is an upsert; after a removal they start a new one.
    const last = this.ops.findLast((o) => o.table === t && o.entity === id);
    let op = last?.kind === "upsert" ? last : undefined;
    if (!op) this.ops.push((op = { kind: "upsert", table: t, entity: id, writes: [] }));
    let w = op.writes.find((x) => x.component === c);
    if (!w) {
      op.writes.push((w = { component: c, fields: [] }));
      op.writes.sort((a, b) => a.component - b.component);
    }
    const existing = w.fields.find((x) => x.field === f);
    if (existing) existing.value = v;
    else w.fields.push({ field: f, value: v }), w.fields.sort((a, b) => a.field - b.field);
    return this;
  }

  removeEntity(table: string, entity: bigint | number): this {
    this.ops.push({ kind: "remove_entity", table: this.schema.tableIndex(table), entity: BigInt(entity) });
    return this;
  }
}
