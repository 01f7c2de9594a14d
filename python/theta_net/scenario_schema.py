"""The scenario file format: TOML in scenarios/, loaded into plain dataclasses and validated with
errors that name the file, the key and what is wrong (docs/scenarios.md describes every key).

A scenario says which world to build, which players join over which network, what each does
over which ticks, what must hold by the end, and what to write out.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from . import _core
from .errors import ScenarioError

BLOCK_NAMES: Dict[str, int] = dict(_core.block_names())

_DURATION = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(us|ms|s|m)\s*$")
_RATE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(bit|kbit|mbit|gbit)\s*$", re.I)
PRESETS = ("perfect", "good", "average", "poor")
TRANSPORTS = ("sim", "quic")
GENERATORS = ("superflat", "hills")
MOVES = {"forward", "back", "left", "right", "jump", "sneak", "sprint"}
FACES = ("down", "up", "north", "south", "west", "east")


@dataclass
class NetworkSpec:
    """One client's link (both directions alike), or QUIC on loopback."""

    preset: Optional[str] = None
    latency_ms: Optional[float] = None  # one way
    jitter_ms: Optional[float] = None
    loss: Optional[float] = None  # 0..1
    bandwidth_bits: Optional[int] = None
    reorder: Optional[float] = None  # 0..1: held back 10 ms behind later packets
    duplicate: Optional[float] = None  # 0..1
    relay: bool = False  # QUIC: through the UDP impairment relay even without impairments

    def impaired(self) -> bool:
        """Whether any figure differs from a perfect link (over QUIC: the relay is needed)."""
        figures = (self.latency_ms, self.jitter_ms, self.loss, self.bandwidth_bits, self.reorder,
                   self.duplicate)
        return (self.preset not in (None, "perfect")) or any(f for f in figures)

    def link_kwargs(self) -> Dict[str, Any]:
        """The keyword arguments of LocalGame.add_client for this link."""
        out: Dict[str, Any] = {"preset": self.preset, "latency_ms": self.latency_ms,
                               "jitter_ms": self.jitter_ms, "loss": self.loss,
                               "bandwidth_bits": self.bandwidth_bits, "reorder": self.reorder,
                               "duplicate": self.duplicate}
        return {k: v for k, v in out.items() if v is not None}

    def merged(self, override: "NetworkSpec") -> "NetworkSpec":
        out = NetworkSpec(**self.__dict__)
        for key, value in override.__dict__.items():
            if value is not None and value is not False:
                setattr(out, key, value)
        return out


@dataclass
class Action:
    """What a player does: from tick `start` to tick `end` (inclusive), or once at `start`."""

    start: int
    end: int
    move: List[str] = field(default_factory=list)
    yaw: Optional[float] = None  # degrees, 0 = +z, 90 = -x (turning right)
    pitch: Optional[float] = None
    path: List[Tuple[float, float]] = field(default_factory=list)  # (x, z) waypoints to walk
    place: Optional[Tuple[int, int, int]] = None
    face: str = "up"
    block: str = "planks"
    break_block: Optional[Tuple[int, int, int]] = None
    chat: Optional[str] = None
    disconnect_ticks: int = 0  # cut the client off for this many ticks (partition)


@dataclass
class PlayerSpec:
    name: str
    network: NetworkSpec = field(default_factory=NetworkSpec)
    actions: List[Action] = field(default_factory=list)
    join_tick: int = 0


@dataclass
class Expectation:
    kind: str
    params: Dict[str, Any]
    where: str  # "expect[3]" for messages


@dataclass
class Scenario:
    name: str
    path: Optional[Path]
    description: str = ""
    tick_rate: int = 20
    duration_ticks: int = 200
    seed: int = 1
    generator: str = "superflat"
    world_seed: int = 1
    view_radius: int = 3
    size: Optional[Tuple[int, int]] = None  # (x, z) blocks around the origin; None = unbounded
    transport: str = "sim"
    network: NetworkSpec = field(default_factory=NetworkSpec)
    players: List[PlayerSpec] = field(default_factory=list)
    expectations: List[Expectation] = field(default_factory=list)
    outputs: Dict[str, Any] = field(default_factory=dict)


