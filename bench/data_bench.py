#!/usr/bin/env python3
"""Data layer benchmarks (issue 14's targets), each next to its baseline in the same run:

  full-sync   100,000 entities with 3 components to one client: time, bytes, and bytes next to
              `zstd -19` of the naive msgpack dump of the same state
  broadcast   commit -> applied latency and wire bytes to 1, 16 and 64 clients at low load, over
              SimNet (zero latency) and QUIC on loopback (`theta-net data soak`), next to the same
              writes published as JSON through Redis pub/sub to as many subscribers
  catch-up    a client partitioned for 30 s while the others see 1,000 batches: its catch-up
              from the archive against a full resync
  stalled     the largest per-client queue on the server while a client stops reading for 60 s
  dictionary  zstd with and without a dictionary trained on recorded batches

    ./dev bench data                  # or: .venv/bin/python bench/data_bench.py [--only NAME]

Prints one JSON object per section; docs/benchmarks.md quotes them.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import msgpack
import zstandard

from theta_net import _core, data

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

UNITS = """
[schema]
name = "bench"
version = "1.0"

[[table]]
name = "units"

[[table.component]]
name = "position"
fields = [
  { name = "x", type = "fixed", frac_bits = 4, min = -4096, max = 4096 },
  { name = "y", type = "fixed", frac_bits = 4, min = -64, max = 320 },
  { name = "z", type = "fixed", frac_bits = 4, min = -4096, max = 4096 },
]

[[table.component]]
name = "health"
fields = [
  { name = "hp", type = "int", min = 0, max = 100, default = 100 },
  { name = "alive", type = "bool", default = true },
]

[[table.component]]
name = "tag"
fields = [
  { name = "team", type = "enum", values = ["red", "blue", "green"] },
  { name = "label", type = "string", max = 16 },
]
"""


def body_bytes(message) -> int:
    return len(_core.protocol_encode_body(message[0], message[1]))


def fill(host, entities: int, seed: int = 7) -> list:
    """Commits `entities` units with seeded values; returns the naive dump of the same state."""
    rng = _core.Rng(seed)
    dump = []
    tx = host.transaction()
    for e in range(entities):
        row = {
            "position": {"x": rng.uniform_int(-64000, 64000) / 16, "y": 64.0, "z": float(e % 4000)},
            "health": {"hp": e % 101, "alive": e % 7 != 0},
            "tag": {"team": ("red", "blue", "green")[e % 3], "label": f"u{e}"},
        }
        tx.update("units", e + 1, row)
        dump.append([e + 1, row])
    host.commit(tx)
    host.flush(0.0)
    return dump


def full_sync(entities: int = 100_000, runs: int = 5) -> dict:
    schema = data.Schema.from_toml(UNITS)
    host = data.DataHost(schema)
    dump = fill(host, entities)
    naive = msgpack.packb(dump)
    naive_zstd = len(zstandard.ZstdCompressor(level=19).compress(naive))
    times, wire = [], 0
    for _ in range(runs):
        db = data.ClientDB(schema)
        client = host.add_client(0.0)
        started = time.perf_counter()
        db.subscribe(0.0)
        wire = 0
        while db.status["state"] != "ready":
            for m in db.take_outgoing():
                host.on_message(client, m, 0.0)
            for m in host.drain(client):
                wire += body_bytes(m)
                db.on_message(m, 0.0)
        for m in db.take_outgoing():
            host.on_message(client, m, 0.0)
        times.append(time.perf_counter() - started)
        assert db.canonical_bytes() == host.canonical_bytes()
        host.remove_client(client)
    return {
        "section": "full-sync",
        "entities": entities,
        "components_per_entity": 3,
        "time_s_median": statistics.median(times),
        "wire_bytes": wire,
        "naive_msgpack_bytes": len(naive),
        "naive_msgpack_zstd19_bytes": naive_zstd,
        "ratio_vs_zstd19": wire / naive_zstd,
    }


def soak(**kwargs) -> dict:
    report = _core.data_soak(**kwargs)
    report.pop("recorded_batches", None)
    return report


def broadcast(seconds: float = 5.0, rate: float = 100.0) -> dict:
    """Low load (100 writes/s, 1,000 entities): p50/p99 commit -> applied, and bytes, by client count."""
    import redis_pubsub_baseline

    rows = []
    for clients in (1, 16, 64):
        for transport in ("sim", "quic"):
            r = soak(
                clients=clients, entities=1000, seconds=seconds, writes_per_second=rate, transport=transport
            )
            rows.append(
                {
                    "system": f"theta_net data ({transport})",
                    "clients": clients,
                    "converged": r["converged"],
                    "p50_ms": r["broadcast_latency_ms"]["p50"],
                    "p99_ms": r["broadcast_latency_ms"]["p99"],
                    "wire_bytes_per_client": r["wire_bytes_per_client"],
                    "data_bytes_per_client": r["data_bytes_per_client"],
                    "writes": r["writes"]["server"] + r["writes"]["accepted"],
                }
            )
        b = redis_pubsub_baseline.run(clients, rate, seconds, 1000)
        rows.append(
            {
                "system": b["system"],
                "clients": clients,
                "converged": b["converged"],
                "p50_ms": b["broadcast_latency_ms"]["p50"],
                "p99_ms": b["broadcast_latency_ms"]["p99"],
                "wire_bytes_per_client": b["wire_bytes_per_client"],
                "writes": b["writes"],
            }
        )
        print(json.dumps({"section": "broadcast", "row": rows[-3:]}), flush=True)
    return {"section": "broadcast", "seconds": seconds, "writes_per_second": rate, "rows": rows}


def pump(host, client, db, now=0.0) -> int:
    """Carries messages both ways until quiet; returns the bytes the server sent."""
    sent = 0
    while True:
        moved = False
        for m in db.take_outgoing():
            host.on_message(client, m, now)
            moved = True
        for m in host.drain(client):
            sent += body_bytes(m)
            db.on_message(m, now)
            moved = True
        if not moved:
            return sent


def catch_up(entities: int = 10_000, batches: int = 1000) -> dict:
    """A mirror cut off (a 30 s partition) while the server closes 1,000 batches of writes comes
    back with its version: the archive catch-up's bytes, next to a full resync at the same version."""
    schema = data.Schema.from_toml(UNITS)
    host = data.DataHost(schema)
    fill(host, entities)
    rng = _core.Rng(11)
    away = data.ClientDB(schema)
    client = host.add_client(0.0)
    away.subscribe(0.0)
    pump(host, client, away)
    host.remove_client(client)  # the partition: its session is gone
    for i in range(batches):
        tx = host.transaction()
        for _ in range(3):
            e = rng.uniform(entities) + 1
            tx.update(
                "units",
                e,
                {"health": {"hp": rng.uniform(101)}, "position": {"x": rng.uniform_int(-4000, 4000)}},
            )
        host.commit(tx)
        host.flush(1.0 + i * 0.03)
    client = host.add_client(31.0)
    away.on_reconnect(31.0)
    caught_up = pump(host, client, away, 31.0)
    assert away.canonical_bytes() == host.canonical_bytes()
    fresh = data.ClientDB(schema)
    full_client = host.add_client(31.0)
    fresh.subscribe(31.0)
    full = pump(host, full_client, fresh, 31.0)
    return {
        "section": "catch-up",
        "entities": entities,
        "batches_missed": batches,
        "archive_syncs": host.stats(client)["syncs_archive"],
        "catch_up_bytes": caught_up,
        "full_resync_bytes": full,
        "ratio": caught_up / full,
    }


