"""Scripted game sessions: a scenario (a TOML file in scenarios/, or built in Python) says which
world, which players over which network, what each does and what must hold; :meth:`Scenario.run`
plays it over SimNet (virtual time, deterministic) or real QUIC on loopback and returns a
:class:`Result` with metrics as records (``pandas.DataFrame(result.samples)``), the checked
expectations, and the files it wrote (metrics.json, input log, event streams, qlog).

>>> result = Scenario.load("scenarios/lan_two_player.toml").run(transport="sim")
>>> result.passed, result.summary["clients"]["a"]["reconciliation_error_ms_mean"]

docs/scenarios.md describes the file format and every expectation.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import _core, replay
from .errors import ScenarioError
from .scenario_schema import (
    BLOCK_NAMES,
    Action,
    Expectation,
    NetworkSpec,
    PlayerSpec,
)
from .scenario_schema import Scenario as ScenarioSpec
from .scenario_schema import load as load_spec
from .scenario_schema import parse_table

WALK_SPEED = 4.317  # blocks per second (sim/rules.hpp): turns an error distance into milliseconds
ARRIVED = 0.35  # blocks: close enough to a path waypoint to head for the next one
RECONCILIATION_COLUMNS = ["client", "tick", "time_s", "error_blocks", "error_ms", "ticks_replayed",
                          "cause"]
_WATCHED = ("block", "sees_player", "chat_received", "chunks_loaded")  # "by tick N" expectations


@dataclass
class ExpectationResult:
    """One checked expectation: ``what`` says it in words, ``detail`` what was measured."""

    kind: str
    where: str
    what: str
    passed: bool
    detail: str

    def to_dict(self) -> Dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Result:
    """What a run produced. ``samples`` (one record per client every ``sample_ticks``) and
    ``reconciliations`` (one per correction) are lists of flat dicts: DataFrame-ready."""

    scenario: str
    transport: str
    passed: bool
    expectations: List[ExpectationResult]
    summary: Dict[str, Any]
    samples: List[Dict[str, Any]]
    reconciliations: List[Dict[str, Any]]
    out_dir: Path
    files: Dict[str, str]
    wall_seconds: float
    simulated_seconds: float
    _tempdir: Any = field(default=None, repr=False)  # keeps a temporary out_dir alive

    @property
    def speedup(self) -> float:
        """Simulated seconds per wall second."""
        return self.simulated_seconds / self.wall_seconds if self.wall_seconds > 0 else math.inf

    def dataframe(self, table: str = "samples"):
        """``samples`` or ``reconciliations`` as a pandas DataFrame (needs pandas)."""
        import pandas

        if table not in ("samples", "reconciliations"):
            raise ScenarioError(f"no table {table!r}: samples or reconciliations", "invalid_argument")
        rows = getattr(self, table)
        if not rows and table == "reconciliations":
            return pandas.DataFrame(columns=RECONCILIATION_COLUMNS)
        return pandas.DataFrame(rows)

    def to_dict(self) -> Dict[str, Any]:
        """What metrics.json holds."""
        return {
            "scenario": self.scenario,
            "transport": self.transport,
            "passed": self.passed,
            "wall_seconds": round(self.wall_seconds, 3),
            "simulated_seconds": self.simulated_seconds,
            "expectations": [e.to_dict() for e in self.expectations],
            "summary": self.summary,
            "samples": self.samples,
            "reconciliations": self.reconciliations,
            "files": self.files,
        }

    def table(self) -> str:
        """A summary table for a terminal: one row per client, then the expectations."""
        rows = [("client", "rtt ms", "recon err ms", "corrections", "chunks", "load ms",
                 "peak KB/s", "recv KiB")]
        for name, c in self.summary["clients"].items():
            rows.append((name, f"{c['rtt_ms']:.1f}", f"{c['reconciliation_error_ms_mean']:.2f}",
                         str(c["reconciliations"]), str(c["chunks_loaded"]),
                         f"{c['chunk_load_ms_mean']:.0f}", f"{c['peak_bytes_per_second'] / 1000:.1f}",
                         f"{c['wire_bytes_received'] / 1024:.0f}"))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(v.rjust(w) if i else v.ljust(w) for i, (v, w) in enumerate(zip(r, widths)))
                 for r in rows]
        server = self.summary["server"]
        lines.append(f"server: {server['ticks']} ticks, tick time {server['tick_time_us_mean']:.0f} us "
                     f"mean, {server['entities']} entities; {self.simulated_seconds:.1f} s simulated in "
                     f"{self.wall_seconds:.2f} s ({self.speedup:.0f}x)")
        for e in self.expectations:
            lines.append(f"{'ok  ' if e.passed else 'FAIL'} {e.what}: {e.detail}")
        lines.append(f"{self.scenario} over {self.transport}: "
                     f"{'passed' if self.passed else 'FAILED'} "
                     f"({sum(e.passed for e in self.expectations)}/{len(self.expectations)} expectations)")
        return "\n".join(lines)


class PlayerScript:
    """A player of a scenario built in Python; each method adds an action and returns self."""

    def __init__(self, spec: PlayerSpec, duration: int) -> None:
        self.spec = spec
        self._duration = duration

    def _add(self, start: int, end: Optional[int], **fields: Any) -> "PlayerScript":
        end = start if end is None else end
        if start < 0 or end < start or end > self._duration:
            raise ScenarioError(f"player {self.spec.name}: tick range {start}..{end} is outside "
                                f"0..{self._duration} or empty", "invalid_argument")
        self.spec.actions.append(Action(start=start, end=end, **fields))
        return self

    def move(self, start: int, end: int, move: List[str], yaw: Optional[float] = None) -> "PlayerScript":
        return self._add(start, end, move=list(move), yaw=yaw)

    def walk(self, start: int, end: int, path: List[Tuple[float, float]]) -> "PlayerScript":
        return self._add(start, end, path=[tuple(p) for p in path])

    def place(self, tick: int, at: Tuple[int, int, int], block: str = "planks",
              face: str = "up") -> "PlayerScript":
        if block not in BLOCK_NAMES:
            raise ScenarioError(f"{block!r} is not a block", "invalid_argument")
        return self._add(tick, None, place=tuple(at), block=block, face=face)

    def break_block(self, tick: int, at: Tuple[int, int, int]) -> "PlayerScript":
        return self._add(tick, None, break_block=tuple(at))

    def chat(self, tick: int, text: str) -> "PlayerScript":
        return self._add(tick, None, chat=text)

    def disconnect(self, tick: int, ticks: int) -> "PlayerScript":
        return self._add(tick, None, disconnect_ticks=ticks)


class TickContext:
    """What a per-tick callback sees: the running game, this tick, and a way to record checks."""

    def __init__(self, game: _core.LocalGame, index: Dict[str, int], tick_rate: int) -> None:
        self.game = game
        self.tick = 0
        self.tick_rate = tick_rate
        self._index = index
        self.checks: List[ExpectationResult] = []

    @property
    def time(self) -> float:
        return self.tick / self.tick_rate

    def joined(self, name: str) -> bool:
        return name in self._index

    def client(self, name: str) -> _core.GameClientView:
        if name not in self._index:
            raise ScenarioError(f"no player {name!r} has joined yet", "invalid_argument")
        return self.game.client(self._index[name])

    def metrics(self, name: str) -> Dict[str, Any]:
        return self.game.client_metrics(self._index[name])

    def check(self, condition: bool, what: str, detail: str = "") -> bool:
        """Records a custom check; a false one fails the run."""
        self.checks.append(ExpectationResult("callback", f"tick {self.tick}", what, bool(condition),
                                             detail or f"at tick {self.tick}"))
        return bool(condition)


class Scenario:
    """A scripted session. Load one (:meth:`load`, :meth:`from_dict`) or build one in Python:

    >>> sc = Scenario("two", duration_ticks=200, generator="superflat")
    >>> sc.add_player("a", latency="50ms").place(40, (0, 3, 2))
    >>> sc.add_player("b", preset="good")
    >>> sc.expect("block", client="b", at=[0, 4, 2], block="planks", by_tick=80)
    >>> sc.run(transport="sim").passed
    """

    def __init__(self, name: str = "scripted", *, duration_ticks: int = 200, tick_rate: int = 20,
                 generator: str = "superflat", world_seed: int = 1, seed: int = 1,
                 view_radius: int = 3, transport: str = "sim", size: Optional[Tuple[int, int]] = None,
                 outputs: Optional[Dict[str, Any]] = None, **network: Any) -> None:
        table = {"scenario": {"name": name, "duration_ticks": duration_ticks, "tick_rate": tick_rate,
                              "seed": seed, "transport": transport},
                 "world": {"generator": generator, "seed": world_seed, "view_radius": view_radius,
                           **({"size": list(size)} if size is not None else {})},
                 "network": network, "players": [{"name": "_"}], "outputs": dict(outputs or {})}
        spec = parse_table(table, f"Scenario({name!r})")
        spec.players = []
        self.spec = spec
        self._callbacks: List[Callable[[TickContext], None]] = []

    @classmethod
    def from_spec(cls, spec: ScenarioSpec) -> "Scenario":
        self = cls.__new__(cls)
        self.spec = spec
        self._callbacks = []
        return self

    @classmethod
    def load(cls, path: "os.PathLike[str] | str") -> "Scenario":
        """Reads and validates a scenario file; errors name the file, the key and the problem."""
        return cls.from_spec(load_spec(path))

    @classmethod
    def from_dict(cls, table: Dict[str, Any], source: str = "<dict>") -> "Scenario":
        """A scenario from the tables a TOML file holds, validated the same way."""
        return cls.from_spec(parse_table(table, source))

    @property
    def name(self) -> str:
        return self.spec.name

    def add_player(self, name: str, join_tick: int = 0, **network: Any) -> PlayerScript:
        """Adds a player; ``network`` takes the keys of a [players.network] table."""
        if any(p.name == name for p in self.spec.players):
            raise ScenarioError(f"player {name!r} exists already", "invalid_argument")
        probe = parse_table({"scenario": {"name": "probe", "duration_ticks": self.spec.duration_ticks},
                             "players": [{"name": name, "join_tick": join_tick, "network": network}]},
                            f"add_player({name!r})")
        player = probe.players[0]
        self.spec.players.append(player)
        return PlayerScript(player, self.spec.duration_ticks)

    def expect(self, kind: str, **params: Any) -> "Scenario":
        """Adds an expectation (the keys of an [[expect]] table), checked at the end of a run."""
        names = [{"name": p.name} for p in self.spec.players]
        probe = parse_table({"scenario": {"name": "probe", "duration_ticks": self.spec.duration_ticks},
                             "players": names, "expect": [{"kind": kind, **params}]},
                            f"expect({kind!r})")
        expectation = probe.expectations[0]
        expectation.where = f"expect[{len(self.spec.expectations)}]"
        self.spec.expectations.append(expectation)
        return self

    def on_tick(self, callback: Callable[[TickContext], None]) -> Callable[[TickContext], None]:
        """Calls ``callback(ctx)`` before every tick (usable as a decorator)."""
        self._callbacks.append(callback)
        return callback

    def run(self, transport: Optional[str] = None, *, out: "os.PathLike[str] | str | None" = None,
            progress: bool = False,
            on_tick: Optional[Callable[[TickContext], None]] = None) -> Result:
        """Plays the scenario and checks its expectations. ``transport``: "sim" or "quic"
        (default: the file's). ``out``: where files go (default: a temporary folder that lives as
        long as the Result). ``progress``: a progress bar on stderr."""
        callbacks = self._callbacks + ([on_tick] if on_tick else [])
        return _Run(self.spec, transport or self.spec.transport, out, progress, callbacks).play()


class _Run:
    """One run of a scenario: the game, the per-player script state and what is measured."""

    def __init__(self, spec: ScenarioSpec, transport: str, out: Any, progress: bool,
                 callbacks: List[Callable[[TickContext], None]]) -> None:
        if transport not in ("sim", "quic"):
            raise ScenarioError(f"transport {transport!r} is not sim or quic", "invalid_argument")
        if not spec.players:
            raise ScenarioError(f"scenario {spec.name!r} has no players", "invalid_argument")
        self.spec, self.transport, self.progress, self.callbacks = spec, transport, progress, callbacks
        self.tempdir = None
        if out is None:
            self.tempdir = tempfile.TemporaryDirectory(prefix=f"theta-{spec.name}-")
            out = self.tempdir.name
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.files: Dict[str, str] = {}
        o = spec.outputs
        server_events = self._file("events", "server.jsonl") if o["events"] or self._needs_streams() else None
        input_log = self._file("input_log", "inputs.jsonl") if o["input_log"] or self._needs_streams() else None
        qlog = ""
        if o["qlog"] and transport == "quic":
            qlog = self._file("qlog", "qlog")
            Path(qlog).mkdir(exist_ok=True)
        self.game = _core.LocalGame(network=transport, terrain=spec.generator, seed=spec.world_seed,
                                    tick_rate=spec.tick_rate, view_radius=spec.view_radius,
                                    events=server_events, input_log=input_log, scenario=spec.name,
                                    hash_interval=o["hash_interval"], qlog_dir=qlog, net_seed=spec.seed,
                                    size=spec.size)
        self.index: Dict[str, int] = {}
        self.ctx = TickContext(self.game, self.index, spec.tick_rate)
        self.last_intent: Dict[str, Any] = {}
        self.waypoint: Dict[int, int] = {}  # id(action) -> next waypoint
        self.samples: List[Dict[str, Any]] = []
        self.reconciliations: List[Dict[str, Any]] = []
        self.window: Dict[str, List[Tuple[float, int]]] = {}  # (time, wire bytes received)
        self.peak: Dict[str, float] = {}
        self.first_met: Dict[int, Optional[int]] = {}  # expectation -> first tick it held
        self.since: Dict[int, int] = {}  # block expectation -> tick since which it holds

    def _needs_streams(self) -> bool:
        return any(e.kind == "streams_match" for e in self.spec.expectations)

    def _file(self, key: str, name: str) -> str:
        path = str(self.out / name)
        self.files[key] = path
        return path

    # -- the loop --------------------------------------------------------------------------------

    def play(self) -> Result:
        spec = self.spec
        started = time.perf_counter()
        try:
            for tick in range(spec.duration_ticks):
                self.ctx.tick = tick
                self._join(tick)
                self._act(tick)
                for callback in self.callbacks:
                    callback(self.ctx)
                self.game.run_until((tick + 1) / spec.tick_rate)
                self._observe(tick + 1)
                if self.progress:
                    _progress(spec.name, tick + 1, spec.duration_ticks, started)
        finally:
            if self.progress:
                sys.stderr.write("\n")
        wall = time.perf_counter() - started
        summary = self._summary()
        end_checks = self._end_checks()
        self.game.close()
        expectations = [self._evaluate(i, e, summary, end_checks) for i, e in enumerate(spec.expectations)]
        expectations += self.ctx.checks
        result = Result(scenario=spec.name, transport=self.transport,
                        passed=all(e.passed for e in expectations), expectations=expectations,
                        summary=summary, samples=self.samples, reconciliations=self.reconciliations,
                        out_dir=self.out, files=self.files, wall_seconds=wall,
                        simulated_seconds=spec.duration_ticks / spec.tick_rate, _tempdir=self.tempdir)
        if any(e.kind == "streams_match" for e in spec.expectations):
            self._check_streams(result)
        if spec.outputs["metrics"]:
            path = self._file("metrics", "metrics.json")
            result.files = self.files
            # Compact (the C encoder): samples of long runs make indented JSON slow to write.
            Path(path).write_text(json.dumps(result.to_dict(), sort_keys=True, separators=(",", ":")) + "\n")
        return result

    def _join(self, tick: int) -> None:
        for player in self.spec.players:
            if player.join_tick == tick and player.name not in self.index:
                net = self.spec.network.merged(player.network)
                events = None
                if self.spec.outputs["client_events"]:
                    (self.out / "clients").mkdir(exist_ok=True)
                    events = self._file(f"client:{player.name}", f"clients/{player.name}.jsonl")
                kwargs = net.link_kwargs()
                relay = False
                if self.transport == "quic":
                    relay = net.relay or net.impaired()
                self.index[player.name] = self.game.add_client(player.name, relay=relay, events=events,
                                                               **kwargs)
                self.window[player.name] = []
                self.peak[player.name] = 0.0

    def _act(self, tick: int) -> None:
        for player in self.spec.players:
            if player.name not in self.index:
                continue
            i = self.index[player.name]
            client = self.game.client(i)
            move: List[str] = []
            yaw = pitch = None
            once: Dict[str, Any] = {}
            for action in player.actions:
                if not action.start <= tick <= action.end:
                    continue
                move += action.move
                if action.yaw is not None:
                    yaw = action.yaw
                if action.pitch is not None:
                    pitch = action.pitch
                if action.path:
                    heading = self._follow(action, client)
                    if heading is not None:
                        move.append("forward")
                        yaw = heading
                if tick == action.start:
                    if action.place:
                        once.update(place=action.place, face=action.face, block=action.block)
                    if action.break_block:
                        once.update(break_block=action.break_block)
                    if action.chat:
                        client.say(action.chat)
                    if action.disconnect_ticks:
                        self.game.cut_off(i, action.disconnect_ticks / self.spec.tick_rate)
            previous = self.last_intent.get(player.name, ([], 0.0, 0.0))
            yaw = previous[1] if yaw is None else yaw
            pitch = previous[2] if pitch is None else pitch
            intent = (sorted(set(move)), yaw, pitch)
            if once or intent != previous:
                client.intent(move=intent[0], yaw=yaw, pitch=pitch, **once)
                self.last_intent[player.name] = intent

    def _follow(self, action: Action, client: _core.GameClientView) -> Optional[float]:
        """The yaw (degrees) toward the next waypoint of a path, or None once it is walked."""
        player = client.player
        if player is None:
            return None
        x, _, z = player["position"]
        k = self.waypoint.get(id(action), 0)
        while k < len(action.path):
            tx, tz = action.path[k]
            dx, dz = tx - x, tz - z
            if math.hypot(dx, dz) > ARRIVED:
                self.waypoint[id(action)] = k
                return math.degrees(math.atan2(-dx, dz)) % 360  # 0 = +z, 90 = -x
            k += 1
        self.waypoint[id(action)] = k
        return None

    def _observe(self, tick: int) -> None:
        now = tick / self.spec.tick_rate
        for name, i in self.index.items():
            for r_tick, error, replayed, cause in self.game.client(i).reconciliations():
                self.reconciliations.append({"client": name, "tick": r_tick, "time_s": now,
                                             "error_blocks": error, "error_ms": error / WALK_SPEED * 1000,
                                             "ticks_replayed": replayed, "cause": cause})
        for k, e in enumerate(self.spec.expectations):
            if e.kind == "block":
                # A block may hold, stop holding and hold again: what counts is the state at by_tick.
                holds = self._holds_now(e)
                if not holds:
                    self.since.pop(k, None)
                elif k not in self.since:
                    self.since[k] = tick
                if tick == e.params.get("by_tick", self.spec.duration_ticks):
                    self.first_met[k] = self.since.get(k)
            elif e.kind in _WATCHED and k not in self.first_met and self._holds_now(e):
                self.first_met[k] = tick
        if tick % self.spec.outputs["sample_ticks"] == 0 or tick == self.spec.duration_ticks:
            for name, i in self.index.items():
                self.samples.append(self._sample(name, i, tick, now))

    def _holds_now(self, e: Expectation) -> bool:
        p = e.params
        if p.get("client") not in self.index:
            return False
        client = self.game.client(self.index[p["client"]])
        if e.kind == "block":
            return client.block(*p["at"]) == BLOCK_NAMES[p["block"]]
        if e.kind == "sees_player":
            ids = {pl["id"] for pl in self.game.players if pl["name"] == p["player"]}
            return any(r["valid"] and r["id"] in ids for r in client.remote_players(self.game.now))
        if e.kind == "chat_received":
            return any(line.endswith(": " + p["text"]) for line in self.ctx.metrics(p["client"])["chat"])
        if e.kind == "chunks_loaded":
            return self.ctx.metrics(p["client"])["chunks_loaded"] >= p["min"]
        return False

    @staticmethod
    def _byte_counters(m: Dict[str, Any]) -> Dict[str, int]:
        """Byte counters over the whole run: LocalGame adds up a client's connections, so they
        run on across reconnections (zeros before the first connection)."""
        out = {key: int(m.get(key, 0)) for key in ("wire_bytes_received", "wire_bytes_sent")}
        for lane, counters in sorted(m.get("lanes", {}).items()):
            for direction in ("received", "sent"):
                out[f"{lane}_bytes_{direction}"] = int(counters[f"bytes_{direction}"])
        return out

    def _sample(self, name: str, i: int, tick: int, now: float) -> Dict[str, Any]:
        m = self.game.client_metrics(i)
        counted = self._byte_counters(m)
        received = counted["wire_bytes_received"]
        window = self.window[name]
        window.append((now, received))
        while window and window[0][0] < now - 1.0 - 1e-9:
            window.pop(0)
        if len(window) > 1 and window[-1][0] - window[0][0] > 0:
            rate = (window[-1][1] - window[0][1]) / (window[-1][0] - window[0][0])
            self.peak[name] = max(self.peak[name], rate)
        record = {"time_s": now, "tick": tick, "client": name, "established": m["established"],
                  "rtt_ms": m["rtt_ms"], "reconciliations": m["reconciliations"], "ticks_replayed": m["ticks_replayed"],
                  "reconciliation_error_ms_mean": m["reconciliation_error_ms_mean"],
                  "chunks_loaded": m["chunks_loaded"], "chunk_diffs": m["chunk_diffs"],
                  "entity_updates": m["entity_updates"], **counted}
        return record

    # -- the end ---------------------------------------------------------------------------------

    def _summary(self) -> Dict[str, Any]:
        server = self.game.server_metrics
        clients = {}
        for name, i in self.index.items():
            m = self.game.client_metrics(i)
            counted = self._byte_counters(m)  # over every connection of the run
            m.pop("lanes", None)
            m.pop("chat", None)
            m["wire_bytes_received"] = counted["wire_bytes_received"]
            m["wire_bytes_sent"] = counted["wire_bytes_sent"]
            m["lanes_bytes_received"] = {k[: -len("_bytes_received")]: v for k, v in counted.items()
                                         if k.endswith("_bytes_received") and not k.startswith("wire_")}
            m["peak_bytes_per_second"] = self.peak[name]
            m["reconnects"] = self.game.client_reconnects(i)
            clients[name] = m
        return {"server": {"ticks": server["tick"], "clients": server["clients"],
                           "entities": server["entities"],
                           "tick_time_us_mean": server["tick_time_us_mean"],
                           "tick_time_us_max": server["tick_time_us_max"],
                           "per_client": server["per_client"]},
                "players": {p["name"]: {"position": list(p["position"]), "health": p["health"]}
                            for p in self.game.players},
                "clients": clients}

    def _end_checks(self) -> Dict[str, List[Tuple[int, int, int]]]:
        return {name: self.game.chunk_mismatches(i) for name, i in self.index.items()}

    def _clients(self, e: Expectation) -> List[str]:
        return [e.params["client"]] if "client" in e.params else list(self.index)

    def _evaluate(self, k: int, e: Expectation, summary: Dict[str, Any],
                  mismatches: Dict[str, List[Tuple[int, int, int]]]) -> ExpectationResult:
        p = e.params
        clients = summary["clients"]
        by = p.get("by_tick", self.spec.duration_ticks)
        if e.kind in _WATCHED:
            met = self.first_met.get(k)
            what = {"block": lambda: f"{p['client']} sees {p['block']} at {tuple(p['at'])} by tick {by}",
                    "sees_player": lambda: f"{p['client']} sees {p['player']} by tick {by}",
                    "chat_received": lambda: f"{p['client']} receives {p['text']!r} by tick {by}",
                    "chunks_loaded": lambda: f"{p['client']} loads {p['min']} chunks by tick {by}"}[e.kind]()
            if e.kind == "block":
                detail = f"since tick {met}" if met is not None else f"not at tick {by}"
            else:
                detail = f"first at tick {met}" if met is not None else "never"
            return ExpectationResult(e.kind, e.where, what, met is not None and met <= by, detail)
        names = self._clients(e)
        if e.kind == "reconciliation_error_ms":
            values = {n: clients[n]["reconciliation_error_ms_mean"] for n in names}
            return self._bound(e, f"mean reconciliation error <= {p['max_mean']} ms", values,
                               p["max_mean"], "ms")
        if e.kind == "chunk_load_ms":
            values = {n: clients[n]["chunk_load_ms_mean"] for n in names}
            return self._bound(e, f"mean chunk load time <= {p['max_mean']} ms", values, p["max_mean"], "ms")
        if e.kind == "corrections":
            values = {n: clients[n]["reconciliations"] for n in names}
            return self._bound(e, f"at most {p['max']} corrections", values, p["max"], "")
        if e.kind == "bandwidth":
            values = {n: clients[n]["peak_bytes_per_second"] for n in names}
            return self._bound(e, f"peak bandwidth <= {p['max_bytes_per_second']:,} B/s", values,
                               p["max_bytes_per_second"], "B/s")
        if e.kind == "world_consistent":
            bad = {n: mismatches[n] for n in names if mismatches[n]}
            detail = "every chunk held equals the server's" if not bad else "; ".join(
                f"{n}: {len(v)} chunks differ, e.g. {v[0]}" for n, v in bad.items())
            return ExpectationResult(e.kind, e.where, f"{', '.join(names)} hold the server's world",
                                     not bad, detail)
        if e.kind == "resumed":
            c = clients[p["client"]]
            return ExpectationResult(e.kind, e.where, f"{p['client']} reconnects and resumes its session",
                                     c["resumes"] >= 1 and c["established"],
                                     f"{c['reconnects']} reconnects, {c['resumes']} resumed, "
                                     f"{'connected' if c['established'] else 'not connected'} at the end")
        if e.kind == "streams_match":
            # Filled in by _check_streams once the streams are closed.
            return ExpectationResult(e.kind, e.where, "the replayed input log gives the server's stream",
                                     False, "not checked")
        raise ScenarioError(f"{e.where}: unknown expectation {e.kind!r}", "invalid_argument")

    @staticmethod
    def _bound(e: Expectation, what: str, values: Dict[str, float], limit: float,
               unit: str) -> ExpectationResult:
        detail = ", ".join(f"{n} {v:,.2f}{(' ' + unit) if unit else ''}" for n, v in values.items())
        return ExpectationResult(e.kind, e.where, what, all(v <= limit for v in values.values()), detail)

    def _check_streams(self, result: Result) -> None:
        """Replays the input log on a headless server; its stream must equal the server's."""
        replayed = self._file("replayed", "replayed_server.jsonl")
        ran = replay.run(self.files["input_log"], replayed)
        d = replay.diff(self.files["events"], replayed)
        identical = Path(self.files["events"]).read_bytes() == Path(replayed).read_bytes()
        for e in result.expectations:
            if e.kind == "streams_match":
                e.passed = identical
                if identical:
                    e.detail = (f"{ran.ticks} ticks, {ran.inputs} inputs replayed: "
                                f"{d.events.get('a', 0):,} events, byte-identical")
                elif d.equal:
                    e.detail = "equal event by event but not byte for byte"
                else:
                    shd = d.first_state_hash_divergence
                    e.detail = (f"diverged at tick {d.first_divergent_tick}: "
                                + ", ".join(f"{k} {v}" for k, v in d.counts.items() if v)
                                + (f"; state hash section {', '.join(shd['sections'])}" if shd else ""))
        result.passed = all(e.passed for e in result.expectations)


def _progress(name: str, done: int, total: int, started: float) -> None:
    if done != total and done % max(1, total // 50):
        return
    width = 30
    filled = width * done // total
    elapsed = time.perf_counter() - started
    sys.stderr.write(f"\r{name} [{'#' * filled}{'.' * (width - filled)}] tick {done}/{total} "
                     f"{elapsed:5.1f} s")
    sys.stderr.flush()


__all__ = ["Scenario", "PlayerScript", "TickContext", "Result", "ExpectationResult", "NetworkSpec"]
