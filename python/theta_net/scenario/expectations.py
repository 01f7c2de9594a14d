"""What must hold by the end of a scenario. Each kind of expectation is one class, registered in
:data:`EXPECTATIONS` (this file) by ``@expectation``: its keys and their validation, what it
watches after every tick, and how it evaluates and explains itself. The game's kinds (blocks,
players, chunks, bounds, streams) are in this file; the data layer's and collaboration's
(synced, converged, conflicts, refused) in data_expectations.py and the diagnostics lane's
(slow_frames, editor_events) in diagnostics_expectations.py and ``report`` in
report_expectation.py, registered in the same table.
Schema validation (spec.py), the runner, the result's table and docs/scenarios.md's expectation
table (:func:`expectation_table`, which a test compares with the file) all read this one
registry, so a new kind is one class (and the docs table is regenerated:
``python -m theta_net.scenario``).

A run makes one instance per [[expect]] table: ``observe(ctx, tick)`` after every tick,
``finish(ctx)`` after the last one while the game still runs, then ``evaluate(end)`` once the
game is closed and its streams are complete.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Dict, List, Optional, Set, Type

from .. import replay
from .reader import TableReader, parse_coords
from .result import ExpectationResult
from .rules import BLOCK_NAMES

if TYPE_CHECKING:
    from .context import RunEnd, TickContext

NUMBER = (int, float)


@dataclass
class ExpectationSpec:
    """One parsed [[expect]] table: its kind, its keys and where it was written (for messages)."""

    kind: str
    params: Dict[str, Any]
    where: str  # "expect[3]"


# -- keys and their validation -------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """One key of an expectation: its TOML type(s), whether it must be given, and a check that
    validates (and may convert) a given value: check(reader, key, value, players, duration)."""

    kind: Any
    required: bool = False
    check: Optional[Callable[[TableReader, str, Any, Set[str], int], Any]] = None


def _a_player(r: TableReader, key: str, value: Any, players: Set[str], duration: int) -> Any:
    if value not in players:
        raise r.fail(key, f"no player named {value!r}")
    return value


def _a_tick(r: TableReader, key: str, value: Any, players: Set[str], duration: int) -> Any:
    if not 0 <= value <= duration:
        raise r.fail(key, f"{value} is outside the scenario's 0..{duration}")
    return value


def _a_block(r: TableReader, key: str, value: Any, players: Set[str], duration: int) -> Any:
    if value not in BLOCK_NAMES:
        raise r.fail(key, f"{value!r} is not a block ({', '.join(BLOCK_NAMES)})")
    return value


def _coords(r: TableReader, key: str, value: Any, players: Set[str], duration: int) -> Any:
    return parse_coords(r, key, value)


CLIENT = Key(str, check=_a_player)  # left out: every client
THE_CLIENT = Key(str, required=True, check=_a_player)
BY_TICK = Key(int, check=_a_tick)  # left out: the last tick


# -- the registry --------------------------------------------------------------------------------


class Expectation(ABC):
    """The base of every kind. Subclasses set kind, keys, holds_when (the docs' words) and
    implement what() and evaluate(); watching kinds also observe()."""

    kind: ClassVar[str]
    keys: ClassVar[Dict[str, Key]]
    holds_when: ClassVar[str]
    needs_streams: ClassVar[bool] = False  # the run must write the server stream and input log

    def __init__(self, spec: ExpectationSpec, duration_ticks: int) -> None:
        self.spec, self.params, self.where = spec, spec.params, spec.where
        self.duration_ticks = duration_ticks

    @classmethod
    def check_keys(cls, r: TableReader, params: Dict[str, Any]) -> None:
        """Checks the keys together once each is valid (raise r.fail(key, why))."""

    @abstractmethod
    def what(self) -> str:
        """The expectation in words, as the result table shows it."""

    def observe(self, ctx: "TickContext", tick: int) -> None:
        """After every tick (ticks 1..duration)."""

    def finish(self, ctx: "TickContext") -> None:
        """After the last tick, while the game still runs."""

    @abstractmethod
    def evaluate(self, end: "RunEnd") -> ExpectationResult:
        """Whether it held, with the detail the result table shows."""

    def result(self, passed: bool, detail: str, what: Optional[str] = None) -> ExpectationResult:
        return ExpectationResult(self.kind, self.where, what or self.what(), bool(passed), detail)

    def clients(self, names: List[str]) -> List[str]:
        """The clients this expectation is about: its `client`, else every one."""
        return [self.params["client"]] if "client" in self.params else list(names)


EXPECTATIONS: Dict[str, Type[Expectation]] = {}


def expectation(cls: Type[Expectation]) -> Type[Expectation]:
    """Registers a kind (a class decorator)."""
    if cls.kind in EXPECTATIONS:
        raise ValueError(f"expectation kind {cls.kind!r} is registered twice")
    EXPECTATIONS[cls.kind] = cls
    return cls


def parse_expectation(
    source: str, table: Dict[str, Any], where: str, players: Set[str], duration: int
) -> ExpectationSpec:
    """Validates one [[expect]] table against its kind's keys."""
    r = TableReader(source, table, where)
    kind = r.get("kind", str, required=True)
    if kind not in EXPECTATIONS:
        raise r.fail("kind", f"{kind!r} is not one of {', '.join(sorted(EXPECTATIONS))}")
    keys = EXPECTATIONS[kind].keys
    params = {}
    for key, spec in keys.items():
        value = r.get(key, spec.kind)
        if value is not None:
            params[key] = spec.check(r, key, value, players, duration) if spec.check else value
    for key, spec in keys.items():
        if spec.required and key not in params:
            raise r.fail(key, f"is required for a {kind} expectation")
    EXPECTATIONS[kind].check_keys(r, params)
    r.finish()
    return ExpectationSpec(kind=kind, params=params, where=where)


def make_expectation(spec: ExpectationSpec, duration_ticks: int) -> Expectation:
    """The run's instance for a parsed [[expect]] table."""
    return EXPECTATIONS[spec.kind](spec, duration_ticks)


def expectation_table() -> str:
    """docs/scenarios.md's expectation table, from the registry."""
    rows = ["| kind | keys | holds when |", "|---|---|---|"]
    for kind, cls in EXPECTATIONS.items():
        required = [k for k, key in cls.keys.items() if key.required]
        optional = [k for k, key in cls.keys.items() if not key.required]
        keys = ", ".join(required) + ("; optional: " if required and optional else "")
        keys += ("optional: " if optional and not required else "") + ", ".join(optional)
        rows.append(f"| `{kind}` | {keys or 'none'} | {cls.holds_when} |")
    return "\n".join(rows) + "\n"


# -- "by tick N": watched after every tick -------------------------------------------------------


class _ByTick(Expectation):
    """Holds if its condition held at some tick up to by_tick (the first such tick is reported)."""

    def __init__(self, spec: ExpectationSpec, duration_ticks: int) -> None:
        super().__init__(spec, duration_ticks)
        self.by = self.params.get("by_tick", duration_ticks)
        self.met: Optional[int] = None  # the first tick it held

    @abstractmethod
    def holds(self, ctx: "TickContext") -> bool:
        """Whether the condition holds after this tick."""

    def observe(self, ctx: "TickContext", tick: int) -> None:
        if self.met is None and ctx.joined(self.params["client"]) and self.holds(ctx):
            self.met = tick

    def evaluate(self, end: "RunEnd") -> ExpectationResult:
        detail = f"first at tick {self.met}" if self.met is not None else "never"
        return self.result(self.met is not None and self.met <= self.by, detail)


@expectation
class BlockSeen(_ByTick):
    kind = "block"
    keys = {
        "client": THE_CLIENT,
        "at": Key(list, True, _coords),
        "block": Key(str, True, _a_block),
        "by_tick": BY_TICK,
    }
    holds_when = "the client knows `block` at `at` at tick `by_tick` (the detail says since when)"

    def __init__(self, spec: ExpectationSpec, duration_ticks: int) -> None:
        super().__init__(spec, duration_ticks)
        self.since: Optional[int] = None  # the tick since which it holds, while it does

    def what(self) -> str:
        p = self.params
        return f"{p['client']} sees {p['block']} at {tuple(p['at'])} by tick {self.by}"

    def holds(self, ctx: "TickContext") -> bool:
        return (
            ctx.client(self.params["client"]).block(*self.params["at"]) == BLOCK_NAMES[self.params["block"]]
        )

    def observe(self, ctx: "TickContext", tick: int) -> None:
        # A block may hold, stop holding and hold again: what counts is the state at by_tick.
        if not (ctx.joined(self.params["client"]) and self.holds(ctx)):
            self.since = None
        elif self.since is None:
            self.since = tick
        if tick == self.by:
            self.met = self.since

    def evaluate(self, end: "RunEnd") -> ExpectationResult:
        detail = f"since tick {self.met}" if self.met is not None else f"not at tick {self.by}"
        return self.result(self.met is not None and self.met <= self.by, detail)


@expectation
class SeesPlayer(_ByTick):
    kind = "sees_player"
    keys = {"client": THE_CLIENT, "player": Key(str, True, _a_player), "by_tick": BY_TICK}
    holds_when = "the client draws the other player (interpolated) by then"

    def what(self) -> str:
        return f"{self.params['client']} sees {self.params['player']} by tick {self.by}"

    def holds(self, ctx: "TickContext") -> bool:
        ids = {pl["id"] for pl in ctx.game.players if pl["name"] == self.params["player"]}
        drawn = ctx.client(self.params["client"]).remote_players(ctx.game.now)
        return any(r["valid"] and r["id"] in ids for r in drawn)


@expectation
class ChatReceived(_ByTick):
    kind = "chat_received"
    keys = {"client": THE_CLIENT, "text": Key(str, True), "by_tick": BY_TICK}
    holds_when = "the chat line reached the client by then"

    def what(self) -> str:
        return f"{self.params['client']} receives {self.params['text']!r} by tick {self.by}"

    def holds(self, ctx: "TickContext") -> bool:
        suffix = ": " + self.params["text"]
        return any(line.endswith(suffix) for line in ctx.metrics(self.params["client"])["chat"])


@expectation
class ChunksLoaded(_ByTick):
    kind = "chunks_loaded"
    keys = {"client": THE_CLIENT, "min": Key(int, True), "by_tick": BY_TICK}
    holds_when = "the client holds at least `min` chunks by then"

    def what(self) -> str:
        return f"{self.params['client']} loads {self.params['min']} chunks by tick {self.by}"

    def holds(self, ctx: "TickContext") -> bool:
        return ctx.metrics(self.params["client"])["chunks_loaded"] >= self.params["min"]


# -- bounds on the summary's per-client figures --------------------------------------------------


class _Bound(Expectation):
    """Every client concerned has summary[metric] <= params[limit_key]."""

    limit_key: ClassVar[str]
    metric: ClassVar[str]  # a key of the summary's per-client table
    unit: ClassVar[str] = ""

    def evaluate(self, end: "RunEnd") -> ExpectationResult:
        values = {n: end.summary["clients"][n][self.metric] for n in self.clients(end.clients)}
        unit = f" {self.unit}" if self.unit else ""
        detail = ", ".join(f"{n} {v:,.2f}{unit}" for n, v in values.items())
        return self.result(all(v <= self.params[self.limit_key] for v in values.values()), detail)


@expectation
class ChunkLoadTime(_Bound):
    kind = "chunk_load_ms"
    keys = {"max_mean": Key(NUMBER, True), "client": CLIENT}
    holds_when = "mean time from wanting a chunk in view to holding it"
    limit_key, metric, unit = "max_mean", "chunk_load_ms_mean", "ms"

    def what(self) -> str:
        return f"mean chunk load time <= {self.params['max_mean']} ms"


@expectation
class Bandwidth(_Bound):
    kind = "bandwidth"
    keys = {"max_bytes_per_second": Key(NUMBER, True), "client": CLIENT}
    holds_when = "peak wire bytes received per second (1 s windows)"
    limit_key, metric, unit = "max_bytes_per_second", "peak_bytes_per_second", "B/s"

    def what(self) -> str:
        return f"peak bandwidth <= {self.params['max_bytes_per_second']:,} B/s"


# -- the end state -------------------------------------------------------------------------------


@expectation
class WorldConsistent(Expectation):
    kind = "world_consistent"
    keys = {"client": CLIENT}
    holds_when = "at the end, every chunk the client holds equals the server's"

    def what(self) -> str:
        # evaluate() names the clients it compared; this is the wording before it has.
        return f"{self.params.get('client', 'every client')} holds the server's world"

    def finish(self, ctx: "TickContext") -> None:
        self.mismatches = {
            n: ctx.game.chunk_mismatches(ctx.client_index(n)) for n in self.clients(ctx.clients)
        }

    def evaluate(self, end: "RunEnd") -> ExpectationResult:
        bad = {n: v for n, v in self.mismatches.items() if v}
        detail = (
            "every chunk held equals the server's"
            if not bad
            else "; ".join(f"{n}: {len(v)} chunks differ, e.g. {v[0]}" for n, v in bad.items())
        )
        return self.result(not bad, detail, what=f"{', '.join(self.mismatches)} hold the server's world")


@expectation
class Resumed(Expectation):
    kind = "resumed"
    keys = {"client": THE_CLIENT}
    holds_when = "the client lost its connection, reconnected and the server resumed its session"

    def what(self) -> str:
        return f"{self.params['client']} reconnects and resumes its session"

    def evaluate(self, end: "RunEnd") -> ExpectationResult:
        c = end.summary["clients"][self.params["client"]]
        return self.result(
            c["resumes"] >= 1 and c["established"],
            f"{c['reconnects']} reconnects, {c['resumes']} resumed, "
            f"{'connected' if c['established'] else 'not connected'} at the end",
        )


@expectation
class StreamsMatch(Expectation):
    kind = "streams_match"
    keys: ClassVar[Dict[str, Key]] = {}
    holds_when = "the input log, replayed on a headless server, gives the server stream byte for byte"
    needs_streams = True

    def what(self) -> str:
        return "the replayed input log gives the server's stream"

    def evaluate(self, end: "RunEnd") -> ExpectationResult:
        """Replays the input log on a headless server; its stream must equal the server's."""
        replayed = end.output("replayed", "replayed_server.jsonl")
        ran = replay.run(end.files["input_log"], replayed)
        d = replay.diff(end.files["events"], replayed)
        if Path(end.files["events"]).read_bytes() == Path(replayed).read_bytes():
            return self.result(
                True,
                f"{ran.ticks} ticks, {ran.inputs} inputs replayed: "
                f"{d.events.get('a', 0):,} events, byte-identical",
            )
        if d.equal:
            return self.result(False, "equal event by event but not byte for byte")
        shd = d.first_state_hash_divergence
        return self.result(
            False,
            f"diverged at tick {d.first_divergent_tick}: "
            + ", ".join(f"{k} {v}" for k, v in d.counts.items() if v)
            + (f"; state hash section {', '.join(shd['sections'])}" if shd else ""),
        )


# The data layer's and collaboration's kinds register themselves in EXPECTATIONS on import.
from . import data_expectations  # noqa: E402,F401  (after the registry it adds to)
from . import diagnostics_expectations  # noqa: E402,F401  (after data_expectations, which it uses)
from . import report_expectation  # noqa: E402,F401  (the report kind, for any summary)
from . import prediction_expectations  # noqa: E402,F401  (corrections and their magnitudes)
