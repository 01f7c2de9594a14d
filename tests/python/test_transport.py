"""The transport layer through Python: QUIC and TCP on loopback, SimNet determinism, the relay CLI."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest

import theta_net
from theta_net import transport as t

from conftest import pump, run_cli


class _Pair:
    """A server and a client endpoint pumped together, their events kept."""

    def __init__(self, server, client):
        self.server, self.client = server, client
        self.s_events, self.c_events = [], []

    def collect(self):
        self.s_events.extend(self.server.events())
        self.c_events.extend(self.client.events())

    def pump_until(self, done) -> bool:
        return pump([self.server, self.client], lambda: (self.collect(), done())[1])

    def round_trip_every_lane_then_close(self, code: int, reason: str):
        """Connects, sends 10 bytes on every lane client to server, checks the datagram size
        limit, closes from the server; returns the server's messages by lane and the client's
        Disconnected event."""
        assert self.pump_until(
            lambda: self.client.current is not None and len(self.server.connections()) == 1
        )
        for lane in t.Lane.__members__.values():
            self.client.send(self.client.current, lane, bytes([int(lane)]) * 10)
        got = {}

        def all_lanes():
            got.update({e.lane: e.payload for e in self.s_events if e.kind == t.EventKind.MESSAGE})
            return len(got) == 8

        assert self.pump_until(all_lanes)
        self.stats = self.server.stats(self.server.connections()[0])
        with pytest.raises(theta_net.TransportError) as err:
            self.client.send(self.client.current, t.Lane.INPUT, bytes(t.MAX_DATAGRAM_MESSAGE + 1))
        assert err.value.code == "invalid_argument"
        self.server.close(self.server.connections()[0], code, reason)
        assert self.pump_until(lambda: any(e.kind == t.EventKind.DISCONNECTED for e in self.c_events))
        closed = [e for e in self.c_events if e.kind == t.EventKind.DISCONNECTED][0]
        assert closed.close_code == code and closed.closed_by_peer
        assert closed.close_reason == reason
        return got, closed


def test_quic_round_trip_on_every_lane():
    server = t.QuicServer(port=0)
    client = t.QuicClient("127.0.0.1", server.port, pinned_sha256=server.certificate_sha256, reconnect=False)
    pair = _Pair(server, client)
    got, _ = pair.round_trip_every_lane_then_close(t.CLOSE_PROTOCOL_ERROR, "garbage first frame")
    assert got[t.Lane.ASSETS] == b"\x07" * 10
    assert pair.stats["lanes"]["chat"]["messages_received"] == 1
    assert pair.stats["rtt_smoothed"] > 0


def test_tcp_round_trip_on_every_lane_and_a_close_with_its_reason():
    server = t.TcpServer(port=0)
    client = t.TcpClient("127.0.0.1", server.port)
    pair = _Pair(server, client)
    got, closed = pair.round_trip_every_lane_then_close(t.CLOSE_SHUTDOWN, "restarting")
    assert got[t.Lane.ENTITIES] == b"\x02" * 10
    assert pair.stats["lanes"]["input"]["messages_received"] == 1
    client.dial()  # the driver's way back in: a new connection
    assert pair.pump_until(lambda: client.current not in (None, closed.conn))


def test_websocket_framing_talks_to_an_independent_websocket_client():
    """python3-websockets (not ours) against TcpServer(framing="websocket"): the upgrade, lanes as
    binary messages, application close codes as 4000 + code, refused origins and text."""
    import asyncio
    import threading

    websockets = pytest.importorskip("websockets")
    server = t.TcpServer(port=0, framing="websocket", path="/theta", allowed_origins=["http://127.0.0.1:1"])
    events, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            server.poll(0.005)
            events.extend(server.events())

    thread = threading.Thread(target=serve)
    thread.start()
    uri = f"ws://127.0.0.1:{server.port}/theta"

    def wait_for(predicate):
        deadline = time.monotonic() + 10
        while not predicate():
            assert time.monotonic() < deadline
            time.sleep(0.005)

    async def talk():
        async with websockets.connect(uri, subprotocols=["theta.v1"], origin="http://127.0.0.1:1") as ws:
            assert ws.subprotocol == "theta.v1"
            await ws.send(bytes([int(t.Lane.CHAT)]) + b"hello")
            await asyncio.get_running_loop().run_in_executor(
                None, wait_for, lambda: any(e.kind == t.EventKind.MESSAGE for e in events)
            )
            conn = server.connections()[0]
            server.send(conn, t.Lane.ENTITIES, b"state")
            assert await ws.recv() == bytes([int(t.Lane.ENTITIES)]) + b"state"
            server.close(conn, 6, "kicked: test")
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.code == 4006 and closed.value.reason == "kicked: test"
        with pytest.raises(websockets.InvalidStatusCode) as refused:
            await websockets.connect(uri, subprotocols=["theta.v1"], origin="http://evil.example")
        assert refused.value.status_code == 403
        async with websockets.connect(uri, subprotocols=["theta.v1"]) as ws:  # no Origin: native
            await ws.send("text is not theta/1")
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.code == 4000 + t.CLOSE_PROTOCOL_ERROR

    try:
        asyncio.run(talk())
    finally:
        stop.set()
        thread.join()
    message = [e for e in events if e.kind == t.EventKind.MESSAGE][0]
    assert message.lane == t.Lane.CHAT and message.payload == b"hello"


def test_wss_talks_to_an_independent_websocket_client_over_tls():
    """python3-websockets over Python's ssl against TcpServer(framing="detect", tls=True): wss://
    and theta/1 records over TLS on one port, the certificate pinned by its SHA-256."""
    import asyncio
    import hashlib
    import ssl
    import threading

    websockets = pytest.importorskip("websockets")
    server = t.TcpServer(port=0, framing="detect", tls=True)
    events, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            server.poll(0.005)
            events.extend(server.events())

    thread = threading.Thread(target=serve)
    thread.start()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # self-signed: checked by its fingerprint below

    async def talk():
        async with websockets.connect(
            f"wss://127.0.0.1:{server.port}/", subprotocols=["theta.v1"], ssl=context
        ) as ws:
            der = ws.transport.get_extra_info("ssl_object").getpeercert(binary_form=True)
            assert hashlib.sha256(der).hexdigest() == server.certificate_sha256
            await ws.send(bytes([int(t.Lane.CHAT)]) + b"over tls")
            while not any(e.kind == t.EventKind.MESSAGE for e in events):
                await asyncio.sleep(0.005)
            server.send(server.connections()[0], t.Lane.CHAT, b"back")
            assert await ws.recv() == bytes([int(t.Lane.CHAT)]) + b"back"

    try:
        asyncio.run(talk())
        # theta/1 records over TLS on the same port, pinned.
        client = t.TcpClient("127.0.0.1", server.port, tls=True, pinned_sha256=server.certificate_sha256)
        deadline = time.monotonic() + 10
        while client.current is None:
            assert time.monotonic() < deadline
            client.poll(0.005)
            client.events()
    finally:
        stop.set()
        thread.join()
    assert [e.payload for e in events if e.kind == t.EventKind.MESSAGE] == [b"over tls"]


def _sim_trace(seed):
    net = t.SimNet(seed)
    net.keep_trace()
    server, client = net.add_endpoint("server"), net.add_endpoint("client")
    net.set_links(server, client, t.LinkConfig.preset("average"))
    conn = client.connect(server)
    for _ in range(100):  # the hello may be lost: wait (in virtual time) for the handshake
        if client.connections():
            break
        net.advance_by(0.1)
    for i in range(200):
        client.send(conn, t.Lane.INPUT, bytes([i % 256]) * 20)
        client.send(conn, t.Lane.CHUNKS, bytes([i % 256]) * 2000)
        net.advance_by(0.05)
    net.advance_by(10.0)
    return net.trace_text(), server.events()


def test_simnet_is_deterministic_and_keeps_reliable_order():
    trace_a, events = _sim_trace(7)
    trace_b, _ = _sim_trace(7)
    assert trace_a == trace_b
    assert trace_a != _sim_trace(8)[0]
    chunks = [e.payload[0] for e in events if e.kind == t.EventKind.MESSAGE and e.lane == t.Lane.CHUNKS]
    assert chunks == [i % 256 for i in range(200)]
    inputs = [e for e in events if e.kind == t.EventKind.MESSAGE and e.lane == t.Lane.INPUT]
    assert 150 < len(inputs) < 200  # 2% loss each way, 200 sent


def test_relay_parsers():
    assert t.parse_duration("50ms") == pytest.approx(0.05)
    assert t.parse_duration("1.5s") == pytest.approx(1.5)
    assert t.parse_duration("200us") == pytest.approx(0.0002)
    assert t.parse_percent("1%") == pytest.approx(0.01)
    assert t.parse_percent("0.5") == pytest.approx(0.005)
    assert t.parse_rate("1mbit") == 1_000_000
    assert t.parse_rate("1mbps") == 8_000_000
    for bad in ("fast", "-1ms"):
        with pytest.raises(ValueError):
            t.parse_duration(bad)


def test_relay_command_forwards_and_prints_its_counters(tmp_path):
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    server.settimeout(5)
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    relay_port = probe.getsockname()[1]
    probe.close()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "theta_net",
            "relay",
            "--listen",
            f"127.0.0.1:{relay_port}",
            "--forward",
            f"127.0.0.1:{server.getsockname()[1]}",
            "--delay",
            "20ms",
            "--jitter",
            "5ms",
            "--loss",
            "0%",
            "--dup",
            "0%",
            "--reorder",
            "0%",
            "--rate",
            "10mbit",
            "--seed",
            "3",
            "--duration",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        # The relay prints its first line once its socket is bound (a fixed sleep lost the
        # packet when the machine was busy and start-up took longer).
        assert proc.stdout.readline().startswith("relay: ")
        start = time.monotonic()
        client.sendto(b"hello", ("127.0.0.1", relay_port))
        data, _ = server.recvfrom(100)
        assert data == b"hello"
        assert time.monotonic() - start >= 0.014
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "received 1 forwarded 1 dropped 0 duplicated 0 reordered 0" in out


def test_relay_command_relays_tcp_with_its_delay():
    upstream = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    upstream.bind(("127.0.0.1", 0))
    upstream.listen(1)
    upstream.settimeout(10)
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    relay_port = probe.getsockname()[1]
    probe.close()
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "theta_net", "relay", "--tcp",
            "--listen", f"127.0.0.1:{relay_port}",
            "--forward", f"127.0.0.1:{upstream.getsockname()[1]}",
            "--delay", "30ms", "--duration", "3",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while True:  # the relay listens once it has started
            try:
                client = socket.create_connection(("127.0.0.1", relay_port), timeout=1)
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline, "the relay never listened"
                time.sleep(0.05)
        accepted, _ = upstream.accept()
        start = time.monotonic()
        client.sendall(b"hello over tcp")
        accepted.settimeout(5)
        assert accepted.recv(100) == b"hello over tcp"
        assert time.monotonic() - start >= 0.025
        accepted.sendall(b"and back")
        client.settimeout(5)
        assert client.recv(100) == b"and back"
        client.close()
        accepted.close()
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert f"relay: tcp 127.0.0.1:{relay_port} -> " in out
    assert "received 2 forwarded 2 dropped 0" in out


def test_relay_command_rejects_bad_units():
    proc = run_cli(
        "relay", "--listen", "127.0.0.1:0", "--forward", "127.0.0.1:9", "--delay", "fast", check=False
    )
    assert proc.returncode == 2
    assert "bad duration" in proc.stdout
