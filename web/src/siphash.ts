// SipHash-2-4 (Aumasson and Bernstein), 64-bit output, over bytes with a 16-byte key: the data
// schema hash (all-zero key) as the C++ core computes it. BigInt arithmetic: schemas are small.
const MASK = 0xffffffffffffffffn;
const rotl = (x: bigint, b: bigint): bigint => ((x << b) | (x >> (64n - b))) & MASK;

function readLe(bytes: Uint8Array, at: number, n: number): bigint {
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]!);
  return v;
}

export function siphash24(key: Uint8Array, message: Uint8Array): bigint {
  const k0 = readLe(key, 0, 8);
  const k1 = readLe(key, 8, 8);
  let v0 = k0 ^ 0x736f6d6570736575n;
  let v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n;
  let v3 = k1 ^ 0x7465646279746573n;
  const round = () => {
    v0 = (v0 + v1) & MASK;
    v1 = rotl(v1, 13n) ^ v0;
    v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & MASK;
    v3 = rotl(v3, 16n) ^ v2;
    v0 = (v0 + v3) & MASK;
    v3 = rotl(v3, 21n) ^ v0;
    v2 = (v2 + v1) & MASK;
    v1 = rotl(v1, 17n) ^ v2;
    v2 = rotl(v2, 32n);
  };
  const whole = message.length - (message.length % 8);
  for (let i = 0; i < whole; i += 8) {
    const m = readLe(message, i, 8);
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  let last = BigInt(message.length & 0xff) << 56n;
  last |= readLe(message, whole, message.length - whole);
  v3 ^= last;
  round();
  round();
  v0 ^= last;
  v2 ^= 0xffn;
  round();
  round();
  round();
  round();
  return v0 ^ v1 ^ v2 ^ v3;
}
