// The dashboard page: connects to the server's /live WebSocket, keeps a short history per client
// for the plots, and renders every status it is sent. Actions (resync, kick) go back over the
// same socket with the admin token typed into the page (kept for this tab only).
import { renderClients, renderDetail, type Series } from "./clients.js";
import { millis, seconds } from "./format.js";
import { NetworkLog, renderConflicts } from "./log_view.js";
import type { ClientStatus, LiveMessage, ServerStatus } from "./status.js";

const SAMPLES = 120;
const $ = <T extends HTMLElement>(selector: string) => document.querySelector(selector) as T;

const history = new Map<string, Series>();
let latest: ServerStatus | null = null;
let selected: string | null = null;
let socket: WebSocket | null = null;
let requests = 0;

const log = new NetworkLog($("#log"), $("#log-kind"), $("#log-filter"));
const tokenInput = $<HTMLInputElement>("#admin-token");
tokenInput.value = sessionStorage.getItem("theta-admin-token") ?? "";
$("#token-form").addEventListener("submit", (e) => e.preventDefault());
tokenInput.addEventListener("change", () => sessionStorage.setItem("theta-admin-token", tokenInput.value));

function pageToken(): string | null {
  return new URLSearchParams(location.search).get("token");
}

function remember(status: ServerStatus): void {
  const present = new Set<string>();
  for (const c of status.clients) {
    present.add(c.session);
    const s = history.get(c.session) ?? { rtt_ms: [], down_bps: [], up_bps: [] };
    s.rtt_ms.push(c.rtt_ms);
    s.down_bps.push(c.rates?.down_bps ?? 0);
    s.up_bps.push(c.rates?.up_bps ?? 0);
    for (const values of Object.values(s)) if (values.length > SAMPLES) values.splice(0, values.length - SAMPLES);
    history.set(c.session, s);
  }
  for (const id of [...history.keys()]) if (!present.has(id)) history.delete(id);
}

function notice(text: string, ok: boolean): void {
  const el = $("#notice");
  el.textContent = text;
  el.className = ok ? "ok" : "error";
}

function act(action: "resync" | "kick", client: ClientStatus): void {
  if (!socket || socket.readyState !== WebSocket.OPEN) return notice("not connected", false);
  const id = ++requests;
  socket.send(
    JSON.stringify({ type: "action", id, action, session: client.session, token: tokenInput.value }),
  );
  notice(`${action} of ${client.name} asked…`, true);
}

function render(): void {
  if (!latest) return;
  const s = latest.server;
  $("#tick").textContent = String(s.tick);
  $("#client-count").textContent = String(latest.clients.length);
  $("#uptime").textContent = seconds(s.time_ms);
  $("#tick-ms").textContent = s.tick_times
    ? `${millis(s.tick_times.mean_ms)} (p99 ${millis(s.tick_times.p99_ms)})`
    : "-";
  $("#data-version").textContent = String(s.data_version ?? "-");
  renderClients($("#clients tbody"), latest.clients, history, selected, (id) => {
    selected = id;
    render();
  }, act);
  renderDetail($("#detail"), latest.clients.find((c) => c.session === selected));
  renderConflicts($("#conflicts tbody"), latest.conflicts?.recent ?? []);
  $("#conflict-count").textContent = latest.conflicts
    ? `${latest.conflicts.total} in all`
    : "(this server does not resolve conflicts: no signed commands)";
  document.body.dataset.update = String(latest.update);
}

function onMessage(message: LiveMessage): void {
  if (message.type === "hello") {
    for (const [id, series] of Object.entries(message.history)) {
      history.set(id, { rtt_ms: series.rtt_ms ?? [], down_bps: series.down_bps ?? [], up_bps: series.up_bps ?? [] });
    }
    log.add(message.log);
    if (!message.admin_configured) tokenInput.placeholder = "no admin token configured: actions are off";
  } else if (message.type === "status") {
    latest = message.status;
    remember(latest);
    log.add(latest.log ?? []);
    render();
  } else if (message.type === "action_result") {
    notice(message.ok ? "done: the server carries it out now (see the log)" : `refused: ${message.error}`, message.ok);
  }
}

function connect(): void {
  const url = new URL("/live", location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  const token = pageToken();
  if (token) url.searchParams.set("token", token);
  socket = new WebSocket(url);
  socket.addEventListener("open", () => {
    $("#connection").textContent = "live";
    $("#connection").className = "live";
  });
  socket.addEventListener("message", (e) => onMessage(JSON.parse(String(e.data)) as LiveMessage));
  socket.addEventListener("close", () => {
    $("#connection").textContent = "disconnected: retrying";
    $("#connection").className = "down";
    setTimeout(connect, 1000);
  });
}

connect();
