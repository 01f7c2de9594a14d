// ClientDB against a real server: full sync of the reference game's tables, deltas made by
// another client, a write accepted and seen by the other client, a refused write rolled back.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ClientDB, DataSchema, ThetaConnection } from "../src/index.js";
import type { Change } from "../src/index.js";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { CLI, referenceSchemaToml, ROOT, startServer, until } from "./server.js";
import type { Server } from "./server.js";

let server: Server;
const schema = DataSchema.fromToml(referenceSchemaToml());

async function mirror(name: string): Promise<{ conn: ThetaConnection; db: ClientDB }> {
  const conn = await ThetaConnection.connect(server.url, { clientName: name });
  const db = new ClientDB(conn, { schema });
  db.subscribe();
  await db.ready();
  return { conn, db };
}

before(async () => {
  server = await startServer(40);
});
after(() => server?.stop());

test("full sync: the reference tables with progress, the players row of each connected client", async () => {
  const w = await mirror("seeder");
  for (let i = 0; i < 20; i++) {
    assert.equal((await w.db.write(w.db.transaction().set("markers", 100 + i, "marker", "label", `m${i}`))).accepted, true);
  }
  const conn = await ThetaConnection.connect(server.url, { clientName: "alice" });
  const a = { conn, db: new ClientDB(conn, { schema }) };
  const progress: bigint[] = [];
  a.db.onProgress((p) => progress.push(p.entitiesDone));
  a.db.subscribe();
  await a.db.ready();
  try {
    assert.ok(progress.length >= 1, "no SyncProgress");
    assert.equal(progress[progress.length - 1], a.db.progress.entitiesTotal);
    assert.ok(a.db.progress.entitiesTotal >= 21n, `${a.db.progress.entitiesTotal} entities`);
    for (let i = 0; i < 20; i++) assert.equal(a.db.get("markers", 100 + i)!.marker!.label, `m${i}`);
    assert.equal(a.db.state, "ready");
    assert.ok(a.db.version > 0n);
    // Every connected session has a row in players, kept by the server.
    await until(() => a.db.ids("players").length >= 1, 5000, "a players row");
    const row = a.db.get("players", a.db.ids("players")[0]!)!;
    assert.equal(typeof row.status!.name, "string");
    assert.equal(row.status!.health, 20);
    assert.deepEqual(a.db.errors, []);
  } finally {
    for (const m of [a, w]) {
      m.db.close();
      m.conn.close();
    }
  }
});

test("deltas, an accepted write seen by another client, and a refused write rolled back", async () => {
  const a = await mirror("writer");
  const b = await mirror("reader");
  try {
    const seen: Change[] = [];
    b.db.subscribeTable("markers", (c) => seen.push(c));
    const rowSeen: Change[] = [];
    const id = 1000n + BigInt(Date.now() % 100000);
    b.db.subscribeRow("markers", id, (c) => rowSeen.push(c));

    // A delta from another client: b's players row appears in a's mirror.
    await until(() => a.db.ids("players").length >= 2, 5000, "the second player's row");

    const tx = a.db.transaction().set("markers", id, "marker", "label", "spawn").set("markers", id, "marker", "x", 12.5);
    tx.set("markers", id, "marker", "colour", "green");
    const pending = a.db.write(tx);
    // Optimistic: visible at once in the writer's view.
    assert.equal(a.db.get("markers", id)!.marker!.label, "spawn");
    const result = await pending;
    assert.equal(result.accepted, true, result.text);
    assert.ok(result.version > 0n);
    await until(() => b.db.get("markers", id) !== undefined, 5000, "the marker at the other client");
    const marker = b.db.get("markers", id)!.marker!;
    assert.equal(marker.label, "spawn");
    assert.equal(marker.x, 12.5);
    assert.equal(marker.colour, "green");
    assert.ok(seen.some((c) => c.entity === id && c.kind === "insert"));
    assert.equal(rowSeen.length, 1);

    // Clients may not write the players table: refused, and the optimistic change rolled back.
    const player = a.db.ids("players")[0]!;
    const before = a.db.get("players", player)!.status!.health;
    const rolledBack: Change[] = [];
    a.db.subscribeRow("players", player, (c) => rolledBack.push(c));
    const refused = a.db.write(a.db.transaction().set("players", player, "status", "health", 1));
    assert.equal(a.db.get("players", player)!.status!.health, 1);
    const verdict = await refused;
    assert.equal(verdict.accepted, false);
    assert.equal(verdict.reason, "not_allowed");
    assert.equal(a.db.get("players", player)!.status!.health, before);
    assert.ok(rolledBack.length >= 2, "the change and its rollback were both reported");

    // A removal travels too.
    assert.equal((await a.db.write(a.db.transaction().removeEntity("markers", id))).accepted, true);
    await until(() => b.db.get("markers", id) === undefined, 5000, "the removal at the other client");
    assert.ok(seen.some((c) => c.entity === id && c.kind === "remove"));
    assert.deepEqual([...a.db.errors, ...b.db.errors], []);
    assert.deepEqual([...a.conn.errors, ...b.conn.errors], []);
    // The server's per-table state hashes agree with both mirrors: equal byte for byte.
    await until(() => a.db.stateHashesChecked > 0 && b.db.stateHashesChecked > 0, 5000, "a state hash compared");
    assert.deepEqual([...a.db.divergences, ...b.db.divergences], []);
  } finally {
    for (const m of [a, b]) {
      m.db.close();
      m.conn.close();
    }
  }
});

