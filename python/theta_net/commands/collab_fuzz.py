"""``theta-net collab fuzz``: the collaboration layer's convergence fuzz run (issue 15's
contract). N clients, each with its own Ed25519 key, make K random writes in all over SimNet
(virtual time), each write read from and made against the writer's own mirror, signed and sent
the real way (ClientDB -> CollabClient -> SimNet -> CollabHost -> ConflictResolver -> DataHost).
The schema has a table per conflict strategy (server, lww, merge:counter, merge:set, merge:text),
with few entities so that writes meet. Links can lose, reorder and duplicate packets, and one
client can be cut off for a while. After the writes the run drains until every mirror holds the
server's version with nothing unanswered.

Prints one JSON object with ``--json``: ``converged`` (every mirror's SHA-256 digest equals the
server store's), ``conflicts`` (strategy -> count), ``log_entries``, ``state_hash`` (hex), and
more (writes, confirm_latency_ms, ...). The same arguments give the same JSON, byte for byte.
Exit status: 0 converged, 1 not converged, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Optional, Tuple

from .._core import collab_fuzz
from ..transport import parse_duration, parse_percent
from .data_soak import parse_partition, parse_seconds


def _count(low: int, high: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be {low}..{high}, not {value}")
        return value

    return parse


def _percent(text: str) -> float:
    try:
        return parse_percent(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad percentage {text!r} (e.g. 5%)") from None


def _duration(text: str) -> float:
    """parse_seconds for argparse: '10' -> 10.0, '10s', '500ms', '2m'."""
    try:
        return parse_seconds(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_duration_arg(text: str) -> float:
    """'25ms', '1s' -> seconds (a bare number is milliseconds, as in netem)."""
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _summary(report: dict) -> str:
    writes, lat = report["writes"], report["confirm_latency_ms"]
    conflicts = ", ".join(f"{name} {count}" for name, count in report["conflicts"].items())
    return "\n".join(
        [
            f"collab fuzz: {report['clients']} clients, {writes['issued']}/{writes['planned']} writes "
            f"issued, {report['seconds']:g} s of virtual time",
            f"converged: {report['converged']} ({report['clients_converged']}/{report['clients']} "
            f"mirrors have the server's digest)",
            f"state hash: {report['state_hash']}",
            f"log entries: {report['log_entries']}; writes accepted {writes['accepted']}, refused "
            f"{writes['refused']}, lost {writes['lost']}",
            f"conflicts: {conflicts}",
            f"write to confirmation: p50 {lat['p50']:.1f} ms, p99 {lat['p99']:.1f} ms over "
            f"{lat['samples']} writes",
        ]
    )


def run(args: argparse.Namespace) -> int:
    partition: Optional[Tuple[int, float, float]] = None
    try:
        if args.partition:
            partition = parse_partition(args.partition, args.clients)
        if args.seconds <= 0:
            raise ValueError(f"--seconds must be positive, not {args.seconds:g}")
        if args.step <= 0:
            raise ValueError(f"--step must be positive, not {args.step:g}")
        if args.latency < 0 or args.drain_timeout < 0:
            raise ValueError("--latency and --drain-timeout must be >= 0")
    except ValueError as exc:
        print(f"theta-net collab fuzz: {exc}", file=sys.stderr)
        return 2
    report = collab_fuzz(
        clients=args.clients,
        ops=args.ops,
        seed=args.seed,
        loss=args.loss,
        reorder=args.reorder,
        duplicate=args.duplicate,
        partition=partition,
        latency=args.latency,
        duration=args.seconds,
        entities=args.entities,
        drain_timeout=args.drain_timeout,
        step=args.step,
        signed_commands=not args.unsigned,
        keep_log=bool(args.log),
    )
    if args.log:
        Path(args.log).write_bytes(report.pop("command_log"))
    print(json.dumps(report) if args.json else _summary(report), flush=True)
    return 0 if report["converged"] else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "fuzz",
        help="convergence fuzz: N signed writers over a lossy SimNet",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--clients", type=_count(1, 1024), required=True, help="clients, c0..c<N-1>")
    parser.add_argument("--ops", type=_count(0, 1_000_000), required=True, help="writes in all")
    parser.add_argument("--seed", type=_count(0, 2**64 - 1), default=1, help="seed of every random choice")
    parser.add_argument("--loss", type=_percent, default=0.0, help="loss of every link, each way (5%%)")
    parser.add_argument("--reorder", type=_percent, default=0.0, help="packets held back 10 ms (10%%)")
    parser.add_argument("--duplicate", type=_percent, default=0.0, help="packets sent twice (1%%)")
    parser.add_argument("--partition", default="", help="CLIENT:START:LENGTH, e.g. c0:4s:10s")
    parser.add_argument("--latency", type=parse_duration_arg, default=0.025, help="one way (default 25ms)")
    parser.add_argument("--seconds", type=_duration, default=10.0, help="the writes spread over (10, 10s)")
    parser.add_argument("--entities", type=_count(1, 1000), default=4, help="entities per table")
    parser.add_argument("--drain-timeout", type=_duration, default=60.0, help="longest drain (60, 60s)")
    parser.add_argument("--step", type=parse_duration_arg, default=0.001, help="driver step (default 1ms)")
    parser.add_argument(
        "--unsigned", action="store_true", help="the data layer's unsigned writes (baseline: no log)"
    )
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    parser.add_argument(
        "--log",
        metavar="FILE",
        help="write the server's command log to FILE (theta-net collab replay reads it)",
    )
    parser.set_defaults(func=run)
