// Figures for docs/web.md: handshake time, a full sync's time, frame decoding time, against a
// real theta-net serve on loopback. `npm run bench` (after `npm ci`).
import { ClientDB, DataSchema, decodeMessages, encodeMessage, ThetaConnection } from "../src/index.js";
import { referenceSchemaToml, startServer } from "../test/server.js";

const server = await startServer(60);
try {
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    const c = await ThetaConnection.connect(server.url);
    times.push(performance.now() - t0);
    c.close();
  }
  times.sort((a, b) => a - b);
  console.log(`handshake (WebCrypto Ed25519, loopback): median ${times[10]!.toFixed(1)} ms, p90 ${times[18]!.toFixed(1)} ms`);

  const schema = DataSchema.fromToml(referenceSchemaToml());
  const w = await ThetaConnection.connect(server.url);
  const writer = new ClientDB(w, { schema });
  writer.subscribe();
  await writer.ready();
  const writes: Promise<unknown>[] = [];
  for (let i = 0; i < 500; i++) {
    writes.push(writer.write(writer.transaction().set("markers", 10000 + i, "marker", "label", `m${i}`).set("markers", 10000 + i, "marker", "x", i)));
  }
  await Promise.all(writes);
  const t0 = performance.now();
  const c = await ThetaConnection.connect(server.url);
  const db = new ClientDB(c, { schema });
  db.subscribe();
  await db.ready();
  console.log(`connect + full sync of ${db.ids("markers").length} markers: ${(performance.now() - t0).toFixed(1)} ms`);

  const frame = encodeMessage("ChatMessage", { sender: 1n, channel: "all", text: "hello world", server_tick: 1 }, 1);
  const t1 = performance.now();
  for (let i = 0; i < 100000; i++) decodeMessages(frame);
  console.log(`decode a ${frame.length}-byte ChatMessage frame: ${((performance.now() - t1) / 100).toFixed(2)} us`);
  for (const x of [db, writer]) x.close();
  c.close();
  w.close();
} finally {
  server.stop();
}