test("a mirror of another data schema is refused by the server, naming both hashes", async () => {
  const conn = await ThetaConnection.connect(server.url, { clientName: "wrong-schema" });
  const other = DataSchema.fromToml(readFileSync(resolve(ROOT, "examples/data/arena.toml"), "utf8"));
  const db = new ClientDB(conn, { schema: other });
  try {
    db.subscribe();
    await assert.rejects(db.ready(), /schema_mismatch/);
    assert.equal(db.state, "refused");
    assert.match(db.refusal, /schema_mismatch/);
    const hex = (h: bigint) => `0x${h.toString(16).padStart(16, "0")}`;
    assert.ok(db.refusal.includes(hex(schema.hash)) && db.refusal.includes(hex(other.hash)), db.refusal);
  } finally {
    db.close();
    conn.close();
  }
});

test("a write with a value outside its field's range is refused before it is sent", async () => {
  const a = await mirror("ranges");
  try {
    assert.throws(() => a.db.transaction().set("markers", 1, "marker", "colour", "purple"));
    assert.throws(() => a.db.transaction().set("markers", 1, "marker", "label", "x".repeat(33)));
    assert.throws(() => a.db.transaction().set("markers", 1, "marker", "owner", -1));
  } finally {
    a.db.close();
    a.conn.close();
  }
});

test("a mirror broken behind the server's back is found by the state hash and repaired by a table sync", async () => {
  const a = await mirror("repair-writer");
  const b = await mirror("repair-victim");
  try {
    const id = 5000n + BigInt(Date.now() % 100000);
    assert.equal((await a.db.write(a.db.transaction().set("markers", id, "marker", "label", "true"))).accepted, true);
    await until(() => b.db.get("markers", id) !== undefined, 5000, "the marker");
    b.db.corruptForTesting(b.db.transaction().set("markers", id, "marker", "label", "false"));
    assert.equal(b.db.get("markers", id)!.marker!.label, "false");
    // The next version publishes the hashes; b finds markers differ, asks again, gets it whole.
    assert.equal((await a.db.write(a.db.transaction().set("markers", id + 1n, "marker", "label", "next"))).accepted, true);
    await until(() => b.db.tableResyncs === 1, 5000, "the table resync");
    assert.equal(b.db.divergences.length, 1);
    assert.equal(b.db.divergences[0]!.table, "markers");
    assert.equal(b.db.get("markers", id)!.marker!.label, "true");
    await until(() => b.db.version === a.db.version, 5000, "equal versions");
    assert.equal(b.db.confirmedTableHash("markers"), a.db.confirmedTableHash("markers"));
    assert.deepEqual([...a.db.errors, ...b.db.errors], []);
  } finally {
    for (const m of [a, b]) {
      m.db.close();
      m.conn.close();
    }
  }
});

test("a theta-net connect process joining over WebSocket appears as a players row (a delta)", async () => {
  const a = await mirror("watcher");
  const joined: string[] = [];
  a.db.subscribeTable("players", (c) => {
    if (c.kind === "insert") joined.push(String(c.row!.status!.name));
  });
  const bot = spawn(CLI, ["connect", "--transport", "ws", `127.0.0.1:${server.port}`, "--name", "cli-bot", "--no-walk", "--no-build", "--duration", "4"], {
    stdio: "ignore",
  });
  try {
    await until(() => joined.includes("cli-bot"), 10000, "the connect process's players row");
    const row = a.db.ids("players").map((id) => a.db.get("players", id)!).find((r) => r.status!.name === "cli-bot")!;
    assert.equal(row.status!.health, 20);
  } finally {
    bot.kill("SIGKILL");
    a.db.close();
    a.conn.close();
  }
});
