#!/usr/bin/env python3
"""theta_net's QUIC next to quic-go 0.29 on loopback, in the same run: the handshake (median and
p99 of 200 sequential connections), a 256 MiB one-way stream, and 32-byte datagram round trips
(median and p99 of 10,000). theta_net's figures come from theta_transport_bench
(BM_QuicHandshake: handshake completed; BM_QuicBulk256MiB/gso:1; BM_DatagramRoundTrip), quic-go's
from bench/peers/quicgo, a small program of our own on its public API, built offline from
Debian's golang-github-lucas-clemente-quic-go-dev. Rounds alternate the two, and each figure is
the median over rounds. ENet is measured inside theta_transport_bench itself (BM_Enet*).

    .venv/bin/python bench/transport_bench.py [--rounds 3]

(after `./dev bench transport` or `cmake --build build/release` has built the transport
benchmark)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
THETA = REPO / "build/release/bench/theta_transport_bench"
FILTER = "BM_QuicHandshake|BM_QuicBulk256MiB/gso:1|BM_DatagramRoundTrip"


def build_quicgo(work: Path) -> Path:
    binary = work / "quicgo_peer"
    env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode", HOME=str(work))
    env["GOCACHE"] = str(REPO / "build" / "go-cache")
    subprocess.run(
        ["go", "build", "-o", str(binary), "main.go"],
        cwd=REPO / "bench/peers/quicgo",
        check=True,
        env=env,
        timeout=600,
    )
    return binary


def theta_round() -> dict:
    out = subprocess.run(
        [str(THETA), f"--benchmark_filter={FILTER}", "--benchmark_format=json"],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    figures = {}
    for b in json.loads(out.stdout)["benchmarks"]:
        figures.update({k: v for k, v in b.items() if isinstance(v, float)})
    return {
        "handshake_p50_us": figures["completed_p50_us"],
        "handshake_p99_us": figures["completed_p99_us"],
        "bulk_MB_per_s": figures["MB_per_s"],
        "rtt_p50_us": figures["quic_p50_us"],
        "rtt_p99_us": figures["quic_p99_us"],
    }


def quicgo_round(binary: Path) -> dict:
    out = subprocess.run([str(binary)], check=True, capture_output=True, text=True, timeout=600)
    return json.loads(out.stdout)


ROWS = [
    ("handshake completed, median", "handshake_p50_us", "us", False),
    ("handshake completed, p99", "handshake_p99_us", "us", False),
    ("256 MiB one-way stream", "bulk_MB_per_s", "MB/s", True),
    ("32-byte datagram round trip, median", "rtt_p50_us", "us", False),
    ("32-byte datagram round trip, p99", "rtt_p99_us", "us", False),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    theta, quicgo = [], []
    with tempfile.TemporaryDirectory(prefix="theta_peers_") as tmp:
        binary = build_quicgo(Path(tmp))
        for _ in range(args.rounds):
            theta.append(theta_round())
            quicgo.append(quicgo_round(binary))
    print(f"QUIC on loopback, theta_net and quic-go 0.29, {args.rounds} rounds (medians)\n")
    print("| what | theta_net | quic-go 0.29 | theta_net is |")
    print("| --- | ---: | ---: | --- |")
    for label, key, unit, higher_is_better in ROWS:
        t = statistics.median(r[key] for r in theta)
        g = statistics.median(r[key] for r in quicgo)
        ratio = t / g if higher_is_better else g / t
        print(f"| {label} | {t:,.1f} {unit} | {g:,.1f} {unit} | {ratio:.2f}x as fast |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
