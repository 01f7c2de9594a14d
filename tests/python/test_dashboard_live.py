"""The dashboard behind a real `theta-net serve`: players over QUIC and WebSocket, the page in
Debian's Chromium (web/browser/dashboard.test.mjs, through node's test runner and playwright-core),
and the same checks from Python without a browser: the contract (`GET /` with no token on
loopback, every client listed by name), actions with the admin token, and the network log.
Screenshots go to build/test-results/screenshots."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import websockets

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "dash-admin"
SHOTS = ROOT / "build" / "test-results" / "screenshots"


def _theta(*args: str) -> list:
    return [sys.executable, "-m", "theta_net", *args]


def _read_until(proc, prefix: str, seconds: float = 20.0) -> str:
    end = time.monotonic() + seconds
    seen = []
    while time.monotonic() < end:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if prefix in line:
            return line
    raise AssertionError(f"no line with {prefix!r}; the server printed: {''.join(seen)}")


def api_status(url: str) -> dict:
    with urllib.request.urlopen(url + "api/status", timeout=5) as r:
        return json.loads(r.read())


def wait_for_status(url: str, predicate, seconds: float = 30.0) -> dict:
    end = time.monotonic() + seconds
    status = None
    while time.monotonic() < end:
        status = api_status(url)
        if status and predicate(status):
            return status
        time.sleep(0.1)
    raise AssertionError(f"the dashboard's status never matched; the last: {json.dumps(status)[:2000]}")


@pytest.fixture(scope="module")
def session():
    """A server with a dashboard and three players: two over QUIC, one over WebSocket."""
    server = subprocess.Popen(
        _theta(
            "serve",
            "--port",
            "0",
            "--stream-port",
            "0",
            "--dashboard",
            "127.0.0.1:0",
            "--admin-token",
            TOKEN,
            "--duration",
            "120",
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    clients = []
    try:
        listening = _read_until(server, "listening on 127.0.0.1:")
        port = int(listening.split("127.0.0.1:")[1].split()[0])
        stream_port = int(_read_until(server, "also on TCP").split("127.0.0.1:")[1].split()[0])
        url = _read_until(server, "dashboard on ").split("dashboard on ")[1].strip()
        players = [("alice", "quic", port), ("bob", "quic", port), ("carol", "ws", stream_port)]
        for name, transport, p in players:
            clients.append(
                subprocess.Popen(
                    _theta(
                        "connect",
                        f"127.0.0.1:{p}",
                        "--transport",
                        transport,
                        "--name",
                        name,
                        "--duration",
                        "90",
                        "--no-build",
                    ),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        names = sorted(name for name, _, _ in players)
        wait_for_status(url, lambda s: sorted(c["name"] for c in s["clients"]) == names)
        yield {"url": url, "names": names, "server": server}
    finally:
        for proc in clients + [server]:
            proc.terminate()
        for proc in clients + [server]:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_get_slash_needs_no_token_on_loopback_and_the_status_lists_every_client(session):
    with urllib.request.urlopen(session["url"], timeout=5) as r:
        assert r.status == 200 and b"theta_net dashboard" in r.read()
    status = api_status(session["url"])
    by_name = {c["name"]: c for c in status["clients"]}
    assert by_name["carol"]["transport"] == "ws"
    assert by_name["alice"]["transport"] == "quic"
    for c in status["clients"]:
        assert c["rtt_ms"] >= 0 and c["bytes_sent"] > 0 and c["lanes"] and c["messages"]
        assert c["data"]["state"] in ("syncing", "synced")


async def _act(url: str, request: dict) -> dict:
    async with websockets.connect(url.replace("http://", "ws://") + "live", open_timeout=5) as socket:
        await socket.send(json.dumps({"type": "action", "token": TOKEN, **request}))
        while True:
            reply = json.loads(await asyncio.wait_for(socket.recv(), 5))
            if reply["type"] == "action_result":
                return reply


def test_the_page_in_chromium(session):
    node = shutil.which("node")
    assert node, "node is needed (scripts/bootstrap installs it)"
    SHOTS.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        THETA_DASHBOARD_URL=session["url"],
        THETA_ADMIN_TOKEN=TOKEN,
        THETA_CLIENT_NAMES=",".join(session["names"]),
        THETA_SCREENSHOTS=str(SHOTS),
    )
    run = subprocess.run(
        [node, "--test", "browser/dashboard.test.mjs"],
        cwd=ROOT / "web",
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
    assert (SHOTS / "dashboard.png").stat().st_size > 10_000


def test_kick_from_the_dashboard_closes_that_client(session):
    url = session["url"]
    status = wait_for_status(url, lambda s: any(c["name"] == "alice" for c in s["clients"]))
    alice = next(c for c in status["clients"] if c["name"] == "alice")
    reply = asyncio.run(_act(url, {"action": "kick", "session_id": alice["session_id"], "reason": "pytest"}))
    assert reply["ok"], reply
    after = wait_for_status(url, lambda s: all(c["session_id"] != alice["session_id"] for c in s["clients"]))
    assert {c["name"] for c in after["clients"]} >= {"bob", "carol"}
    with urllib.request.urlopen(url + "api/log?after=0", timeout=5) as r:
        log = json.loads(r.read())
    kicks = [e for e in log if e["kind"] == "kick" and e.get("session_id") == alice["session_id"]]
    assert kicks and "pytest" in kicks[0]["detail"], log[-10:]
