"""The core primitives through Python, against published vectors and independent references."""

from __future__ import annotations

import pytest

import theta_net
from theta_net import Rng, crc32c, decode_varint, encode_varint, siphash24, zigzag_decode, zigzag_encode

MASK64 = (1 << 64) - 1


def test_crc32c_rfc3720_vectors():
    assert crc32c(bytes(32)) == 0x8A9136AA
    assert crc32c(b"\xff" * 32) == 0x62A8AB43
    assert crc32c(bytes(range(32))) == 0x46DD794E
    assert crc32c(bytes(range(31, -1, -1))) == 0x113FDB5C
    assert crc32c(b"123456789") == 0xE3069283


def test_crc32c_accepts_any_buffer_and_continues():
    data = bytes(range(200))
    assert crc32c(bytearray(data)) == crc32c(memoryview(data)) == crc32c(data)
    assert crc32c(data[100:], crc32c(data[:100])) == crc32c(data)
    np = pytest.importorskip("numpy")
    assert crc32c(np.frombuffer(data, dtype=np.uint8)) == crc32c(data)


def _siphash_reference(key: bytes, msg: bytes) -> int:
    """SipHash-2-4 written from the paper in pure Python: an independent implementation."""

    def rotl(x, b):
        return ((x << b) | (x >> (64 - b))) & MASK64

    k0, k1 = int.from_bytes(key[:8], "little"), int.from_bytes(key[8:], "little")
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D, k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]

    def rounds(n):
        for _ in range(n):
            v[0] = (v[0] + v[1]) & MASK64
            v[1] = rotl(v[1], 13) ^ v[0]
            v[0] = rotl(v[0], 32)
            v[2] = (v[2] + v[3]) & MASK64
            v[3] = rotl(v[3], 16) ^ v[2]
            v[0] = (v[0] + v[3]) & MASK64
            v[3] = rotl(v[3], 21) ^ v[0]
            v[2] = (v[2] + v[1]) & MASK64
            v[1] = rotl(v[1], 17) ^ v[2]
            v[2] = rotl(v[2], 32)

    padded = msg + bytes((8 - (len(msg) + 1) % 8) % 8) + bytes([len(msg) & 0xFF])
    for i in range(0, len(padded), 8):
        m = int.from_bytes(padded[i : i + 8], "little")
        v[3] ^= m
        rounds(2)
        v[0] ^= m
    v[2] ^= 0xFF
    rounds(4)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def test_siphash_published_vectors():
    key = bytes(range(16))
    assert siphash24(key, b"") == 0x726FDB47DD0E0E31
    assert siphash24(key, bytes(range(1))) == 0x74F839C593DC67FD
    assert siphash24(key, bytes(range(15))).to_bytes(8, "little") == bytes.fromhex("e545be4961ca29a1")
    assert siphash24(key, bytes(range(63))).to_bytes(8, "little") == bytes.fromhex("724506eb4c328a95")


@pytest.mark.parametrize("length", [0, 1, 7, 8, 9, 31, 64, 200])
def test_siphash_matches_pure_python_reference(length):
    key = bytes((i * 11 + 3) & 0xFF for i in range(16))
    msg = bytes((i * 7) & 0xFF for i in range(length))
    assert siphash24(key, msg) == _siphash_reference(key, msg)


def test_siphash_rejects_a_short_key():
    with pytest.raises(theta_net.Error) as err:
        siphash24(b"short", b"x")
    assert err.value.code == "invalid_argument"
    assert "16 bytes" in str(err.value)


def test_varint_round_trip_and_known_bytes():
    assert encode_varint(300) == b"\xac\x02"
    for value in [0, 1, 127, 128, 300, 2**35, MASK64]:
        encoded = encode_varint(value)
        assert decode_varint(encoded) == (value, len(encoded))
    assert decode_varint(b"\x00\x96\x01", offset=1) == (150, 3)


@pytest.mark.parametrize(
    "data, code",
    [(b"", "truncated"), (b"\x80\x80", "truncated"), (b"\x81\x00", "corrupt"), (b"\x80" * 11, "overflow")],
)
def test_varint_errors_are_typed(data, code):
    with pytest.raises(theta_net.Error) as err:
        decode_varint(data)
    assert err.value.code == code
    assert str(err.value).startswith(code + ": ")


def test_zigzag():
    assert [zigzag_encode(v) for v in (0, -1, 1, -2, 2)] == [0, 1, 2, 3, 4]
    for v in (0, -1, 1, -(2**63), 2**63 - 1, 123456789):
        assert zigzag_decode(zigzag_encode(v)) == v


def _xoshiro_reference(seed: int, n: int) -> list[int]:
    """SplitMix64 seeding + xoshiro256** in pure Python, from the published algorithms."""
    state, s = seed, []
    for _ in range(4):
        state = (state + 0x9E3779B97F4A7C15) & MASK64
        z = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        s.append(z ^ (z >> 31))

    def rotl(x, b):
        return ((x << b) | (x >> (64 - b))) & MASK64

    out = []
    for _ in range(n):
        out.append((rotl((s[1] * 5) & MASK64, 7) * 9) & MASK64)
        t = (s[1] << 17) & MASK64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
    return out


@pytest.mark.parametrize("seed", [0, 1, 42, 2**64 - 1])
def test_rng_matches_pure_python_reference(seed):
    rng = Rng(seed)
    assert [rng.next_u64() for _ in range(16)] == _xoshiro_reference(seed, 16)


def test_rng_is_deterministic_and_forks_are_independent():
    a, b = Rng(9), Rng(9)
    assert [a.uniform(1000) for _ in range(100)] == [b.uniform(1000) for _ in range(100)]
    assert Rng(9).fork(1).next_u64() == Rng(9).fork(1).next_u64()
    assert Rng(9).fork(1).next_u64() != Rng(9).fork(2).next_u64()
    values = [Rng(3).uniform_int(-5, 5)] + [a.uniform_int(-5, 5) for _ in range(1000)]
    assert min(values) == -5 and max(values) == 5
    assert all(0.0 <= a.next_double() < 1.0 for _ in range(1000))
