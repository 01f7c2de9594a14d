// The network log (session events, refusals, resyncs, kicks) and the conflict viewer. The log is
// filtered on the page: by kind, and by any text in the line.
import { cell, seconds } from "./format.js";
import type { Conflict, LogEntry } from "./status.js";

export class NetworkLog {
  private entries: LogEntry[] = [];
  private lastSeq = 0;

  constructor(
    private readonly list: HTMLElement,
    private readonly kinds: HTMLSelectElement,
    private readonly filter: HTMLInputElement,
    private readonly capacity = 2000,
  ) {
    kinds.addEventListener("change", () => this.render());
    filter.addEventListener("input", () => this.render());
  }

  add(entries: LogEntry[]): void {
    const fresh = entries.filter((e) => e.seq > this.lastSeq);
    if (fresh.length === 0) return;
    this.entries.push(...fresh);
    this.lastSeq = fresh[fresh.length - 1].seq;
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    this.render();
  }

  private line(e: LogEntry): string {
    const who = e.session ? ` ${e.name ? `${e.name} ` : ""}${e.session}` : "";
    return `${seconds(e.time_ms)} ${e.kind}${who}: ${e.detail ?? ""}`;
  }

  render(): void {
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
        }),
      );
      this.kinds.value = options.includes(chosen) ? chosen : "";
    }
    const kind = this.kinds.value;
    const text = this.filter.value.toLowerCase();
    const shown = this.entries.filter(
      (e) => (!kind || e.kind === kind) && (!text || this.line(e).toLowerCase().includes(text)),
    );
    this.list.replaceChildren(
      ...shown
        .slice(-300)
        .reverse()
        .map((e) => {
          const li = document.createElement("li");
          li.dataset.kind = e.kind;
          li.dataset.seq = String(e.seq);
          li.textContent = this.line(e);
          return li;
        }),
    );
  }
}

function show(value: unknown): string {
  return value === undefined || value === null ? "-" : typeof value === "string" ? value : JSON.stringify(value);
}

// Each conflict: where (version, table, entity, field), both values, and how it was resolved.
export function renderConflicts(body: HTMLTableSectionElement, conflicts: Conflict[]): void {
  const short = (author: unknown) => (typeof author === "string" ? author.slice(0, 12) : show(author));
  body.replaceChildren(
    ...conflicts
      .slice()
      .reverse()
      .map((c) => {
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
          cell(short(c.author), c.author, "author"),
        );
        return tr;
      }),
  );
}
