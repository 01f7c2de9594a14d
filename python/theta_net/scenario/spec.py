"""The scenario file format: TOML in scenarios/, loaded into plain dataclasses (a
:class:`ScenarioSpec`) and validated with errors that name the file, the key and what is wrong
(docs/scenarios.md describes every key).

A scenario says which world to build, which players join over which network, what each does
over which ticks, what must hold by the end (the [[expect]] tables, read by the expectation
registry in expectations.py), and what to write out.
"""

from __future__ import annotations

import copy
import math
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from .. import _core, protocol
from ..errors import ScenarioError
from .data_spec import DataSpec, parse_data
from .expectations import ExpectationSpec, parse_expectation
from .reader import TableReader, parse_coords, parse_duration_ms, parse_percent
from .rules import BLOCK_NAMES, FACES, GENERATORS, MOVES, TICK_RATES, or_list
from .editor_spec import EditorSpec, parse_editor
from .game_program import GameSpec, check_network, parse_game
from .telemetry_spec import TelemetrySpec, parse_telemetry

_RATE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(bit|kbit|mbit|gbit)\s*$", re.I)
PRESETS = ("perfect", "good", "average", "poor")  # transport/link_model.hpp's link presets
TRANSPORTS = tuple(_core.TRANSPORTS)  # session/local_network.hpp: sim, quic, tcp, ws
ROLES = tuple(protocol.permissions())  # schemas/theta.toml's [[permission]] roles, from C++


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
        figures = (
            self.latency_ms,
            self.jitter_ms,
            self.loss,
            self.bandwidth_bits,
            self.reorder,
            self.duplicate,
        )
        return (self.preset not in (None, "perfect")) or any(f for f in figures)

    def link_kwargs(self) -> Dict[str, Any]:
        """The keyword arguments of LocalGame.add_client for this link."""
        out: Dict[str, Any] = {
            "preset": self.preset,
            "latency_ms": self.latency_ms,
            "jitter_ms": self.jitter_ms,
            "loss": self.loss,
            "bandwidth_bits": self.bandwidth_bits,
            "reorder": self.reorder,
            "duplicate": self.duplicate,
        }
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
    role: Optional[str] = None  # its token's role; None: an editor (the game's default)


@dataclass
class ScenarioSpec:
    """A parsed, validated scenario (the user-facing builder is theta_net.Scenario)."""

    name: str
    path: Optional[Path]
    description: str = ""
    tick_rate: int = 20
    duration_ticks: int = 200
    seed: int = 1
    generator: str = "superflat"
    world_seed: int = 1
    view_radius: int = 3
    mobs: int = 0  # server-driven mobs (sim/mobs.hpp), spawned within 256 blocks of the origin
    size: Optional[Tuple[int, int]] = None  # (x, z) blocks around the origin; None = unbounded
    transport: str = "sim"
    network: NetworkSpec = field(default_factory=NetworkSpec)
    players: List[PlayerSpec] = field(default_factory=list)
    expectations: List[ExpectationSpec] = field(default_factory=list)
    outputs: Dict[str, Any] = field(default_factory=dict)
    data: DataSpec = field(default_factory=DataSpec)  # the [data] table (data_spec.py)
    telemetry: TelemetrySpec = field(default_factory=TelemetrySpec)  # [telemetry] (telemetry_spec.py)
    editor: EditorSpec = field(default_factory=EditorSpec)  # [editor] (editor_spec.py)
    game: Optional[GameSpec] = None  # [game]: your own game's program plays (game_program.py)


def _network(source: str, table: Dict[str, Any], where: str) -> NetworkSpec:
    r = TableReader(source, table, where)
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
            setattr(spec, key, parse_percent(r, key, value))
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


# A [[players]] entry with count = N is a template: N players alike, named NAME1..NAMEN.
MAX_PLAYER_COUNT = 1024


