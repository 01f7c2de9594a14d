// The mirror's tables in memory: per table, entities by id, each a map of present components to
// their field values (stored codes). Applying an op follows ops.hpp: an upsert creates the entity
// and missing components at their defaults first; a remove of components leaves the entity.
import { encodeValue } from "./data_schema.js";
import type { DataSchema, Value } from "./data_schema.js";
import { siphash24 } from "./siphash.js";
import { writeVarint } from "./varint.js";
import type { Op } from "./data_ops.js";

export type Entity = Map<number, Value[]>; // component index -> field values
export type TableRows = Map<bigint, Entity>;

export class DataStore {
  readonly tables: TableRows[];
  constructor(
    readonly schema: DataSchema,
    public version: bigint = 0n,
    tables?: TableRows[],
  ) {
    this.tables = tables ?? schema.tables.map(() => new Map());
  }

  /** A copy sharing no maps with this one (values are never mutated in place, so they are shared). */
  clone(): DataStore {
    return new DataStore(
      this.schema,
      this.version,
      this.tables.map((rows) => new Map([...rows].map(([id, e]) => [id, new Map([...e].map(([c, v]) => [c, [...v]]))]))),
    );
  }

  apply(op: Op): void {
    const rows = this.tables[op.table]!;
    if (op.kind === "remove_entity") {
      rows.delete(op.entity);
      return;
    }
    if (op.kind === "remove_components") {
      const e = rows.get(op.entity);
      if (e) for (const c of [...e.keys()]) if ((op.components >> BigInt(c)) & 1n) e.delete(c);
      return;
    }
    let e = rows.get(op.entity);
    if (!e) rows.set(op.entity, (e = new Map()));
    const spec = this.schema.tables[op.table]!;
    for (const w of op.writes) {
      let values = e.get(w.component);
      if (!values) e.set(w.component, (values = spec.components[w.component]!.fields.map((f) => f.defaultValue)));
      for (const f of w.fields) values[f.field] = f.value;
    }
  }
}

const ZERO_KEY = new Uint8Array(16);

/** An entity's record (state_hash.hpp): id and component mask as varints, then the present
 * components' field values in schema order, in wire form. */
export function entityRecord(schema: DataSchema, table: number, id: bigint, entity: Entity): Uint8Array {
  const out: number[] = [];
  let mask = 0n;
  for (const c of entity.keys()) mask |= 1n << BigInt(c);
  writeVarint(out, id);
  writeVarint(out, mask);
  const spec = schema.tables[table]!;
  for (let c = 0; c < spec.components.length; c++) {
    const values = entity.get(c);
    if (values) spec.components[c]!.fields.forEach((f, i) => encodeValue(f, values[i]!, out));
  }
  return Uint8Array.from(out);
}

/** A table's state hash (docs/data.md, "Divergence check"): the sum of its entities' SipHash-2-4
 * (zero key) of their records, modulo 2^64; 0 for an empty table. */
export function tableHash(store: DataStore, table: number): bigint {
  let sum = 0n;
  for (const [id, e] of store.tables[table]!) sum += siphash24(ZERO_KEY, entityRecord(store.schema, table, id, e));
  return BigInt.asUintN(64, sum);
}
