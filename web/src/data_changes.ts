// Change callbacks of the mirror: the rows a mutation may touch are imaged before and after it,
// and each that differs is reported as an insert, update or removal to the listeners of its
// table or row. Comparing images rather than ops means a rebase, a rollback or a repair is
// reported exactly as what the application sees changed, and nothing else.
import type { Row } from "./data_transaction.js";

export type EntityKey = [table: number, entity: bigint];

export interface Change {
  table: string;
  entity: bigint;
  kind: "insert" | "update" | "remove";
  row: Row | null; // after (null when removed)
}

interface Listener {
  table: number;
  entity: bigint | null;
  fn: (c: Change) => void;
}

const keyText = ([t, id]: EntityKey) => `${t}:${id}`;
const imageText = (row: Row | undefined) =>
  row === undefined
    ? undefined
    : JSON.stringify(row, (_, v) => (typeof v === "bigint" ? `${v}n` : v instanceof Uint8Array ? [...v] : v));

export class ChangeFeed {
  private readonly listeners: Listener[] = [];

  constructor(
    private readonly rowOf: (table: number, entity: bigint) => Row | undefined,
    private readonly tableName: (table: number) => string,
  ) {}

  listen(table: number, entity: bigint | null, fn: (c: Change) => void): () => void {
    const entry = { table, entity, fn };
    this.listeners.push(entry);
    return () => this.listeners.splice(this.listeners.indexOf(entry), 1);
  }

  /** Runs `change`; then reports every row of `keys()` (asked before and after) that differs. */
  around(keys: () => EntityKey[], change: () => void): void {
    if (this.listeners.length === 0) return change();
    const before = new Map<string, [EntityKey, string | undefined]>();
    for (const k of keys()) before.set(keyText(k), [k, imageText(this.rowOf(...k))]);
    change();
    for (const k of keys()) if (!before.has(keyText(k))) before.set(keyText(k), [k, undefined]);
    for (const [[t, id], was] of before.values()) {
      const row = this.rowOf(t, id);
      const now = imageText(row);
      if (was === now) continue;
      const c: Change = {
        table: this.tableName(t),
        entity: id,
        kind: was === undefined ? "insert" : now === undefined ? "remove" : "update",
        row: row ?? null,
      };
      for (const l of this.listeners) if (l.table === t && (l.entity === null || l.entity === id)) l.fn(c);
    }
  }
}
