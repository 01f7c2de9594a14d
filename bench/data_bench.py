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


SECTIONS = {"full-sync": full_sync}


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
