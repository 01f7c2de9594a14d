"""The data layer's divergence check from Python (docs/data.md, "Divergence check"): per-table
state hashes on the host and on a mirror, and a mirror broken on purpose found at the next
published hash and repaired by a resync of that table alone, with its counters."""

from __future__ import annotations

from theta_net import data

SCHEMA = """
[schema]
name = "shop"
version = "1.0"

[[table]]
name = "players"

[[table.component]]
name = "health"
fields = [{ name = "hp", type = "int", min = 0, max = 100, default = 100 }]

[[table]]
name = "items"

[[table.component]]
name = "stack"
fields = [{ name = "count", type = "int", min = 0, max = 1000 }]
"""


def populated(clients: int = 2) -> data.LocalData:
    local = data.LocalData(data.Schema.from_toml(SCHEMA), clients=clients)
    with local.transaction() as tx:
        for e in range(1, 21):
            tx.set("players", e, "health", "hp", e)
            tx.set("items", e, "stack", "count", 10 * e)
    local.step()
    return local


def test_host_and_mirror_hash_each_table_alike_and_independently():
    local = populated()
    mirror = local.clients[0]
    for table in ("players", "items"):
        assert mirror.table_hash(table) == local.host.table_hash(table) != 0
    items = local.host.table_hash("items")
    with local.transaction() as tx:
        tx.set("players", 3, "health", "hp", 99)
    local.step()
    assert local.host.table_hash("items") == items  # a change to players leaves items' hash
    assert mirror.table_hash("players") == local.host.table_hash("players")
    assert mirror.state_hashes_checked >= 1 and mirror.divergences == 0


def test_a_broken_mirror_is_repaired_by_a_resync_of_that_table():
    local = populated()
    broken, other = local.clients
    seen = []
    broken.on_table("items", lambda change: seen.append((change["kind"], change["entity"])))
    tx = broken.transaction()
    tx.set("items", 5, "stack", "count", 999)
    broken.corrupt_for_testing(tx)
    assert broken.table_hash("items") != local.host.table_hash("items")
    assert not local.converged()

    with local.transaction() as tx:  # the next version publishes the hashes
        tx.set("players", 1, "health", "hp", 50)
    local.step()

    assert local.converged()
    assert (broken.divergences, broken.table_resyncs) == (1, 1)
    [found] = broken.take_divergences()
    assert found["table"] == "items" and found["server_hash"] == local.host.table_hash("items")
    assert seen == [("update", 5)]  # the repair put entity 5's count back
    assert local.host.stats(local._ids[0])["syncs_table"] == 1
    assert local.host.stats(local._ids[0])["syncs_full"] == 1  # players was not resent
    assert (other.divergences, local.host.stats(local._ids[1])["syncs_table"]) == (0, 0)


def test_a_mirrors_table_hash_leaves_its_pending_writes_out():
    local = populated(clients=1)
    mirror = local.clients[0]
    tx = mirror.transaction()
    tx.set("items", 2, "stack", "count", 7)
    mirror.write(tx)
    assert mirror.get("items", 2)["stack"]["count"] == 7
    assert mirror.table_hash("items") == local.host.table_hash("items")


def test_hashes_can_be_published_less_often_or_not_at_all():
    schema = data.Schema.from_toml(SCHEMA)
    for every, checked in ((0, 0), (2, 2)):
        local = data.LocalData(schema, clients=1, state_hash_every=every)
        for v in range(4):
            with local.transaction() as tx:
                tx.set("players", 1, "health", "hp", v)
            local.step()
        assert local.clients[0].state_hashes_checked == checked
