"""The Python data API (theta_net.data): schemas from TOML and from Python, transactions, a host
and mirrors joined in memory, queries, numpy columns, subscriptions, optimistic writes, and the
errors that name what was wrong."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import theta_net
from theta_net import data

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def schema():
    return data.load_schema(ROOT / "examples" / "data" / "arena.toml")


def python_schema():
    return data.Schema(
        "cards",
        "1.0",
        [
            data.Table(
                "cards",
                [
                    data.Component(
                        "face",
                        [
                            data.Field.enum("suit", ["hearts", "spades"], default="spades"),
                            data.Field.int("rank", 1, 13, default=1),
                            data.Field.fixed("x", 4, -100, 100),
                            data.Field.float("angle", 0, 360, 10),
                            data.Field.bool("up"),
                            data.Field.string("note", max=16),
                            data.Field.bytes("blob", max=8),
                            data.Field.int("marks", 0, 9, count=3),
                            data.Field.f64("weight", default=1.5),
                        ],
                    )
                ],
            )
        ],
    )


def test_a_python_schema_round_trips_through_its_canonical_toml():
    schema = python_schema()
    again = data.Schema.from_toml(schema.to_toml())
    assert again == schema and again.hash == schema.hash
    assert schema.version == "1.0" and len(schema.hashes) == 1


def test_every_field_type_reaches_a_mirror_in_user_units():
    local = data.LocalData(python_schema(), clients=1)
    with local.transaction() as tx:
        tx.update(
            "cards",
            3,
            {
                "face": {
                    "suit": "hearts",
                    "rank": 12,
                    "x": -2.25,
                    "angle": 90.0,
                    "up": True,
                    "note": "queen",
                    "blob": b"\x00\x01",
                    "marks": [1, 2, 3],
                    "weight": 0.125,
                }
            },
        )
    local.step()
    face = local.clients[0].get("cards", 3)["face"]
    assert face["suit"] == "hearts" and face["rank"] == 12 and face["x"] == -2.25
    assert face["up"] is True and face["note"] == "queen" and face["blob"] == b"\x00\x01"
    assert face["marks"] == [1, 2, 3] and face["weight"] == 0.125
    assert abs(face["angle"] - 90.0) <= 360 / 1023
    assert local.converged()


def test_columns_are_numpy_arrays_in_id_order(schema):
    local = data.LocalData(schema, clients=1)
    with local.transaction() as tx:
        for entity, hp in [(9, 30), (2, 70), (5, 50)]:
            tx.update("players", entity, {"health": {"hp": hp}, "position": {"x": entity / 2}})
    local.step()
    db = local.clients[0]
    assert list(db.ids("players")) == [2, 5, 9]
    hp = db.column("players", "health", "hp")
    assert hp.dtype == np.int64 and list(hp) == [70, 50, 30]
    assert list(db.column("players", "position", "x")) == [1.0, 2.5, 4.5]
    slots = db.column("players", "inventory", "slots")
    assert slots.ndim == 2 and slots.shape[0] == 3


def test_callbacks_fire_once_per_batch_with_the_fields_that_changed(schema):
    local = data.LocalData(schema, clients=1)
    db = local.clients[0]
    seen, hp_only = [], []
    db.on_table("players", seen.append)
    db.on_field("players", "health", "hp", hp_only.append)
    with local.transaction() as tx:
        tx.update("players", 1, {"health": {"hp": 40}})
    local.step()
    with local.transaction() as tx:
        tx.update("players", 1, {"health": {"alive": False}})
    local.step()
    with local.transaction() as tx:
        tx.remove_entity("players", 1)
    local.step()
    assert [c["kind"] for c in seen] == ["insert", "update", "remove"]
    assert seen[1]["fields"] == {"health": ["alive"]}
    assert [c["kind"] for c in hp_only] == ["insert", "remove"]


def test_a_local_write_shows_at_once_and_is_confirmed_by_the_server(schema):
    local = data.LocalData(schema, clients=2)
    local.step()
    a, b = local.clients
    tx = a.transaction()
    tx.set("players", 4, "health", "hp", 33)
    a.write(tx)
    assert a.get("players", 4)["health"]["hp"] == 33 and a.pending_writes == 1
    assert b.get("players", 4) is None
    local.step()
    assert a.pending_writes == 0 and b.get("players", 4)["health"]["hp"] == 33
    assert local.converged()


def test_errors_name_the_table_component_field_or_value(schema):
    tx = data.Transaction(schema)
    with pytest.raises(theta_net.DataError, match='no table "ghosts"'):
        tx.set("ghosts", 1, "health", "hp", 1)
    with pytest.raises(theta_net.DataError, match='no component "mana"'):
        tx.set("players", 1, "mana", "hp", 1)
    with pytest.raises(theta_net.DataError, match='no field "hpx"'):
        tx.set("players", 1, "health", "hpx", 1)
    with pytest.raises(theta_net.DataError) as err:
        tx.set("players", 1, "health", "hp", 500)
    assert err.value.code == "out_of_range"
    with pytest.raises(theta_net.DataError, match="not one of its values"):
        tx.set("players", 1, "profile", "team", "purple")
    with pytest.raises(theta_net.DataError):
        data.Schema.from_toml("[schema]\nname = 1\n")


def test_a_client_expecting_another_schema_is_refused_with_both_hashes(schema):
    host = data.DataHost(schema)
    other = python_schema()
    db = data.ClientDB(other)
    client = host.add_client(0.0)
    db.subscribe(0.0)
    for m in db.take_outgoing():
        host.on_message(client, m, 0.0)
    replies = host.drain(client)
    assert replies[0][0] == "DataRefused"
    text = replies[0][1]["text"]
    assert f"{schema.hash:016x}" in text and f"{other.hash:016x}" in text
    db.on_message(replies[0], 0.0)
    assert db.status["state"] == "refused"