def _copies(player: PlayerSpec, count: Optional[int]) -> List[PlayerSpec]:
    """The players a [[players]] entry stands for: itself, or with `count` (even 1) that many
    copies named NAME1.., so a sweep over counts names the same players at every count."""
    if count is None:
        return [player]
    return [replace(copy.deepcopy(player), name=f"{player.name}{i}") for i in range(1, count + 1)]


def _action(source: str, table: Dict[str, Any], where: str, duration: int) -> Action:
    r = TableReader(source, table, where)
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
        if not (
            isinstance(point, list) and len(point) == 2 and all(isinstance(v, (int, float)) for v in point)
        ):
            raise r.fail("path", f"waypoints are [x, z] pairs, got {point!r}")
    action.path = [tuple(p) for p in path]
    if r.get("place", list) is not None:
        action.place = parse_coords(r, "place", table["place"])
    if r.get("break", list) is not None:
        action.break_block = parse_coords(r, "break", table["break"])
    action.face = r.get("face", str, "up")
    if action.face not in FACES:
        raise r.fail("face", f"{action.face!r} is not one of {', '.join(FACES)}")
    action.block = r.get("block", str, "planks")
    if action.block not in BLOCK_NAMES:
        raise r.fail("block", f"{action.block!r} is not a block ({', '.join(BLOCK_NAMES)})")
    action.chat = r.get("chat", str)
    action.disconnect_ticks = r.get("disconnect_ticks", int, 0)
    r.finish()
    if not (
        action.move
        or action.path
        or action.place
        or action.break_block
        or action.chat
        or action.disconnect_ticks
        or action.yaw is not None
        or action.pitch is not None
    ):
        raise r.fail(None, "does nothing: give move, path, yaw, place, break, chat or disconnect_ticks")
    return action


def parse(text: str, source: str = "<scenario>", path: Optional[Path] = None) -> ScenarioSpec:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{source}: not valid TOML: {exc}", "corrupt") from None
    return parse_table(raw, source, path)


