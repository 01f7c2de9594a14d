"""``theta-net connect HOST:PORT``: a headless scripted client against ``theta-net serve``. It
joins, loads the world around it, walks a square (or stands still), places and breaks a block in
front of it, says hello, prints a status line every second and a summary at the end. The server
decides what the token's role may do: a viewer's block and chat are refused (the summary counts
the refusals). Exit code 0 when it joined and loaded chunks, 1 otherwise."""

from __future__ import annotations

import argparse
import math
import sys
import time

from .. import Client
from .. import transport as t

SQUARE = [0, 90, 180, 270]  # yaw of each side of the walked square, degrees


def _address(text: str):
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT")
    return host.strip("[]"), int(port)


def _status(now: float, client: Client) -> str:
    m = client.metrics
    player = client.player
    where = "no player yet" if player is None else "at ({:.1f}, {:.1f}, {:.1f})".format(*player["position"])
    return (
        f"[{now:6.1f}] {'joined' if m['established'] else 'joining'}, {where}, RTT {m['rtt_ms']:.1f} ms, "
        f"{m['chunks_loaded']} chunks, {m['reconciliations']} corrections, "
        f"{len(client.remote_players(now))} others in view"
    )


def _script(args: argparse.Namespace, client: Client, now: float, state: dict) -> None:
    """Walks a square (each side `--side` seconds), builds once at 3 s and breaks at 5 s."""
    if client.player is None:
        return
    if not state.get("spoke"):
        client.say(args.say)
        state["spoke"] = True
    x, y, z = (int(v // 1) for v in client.player["position"])
    if args.build and now >= 3 and not state.get("placed"):
        client.intent(place=(x, y - 1, z + 2), block="planks")
        state["placed"] = (x, y, z + 2)
    elif args.build and now >= 5 and state.get("placed") and not state.get("broken"):
        client.intent(break_block=state["placed"])
        state["broken"] = True
    elif args.walk and now >= 6:
        side = int((now - 6) // args.side) % 4
        client.intent(move=["forward"], yaw=SQUARE[side])


def run(args: argparse.Namespace) -> int:
    host, port = args.address
    # The Client's driver reconnects (and resumes the session) by itself: the endpoint does not.
    if args.transport == "quic":
        endpoint = t.QuicClient(host, port, pinned_sha256=args.pin or "", reconnect=False)
    else:  # a server's --stream-port
        endpoint = t.TcpClient(
            host,
            port,
            framing="websocket" if args.transport == "ws" else "records",
            tls=args.tls,
            pinned_sha256=args.pin or "",
        )
    client = Client(endpoint, args.name, token=args.token)
    started = time.monotonic()
    next_status = 1.0
    state: dict = {}
    now = 0.0
    while now < args.duration:
        client.wait(0.005)
        now = time.monotonic() - started
        client.step(now)
        _script(args, client, now, state)
        if now >= next_status:
            print(_status(now, client))
            sys.stdout.flush()
            # One line per second of play; after a pause (a suspended process) one line, not one
            # for every second missed.
            next_status = math.floor(now) + 1.0
    print(_summary(args, host, port, client.metrics))
    for denial in client.permission_denials():
        print(f"theta-net connect: refused by the server: {denial['text']}")
    m = client.metrics
    return 0 if m["connections"] > 0 and m["chunks_loaded"] > 0 else 1


def _summary(args: argparse.Namespace, host: str, port: int, m: dict) -> str:
    """The whole run, across every connection the client had (its driver keeps the counters)."""
    if m["connections"] == 0:
        joined = "never joined"
    else:
        joined = (
            "joined" if m["connections"] == 1 else f"joined {m['connections']} times ({m['resumes']} resumed)"
        )
        if not m["established"]:
            joined += ", not connected at the end"
    pauses = f", {m['pauses']} pauses" if m["pauses"] else ""
    refused = (
        f", {m['permission_denied']} messages refused for permission" if m.get("permission_denied") else ""
    )
    return (
        f"theta-net connect: {joined} {host}:{port} as {args.name!r} for {args.duration:.0f} s: "
        f"{m['chunks_loaded']} chunks (mean load {m['chunk_load_ms_mean']:.0f} ms), {m['inputs_sent']} "
        f"inputs, {m['reconciliations']} corrections, reconciliation error "
        f"{m['reconciliation_error_ms_mean']:.2f} ms mean, RTT {m['rtt_ms']:.1f} ms{pauses}, "
        f"{m.get('wire_bytes_received', 0) / 1024:.0f} KiB received{refused}"
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "connect",
        help="a headless scripted client against theta-net serve",
        description=__doc__.split("\n\n")[0].replace("``", ""),
    )
    parser.add_argument("address", type=_address, metavar="HOST:PORT", help="the server, e.g. 127.0.0.1:4433")
    parser.add_argument("--name", default="headless", help="the player's name")
    parser.add_argument("--token", help="an auth token, when the server requires one")
    parser.add_argument("--pin", metavar="SHA256", help="the server certificate's SHA-256 (hex)")
    parser.add_argument(
        "--transport",
        choices=("quic", "tcp", "ws"),
        default="quic",
        help="QUIC (default), or TCP records or WebSocket to the server's --stream-port",
    )
    parser.add_argument("--tls", action="store_true", help="tcp/ws over TLS (a --stream-tls server)")
    parser.add_argument("--duration", type=float, default=15.0, metavar="S", help="seconds to play")
    parser.add_argument("--side", type=float, default=2.0, metavar="S", help="seconds per side of the square")
    parser.add_argument("--no-walk", dest="walk", action="store_false", help="stand still")
    parser.add_argument("--no-build", dest="build", action="store_false", help="do not place or break")
    parser.add_argument("--say", default="hello from theta-net connect", help="a chat line sent on joining")
    parser.set_defaults(func=run)
