// dashboard/format.ts
function bytesPerSecond(value) {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} MB/s`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} kB/s`;
  return `${Math.round(value)} B/s`;
}
function bytes(value) {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} MB`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} kB`;
  return `${Math.round(value)} B`;
}
function millis(value) {
  return `${value.toFixed(1)} ms`;
}
function percent(fraction) {
  return `${(fraction * 100).toFixed(2)} %`;
}
function seconds(ms) {
  return `${(ms / 1e3).toFixed(1)} s`;
}
function cell(text, value, className) {
  const td = document.createElement("td");
  td.className = className;
  td.textContent = text;
  td.dataset.value = JSON.stringify(value ?? null);
  return td;
}

// dashboard/sparkline.ts
function sparkline(values, label, color) {
  const canvas = document.createElement("canvas");
  const width = 120;
  const height = 28;
  canvas.width = width;
  canvas.height = height;
  canvas.className = "spark";
  const max = Math.max(1e-9, ...values);
  canvas.title = `max ${label(max)} over the last ${values.length} samples`;
  const g = canvas.getContext("2d");
  if (!g || values.length === 0) return canvas;
  g.strokeStyle = color;
  g.lineWidth = 1.5;
  g.beginPath();
  const step = values.length > 1 ? width / (values.length - 1) : width;
  values.forEach((v, i) => {
    const x = i * step;
    const y = height - 2 - v / max * (height - 10);
    if (i === 0) g.moveTo(x, y);
    else g.lineTo(x, y);
  });
  g.stroke();
  g.fillStyle = "#666";
  g.font = "9px sans-serif";
  g.fillText(label(max), 2, 9);
  return canvas;
}

