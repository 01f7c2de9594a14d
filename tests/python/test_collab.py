"""The Python signed-commands API (theta_net.collab): clients' writes signed and applied in one
order, the command log as a file replaying to the same store, and refusals that say why."""

from __future__ import annotations

import pytest

import theta_net
from theta_net import collab, data

SCHEMA = """
[schema]
name = "board"
version = "1.0"

[[table]]
name = "cells"
[[table.component]]
name = "cell"
fields = [ { name = "value", type = "int", min = 0, max = 1000 } ]
"""


class Room:
    """A DataHost with a CollabHost and signing clients, joined in memory."""

    def __init__(self, clients: int):
        self.schema = data.Schema.from_toml(SCHEMA)
        self.host = data.DataHost(self.schema)
        self.server = collab.CollabHost(self.host)
        self.members = []
        for i in range(clients):
            db = data.ClientDB(self.schema)
            client = collab.CollabClient(db, bytes([i + 1]) * 32)
            cid = self.host.add_client(0)
            self.server.add_client(cid, client.public_key, role="editor")
            db.subscribe(0)
            self.members.append((cid, db, client))
        self.pump()

    def pump(self):
        for _ in range(16):
            moved = False
            for cid, _, client in self.members:
                for message in client.take_outgoing():
                    moved = True
                    self.server.on_message(cid, message, 0)
            self.server.flush(0)
            for cid, _, client in self.members:
                for message in self.server.drain(cid):
                    moved = True
                    client.on_message(message, 0)
            if not moved:
                return


def test_signed_writes_converge_and_the_log_replays_to_the_same_store():
    room = Room(clients=3)
    for round_ in range(3):
        for i, (_, db, _) in enumerate(room.members):
            tx = db.transaction()
            tx.set("cells", 1 + (round_ + i) % 4, "cell", "value", 10 * round_ + i)
            db.write(tx)
        room.pump()
    for _, db, client in room.members:
        assert db.canonical_bytes() == room.host.canonical_bytes()
        assert db.pending_writes == 0 and client.unanswered == 0
        assert client.last_index == 9 and client.stats["forged"] == 0
    log = room.server.log()
    assert [e["index"] for e in log] == list(range(1, 10))
    assert all(e["command"] == collab.DATA_WRITE for e in log)
    assert room.server.stats["accepted"] == 9

    fresh = data.DataHost(room.schema)
    collab.CollabHost(fresh).replay(room.server.log_file(), 0)
    assert fresh.canonical_bytes() == room.host.canonical_bytes()


def test_a_tampered_log_file_is_refused_with_the_entry_named():
    room = Room(clients=1)
    _, db, _ = room.members[0]
    tx = db.transaction()
    tx.set("cells", 1, "cell", "value", 5)
    db.write(tx)
    room.pump()
    file = bytearray(room.server.log_file())
    file[-10] ^= 0x01  # inside the entry's signature
    with pytest.raises(theta_net.DataError, match="entry 1"):
        collab.CollabHost(data.DataHost(room.schema)).replay(bytes(file), 0)


def test_a_refused_command_says_why():
    room = Room(clients=1)
    _, _, client = room.members[0]
    sequence = client.send_command(collab.FIRST_APPLICATION_COMMAND + 1, b"x")
    room.pump()
    (result,) = client.take_command_results()
    assert result["sequence"] == sequence and not result["accepted"]
    assert result["reason"] == "unknown_command"
    assert room.server.stats["unknown_command"] == 1
    with pytest.raises(theta_net.DataError):
        client.send_command(5, b"")  # a built-in kind


def test_the_servers_own_commands_are_checked_like_the_clients():
    room = Room(clients=1)
    seed = bytes(range(32))
    assert collab.public_key(seed) != collab.public_key(bytes(32))
    with pytest.raises(theta_net.DataError, match="malformed"):
        room.server.submit(seed, collab.DATA_WRITE, b"\x00")  # a data_write of no ops
    assert room.server.log() == []


def test_a_soak_whose_clients_sign_converges_like_one_that_does_not():
    runs = [
        theta_net._core.data_soak(3, 100, 3.0, 60.0, latency=0.02, loss=0.02, seed=4, signed_commands=signed)
        for signed in (False, True)
    ]
    assert all(r["converged"] for r in runs)
