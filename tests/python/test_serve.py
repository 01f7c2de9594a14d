"""`theta-net serve` end to end: real QUIC on loopback, clients speaking the wire protocol from
Python (theta_net.transport + theta_net.protocol; the proof of key signed with a protocol.KeyPair),
a garbage client, a client that cannot prove its key and a mismatched client."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from theta_net import protocol
from theta_net import transport as t

from conftest import pump


def hello(**overrides) -> dict:
    fields = {
        "protocol_major": 1,
        "protocol_minor": protocol.PROTOCOL_VERSION[1],
        "schema_hash": protocol.schema_hash(),
        "schema_hashes": protocol.schema_hash_by_minor(),
        "client_nonce": os.urandom(16),
        "capabilities": 0xFF,
        "auth_token": None,
        "public_key": os.urandom(32),
        "resume_token": None,
        "client_name": "pytest",
    }
    fields.update(overrides)
    return fields


def connect(port):
    client = t.QuicClient("127.0.0.1", port, reconnect=False)
    events = []
    assert pump([client], lambda: (events.extend(client.events()), client.current is not None)[1])
    return client, events


def control_replies(client, events, count):
    def replied():
        events.extend(client.events())
        return sum(e.kind == t.EventKind.MESSAGE and e.lane == t.Lane.CONTROL for e in events) >= count

    assert pump([client], replied)
    return [protocol.decode(e.payload) for e in events if e.kind == t.EventKind.MESSAGE][:count]


def first_control_reply(client, events):
    def replied():
        events.extend(client.events())
        return any(e.kind == t.EventKind.MESSAGE and e.lane == t.Lane.CONTROL for e in events)

    assert pump([client], replied)
    frame = next(e.payload for e in events if e.kind == t.EventKind.MESSAGE)
    return protocol.decode(frame)


def test_serve_handshakes_and_survives_garbage(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "theta_net", "serve", "--port", "0", "--duration", "30"]
        + ["--qlog", str(tmp_path / "qlog")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        assert first.startswith("theta-net serve: listening on 127.0.0.1:"), first
        port = int(first.split("127.0.0.1:")[1].split()[0])

        key = protocol.KeyPair.generate()
        good, good_events = connect(port)
        good_hello = hello(public_key=key.public_key)
        good.send(good.current, t.Lane.CONTROL, protocol.encode("SessionHello", good_hello))
        msg_type, challenge = first_control_reply(good, good_events)
        assert msg_type == "ServerHello"
        proof = {"signature": key.sign(protocol.proof_transcript(good_hello, challenge))}
        good.send(good.current, t.Lane.CONTROL, protocol.encode("SessionProof", proof, sequence=1))
        msg_type, ack = control_replies(good, good_events, 2)[1]
        assert msg_type == "SessionAck"
        assert ack["role"] == "editor" and ack["protocol_minor"] == protocol.PROTOCOL_VERSION[1]
        assert ack["server_nonce"] == challenge["server_nonce"]

        # A client announcing a key it cannot sign with is refused with the reason.
        liar, liar_events = connect(port)
        liar_hello = hello()  # a random public key: nobody holds its private half
        liar.send(liar.current, t.Lane.CONTROL, protocol.encode("SessionHello", liar_hello))
        msg_type, liar_challenge = first_control_reply(liar, liar_events)
        forged = {"signature": key.sign(protocol.proof_transcript(liar_hello, liar_challenge))}
        liar.send(liar.current, t.Lane.CONTROL, protocol.encode("SessionProof", forged, sequence=1))
        msg_type, reject = control_replies(liar, liar_events, 2)[1]
        assert msg_type == "SessionReject" and reject["reason"] == "proof_invalid"
        assert "does not verify under the public key the hello announced" in reject["text"]

        bad, bad_events = connect(port)
        bad.send(bad.current, t.Lane.CONTROL, b"GET / HTTP/1.1\r\n\r\n")

        def closed():
            bad_events.extend(bad.events())
            return any(e.kind == t.EventKind.DISCONNECTED for e in bad_events)

        assert pump([bad], closed)
        close = next(e for e in bad_events if e.kind == t.EventKind.DISCONNECTED)
        assert close.close_code == t.CLOSE_PROTOCOL_ERROR
        assert "not a theta frame" in close.close_reason

        stranger, stranger_events = connect(port)
        stranger.send(
            stranger.current,
            t.Lane.CONTROL,
            # A hash at every minor up to ours (the last is the one it announces), none of them ours.
            protocol.encode(
                "SessionHello",
                hello(schema_hash=1, schema_hashes=[0] * (len(protocol.schema_hash_by_minor()) - 1) + [1]),
            ),
        )
        msg_type, reject = first_control_reply(stranger, stranger_events)
        assert msg_type == "SessionReject" and reject["reason"] == "schema_mismatch"
        assert reject["server_schema_hash"] == protocol.schema_hash_by_minor()[-1]

        # The first client is still served: a heartbeat ping gets its pong.
        ping = {"kind": "ping", "id": 1, "sent_at_us": 123}
        good.send(good.current, t.Lane.CONTROL, protocol.encode("Heartbeat", ping, sequence=2))
        good_events.clear()
        msg_type, pong = first_control_reply(good, good_events)
        assert msg_type == "Heartbeat" and pong["kind"] == "pong" and pong["sent_at_us"] == 123
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
    log = first + out
    assert "started (new): role editor, client 'pytest'" in log
    assert "refused: protocol error" in log and "schema_mismatch" in log
    assert "proof_invalid" in log
    assert "interrupted" in log
    # --qlog: ngtcp2's trace of each connection the server took (the four clients above).
    qlogs = sorted((tmp_path / "qlog").glob("*-server.sqlog"))
    assert len(qlogs) == 4, qlogs
    for path in qlogs:
        first_record = path.read_text().split("\x1e")[1]
        assert '"vantage_point":{"name":"ngtcp2","type":"server"}' in first_record


def test_serve_refuses_a_negative_allocator_budget():
    done = subprocess.run(
        [sys.executable, "-m", "theta_net", "serve", "--port", "0", "--keep-freed-mib", "-1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--keep-freed-mib must be 0 or more, not -1" in done.stderr
