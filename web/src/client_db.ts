// ClientDB: the TypeScript mirror of the data layer (docs/data.md). It subscribes without the
// compression capability (payloads are plain), takes a full sync with progress, applies batches
// in version order, acknowledges them, and makes optimistic writes: a write shows in the view at
// once and is confirmed or refused by DataWriteResult (a refusal rolls it back). The view is the
// confirmed store with the pending writes replayed on top, rebuilt whenever either changes, so a
// server batch always lands beneath the local writes (a rebase, as the C++ ClientDB does).
import { DataError, ProtocolError } from "./errors.js";
import { DataSchema } from "./data_schema.js";
import { decodeOps, encodeOps } from "./data_ops.js";
import type { Op } from "./data_ops.js";
import { DataStore, tableHash } from "./data_store.js";
import { ChangeFeed } from "./data_changes.js";
import type { Change, EntityKey } from "./data_changes.js";
import { toUser, Transaction } from "./data_transaction.js";
import type { Row, UserValue } from "./data_transaction.js";
import type { ThetaConnection } from "./ws_connection.js";
import { MESSAGE_BY_NAME } from "./generated/protocol.js";
import type { AnyMessage } from "./generated/protocol.js";

export type SyncState = "idle" | "syncing" | "catching_up" | "ready" | "refused";
export interface WriteResult {
  writeId: number;
  accepted: boolean;
  version: bigint;
  reason: string | null;
  text: string;
}
export interface SyncProgress {
  entitiesDone: bigint;
  entitiesTotal: bigint;
  bytesDone: bigint;
  bytesTotal: bigint;
}
/** A table whose mirror hashed differently from the server's state hash at a version. */
export interface Divergence {
  table: string;
  version: bigint;
  serverHash: bigint;
  localHash: bigint;
}
export interface ClientDBOptions {
  schema: DataSchema; // what the application expects; the server's may be a newer minor
  tables?: string[]; // empty: all
  ackIntervalMs?: number;
}

interface Pending {
  writeId: number;
  ops: Op[];
  resolve: (r: WriteResult) => void;
}

export class ClientDB {
  state: SyncState = "idle";
  refusal = "";
  progress: SyncProgress = { entitiesDone: 0n, entitiesTotal: 0n, bytesDone: 0n, bytesTotal: 0n };
  batchesApplied = 0;
  /** Errors in what the server sent (bad ops, out-of-order syncs); each leads to a resubscribe. */
  readonly errors: Error[] = [];
  private schema: DataSchema; // the server's, once a sync began (decodes everything)
  private confirmed: DataStore | null = null;
  private view: DataStore | null = null;
  private assembly: { syncId: number; chunks: number; total: number; store: DataStore } | null = null;
  private syncId = 0;
  private targetVersion = 0n;
  private awaitingBegin = false;
  private pending: Pending[] = [];
  private nextWriteId = 1;
  private acked = 0n;
  private ackTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly changes = new ChangeFeed(
    (t, id) => this.rowOf(t, id),
    (t) => this.schema.tables[t]!.name,
  );
  private readonly readyWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private readonly progressListeners: ((p: SyncProgress) => void)[] = [];
  private readonly detach: () => void;
  // The divergence check (docs/data.md): hashes compared, tables found to differ, repairs.
  stateHashesChecked = 0;
  tableResyncs = 0;
  readonly divergences: Divergence[] = [];
  private readonly resyncAsked = new Set<number>();
  private tableSync: { syncId: number; table: number; chunks: number; total: number; store: DataStore } | null = null;

  constructor(
    private readonly conn: ThetaConnection,
    private readonly options: ClientDBOptions,
  ) {
    this.schema = options.schema;
    this.detach = conn.onMessage((m) => this.onMessage(m));
    // Writes in flight when the connection ends never get a verdict: they are reported refused.
    conn.onClose((info) => this.refuse(`the connection closed (${info.code} ${info.reason})`));
  }