// dashboard/clients.ts
function syncText(c) {
  const data = c.data;
  if (!data) return "-";
  if (data.state === "syncing" && data.entities_total > 0) {
    return `syncing ${(data.entities_sent / data.entities_total * 100).toFixed(0)} %`;
  }
  return data.forced_resyncs > 0 ? `${data.state} (${data.forced_resyncs} forced)` : data.state;
}
function frameText(c) {
  const t = c.telemetry;
  if (!t) return "-";
  const text = `${millis(t.frame_ms_p50)} / ${millis(t.frame_ms_p99)}`;
  return t.alerts > 0 ? `${text} (${t.alerts} slow)` : text;
}
function renderClients(body, clients, history2, selected2, select, act2) {
  const rows = [];
  for (const c of clients) {
    const tr = document.createElement("tr");
    tr.dataset.session = c.session;
    if (c.session === selected2) tr.classList.add("selected");
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
      cell(frameText(c), c.telemetry ? c.telemetry.frame_ms_p99 : null, "frame")
    );
    const plots = document.createElement("td");
    plots.className = "plots";
    const series = history2.get(c.session);
    if (series) {
      plots.append(
        sparkline(series.down_bps ?? [], bytesPerSecond, "#2a6fdb"),
        sparkline(series.rtt_ms ?? [], millis, "#d9822b")
      );
    }
    const buttons = document.createElement("td");
    buttons.className = "actions";
    for (const action of ["resync", "kick"]) {
      const b = document.createElement("button");
      b.className = action;
      b.textContent = action === "resync" ? "Resync" : "Kick";
      b.title = action === "resync" ? "force a full resync of this client's data" : "disconnect this client";
      b.addEventListener("click", (e) => {
        e.stopPropagation();
        act2(action, c);
      });
      buttons.append(b);
    }
    tr.append(plots, buttons);
    rows.push(tr);
  }
  body.replaceChildren(...rows);
}
function breakdown(body, counters, rates) {
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
        cell(bytes(c.bytes_received ?? 0), c.bytes_received ?? 0, "bytes-received")
      );
      return tr;
    })
  );
}
function renderDetail(root, client) {
  const title = root.querySelector("h2 .who");
  const lanes = root.querySelector("#lanes tbody");
  const types = root.querySelector("#message-types tbody");
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

// dashboard/log_view.ts
var NetworkLog = class {
  constructor(list, kinds, filter, capacity = 2e3) {
    this.list = list;
    this.kinds = kinds;
    this.filter = filter;
    this.capacity = capacity;
    kinds.addEventListener("change", () => this.render());
    filter.addEventListener("input", () => this.render());
  }
  list;
  kinds;
  filter;
  capacity;
  entries = [];
  lastSeq = 0;
  add(entries) {
    const fresh = entries.filter((e) => e.seq > this.lastSeq);
    if (fresh.length === 0) return;
    this.entries.push(...fresh);
    this.lastSeq = fresh[fresh.length - 1].seq;
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    this.render();
  }
  line(e) {
    const who = e.session ? ` ${e.name ? `${e.name} ` : ""}${e.session}` : "";
    return `${seconds(e.time_ms)} ${e.kind}${who}: ${e.detail ?? ""}`;
  }
  render() {
    const known = new Set(this.entries.map((e) => e.kind));
    const options = ["", ...[...known].sort()];
    if (options.join() !== [...this.kinds.options].map((o) => o.value).join()) {
      const chosen = this.kinds.value;
      this.kinds.replaceChildren(
        ...options.map((k) => {
          const o = document.createElement("option");
          o.value = k;
          o.textContent = k || "every kind";
          return o;
        })
      );
      this.kinds.value = options.includes(chosen) ? chosen : "";
    }
    const kind = this.kinds.value;
    const text = this.filter.value.toLowerCase();
    const shown = this.entries.filter(
      (e) => (!kind || e.kind === kind) && (!text || this.line(e).toLowerCase().includes(text))
    );
    this.list.replaceChildren(
      ...shown.slice(-300).reverse().map((e) => {
        const li = document.createElement("li");
        li.dataset.kind = e.kind;
        li.dataset.seq = String(e.seq);
        li.textContent = this.line(e);
        return li;
      })
    );
  }
};
function show(value) {
  return value === void 0 || value === null ? "-" : typeof value === "string" ? value : JSON.stringify(value);
}
function renderConflicts(body, conflicts) {
  const short = (author) => typeof author === "string" ? author.slice(0, 12) : show(author);
  body.replaceChildren(
    ...conflicts.slice().reverse().map((c) => {
      const tr = document.createElement("tr");
      tr.append(
        cell(show(c.version), c.version, "version"),
        cell(show(c.table), c.table, "table"),
        cell(show(c.entity), c.entity, "entity"),
        cell(show(c.field), c.field, "field"),
        cell(show(c.base), c.base, "base"),
        cell(show(c.theirs), c.theirs, "theirs"),
        cell(show(c.mine), c.mine, "mine"),
        cell(`${c.strategy}: ${c.outcome}`, c.outcome, "resolution"),
        cell(show(c.result), c.result, "result"),
        cell(short(c.author), c.author, "author")
      );
      return tr;
    })
  );
}

// dashboard/main.ts
var SAMPLES = 120;
var $ = (selector) => document.querySelector(selector);
var history = /* @__PURE__ */ new Map();
var latest = null;
var selected = null;
var socket = null;
var requests = 0;
var log = new NetworkLog($("#log"), $("#log-kind"), $("#log-filter"));
var tokenInput = $("#admin-token");
tokenInput.value = sessionStorage.getItem("theta-admin-token") ?? "";
$("#token-form").addEventListener("submit", (e) => e.preventDefault());
tokenInput.addEventListener("change", () => sessionStorage.setItem("theta-admin-token", tokenInput.value));
function pageToken() {
  return new URLSearchParams(location.search).get("token");
}
function remember(status) {
  const present = /* @__PURE__ */ new Set();
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
function notice(text, ok) {
  const el = $("#notice");
  el.textContent = text;
  el.className = ok ? "ok" : "error";
}
function act(action, client) {
  if (!socket || socket.readyState !== WebSocket.OPEN) return notice("not connected", false);
  const id = ++requests;
  socket.send(
    JSON.stringify({ type: "action", id, action, session: client.session, token: tokenInput.value })
  );
  notice(`${action} of ${client.name} asked\u2026`, true);
}
function render() {
  if (!latest) return;
  const s = latest.server;
  $("#tick").textContent = String(s.tick);
  $("#client-count").textContent = String(latest.clients.length);
  $("#uptime").textContent = seconds(s.time_ms);
  $("#tick-ms").textContent = s.tick_times ? `${millis(s.tick_times.mean_ms)} (p99 ${millis(s.tick_times.p99_ms)})` : "-";
  $("#data-version").textContent = String(s.data_version ?? "-");
  renderClients($("#clients tbody"), latest.clients, history, selected, (id) => {
    selected = id;
    render();
  }, act);
  renderDetail($("#detail"), latest.clients.find((c) => c.session === selected));
  renderConflicts($("#conflicts tbody"), latest.conflicts?.recent ?? []);
  $("#conflict-count").textContent = latest.conflicts ? `${latest.conflicts.total} in all` : "(this server does not resolve conflicts: no signed commands)";
  document.body.dataset.update = String(latest.update);
}
function onMessage(message) {
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
function connect() {
  const url = new URL("/live", location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  const token = pageToken();
  if (token) url.searchParams.set("token", token);
  socket = new WebSocket(url);
  socket.addEventListener("open", () => {
    $("#connection").textContent = "live";
    $("#connection").className = "live";
  });
  socket.addEventListener("message", (e) => onMessage(JSON.parse(String(e.data))));
  socket.addEventListener("close", () => {
    $("#connection").textContent = "disconnected: retrying";
    $("#connection").className = "down";
    setTimeout(connect, 1e3);
  });
}
connect();
