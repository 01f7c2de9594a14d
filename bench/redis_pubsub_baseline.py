#!/usr/bin/env python3
"""The baseline a team would pick instead of theta_net's data layer: every write published as JSON
through Redis pub/sub (Debian's redis-server, started here on loopback) to N subscribers that each
apply it to their own copy of the tables.

Each subscriber is its own process (as N game clients would be), reads with redis-py, applies
each write to a dict of tables and records the latency from the publisher's clock
(``time.monotonic_ns``, one system-wide clock on this machine) to the moment the write is
applied. Bytes are what each subscriber's socket carries: the RESP framing of a pub/sub message
around the JSON, counted exactly.

    .venv/bin/python bench/redis_pubsub_baseline.py --clients 16 --writes-per-second 200 --seconds 5

bench/data_bench.py runs it next to theta_net in the same run.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import shutil
import socket
import statistics
import subprocess
import tempfile
import time

import redis

CHANNEL = "data"
STOP = b'{"stop":true}'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def resp_bytes(channel: str, payload: bytes) -> int:
    """Bytes of one pub/sub message on a subscriber's socket: a RESP array of three bulk strings."""
    parts = [b"message", channel.encode(), payload]
    total = len(b"*3\r\n")
    for part in parts:
        total += len(f"${len(part)}\r\n".encode()) + len(part) + 2
    return total


class RedisServer:
    """redis-server on a free loopback port with no persistence; stopped on exit."""

    def __init__(self) -> None:
        if not shutil.which("redis-server"):
            raise RuntimeError("redis-server is not installed (scripts/bootstrap installs it)")
        self.port = free_port()
        self.dir = tempfile.TemporaryDirectory()
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir.name,
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(host="127.0.0.1", port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def __enter__(self) -> "RedisServer":
        return self

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.dir.cleanup()


def subscriber(port: int, ready, results) -> None:
    client = redis.Redis(host="127.0.0.1", port=port)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(CHANNEL)
    ready.put(True)
    tables: dict = {}
    latencies = []
    wire = 0
    for message in pubsub.listen():
        data = message["data"]
        wire += resp_bytes(CHANNEL, data)
        if data == STOP:
            break
        write = json.loads(data)
        row = tables.setdefault(write["table"], {}).setdefault(write["entity"], {})
        for component, fields in write["set"].items():
            row.setdefault(component, {}).update(fields)
        latencies.append(time.monotonic_ns() - write["t"])
    digest = json.dumps(tables, sort_keys=True)
    results.put({"latencies_ns": latencies, "wire_bytes": wire, "digest": digest})


def run(clients: int, writes_per_second: float, seconds: float, entities: int, seed: int = 1) -> dict:
    """Publishes writes_per_second * seconds writes to `clients` subscribers; returns the figures."""
    rng = random.Random(seed)
    ctx = mp.get_context("fork")
    with RedisServer() as server:
        ready, results = ctx.Queue(), ctx.Queue()
        procs = [ctx.Process(target=subscriber, args=(server.port, ready, results)) for _ in range(clients)]
        for p in procs:
            p.start()
        for _ in procs:
            ready.get(timeout=30)
        publisher = redis.Redis(host="127.0.0.1", port=server.port)
        while publisher.pubsub_numsub(CHANNEL)[0][1] < clients:
            time.sleep(0.01)
        total = int(writes_per_second * seconds)
        interval = 1.0 / writes_per_second
        start = time.monotonic()
        published = 0
        for i in range(total):
            due = start + i * interval
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            entity = rng.randrange(entities)
            write = {
                "table": "units",
                "entity": entity,
                "set": {"health": {"hp": rng.randrange(101)}, "position": {"x": rng.randrange(-512, 512)}},
                "t": time.monotonic_ns(),
            }
            publisher.publish(CHANNEL, json.dumps(write, separators=(",", ":")))
            published += 1
        publisher.publish(CHANNEL, STOP)
        reports = [results.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(timeout=30)
    latencies = sorted(ns / 1e6 for r in reports for ns in r["latencies_ns"])
    converged = len({r["digest"] for r in reports}) == 1

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0.0

    return {
        "system": "redis pub/sub + JSON",
        "clients": clients,
        "writes": published,
        "converged": converged,
        "broadcast_latency_ms": {"p50": statistics.median(latencies) if latencies else 0.0, "p99": pct(0.99)},
        "wire_bytes_per_client": statistics.median(r["wire_bytes"] for r in reports),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--writes-per-second", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--entities", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(run(args.clients, args.writes_per_second, args.seconds, args.entities, args.seed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
