"""theta_net.netcode: prediction over a game defined in Python, and lag compensation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from theta_net.netcode import FieldThresholds, InputSchema, LagCompensator, Predictor

DT = 1 / 20


def puck_step(friction):
    """A puck on ice pushed by a thrust input; the server's ice may be rougher than the client's."""

    def step(state, thrust, tick):
        vel = state["vel"] * (1 - friction) + np.asarray(thrust, dtype=float) * DT
        return {"pos": state["pos"] + vel * DT, "vel": vel}

    return step


def start():
    return {"pos": np.zeros(2), "vel": np.zeros(2)}


def thrust_for(tick):
    return (1.0, 0.5) if tick % 9 else (-2.0, 0.0)


def server_states(friction, ticks):
    step, state, out = puck_step(friction), start(), [start()]
    for t in range(1, ticks + 1):
        state = step(state, thrust_for(t), t)
        out.append(state)
    return out


def test_a_server_that_agrees_causes_no_correction():
    p = Predictor(puck_step(0.0), thresholds={"pos": 1e-9, "vel": 1e-9})
    p.reset(start(), 0)
    server = server_states(0.0, 40)
    for t in range(1, 41):
        p.predict(t, thrust_for(t))
        if t > 3:
            assert p.reconcile(server[t - 3], t - 3) is None
    assert p.stats["corrections"] == 0
    assert p.stats["predicted"] == 40
    np.testing.assert_array_equal(p.state["pos"], server[40]["pos"])


def test_a_mismatch_rewinds_and_replays_onto_the_servers_state():
    p = Predictor(puck_step(0.0), thresholds={"pos": 0.001, "vel": 0.001})
    p.reset(start(), 0)
    server = server_states(0.1, 20)  # rough ice the client does not know about
    for t in range(1, 21):
        p.predict(t, thrust_for(t))
    correction = p.reconcile(server[15], 15)
    assert correction is not None
    assert correction["tick"] == 15
    assert correction["ticks_replayed"] == 5
    assert correction["no_history"] is False
    assert set(correction["diff"]) == {"pos", "vel"}
    assert correction["diff"]["vel"] > 0.001
    # Replayed with the client's own (smooth) ice from the server's state at 15.
    expected = server[15]
    for t in range(16, 21):
        expected = puck_step(0.0)(expected, thrust_for(t), t)
    np.testing.assert_array_equal(p.state["pos"], expected["pos"])
    assert p.reconcile(server[15], 15) is None  # the same news again
    assert [tick for tick, _ in p.unacknowledged(8)] == [16, 17, 18, 19, 20]


def test_thresholds_decide_what_is_worth_a_correction():
    compare = FieldThresholds({"pos": 0.5}, default=0.0)
    assert compare({"pos": [0, 0], "hp": 3}, {"pos": [0.4, 0], "hp": 3}) == {}
    assert compare({"pos": [0, 0], "hp": 3}, {"pos": [0.6, 0], "hp": 2}) == pytest.approx(
        {"pos": 0.6, "hp": 1.0}
    )
    assert compare({"name": "a"}, {"name": "b"}) == {"name": math.inf}
    assert compare({"pos": [0, 0]}, {}) == {"pos": math.inf}
    assert compare({"pos": [0, 0]}, {"pos": [0, 0, 0]}) == {"pos": math.inf}
    with pytest.raises(ValueError, match="threshold of field 'pos'"):
        FieldThresholds({"pos": -1})
    with pytest.raises(ValueError, match="default threshold"):
        FieldThresholds(default=float("nan"))
    # A prediction gone to NaN differs from anything.
    assert compare({"pos": [float("nan"), 0]}, {"pos": [0, 0]}) == {"pos": math.inf}


def test_a_step_that_raises_names_its_tick_and_changes_nothing():
    def step(state, thrust, tick):
        if tick == 7 and state["vel"][0] > 100:
            raise ZeroDivisionError("the puck left the rink")
        return puck_step(0.0)(state, thrust, tick)

    p = Predictor(step)
    p.reset(start(), 0)
    for t in range(1, 9):
        p.predict(t, thrust_for(t))
    before, six = p.state, p.state_at(6)
    with pytest.raises(ZeroDivisionError) as raised:
        p.reconcile({"pos": np.zeros(2), "vel": np.array([500.0, 0.0])}, 5)
    assert "in the step for tick 7" in raised.value.__notes__
    assert p.state is before and p.tick == 8 and p.acked_tick == 0
    assert p.state_at(6) is six  # the history was not half rewritten


def test_a_step_that_changes_its_state_in_place_is_refused():
    def step(state, thrust, tick):
        state["pos"] += 1
        return state

    p = Predictor(step)
    p.reset(start(), 0)
    with pytest.raises(TypeError, match="tick 1 returned the state it was given"):
        p.predict(1, (0, 0))


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="step must be callable"):
        Predictor(42)
    with pytest.raises(ValueError, match="compare or thresholds"):
        Predictor(puck_step(0), compare=lambda a, b: {}, thresholds={"pos": 1})
    with pytest.raises(ValueError, match="history"):
        Predictor(puck_step(0), history=0)


def test_the_same_inputs_give_the_same_corrections_every_run():
    def run():
        p = Predictor(puck_step(0.0), thresholds={"pos": 0.002, "vel": 0.002})
        p.reset(start(), 0)
        server = server_states(0.05, 120)
        log = []
        for t in range(1, 121):
            p.predict(t, thrust_for(t))
            if t > 4 and (c := p.reconcile(server[t - 4], t - 4)):
                log.append((c["tick"], c["ticks_replayed"], sorted(c["diff"].items())))
        return log, p.state["pos"].tobytes()

    first = run()
    assert first[0], "the rough ice caused no correction"
    assert first == run()


def test_lag_compensation_judges_a_shot_at_the_tick_the_shooter_saw():
    lc = LagCompensator(tick_rate=20, max_rewind=0.3)
    for t in range(101):
        lc.record(t, [(1, (0, 1, 0), (1, 1, 1)), (7, (t, 1, 10), (0.5, 1, 0.5))])
    for rtt, hit, clamped in [
        (0.0, True, False),
        (0.075, True, False),
        (0.2, True, False),
        (0.25, False, True),
    ]:
        seen = lc.view_tick(rtt, 0.1)
        assert seen == pytest.approx(100 - (rtt + 0.1) * 20)
        shot = lc.hitscan((seen, 1, 0), (seen, 1, 50), 1, rtt, 0.1)
        assert (shot["hit"] is not None) == hit, rtt
        assert shot["clamped"] == clamped
        if hit:
            assert shot["hit"]["entity"] == 7
            assert shot["hit"]["point"][2] == pytest.approx(9.5)
        # Judged at the newest tick instead, the same shot misses.
        assert lc.hitscan_at((seen, 1, 0), (seen, 1, 50), 1, 100)["hit"] is None
    with pytest.raises(Exception, match="come after"):
        lc.record(100, [])
    with pytest.raises(Exception, match="needs 3 numbers"):
        lc.record(101, [(1, (0, 1), (1, 1, 1))])
    with pytest.raises(Exception, match="not a finite, representable number"):
        lc.hitscan_at((0, 1, 0), (0, 1, 50), 1, float("nan"))
    with pytest.raises(Exception, match="beyond 2147483648 blocks"):
        lc.record(101, [(2, (-1e14, 0, 0), (1e14, 1, 1))])


def test_a_component_is_interpolated_field_by_field():
    from theta_net.netcode import ComponentInterpolator
    from theta_net.replication import Component, Field

    body = Component(
        "body",
        [Field.position("x"), Field.angle("yaw"), Field.quaternion("rot"), Field.integer("hp", 0, 100)],
    )
    ci = ComponentInterpolator(body, max_extrapolation=2)
    assert ci.view_at(5) is None
    s45 = math.sin(math.pi / 8)
    ci.add(10, {"x": 0.0, "yaw": 350.0, "rot": (0, 0, 0, 1), "hp": 100})
    ci.add(12, {"x": 4.0, "yaw": 10.0, "rot": (0, 0, math.sqrt(0.5), math.sqrt(0.5)), "hp": 60})
    mid = ci.view_at(11)
    assert mid["extrapolated"] is False
    assert mid["values"]["x"] == 2.0
    assert mid["values"]["yaw"] == pytest.approx(0.0, abs=0.01)  # the short way round
    assert mid["values"]["rot"][2] == pytest.approx(s45, abs=1e-4)
    assert mid["values"]["hp"] == 100
    late = ci.view_at(20)
    assert late["extrapolated"] and late["extrapolated_ticks"] == 2.0
    assert late["values"]["x"] == 8.0  # two blocks a tick, for the two ticks allowed
    assert len(ci) == 2 and ci.newest_tick == 12
    from theta_net import ReplicationError

    with pytest.raises(ReplicationError, match="no value for field 'body.hp'"):
        ci.add(13, {"x": 0.0, "yaw": 0.0, "rot": (0, 0, 0, 1)})
    with pytest.raises(ReplicationError, match="'body.rot' takes 4 numbers, not 3"):
        ci.add(13, {"x": 0.0, "yaw": 0.0, "rot": (0, 0, 1), "hp": 1})


def test_inputs_declared_in_python_travel_delta_coded():
    from theta_net import ProtocolError
    from theta_net.netcode import InputSchema
    from theta_net.replication import Field

    schema = InputSchema(
        "shooter",
        [
            Field.integer("buttons", 0, 15),
            Field.fixed("move_x", 8, -1, 1),
            Field.angle("aim", 12),
            Field.boolean("fire"),
        ],
        one_shot=["fire"],
    )
    assert schema.default == {"buttons": 0, "move_x": 0.0, "aim": 0.0, "fire": False}
    held = {"buttons": 5, "move_x": 0.5, "aim": 90.0, "fire": False}
    inputs = [held, dict(held, aim=92.0), dict(held, aim=95.0, fire=True)]
    cold = schema.encode_bundle(10, inputs)
    warm = schema.encode_bundle(10, inputs, baseline=held)
    assert len(warm) < len(cold)
    out = schema.decode_bundle(warm, baseline=held)
    assert out["first_tick"] == 10 and out["against_previous"] is True
    assert [i["fire"] for i in out["inputs"]] == [False, False, True]
    assert [round(i["aim"], 1) for i in out["inputs"]] == [90.0, 92.0, 95.0]
    assert schema.decode_bundle(cold)["inputs"] == out["inputs"]
    # Eight held inputs: a bit a field after the header.
    assert len(schema.encode_bundle(1000, [held] * 8, baseline=held)) == 5 + 4
    with pytest.raises(ProtocolError, match="'shooter.move_x' is 98304, outside"):
        schema.encode_bundle(1, [dict(held, move_x=1.5)])
    clamped = schema.encode_bundle(1, [dict(held, move_x=1.5)], clamp=True)
    assert schema.decode_bundle(clamped)["inputs"][0]["move_x"] == 1.0
    with pytest.raises(ProtocolError, match="coded against the input for tick 9"):
        schema.decode_bundle(warm)
    with pytest.raises(ProtocolError, match="version"):
        schema.decode_bundle(b"\x02" + warm[1:])
    with pytest.raises(ProtocolError, match="one_shot names 'jump'"):
        InputSchema("x", [Field.boolean("fire")], one_shot=["jump"])


def test_a_correction_glides_instead_of_snapping():
    from theta_net.netcode import CorrectionSmoother

    p = Predictor(puck_step(0.0), thresholds={"pos": 0.001, "vel": 0.001})
    p.reset(start(), 0)
    server = server_states(0.1, 20)
    for t in range(1, 21):
        p.predict(t, thrust_for(t))
    smoother = CorrectionSmoother(keep=0.5)
    before = (*p.state["pos"], 0.0)
    assert p.reconcile(server[15], 15) is not None
    after = (*p.state["pos"], 0.0)
    smoother.on_correction(before, after)
    # Drawn where it was, then half the way on each tick, then exactly where it is.
    assert smoother.render(after) == pytest.approx(before, abs=1e-4)
    smoother.tick()
    halfway = [(a + b) / 2 for a, b in zip(before, after)]
    assert smoother.render(after) == pytest.approx(halfway, abs=1e-4)
    for _ in range(30):
        smoother.tick()
    assert smoother.remaining == 0.0 and smoother.render(after) == pytest.approx(after, abs=1e-4)
    # A teleport (past snap_distance) is drawn as one.
    smoother.on_correction((0, 0, 0), (10, 0, 0))
    assert smoother.remaining == 0.0


def test_nondeterminism_in_a_step_is_found_with_its_tick_and_field():
    from theta_net.netcode import check_determinism, first_divergence

    inputs = [thrust_for(t) for t in range(1, 41)]
    assert check_determinism(puck_step(0.0), start(), inputs) is None

    calls = {"n": 0}

    def leaky(state, thrust, tick):
        # Reads a counter outside its state: the 60th call (tick 20 of the second run) drifts.
        calls["n"] += 1
        nxt = puck_step(0.0)(state, thrust, tick)
        if calls["n"] == 60:
            nxt["vel"] = nxt["vel"] + 1e-9
        return nxt

    found = check_determinism(leaky, start(), inputs)
    assert found is not None
    assert found["run"] == 2 and found["tick"] == 20
    assert set(found["diff"]) == {"vel"}  # the position is still right at that tick
    # Against states recorded elsewhere (another process, another machine):
    recorded, state = [], start()
    for t, value in enumerate(inputs, 1):
        state = puck_step(0.0)(state, value, t)
        recorded.append(state)
    rough = first_divergence(puck_step(0.01), start(), inputs, recorded)
    # Friction acts on the velocity there is: none before tick 1, so tick 2 is the first to differ.
    assert rough["tick"] == 2 and set(rough["diff"]) == {"pos", "vel"}
    assert first_divergence(puck_step(0.0), start(), inputs, recorded) is None
    with pytest.raises(ValueError, match="runs must be at least 2"):
        check_determinism(puck_step(0.0), start(), inputs, runs=1)


def test_the_client_sender_and_the_server_buffer_carry_inputs_across_loss():
    """Every third bundle lost, the acknowledgement two ticks late: the server still runs every
    input at its tick, decodes every bundle against the baseline the sender chose, and a starved
    tick repeats the last input without its one-shot field."""
    import theta_net
    from theta_net.netcode import InputBuffer, InputSchema, InputSender
    from theta_net.replication import Field

    schema = InputSchema(
        "stick",
        [Field.fixed("move_x", 8, -1, 1), Field.angle("aim", 12), Field.boolean("fire")],
        one_shot=["fire"],
    )

    def made(tick):
        return {"move_x": (tick % 9 - 4) / 4, "aim": float(tick * 3 % 360), "fire": tick % 5 == 0}

    sender, server = InputSender(schema), InputBuffer(schema)
    lead = 3
    for tick in range(1, 121):
        sender.push(tick + lead, made(tick + lead))
        bundle = sender.bundle()
        if tick % 3:
            server.add_bundle(bundle, tick)
        applied = server.take(tick)
        if tick > lead:
            assert applied["move_x"] == made(tick)["move_x"] and applied["fire"] == made(tick)["fire"], tick
        if server.last_applied_tick > 2:
            sender.acknowledge(server.last_applied_tick - 2)
    assert server.stats["starved"] == lead and server.stats["applied"] == 120 - lead
    assert sender.stats["against_default"] <= 2 * lead and sender.unacknowledged <= 6

    # A starved tick repeats the movement, not the shot.
    lonely = InputBuffer(schema)
    first = InputSender(schema)
    first.push(1, {"move_x": 0.5, "aim": 0.0, "fire": True})
    lonely.add_bundle(first.bundle(), 1)
    assert lonely.take(1)["fire"] is True
    assert lonely.take(2) == {"move_x": 0.5, "aim": 0.0, "fire": False}

    # A bundle coded against an input the server never had is refused whole, by name.
    other = InputSender(schema)
    for tick in (1, 2, 3):
        other.push(tick, made(tick))
    other.acknowledge(2)
    with pytest.raises(theta_net.ProtocolError, match="does not hold"):
        InputBuffer(schema).add_bundle(other.bundle(), 1)
    with pytest.raises(theta_net.ProtocolError, match="move_x"):
        other.push(4, {"move_x": 2.0, "aim": 0.0, "fire": False})


def test_an_input_log_keeps_the_applications_own_records_and_refuses_its_reserved_kinds():
    from theta_net import ReplayError, replay
    from theta_net.netcode import InputLogWriter, replay_input_log
    from theta_net.replication import Field

    schema = InputSchema("pad", [Field.boolean("fire")])
    log = InputLogWriter(schema, replay.header_for_this_build("demo", 1, 30, "inputs"))
    log.record({"tick": 0, "kind": "map", "name": "dust"})
    with pytest.raises(ReplayError, match="'join' is a record of the input log itself"):
        log.record({"tick": 0, "kind": "join", "entity": 1})
    with pytest.raises(ReplayError):
        log.record({"kind": "map"})  # no tick
    log.end(1)

    class Records:
        def __init__(self):
            self.seen = []

        def join(self, tick, entity, name):
            ...

        def leave(self, tick, entity, detail):
            ...

        def step(self, tick, inputs):
            ...

        def record(self, event):
            self.seen.append(event)

    target = Records()
    replay_input_log(schema, target, text=log.take())
    assert target.seen == [{"tick": 0, "kind": "map", "name": "dust"}]
