"""Host migration from Python (theta_net.migration): a host's store and signed-command state
written as a bundle, a fresh host going on from it, and damaged bundles refused."""

from __future__ import annotations

import pytest

import theta_net
from theta_net import collab, data, migration

from test_collab import Room


def test_a_fresh_host_goes_on_from_the_bundle(tmp_path):
    room = Room(clients=2)
    for round_ in range(3):
        for i, (_, db, _) in enumerate(room.members):
            tx = db.transaction()
            tx.set("cells", 1 + (round_ + i) % 3, "cell", "value", 10 * round_ + i)
            db.write(tx)
        room.pump()
    path = tmp_path / "bundle.bin"
    written = migration.export(room.server, path)
    assert written["version"] == room.host.version
    assert written["next_index"] == 7 and written["log_entries"] == 6

    fresh_host = data.DataHost(room.schema)
    fresh = collab.CollabHost(fresh_host)
    taken = migration.import_into(fresh, path)
    assert taken == written
    assert fresh_host.digest() == room.host.digest()
    assert fresh_host.version == room.host.version
    assert [e["index"] for e in fresh.log()] == [e["index"] for e in room.server.log()]
    assert fresh.clock == room.server.clock

    # Each client's next command continues its numbering at the fresh host.
    keys = {client.public_key for _, _, client in room.members}
    nexts = {a["key"]: a["next_sequence"] for a in taken["authors"]}
    assert all(nexts[k] == 4 for k in keys)


def test_damaged_bundles_are_refused_with_a_reason(tmp_path):
    room = Room(clients=1)
    path = tmp_path / "bundle.bin"
    migration.export(room.server, path)
    good = path.read_bytes()
    assert migration.read(room.schema, path)["signed_commands"] is True

    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(theta_net.DataError, match="truncated|section"):
        migration.read(room.schema, path)

    flipped = bytearray(good)
    flipped[-10] ^= 0xFF
    path.write_bytes(bytes(flipped))
    with pytest.raises(theta_net.DataError):
        migration.read(room.schema, path)

    path.write_bytes(good)
    busy = collab.CollabHost(room.host)  # a host with a store already
    with pytest.raises(theta_net.DataError, match="fresh"):
        migration.import_into(busy, path)
