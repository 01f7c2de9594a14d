#!/usr/bin/env python3
"""What head-of-line blocking costs: entity updates over QUIC (unreliable datagrams), TCP and
WebSocket (carried reliably on one stream), each through its impairment relay at 100 ms RTT and
1% loss, measured in the same run.

The server sends one entity update of UPDATE_BYTES on the entities lane per 50 ms tick (20 Hz)
to one client, the send time inside; the client notes when each arrives. Reported per transport:
one-way latency p50/p95/p99/max over the updates that arrived, updates lost, updates later than
the link's latency + 100 ms, and the bytes on the wire per client (both directions, framing and
acknowledgements included).

    .venv/bin/python bench/byte_stream_bench.py [--seconds 30] [--loss 1%] [--latency 50ms]
"""

from __future__ import annotations

import argparse
import json
import statistics
import struct
import threading
import time

from theta_net import transport as t

UPDATE_BYTES = 200
TICK_S = 0.05


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def endpoints(kind: str, link: t.LinkConfig, seed: int):
    """A server, a relay in front of it and a client dialing the relay."""
    if kind == "quic":
        server = t.QuicServer(port=0, bbr=True)
        relay = t.UdpRelay("127.0.0.1:0", f"127.0.0.1:{server.port}", link, seed)
        client = t.QuicClient("127.0.0.1", relay.port, reconnect=False, bbr=True)
    else:
        framing = "websocket" if kind == "ws" else "records"
        server = t.TcpServer(port=0, framing=framing)
        relay = t.TcpRelay("127.0.0.1:0", f"127.0.0.1:{server.port}", link, seed)
        client = t.TcpClient("127.0.0.1", relay.port, framing=framing)
    return server, relay, client


def measure(kind: str, seconds: float, link: t.LinkConfig, seed: int) -> dict:
    server, relay, client = endpoints(kind, link, seed)
    relay_thread = threading.Thread(target=relay.run, args=(seconds + 30,), daemon=True)
    relay_thread.start()
    deadline = time.monotonic() + 15
    while client.current is None or not server.connections():
        assert time.monotonic() < deadline, f"{kind}: no connection"
        server.poll(0.001)
        client.poll(0.001)
        server.events()
        client.events()
    conn, sent, arrivals = server.connections()[0], {}, {}
    started = time.monotonic()
    next_tick, seq = started, 0
    while True:
        now = time.monotonic()
        if now >= next_tick and now - started < seconds:
            payload = struct.pack("<Id", seq, time.perf_counter()) + bytes(UPDATE_BYTES - 12)
            server.send(conn, t.Lane.ENTITIES, payload)
            sent[seq] = now
            seq += 1
            next_tick += TICK_S
        server.poll(0.0005)
        client.poll(0.0005)
        server.events()
        for e in client.events():
            if e.kind == t.EventKind.MESSAGE and e.lane == t.Lane.ENTITIES:
                number, stamp = struct.unpack_from("<Id", e.payload)
                arrivals[number] = time.perf_counter() - stamp
        # After the sending stops, wait long enough for retransmissions, then stop.
        if now - started > seconds + 2.0:
            break
    stats = client.stats(client.current)
    relay.stop()
    relay_thread.join()
    latencies_ms = [v * 1000 for v in arrivals.values()]
    budget_ms = link.latency * 1000 + 100
    return {
        "transport": kind,
        "updates_sent": len(sent),
        "updates_arrived": len(arrivals),
        "updates_lost": len(sent) - len(arrivals),
        "late_over_budget": sum(1 for v in latencies_ms if v > budget_ms),
        "latency_ms": {
            "p50": round(percentile(latencies_ms, 0.50), 1),
            "p95": round(percentile(latencies_ms, 0.95), 1),
            "p99": round(percentile(latencies_ms, 0.99), 1),
            "max": round(max(latencies_ms), 1) if latencies_ms else None,
            "mean": round(statistics.fmean(latencies_ms), 1) if latencies_ms else None,
        },
        "wire_bytes_per_client": int(stats["bytes_sent"] + stats["bytes_received"]),
        "relay": relay.counters(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--loss", default="1%")
    parser.add_argument("--latency", default="50ms", help="one way, each direction")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", choices=("quic", "tcp", "ws"))
    args = parser.parse_args()
    link = t.LinkConfig()
    link.latency = t.parse_duration(args.latency)
    link.loss = t.parse_percent(args.loss)
    for kind in [args.only] if args.only else ["quic", "tcp", "ws"]:
        print(json.dumps(measure(kind, args.seconds, link, args.seed)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
