#!/usr/bin/env python3
"""HTTP/3 asset download benchmark: a 64 MiB asset from `theta-net serve --assets` over HTTP/3 on
loopback, fetched by two independent clients (quic-go 0.29's http3 package, tests/interop/h3client,
and ngtcp2's gtlsclient), next to theta_net's own QUIC bulk figure measured in the same run
(theta_transport_bench's BM_QuicBulk256MiB, with GSO). A download's time is the client process's
wall time (start, handshake, request, body to a file); the body is checked against its SHA-256.

    .venv/bin/python bench/http3_bench.py [--mib 64] [--runs 5]
(after `./dev bench transport` or `ninja -C build/release` has built the transport benchmark)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def build_h3client(work: Path) -> Path:
    binary = work / "h3client"
    env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode", HOME=str(work))
    env["GOCACHE"] = str(REPO / "build" / "go-cache")
    subprocess.run(
        ["go", "build", "-o", str(binary), str(REPO / "tests/interop/h3client/main.go")],
        check=True,
        env=env,
        timeout=600,
    )
    return binary


def quic_bulk_mbps(keep_freed_mib: int = 0) -> float:
    """theta_transport_bench's BM_QuicBulk256MiB/gso:1; with keep_freed_mib, under the allocator
    policy theta_net.keep_freed_memory(keep_freed_mib MiB) (as `theta-net serve` runs)."""
    binary = REPO / "build/release/bench/theta_transport_bench"
    env = dict(os.environ)
    if keep_freed_mib:
        env["THETA_BENCH_KEEP_FREED_MIB"] = str(keep_freed_mib)
    out = subprocess.run(
        [str(binary), "--benchmark_filter=BM_QuicBulk256MiB/gso:1", "--benchmark_format=json"],
        check=True,
        capture_output=True,
        timeout=300,
        env=env,
    )
    return json.loads(out.stdout)["benchmarks"][0]["MB_per_s"]


def timed(command, check_file: Path, digest: str) -> float:
    began = time.perf_counter()
    subprocess.run(command, check=True, timeout=120, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - began
    with open(check_file, "rb") as f:
        assert hashlib.file_digest(f, "sha256").hexdigest() == digest, "the body is not the asset"
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=64)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="theta_h3bench_"))
    try:
        client = build_h3client(work)
        store = work / "assets"
        store.mkdir()
        blob = os.urandom(args.mib << 20)
        digest = hashlib.sha256(blob).hexdigest()
        (store / digest).write_bytes(blob)
        del blob
        server = subprocess.Popen(
            [sys.executable, "-m", "theta_net", "serve", "--port", "0", "--assets", str(store)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            first = server.stdout.readline()
            port = int(first.split("127.0.0.1:")[1].split()[0])
            url = f"https://127.0.0.1:{port}/assets/{digest}"
            size = args.mib << 20
            out = work / "got"
            go, ngtcp2 = [], []
            for _ in range(args.runs):
                with open(out, "wb") as sink:
                    began = time.perf_counter()
                    subprocess.run(
                        [str(client), url], check=True, stdout=sink, stderr=subprocess.DEVNULL, timeout=120
                    )
                    go.append(time.perf_counter() - began)
                with open(out, "rb") as f:
                    assert hashlib.file_digest(f, "sha256").hexdigest() == digest
                if shutil.which("gtlsclient"):
                    dl = work / "dl"
                    shutil.rmtree(dl, ignore_errors=True)
                    dl.mkdir()
                    command = ["gtlsclient", "-q", "--exit-on-all-streams-close", f"--download={dl}"]
                    ngtcp2.append(timed(command + ["127.0.0.1", str(port), url], dl / digest, digest))
        finally:
            server.terminate()
            server.wait(timeout=10)
        bulk = quic_bulk_mbps()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def mbps(times):
        return size / statistics.median(times) / 1e6

    print(f"{args.mib} MiB asset over HTTP/3 on loopback, {args.runs} downloads per client (medians)")
    print(f"theta_net QUIC bulk (256 MiB stream, GSO), same run: {bulk:8.1f} MB/s")
    print(f"quic-go http3 client:   {mbps(go):8.1f} MB/s   ({mbps(go) / bulk:.2f} of the bulk figure)")
    if ngtcp2:
        ratio = mbps(ngtcp2) / bulk
        print(f"ngtcp2 gtlsclient:      {mbps(ngtcp2):8.1f} MB/s   ({ratio:.2f} of the bulk figure)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
