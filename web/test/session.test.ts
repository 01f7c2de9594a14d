// The handshake against a real server, and the decoders' borders with corrupt bytes.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  decodeBody,
  decodeFrame,
  decodeMessages,
  encodeBody,
  encodeMessage,
  PROTOCOL_MINOR,
  ProtocolError,
  ThetaConnection,
} from "../src/index.js";
import { decode as referenceDecode } from "@msgpack/msgpack";
import { startServer } from "./server.js";
import type { Server } from "./server.js";

let server: Server;
before(async () => {
  server = await startServer(30);
});
after(() => server?.stop());

test("the handshake gives a session id, the server's default role and the negotiated minor", async () => {
  const conn = await ThetaConnection.connect(server.url, { clientName: "ts-handshake" });
  try {
    assert.ok(conn.session.sessionId > 0n);
    assert.equal(conn.session.role, "editor");
    assert.equal(conn.session.minor, PROTOCOL_MINOR);
    assert.equal(conn.session.serverKey.length, 32);
    // The server answers our pings: an RTT figure arrives.
    await new Promise((r) => setTimeout(r, 1300));
    assert.ok(conn.rttUs > 0, "no pong");
    assert.deepEqual(conn.errors, []);
  } finally {
    conn.close();
  }
});

test("two clients get two sessions", async () => {
  const [a, b] = await Promise.all([ThetaConnection.connect(server.url), ThetaConnection.connect(server.url)]);
  assert.notEqual(a.session.sessionId, b.session.sessionId);
  a.close();
  b.close();
});

test("what the server sends decodes, re-encodes to the same bytes, and agrees with @msgpack/msgpack", async () => {
  const conn = await ThetaConnection.connect(server.url, { clientName: "ts-capture" });
  const frames: Uint8Array[] = [];
  conn.onFrame((_, frame) => frames.push(frame.slice()));
  await new Promise((r) => setTimeout(r, 1200));
  conn.close();
  const names = new Set<string>();
  for (const frame of frames) {
    const entries = decodeFrame(frame).entries;
    for (const { type, body } of entries) {
      const message = decodeBody(type, body);
      names.add(message.name);
      // The client writes the forms C++ writes: a decoded body re-encodes to its own bytes.
      const again = encodeBody(message.name, message.fields as never, conn.session.minor);
      assert.deepEqual(again, body, message.name);
      // An independent msgpack reading of the body sees the same array our decoder read.
      const reference = referenceDecode(body, { useBigInt64: true }) as unknown[];
      assert.ok(Array.isArray(reference) && reference.length === Object.keys(message.fields).length, message.name);
    }
  }
  for (const name of ["ChunkData", "EntityDelta", "OwnPlayerState"]) assert.ok(names.has(name), `no ${name} in ${[...names]}`);
});

function expectProtocolError(fn: () => unknown, code: string) {
  assert.throws(fn, (e: unknown) => e instanceof ProtocolError && e.code === code, `expected ProtocolError ${code}`);
}

test("corrupt frames are typed errors: magic, version, flags, length, CRC, batch", () => {
  const good = encodeMessage("ChatMessage", { sender: 42n, channel: "all", text: "hi", server_tick: 3 }, 7);
  assert.equal(decodeMessages(good).messages[0]!.name, "ChatMessage");
  const flip = (i: number, v: number) => {
    const b = good.slice();
    b[i] = v;
    return b;
  };
  expectProtocolError(() => decodeFrame(flip(0, 0)), "corrupt");
  expectProtocolError(() => decodeFrame(flip(2, 2)), "range");
  expectProtocolError(() => decodeFrame(flip(3, 0x80)), "corrupt");
  expectProtocolError(() => decodeFrame(flip(3, 2)), "corrupt"); // batch flag on a typed frame
  expectProtocolError(() => decodeFrame(good.subarray(0, good.length - 1)), "truncated");
  expectProtocolError(() => decodeFrame(flip(good.length - 1, good[good.length - 1]! ^ 1)), "corrupt");
  expectProtocolError(() => decodeFrame(good, 2), "limit");
  // Every truncation and every single-byte change is refused with a typed error, never a crash.
  for (let n = 0; n < good.length; n++) assert.throws(() => decodeMessages(good.subarray(0, n)), ProtocolError);
  for (let i = 0; i < good.length - 4; i++) {
    for (const x of [0x00, 0xff, 0x80, 0x7f]) {
      const b = flip(i, x);
      if (b[i] === good[i]) continue;
      assert.throws(() => decodeMessages(b), ProtocolError);
    }
  }
});

test("corrupt bodies are typed errors naming the message and field", () => {
  const ack = encodeBody("DataWriteResult", { write_id: 1, accepted: true, version: 5n, reason: null, text: "" });
  assert.deepEqual(decodeBody(28, ack).fields, { write_id: 1, accepted: true, version: 5n, reason: null, text: "" });
  const cases: [Uint8Array, string, string][] = [
    [Uint8Array.from([0x91, 0xc0]), "type", "DataAck.version"], // nil in a required field
    [Uint8Array.from([0x90]), "truncated", "DataAck.version"], // missing without default
    [Uint8Array.from([0x91, 0xd0, 0xff]), "range", "DataAck.version"], // -1 in a u64
    [Uint8Array.from([0x91, 0x01, 0x01]), "corrupt", "DataAck"], // bytes after the array
    [Uint8Array.from([0xdd, 0xff, 0xff, 0xff, 0xff]), "truncated", "DataAck"], // a huge count
    [Uint8Array.from([0x94, 0x07, 0xa3, 0x61, 0xff, 0x62, 0x00]), "range", "ChatMessage"], // bad UTF-8
    [Uint8Array.from([0x92, 0x05, 0x00]), "range", "Heartbeat.kind"], // unknown enum value
  ];
  for (const [body, code, where] of cases) {
    const id = where.startsWith("DataAck") ? 29 : where.startsWith("Chat") ? 12 : 4;
    assert.throws(
      () => decodeBody(id, body),
      (e: unknown) => e instanceof ProtocolError && e.code === code && e.message.startsWith(where),
      `${where} ${code}`,
    );
  }
  expectProtocolError(() => decodeBody(999, Uint8Array.from([0x90])), "unknown_message");
  // Encoding refuses what the schema's bounds refuse, naming the field.
  assert.throws(
    () => encodeBody("SessionHello", { protocol_major: 1, protocol_minor: 3, schema_hash: 1n, schema_hashes: [1n], client_nonce: new Uint8Array(15), capabilities: 0, public_key: new Uint8Array(32) }),
    (e: unknown) => e instanceof ProtocolError && e.where === "SessionHello.client_nonce",
  );
});