  get version(): bigint {
    return this.confirmed?.version ?? 0n;
  }

  /** Starts (or restarts) the sync: a full snapshot, or the batches after the version held. */
  subscribe(fromVersion: bigint = this.confirmed ? this.confirmed.version : 0n): void {
    this.conn.send("DataSubscribe", {
      schema_hash: this.options.schema.hash,
      schema_hashes: this.options.schema.hashes,
      from_version: fromVersion,
      tables: this.options.tables ?? [],
      cells: [],
      dictionary_ids: [],
    });
    this.assembly = null;
    this.tableSync = null;
    this.resyncAsked.clear();
    this.awaitingBegin = true;
    this.state = "syncing";
  }

  /** Resolves when the mirror holds a complete store (after a full or archive sync). */
  ready(): Promise<void> {
    if (this.state === "ready") return Promise.resolve();
    if (this.state === "refused") return Promise.reject(new DataError("state", this.refusal));
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  onProgress(fn: (p: SyncProgress) => void): void {
    this.progressListeners.push(fn);
  }

  /** Calls `fn` for every insert, update or removal in a table (or one row of it) in the view. */
  subscribeTable(table: string, fn: (c: Change) => void): () => void {
    return this.listen(this.schema.tableIndex(table), null, fn);
  }
  subscribeRow(table: string, entity: bigint | number, fn: (c: Change) => void): () => void {
    return this.listen(this.schema.tableIndex(table), BigInt(entity), fn);
  }
  private listen(table: number, entity: bigint | null, fn: (c: Change) => void): () => void {
    return this.changes.listen(table, entity, fn);
  }

  get(table: string, entity: bigint | number): Row | undefined {
    const t = this.schema.tableIndex(table);
    return this.rowOf(t, BigInt(entity));
  }

  ids(table: string): bigint[] {
    const rows = this.view?.tables[this.schema.tableIndex(table)];
    return rows ? [...rows.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) : [];
  }

  transaction(): Transaction {
    return new Transaction(this.schema);
  }

  /** Applies the write to the view now and sends it; resolves with the server's verdict. */
  write(tx: Transaction): Promise<WriteResult> {
    if (this.state !== "ready" || !this.confirmed) throw new DataError("state", "write before the mirror is ready");
    if (tx.ops.length === 0) throw new DataError("state", "an empty transaction");
    const writeId = this.nextWriteId++;
    const payload = encodeOps(this.schema, tx.ops);
    return new Promise((resolve) => {
      this.mutate(tx.ops, () => {
        this.pending.push({ writeId, ops: tx.ops, resolve });
        for (const op of tx.ops) this.view!.apply(op);
      });
      this.conn.send("DataWrite", { write_id: writeId, base_version: this.version, ops: tx.ops.length, payload });
    });
  }

  close(): void {
    clearTimeout(this.ackTimer);
    this.detach();
  }

  // ---- what the server sends

  private onMessage(m: AnyMessage): void {
    if (this.state === "idle") return;
    try {
      switch (m.name) {
        case "DataSyncBegin":
          return this.onBegin(m.fields);
        case "DataSnapshotChunk":
          return this.onChunk(m.fields);
        case "SyncProgress":
          if (m.fields.snapshot_id !== this.syncId) return;
          this.progress = {
            entitiesDone: m.fields.entities ?? 0n,
            entitiesTotal: m.fields.entities_total ?? 0n,
            bytesDone: m.fields.bytes,
            bytesTotal: m.fields.bytes_total ?? 0n,
          };
          for (const fn of this.progressListeners) fn(this.progress);
          return;
        case "DataBatch":
          return this.onBatch(m.fields);
        case "DataWriteResult":
          return this.onWriteResult(m.fields);
        case "DataStateHash":
          return this.onStateHash(m.fields);
        case "PermissionDenied":
          if (m.fields.message_type === MESSAGE_BY_NAME.get("DataWrite")!.id) this.onWriteDenied(m.fields.text);
          return;
        case "DataRefused":
          return this.refuse(`${m.fields.reason}: ${m.fields.text}`);
        default:
          return;
      }
    } catch (error) {
      if (!(error instanceof ProtocolError || error instanceof DataError)) throw error;
      // What the server sent did not fit: ask again from the version held, as C++ does.
      this.errors.push(error);
      this.subscribe();
    }
  }

  private onBegin(begin: Extract<AnyMessage, { name: "DataSyncBegin" }>["fields"]): void {
    if (begin.mode === "table") return this.onTableSyncBegin(begin);
    this.awaitingBegin = false;
    const server = DataSchema.fromToml(begin.schema_toml);
    if (server.hash !== begin.schema_hash) throw new DataError("corrupt", "DataSyncBegin's schema text does not hash to its schema_hash");
    const common = Math.min(server.minor, this.options.schema.minor);
    if (server.hashes[common] !== this.options.schema.hashes[common]) {
      return this.refuse(`the server's data schema ${server.name} ${server.major}.${server.minor} differs at minor ${common}`);
    }
    this.schema = server;
    this.syncId = begin.sync_id;
    this.targetVersion = begin.version;
    this.progress = { entitiesDone: 0n, entitiesTotal: begin.entities_total, bytesDone: 0n, bytesTotal: begin.bytes_total };
    if (begin.mode === "full") {
      this.state = "syncing";
      this.assembly = { syncId: begin.sync_id, chunks: 0, total: begin.chunks_total, store: new DataStore(server, begin.version) };
      if (begin.chunks_total === 0) this.finishSnapshot();
      return;
    }
    this.state = "catching_up";
    if (this.version === begin.version) this.becomeReady();
  }

  private onChunk(chunk: Extract<AnyMessage, { name: "DataSnapshotChunk" }>["fields"]): void {
    if (this.tableSync && this.tableSync.syncId === chunk.sync_id) return this.onTableChunk(chunk);
    const a = this.assembly;
    if (!a || a.syncId !== chunk.sync_id) throw new DataError("state", `snapshot chunk of sync ${chunk.sync_id} unexpected`);
    if (chunk.index !== a.chunks) throw new DataError("state", `snapshot chunk ${chunk.index} where ${a.chunks} was next`);
    if ((chunk.encoding ?? "plain") !== "plain") throw new DataError("unsupported", "a compressed snapshot chunk");
    for (const op of decodeOps(this.schema, chunk.payload, chunk.entities)) a.store.apply(op);
    a.chunks++;
    if (a.chunks === a.total) this.finishSnapshot();
  }

  private finishSnapshot(): void {
    const store = this.assembly!.store;
    this.assembly = null;
    // Writes the snapshot already holds are answered by their DataWriteResult; until then they
    // stay pending and replay on top (an upsert replayed over itself changes nothing).
    this.mutateAll(() => {
      this.confirmed = store;
      this.rebuildView();
    });
    this.becomeReady();
  }

  private becomeReady(): void {
    this.state = "ready";
    this.conn.send("ClientReady", { snapshot_id: this.syncId, server_tick: 0, version: this.version });
    for (const w of this.readyWaiters.splice(0)) w.resolve();
  }

  private onBatch(batch: Extract<AnyMessage, { name: "DataBatch" }>["fields"]): void {
    if (!this.confirmed || this.assembly) return; // before the first snapshot, or during one
    if (batch.version <= this.confirmed.version) return; // already held
    if (batch.base_version !== this.confirmed.version) {
      if (!this.awaitingBegin) this.subscribe(this.confirmed.version); // a gap: ask for what follows
      return;
    }
    if (batch.encoding !== "plain") throw new DataError("unsupported", "a compressed batch (compression is never negotiated)");
    const ops = decodeOps(this.schema, batch.payload, batch.ops);
    this.mutate(ops, () => {
      for (const op of ops) this.confirmed!.apply(op);
      this.confirmed!.version = batch.version;
      if (this.pending.length === 0) {
        for (const op of ops) this.view!.apply(op);
        this.view!.version = batch.version;
      } else this.rebuildView();
    });
    this.batchesApplied++;
    if (this.state === "catching_up" && this.version >= this.targetVersion) this.becomeReady();
    this.scheduleAck();
  }

  private onWriteResult(result: Extract<AnyMessage, { name: "DataWriteResult" }>["fields"]): void {
    const i = this.pending.findIndex((p) => p.writeId === result.write_id);
    if (i < 0) return;
    const [p] = this.pending.splice(i, 1);
    // Accepted: its batch is already in the confirmed store. Refused: the view loses it.
    this.mutate(p!.ops, () => this.rebuildView());
    p!.resolve({
      writeId: result.write_id,
      accepted: result.accepted,
      version: result.version,
      reason: result.reason ?? null,
      text: result.text ?? "",
    });
  }

  // ---- the divergence check and its repair (a table sync of the one table that differs)

  /** The confirmed mirror's state hash of a table: what the server's DataStateHash is compared with. */
  confirmedTableHash(table: string): bigint {
    return this.confirmed ? tableHash(this.confirmed, this.schema.tableIndex(table)) : 0n;
  }

  /** Changes the confirmed mirror behind the server's back, so tests can see a repair. */
  corruptForTesting(tx: Transaction): void {
    this.mutate(tx.ops, () => {
      for (const op of tx.ops) this.confirmed!.apply(op);
      this.rebuildView();
    });
  }

  private mirrorsWhole(table: number): boolean {
    const tables = this.options.tables ?? [];
    return tables.length === 0 || tables.includes(this.schema.tables[table]!.name);
  }

  private onStateHash(hashes: Extract<AnyMessage, { name: "DataStateHash" }>["fields"]): void {
    for (const t of hashes.tables) {
      if (t.table >= BigInt(this.schema.tables.length)) throw new DataError("corrupt", `DataStateHash names table ${t.table}`);
    }
    // Compared only when the mirror holds exactly that version, outside any sync.
    if (this.state !== "ready" || !this.confirmed || this.assembly || this.tableSync || hashes.version !== this.confirmed.version) return;
    this.stateHashesChecked++;
    for (const t of hashes.tables) {
      const table = Number(t.table);
      if (!this.mirrorsWhole(table) || this.resyncAsked.has(table)) continue;
      const local = tableHash(this.confirmed, table);
      if (local === t.hash) continue;
      this.divergences.push({ table: this.schema.tables[table]!.name, version: hashes.version, serverHash: t.hash, localHash: local });
      this.resyncAsked.add(table);
      this.conn.send("DataResync", { table: t.table, version: hashes.version, local_hash: local });
    }
  }

  private onTableSyncBegin(begin: Extract<AnyMessage, { name: "DataSyncBegin" }>["fields"]): void {
    if (!this.confirmed || this.assembly) throw new DataError("state", "a table sync without a complete mirror");
    const table = begin.table ?? 0n;
    if (begin.schema_hash !== this.schema.hash || table >= BigInt(this.schema.tables.length) || begin.version < this.version) {
      throw new DataError("state", `table sync ${begin.sync_id} does not fit the mirror`);
    }
    const store = new DataStore(this.schema, begin.version);
    this.tableSync = { syncId: begin.sync_id, table: Number(table), chunks: 0, total: begin.chunks_total, store };
    if (begin.chunks_total === 0) this.finishTableSync();
  }

  private onTableChunk(chunk: Extract<AnyMessage, { name: "DataSnapshotChunk" }>["fields"]): void {
    const s = this.tableSync!;
    if (chunk.index !== s.chunks || (chunk.encoding ?? "plain") !== "plain") throw new DataError("state", `table sync chunk ${chunk.index}`);
    for (const op of decodeOps(this.schema, chunk.payload, chunk.entities)) {
      if (op.table !== s.table) throw new DataError("corrupt", `a table sync of table ${s.table} holds table ${op.table}`);
      s.store.apply(op);
    }
    if (++s.chunks === s.total) this.finishTableSync();
  }

  private finishTableSync(): void {
    const s = this.tableSync!;
    this.tableSync = null;
    // Every row of the table before and after, and what the pending writes touch. The other
    // tables already hold the sync's version: the server sends it behind every batch before it.
    const keys = (): EntityKey[] => [
      ...[...this.view!.tables[s.table]!.keys()].map((id): EntityKey => [s.table, id]),
      ...this.pending.flatMap((p) => p.ops).map((op): EntityKey => [op.table, op.entity]),
    ];
    this.changes.around(keys, () => {
      this.confirmed!.tables[s.table] = s.store.tables[s.table]!;
      this.confirmed!.version = s.store.version;
      this.rebuildView();
    });
    this.resyncAsked.delete(s.table);
    this.tableResyncs++;
  }

  /** The sync stops: waiting ready() calls fail, pending writes are rolled back and reported. */
  private refuse(text: string): void {
    this.state = "refused";
    this.refusal = text;
    this.assembly = null;
    this.tableSync = null;
    for (const w of this.readyWaiters.splice(0)) w.reject(new DataError("state", text));
    this.dropPending(text);
  }

  /** The session's role may not write: the server answers PermissionDenied on the control lane
   * instead of a DataWriteResult. Writes are checked in the order sent, so it is the oldest one
   * still pending; should a result overtake it (a role change), the confirmed store still holds
   * what the server committed, so the view converges either way. */
  private onWriteDenied(text: string): void {
    const p = this.pending.shift();
    if (p === undefined) return;
    this.mutate(p.ops, () => this.rebuildView());
    p.resolve({ writeId: p.writeId, accepted: false, version: 0n, reason: "permission_denied", text });
  }

  private dropPending(text: string): void {
    for (const p of this.pending.splice(0)) p.resolve({ writeId: p.writeId, accepted: false, version: 0n, reason: null, text });
    if (this.confirmed) this.mutateAll(() => this.rebuildView());
  }

  private scheduleAck(): void {
    if (this.ackTimer !== undefined) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = undefined;
      if (this.version !== this.acked) {
        this.acked = this.version;
        this.conn.send("DataAck", { version: this.version });
      }
    }, this.options.ackIntervalMs ?? 100);
  }

  private rebuildView(): void {
    this.view = this.confirmed!.clone();
    for (const p of this.pending) for (const op of p.ops) this.view.apply(op);
  }

  // ---- rows as the application sees them, and mutations reported through the change feed

  private rowOf(t: number, id: bigint): Row | undefined {
    const e = this.view?.tables[t]?.get(id);
    if (!e) return undefined;
    const spec = this.schema.tables[t]!;
    const row: Row = {};
    for (const [c, values] of [...e].sort((a, b) => a[0] - b[0])) {
      const comp = spec.components[c]!;
      row[comp.name] = Object.fromEntries(comp.fields.map((f, i) => [f.name, toUser(f, values[i]!)]));
    }
    return row;
  }

  /** A mutation touching the entities of `ops` (and, through the rebuilt view, of the pending writes). */
  private mutate(ops: Op[], change: () => void): void {
    this.changes.around(() => [...ops, ...this.pending.flatMap((p) => p.ops)].map((op): EntityKey => [op.table, op.entity]), change);
  }

  /** A mutation that may touch any row (a snapshot, a rollback of everything). */
  private mutateAll(change: () => void): void {
    this.changes.around(() => (this.view?.tables ?? []).flatMap((rows, t) => [...rows.keys()].map((id): EntityKey => [t, id])), change);
  }
}

export { Transaction };
export type { Change, Row, UserValue };
