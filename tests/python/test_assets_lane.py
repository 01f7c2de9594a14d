"""The assets lane over real QUIC on loopback (docs/protocol.md, "Assets"): a client publishes an
asset into the server's store and fetches one back, both verified by SHA-256; a connection cut
halfway through an upload resumes from the bytes the server holds; and `theta-net serve --assets`
serves one store both ways, so what the lane uploads HTTP/3 returns and what HTTP/3 stored the lane
fetches."""

from __future__ import annotations

import hashlib
import os
import time

import pytest

import theta_net
from theta_net import transport as t


# The client's endpoint: stepped by the client, or on its own I/O thread (which reads and
# acknowledges packets between the client's steps); the lane must work the same over both.
CLIENT_ENDPOINTS = pytest.mark.parametrize("client_endpoint", [t.QuicClient, t.ThreadedQuicClient])


def game_over_quic(tmp_path, client_endpoint=t.QuicClient, **server_args):
    server_end = t.QuicServer(port=0)
    server = theta_net.Server(
        server_end, seed=2, view_radius=1, assets=str(tmp_path / "server"), **server_args
    )
    client_end = client_endpoint("127.0.0.1", server_end.port, pinned_sha256=server_end.certificate_sha256)
    client = theta_net.Client(client_end, "maker", assets=str(tmp_path / "client"))
    return server_end, server, client_end, client


def run_until(server, client, done, timeout=60.0):
    """Steps both sides in real time until done() or the timeout; returns done()."""
    start = time.monotonic()
    while not done():
        now = time.monotonic() - start
        if now > timeout:
            return False
        server.step(now + 1.0)  # both clocks start at 1 s
        client.step(now + 1.0)
        time.sleep(0.0005)
    return True


@CLIENT_ENDPOINTS
def test_publish_and_fetch_over_quic_land_verified_in_the_other_store(tmp_path, client_endpoint):
    server_end, server, _, client = game_over_quic(tmp_path, client_endpoint)
    assert run_until(server, client, lambda: client.established)
    blob = os.urandom(3_000_000 + 17)
    name = hashlib.sha256(blob).hexdigest()
    up = client.publish_asset(blob)
    assert up["name"] == name and up["direction"] == "upload"
    assert run_until(server, client, lambda: client.asset_transfer(up["id"])["state"] in ("done", "failed"))
    done = client.asset_transfer(up["id"])
    assert done["state"] == "done", done
    assert (tmp_path / "server" / name).read_bytes() == blob
    counters = server.asset_counters
    assert counters["uploads_committed"] == 1 and counters["bytes_received"] == len(blob)

    # A file an operator drops into the server's folder under its hash is fetched.
    other = os.urandom(700_001)
    other_name = hashlib.sha256(other).hexdigest()
    (tmp_path / "server" / other_name).write_bytes(other)
    down = client.fetch_asset(other_name)
    assert run_until(server, client, lambda: client.asset_transfer(down["id"])["state"] in ("done", "failed"))
    fetched = client.asset_transfer(down["id"])
    assert fetched["state"] == "done", fetched
    assert open(fetched["path"], "rb").read() == other
    assert server.asset_counters["bytes_sent"] == len(other)

    missing = client.fetch_asset("0" * 64)
    assert run_until(server, client, lambda: client.asset_transfer(missing["id"])["state"] == "failed")
    assert client.asset_transfer(missing["id"])["error"] == "not_found"
    with pytest.raises(theta_net.Error, match="not an asset name"):
        client.fetch_asset("../secret.txt")
    assert client.metrics["asset_errors"] == 0


@CLIENT_ENDPOINTS
def test_an_upload_cut_at_half_resumes_from_what_the_server_holds(tmp_path, client_endpoint):
    server_end, server, client_end, client = game_over_quic(tmp_path, client_endpoint)
    assert run_until(server, client, lambda: client.established)
    blob = os.urandom(16 << 20)
    up = client.publish_asset(blob)
    assert run_until(server, client, lambda: server.asset_counters["bytes_received"] >= len(blob) // 2)
    for conn in server_end.connections():
        server_end.close(conn, 0, "cut by the test")
    assert run_until(server, client, lambda: client.asset_transfer(up["id"])["state"] in ("done", "failed"))
    done = client.asset_transfer(up["id"])
    assert done["state"] == "done", done
    assert done["restarts"] == 1
    counters = server.asset_counters
    assert counters["uploads_resumed"] == 1
    # What the server had verified was not sent again; chunks that overtook a missing one may be.
    assert counters["chunks_duplicate"] <= 1, counters
    assert (tmp_path / "server" / up["name"]).read_bytes() == blob
    assert not [p for p in (tmp_path / "server").iterdir() if p.name.startswith(".")]


def test_a_client_without_an_asset_folder_says_so(tmp_path):
    net = t.SimNet(3)
    server_end, client_end = net.add_endpoint("server"), net.add_endpoint("client")
    net.set_links(server_end, client_end, t.LinkConfig())
    client = theta_net.Client(client_end, "solo")
    with pytest.raises(theta_net.Error, match="no asset folder"):
        client.fetch_asset("0" * 64)
