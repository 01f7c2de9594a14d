// The dashboard in Chromium against a real `theta-net serve` with clients (started by
// tests/python/test_dashboard_live.py, which passes the addresses in the environment):
//   - GET / with no token on loopback; once its scripts ran, every connected client is listed by name;
//   - the numbers shown are the server's (/api/status, for the update the page shows);
//   - "Resync" with the admin token resyncs that client (the server's log and status say so);
//   - screenshots are saved as test artifacts.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { launch, watchErrors } from "./launch.mjs";

const url = process.env.THETA_DASHBOARD_URL;
const token = process.env.THETA_ADMIN_TOKEN;
const names = (process.env.THETA_CLIENT_NAMES ?? "").split(",").filter(Boolean);
const shots = process.env.THETA_SCREENSHOTS ?? "screenshots";
mkdirSync(shots, { recursive: true });

async function apiStatus() {
  const r = await fetch(new URL("api/status", url));
  return r.json();
}

// The page's rows as {name: {field: raw value}} and the update number they belong to.
async function shown(page) {
  return page.evaluate(() => {
    const rows = {};
    for (const tr of document.querySelectorAll("#clients tbody tr")) {
      const row = {};
      for (const td of tr.querySelectorAll("td[data-value]")) row[td.className] = JSON.parse(td.dataset.value);
      rows[tr.querySelector("td.name").textContent] = { ...row, session: tr.dataset.session };
    }
    return { update: Number(document.body.dataset.update), rows };
  });
}

test("the dashboard lists every client and shows the server's numbers", async () => {
  assert.ok(url && names.length > 0, "THETA_DASHBOARD_URL and THETA_CLIENT_NAMES are set by the pytest driver");
  const browser = await launch();
  const errors = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 960 } });
    watchErrors(page, errors);
    const response = await page.goto(url);
    assert.equal(response.status(), 200);
    for (const name of names) {
      await page.locator("#clients td.name", { hasText: new RegExp(`^${name}$`) }).waitFor({ timeout: 15000 });
    }
    // The page and the API agree on the same update (the API may be one ahead: read until equal).
    let matched = false;
    for (let attempt = 0; attempt < 40 && !matched; attempt++) {
      const before = await shown(page);
      const status = await apiStatus();
      if (status.update !== before.update) {
        await page.waitForTimeout(50);
        continue;
      }
      for (const c of status.clients) {
        const row = before.rows[c.name];
        assert.ok(row, `${c.name} is listed`);
        assert.equal(row.role, c.role);
        assert.equal(row.transport, c.transport);
        assert.equal(row.rtt, c.rtt_ms);
        assert.equal(row.loss, c.loss);
        assert.equal(row.down, c.rates.down_bps);
        assert.equal(row.up, c.rates.up_bps);
        assert.equal(row.queue, c.send_queue_bytes);
        assert.deepEqual(row.lag, c.data ? c.data.version_lag : null);
      }
      matched = true;
    }
    assert.ok(matched, "the page showed the API's update");
    const shownNames = Object.keys((await shown(page)).rows).sort();
    assert.deepEqual(shownNames, [...names].sort());
    await page.locator("#clients tbody tr").first().click();
    await page.locator("#lanes tbody tr").first().waitFor();
    await page.screenshot({ path: join(shots, "dashboard.png"), fullPage: true });
  } finally {
    await browser.close();
  }
  assert.deepEqual(errors, []);
});

test("Resync with the admin token resyncs that client", async () => {
  const browser = await launch();
  const errors = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 960 } });
    watchErrors(page, errors);
    await page.goto(url);
    const target = names[names.length - 1];
    const row = page.locator("#clients tbody tr", { has: page.locator("td.name", { hasText: new RegExp(`^${target}$`) }) });
    await row.waitFor({ timeout: 15000 });
    const session = await row.getAttribute("data-session");
    // Without the token the server refuses, and says why.
    await row.locator("button.resync").click();
    await page.locator("#notice.error", { hasText: "admin token" }).waitFor({ timeout: 5000 });
    await page.fill("#admin-token", token);
    await page.dispatchEvent("#admin-token", "change");
    await row.locator("button.resync").click();
    await page.locator("#notice.ok", { hasText: "done" }).waitFor({ timeout: 5000 });
    // The server's log shows the forced resync of that session, and the page shows the line.
    const line = page.locator(`#log li[data-kind="resync"]`, { hasText: session });
    await line.first().waitFor({ timeout: 10000 });
    // The client went through a full sync again and is synced.
    let synced = false;
    for (let i = 0; i < 100 && !synced; i++) {
      const status = await apiStatus();
      const c = status.clients.find((x) => x.name === target);
      synced = c && c.data && c.data.state === "synced" && c.data.forced_resyncs >= 1;
      if (!synced) await page.waitForTimeout(100);
    }
    assert.ok(synced, `${target} resynced and is synced again`);
    await page.selectOption("#log-kind", "resync");
    await page.screenshot({ path: join(shots, "dashboard-resync.png"), fullPage: true });
  } finally {
    await browser.close();
  }
  assert.deepEqual(errors, []);
});
