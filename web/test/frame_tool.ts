// For tests/python/test_web_frames.py: reads JSON lines on stdin, each {"op": "encode", "name",
// "fields", "sequence"}, {"op": "decode", "hex"} or {"op": "permissions"}, and writes one JSON
// line per request. Values travel in a tagged JSON form: {"$big": "123"} for u64/i64, {"$bytes": "hex"} for bytes.
import { createInterface } from "node:readline";
import { decodeMessages, encodeMessage, PERMISSIONS } from "../src/index.js";
import type { MessageName } from "../src/index.js";

const fromJson = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(fromJson);
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (typeof o.$big === "string") return BigInt(o.$big);
    if (typeof o.$bytes === "string") return Uint8Array.from(Buffer.from(o.$bytes, "hex"));
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, fromJson(x)]));
  }
  return v;
};
const toJson = (v: unknown): unknown => {
  if (typeof v === "bigint") return { $big: v.toString() };
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString("hex") };
  if (Array.isArray(v)) return v.map(toJson);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
  return v;
};

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const req = JSON.parse(line) as { op: string; name?: string; fields?: unknown; sequence?: number; hex?: string };
  try {
    if (req.op === "permissions") {
      process.stdout.write(JSON.stringify(PERMISSIONS) + "\n");
    } else if (req.op === "encode") {
      const frame = encodeMessage(req.name as MessageName, fromJson(req.fields) as never, req.sequence ?? 0);
      process.stdout.write(JSON.stringify({ hex: Buffer.from(frame).toString("hex") }) + "\n");
    } else {
      const d = decodeMessages(Uint8Array.from(Buffer.from(req.hex!, "hex")));
      const m = d.messages[0]!;
      const all = d.messages.map((x) => ({ name: x.name, fields: toJson(x.fields) }));
      process.stdout.write(JSON.stringify({ name: m.name, sequence: d.sequence, fields: toJson(m.fields), messages: all }) + "\n");
    }
  } catch (e) {
    process.stdout.write(JSON.stringify({ error: String(e) }) + "\n");
  }
}
