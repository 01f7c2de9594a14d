"""``theta-net demo``: the main job. It runs the most complete capability this build has: the
self-test of the core primitives, then the reference game: two players on one server over real
QUIC on loopback (building, breaking, walking, seen by each other), then the same over the
simulated network at 100 ms RTT with 2% loss, a minute of play in well under a second."""

from __future__ import annotations

import argparse
import time

from .. import LocalGame, protocol
from . import selftest


def _play(game: LocalGame, seconds: float) -> list:
    """a builds, b breaks it, then both walk; returns (what, expected, server, a, b) checks."""
    a, b = game.client(0), game.client(1)
    checks = []

    def check(what: str, expected: int) -> None:
        checks.append((what, expected, game.server_block(0, 4, 2), a.block(0, 4, 2), b.block(0, 4, 2)))

    game.run_until(2.0)
    a.intent(place=(0, 3, 2), block="planks")  # on the grass two blocks ahead
    game.run_until(3.0)
    check("a placed planks at (0, 4, 2)", 14)
    b.intent(break_block=(0, 4, 2))
    game.run_until(4.0)
    check("b broke them", 0)
    b.intent(move=["forward"], yaw=90)
    a.intent(move=["forward", "jump"], yaw=90)
    game.run_until(5.0)
    checks.append(("a sees b", 1, 1, len(a.remote_players(game.now)), 1))
    game.run_until(seconds)
    return checks


def _report(game: LocalGame, label: str, seconds: float, wall: float, checks: list) -> bool:
    server = game.server_metrics
    print(f"\n{label}: {seconds:.0f} s of play, {server['tick']} ticks, {wall:.2f} s wall "
          f"({seconds / wall:.0f}x real time), server tick {server['tick_time_us_mean']:.0f} us mean")
    ok = True
    for i, name in enumerate(("a", "b")):
        m = game.client_metrics(i)
        kib = sum(lane["bytes_received"] for lane in m.get("lanes", {}).values()) / 1024
        print(f"  {name}: RTT {m['rtt_ms']:.1f} ms, {m['chunks_loaded']} chunks (mean load "
              f"{m['chunk_load_ms_mean']:.0f} ms), {m['reconciliations']} corrections, reconciliation error "
              f"{m['reconciliation_error_ms_mean']:.2f} ms, {kib:.0f} KiB received")
        ok &= m["established"] and m["chunks_loaded"] > 0 and m["chunk_errors"] == 0
    for what, expected, on_server, at_a, at_b in checks:
        good = on_server == at_a == at_b == expected
        ok &= good
        print(f"  {'ok  ' if good else 'FAIL'} {what}: server {on_server}, a {at_a}, b {at_b}")
    return ok


def run(args: argparse.Namespace) -> int:
    status = selftest.run(args)
    major, minor = protocol.PROTOCOL_VERSION
    print(f"\nprotocol {major}.{minor}, ALPN {protocol.ALPN}, schema 0x{protocol.schema_hash():016x}, "
          f"{len(protocol.message_types())} message types")
    ok = status == 0
    for network, seconds, label in (("quic", args.seconds, "QUIC on loopback"),
                                    ("sim", 60.0, "SimNet, 100 ms RTT, 20 ms jitter, 2% loss")):
        game = LocalGame(network=network, terrain="superflat", seed=7, view_radius=3)
        impaired = network == "sim"
        for name in ("a", "b"):
            game.add_client(name, latency_ms=50 if impaired else 0, jitter_ms=10 if impaired else 0,
                            loss=0.02 if impaired else 0)
        started = time.perf_counter()
        checks = _play(game, seconds)
        ok &= _report(game, label, seconds, time.perf_counter() - started, checks)
    print(f"\ndemo: {'ok' if ok else 'FAILED'}")
    return 0 if ok else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="run the main demonstration")
    parser.add_argument("--seconds", type=float, default=6.0, help="wall time of the QUIC game")
    parser.set_defaults(func=run)
