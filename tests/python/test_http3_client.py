"""theta_net.transport.Http3Client against `theta-net serve --assets DIR` on loopback: /metrics and
/status, an asset whole and by Range into memory and into a file (which appears only once complete),
HEAD, 416 and 404, uploads by token with a wrong hash committing nothing, several requests at once,
and the errors a script sees (a body over max_body_bytes, a malformed request, a server that is not
there or closes)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import pytest

import theta_net
from theta_net import transport as t


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = tmp_path_factory.mktemp("assets")
    blob = os.urandom(3_000_000)
    name = hashlib.sha256(blob).hexdigest()
    (store / name).write_bytes(blob)
    proc = subprocess.Popen(
        [sys.executable, "-m", "theta_net", "serve", "--port", "0", "--duration", "60"]
        + ["--assets", str(store), "--token", "ed:editor", "--token", "pl:player"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    first = proc.stdout.readline()
    assert first.startswith("theta-net serve: listening on 127.0.0.1:"), first
    port = int(first.split("127.0.0.1:")[1].split()[0])
    fingerprint = proc.stdout.readline().split("certificate sha256")[1].strip()
    yield {"port": port, "store": store, "blob": blob, "name": name, "pin": fingerprint}
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def client(server):
    with t.Http3Client(port=server["port"], pinned_sha256=server["pin"]) as c:
        yield c


def test_metrics_and_status(client):
    metrics = client.get("/metrics")
    assert metrics.status == 200
    assert metrics.header("content-type").startswith("text/plain; version=0.0.4")
    text = metrics.body.decode()
    assert "# TYPE theta_sessions gauge\ntheta_sessions 0\n" in text
    assert "# TYPE theta_tick_seconds summary" in text
    assert metrics.body_bytes == len(metrics.body) == int(metrics.header("content-length"))
    status = client.get("/status")
    assert status.status == 200 and json.loads(status.body)["server"]["clients"] == 0
    assert client.connected and client.stats()["rtt_smoothed"] > 0


def test_assets_whole_ranged_and_into_a_file(client, server, tmp_path):
    name, blob = server["name"], server["blob"]
    whole = client.get(f"/assets/{name}")
    assert whole.status == 200 and whole.body == blob and whole.header("etag") == f'"{name}"'
    part = client.get(f"/assets/{name}", headers={"Range": "bytes=1000-1999"})
    assert part.status == 206 and part.body == blob[1000:2000]
    assert part.header("content-range") == f"bytes 1000-1999/{len(blob)}"
    out = tmp_path / "asset.bin"
    saved = client.get(f"/assets/{name}", headers=[("range", f"bytes={len(blob) // 2}-")], save_to=str(out))
    assert saved.status == 206 and saved.saved_to == str(out) and saved.body == b""
    assert out.read_bytes() == blob[len(blob) // 2 :] and saved.body_bytes == len(blob) - len(blob) // 2
    assert not (tmp_path / "asset.bin.part").exists()
    head = client.request("HEAD", f"/assets/{name}")
    assert head.status == 200 and head.body == b"" and head.header("content-length") == str(len(blob))
    assert client.get(f"/assets/{name}", headers={"range": f"bytes={len(blob)}-"}).status == 416
    missing = client.get("/assets/" + "0" * 64, save_to=str(tmp_path / "missing"))
    assert missing.status == 404 and missing.saved_to == "" and missing.body  # the reason, in memory
    assert not (tmp_path / "missing").exists() and not (tmp_path / "missing.part").exists()


def test_uploads_follow_the_tokens_and_a_wrong_hash_commits_nothing(client, server):
    data = os.urandom(5000)
    name = hashlib.sha256(data).hexdigest()
    assert client.request("PUT", "/assets", body=data).status == 401
    assert client.request("PUT", "/assets", headers={"authorization": "Bearer pl"}, body=data).status == 403
    editor = {"authorization": "Bearer ed"}
    wrong = client.request("PUT", "/assets/" + "1" * 64, headers=editor, body=data)
    assert wrong.status == 400 and name.encode() in wrong.body
    assert not (server["store"] / ("1" * 64)).exists() and not (server["store"] / name).exists()
    stored = client.request("PUT", "/assets", headers=editor, body=data)
    assert stored.status == 201 and stored.body.decode().strip() == name
    assert client.get(f"/assets/{name}").body == data


def test_several_requests_at_once(client, server):
    name, blob = server["name"], server["blob"]
    ids = [
        client.submit("GET", f"/assets/{name}", headers={"range": f"bytes={i * 100}-{i * 100 + 99}"})
        for i in range(80)
    ]
    got = {}
    for _ in range(2000):
        client.poll(0.005)
        for i, request in enumerate(ids):
            if i not in got and (response := client.take(request)) is not None:
                got[i] = response
        if len(got) == len(ids):
            break
    assert len(got) == len(ids)
    assert all(got[i].status == 206 and got[i].body == blob[i * 100 : i * 100 + 100] for i in got)
    assert client.take(ids[0]) is None  # handed over once


def test_errors_a_script_sees(server):
    with t.Http3Client(port=server["port"], max_body_bytes=1000) as small:
        with pytest.raises(theta_net.TransportError, match="max_body_bytes"):
            small.get(f"/assets/{server['name']}")
        assert small.get("/status").status == 200  # the connection goes on
        with pytest.raises(theta_net.TransportError, match="does not start with '/'"):
            small.get("status")
        with pytest.raises(theta_net.TransportError, match="CR, LF or NUL"):
            small.get("/status", headers={"x-evil": "a\r\nb"})
    with pytest.raises(theta_net.TransportError, match="pinned|certificate|pin"):
        t.Http3Client(port=server["port"], pinned_sha256="ab" * 32)


def test_a_closed_client_refuses_new_requests(server):
    c = t.Http3Client(port=server["port"])
    c.close()
    assert not c.connected
    with pytest.raises(theta_net.TransportError, match="gone"):
        c.get("/metrics")


def test_serve_refuses_an_upload_from_its_headers(client, server):
    """theta-net serve answers a PUT without a token, or with a length over the store's limit for
    one asset, before its body is sent; a body sent in parts is stored whole."""
    request = client.submit("PUT", "/assets", body_follows=True)  # no token; no body sent yet
    for _ in range(2000):
        client.poll(0.005)
        if (refused := client.take(request)) is not None:
            break
    assert refused.status == 401 and refused.header("www-authenticate") == "Bearer"
    with pytest.raises(theta_net.TransportError, match="is over"):
        client.send_body(request, b"late", fin=True)
    too_big = {"authorization": "Bearer ed", "content-length": str((256 << 20) + 1)}
    request = client.submit("PUT", "/assets", headers=too_big, body_follows=True)
    for _ in range(2000):
        client.poll(0.005)
        if (refused := client.take(request)) is not None:
            break
    assert refused.status == 413 and b"an asset may be at most 268435456 bytes" in refused.body

    data = os.urandom(300_000)
    request = client.submit("PUT", "/assets", headers={"authorization": "Bearer ed"}, body_follows=True)
    for at in range(0, len(data), 100_000):
        client.send_body(request, data[at : at + 100_000], fin=at + 100_000 >= len(data))
        client.poll(0.001)
    for _ in range(2000):
        client.poll(0.005)
        if (stored := client.take(request)) is not None:
            break
    name = hashlib.sha256(data).hexdigest()
    assert stored.status == 201 and stored.body.decode().strip() == name
    assert (server["store"] / name).read_bytes() == data


def test_an_upload_larger_than_the_memory_bound_streams_into_the_store(client, server):
    """A PUT that announces its length goes straight into the store's partial file as it comes
    (the 64 MiB a connection may hold in memory does not apply); a wrong name stores nothing and
    leaves no partial file. (A body shorter than announced never reaches the store: nghttp3 ends
    the connection for it.)"""
    data = os.urandom(70 << 20)
    name = hashlib.sha256(data).hexdigest()
    editor = {"authorization": "Bearer ed"}
    stored = client.request("PUT", "/assets", headers=editor, body=data, timeout=120.0)
    assert stored.status == 201 and stored.body.decode().strip() == name
    assert (server["store"] / name).stat().st_size == len(data)
    with open(server["store"] / name, "rb") as f:
        assert hashlib.file_digest(f, "sha256").hexdigest() == name
    small = os.urandom(100_000)
    wrong = client.request("PUT", "/assets/" + "2" * 64, headers=editor, body=small)
    assert wrong.status == 400 and hashlib.sha256(small).hexdigest().encode() in wrong.body
    assert not (server["store"] / ("2" * 64)).exists()
    assert not [p for p in server["store"].iterdir() if p.name.startswith(".")]  # no partial left