# What each kind of expectation takes; `client` left out means every client. docs/scenarios.md.
EXPECTATION_KINDS = {
    "block": {"client": str, "at": list, "block": str, "by_tick": int},
    "reconciliation_error_ms": {"max_mean": (int, float), "client": str},
    "corrections": {"max": int, "client": str},
    "bandwidth": {"max_bytes_per_second": (int, float), "client": str},
    "chunks_loaded": {"client": str, "min": int, "by_tick": int},
    "chunk_load_ms": {"max_mean": (int, float), "client": str},
    "world_consistent": {"client": str},
    "streams_match": {},
    "sees_player": {"client": str, "player": str, "by_tick": int},
    "chat_received": {"client": str, "text": str, "by_tick": int},
    "resumed": {"client": str},
}
REQUIRED_PARAMS = {
    "block": ("client", "at", "block"),
    "reconciliation_error_ms": ("max_mean",),
    "corrections": ("max",),
    "bandwidth": ("max_bytes_per_second",),
    "chunks_loaded": ("client", "min"),
    "chunk_load_ms": ("max_mean",),
    "sees_player": ("client", "player"),
    "chat_received": ("client", "text"),
    "resumed": ("client",),
}


class _Reader:
    """Typed access to one TOML table, naming the file and key in every error."""

    def __init__(self, source: str, table: Dict[str, Any], where: str) -> None:
        self.source, self.table, self.where = source, table, where
        self.used: set = set()

    def fail(self, key: Optional[str], message: str) -> ScenarioError:
        place = f"{self.where}.{key}" if key else self.where
        return ScenarioError(f"{self.source}: {place}: {message}", "invalid_argument")

    def get(self, key: str, kind, default=None, required: bool = False):
        self.used.add(key)
        if key not in self.table:
            if required:
                raise self.fail(key, "is required")
            return default
        value = self.table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds:
            raise self.fail(key, f"expected {_kind_name(kind)}, got a boolean")
        if not isinstance(value, kinds):
            raise self.fail(key, f"expected {_kind_name(kind)}, got {type(value).__name__} {value!r}")
        return value

    def finish(self, allowed_extra: Tuple[str, ...] = ()) -> None:
        unknown = sorted(set(self.table) - self.used - set(allowed_extra))
        if unknown:
            raise self.fail(None, f"unknown key(s) {', '.join(unknown)}")


