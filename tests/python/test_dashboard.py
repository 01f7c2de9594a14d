"""The dashboard's web server on real loopback sockets: the page and its files, the live feed, the
origin check, the admin token for actions (and for viewing off loopback), and the rates it adds.
The statuses published here are built by hand; tests/python/test_dashboard_live.py runs it behind
a real `theta-net serve`."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import websockets

from theta_net.dashboard import DashboardServer, parse_address
from theta_net.dashboard.rates import add_rates

ROOT = Path(__file__).resolve().parents[2]


def status(time_ms: float, sent: int, sessions=(0x10,)) -> dict:
    return {
        "server": {"time_ms": time_ms, "tick": int(time_ms / 50)},
        "clients": [
            {
                "session_id": sid,
                "session": f"{sid:016x}",
                "name": f"c{sid:x}",
                "role": "player",
                "transport": "quic",
                "rtt_ms": 12.5,
                "loss": 0.0,
                "bytes_sent": sent,
                "bytes_received": sent // 10,
                "send_queue_bytes": 0,
                "lanes": {"entities": {"bytes_sent": sent // 2, "bytes_received": 0}},
                "messages": {"EntityDelta": {"bytes_sent": sent // 2, "bytes_received": 0}},
            }
            for sid in sessions
        ],
        "log": [{"seq": int(time_ms), "time_ms": time_ms, "kind": "session_started", "detail": "x"}],
    }


@pytest.fixture
def dashboard():
    d = DashboardServer("127.0.0.1", 0, admin_tokens=["s3cret"])
    d.start()
    yield d
    d.stop()


def get(url: str):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.status, r.headers, r.read()


def wait_for(predicate, seconds=5.0):
    import time

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_the_page_and_its_files_are_served_without_a_token_on_loopback(dashboard):
    code, headers, body = get(dashboard.url)
    assert code == 200 and b"<title>theta_net dashboard</title>" in body
    assert "default-src 'self'" in headers["Content-Security-Policy"]  # no CDN can be used
    for name, kind in (("dashboard.js", "text/javascript"), ("dashboard.css", "text/css")):
        code, headers, body = get(dashboard.url + name)
        assert code == 200 and headers["Content-Type"].startswith(kind) and len(body) > 500
    with pytest.raises(urllib.error.HTTPError) as missing:
        get(dashboard.url + "secrets.txt")
    assert missing.value.code == 404


def test_api_status_is_the_newest_status_with_rates(dashboard):
    assert get(dashboard.url + "api/status")[2] == b"null"
    dashboard.publish(status(1000.0, 10_000))
    # Statuses published faster than the dashboard takes them are coalesced (the newest wins):
    # let the first one in, so the second has a status before it to compute rates from.
    assert wait_for(lambda: dashboard.status() is not None)
    dashboard.publish(json.dumps(status(1500.0, 15_000)))  # as the server hands it: JSON text
    assert wait_for(lambda: (dashboard.status() or {}).get("server", {}).get("time_ms") == 1500.0)
    shown = json.loads(get(dashboard.url + "api/status")[2])
    client = shown["clients"][0]
    assert client["session"] == "0000000000000010"  # for JavaScript, which rounds big ints
    assert client["rates"]["down_bps"] == pytest.approx(10_000.0)  # 5,000 bytes in 0.5 s
    assert client["rates"]["lanes"]["entities"]["down_bps"] == pytest.approx(5_000.0)
    assert client["rates"]["messages"]["EntityDelta"]["down_bps"] == pytest.approx(5_000.0)
    log = json.loads(get(dashboard.url + "api/log?after=1000")[2])
    assert [e["seq"] for e in log] == [1500]


async def _live(url: str, origin=None, messages=1):
    ws_url = url.replace("http://", "ws://") + "live"
    async with websockets.connect(ws_url, origin=origin, open_timeout=5) as socket:
        return [json.loads(await asyncio.wait_for(socket.recv(), 5)) for _ in range(messages)]


def test_pages_of_other_origins_are_refused_and_the_own_origin_is_served(dashboard):
    dashboard.publish(status(1000.0, 1))
    assert wait_for(lambda: dashboard.status() is not None)
    with pytest.raises(websockets.InvalidStatusCode) as refused:
        asyncio.run(_live(dashboard.url, origin="http://evil.example"))
    assert refused.value.status_code == 403
    own = f"http://127.0.0.1:{dashboard.port}"
    hello, first = asyncio.run(_live(dashboard.url, origin=own, messages=2))
    assert hello["type"] == "hello" and hello["admin_configured"] is True
    assert first["type"] == "status" and first["status"]["clients"][0]["name"] == "c10"


async def _ask(url: str, requests):
    ws_url = url.replace("http://", "ws://") + "live"
    replies = []
    async with websockets.connect(ws_url, open_timeout=5) as socket:
        for request in requests:
            await socket.send(json.dumps(request))
            while True:
                reply = json.loads(await asyncio.wait_for(socket.recv(), 5))
                if reply["type"] == "action_result":
                    replies.append(reply)
                    break
    return replies


def test_actions_need_the_admin_token_and_a_connected_session(dashboard):
    dashboard.publish(status(1000.0, 1, sessions=(0x10, 0x11)))
    assert wait_for(lambda: dashboard.status() is not None)
    base = {"type": "action", "action": "resync", "session_id": 0x11}
    replies = asyncio.run(
        _ask(
            dashboard.url,
            [
                {**base},
                {**base, "token": "wrong"},
                {**base, "token": "s3cret", "session_id": 0x99},
                {**base, "token": "s3cret", "action": "explode"},
                {**base, "token": "s3cret"},
                {**base, "token": "s3cret", "action": "kick", "reason": "testing"},
                # JavaScript cannot hold every 64-bit id: pages name the session in hex.
                {"type": "action", "action": "resync", "session": "0000000000000010", "token": "s3cret"},
                {"type": "action", "action": "resync", "session": "zz", "token": "s3cret"},
            ],
        )
    )
    assert [r["ok"] for r in replies] == [False, False, False, False, True, True, True, False]
    assert "not hex digits" in replies[7]["error"]
    assert "admin token" in replies[0]["error"] and "admin token" in replies[1]["error"]
    assert "no connected client has session 99" in replies[2]["error"]
    assert "unknown action 'explode'" in replies[3]["error"]
    actions = dashboard.publish(status(1250.0, 2, sessions=(0x10, 0x11)))
    assert actions == [
        {"action": "resync", "session_id": 0x11, "reason": "by an admin on the dashboard"},
        {"action": "kick", "session_id": 0x11, "reason": "testing"},
        {"action": "resync", "session_id": 0x10, "reason": "by an admin on the dashboard"},
    ]
    assert dashboard.publish(status(1500.0, 3)) == []  # each action is handed over once


def test_without_an_admin_token_actions_are_off():
    d = DashboardServer("127.0.0.1", 0)
    d.start()
    try:
        d.publish(status(1000.0, 1))
        assert wait_for(lambda: d.status() is not None)
        (reply,) = asyncio.run(_ask(d.url, [{"type": "action", "action": "kick", "session_id": 0x10}]))
        assert not reply["ok"] and "no admin token" in reply["error"]
    finally:
        d.stop()


def test_off_loopback_viewing_needs_the_admin_token():
    # Only loopback may be bound here, so the request handler is driven directly: the rule is its.
    d = DashboardServer("192.0.2.7", 8080, admin_tokens=["s3cret"])
    handle = d._http  # noqa: SLF001 - the rule under test
    code, _, _ = asyncio.run(handle("/", {}))
    assert code == 401
    assert asyncio.run(handle("/?token=s3cret", {}))[0] == 200
    assert asyncio.run(handle("/api/status", {"Authorization": "Bearer s3cret"}))[0] == 200
    assert asyncio.run(handle("/api/status", {"Authorization": "Bearer nope"}))[0] == 401
    loopback = DashboardServer("::1", 8080)
    assert asyncio.run(loopback._http("/", {}))[0] == 200  # noqa: SLF001


def test_addresses_are_parsed_with_clear_errors():
    assert parse_address("127.0.0.1:8080") == ("127.0.0.1", 8080)
    assert parse_address("[::1]:0") == ("::1", 0)
    for bad in ("8080", "127.0.0.1:", "127.0.0.1:http", "h:70000"):
        with pytest.raises(ValueError, match="is not HOST:PORT"):
            parse_address(bad)


def test_a_busy_port_is_a_clear_error(dashboard):
    from theta_net.dashboard import DashboardError

    with pytest.raises(DashboardError, match=f"cannot listen on 127.0.0.1:{dashboard.port}"):
        DashboardServer("127.0.0.1", dashboard.port).start()


def test_rates_restart_for_a_new_session_and_never_go_negative():
    first = add_rates(status(0.0, 1000), None)
    assert first["clients"][0]["rates"]["down_bps"] == 0.0
    later = add_rates(status(1000.0, 500), status(0.0, 1000))  # a counter that went down
    assert later["clients"][0]["rates"]["down_bps"] == 0.0
    other = add_rates(status(1000.0, 5000, sessions=(0x20,)), status(0.0, 1000))
    assert other["clients"][0]["rates"]["down_bps"] == 0.0  # no earlier status of 0x20


def test_the_committed_page_script_is_the_bundle_of_its_sources(tmp_path):
    npm = shutil.which("npm")
    assert npm, "npm is needed (scripts/bootstrap installs it)"
    typecheck = subprocess.run(
        [npm, "run", "--silent", "typecheck:dashboard"], cwd=ROOT / "web", capture_output=True
    )
    assert typecheck.returncode == 0, typecheck.stdout.decode() + typecheck.stderr.decode()
    out = tmp_path / "dashboard.js"
    subprocess.run(
        [npm, "run", "--silent", "build:dashboard", "--", f"--outfile={out}"],
        cwd=ROOT / "web",
        check=True,
        capture_output=True,
    )
    committed = ROOT / "python/theta_net/dashboard/static/dashboard.js"
    assert out.read_bytes() == committed.read_bytes(), "run `npm run build:dashboard` in web/"
