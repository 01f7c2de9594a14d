"""A sweep's grid: keys that name a scenario's settings by their dotted path in the scenario file
(``network.latency``, ``players[1].network.jitter``, ``world.view_radius``, ``players[0].count``),
each with the values to try. Every combination of values times every seed is one run.

A grid point is applied to the scenario's tables (the TOML file as read) and the result is parsed
by the scenario parser itself, so a key that does not exist or a value of the wrong type fails with
the parser's own message, prefixed by the grid point that caused it, before any run starts."""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from ..errors import ScenarioError, SweepError
from ..scenario.spec import ScenarioSpec, parse_table

# One segment of a key: a name, then any number of [index] parts.
_SEGMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)$")
_INDEX = re.compile(r"\[(\d+)\]")

Step = Union[str, int]


def parse_key(key: str) -> Tuple[Step, ...]:
    """``players[1].network.jitter`` -> ("players", 1, "network", "jitter")."""
    if not isinstance(key, str) or not key:
        raise SweepError(f"grid key {key!r} is not a dotted path such as network.latency")
    steps: List[Step] = []
    for segment in key.split("."):
        m = _SEGMENT.match(segment)
        if not m:
            raise SweepError(
                f"grid key {key!r}: {segment!r} is not a name with optional [index] parts "
                "(e.g. players[1].network.jitter)"
            )
        steps.append(m.group(1))
        steps.extend(int(i) for i in _INDEX.findall(m.group(2)))
    if steps[0] == "scenario" and len(steps) == 2 and steps[1] == "seed":
        raise SweepError("grid key 'scenario.seed': a sweep's seeds are its own argument (seeds=N)")
    return tuple(steps)


