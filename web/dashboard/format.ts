// How numbers read on the page. The raw value stays in each cell's data-value attribute, so a
// test (or a curious user) can compare the page with the server's /api/status exactly.

export function bytesPerSecond(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} MB/s`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} kB/s`;
  return `${Math.round(value)} B/s`;
}

export function bytes(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} MB`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} kB`;
  return `${Math.round(value)} B`;
}

export function millis(value: number): string {
  return `${value.toFixed(1)} ms`;
}

export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)} %`;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

// A cell showing `text` with the exact value behind it.
export function cell(text: string, value: unknown, className: string): HTMLTableCellElement {
  const td = document.createElement("td");
  td.className = className;
  td.textContent = text;
  td.dataset.value = JSON.stringify(value ?? null);
  return td;
}
