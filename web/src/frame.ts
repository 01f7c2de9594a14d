// Frames (docs/protocol.md section 3): magic 0xCE 0xB8, version, flags, varint type, varint
// sequence, varint length, body, CRC32C little-endian over everything before it. A batch frame
// (flag bit 1, type 0) carries several messages of one lane. Decoding checks in the document's
// order and rejects the whole frame on any failure, naming what failed.
import { crc32c } from "./crc32c.js";
import { ProtocolError } from "./errors.js";
import { ByteReader, writeVarint } from "./varint.js";

export const FRAME_MAGIC = [0xce, 0xb8] as const;
export const FRAME_VERSION = 1;
export const FLAG_COMPRESSED = 1;
export const FLAG_BATCH = 2;
export const MAX_BATCH_COUNT = 4096;
/** The receiver's default body limit (16 MiB), as the C++ peers use. */
export const DEFAULT_MAX_BODY = 16 << 20;

export interface FrameEntry {
  type: number;
  body: Uint8Array;
}
export interface DecodedFrame {
  flags: number;
  sequence: number;
  entries: FrameEntry[];
}

function finish(head: number[], body: Uint8Array): Uint8Array {
  const out = new Uint8Array(head.length + body.length + 4);
  out.set(head, 0);
  out.set(body, head.length);
  const crc = crc32c(out.subarray(0, head.length + body.length));
  new DataView(out.buffer).setUint32(head.length + body.length, crc, true);
  return out;
}

/** One message as one frame. */
export function encodeFrame(type: number, sequence: number, body: Uint8Array): Uint8Array {
  if (!Number.isInteger(type) || type < 1 || type > 0xffff) throw new RangeError(`message type ${type} is outside 1..65535`);
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 0xffffffff) throw new RangeError(`sequence ${sequence} is outside 0..2^32-1`);
  const head: number[] = [FRAME_MAGIC[0], FRAME_MAGIC[1], FRAME_VERSION, 0];
  writeVarint(head, type);
  writeVarint(head, sequence);
  writeVarint(head, body.length);
  return finish(head, body);
}

/** Several messages of one lane as one batch frame. */
export function encodeBatchFrame(entries: FrameEntry[], sequence: number): Uint8Array {
  if (entries.length < 1 || entries.length > MAX_BATCH_COUNT) throw new RangeError(`a batch holds 1..${MAX_BATCH_COUNT} messages`);
  const body: number[] = [];
  writeVarint(body, entries.length);
  const parts: Uint8Array[] = [];
  let size = 0;
  for (const e of entries) {
    const h: number[] = [];
    writeVarint(h, e.type);
    writeVarint(h, e.body.length);
    parts.push(Uint8Array.from(h), e.body);
    size += h.length + e.body.length;
  }
  const joined = new Uint8Array(body.length + size);
  joined.set(body, 0);
  let at = body.length;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  const head: number[] = [FRAME_MAGIC[0], FRAME_MAGIC[1], FRAME_VERSION, FLAG_BATCH];
  writeVarint(head, 0);
  writeVarint(head, sequence);
  writeVarint(head, joined.length);
  return finish(head, joined);
}

/** Decodes one whole frame. Compressed bodies are refused as "unsupported": this client never
 * negotiates the compression capability, so a server never sends it one. */
export function decodeFrame(frame: Uint8Array, maxBody: number = DEFAULT_MAX_BODY): DecodedFrame {
  const r = new ByteReader(frame, "frame");
  if (frame.length < 2 || frame[0] !== FRAME_MAGIC[0] || frame[1] !== FRAME_MAGIC[1]) {
    throw new ProtocolError("corrupt", "bad magic (not a theta frame)", "frame");
  }
  r.pos = 2;
  const version = r.u8("the version");
  if (version !== FRAME_VERSION) throw new ProtocolError("range", `version ${version}, expected ${FRAME_VERSION}`, "frame");
  const flags = r.u8("the flags");
  if ((flags & ~(FLAG_COMPRESSED | FLAG_BATCH)) !== 0) {
    throw new ProtocolError("corrupt", `unknown flags 0x${flags.toString(16)}`, "frame");
  }
  const type = r.smallVarint("the type", 0xffff);
  const batch = (flags & FLAG_BATCH) !== 0;
  if (batch !== (type === 0)) {
    throw new ProtocolError("corrupt", batch ? `a batch frame of type ${type}` : "type 0 without the batch flag", "frame");
  }
  const sequence = r.smallVarint("the sequence", 0xffffffff);
  const length = r.smallVarint("the length", Number.MAX_SAFE_INTEGER);
  if (length > maxBody) throw new ProtocolError("limit", `a body of ${length} bytes is over the limit of ${maxBody}`, "frame");
  if (r.remaining() !== length + 4) {
    throw new ProtocolError("truncated", `the header says ${length + 4} bytes follow, ${r.remaining()} do`, "frame");
  }
  const end = frame.length - 4;
  const want = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(end, true);
  if (crc32c(frame.subarray(0, end)) !== want) throw new ProtocolError("corrupt", "CRC32C mismatch", "frame");
  if ((flags & FLAG_COMPRESSED) !== 0) {
    throw new ProtocolError("unsupported", "a zstd-compressed body (this client does not negotiate compression)", "frame");
  }
  const body = frame.slice(r.pos, end);
  if (!batch) return { flags, sequence, entries: [{ type, body }] };

  const b = new ByteReader(body, "batch");
  const count = b.smallVarint("the count", MAX_BATCH_COUNT);
  if (count < 1) throw new ProtocolError("corrupt", "a batch of 0 messages", "batch");
  const entries: FrameEntry[] = [];
  for (let i = 0; i < count; i++) {
    const t = b.smallVarint(`entry ${i} type`, 0xffff);
    if (t === 0) throw new ProtocolError("corrupt", `entry ${i} has type 0`, "batch");
    const n = b.smallVarint(`entry ${i} length`, b.remaining());
    entries.push({ type: t, body: b.take(n, `entry ${i}`) });
  }
  if (b.remaining() !== 0) throw new ProtocolError("corrupt", `${b.remaining()} bytes after the last entry`, "batch");
  return { flags, sequence, entries };
}
