"""A game written in Python, played over a simulated network with prediction and reconciliation:
for prototyping a game's rules before writing them in C++ (docs/tutorial_python_game.md).

You write a :class:`Game`: the player's state as a replicated component (its fields and their
quantization), the input as an :class:`~theta_net.netcode.InputSchema`, ``spawn``, a
deterministic ``step(state, input, tick)`` and a ``bot`` that plays. :func:`play` runs a server
and one client per bot over SimNet (virtual time, deterministic) with the toolkit's wire
messages and rules:

- each client stamps its inputs ahead of the server's tick by its measured round trip
  (Heartbeat pings), predicts with :class:`~theta_net.netcode.Predictor`, and sends every
  unacknowledged input in a ``GameInput`` (:class:`~theta_net.netcode.InputSender`);
- the server buffers them (:class:`~theta_net.netcode.InputBuffer`), steps every player each
  tick and sends each its state in a ``GameState``, quantized by the component as replication
  codes it; the client reconciles against it;
- the server keeps its input log, and at the end replays it through ``step`` from each spawn
  (:func:`~theta_net.netcode.first_divergence`): a step that does not give the same states again
  is reported with its first divergent tick and field, and fails the run.

Server and clients share SimNet's clock (a prototype's clients know the server's tick exactly);
other players are not sent. :func:`main` is the scenario runner's game program contract
(docs/scenarios.md, "Your own game"), so a Python game plays in scenario files.
"""

from __future__ import annotations

import argparse
from abc import ABC, abstractmethod
import contextlib
import hashlib
import json
import math
import random
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from . import protocol, replay
from .errors import Error
from .netcode import InputBuffer, InputSchema, InputSender, Predictor, first_divergence
from .replication import Component, EntityCodec
from .transport import EventKind, Lane, LinkConfig, SimNet


class Game(ABC):
    """What a Python game defines. Subclass it, set ``name``, ``state`` and ``inputs``, and write
    the three methods."""

    name: str = "prototype"
    state: Component  # the player's state: its fields are the state dict's keys
    inputs: InputSchema
    # The fields the report's mean_error measures (None: every field): the largest difference
    # among them at each server state, so give fields of one unit (a position's, say).
    error_fields: Optional[Sequence[str]] = None

    @abstractmethod
    def spawn(self, player: int) -> Dict[str, Any]:
        """Player ``player``'s first state (players count from 0)."""

    @abstractmethod
    def step(self, state: Dict[str, Any], input: Dict[str, Any], tick: int) -> Dict[str, Any]:
        """The state after ``tick`` with ``input``: a new dict, the same for the same arguments."""

    @abstractmethod
    def bot(self, player: int, state: Dict[str, Any], tick: int, rng: random.Random) -> Dict[str, Any]:
        """The input player ``player`` makes for ``tick``, seeing its predicted ``state``."""


@dataclass
class MatchConfig:
    players: int = 2
    tick_rate: int = 30
    seconds: float = 10.0
    seed: int = 1
    latency_ms: float = 0.0  # each way
    jitter_ms: float = 0.0
    loss: float = 0.0
    events: Optional[str] = None  # the server's JSONL stream
    hash_interval: int = 0  # ticks between "state" events (0: none)
    scenario: str = "prototype"


class _Wire:
    """The state component's quantization and wire form (replication's entity codec)."""

    def __init__(self, component: Component) -> None:
        self.component = component
        self.codec = EntityCodec(component)
        self.names = [f.name for f in component.fields]

    def _columns(self, entity: int, state: Dict[str, Any]) -> Dict[str, np.ndarray]:
        columns = {"entity": np.array([entity], dtype=np.uint64)}
        for name in self.names:
            if name not in state:
                raise Error(f"state has no field {name!r} (the {self.component.name} component's)")
            columns[name] = np.array([state[name]])
        return columns

    def _state(self, columns: Dict[str, np.ndarray]) -> Dict[str, Any]:
        prefix = self.component.name + "."
        return {name: columns[prefix + name][0].item() for name in self.names}

    def quantize(self, state: Dict[str, Any]) -> Dict[str, Any]:
        return self._state(self.codec.quantize(self._columns(0, state)))

    def encode(self, entity: int, state: Dict[str, Any]) -> bytes:
        return self.codec.encode(self._columns(entity, state))

    def decode(self, payload: bytes) -> Dict[str, Any]:
        return self._state(self.codec.decode(payload))


def _exact_compare(component: Component):
    """compare(predicted, authoritative): the fields that differ, each with by how much in its
    own units (an angle the short way round); empty when none do."""
    angles = {f.name for f in component.fields if f.kind == "angle"}

    def compare(predicted: Dict[str, Any], authoritative: Dict[str, Any]) -> Dict[str, float]:
        out = {}
        for key, value in authoritative.items():
            if predicted.get(key) == value:
                continue
            difference = abs(predicted[key] - value)
            out[key] = abs((difference + 180.0) % 360.0 - 180.0) if key in angles else difference
        return out

    return compare


