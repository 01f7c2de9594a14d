"""``theta-net serve``: the reference game's server on QUIC. It completes the theta_net session
handshake with each client (the client proves its key), spawns its player, streams the world
around it and replicates the other players; it logs one line per session event. Roles hold:
``--token T:viewer`` makes T a viewer's token, whose inputs and chat are refused, and makes a
token required; ``--admin-token`` gives the admin role (kick, ban, role change) without closing
the server to clients that carry no token. ``--events FILE`` writes the server's JSONL event
stream (docs/replay.md), refusals (``permission_denied``) and controls (``session_control``)
included. ``--dashboard HOST:PORT`` serves the live dashboard (docs/dashboard.md) from the same
process; its resync and kick buttons need one of the ``--admin-token`` values."""

from __future__ import annotations

import argparse
import sys
import time

from .. import _core, protocol
from ..dashboard import DashboardError, DashboardServer, parse_address


def _parse_tokens(values, admin_tokens=()) -> dict:
    tokens = {}
    for value in values or []:
        token, _, role = value.partition(":")
        tokens[token] = role or "editor"
    for token in admin_tokens or []:
        tokens[token] = "admin"
    return tokens


def run(args: argparse.Namespace) -> int:
    if bool(args.cert) != bool(args.key):
        print("theta-net serve: --cert and --key go together", file=sys.stderr)
        return 2
    if args.keep_freed_mib < 0:
        print(
            f"theta-net serve: --keep-freed-mib must be 0 or more, not {args.keep_freed_mib}", file=sys.stderr
        )
        return 2
    major, minor = protocol.PROTOCOL_VERSION
    started = time.monotonic()
    dashboard = None
    if args.dashboard:
        try:
            host, port = parse_address(args.dashboard)
            dashboard = DashboardServer(host, port, admin_tokens=args.admin_token or [])
            dashboard.start()
        except (ValueError, DashboardError) as e:
            print(f"theta-net serve: {e}", file=sys.stderr)
            return 2

    def stamp() -> str:
        return f"[{time.monotonic() - started:8.3f}]"

    def on_ready(info: dict) -> None:
        print(
            f"theta-net serve: listening on {info['address']} (ALPN {protocol.ALPN}, protocol "
            f"{major}.{minor}, schema 0x{protocol.schema_hash():016x})"
        )
        print(f"  certificate sha256 {info['certificate_sha256']}")
        host = f"[{args.bind}]" if ":" in args.bind else args.bind
        port = info["address"].rsplit(":", 1)[1]
        print(
            f"  HTTP/3 on the same UDP port: https://{host}:{port}/metrics, /status"
            + (f", /assets/<sha256> from {args.assets}" if args.assets else "")
        )
        if "stream_port" in info:
            scheme = "wss" if args.stream_tls else "ws"
            print(
                f"  also on TCP {args.bind}:{info['stream_port']} (theta/1 records, and WebSocket "
                f"{scheme}://{args.bind}:{info['stream_port']}/ with subprotocol theta.v1)"
            )
        if "stream_certificate_sha256" in info:
            print(f"  stream certificate sha256 {info['stream_certificate_sha256']}")
        print(f"  server key {info['public_key']}")
        if args.token:
            print(f"  tokens required ({len(_parse_tokens(args.token, args.admin_token))} configured)")
        elif args.admin_token:
            print("  open to clients without a token; admins prove themselves with --admin-token")
        if args.events:
            print(f"  events to {args.events}")
        if dashboard is not None:
            print(f"  dashboard on {dashboard.url}")
        sys.stdout.flush()

    def on_event(event: dict) -> None:
        sid = f"{event['session_id']:016x}"
        kind = event["kind"]
        if kind == "session_started":
            print(
                f"{stamp()} session {sid} started ({event['detail']}): role {event['role']}, client "
                f"'{event['client_name']}', protocol {major}.{event['minor']}, "
                f"capabilities 0x{event['capabilities']:x}"
            )
        elif kind == "session_ended":
            print(f"{stamp()} session {sid} ended: {event['detail']}")
        elif kind == "refused":
            print(f"{stamp()} connection {event['connection']} refused: {event['detail']}")
        elif kind == "permission_denied":
            print(f"{stamp()} session {sid} refused {event['message']} (role {event['role']})")
        elif kind == "session_control":
            verdict = "done" if event["accepted"] else "refused"
            print(
                f"{stamp()} session {sid} {event['action']} of {event['target']} {verdict}: {event['detail']}"
            )
        elif args.verbose:
            print(f"{stamp()} session {sid}: {event['message']}")
        sys.stdout.flush()

    if args.keep_freed_mib:
        # The server is this process: let malloc reuse freed buffers (docs/transport.md, "Allocator").
        if not _core.keep_freed_memory(args.keep_freed_mib << 20):
            print(
                "theta-net serve: --keep-freed-mib not applied (the C library is not glibc)", file=sys.stderr
            )
    try:
        summary = _core.serve(
            args.bind,
            args.port,
            args.cert or "",
            args.key or "",
            _parse_tokens(args.token, args.admin_token),
            args.duration,
            args.tick_rate,
            args.motd,
            args.terrain,
            args.seed,
            args.view_radius,
            on_ready,
            on_event,
            args.events,
            args.stream_port,
            args.ws_origin or [],
            args.stream_tls,
            on_status=dashboard.publish if dashboard is not None else None,
            status_interval=args.status_interval,
            # Admin tokens alone leave the server open: players need a token only with --token.
            tokens_required=bool(args.token),
            assets=args.assets,
            qlog_dir=args.qlog or "",
        )
    except KeyboardInterrupt:
        print("theta-net serve: interrupted")
        return 0
    finally:
        if dashboard is not None:
            dashboard.stop()
    figures = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in summary.items() if not isinstance(v, dict))
    print(f"theta-net serve: {figures}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("serve", help="run the reference game server on QUIC (and TCP/WebSocket)")
    parser.add_argument("--bind", default="127.0.0.1", metavar="HOST", help="address to listen on")
    parser.add_argument("--port", type=int, default=4433, help="UDP port (0 = any free port)")
    parser.add_argument(
        "--stream-port",
        type=int,
        metavar="PORT",
        help="also listen on this TCP port (0 = any free one): theta/1 records and WebSocket, told apart "
        "by the first byte; may be the same number as --port",
    )
    parser.add_argument(
        "--ws-origin",
        action="append",
        metavar="ORIGIN",
        help="a web page origin allowed to connect over WebSocket (http://host:port, or * for any); "
        "repeatable; clients that send no Origin (not browsers) are always allowed",
    )
    parser.add_argument(
        "--stream-tls",
        action="store_true",
        help="TLS on the stream port (wss://), with --cert/--key or a self-signed certificate of its own",
    )
    parser.add_argument(
        "--dashboard",
        metavar="HOST:PORT",
        help="serve the live dashboard page on this address (docs/dashboard.md); viewing needs no token "
        "on a loopback address, actions always need an --admin-token",
    )
    parser.add_argument(
        "--status-interval",
        type=float,
        default=0.25,
        metavar="SECONDS",
        help="how often the dashboard gets a fresh status (default 0.25)",
    )
    parser.add_argument(
        "--assets",
        metavar="DIR",
        help="serve the content-addressed asset store in DIR (files named by their SHA-256 in lower-case "
        "hex) over HTTP/3 on the game's port: GET/HEAD /assets/<sha256> with Range, PUT for editors",
    )
    parser.add_argument(
        "--qlog",
        metavar="DIR",
        help="write a qlog file (ngtcp2's JSON-SEQ trace) per QUIC connection into DIR, for debugging",
    )
    parser.add_argument(
        "--keep-freed-mib",
        type=int,
        default=64,
        metavar="MIB",
        help="let this process keep up to MIB of freed heap for reuse (theta_net.keep_freed_memory; "
        "default 64; 0 = the C library's defaults, which hand memory back at once)",
    )
    parser.add_argument("--cert", help="PEM certificate (default: a self-signed one made at start)")
    parser.add_argument("--key", help="PEM private key for --cert")
    parser.add_argument(
        "--token",
        action="append",
        metavar="TOKEN[:ROLE]",
        help="require a token; ROLE is viewer, player, editor (default) or admin; repeatable",
    )
    parser.add_argument(
        "--admin-token",
        action="append",
        metavar="TOKEN",
        help="a token with the admin role (kick, ban, role change) and the dashboard's actions; alone it "
        "does not close the server to clients without a token; repeatable",
    )
    parser.add_argument(
        "--events", metavar="FILE", help="write the server's JSONL event stream (docs/replay.md) to FILE"
    )
    parser.add_argument(
        "--tick-rate",
        type=int,
        default=20,
        choices=tuple(_core.tick_rates()),
        help="simulation ticks per second",
    )
    parser.add_argument(
        "--terrain", default="hills", choices=tuple(_core.terrain_names()), help="world generator"
    )
    parser.add_argument("--seed", type=int, default=1, help="world seed")
    parser.add_argument("--view-radius", type=int, default=4, help="chunks streamed around each player")
    parser.add_argument("--motd", default="", help="message of the day sent to clients")
    parser.add_argument(
        "--duration", type=float, default=0.0, help="stop after this many seconds (default: run until Ctrl-C)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="also log every message")
    parser.set_defaults(func=run)
