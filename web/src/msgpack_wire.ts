// The msgpack subset theta bodies use (docs/protocol.md section 5), written by hand rather than
// through @msgpack/msgpack for two reasons the wire makes hard requirements:
//  - the proof transcript signs message bodies that both sides re-encode, so the client must write
//    exactly the forms theta_net's C++ encoder writes (the smallest integer form, float32 for f32
//    fields, str8 from 32 bytes), field by field as the schema says;
//  - decoding is a border: every declared count is checked against the bytes that remain before
//    anything is allocated, strings must be valid UTF-8 (not replaced with U+FFFD), and bytes after
//    the value are an error. @msgpack/msgpack decodes invalid UTF-8 leniently.
// @msgpack/msgpack stays the independent reference the tests compare these bytes with.
import { ProtocolError } from "./errors.js";

export type MpValue =
  | { t: "nil" }
  | { t: "bool"; v: boolean }
  | { t: "int"; v: bigint }
  | { t: "float"; v: number; bits: 32 | 64 }
  | { t: "str"; v: string; bytes: number }
  | { t: "bin"; v: Uint8Array }
  | { t: "array"; v: MpValue[] }
  | { t: "map"; v: [MpValue, MpValue][] };

const MAX_DEPTH = 32; // schema types nest at most a few levels; this bounds the recursion
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** Appends msgpack values to a growing buffer. */
export class MpWriter {
  private buf = new Uint8Array(64);
  private view = new DataView(this.buf.buffer);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  private u8(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  private head(tag: number, bytes: 1 | 2 | 4 | 8, value: bigint): void {
    this.reserve(1 + bytes);
    this.buf[this.len++] = tag;
    if (bytes === 1) this.view.setUint8(this.len, Number(BigInt.asUintN(8, value)));
    else if (bytes === 2) this.view.setUint16(this.len, Number(BigInt.asUintN(16, value)));
    else if (bytes === 4) this.view.setUint32(this.len, Number(BigInt.asUintN(32, value)));
    else this.view.setBigUint64(this.len, BigInt.asUintN(64, value));
    this.len += bytes;
  }

  nil(): void {
    this.u8(0xc0);
  }

  bool(v: boolean): void {
    this.u8(v ? 0xc3 : 0xc2);
  }

  /** An integer in its smallest form; non-negative values use the unsigned forms, as msgpack-c does. */
  int(value: bigint | number): void {
    const v = typeof value === "bigint" ? value : BigInt(value);
    if (v >= 0n) {
      if (v < 0x80n) this.u8(Number(v));
      else if (v <= 0xffn) this.head(0xcc, 1, v);
      else if (v <= 0xffffn) this.head(0xcd, 2, v);
      else if (v <= 0xffffffffn) this.head(0xce, 4, v);
      else this.head(0xcf, 8, v);
    } else if (v >= -32n) {
      this.u8(Number(BigInt.asUintN(8, v)));
    } else if (v >= -0x80n) this.head(0xd0, 1, v);
    else if (v >= -0x8000n) this.head(0xd1, 2, v);
    else if (v >= -0x80000000n) this.head(0xd2, 4, v);
    else this.head(0xd3, 8, v);
  }

  f32(v: number): void {
    this.reserve(5);
    this.buf[this.len++] = 0xca;
    this.view.setFloat32(this.len, v);
    this.len += 4;
  }

  f64(v: number): void {
    this.reserve(9);
    this.buf[this.len++] = 0xcb;
    this.view.setFloat64(this.len, v);
    this.len += 8;
  }

  str(v: string): void {
    const bytes = utf8Encoder.encode(v);
    const n = bytes.length;
    if (n < 32) this.u8(0xa0 | n);
    else if (n <= 0xff) this.head(0xd9, 1, BigInt(n));
    else if (n <= 0xffff) this.head(0xda, 2, BigInt(n));
    else this.head(0xdb, 4, BigInt(n));
    this.raw(bytes);
  }

  bin(v: Uint8Array): void {
    const n = v.length;
    if (n <= 0xff) this.head(0xc4, 1, BigInt(n));
    else if (n <= 0xffff) this.head(0xc5, 2, BigInt(n));
    else this.head(0xc6, 4, BigInt(n));
    this.raw(v);
  }

  array(n: number): void {
    if (n < 16) this.u8(0x90 | n);
    else if (n <= 0xffff) this.head(0xdc, 2, BigInt(n));
    else this.head(0xdd, 4, BigInt(n));
  }

  map(n: number): void {
    if (n < 16) this.u8(0x80 | n);
    else if (n <= 0xffff) this.head(0xde, 2, BigInt(n));
    else this.head(0xdf, 4, BigInt(n));
  }

  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Reads exactly one msgpack value filling `bytes`; throws ProtocolError (`where` names it). */
export function readMsgpack(bytes: Uint8Array, where: string): MpValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;

  const need = (n: number): void => {
    if (bytes.length - pos < n) {
      throw new ProtocolError("truncated", `the body ends at byte ${bytes.length} inside a value at ${pos}`, where);
    }
  };
  const uint = (n: 1 | 2 | 4 | 8): bigint => {
    need(n);
    const v =
      n === 1
        ? BigInt(view.getUint8(pos))
        : n === 2
          ? BigInt(view.getUint16(pos))
          : n === 4
            ? BigInt(view.getUint32(pos))
            : view.getBigUint64(pos);
    pos += n;
    return v;
  };
  const sint = (n: 1 | 2 | 4 | 8): bigint => BigInt.asIntN(n * 8, uint(n));
  const count = (n: number, minBytesEach: number, what: string): number => {
    // A declared count that cannot fit in what remains allocates nothing.
    if (n * minBytesEach > bytes.length - pos) {
      throw new ProtocolError("truncated", `${what} of ${n} cannot fit in the ${bytes.length - pos} bytes left`, where);
    }
    return n;
  };
  const take = (n: number): Uint8Array => {
    need(n);
    const out = bytes.slice(pos, pos + n);
    pos += n;
    return out;
  };
  const text = (n: number): MpValue => {
    const raw = take(n);
    try {
      return { t: "str", v: utf8.decode(raw), bytes: n };
    } catch {
      throw new ProtocolError("range", `a string of ${n} bytes is not valid UTF-8`, where);
    }
  };

  const value = (depth: number): MpValue => {
    if (depth > MAX_DEPTH) throw new ProtocolError("limit", `values nest deeper than ${MAX_DEPTH}`, where);
    need(1);
    const b = bytes[pos++]!;
    if (b <= 0x7f) return { t: "int", v: BigInt(b) };
    if (b >= 0xe0) return { t: "int", v: BigInt(b - 0x100) };
    if ((b & 0xf0) === 0x80) return mapOf(b & 0x0f, depth);
    if ((b & 0xf0) === 0x90) return arrayOf(b & 0x0f, depth);
    if ((b & 0xe0) === 0xa0) return text(b & 0x1f);
    switch (b) {
      case 0xc0:
        return { t: "nil" };
      case 0xc2:
        return { t: "bool", v: false };
      case 0xc3:
        return { t: "bool", v: true };
      case 0xc4:
      case 0xc5:
      case 0xc6:
        return { t: "bin", v: take(Number(uint(b === 0xc4 ? 1 : b === 0xc5 ? 2 : 4))) };
      case 0xca: {
        need(4);
        const v = view.getFloat32(pos);
        pos += 4;
        return { t: "float", v, bits: 32 };
      }
      case 0xcb: {
        need(8);
        const v = view.getFloat64(pos);
        pos += 8;
        return { t: "float", v, bits: 64 };
      }
      case 0xcc:
        return { t: "int", v: uint(1) };
      case 0xcd:
        return { t: "int", v: uint(2) };
      case 0xce:
        return { t: "int", v: uint(4) };
      case 0xcf:
        return { t: "int", v: uint(8) };
      case 0xd0:
        return { t: "int", v: sint(1) };
      case 0xd1:
        return { t: "int", v: sint(2) };
      case 0xd2:
        return { t: "int", v: sint(4) };
      case 0xd3:
        return { t: "int", v: sint(8) };
      case 0xd9:
        return text(Number(uint(1)));
      case 0xda:
        return text(Number(uint(2)));
      case 0xdb:
        return text(Number(uint(4)));
      case 0xdc:
        return arrayOf(Number(uint(2)), depth);
      case 0xdd:
        return arrayOf(Number(uint(4)), depth);
      case 0xde:
        return mapOf(Number(uint(2)), depth);
      case 0xdf:
        return mapOf(Number(uint(4)), depth);
      default:
        throw new ProtocolError("type", `msgpack byte 0x${b.toString(16)} at ${pos - 1} is no type theta uses`, where);
    }
  };
  const arrayOf = (n: number, depth: number): MpValue => {
    count(n, 1, "an array");
    const v: MpValue[] = [];
    for (let i = 0; i < n; i++) v.push(value(depth + 1));
    return { t: "array", v };
  };
  const mapOf = (n: number, depth: number): MpValue => {
    count(n, 2, "a map");
    const v: [MpValue, MpValue][] = [];
    for (let i = 0; i < n; i++) v.push([value(depth + 1), value(depth + 1)]);
    return { t: "map", v };
  };

  const out = value(0);
  if (pos !== bytes.length) {
    throw new ProtocolError("corrupt", `${bytes.length - pos} bytes after the body's value`, where);
  }
  return out;
}
