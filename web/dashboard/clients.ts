// The clients table: one row per connected session, with its plots and action buttons, and the
// per-lane and per-message-type breakdown of the selected one.
import { bytes, bytesPerSecond, cell, millis, percent } from "./format.js";
import { sparkline } from "./sparkline.js";
import type { ClientStatus, Counters, Rates } from "./status.js";

export type Series = Record<string, number[]>;
export type Act = (action: "resync" | "kick", client: ClientStatus) => void;

function syncText(c: ClientStatus): string {
  const data = c.data;
  if (!data) return "-";
  if (data.state === "syncing" && data.entities_total > 0) {
    return `syncing ${((data.entities_sent / data.entities_total) * 100).toFixed(0)} %`;
  }
  return data.forced_resyncs > 0 ? `${data.state} (${data.forced_resyncs} forced)` : data.state;
}

// The client's last reported frame times (p50 / p99), with its slow-frame alerts.
function frameText(c: ClientStatus): string {
  const t = c.telemetry;
  if (!t) return "-";
  const text = `${millis(t.frame_ms_p50)} / ${millis(t.frame_ms_p99)}`;
  return t.alerts > 0 ? `${text} (${t.alerts} slow)` : text;
}

export function renderClients(
  body: HTMLTableSectionElement,
  clients: ClientStatus[],
  history: Map<string, Series>,
  selected: string | null,
  select: (session: string) => void,
  act: Act,
): void {
  const rows: HTMLTableRowElement[] = [];
  for (const c of clients) {
    const tr = document.createElement("tr");
    tr.dataset.session = c.session;
    if (c.session === selected) tr.classList.add("selected");
    tr.addEventListener("click", () => select(c.session));
    const rates = c.rates ?? { down_bps: 0, up_bps: 0 };
    tr.append(
      cell(c.name || "(unnamed)", c.name, "name"),
      cell(c.role, c.role, "role"),
      cell(c.transport, c.transport, "transport"),
      cell(millis(c.rtt_ms), c.rtt_ms, "rtt"),
      cell(percent(c.loss), c.loss, "loss"),
      cell(bytesPerSecond(rates.down_bps), rates.down_bps, "down"),
      cell(bytesPerSecond(rates.up_bps), rates.up_bps, "up"),
      cell(bytes(c.send_queue_bytes), c.send_queue_bytes, "queue"),
      cell(c.data ? bytes(c.data.queue_bytes) : "-", c.data ? c.data.queue_bytes : null, "data-queue"),
      cell(syncText(c), c.data ? c.data.state : null, "sync"),
      cell(c.data ? String(c.data.version_lag) : "-", c.data ? c.data.version_lag : null, "lag"),
      cell(frameText(c), c.telemetry ? c.telemetry.frame_ms_p99 : null, "frame"),
    );
    const plots = document.createElement("td");
    plots.className = "plots";
    const series = history.get(c.session);
    if (series) {
      plots.append(
        sparkline(series.down_bps ?? [], bytesPerSecond, "#2a6fdb"),
        sparkline(series.rtt_ms ?? [], millis, "#d9822b"),
      );
    }
    const buttons = document.createElement("td");
    buttons.className = "actions";
    for (const action of ["resync", "kick"] as const) {
      const b = document.createElement("button");
      b.className = action;
      b.textContent = action === "resync" ? "Resync" : "Kick";
      b.title = action === "resync" ? "force a full resync of this client's data" : "disconnect this client";
      b.addEventListener("click", (e) => {
        e.stopPropagation();
        act(action, c);
      });
      buttons.append(b);
    }
    tr.append(plots, buttons);
    rows.push(tr);
  }
  body.replaceChildren(...rows);
}

function breakdown(
  body: HTMLTableSectionElement,
  counters: Record<string, Counters>,
  rates: Record<string, Rates> | undefined,
): void {
  const names = Object.keys(counters).sort();
  body.replaceChildren(
    ...names.map((name) => {
      const c = counters[name];
      const r = rates?.[name] ?? { down_bps: 0, up_bps: 0 };
      const tr = document.createElement("tr");
      tr.dataset.name = name;
      tr.append(
        cell(name, name, "name"),
        cell(bytesPerSecond(r.down_bps), r.down_bps, "down"),
        cell(bytesPerSecond(r.up_bps), r.up_bps, "up"),
        cell(String(c.messages_sent ?? 0), c.messages_sent ?? 0, "messages-sent"),
        cell(bytes(c.bytes_sent ?? 0), c.bytes_sent ?? 0, "bytes-sent"),
        cell(String(c.messages_received ?? 0), c.messages_received ?? 0, "messages-received"),
        cell(bytes(c.bytes_received ?? 0), c.bytes_received ?? 0, "bytes-received"),
      );
      return tr;
    }),
  );
}

export function renderDetail(root: HTMLElement, client: ClientStatus | undefined): void {
  const title = root.querySelector("h2 .who") as HTMLElement;
  const lanes = root.querySelector("#lanes tbody") as HTMLTableSectionElement;
  const types = root.querySelector("#message-types tbody") as HTMLTableSectionElement;
  if (!client) {
    title.textContent = "(click a client)";
    lanes.replaceChildren();
    types.replaceChildren();
    return;
  }
  title.textContent = `${client.name} (${client.session})`;
  breakdown(lanes, client.lanes ?? {}, client.rates?.lanes);
  breakdown(types, client.messages ?? {}, client.rates?.messages);
}