def _kind_name(kind) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {int: "an integer", float: "a number", str: "a string", list: "a list", dict: "a table",
             bool: "true or false"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def parse_duration_ms(reader: _Reader, key: str, value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    m = _DURATION.match(str(value))
    if not m:
        raise reader.fail(key, f"{value!r} is not a duration (e.g. 50ms, 1.5s)")
    return float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[m.group(2)]


def _percent(reader: _Reader, key: str, value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        fraction = float(value)
    else:
        text = str(value).strip()
        if not text.endswith("%"):
            raise reader.fail(key, f"{value!r} is not a percentage (e.g. 2%)")
        try:
            fraction = float(text[:-1]) / 100
        except ValueError:
            raise reader.fail(key, f"{value!r} is not a percentage (e.g. 2%)") from None
    if not 0 <= fraction <= 1:
        raise reader.fail(key, f"{value!r} is outside 0..100%")
    return fraction


def _network(source: str, table: Dict[str, Any], where: str) -> NetworkSpec:
    r = _Reader(source, table, where)
    spec = NetworkSpec()
    spec.preset = r.get("preset", str)
    if spec.preset is not None and spec.preset not in PRESETS:
        raise r.fail("preset", f"{spec.preset!r} is not one of {', '.join(PRESETS)}")
    for key in ("latency", "jitter"):
        value = r.get(key, (str, int, float))
        if value is not None:
            setattr(spec, f"{key}_ms", parse_duration_ms(r, key, value))
    for key in ("loss", "reorder", "duplicate"):
        value = r.get(key, (str, int, float))
        if value is not None:
            setattr(spec, key, _percent(r, key, value))
    bandwidth = r.get("bandwidth", (str, int))
    if bandwidth is not None:
        if isinstance(bandwidth, int):
            spec.bandwidth_bits = bandwidth
        else:
            m = _RATE.match(bandwidth)
            if not m:
                raise r.fail("bandwidth", f"{bandwidth!r} is not a rate (e.g. 1mbit, 500kbit)")
            scale = {"bit": 1, "kbit": 1e3, "mbit": 1e6, "gbit": 1e9}[m.group(2).lower()]
            spec.bandwidth_bits = int(float(m.group(1)) * scale)
    spec.relay = r.get("relay", bool, False)
    r.finish()
    return spec


def _coords(r: _Reader, key: str, value: Any) -> Tuple[int, int, int]:
    if not (isinstance(value, list) and len(value) == 3 and all(isinstance(v, int) for v in value)):
        raise r.fail(key, f"expected [x, y, z] integers, got {value!r}")
    return tuple(value)  # type: ignore[return-value]


def _action(source: str, table: Dict[str, Any], where: str, duration: int) -> Action:
    r = _Reader(source, table, where)
    at = r.get("at", int)
    start = r.get("from", int)
    end = r.get("to", int)
    if at is not None and (start is not None or end is not None):
        raise r.fail("at", "give either at, or from and to")
    if at is None and start is None:
        raise r.fail(None, "needs at = TICK, or from = TICK and to = TICK")
    start = at if at is not None else start
    end = start if at is not None else (end if end is not None else duration)
    if start < 0 or end < start:
        raise r.fail("to", f"the tick range {start}..{end} is empty or negative")
    if end > duration:
        raise r.fail("to" if at is None else "at", f"tick {end} is after the scenario's end ({duration})")
    action = Action(start=start, end=end)
    move = r.get("move", (str, list), [])
    action.move = [move] if isinstance(move, str) else list(move)
    for m in action.move:
        if m not in MOVES:
            raise r.fail("move", f"{m!r} is not one of {', '.join(sorted(MOVES))}")
    action.yaw = r.get("yaw", (int, float))
    action.pitch = r.get("pitch", (int, float))
    path = r.get("path", list, [])
    for point in path:
        if not (isinstance(point, list) and len(point) == 2 and all(isinstance(v, (int, float)) for v in point)):
            raise r.fail("path", f"waypoints are [x, z] pairs, got {point!r}")
    action.path = [tuple(p) for p in path]
    if r.get("place", list) is not None:
        action.place = _coords(r, "place", table["place"])
    if r.get("break", list) is not None:
        action.break_block = _coords(r, "break", table["break"])
    action.face = r.get("face", str, "up")
    if action.face not in FACES:
        raise r.fail("face", f"{action.face!r} is not one of {', '.join(FACES)}")
    action.block = r.get("block", str, "planks")
    if action.block not in BLOCK_NAMES:
        raise r.fail("block", f"{action.block!r} is not a block ({', '.join(BLOCK_NAMES)})")
    action.chat = r.get("chat", str)
    action.disconnect_ticks = r.get("disconnect_ticks", int, 0)
    r.finish()
    if not (action.move or action.path or action.place or action.break_block or action.chat
            or action.disconnect_ticks or action.yaw is not None or action.pitch is not None):
        raise r.fail(None, "does nothing: give move, path, yaw, place, break, chat or disconnect_ticks")
    return action


def parse(text: str, source: str = "<scenario>", path: Optional[Path] = None) -> Scenario:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{source}: not valid TOML: {exc}", "corrupt") from None
    return parse_table(raw, source, path)


def parse_table(raw: Dict[str, Any], source: str = "<dict>", path: Optional[Path] = None) -> Scenario:
    """A scenario from the tables a TOML file would hold (Python scripts build these directly)."""
    if not isinstance(raw, dict):
        raise ScenarioError(f"{source}: a scenario is a table, got {type(raw).__name__}", "invalid_argument")
    top = _Reader(source, raw, "scenario file")
    head = _Reader(source, top.get("scenario", dict, required=True), "scenario")
    sc = Scenario(name=head.get("name", str, required=True), path=path)
    sc.description = head.get("description", str, "")
    sc.tick_rate = head.get("tick_rate", int, 20)
    if sc.tick_rate not in (20, 30, 60):
        raise head.fail("tick_rate", f"{sc.tick_rate} is not 20, 30 or 60")
    duration = head.get("duration", (str, int, float))
    ticks = head.get("duration_ticks", int)
    if duration is not None and ticks is not None:
        raise head.fail("duration", "give duration or duration_ticks, not both")
    if duration is not None:
        ticks = math.ceil(parse_duration_ms(head, "duration", duration) * sc.tick_rate / 1000)
    sc.duration_ticks = ticks if ticks is not None else 200
    if not 1 <= sc.duration_ticks <= 10_000_000:
        raise head.fail("duration_ticks", f"{sc.duration_ticks} is outside 1..10,000,000")
    sc.seed = head.get("seed", int, 1)
    if not 0 <= sc.seed < 2**64:
        raise head.fail("seed", f"{sc.seed} is not a 64-bit unsigned integer")
    sc.transport = head.get("transport", str, "sim")
    if sc.transport not in TRANSPORTS:
        raise head.fail("transport", f"{sc.transport!r} is not one of {', '.join(TRANSPORTS)}")
    head.finish()

    world = _Reader(source, top.get("world", dict, {}), "world")
    sc.generator = world.get("generator", str, "superflat")
    if sc.generator not in GENERATORS:
        raise world.fail("generator", f"{sc.generator!r} is not one of {', '.join(GENERATORS)}")
    sc.world_seed = world.get("seed", int, 1)
    if not 0 <= sc.world_seed < 2**64:
        raise world.fail("seed", f"{sc.world_seed} is not a 64-bit unsigned integer")
    size = world.get("size", list)
    if size is not None:
        if not (len(size) == 2 and all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 1 << 24
                                       for v in size)):
            raise world.fail("size", f"expected [x, z] blocks, each 1..16777216, got {size!r}")
        sc.size = (size[0], size[1])
    sc.view_radius = world.get("view_radius", int, 3)
    if not 1 <= sc.view_radius <= 16:
        raise world.fail("view_radius", f"{sc.view_radius} is outside 1..16")
    world.finish()

    sc.network = _network(source, top.get("network", dict, {}), "network")
    players = top.get("players", list, required=True)
    if not players:
        raise top.fail("players", "needs at least one [[players]] entry")
    names = set()
    for i, table in enumerate(players):
        where = f"players[{i}]"
        if not isinstance(table, dict):
            raise top.fail("players", f"entry {i} is not a table")
        r = _Reader(source, table, where)
        player = PlayerSpec(name=r.get("name", str, required=True))
        if player.name in names:
            raise r.fail("name", f"{player.name!r} is used twice")
        names.add(player.name)
        player.join_tick = r.get("join_tick", int, 0)
        if not 0 <= player.join_tick < sc.duration_ticks:
            raise r.fail("join_tick", f"{player.join_tick} is outside the scenario's 0..{sc.duration_ticks - 1}")
        player.network = _network(source, r.get("network", dict, {}), f"{where}.network")
        for j, action in enumerate(r.get("actions", list, [])):
            player.actions.append(_action(source, action, f"{where}.actions[{j}]", sc.duration_ticks))
        r.finish()
        sc.players.append(player)

    for i, table in enumerate(top.get("expect", list, [])):
        where = f"expect[{i}]"
        r = _Reader(source, table, where)
        kind = r.get("kind", str, required=True)
        if kind not in EXPECTATION_KINDS:
            raise r.fail("kind", f"{kind!r} is not one of {', '.join(sorted(EXPECTATION_KINDS))}")
        params = {}
        for key, key_kind in EXPECTATION_KINDS[kind].items():
            value = r.get(key, key_kind)
            if value is not None:
                params[key] = value
        for key in ("client", "player"):
            if key in params and params[key] not in names:
                raise r.fail(key, f"no player named {params[key]!r}")
        for key in REQUIRED_PARAMS.get(kind, ()):
            if key not in params:
                raise r.fail(key, f"is required for a {kind} expectation")
        if kind == "block":
            params["at"] = _coords(r, "at", params["at"])
            if params["block"] not in BLOCK_NAMES:
                raise r.fail("block", f"{params['block']!r} is not a block ({', '.join(BLOCK_NAMES)})")
        if "by_tick" in params and not 0 <= params["by_tick"] <= sc.duration_ticks:
            raise r.fail("by_tick", f"{params['by_tick']} is outside the scenario's 0..{sc.duration_ticks}")
        r.finish()
        sc.expectations.append(Expectation(kind=kind, params=params, where=where))

    outputs = _Reader(source, top.get("outputs", dict, {}), "outputs")
    sc.outputs = {
        "metrics": outputs.get("metrics", bool, True),
        "input_log": outputs.get("input_log", bool, True),
        "events": outputs.get("events", bool, True),
        "qlog": outputs.get("qlog", bool, False),
        "client_events": outputs.get("client_events", bool, True),
        "hash_interval": outputs.get("hash_interval", int, 20),
        "sample_ticks": outputs.get("sample_ticks", int, max(1, sc.tick_rate // 4)),
    }
    for key in ("hash_interval", "sample_ticks"):
        if not 1 <= sc.outputs[key] <= 100_000:
            raise outputs.fail(key, f"{sc.outputs[key]} is outside 1..100000")
    outputs.finish()
    top.finish()
    return sc


def load(path) -> Scenario:
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror}", "io") from None
    return parse(text, str(path), path)
