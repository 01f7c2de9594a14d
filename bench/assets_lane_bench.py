#!/usr/bin/env python3
"""Assets lane benchmark: a 64 MiB asset from `theta-net serve --assets` to a theta_net client over
the assets lane (theta/1 on QUIC, loopback), next to the same asset over HTTP/3 (quic-go 0.29's
http3 client, tests/interop/h3client) and theta_net's own QUIC bulk figure (theta_transport_bench's
BM_QuicBulk256MiB, GSO), all measured in the same run. A lane download's time runs from the fetch
to the asset verified and committed in the client's folder (the session is established first);
the client's endpoint is either stepped with it (QuicClient) or on its own I/O thread
(ThreadedQuicClient), one download of each per run.
Then one download is cut at half (the client closes its connection) and resumes: the chunks the
client received twice are what the resume sent again.

Every process involved (serve, this client, the bulk benchmark) runs under the same allocator
policy, theta_net.keep_freed_memory(--keep-freed-mib MiB), serve's default; 0 measures glibc's
defaults instead (docs/transport.md, "Allocator").

    .venv/bin/python bench/assets_lane_bench.py [--mib 64] [--runs 5] [--keep-freed-mib 64]
(after `./dev bench transport` or `ninja -C build/release` has built the transport benchmark)
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http3_bench import build_h3client, quic_bulk_mbps  # noqa: E402

import theta_net  # noqa: E402
from theta_net import transport as t  # noqa: E402


class LaneClient:
    """A theta_net client of the serve process, stepped from this thread; its endpoint is stepped
    with it (QuicClient) or runs on its own I/O thread (ThreadedQuicClient)."""

    def __init__(self, port: int, folder: Path, endpoint=t.QuicClient):
        self.endpoint = endpoint("127.0.0.1", port)
        self.client = theta_net.Client(self.endpoint, "bench", token="ed", assets=str(folder))
        self.began = time.monotonic()

    def step(self, frame: float = 0.0):
        """One step, then a wait on the endpoint; with `frame`, one step per frame and a sleep for
        the rest of it instead, as a game that renders between steps (no look at the socket)."""
        began = time.perf_counter()
        now = time.monotonic() - self.began + 1.0
        self.client.step(now)
        if frame:
            time.sleep(max(0.0, frame - (time.perf_counter() - began)))
        else:
            self.client.wait(0.0005)

    def run_until(self, done, timeout=120.0, frame: float = 0.0):
        end = time.monotonic() + timeout
        while not done():
            if time.monotonic() > end:
                raise TimeoutError("the transfer did not finish")
            self.step(frame)


def lane_download(
    port: int, folder: Path, digest: str, cut_at: float | None = None, endpoint=t.QuicClient, frame=0.0
):
    lane = LaneClient(port, folder, endpoint)
    lane.run_until(lambda: lane.client.established)
    began = time.perf_counter()
    transfer = lane.client.fetch_asset(digest)["id"]

    def state():
        return lane.client.asset_transfer(transfer)

    if cut_at is not None:
        size = None
        while True:
            s = state()
            size = s["size"] or size
            if size and s["bytes_done"] >= size * cut_at:
                break
            lane.step()
        lane.endpoint.close(lane.endpoint.current, 0, "cut by the benchmark")
    lane.run_until(lambda: state()["state"] in ("done", "failed"), frame=frame)
    seconds = time.perf_counter() - began
    s = state()
    assert s["state"] == "done", s
    with open(s["path"], "rb") as f:
        assert hashlib.file_digest(f, "sha256").hexdigest() == digest, "the asset is not the one asked for"
    return seconds, s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=64)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep-freed-mib", type=int, default=64)
    parser.add_argument("--frame-mib", type=int, default=8, help="the asset of the 60 Hz downloads")
    parser.add_argument("--frame-runs", type=int, default=2)
    args = parser.parse_args()
    theta_net.keep_freed_memory(args.keep_freed_mib << 20)  # this process is the lane's client
    size = args.mib << 20
    work = Path(tempfile.mkdtemp(prefix="theta_lanebench_"))
    try:
        h3 = build_h3client(work)
        store = work / "assets"
        store.mkdir()
        blob = os.urandom(size)
        digest = hashlib.sha256(blob).hexdigest()
        (store / digest).write_bytes(blob)
        del blob
        small = os.urandom(args.frame_mib << 20)
        small_digest = hashlib.sha256(small).hexdigest()
        (store / small_digest).write_bytes(small)
        del small
        server = subprocess.Popen(
            [sys.executable, "-m", "theta_net", "serve", "--port", "0", "--assets", str(store)]
            + ["--token", "ed:editor", "--keep-freed-mib", str(args.keep_freed_mib)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            first = server.stdout.readline()
            port = int(first.split("127.0.0.1:")[1].split()[0])
            lane, threaded, http3 = [], [], []
            for run in range(args.runs):
                for times, endpoint in ((lane, t.QuicClient), (threaded, t.ThreadedQuicClient)):
                    folder = work / f"client{run}"
                    times.append(lane_download(port, folder, digest, endpoint=endpoint)[0])
                    shutil.rmtree(folder)
                with open(work / "got", "wb") as sink:
                    began = time.perf_counter()
                    url = f"https://127.0.0.1:{port}/assets/{digest}"
                    subprocess.run(
                        [str(h3), url], check=True, stdout=sink, stderr=subprocess.DEVNULL, timeout=120
                    )
                    http3.append(time.perf_counter() - began)
            cut_seconds, cut = lane_download(port, work / "cut", digest, cut_at=0.5)
            # A game steps once per 60 Hz frame and renders in between, without looking at the socket.
            at_60hz = {t.QuicClient: [], t.ThreadedQuicClient: []}
            for run in range(args.frame_runs):
                for endpoint, times in at_60hz.items():
                    folder = work / f"frame{run}"
                    times.append(
                        lane_download(port, folder, small_digest, endpoint=endpoint, frame=1 / 60)[0]
                    )
                    shutil.rmtree(folder)
        finally:
            server.terminate()
            server.wait(timeout=10)
        bulk = quic_bulk_mbps(args.keep_freed_mib)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def mbps(times):
        return size / statistics.median(times) / 1e6

    print(
        f"{args.mib} MiB asset from theta-net serve on loopback, {args.runs} downloads each (medians); "
        f"every process under keep_freed_memory({args.keep_freed_mib} MiB)"
    )
    print(f"theta_net QUIC bulk (256 MiB stream, GSO), same run: {bulk:8.1f} MB/s")
    for label, times in (
        ("assets lane, QuicClient", lane),
        ("assets lane, ThreadedQuicClient", threaded),
        ("HTTP/3 (quic-go http3 client)", http3),
    ):
        print(f"{label:32} {mbps(times):8.1f} MB/s   ({mbps(times) / bulk:.2f} of the bulk figure)")
    print(
        f"cut at 50% and resumed: {cut['restarts']} restart, {cut['duplicate_chunks']} chunk(s) received "
        f"twice, {size / cut_seconds / 1e6:.1f} MB/s overall"
    )
    print(
        f"{args.frame_mib} MiB over the lane, the client stepped once per 60 Hz frame "
        f"({args.frame_runs} each):"
    )
    for endpoint, times in at_60hz.items():
        rate = (args.frame_mib << 20) / statistics.median(times) / 1e6
        print(f"  {endpoint.__name__:30} {rate:8.1f} MB/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
