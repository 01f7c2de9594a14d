"""``theta-net relay``: a UDP forwarder that impairs traffic both ways (delay, jitter, loss,
duplication, reordering, a rate cap), so real QUIC can be tested at 100 ms RTT with loss on one
machine; with ``--tcp``, a TCP forwarder that does the same to byte streams (loss shows as delay,
docs/transport.md). Prints what it forwarded, dropped, duplicated and reordered when it exits."""

from __future__ import annotations

import argparse

from ..transport import LinkConfig, TcpRelay, UdpRelay, parse_duration, parse_percent, parse_rate


def build_link(args: argparse.Namespace) -> LinkConfig:
    link = LinkConfig()
    link.latency = parse_duration(args.delay)
    link.jitter = parse_duration(args.jitter)
    link.loss = parse_percent(args.loss)
    link.duplicate = parse_percent(args.dup)
    link.reorder = parse_percent(args.reorder)
    if args.rate:
        link.rate_bits_per_second = parse_rate(args.rate)
    return link


def run(args: argparse.Namespace) -> int:
    try:
        link = build_link(args)
        duration = float(args.duration) if args.duration else 0.0
    except ValueError as exc:
        print(f"theta-net relay: {exc}")
        return 2
    if args.tcp:
        relay = TcpRelay(args.listen, args.forward, link, args.seed)
        listening = f"tcp {args.listen.rsplit(':', 1)[0]}:{relay.port}"
    else:
        relay = UdpRelay(args.listen, args.forward, link, args.seed)
        listening = relay.listen_address
    print(
        f"relay: {listening} -> {args.forward} (delay {args.delay}, jitter "
        f"{args.jitter}, loss {args.loss}, dup {args.dup}, reorder {args.reorder}, "
        f"rate {args.rate or 'unlimited'}, seed {args.seed})",
        flush=True,
    )
    try:
        relay.run(duration)
    except KeyboardInterrupt:
        pass
    finally:
        c = relay.counters()
        print(
            f"relay: received {c['received']} forwarded {c['forwarded']} dropped {c['dropped']} "
            f"duplicated {c['duplicated']} reordered {c['reordered']}",
            flush=True,
        )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "relay", help="impairing UDP (or TCP) relay for testing over loopback", description=__doc__
    )
    parser.add_argument("--tcp", action="store_true", help="relay TCP connections instead of UDP")
    parser.add_argument("--listen", required=True, help="HOST:PORT to receive clients on")
    parser.add_argument("--forward", required=True, help="HOST:PORT of the server")
    parser.add_argument("--delay", default="0ms", help="one-way delay per direction (50ms)")
    parser.add_argument("--jitter", default="0ms", help="uniform +- jitter per packet (10ms)")
    parser.add_argument("--loss", default="0%", help="random loss per direction (1%%)")
    parser.add_argument("--dup", default="0%", help="duplication probability (0.5%%)")
    parser.add_argument("--reorder", default="0%", help="probability of holding a packet back 10 ms")
    parser.add_argument("--rate", default="", help="rate cap per direction, tc units (1mbit)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the impairment decisions")
    parser.add_argument("--duration", default="", help="stop after this many seconds")
    parser.set_defaults(func=run)
