"""HTTP/3 on the game's UDP port, end to end: `theta-net serve --assets DIR` with a theta/1 client
in session on the same port, and two independent HTTP/3 clients: quic-go 0.29's http3 package
(tests/interop/h3client, built offline from Debian's Go sources) and ngtcp2's gtlsclient. Checked:
/metrics in Prometheus text with the live session, /status as JSON, assets with Range (206 and
exactly those bytes), HEAD, 416, 404 for names that are not hashes (no path escapes the store),
and PUT with the token rules, a wrong hash committing nothing."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from theta_net import protocol
from theta_net import transport as t

from conftest import REPO
from test_serve import connect, control_replies, first_control_reply, hello

pytestmark = pytest.mark.skipif(shutil.which("go") is None, reason="needs Go (scripts/bootstrap installs it)")


@pytest.fixture(scope="module")
def h3client(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("h3client")
    binary = work / "h3client"
    env = dict(
        os.environ,
        GO111MODULE="off",
        GOPATH="/usr/share/gocode",
        GOCACHE=str(REPO / "build" / "go-cache"),
        HOME=str(work),
    )
    subprocess.run(
        ["go", "build", "-o", str(binary), str(REPO / "tests/interop/h3client/main.go")],
        check=True,
        env=env,
        timeout=300,
    )
    return binary


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = tmp_path_factory.mktemp("assets")
    blob = os.urandom(300_000)
    name = hashlib.sha256(blob).hexdigest()
    (store / name).write_bytes(blob)  # dropped in by hand: served under its own hash
    (store.parent / "secret.txt").write_text("outside the store")
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
    yield {"port": port, "store": store, "blob": blob, "name": name}
    proc.terminate()
    proc.wait(timeout=10)


def get(client: Path, url: str, *args: str):
    """(status, headers text, body) from the quic-go client."""
    done = subprocess.run([str(client), *args, url], capture_output=True, timeout=60)
    err = done.stderr.decode()
    assert done.returncode == 0, err
    status, _, headers = err.partition("\n")
    return int(status), headers, done.stdout


def test_metrics_and_status_over_http3_beside_a_theta_session(server, h3client):
    port = server["port"]
    # A theta/1 client in session on the same UDP port.
    key = protocol.KeyPair.generate()
    client, events = connect(port)
    first = hello(public_key=key.public_key, auth_token="pl")
    client.send(client.current, t.Lane.CONTROL, protocol.encode("SessionHello", first))
    _, challenge = first_control_reply(client, events)
    proof = {"signature": key.sign(protocol.proof_transcript(first, challenge))}
    client.send(client.current, t.Lane.CONTROL, protocol.encode("SessionProof", proof, sequence=1))
    assert control_replies(client, events, 2)[1][0] == "SessionAck"

    status, headers, body = get(h3client, f"https://127.0.0.1:{port}/metrics")
    text = body.decode()
    assert status == 200 and "text/plain; version=0.0.4" in headers
    assert "# TYPE theta_sessions gauge\ntheta_sessions 1\n" in text
    assert "# TYPE theta_tick_seconds summary" in text
    assert 'theta_tick_seconds{quantile="0.99"}' in text and "theta_tick_seconds_count " in text
    assert 'theta_client_rtt_seconds{client="pytest",' in text and 'role="player"' in text
    assert 'theta_client_lane_sent_bytes_total{client="pytest"' in text and 'lane="control"' in text
    status, headers, body = get(h3client, f"https://127.0.0.1:{port}/status")
    shown = json.loads(body)
    assert status == 200 and [c["name"] for c in shown["clients"]] == ["pytest"]
    assert shown["clients"][0]["transport"] == "quic"
    # The HTTP/3 connections are not theta sessions: the theta client is still the only one.
    assert shown["server"]["clients"] == 1


def test_assets_with_range_head_and_refusals(server, h3client):
    base = f"https://127.0.0.1:{server['port']}/assets/"
    name, blob = server["name"], server["blob"]
    status, headers, body = get(h3client, base + name)
    assert status == 200 and body == blob and f'"{name}"' in headers  # the ETag is the hash
    status, headers, body = get(h3client, base + name, "-range", "1000-1999")
    assert status == 206 and body == blob[1000:2000]
    assert f"bytes 1000-1999/{len(blob)}" in headers
    status, _, body = get(h3client, base + name, "-range", f"{len(blob) - 10}-")
    assert status == 206 and body == blob[-10:]
    status, headers, body = get(h3client, base + name, "-head")
    assert status == 200 and body == b"" and f"[{len(blob)}]" in headers
    status, headers, _ = get(h3client, base + name, "-range", f"{len(blob)}-")
    assert status == 416 and f"bytes */{len(blob)}" in headers
    assert get(h3client, base + "0" * 64)[0] == 404
    status, _, body = get(h3client, base + "0" * 64, "-head")
    assert status == 404 and body == b""  # HEAD never gets a body, whatever the answer
    status, _, body = get(h3client, base + "%2e%2e%2fsecret.txt")
    assert status == 404 and b"outside" not in body
    assert get(h3client, base + name.upper())[0] == 404  # names are lower-case hex only


def test_uploads_need_an_editor_and_the_right_hash(server, h3client, tmp_path):
    base = f"https://127.0.0.1:{server['port']}/assets"
    data = os.urandom(5000)
    name = hashlib.sha256(data).hexdigest()
    upload = tmp_path / "upload.bin"
    upload.write_bytes(data)
    assert get(h3client, base, "-put", str(upload))[0] == 401
    assert get(h3client, base, "-put", str(upload), "-token", "pl")[0] == 403
    assert get(h3client, base, "-put", str(upload), "-token", "nope")[0] == 401
    metrics = f"https://127.0.0.1:{server['port']}/metrics"
    assert get(h3client, metrics, "-put", str(upload), "-token", "ed")[0] == 405  # body dropped
    status, _, body = get(h3client, f"{base}/{'1' * 64}", "-put", str(upload), "-token", "ed")
    assert status == 400 and name.encode() in body
    assert not (server["store"] / ("1" * 64)).exists() and not (server["store"] / name).exists()
    status, headers, body = get(h3client, base, "-put", str(upload), "-token", "ed")
    assert status == 201 and body.decode().strip() == name and f"/assets/{name}" in headers
    assert (server["store"] / name).read_bytes() == data
    assert get(h3client, f"{base}/{name}", "-put", str(upload), "-token", "ed")[0] == 200
    assert get(h3client, f"{base}/{name}")[2] == data
    assert not [p for p in server["store"].iterdir() if p.name.startswith(".")]  # no temp left


@pytest.mark.skipif(shutil.which("gtlsclient") is None, reason="needs ngtcp2-client (scripts/bootstrap)")
def test_ngtcp2s_own_client_fetches_metrics(server, tmp_path):
    port = server["port"]
    subprocess.run(
        ["gtlsclient", "-q", "--exit-on-all-streams-close", f"--download={tmp_path}"]
        + ["127.0.0.1", str(port), f"https://127.0.0.1:{port}/metrics"],
        check=True,
        timeout=30,
        capture_output=True,
    )
    # gtlsclient exits 0 whatever happened: the downloaded body is the check.
    text = (tmp_path / "metrics").read_text()
    assert "theta_sessions " in text and "theta_tick_seconds_count " in text