@dataclass
class _ServerPlayer:
    entity: int
    conn: int
    state: Dict[str, Any]
    inputs: InputBuffer
    spawn: Dict[str, Any]
    joined: int  # the last tick before its first step
    log: List[Dict[str, Any]] = field(default_factory=list)  # the inputs applied, by tick
    states: List[Dict[str, Any]] = field(default_factory=list)  # the states they gave


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
    wire = _Wire(game.state)
    exact = _exact_compare(game.state)
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
    events = replay.EventWriter(config.events, header) if config.events else None
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
                entity = len(players) + 1
                first = wire.quantize(game.spawn(entity - 1))
                players[e.conn] = _ServerPlayer(
                    entity, e.conn, first, InputBuffer(game.inputs), dict(first), counts["ticks"]
                )
                counts["joins"] += 1
                if events:
                    events.write({"tick": counts["ticks"], "kind": "join", "entity": entity})
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
        for p in sorted(players.values(), key=lambda p: p.entity):
            starved = p.inputs.stats["starved"]
            input = p.inputs.take(tick)
            counts["inputs_starved"] += p.inputs.stats["starved"] - starved
            try:
                p.state = quantized_step(p.state, input, tick)
            except Exception as exc:
                exc.add_note(f"in {game.name}'s step on the server, tick {tick}, player {p.entity}")
                raise
            p.log.append(input)
            p.states.append(p.state)
            message = {
                "server_tick": tick,
                "entity": p.entity,
                "last_input_tick": p.inputs.last_applied_tick,
                "component": game.state.id,
                "state": wire.encode(p.entity, p.state),
            }
            server.send(p.conn, Lane.ENTITIES, protocol.encode("GameState", message))
        counts["ticks"] = tick
        if events and config.hash_interval and tick % config.hash_interval == 0:
            text = json.dumps([p.state for p in sorted(players.values(), key=lambda p: p.entity)])
            digest = hashlib.sha256(text.encode()).hexdigest()[:16]
            events.write({"tick": tick, "kind": "state", "digest": digest, "players": len(players)})

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

    # The server's input log replayed through the step: the same states, or the first tick that
    # is not (nondeterminism in the game's step).
    nondeterminism = None
    for p in sorted(players.values(), key=lambda p: p.entity):
        found = first_divergence(
            quantized_step, p.spawn, p.log, p.states, compare=exact, first_tick=p.joined + 1
        )
        if found is not None:
            nondeterminism = {"entity": p.entity, "tick": found["tick"], "fields": sorted(found["diff"])}
            break
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


def main(game: Game, argv: Optional[List[str]] = None) -> int:
    """The game program contract: plays the match the options describe, prints its report as one
    line of JSON, then "<name>: ok" (exit 0) when every player was predicted and reconciled, no
    bundle was refused and the step replayed the same, or "<name>: FAILED" (exit 1)."""
    parser = argparse.ArgumentParser(prog=game.name, description=f"plays {game.name} (theta_net.prototype)")
    parser.add_argument("--network", default="sim", choices=["sim"], help="prototypes play over SimNet")
    parser.add_argument("--players", type=int, default=2)
    parser.add_argument("--tick-rate", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--jitter-ms", type=float, default=0.0)
    parser.add_argument("--loss", type=float, default=0.0)
    parser.add_argument("--events")
    parser.add_argument("--hash-interval", type=int, default=0)
    parser.add_argument("--scenario", default=game.name)
    args = parser.parse_args(argv)
    if not (1 <= args.players <= 64 and 1 <= args.tick_rate <= 240 and 0 < args.seconds <= 3600):
        parser.error("players 1..64, tick rate 1..240 and seconds up to 3600")
    config = MatchConfig(
        players=args.players,
        tick_rate=args.tick_rate,
        seconds=args.seconds,
        seed=args.seed,
        latency_ms=args.latency_ms,
        jitter_ms=args.jitter_ms,
        loss=args.loss,
        events=args.events,
        hash_interval=args.hash_interval,
        scenario=args.scenario,
    )
    # The report must be the first line out: what the game prints goes to stderr.
    with contextlib.redirect_stdout(sys.stderr):
        report = play(game, config)
    sys.stdout.write(json.dumps(report, sort_keys=True) + "\n")
    ok = (
        report["nondeterminism"] is None
        and report["server"]["bundles_refused"] == 0
        and all(p["states"] > 0 for p in report["players"])
    )
    sys.stdout.write(f"{game.name}: {'ok' if ok else 'FAILED'}\n")
    return 0 if ok else 1