def parse_table(raw: Dict[str, Any], source: str = "<dict>", path: Optional[Path] = None) -> ScenarioSpec:
    """A scenario from the tables a TOML file would hold (Python scripts build these directly)."""
    if not isinstance(raw, dict):
        raise ScenarioError(f"{source}: a scenario is a table, got {type(raw).__name__}", "invalid_argument")
    top = TableReader(source, raw, "scenario file")
    head = TableReader(source, top.get("scenario", dict, required=True), "scenario")
    sc = ScenarioSpec(name=head.get("name", str, required=True), path=path)
    sc.description = head.get("description", str, "")
    sc.tick_rate = head.get("tick_rate", int, 20)
    if sc.tick_rate not in TICK_RATES:
        raise head.fail("tick_rate", f"{sc.tick_rate} is not {or_list(TICK_RATES)}")
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
    game = top.get("game", dict)
    if game is not None:
        return _program_scenario(sc, top, source, game)

    world = TableReader(source, top.get("world", dict, {}), "world")
    sc.generator = world.get("generator", str, "superflat")
    if sc.generator not in GENERATORS:
        raise world.fail("generator", f"{sc.generator!r} is not one of {', '.join(GENERATORS)}")
    sc.world_seed = world.get("seed", int, 1)
    if not 0 <= sc.world_seed < 2**64:
        raise world.fail("seed", f"{sc.world_seed} is not a 64-bit unsigned integer")
    size = world.get("size", list)
    if size is not None:
        if not (
            len(size) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 1 << 24 for v in size)
        ):
            raise world.fail("size", f"expected [x, z] blocks, each 1..16777216, got {size!r}")
        sc.size = (size[0], size[1])
    sc.view_radius = world.get("view_radius", int, 3)
    if not 1 <= sc.view_radius <= 16:
        raise world.fail("view_radius", f"{sc.view_radius} is outside 1..16")
    sc.mobs = world.get("mobs", int, 0)
    if not 0 <= sc.mobs <= _core.max_mobs():
        raise world.fail("mobs", f"{sc.mobs} is outside 0..{_core.max_mobs()}")
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
        r = TableReader(source, table, where)
        player = PlayerSpec(name=r.get("name", str, required=True))
        if player.name in names:
            raise r.fail("name", f"{player.name!r} is used twice")
        player.join_tick = r.get("join_tick", int, 0)
        if not 0 <= player.join_tick < sc.duration_ticks:
            raise r.fail(
                "join_tick", f"{player.join_tick} is outside the scenario's 0..{sc.duration_ticks - 1}"
            )
        player.role = r.get("role", str)
        if player.role is not None and player.role not in ROLES:
            raise r.fail("role", f"{player.role!r} is not one of {', '.join(ROLES)}")
        player.network = _network(source, r.get("network", dict, {}), f"{where}.network")
        for j, action in enumerate(r.get("actions", list, [])):
            player.actions.append(_action(source, action, f"{where}.actions[{j}]", sc.duration_ticks))
        count = r.get("count", int)
        if count is not None and not 1 <= count <= MAX_PLAYER_COUNT:
            raise r.fail("count", f"{count} is outside 1..{MAX_PLAYER_COUNT}")
        r.finish()
        for copy_of in _copies(player, count):
            if copy_of.name in names and count is not None:
                raise r.fail("count", f"makes a player {copy_of.name!r}, a name already used")
            names.add(copy_of.name)
            sc.players.append(copy_of)

    joins = {p.name: p.join_tick for p in sc.players}
    sc.data = parse_data(source, top.get("data", dict, {}), path, joins, sc.duration_ticks)
    sc.telemetry = parse_telemetry(source, top.get("telemetry", dict, {}), joins, sc.duration_ticks)
    sc.editor = parse_editor(source, top.get("editor", dict, {}), joins, sc.duration_ticks)

    for i, table in enumerate(top.get("expect", list, [])):
        if not isinstance(table, dict):
            raise top.fail("expect", f"entry {i} is not a table")
        sc.expectations.append(parse_expectation(source, table, f"expect[{i}]", names, sc.duration_ticks))

    outputs = TableReader(source, top.get("outputs", dict, {}), "outputs")
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


# What a game program makes for itself: a [game] scenario leaves these tables out.
REFERENCE_GAME_TABLES = ("world", "players", "data", "telemetry", "editor")


def _program_scenario(sc: ScenarioSpec, top: TableReader, source: str, table: Dict[str, Any]) -> ScenarioSpec:
    """The rest of a [game] scenario: the game, its network, its report expectations, outputs."""
    for key in REFERENCE_GAME_TABLES:
        if key in top.table:
            raise top.fail(key, "a [game] scenario's program makes its own world and players: leave it out")
    sc.game = parse_game(source, table)
    sc.network = _network(source, top.get("network", dict, {}), "network")
    check_network(source, sc.network, "network")
    for i, entry in enumerate(top.get("expect", list, [])):
        if not isinstance(entry, dict):
            raise top.fail("expect", f"entry {i} is not a table")
        if entry.get("kind") != "report":
            raise top.fail(
                f"expect[{i}].kind", 'a game program is checked by its report: use kind = "report"'
            )
        sc.expectations.append(parse_expectation(source, entry, f"expect[{i}]", set(), sc.duration_ticks))
    outputs = TableReader(source, top.get("outputs", dict, {}), "outputs")
    sc.outputs = {
        "metrics": outputs.get("metrics", bool, True),
        "hash_interval": outputs.get("hash_interval", int, sc.tick_rate),
    }
    if not 1 <= sc.outputs["hash_interval"] <= 100_000:
        raise outputs.fail("hash_interval", f"{sc.outputs['hash_interval']} is outside 1..100000")
    outputs.finish()
    top.finish()
    return sc


def load(path) -> ScenarioSpec:
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror}", "io") from None
    return parse(text, str(path), path)
