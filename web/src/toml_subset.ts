// The TOML that data schemas are written in (docs/data.md, "A schema in TOML"), as far as they
// use it: [table] and [[array.of.tables]] headers, key = value, strings (basic and literal),
// integers (as bigint: int fields span the whole int64 range), floats, booleans, arrays and
// inline tables, comments. Enough for DataSyncBegin.schema_toml (the canonical form C++ writes)
// and for schemas an application writes by hand; anything else is a DataError naming the line.
import { DataError } from "./errors.js";

export type TomlValue = string | bigint | number | boolean | TomlValue[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue;
}

export function parseToml(text: string): TomlTable {
  let pos = 0;
  const root: TomlTable = {};
  let current: TomlTable = root;
  const line = () => text.slice(0, pos).split("\n").length;
  const fail = (what: string): never => {
    throw new DataError("schema", `TOML line ${line()}: ${what}`);
  };
  const skip = (newlines: boolean) => {
    for (;;) {
      const c = text[pos];
      if (c === " " || c === "\t" || c === "\r" || (newlines && c === "\n")) pos++;
      else if (c === "#") while (pos < text.length && text[pos] !== "\n") pos++;
      else return;
    }
  };
  const key = (): string => {
    if (text[pos] === '"' || text[pos] === "'") return str();
    const m = /^[A-Za-z0-9_-]+/.exec(text.slice(pos));
    if (!m) return fail("expected a key");
    pos += m[0].length;
    return m[0];
  };
  const str = (): string => {
    const quote = text[pos++];
    let out = "";
    while (pos < text.length && text[pos] !== quote) {
      const c = text[pos++]!;
      if (c === "\n") fail("a newline inside a string");
      if (c !== "\\" || quote === "'") {
        out += c;
        continue;
      }
      const e = text[pos++];
      const simple: { [k: string]: string } = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\", b: "\b", f: "\f" };
      if (e !== undefined && simple[e] !== undefined) out += simple[e];
      else if (e === "u" || e === "U") {
        const n = e === "u" ? 4 : 8;
        const hex = text.slice(pos, pos + n);
        if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== n) fail("a bad \\u escape");
        out += String.fromCodePoint(parseInt(hex, 16));
        pos += n;
      } else fail(`an unknown escape \\${String(e)}`);
    }
    if (pos >= text.length) fail("an unterminated string");
    pos++;
    return out;
  };
  const value = (): TomlValue => {
    const c = text[pos];
    if (c === '"' || c === "'") return str();
    if (c === "[") {
      pos++;
      const items: TomlValue[] = [];
      for (;;) {
        skip(true);
        if (text[pos] === "]") break;
        items.push(value());
        skip(true);
        if (text[pos] === ",") pos++;
        else if (text[pos] !== "]") fail("expected , or ] in an array");
      }
      pos++;
      return items;
    }
    if (c === "{") {
      pos++;
      const table: TomlTable = {};
      skip(false);
      while (text[pos] !== "}") {
        const k = key();
        skip(false);
        if (text[pos++] !== "=") fail("expected = in an inline table");
        skip(false);
        table[k] = value();
        skip(false);
        if (text[pos] === ",") {
          pos++;
          skip(false);
        } else if (text[pos] !== "}") fail("expected , or } in an inline table");
      }
      pos++;
      return table;
    }
    const m = /^[^\s,\]}#]+/.exec(text.slice(pos));
    if (!m) return fail("expected a value");
    pos += m[0].length;
    const word = m[0].replace(/_/g, "");
    if (word === "true") return true;
    if (word === "false") return false;
    if (/^[+-]?\d+$/.test(word)) return BigInt(word);
    if (/^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|inf|nan)$/.test(word)) return Number(word.replace("inf", "Infinity"));
    return fail(`a value TOML schemas do not use: ${m[0]}`);
  };

  for (;;) {
    skip(true);
    if (pos >= text.length) return root;
    if (text[pos] === "[") {
      const array = text[pos + 1] === "[";
      pos += array ? 2 : 1;
      const path: string[] = [];
      for (;;) {
        skip(false);
        path.push(key());
        skip(false);
        if (text[pos] === ".") pos++;
        else break;
      }
      if (text.slice(pos, pos + (array ? 2 : 1)) !== (array ? "]]" : "]")) fail("a bad table header");
      pos += array ? 2 : 1;
      let parent: TomlTable = root;
      for (const part of path.slice(0, -1)) {
        const next = parent[part];
        const table = Array.isArray(next) ? next[next.length - 1] : next;
        if (typeof table !== "object" || table === null || Array.isArray(table)) fail(`no table ${part}`);
        parent = table as TomlTable;
      }
      const last = path[path.length - 1]!;
      const fresh: TomlTable = {};
      if (array) {
        const list = (parent[last] ??= []);
        if (!Array.isArray(list)) fail(`${last} is not an array of tables`);
        (list as TomlValue[]).push(fresh);
      } else parent[last] = fresh;
      current = fresh;
      continue;
    }
    const k = key();
    skip(false);
    if (text[pos++] !== "=") fail("expected =");
    skip(false);
    current[k] = value();
    skip(false);
    if (pos < text.length && text[pos] !== "\n") fail("bytes after a value");
  }
}