def parse_value(text: str) -> Any:
    """A value given on the command line: a TOML literal (3, 0.5, true, "text") when it is one,
    else the text itself (50ms and 2% are strings, as in a scenario file)."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply(table: Dict[str, Any], key: str, value: Any) -> None:
    """Sets `key` in the scenario's tables: missing tables on the way are made (a scenario without
    [network] can still sweep network.loss); a list index must name an existing entry."""
    steps = parse_key(key)
    node: Any = table
    for n, step in enumerate(steps):
        last = n == len(steps) - 1
        where = _render(steps[:n]) or "the scenario"
        if isinstance(step, int):
            if not isinstance(node, list):
                raise SweepError(f"grid key {key!r}: {where} is not a list")
            if step >= len(node):
                raise SweepError(f"grid key {key!r}: {where} has {len(node)} entries, no [{step}]")
            if last:
                node[step] = value
            else:
                node = node[step]
            continue
        if not isinstance(node, dict):
            raise SweepError(f"grid key {key!r}: {where} is not a table")
        if last:
            node[step] = value
        else:
            if step not in node:
                node[step] = [] if isinstance(steps[n + 1], int) else {}
            node = node[step]


def _render(steps: Sequence[Step]) -> str:
    out = ""
    for step in steps:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


def _point(values: Iterable[Tuple[str, Any]]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in values)


@dataclass(frozen=True)
class Run:
    """One run of a sweep: its id, its grid values (in the grid's key order), its seed, and the
    index of its grid point."""

    run_id: str
    values: Tuple[Tuple[str, Any], ...]
    seed: int
    point: int = 0

    def assignments(self) -> str:
        """``network.latency=50ms, network.loss=0.01, seed=3``."""
        return ", ".join([*(f"{k}={v}" for k, v in self.values), f"seed={self.seed}"])


def run_id(number: int, values: Iterable[Tuple[str, Any]], seed: int, width: int = 4) -> str:
    """A run's id: its place in the sweep's order (zero-padded to `width`), then a digest of its
    grid point and seed, so the id names the run whatever worker ran it and whenever it finished."""
    canonical = json.dumps([[k, v] for k, v in values] + [["seed", seed]], separators=(",", ":"))
    return f"{number:0{width}d}-{hashlib.sha256(canonical.encode()).hexdigest()[:8]}"


class Grid:
    """The scenario's tables, the grid and the seeds: every run, checked before any is played."""

    def __init__(
        self,
        table: Mapping[str, Any],
        grid: Mapping[str, Sequence[Any]],
        seeds: Union[int, Sequence[int]],
        source: str = "<scenario>",
        path: Optional[Path] = None,
    ) -> None:
        self.table, self.source, self.path = copy.deepcopy(dict(table)), source, path
        # What each task names the file by, resolved once: workers may run elsewhere.
        self._resolved = str(Path(path).resolve()) if path else None
        self.keys = list(grid)
        self.values: List[List[Any]] = []
        for key in self.keys:
            parse_key(key)
            values = grid[key]
            if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
                raise SweepError(f"grid key {key!r}: give a non-empty list of values, got {values!r}")
            self.values.append(list(values))
        base = parse_table(copy.deepcopy(self.table), source, path)
        self.name = base.name
        self.seeds = _seeds(seeds, base.seed)
        points = [tuple(zip(self.keys, point)) for point in itertools.product(*self.values)]
        # Run numbers are as wide as the largest, so the ids sort in the sweep's order.
        width = max(4, len(str(len(points) * len(self.seeds) - 1)))
        self.runs: List[Run] = []
        self.programs: Dict[int, str] = {}  # grid point's index -> its [game] program, resolved
        for index, values in enumerate(points):
            spec = self._check(values)
            if spec.game is not None:
                self.programs[index] = self._program(spec, values)
            for seed in self.seeds:
                self.runs.append(Run(run_id(len(self.runs), values, seed, width), values, seed, index))

    def _check(self, values: Tuple[Tuple[str, Any], ...]) -> ScenarioSpec:
        """The grid point parsed, or the parser's error naming the point."""
        try:
            return parse_table(self.point_table(values, None), self.source, self.path)
        except ScenarioError as exc:
            raise SweepError(f"grid point {_point(values)}: {exc.message}") from None

    def _program(self, spec: ScenarioSpec, values: Tuple[Tuple[str, Any], ...]) -> str:
        """A [game] scenario's program, found here (not on each worker, from wherever it runs)."""
        try:
            return str(spec.game.resolve(self.path))
        except ScenarioError as exc:
            raise SweepError(f"grid point {_point(values)}: {exc.message}", exc.code) from None

    def task(self, run: Run, out_dir: Path, transport: Optional[str], streams: bool) -> Dict[str, Any]:
        """What a worker needs to play one run (run_task's argument): plain data, picklable.
        out_dir should be absolute (sweep() resolves it once), as the workers' folders are."""
        table = self.point_table(run.values, run.seed)
        if run.point in self.programs:
            table["game"]["program"] = self.programs[run.point]
        return {
            "run": run.run_id,
            "values": list(run.values),
            "seed": run.seed,
            "table": table,
            "source": self.source,
            "path": self._resolved,
            "transport": transport,
            "out": str(Path(out_dir) / run.run_id),
            "streams": streams,
        }

    def point_table(self, values: Iterable[Tuple[str, Any]], seed: Optional[int]) -> Dict[str, Any]:
        """The scenario's tables with a grid point (and a seed) applied."""
        table = copy.deepcopy(self.table)
        for key, value in values:
            apply(table, key, value)
        if seed is not None:
            table.setdefault("scenario", {})["seed"] = seed
        return table


def _seeds(seeds: Union[int, Sequence[int]], first: int) -> List[int]:
    """seeds=N: the scenario's own seed and the N-1 after it; a list: those seeds."""
    if isinstance(seeds, bool):
        raise SweepError(f"seeds: give a count or a list of seeds, got {seeds!r}")
    if isinstance(seeds, int):
        if not 1 <= seeds <= 100_000:
            raise SweepError(f"seeds: {seeds} is outside 1..100000")
        return [(first + k) % 2**64 for k in range(seeds)]
    out = list(seeds)
    if not out or not all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s < 2**64 for s in out):
        raise SweepError(f"seeds: give a count or a non-empty list of 64-bit unsigned seeds, got {seeds!r}")
    if len(set(out)) != len(out):
        raise SweepError(f"seeds: {out!r} names a seed twice")
    return out


def load_table(scenario: Any) -> Tuple[Dict[str, Any], str, Optional[Path]]:
    """The tables of a scenario given as a file path or as a dict of tables (what a TOML file
    holds); a loaded :class:`~theta_net.Scenario` carries its file's path."""
    from ..scenario import Scenario

    if isinstance(scenario, Scenario):
        if scenario.spec.path is None:
            raise SweepError(
                f"scenario {scenario.name!r} was built in Python: sweep a file, or the dict of "
                "tables it would hold (Scenario.from_dict takes the same)"
            )
        scenario = scenario.spec.path
    if isinstance(scenario, Mapping):
        return copy.deepcopy(dict(scenario)), "<dict>", None
    path = Path(scenario)
    try:
        with open(path, "rb") as f:
            return tomllib.load(f), str(path), path
    except OSError as exc:
        raise SweepError(f"{path}: cannot read: {exc.strerror}", "io") from None
    except tomllib.TOMLDecodeError as exc:
        raise SweepError(f"{path}: not valid TOML: {exc}", "corrupt") from None
