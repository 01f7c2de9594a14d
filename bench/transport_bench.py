#!/usr/bin/env python3
"""theta_net's QUIC next to quic-go 0.29 and quinn 0.9 on loopback, in the same run: the handshake
(median and p99 of 200 sequential connections), a 256 MiB one-way stream, and 32-byte datagram
round trips (median and p99 of 10,000). theta_net's figures come from theta_transport_bench
(BM_QuicHandshake: handshake completed; BM_QuicBulk256MiB/gso:1; BM_DatagramRoundTrip); the
peers' from small programs of our own on their public APIs, built offline: bench/peers/quicgo
from Debian's golang-github-lucas-clemente-quic-go-dev, bench/peers/quinn with Debian's cargo
and the crates of its librust-quinn-dev (not in the bootstrap: `apt-get install cargo
librust-quinn-dev librust-tokio-dev librust-rustls-pemfile-dev`; without them quinn is skipped,
and the script says so). Rounds alternate the three, and each figure is the median over rounds.
ENet is measured inside theta_transport_bench itself (BM_Enet*).

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


# Debian's cargo with a cargo home whose only registry is Debian's crates: nothing is fetched.
CARGO_CONFIG = """[source.crates-io]
replace-with = "debian"
[source.debian]
directory = "/usr/share/cargo/registry"
[net]
offline = true
"""


def build_quinn(work: Path) -> list[str] | None:
    """The quinn peer's command line (with a certificate made for it), or None when Debian's
    cargo or quinn's crates are not installed."""
    if not Path("/usr/bin/cargo").exists() or not any(Path("/usr/share/cargo/registry").glob("quinn-0.9*")):
        print(
            "quinn: skipped: needs Debian's cargo and crates (apt-get install cargo librust-quinn-dev "
            "librust-tokio-dev librust-rustls-pemfile-dev)"
        )
        return None
    home = work / "cargo-home"
    home.mkdir()
    (home / "config.toml").write_text(CARGO_CONFIG)
    target = REPO / "build" / "quinn-target"
    env = dict(os.environ, CARGO_HOME=str(home), CARGO_TARGET_DIR=str(target))
    subprocess.run(
        ["/usr/bin/cargo", "build", "--release", "--quiet"],
        cwd=REPO / "bench/peers/quinn",
        check=True,
        env=env,
        timeout=1200,
    )
    cert, key = work / "cert.pem", work / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        + ["-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return [str(target / "release" / "quinn_peer"), str(cert), str(key)]


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


def peer_round(command: list[str]) -> dict:
    out = subprocess.run(command, check=True, capture_output=True, text=True, timeout=600)
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
    theta: list[dict] = []
    peers: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="theta_peers_") as tmp:
        commands = {"quic-go 0.29": [str(build_quicgo(Path(tmp)))]}
        quinn = build_quinn(Path(tmp))
        if quinn:
            commands["quinn 0.9"] = quinn
        for _ in range(args.rounds):
            theta.append(theta_round())
            for name, command in commands.items():
                peers.setdefault(name, []).append(peer_round(command))
    names = list(peers)
    print(f"QUIC on loopback, theta_net and {', '.join(names)}, {args.rounds} rounds (medians)\n")
    print("| what | theta_net | " + " | ".join(f"{n} | theta_net against it" for n in names) + " |")
    print("| --- | ---: |" + " ---: | ---: |" * len(names))
    for label, key, unit, higher_is_better in ROWS:
        t = statistics.median(r[key] for r in theta)
        cells = []
        for name in names:
            g = statistics.median(r[key] for r in peers[name])
            ratio = t / g if higher_is_better else g / t
            cells.append(f"{g:,.1f} {unit} | {ratio:.2f}x")
        print(f"| {label} | {t:,.1f} {unit} | " + " | ".join(cells) + " |")
    print("\n(x > 1: theta_net is faster; x < 1: the peer is)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
