// The decoders as borders: seeded random corruptions of valid frames, bodies, ops payloads and
// schema text give typed errors (ProtocolError, DataError) or a valid value, never anything else.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DataError, DataSchema, decodeBody, decodeFrame, decodeMessages, decodeOps, encodeMessage, encodeOps, ProtocolError } from "../src/index.js";
import { Transaction } from "../src/client_db.js";
import { referenceSchemaToml } from "./server.js";

/** xorshift32: the same seed gives the same corruptions on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

function mutate(next: () => number, good: Uint8Array): Uint8Array {
  const b = good.slice(0, next() % 4 === 0 ? next() % (good.length + 1) : good.length);
  const edits = 1 + (next() % 4);
  for (let i = 0; i < edits && b.length > 0; i++) b[next() % b.length] = next() & 0xff;
  return b;
}

function onlyTypedErrors(what: string, fn: () => unknown): number {
  try {
    fn();
    return 0;
  } catch (e) {
    assert.ok(e instanceof ProtocolError || e instanceof DataError, `${what}: ${String(e)}`);
    return 1;
  }
}

test("corrupted frames and bodies: typed errors only", () => {
  const next = rng(20261203);
  const frames = [
    encodeMessage("ChatMessage", { sender: 42n, channel: "all", text: "hello θ", server_tick: 3 }, 7),
    encodeMessage("DataSyncBegin", { sync_id: 1, mode: "full", version: 9n, schema_hash: 5n, schema_toml: "[schema]", entities_total: 1n, bytes_total: 2n, chunks_total: 1, dictionary_id: 0n }, 2),
    encodeMessage("InputBundle", { last_server_tick: 5, inputs: [{ tick: 1, sequence: 2, buttons: 3, yaw: 4, pitch: -5, block: { kind: "place", target: { x: 1, y: -2, z: 3 }, face: "up" }, inventory: null }] }, 1),
  ];
  let refused = 0;
  for (let i = 0; i < 20000; i++) {
    const frame = frames[i % frames.length]!;
    refused += onlyTypedErrors(`frame ${i}`, () => decodeMessages(mutate(next, frame)));
  }
  assert.ok(refused > 15000, `${refused} of 20000 refused`); // the CRC catches almost all
  // Bodies past the CRC: every message type's decoder on corrupted bodies of its own and others.
  const bodies = frames.map((f) => decodeFrame(f).entries[0]!.body);
  refused = 0;
  for (let i = 0; i < 40000; i++) {
    const body = mutate(next, bodies[i % bodies.length]!);
    refused += onlyTypedErrors(`body ${i}`, () => decodeBody(1 + (i % 37), body));
  }
  assert.ok(refused > 30000, `${refused} of 40000 refused`);
});

test("corrupted ops payloads and schema text: typed errors only", () => {
  const next = rng(7);
  const schema = DataSchema.fromToml(referenceSchemaToml());
  const tx = new Transaction(schema)
    .set("markers", 3, "marker", "label", "spawn")
    .set("markers", 3, "marker", "x", -4.5)
    .set("players", 9, "status", "health", -3)
    .removeEntity("markers", 4);
  const payload = encodeOps(schema, tx.ops);
  assert.deepEqual(decodeOps(schema, payload, tx.ops.length), tx.ops);
  let refused = 0;
  for (let i = 0; i < 20000; i++) {
    refused += onlyTypedErrors(`ops ${i}`, () => decodeOps(schema, mutate(next, payload), tx.ops.length));
  }
  assert.ok(refused > 1000, `${refused} of 20000 refused`);
  const text = new TextEncoder().encode(referenceSchemaToml());
  for (let i = 0; i < 2000; i++) {
    onlyTypedErrors(`schema ${i}`, () => DataSchema.fromToml(new TextDecoder().decode(mutate(next, text))));
  }
});
