// The bundle (dist/theta_net.js) in Chromium: a page served from 127.0.0.1 (a secure context,
// so WebCrypto is there) connects to theta-net serve over WebSocket with its Origin allowed, runs
// the handshake with the browser's own Ed25519, syncs, and writes a marker that a node client sees.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";
import type { Browser } from "playwright-core";
import { ClientDB, DataSchema, ThetaConnection } from "../src/index.js";
import { PROTOCOL_MINOR } from "../src/generated/protocol.js";
import { referenceSchemaToml, startServer, until, WEB } from "./server.js";
import type { Server } from "./server.js";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
let server: Server;
let browser: Browser;
const page = createServer((req, res) => {
  if (req.url === "/theta_net.js") {
    res.setHeader("content-type", "text/javascript");
    res.end(readFileSync(resolve(WEB, "dist/theta_net.js")));
    return;
  }
  res.setHeader("content-type", "text/html");
  res.end('<!doctype html><script type="module">import * as theta from "/theta_net.js"; window.theta = theta;</script>');
});

before(async () => {
  await new Promise<void>((r) => page.listen(0, "127.0.0.1", r));
  const origin = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
  server = await startServer(30, ["--ws-origin", origin]);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
});
after(async () => {
  await browser?.close();
  server?.stop();
  page.close();
});

test("the bundle in Chromium: handshake, full sync and a write a node client sees", async () => {
  const tab = await browser.newPage();
  await tab.goto(`http://127.0.0.1:${(page.address() as AddressInfo).port}/`);
  await tab.waitForFunction(() => "theta" in window);
  const node = await ThetaConnection.connect(server.url, { clientName: "node-side" });
  const db = new ClientDB(node, { schema: DataSchema.fromToml(referenceSchemaToml()) });
  db.subscribe();
  await db.ready();
  try {
    const result = await tab.evaluate(
      async ({ url, toml }) => {
        const t = (window as any).theta;
        const conn = await t.ThetaConnection.connect(url, { clientName: "browser" });
        const mirror = new t.ClientDB(conn, { schema: t.DataSchema.fromToml(toml) });
        mirror.subscribe();
        await mirror.ready();
        const verdict = await mirror.write(mirror.transaction().set("markers", 424242, "marker", "label", "from chromium"));
        return { role: conn.session.role, minor: conn.session.minor, players: mirror.ids("players").length, accepted: verdict.accepted };
      },
      { url: server.url, toml: referenceSchemaToml() },
    );
    assert.deepEqual(result, { role: "editor", minor: PROTOCOL_MINOR, players: 2, accepted: true });
    await until(() => db.get("markers", 424242) !== undefined, 5000, "the browser's marker");
    assert.equal(db.get("markers", 424242)!.marker!.label, "from chromium");
  } finally {
    db.close();
    node.close();
    await tab.close();
  }
});
