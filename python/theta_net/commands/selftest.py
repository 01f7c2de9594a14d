"""``theta-net selftest``: checks this build's primitives against published test vectors."""

from __future__ import annotations

import argparse
from typing import Callable, List, Tuple

from .. import _core

# (name, source, computed, expected)
Check = Tuple[str, str, Callable[[], int], int]


def _checks() -> List[Check]:
    key = bytes(range(16))
    return [
        ("crc32c 32 x 00", "RFC 3720 B.4", lambda: _core.crc32c(bytes(32)), 0x8A9136AA),
        ("crc32c 32 x ff", "RFC 3720 B.4", lambda: _core.crc32c(b"\xff" * 32), 0x62A8AB43),
        ("crc32c 00..1f", "RFC 3720 B.4", lambda: _core.crc32c(bytes(range(32))), 0x46DD794E),
        ("crc32c '123456789'", "check value", lambda: _core.crc32c(b"123456789"), 0xE3069283),
        ("siphash24 len 0", "SipHash paper", lambda: _core.siphash24(key, b""), 0x726FDB47DD0E0E31),
        (
            "siphash24 len 8",
            "SipHash paper",
            lambda: _core.siphash24(key, bytes(range(8))),
            0x93F5F5799A932462,
        ),
        ("varint 300", "protobuf guide", lambda: int.from_bytes(_core.encode_varint(300), "big"), 0xAC02),
        (
            "splitmix64(0) reference",
            "Vigna's splitmix64.c",
            lambda: _splitmix64_sequence(0, 1)[0],
            0xE220A8397B1DCDAF,
        ),
        (
            "Rng(2026) first draw",
            "xoshiro256** spec",
            lambda: _core.Rng(2026).next_u64(),
            _xoshiro_first_output(2026),
        ),
    ]


def _splitmix64_sequence(seed: int, n: int) -> List[int]:
    """SplitMix64 outputs in pure Python (seed 0 starts with the published 0xE220A8397B1DCDAF)."""
    mask = (1 << 64) - 1
    out, state = [], seed
    for _ in range(n):
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        out.append(z ^ (z >> 31))
    return out


def _xoshiro_first_output(seed: int) -> int:
    """First xoshiro256** output after SplitMix64 seeding: rotl(s1 * 5, 7) * 9."""
    mask = (1 << 64) - 1
    s1 = _splitmix64_sequence(seed, 4)[1]
    x = (s1 * 5) & mask
    return ((((x << 7) | (x >> 57)) & mask) * 9) & mask


def run(args: argparse.Namespace) -> int:
    failures = 0
    info = _core.build_info()
    print(
        f"theta_net {info['version']} ({info['build_type']}, {info['compiler']}, "
        f"crc32c hardware: {'yes' if info['crc32c_hardware'] else 'no'})"
    )
    for name, source, compute, expected in _checks():
        got = compute()
        ok = got == expected
        failures += 0 if ok else 1
        print(f"  {'ok  ' if ok else 'FAIL'} {name:<22} {got:#018x}  ({source})")
    print(f"selftest: {len(_checks()) - failures} passed, {failures} failed")
    return 1 if failures else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("selftest", help="check primitives against published vectors")
    parser.set_defaults(func=run)
