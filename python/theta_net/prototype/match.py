"""A match of a Python game over SimNet (virtual time, deterministic), with the toolkit's wire
messages and rules:

- each client stamps its inputs ahead of the server's tick by its measured round trip
  (Heartbeat pings), predicts with :class:`~theta_net.netcode.Predictor`, and sends every
  unacknowledged input in a ``GameInput`` (:class:`~theta_net.netcode.InputSender`);
- the server buffers them (:class:`~theta_net.netcode.InputBuffer`), steps every player each
  tick (:class:`~theta_net.prototype.server.ServerSimulation`) and sends each its state in a
  ``GameState``, quantized by the component as replication codes it; the client reconciles
  against it;
- the server writes its input log (:class:`~theta_net.netcode.InputLogWriter`), and at the end
  replays it through ``step`` (:func:`~theta_net.prototype.log_replay.replay`): a step that does
  not give the same states again is reported with its first divergent tick and field, and fails
  the run.

Server and clients share SimNet's clock (a prototype's clients know the server's tick exactly);
other players are not sent.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from .. import protocol, replay
from ..errors import Error
from ..netcode import InputBuffer, InputLogWriter, InputSender, Predictor
from ..transport import EventKind, Lane, LinkConfig, SimNet
from .game import Game, MatchConfig, Wire, exact_compare
from .log_replay import first_difference, replay as replay_log
from .server import ServerSimulation


@dataclass
class _ServerPlayer:
    entity: int
    conn: int
    inputs: InputBuffer


@dataclass
class _Client:
    index: int
    endpoint: Any
    conn: int
    sender: InputSender
    predictor: Predictor
    rng: random.Random
    rtt: Optional[float] = None  # seconds, the newest ping's
    rtts: List[float] = field(default_factory=list)
    player: int = 0  # the player the server made this client (entity - 1): what its bot plays
    sent_tick: int = -1  # the server tick its last bundle went out at
    connected: bool = False
    playing: bool = False
    last_state_tick: int = 0
    next_input_tick: int = 0
    stats: Dict[str, float] = field(
        default_factory=lambda: {
            "states": 0,
            "corrections": 0,
            "error_sum": 0.0,
            "inputs": 0,
            "input_bytes": 0,
        }
    )
    field_error: Dict[str, float] = field(default_factory=dict)  # summed, by field


def play(game: Game, config: MatchConfig) -> Dict[str, Any]:
    """Plays a match and returns its report (see :func:`main`)."""
    wire = Wire(game.state)
    exact = exact_compare(game.state)
    measured = list(game.error_fields) if game.error_fields is not None else wire.names

    def quantized_step(state: Dict[str, Any], input: Dict[str, Any], tick: int) -> Dict[str, Any]:
        return wire.quantize(game.step(state, input, tick))

    net = SimNet(config.seed)
    server = net.add_endpoint("server")
    link = LinkConfig()
    link.latency = config.latency_ms / 1000
    link.jitter = config.jitter_ms / 1000
    link.loss = config.loss
    clients: List[_Client] = []
    for i in range(config.players):
        endpoint = net.add_endpoint(f"bot{i + 1}")
        net.set_links(endpoint, server, link)
        conn = endpoint.connect(server)
        clients.append(
            _Client(
                i,
                endpoint,
                conn,
                InputSender(game.inputs),
                Predictor(quantized_step, exact, history=4 * config.tick_rate),
                random.Random(config.seed * 1000 + i),
            )
        )
    header = replay.header_for_this_build(config.scenario, config.seed, config.tick_rate, "server")
    header["hash_interval"] = config.hash_interval  # what a replay of the input log needs
    events = replay.EventWriter(config.events, header) if config.events else None
    # The input log: to its file, or kept in memory for the check at the end.
    inputs = InputLogWriter(game.inputs, dict(header, role="inputs"), config.inputs)
    simulation = ServerSimulation(
        game, wire, events=events, inputs=inputs, hash_interval=config.hash_interval, keep_history=True
    )
    players: Dict[int, _ServerPlayer] = {}  # by connection
    period = 1.0 / config.tick_rate
    ticks = round(config.seconds * config.tick_rate)
    counts = {"ticks": 0, "joins": 0, "bundles_refused": 0, "inputs_starved": 0}

    def decoded(input: Dict[str, Any], tick: int) -> Dict[str, Any]:
        return game.inputs.decode_bundle(game.inputs.encode_bundle(tick, [input]))["inputs"][0]

    def serve() -> None:
        server.poll()
        for e in server.events():
            if e.kind == EventKind.CONNECTED and e.conn not in players:
                players[e.conn] = _ServerPlayer(simulation.join(), e.conn, InputBuffer(game.inputs))
                counts["joins"] += 1
            elif e.kind == EventKind.MESSAGE and e.conn in players:
                name, fields = protocol.decode(e.payload)
                if name == "GameInput":
                    try:
                        players[e.conn].inputs.add_bundle(fields["bundle"], counts["ticks"] + 1)
                    except Error:
                        counts["bundles_refused"] += 1
                elif name == "Heartbeat" and fields["kind"] == "ping":
                    pong = dict(fields, kind="pong", server_tick=counts["ticks"])
                    server.send(e.conn, Lane.CONTROL, protocol.encode("Heartbeat", pong))

    def server_tick(tick: int) -> None:
        taken, codes = {}, {}
        for p in players.values():
            starved = p.inputs.stats["starved"]
            codes[p.entity] = p.inputs.take_codes(tick)
            taken[p.entity] = game.inputs.values(codes[p.entity])
            counts["inputs_starved"] += p.inputs.stats["starved"] - starved
        simulation.step(tick, taken, codes)
        for p in sorted(players.values(), key=lambda p: p.entity):
            message = {
                "server_tick": tick,
                "entity": p.entity,
                "last_input_tick": p.inputs.last_applied_tick,
                "component": game.state.id,
                "state": wire.encode(p.entity, simulation.states[p.entity]),
            }
            server.send(p.conn, Lane.ENTITIES, protocol.encode("GameState", message))
        counts["ticks"] = tick

    def client_step(c: _Client, now: float) -> None:
        c.endpoint.poll()
        for e in c.endpoint.events():
            if e.kind == EventKind.CONNECTED:
                c.connected = True
            if e.kind != EventKind.MESSAGE:
                continue
            name, fields = protocol.decode(e.payload)
            if name == "Heartbeat" and fields["kind"] == "pong":
                c.rtt = now - fields["sent_at_us"] / 1e6
                c.rtts = (c.rtts + [c.rtt])[-16:]
            elif name == "GameState":
                on_state(c, fields)
        server_now = counts["ticks"]
        if not c.playing or c.rtt is None:
            return
        # Stamped to arrive before its tick: the one-way delay and the spread of recent round
        # trips, rounded up to ticks, plus one tick (an input is made at the first quarter tick
        # after the server's tick, so at least three quarters of a tick to spare).
        spread = (max(c.rtts) - min(c.rtts)) if len(c.rtts) > 1 else 0.0
        lead = math.ceil((c.rtt / 2 + spread) / period) + 1
        target = server_now + lead
        if c.next_input_tick == 0:
            # The ticks before the first input that can arrive in time run on the default input
            # on the server (nothing came): so does the prediction.
            c.next_input_tick = max(target, c.predictor.tick + 1)
            for tick in range(c.predictor.tick + 1, c.next_input_tick):
                c.predictor.predict(tick, game.inputs.default)
        made = False
        while c.next_input_tick <= target:
            tick = c.next_input_tick
            c.next_input_tick += 1
            input = decoded(game.bot(c.player, c.predictor.state, tick, c.rng), tick)
            c.sender.push(tick, input)
            try:
                c.predictor.predict(tick, input)
            except Exception as exc:
                exc.add_note(f"in {game.name}'s step predicting player {c.player} on its client")
                raise
            c.stats["inputs"] += 1
            made = True
        # Every new input goes out at once; the unacknowledged ones go again once a tick.
        bundle = c.sender.bundle() if made or c.sent_tick != server_now else None
        if bundle is not None:
            c.sent_tick = server_now
            c.stats["input_bytes"] += len(bundle)
            message = protocol.encode("GameInput", {"last_server_tick": server_now, "bundle": bundle})
            c.endpoint.send(c.conn, Lane.INPUT, message)

    def on_state(c: _Client, fields: Dict[str, Any]) -> None:
        state, tick = wire.decode(fields["state"]), fields["server_tick"]
        c.sender.acknowledge(fields["last_input_tick"])
        c.player = fields["entity"] - 1  # the server numbers players as they connect
        if not c.playing or c.next_input_tick == 0:
            # Not predicting yet (no round trip measured): the server's word is the state.
            if tick > c.last_state_tick:
                c.predictor.reset(state, tick)
            c.playing, c.last_state_tick = True, max(tick, c.last_state_tick)
            return
        if tick <= c.last_state_tick:
            return
        c.last_state_tick = tick
        diff = c.predictor.diff_at(state, tick)
        if diff is not None:
            c.stats["states"] += 1
            c.stats["error_sum"] += max((diff.get(k, 0.0) for k in measured), default=0.0)
            for key, value in diff.items():
                c.field_error[key] = c.field_error.get(key, 0.0) + value
        if c.predictor.reconcile(state, tick) is not None:
            c.stats["corrections"] += 1

    step_seconds = period / 4
    next_ping = 0.0
    now, steps = 0.0, 0
    for tick in range(1, ticks + 1):
        while steps < 4 * tick:  # four steps a tick, each time a multiple of the step
            steps += 1
            now = steps * step_seconds
            net.advance_to(now)
            serve()
            for c in clients:
                client_step(c, now)
            if now >= next_ping:
                next_ping = now + 0.25
                for c in (c for c in clients if c.connected):
                    ping = {"kind": "ping", "id": int(now * 1000), "sent_at_us": round(now * 1e6)}
                    c.endpoint.send(c.conn, Lane.CONTROL, protocol.encode("Heartbeat", ping))
        server_tick(tick)
    if events:
        events.close()
    inputs.end(ticks + 1)

    # The server's input log replayed through the step: the same states, or the first tick that
    # is not (nondeterminism in the game's step).
    if config.inputs:
        replayed = replay_log(game, config.inputs)
    else:
        replayed = replay_log(game, text=inputs.take())
    nondeterminism = first_difference(simulation, replayed, exact)
    minutes = config.seconds / 60 * max(1, len(clients))
    states = sum(c.stats["states"] for c in clients)
    messages = sum(c.sender.stats["bundles"] for c in clients)
    return {
        "network": "sim",
        "tick_rate": config.tick_rate,
        "simulated_seconds": config.seconds,
        "mean_error": sum(c.stats["error_sum"] for c in clients) / states if states else 0.0,
        "mean_error_by_field": {
            name: (sum(c.field_error.get(name, 0.0) for c in clients) / states if states else 0.0)
            for name in wire.names
        },
        "corrections_per_minute": sum(c.stats["corrections"] for c in clients) / minutes,
        "input_bytes_per_message": sum(c.stats["input_bytes"] for c in clients) / messages
        if messages
        else 0.0,
        "nondeterminism": nondeterminism,
        "server": counts,
        "players": [
            {
                "name": f"bot{c.index + 1}",
                "entity": c.player + 1,
                **{k: c.stats[k] for k in ("states", "corrections", "inputs")},
            }
            for c in clients
        ],
    }
