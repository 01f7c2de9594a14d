// Tokens and roles over WebSocket: a server that requires tokens refuses a hello without one
// (SessionReject, with its sentence), gives each token its role, and a viewer's data write is
// refused by the permission table while its mirror still syncs.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ClientDB, DataSchema, ProtocolError, ThetaConnection } from "../src/index.js";
import { referenceSchemaToml, startServer } from "./server.js";
import type { Server } from "./server.js";

let server: Server;
before(async () => {
  server = await startServer(30, ["--token", "watch:viewer", "--token", "build:editor", "--motd", "welcome"]);
});
after(() => server?.stop());

test("a hello without a token is rejected with the server's reason", async () => {
  await assert.rejects(
    ThetaConnection.connect(server.url),
    (e: unknown) => e instanceof ProtocolError && /auth_required/.test(e.message) && /schema 0x[0-9a-f]{16}/.test(e.message),
  );
  await assert.rejects(ThetaConnection.connect(server.url, { authToken: "nope" }), /auth_invalid/);
});

test("each token gets its role, signed into the transcript; the motd arrives", async () => {
  const viewer = await ThetaConnection.connect(server.url, { authToken: "watch" });
  const editor = await ThetaConnection.connect(server.url, { authToken: "build" });
  try {
    assert.equal(viewer.session.role, "viewer");
    assert.equal(editor.session.role, "editor");
    assert.equal(viewer.session.motd, "welcome");
  } finally {
    viewer.close();
    editor.close();
  }
});

test("a viewer mirrors the data; its write is refused with PermissionDenied and rolled back", async () => {
  const conn = await ThetaConnection.connect(server.url, { authToken: "watch" });
  const denied: string[] = [];
  conn.onMessage((m) => {
    if (m.name === "PermissionDenied") denied.push(m.fields.text);
  });
  const db = new ClientDB(conn, { schema: DataSchema.fromToml(referenceSchemaToml()) });
  try {
    db.subscribe();
    await db.ready();
    const write = db.write(db.transaction().set("markers", 77, "marker", "label", "nope"));
    assert.equal(db.get("markers", 77)!.marker!.label, "nope");
    const verdict = await write;
    assert.equal(verdict.accepted, false);
    assert.equal(verdict.reason, "permission_denied");
    assert.match(verdict.text, /DataWrite/);
    assert.deepEqual(denied, [verdict.text]);
    assert.equal(db.get("markers", 77), undefined, "rolled back");
    assert.deepEqual(db.errors, []);
  } finally {
    db.close();
    conn.close();
  }
});
