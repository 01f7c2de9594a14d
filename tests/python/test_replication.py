"""theta_net.replication: component declarations and the entity bitstream from numpy arrays."""

from __future__ import annotations

import numpy as np
import pytest

import theta_net
from theta_net.replication import (
    MAX_ENTITY_PAYLOAD,
    Component,
    EntityCodec,
    Field,
    Registry,
    Schema,
    component_id,
    reference_schema,
    to_structured,
)


def body() -> Component:
    return Component(
        "body",
        [
            Field.position("x", -256, 256, step_bits=9),
            Field.position("y", -256, 256, step_bits=9),
            Field.position("z", 0, 32, step_bits=9),
            Field.quaternion("orientation"),
            Field.boolean("interacting"),
        ],
    )


def look() -> Component:
    return Component("look", [Field.angle("yaw"), Field.integer("hp", 0, 20)])


def random_states(n: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    q = rng.normal(size=(n, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    return {
        "entity": np.arange(1, n + 1, dtype=np.uint64),
        "x": rng.uniform(-100, 100, n),
        "y": rng.uniform(-100, 100, n),
        "z": rng.uniform(0, 32, n),
        "orientation": q,
        "interacting": rng.uniform(size=n) < 0.1,
    }


def test_component_ids_are_siphash_of_the_name():
    assert component_id("theta.transform") == theta_net.siphash24(bytes(16), b"theta.transform")
    assert body().id == component_id("body")
    assert [f.name for f in body().fields] == ["x", "y", "z", "orientation", "interacting"]
    assert body().fields[3].kind == "quaternion" and body().fields[3].slots == 4


def test_declarations_are_validated():
    with pytest.raises(theta_net.ReplicationError) as err:
        Component("bad", [Field.integer("a", 5, 1)])
    assert err.value.code == "invalid_argument"
    with pytest.raises(theta_net.ReplicationError):
        Component("bad", [Field.boolean("a"), Field.boolean("a")])
    with pytest.raises(theta_net.ReplicationError):
        Field.fixed("v", 3, 0, float("inf"))


def test_registry_deduplicates_and_order_does_not_matter():
    a, b = Registry(), Registry()
    a.add(body())
    a.add(look())
    a.add(body())
    b.add(look())
    b.add(body())
    assert len(a) == 2
    assert a.schema().fingerprint == b.schema().fingerprint
    assert [c.name for c in a.schema().components] == [c.name for c in b.schema().components]
    with pytest.raises(theta_net.ReplicationError):
        a.add(Component("body", [Field.boolean("x")]))
    # A type rebuilt from its descriptor is the same type.
    again = Component.from_descriptor(body().id, "body", body().layout)
    assert again == body()


def test_full_state_round_trips_to_the_quantized_values():
    codec = EntityCodec(body())
    states = random_states(500)
    payload = codec.encode(states)
    decoded = codec.decode(payload)
    expected = codec.quantize(states)
    assert set(decoded) == set(expected)
    for key in decoded:
        np.testing.assert_array_equal(decoded[key], expected[key], err_msg=key)
    # Positions land on the 1/512 grid, within half a step of the input (plus half of Fx's
    # 1/65536, the first rounding: floats become fixed point before they are quantized).
    assert np.all(np.abs(decoded["body.x"] - states["x"]) <= 1 / 1024 + 1 / 131072)
    assert np.all(decoded["body.x"] * 512 == np.round(decoded["body.x"] * 512))
    # Rotations stay rotations (unit length within the 9-bit grid).
    norms = np.linalg.norm(decoded["body.orientation"], axis=1)
    assert np.all(np.abs(norms - 1) < 0.01)


def test_deltas_against_a_baseline_are_small_and_exact():
    codec = EntityCodec(body())
    states = random_states(901, seed=1)
    baseline = codec.decode(codec.encode(states))
    moved = dict(states)
    moving = np.random.default_rng(2).uniform(size=901) < 0.05
    moved["x"] = states["x"] + moving * 0.25
    payload = codec.encode(moved, baseline)
    assert len(payload) < 0.1 * len(codec.encode(moved))
    after = codec.decode(payload, baseline)
    np.testing.assert_array_equal(after["body.x"], codec.quantize(moved)["body.x"])
    # Nothing changed: at most two bytes (16 payload bits).
    assert len(codec.encode(after, after)) <= 2
    assert len(codec.encode(after, after)) * 8 <= 64


def test_raw_codes_round_trip_exactly():
    codec = EntityCodec(body())
    raw = codec.quantize(random_states(100, seed=3), raw=True)
    assert raw["body.x"].dtype == np.int64
    assert raw["body.orientation"].shape == (100, 4)
    back = codec.decode(codec.encode(raw, raw=True), raw=True)
    for key in raw:
        np.testing.assert_array_equal(back[key], raw[key], err_msg=key)
    bad = dict(raw)
    bad["body.z"] = raw["body.z"] + 10**6  # beyond 32 blocks
    with pytest.raises(theta_net.ReplicationError) as err:
        codec.encode(bad, raw=True)
    assert err.value.code == "out_of_range"


def test_spawns_despawns_and_components_coming_and_going():
    codec = EntityCodec([body(), look()])
    n = 50
    states = {f"body.{k}": v for k, v in random_states(n, seed=4).items() if k != "entity"}
    states["entity"] = np.arange(n, dtype=np.uint64) * 3
    states["look.yaw"] = np.linspace(-180, 170, n)
    states["look.hp"] = np.arange(n) % 21
    states["look"] = np.arange(n) % 2 == 0  # half of them have it
    first = codec.decode(codec.encode(states))
    assert np.array_equal(first["look"], states["look"])
    assert np.all(np.isnan(first["look.yaw"][~states["look"]]))
    # Despawn the first ten, spawn five new ones, give everyone a look.
    keep = slice(10, n)
    nxt = {k: np.asarray(v)[keep] for k, v in states.items()}
    nxt["look"] = np.ones(n - 10, dtype=bool)
    nxt["look.yaw"] = np.zeros(n - 10)
    nxt["look.hp"] = np.full(n - 10, 20)
    spawn = {k: v[:5].copy() for k, v in nxt.items()}
    spawn["entity"] = np.arange(1000, 1005, dtype=np.uint64)
    merged = {k: np.concatenate([nxt[k], spawn[k]]) for k in nxt}
    after = codec.decode(codec.encode(merged, first), first)
    assert list(after["entity"]) == list(range(30, 3 * n, 3)) + list(range(1000, 1005))
    assert np.all(after["look"]) and np.all(after["look.hp"] == 20)
    # Angles come back in degrees on the 256-step grid.
    assert set(np.round(first["look.yaw"][states["look"]] * 256 / 360) % 1) == {0.0}


def test_structured_arrays_work_like_dicts():
    codec = EntityCodec(body())
    states = codec.decode(codec.encode(random_states(20, seed=5)))
    table = to_structured(states)
    assert table.dtype.names[0] == "entity"
    assert codec.encode(table) == codec.encode(states)


def test_output_is_deterministic():
    codec = EntityCodec(body())
    a = codec.encode(random_states(300, seed=6), codec.decode(codec.encode(random_states(300, 7))))
    b = codec.encode(random_states(300, seed=6), codec.decode(codec.encode(random_states(300, 7))))
    assert a == b


def test_bad_input_raises_replication_errors():
    codec = EntityCodec(body())
    states = random_states(10)
    with pytest.raises(theta_net.ReplicationError):
        codec.encode({k: v for k, v in states.items() if k != "y"})
    dup = dict(states)
    dup["entity"] = np.zeros(10, dtype=np.uint64)
    with pytest.raises(theta_net.ReplicationError):
        codec.encode(dup)
    payload = codec.encode(states)
    with pytest.raises(theta_net.ReplicationError):
        codec.decode(payload + b"\x55" * 8)
    rng = np.random.default_rng(8)
    for _ in range(200):  # junk never crashes: an error or a valid state
        junk = rng.integers(0, 256, size=rng.integers(0, 40), dtype=np.uint8).tobytes()
        try:
            codec.decode(junk)
        except theta_net.ReplicationError:
            pass


def test_reference_schema_and_payload_limit():
    schema = reference_schema()
    assert isinstance(schema, Schema) and len(schema) == 4
    assert {c.name for c in schema.components} == {
        "theta.transform",
        "theta.velocity",
        "theta.health",
        "theta.player_state",
    }
    assert schema.index_of("theta.health") is not None
    assert MAX_ENTITY_PAYLOAD == 1114
