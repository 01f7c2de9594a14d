// Unsigned LEB128 varints as the frame header and data ops use them: 7 bits per byte, least
// significant group first, only the shortest form valid, at most 10 bytes (64 bits). Values are
// bigints because data-layer ids and versions use the whole u64 range.
import { ProtocolError } from "./errors.js";

export function writeVarint(out: number[], value: bigint | number): void {
  let v = BigInt(value);
  if (v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`varint ${v} is outside 0..2^64-1`);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

/** Zigzag: small negative numbers get small codes (0, -1, 1, -2 -> 0, 1, 2, 3). */
export function writeSvarint(out: number[], value: bigint): void {
  writeVarint(out, BigInt.asUintN(64, (value << 1n) ^ (value >> 63n)));
}

/** A cursor over bytes that reads varints and fixed-width values, throwing ProtocolError. */
export class ByteReader {
  pos = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly where: string,
  ) {}

  remaining(): number {
    return this.bytes.length - this.pos;
  }

  u8(what: string): number {
    if (this.pos >= this.bytes.length) throw new ProtocolError("truncated", `ends before ${what}`, this.where);
    return this.bytes[this.pos++]!;
  }

  take(n: number, what: string): Uint8Array {
    if (n > this.remaining()) {
      throw new ProtocolError("truncated", `${what} needs ${n} bytes, ${this.remaining()} left`, this.where);
    }
    const out = this.bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  varint(what: string): bigint {
    let value = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.u8(what);
      value |= BigInt(b & 0x7f) << BigInt(7 * i);
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) throw new ProtocolError("corrupt", `${what}: a varint not in its shortest form`, this.where);
        if (value > 0xffffffffffffffffn) throw new ProtocolError("range", `${what}: a varint over 64 bits`, this.where);
        return value;
      }
    }
    throw new ProtocolError("range", `${what}: a varint longer than 10 bytes`, this.where);
  }

  svarint(what: string): bigint {
    const z = this.varint(what);
    return BigInt.asIntN(64, (z >> 1n) ^ -(z & 1n));
  }

  /** A varint that must fit a JavaScript number exactly (lengths, counts, type ids). */
  smallVarint(what: string, max: number): number {
    const v = this.varint(what);
    if (v > BigInt(max)) throw new ProtocolError("limit", `${what} ${v} is over ${max}`, this.where);
    return Number(v);
  }
}