def stalled() -> dict:
    """A client that reads nothing for 60 s (partitioned) while the others write: the server's
    largest per-client queue stays bounded (max_queue_bytes, 4 MiB) and the client resyncs."""
    r = soak(
        clients=4,
        entities=10_000,
        seconds=70,
        writes_per_second=200,
        transport="sim",
        partition=(0, 5.0, 60.0),
    )
    return {
        "section": "stalled",
        "converged": r["converged"],
        "peak_queue_bytes": r["peak_queue_bytes"],
        "overflows": r["overflows"],
        "stalls": r["stalls"],
        "catchups": r["catchups"],
        "server_store_bytes": r["server_store_bytes"],
    }


def dictionary() -> dict:
    """Batches recorded from a soak run (a batch per 20 Hz tick): zstd with and without a
    dictionary trained on the other batches, on every fifth batch held out of training."""
    r = _core.data_soak(
        clients=2,
        entities=5000,
        seconds=30,
        writes_per_second=400,
        transport="sim",
        flush_interval=0.05,  # a batch per 20 Hz tick, as a game server closes them
        record_batches=True,
    )
    # The live batches (the population's large ones excluded: they are a snapshot's job).
    batches = [b for b in r["recorded_batches"] if 64 <= len(b) < 16384]
    training = [b for i, b in enumerate(batches) if i % 5 != 4]
    held_out = [b for i, b in enumerate(batches) if i % 5 == 4]
    result = data.train_dictionary(training, 16384, held_out)
    result.pop("dictionary")
    sizes = result["held_out_bytes"]
    result["gain_vs_zstd"] = sizes["zstd"] / sizes["zstd_dictionary"]
    result["section"] = "dictionary"
    return result


SECTIONS = {
    "full-sync": full_sync,
    "broadcast": broadcast,
    "catch-up": catch_up,
    "stalled": stalled,
    "dictionary": dictionary,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append")
    args = parser.parse_args()
    print(
        json.dumps({"machine": platform.processor() or platform.machine(), "python": sys.version.split()[0]})
    )
    for name in args.only or list(SECTIONS):
        print(json.dumps(SECTIONS[name]()), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
