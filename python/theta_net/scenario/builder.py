"""The user-facing scenario builder, :class:`Scenario` (``theta_net.Scenario``): load a file or
build a scenario in Python, add players (:class:`PlayerScript`), expectations and per-tick
callbacks, and run it. Everything it is given is validated by the same code as a file is
(spec.py), so a scripted scenario and a file fail with the same messages."""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, Optional, Tuple

from ..errors import ScenarioError
from .context import TickContext
from .data_spec import parse_data, parse_write
from .result import Result
from .rules import BLOCK_NAMES
from .game_program import run_program
from .runner import ScenarioRunner
from .spec import TRANSPORTS, Action, PlayerSpec, ScenarioSpec, parse_table
from .spec import load as load_spec


class PlayerScript:
    """A player of a scenario built in Python; each method adds an action and returns self."""

    def __init__(self, spec: PlayerSpec, duration: int) -> None:
        self.spec = spec
        self._duration = duration

    def _add(self, start: int, end: Optional[int], **fields: Any) -> "PlayerScript":
        end = start if end is None else end
        if start < 0 or end < start or end > self._duration:
            raise ScenarioError(
                f"player {self.spec.name}: tick range {start}..{end} is outside "
                f"0..{self._duration} or empty",
                "invalid_argument",
            )
        self.spec.actions.append(Action(start=start, end=end, **fields))
        return self

    def move(self, start: int, end: int, move: List[str], yaw: Optional[float] = None) -> "PlayerScript":
        return self._add(start, end, move=list(move), yaw=yaw)

    def walk(self, start: int, end: int, path: List[Tuple[float, float]]) -> "PlayerScript":
        return self._add(start, end, path=[tuple(p) for p in path])

    def place(
        self, tick: int, at: Tuple[int, int, int], block: str = "planks", face: str = "up"
    ) -> "PlayerScript":
        if block not in BLOCK_NAMES:
            raise ScenarioError(f"{block!r} is not a block", "invalid_argument")
        return self._add(tick, None, place=tuple(at), block=block, face=face)

    def break_block(self, tick: int, at: Tuple[int, int, int]) -> "PlayerScript":
        return self._add(tick, None, break_block=tuple(at))

    def chat(self, tick: int, text: str) -> "PlayerScript":
        return self._add(tick, None, chat=text)

    def disconnect(self, tick: int, ticks: int) -> "PlayerScript":
        return self._add(tick, None, disconnect_ticks=ticks)


