#!/usr/bin/env python3
"""HTTP/3 asset download benchmark: a 64 MiB asset from `theta-net serve --assets` over HTTP/3 on
loopback, fetched by theta_net's own Http3Client (the same ngtcp2 + GnuTLS stack as the bulk figure)
and by two independent clients (quic-go 0.29's http3 package, tests/interop/h3client, and ngtcp2's
gtlsclient), next to theta_net's own QUIC bulk figure measured in the same run
(theta_transport_bench's BM_QuicBulk256MiB, with GSO). For the independent clients a download's time
is the client process's wall time (start, handshake, request, body to a file). Http3Client runs in
a Python process that saves bodies of 8 MiB or more with O_DIRECT (its default; once more per
round on the page cache, direct_io_min_bytes=0, for the comparison) and times itself twice: from
the request to the last byte written, on a connection already made, as the bulk figure is timed
(its handshake comes before its clock starts), and from connect, the handshake included (the
interpreter's start is not counted either way). Every body is checked against its SHA-256.
serve and the bulk benchmark run under the same allocator policy (--keep-freed-mib, serve's
default 64; docs/transport.md, "Allocator"). The CPU time each client process used is reported
too (its own and its children's, from os.wait4): on 2 cores a client that needs a core or more
leaves the server less than the bulk benchmark's receiver does.

    .venv/bin/python bench/http3_bench.py [--mib 64] [--runs 7] [--keep-freed-mib 64]

Each round measures the bulk figure and then one download per client; a client's share of the bulk
figure is the median over rounds of its download against that round's bulk figure.
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


# Run in a child process: one Http3Client download, into a file (out) or into memory (out ""),
# timed from connect and from the request to the body being complete, with the CPU time the
# process used from connect; the SHA-256 of a body in memory is taken after the clock stops.
THETA_CLIENT = """
import hashlib, json, resource, sys, time
from theta_net import transport
port, path, out, direct = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
c0, t0 = cpu(), time.perf_counter()
client = transport.Http3Client(port=port, direct_io_min_bytes=direct)
t1 = time.perf_counter()
response = client.get(path, save_to=out, timeout=120.0)
t2 = time.perf_counter()
seconds, used = t2 - t0, cpu() - c0
assert response.status == 200, response
client.close()
digest = "" if out else hashlib.sha256(response.body).hexdigest()
print(json.dumps({"seconds": seconds, "transfer": t2 - t1, "cpu": used, "sha256": digest}))
"""


def theta_client(
    port: int, path: str, out: Path | None, digest: str, direct: bool = True
) -> tuple[float, float, float]:
    """One Http3Client download into the file out, or into memory when out is None: (seconds
    from connect, CPU seconds, seconds from the request to the body complete). direct=False
    keeps a file on the page cache (direct_io_min_bytes=0); True leaves the client's default."""
    threshold = str(8 << 20) if direct else "0"
    done = subprocess.run(
        [sys.executable, "-c", THETA_CLIENT, str(port), path, str(out) if out else "", threshold],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    measured = json.loads(done.stdout)
    if out:
        with open(out, "rb") as f:
            measured["sha256"] = hashlib.file_digest(f, "sha256").hexdigest()
    assert measured["sha256"] == digest, "the body is not the asset"
    return measured["seconds"], measured["cpu"], measured["transfer"]


def run_client(command, stdout) -> tuple[float, float]:
    """Runs one client process to its end: (wall seconds, CPU seconds it used)."""
    began = time.perf_counter()
    proc = subprocess.Popen(command, stdout=stdout, stderr=subprocess.DEVNULL)
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    except BaseException:
        proc.kill()
        raise
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - began
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, command)
    return seconds, usage.ru_utime + usage.ru_stime


def timed(command, check_file: Path, digest: str) -> tuple[float, float]:
    measured = run_client(command, subprocess.DEVNULL)
    with open(check_file, "rb") as f:
        assert hashlib.file_digest(f, "sha256").hexdigest() == digest, "the body is not the asset"
    return measured


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=64)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep-freed-mib", type=int, default=64)
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
            [sys.executable, "-m", "theta_net", "serve", "--port", "0", "--assets", str(store)]
            + ["--keep-freed-mib", str(args.keep_freed_mib)],
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
            go, ngtcp2, theta, theta_cached, theta_memory, bulk = [], [], [], [], [], []
            for _ in range(args.runs):
                # The bulk figure is taken in every round, next to the downloads, so that each
                # download has a baseline from the same minute of this noisy, shared machine.
                bulk.append(quic_bulk_mbps(args.keep_freed_mib))
                theta.append(theta_client(port, f"/assets/{digest}", work / "theta_got", digest))
                theta_cached.append(
                    theta_client(port, f"/assets/{digest}", work / "theta_got", digest, direct=False)
                )
                theta_memory.append(theta_client(port, f"/assets/{digest}", None, digest))
                with open(out, "wb") as sink:
                    go.append(run_client([str(client), url], sink))
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
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def mbps(runs):
        return size / statistics.median(run[0] for run in runs) / 1e6

    def cpu(runs):
        return statistics.median(run[1] / run[0] for run in runs)

    def of_bulk(runs):
        """The median over rounds of (this round's download MB/s / this round's bulk MB/s)."""
        return statistics.median(size / run[0] / 1e6 / b for run, b in zip(runs, bulk))

    # Http3Client's downloads timed as the bulk figure is: from the request on a connection
    # already made (the bulk benchmark's handshake is before its clock starts), CPU as before.
    transfer = [(seconds, used) for _, used, seconds in theta]
    transfer_cached = [(seconds, used) for _, used, seconds in theta_cached]
    transfer_memory = [(seconds, used) for _, used, seconds in theta_memory]
    handshake_ms = statistics.median((total - seconds) * 1000 for total, _, seconds in theta)

    print(f"{args.mib} MiB asset over HTTP/3 on loopback, {args.runs} rounds (medians)")
    print(
        f"theta_net QUIC bulk (256 MiB stream, GSO), each round: {statistics.median(bulk):8.1f} MB/s"
        f"   (rounds: {', '.join(f'{b:.0f}' for b in bulk)})"
    )
    print(f"Http3Client's handshake (connect to connected): {handshake_ms:.1f} ms (median)")
    clients = (
        ("Http3Client, to a file, from the request:", transfer),
        ("Http3Client, to a file on the page cache:", transfer_cached),
        ("Http3Client, to memory, from the request:", transfer_memory),
        ("Http3Client, to a file, from connect:", theta),
        ("Http3Client, to memory, from connect:", theta_memory),
        ("quic-go http3 client:", go),
        ("ngtcp2 gtlsclient:", ngtcp2),
    )
    for label, runs in clients:
        if runs:
            ratios = ", ".join(f"{size / run[0] / 1e6 / b:.2f}" for run, b in zip(runs, bulk))
            print(
                f"{label:44} {mbps(runs):8.1f} MB/s   ({of_bulk(runs):.2f} of the round's bulk figure, "
                f"rounds {ratios}; the client used {cpu(runs):.2f} cores)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
