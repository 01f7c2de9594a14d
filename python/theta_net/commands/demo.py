"""``theta-net demo``: the main job. It runs the most complete capability this build has: the
self-test of the core primitives, then theta_net sessions (handshake, chat, heartbeats) between a
host and two clients over real QUIC on loopback and over the simulated network."""

from __future__ import annotations

import argparse

from .. import _core, protocol
from . import selftest


def _report(result: dict, label: str) -> None:
    print(f"\n{label}: {result['clients']} clients established after "
          f"{result['all_established_after_ms']:.1f} ms, {result['chats_received']}/"
          f"{result['chats_sent']} chat messages delivered, {result['pings_answered']} pings answered "
          f"({result['wall_seconds']:.2f} s wall)")
    for i, c in enumerate(result["per_client"]):
        print(f"  client {i}: {c['state']}, session {c['session_id']:016x}, heartbeat RTT "
              f"{c['rtt_ms']:.2f} ms, jitter {c['jitter_ms']:.2f} ms")


def run(args: argparse.Namespace) -> int:
    status = selftest.run(args)
    major, minor = protocol.PROTOCOL_VERSION
    print(f"\nprotocol {major}.{minor}, ALPN {protocol.ALPN}, schema 0x{protocol.schema_hash():016x}, "
          f"{len(protocol.message_types())} message types")
    quic = _core.session_demo("quic", clients=2, seconds=args.seconds)
    _report(quic, "QUIC on loopback")
    sim = _core.session_demo("sim", clients=2, seconds=10.0, preset=args.preset)
    _report(sim, f"SimNet, preset '{args.preset}', 10 s of virtual time")
    ok = all(c["state"] == "established" for r in (quic, sim) for c in r["per_client"])
    ok &= quic["chats_received"] == quic["chats_sent"] > 0 and sim["chats_received"] > 0
    print(f"\ndemo: {'ok' if ok and status == 0 else 'FAILED'}")
    return 0 if ok and status == 0 else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="run the main demonstration")
    parser.add_argument("--seconds", type=float, default=2.0, help="wall time of the QUIC part")
    parser.add_argument("--preset", default="average", help="SimNet preset: good, average, poor")
    parser.set_defaults(func=run)