class Scenario:
    """A scripted session. Load one (:meth:`load`, :meth:`from_dict`) or build one in Python:

    >>> sc = Scenario("two", duration_ticks=200, generator="superflat")
    >>> sc.add_player("a", latency="50ms").place(40, (0, 3, 2))
    >>> sc.add_player("b", preset="good")
    >>> sc.expect("block", client="b", at=[0, 4, 2], block="planks", by_tick=80)
    >>> sc.run(transport="sim").passed
    """

    def __init__(
        self,
        name: str = "scripted",
        *,
        duration_ticks: int = 200,
        tick_rate: int = 20,
        generator: str = "superflat",
        world_seed: int = 1,
        seed: int = 1,
        view_radius: int = 3,
        transport: str = "sim",
        size: Optional[Tuple[int, int]] = None,
        outputs: Optional[Dict[str, Any]] = None,
        **network: Any,
    ) -> None:
        table = {
            "scenario": {
                "name": name,
                "duration_ticks": duration_ticks,
                "tick_rate": tick_rate,
                "seed": seed,
                "transport": transport,
            },
            "world": {
                "generator": generator,
                "seed": world_seed,
                "view_radius": view_radius,
                **({"size": list(size)} if size is not None else {}),
            },
            "network": network,
            "players": [{"name": "_"}],
            "outputs": dict(outputs or {}),
        }
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

    def add_player(
        self, name: str, join_tick: int = 0, role: Optional[str] = None, **network: Any
    ) -> PlayerScript:
        """Adds a player; ``role`` (viewer, player, editor, admin) is its token's; ``network``
        takes the keys of a [players.network] table."""
        if any(p.name == name for p in self.spec.players):
            raise ScenarioError(f"player {name!r} exists already", "invalid_argument")
        probe = parse_table(
            {
                "scenario": {"name": "probe", "duration_ticks": self.spec.duration_ticks},
                "players": [
                    {
                        "name": name,
                        "join_tick": join_tick,
                        "network": network,
                        **({"role": role} if role else {}),
                    }
                ],
            },
            f"add_player({name!r})",
        )
        player = probe.players[0]
        self.spec.players.append(player)
        return PlayerScript(player, self.spec.duration_ticks)

    def expect(self, kind: str, **params: Any) -> "Scenario":
        """Adds an expectation (the keys of an [[expect]] table), checked at the end of a run."""
        names = [{"name": p.name} for p in self.spec.players]
        probe = parse_table(
            {
                "scenario": {"name": "probe", "duration_ticks": self.spec.duration_ticks},
                "players": names,
                "expect": [{"kind": kind, **params}],
            },
            f"expect({kind!r})",
        )
        expectation = probe.expectations[0]
        expectation.where = f"expect[{len(self.spec.expectations)}]"
        self.spec.expectations.append(expectation)
        return self

    def expect_converged(self, client: Optional[str] = None) -> "Scenario":
        """At the end, the client's (default: every client's) data mirror equals the server's store."""
        return self.expect("converged", **({"client": client} if client else {}))

    def expect_synced(self, client: str, by_tick: Optional[int] = None) -> "Scenario":
        """The client's data mirror finishes its sync by ``by_tick`` (default: the last tick)."""
        return self.expect("synced", client=client, **({"by_tick": by_tick} if by_tick is not None else {}))

    def data(self, schema: "os.PathLike[str] | str | None" = None, signed: bool = False) -> "Scenario":
        """Appends the application's data tables (a schema TOML file; a relative path is from the
        working directory) to the reference game's; ``signed``: clients write as signed commands.
        Writes added before are checked again."""
        table: Dict[str, Any] = {"schema": os.fspath(schema)} if schema is not None else {}
        table.update({"signed": True} if signed else {})
        data = parse_data(f"data(schema={schema!r})", table, None, {}, self.spec.duration_ticks)
        joins = {p.name: p.join_tick for p in self.spec.players}
        for i, w in enumerate(self.spec.data.writes):
            entry = {"at": w.at, "client": w.client, "table": w.table, "entity": w.entity}
            entry.update({"set": w.set} if w.set is not None else {"remove": True})
            data.writes.append(
                parse_write(
                    f"data(schema={schema!r})",
                    entry,
                    f"data.writes[{i}]",
                    joins,
                    self.spec.duration_ticks,
                    data.schema_text,
                )
            )
        self.spec.data = data
        return self

    def write(
        self,
        at: int,
        client: str,
        table: str,
        entity: int,
        set: Optional[Dict[str, Dict[str, Any]]] = None,
        remove: bool = False,
    ) -> "Scenario":
        """A write through ``client``'s data mirror before tick ``at``: ``set`` =
        {component: {field: value}}, or ``remove=True`` to remove the entity."""
        entry: Dict[str, Any] = {"at": at, "client": client, "table": table, "entity": entity}
        entry.update({"set": set} if set is not None else {})
        entry.update({"remove": True} if remove else {})
        joins = {p.name: p.join_tick for p in self.spec.players}
        where = f"data.writes[{len(self.spec.data.writes)}]"
        self.spec.data.writes.append(
            parse_write(
                f"write(at={at})", entry, where, joins, self.spec.duration_ticks, self.spec.data.schema_text
            )
        )
        return self

    def on_tick(self, callback: Callable[[TickContext], None]) -> Callable[[TickContext], None]:
        """Calls ``callback(ctx)`` before every tick (usable as a decorator)."""
        self._callbacks.append(callback)
        return callback

    def run(
        self,
        transport: Optional[str] = None,
        *,
        out: "os.PathLike[str] | str | None" = None,
        progress: bool = False,
        on_tick: Optional[Callable[[TickContext], None]] = None,
    ) -> Result:
        """Plays the scenario and checks its expectations. ``transport``: "sim", "quic", "tcp" or
        "ws" (default: the file's). ``out``: where files go (default: a temporary folder that lives
        as long as the Result). ``progress``: a progress bar on stderr."""
        callbacks = self._callbacks + ([on_tick] if on_tick else [])
        if self.spec.game is not None:
            if callbacks:
                raise ScenarioError(
                    f"scenario {self.name!r} is played by its game program: per-tick callbacks "
                    "cannot reach into it",
                    "invalid_argument",
                )
            if (transport or self.spec.transport) not in TRANSPORTS:
                raise ScenarioError(
                    f"transport {transport!r} is not one of {', '.join(TRANSPORTS)}", "invalid_argument"
                )
            return run_program(self.spec, transport or self.spec.transport, out)
        return ScenarioRunner(self.spec, transport or self.spec.transport, out, progress, callbacks).play()
