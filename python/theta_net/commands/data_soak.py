"""``theta-net data soak``: the data layer's soak and load tool (like redis-benchmark or pgbench
for this layer). A DataServer holds E entities; N clients named c0..c<N-1> connect, take a full
sync, and mirror W writes per second (split between the server and the clients' local writes,
every choice from the seed) for S seconds; then the writes stop and the run drains until every
mirror holds the server's version. Over ``sim`` the run is in virtual time (fast, deterministic);
over ``quic`` (``tcp``, ``ws``) real QUIC (TCP, WebSocket) connections on 127.0.0.1 run for S
seconds of wall time, through an impairing UDP (TCP) relay per client when a latency, loss or
partition is given.

Prints one JSON object with ``--json`` (converged, clients, server_version, broadcast_latency_ms
{p50, p99}, full_sync_s {p50, max}, catchups {archive, full}, peak_queue_bytes,
wire_bytes_per_client, and more). Exit status: 0 converged, 1 not converged, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Optional, Tuple

from .._core import TRANSPORTS, data_soak
from ..data import write_batch_recording
from ..transport import parse_duration, parse_percent

_CLIENT = re.compile(r"^c(\d+)$")


def parse_seconds(text: str) -> float:
    """'10' -> 10.0 (a bare number is seconds here); '10s', '500ms', '2m' as parse_duration."""
    try:
        return float(text)
    except ValueError:
        return parse_duration(text)


def parse_partition(text: str, clients: int) -> Tuple[int, float, float]:
    """'c3:20s:30s' -> (3, 20.0, 30.0): client c3 cut off 20 s into the run for 30 s."""
    parts = text.split(":")
    if len(parts) != 3:
        raise ValueError(f"bad partition {text!r} (CLIENT:START:LENGTH, e.g. c3:20s:30s)")
    m = _CLIENT.match(parts[0])
    if not m:
        raise ValueError(f"bad partition client {parts[0]!r} (clients are c0..c{clients - 1})")
    index = int(m.group(1))
    if index >= clients:
        raise ValueError(f"partition client {parts[0]} is not in the run (clients are c0..c{clients - 1})")
    start, length = parse_duration(parts[1]), parse_duration(parts[2])
    if length <= 0:
        raise ValueError(f"bad partition {text!r}: the length must be positive")
    return index, start, length


def _percent(text: str) -> float:
    try:
        return parse_percent(text)
    except ValueError:
        raise ValueError(f"bad percentage {text!r} (e.g. 5%)") from None


def _summary(report: dict) -> str:
    lat, sync, catch = report["broadcast_latency_ms"], report["full_sync_s"], report["catchups"]
    return "\n".join(
        [
            f"soak over {report['transport']}: {report['clients']} clients, {report['entities']} "
            f"entities, {report['seconds']:g} s of writes, server version {report['server_version']}",
            f"converged: {report['converged']} ({report['clients_converged']}/{report['clients']} "
            f"mirrors equal the server's store; drained in {report['drain_s']:.3f} s)",
            f"broadcast latency: p50 {lat['p50']:.3f} ms, p99 {lat['p99']:.3f} ms, "
            f"max {lat['max']:.3f} ms over {lat['samples']} samples",
            f"full sync: p50 {sync['p50']:.3f} s, max {sync['max']:.3f} s over {sync['syncs']} syncs",
            f"catch-ups: {catch['archive']} from the archive, {catch['full']} full",
            f"peak queue {report['peak_queue_bytes']} bytes, {report['wire_bytes_per_client']} wire "
            f"bytes per client",
        ]
    )


def run(args: argparse.Namespace) -> int:
    try:
        seconds = parse_seconds(args.seconds)
        latency = parse_duration(args.latency)
        loss = _percent(args.loss)
        drain = parse_seconds(args.drain_timeout)
        step = parse_duration(args.step) if args.step else 0.0
        flush = parse_duration(args.flush_interval) if args.flush_interval else 0.0
        partition: Optional[Tuple[int, float, float]] = None
        if args.partition:
            partition = parse_partition(args.partition, args.clients)
        if args.clients < 1:
            raise ValueError(f"--clients must be at least 1, not {args.clients}")
        if args.entities < 1:
            raise ValueError(f"--entities must be at least 1, not {args.entities}")
        if seconds <= 0:
            raise ValueError(f"--seconds must be positive, not {args.seconds!r}")
        if args.writes_per_second < 0:
            raise ValueError(f"--writes-per-second must be >= 0, not {args.writes_per_second}")
        dictionary = Path(args.dictionary).read_bytes() if args.dictionary else None
    except (ValueError, OSError) as exc:
        print(f"theta-net data soak: {exc}", file=sys.stderr)
        return 2
    report = data_soak(
        clients=args.clients,
        entities=args.entities,
        seconds=seconds,
        writes_per_second=args.writes_per_second,
        transport=args.transport,
        latency=latency,
        loss=loss,
        partition=partition,
        seed=args.seed,
        server_share=args.server_share,
        drain_timeout=drain,
        step=step,
        flush_interval=flush,
        bytes_per_second=args.bytes_per_second,
        record_batches=bool(args.record_batches),
        dictionary=dictionary,
        signed_commands=args.signed,
    )
    if args.record_batches:
        recorded = report.pop("recorded_batches")
        write_batch_recording(args.record_batches, recorded)
        report["recorded_batches"] = len(recorded)
    print(json.dumps(report) if args.json else _summary(report), flush=True)
    return 0 if report["converged"] else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "soak",
        help="soak and load run of the data layer (sim or QUIC)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--clients", type=int, required=True, help="clients, named c0..c<N-1>")
    parser.add_argument("--entities", type=int, required=True, help="entities the server holds")
    parser.add_argument("--seconds", required=True, help="how long the writes go on (10, 10s, 2m)")
    parser.add_argument("--writes-per-second", type=float, required=True, help="writes per second, all told")
    parser.add_argument(
        "--transport", choices=TRANSPORTS, default="sim", help="SimNet, QUIC, TCP or WebSocket"
    )
    parser.add_argument("--latency", default="0ms", help="one-way latency of every client's link (50ms)")
    parser.add_argument("--loss", default="0%", help="loss of every client's link, each way (5%%)")
    parser.add_argument("--partition", default="", help="CLIENT:START:LENGTH, e.g. c3:20s:30s")
    parser.add_argument("--seed", type=int, default=1, help="seed of every random choice")
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    parser.add_argument(
        "--server-share", type=float, default=0.5, help="share of the writes the server makes (0..1)"
    )
    parser.add_argument(
        "--drain-timeout", default="30", help="longest drain after the writes (seconds, or 30s)"
    )
    parser.add_argument("--step", default="", help="driver step (default 1ms sim, 2ms quic)")
    parser.add_argument("--flush-interval", default="", help="flush on a fixed tick (default: every step)")
    parser.add_argument("--bytes-per-second", type=int, default=0, help="per-client budget (0 = default)")
    parser.add_argument(
        "--record-batches", default="", metavar="FILE", help="write every batch the server closed to FILE"
    )
    parser.add_argument(
        "--dictionary", default="", metavar="FILE", help="a zstd dictionary the server and clients use"
    )
    parser.add_argument(
        "--signed", action="store_true", help="the clients' writes go as signed commands (a command log)"
    )
    parser.set_defaults(func=run)
