"""Scenarios of your own game: a scenario's [game] table names a game program, and the scenario
runs it instead of the reference game. A program is an executable the application builds on
theta_net (examples/arena's theta_arena_match), or a Python game's script (theta_net.prototype;
examples/python_game), run under this interpreter. The program keeps the game program contract
(docs/scenarios.md, "Your own game"):

    PROGRAM --network NAME --players N --tick-rate HZ --seconds S --seed N
            --latency-ms MS --jitter-ms MS --loss FRACTION
            --events PATH --inputs PATH --hash-interval N --scenario NAME
    PROGRAM --replay INPUT_LOG --events PATH

It plays the match, writes the server's JSONL event stream to --events and its input log to
--inputs, prints its report as one JSON object on the first line of its output, and exits 0 when
its own checks held, 1 when they did not. The report becomes the run's summary, which the
``report`` expectation reads. With --replay it plays no match: it replays the input log through its
simulation and writes the server stream again (:func:`replay_program`).
"""

from __future__ import annotations

import json
import re
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from ..errors import ScenarioError
from .context import RunEnd
from .expectations import make_expectation
from .reader import TableReader
from .result import ExpectationResult, Result

if TYPE_CHECKING:
    from .spec import NetworkSpec, ScenarioSpec

# The network keys a game program takes (the contract's link options).
PROGRAM_NETWORK_KEYS = ("latency_ms", "jitter_ms", "loss")
MAX_BOTS = 64


@dataclass
class GameSpec:
    """The [game] table: which program plays, with how many bots."""

    name: str
    program: str  # as written
    bots: int = 2
    # How long the program may take, in wall seconds per simulated second, and at least (over
    # SimNet a match runs far faster than real time; over sockets, in real time).
    timeout_factor: float = 5.0

    def resolve(self, scenario_path: Optional[Path]) -> Path:
        """The program's path: as written when absolute; else relative to the scenario file's
        folder when it names a folder; else looked up on PATH."""
        written = Path(self.program)
        candidates = []
        if written.is_absolute():
            candidates.append(written)
        elif "/" in self.program:  # "./game.py" too, which pathlib shortens to one part
            base = scenario_path.parent if scenario_path is not None else Path.cwd()
            candidates.append(base / written)
        else:
            found = shutil.which(self.program)
            if found:
                candidates.append(Path(found))
        for path in candidates:
            if path.is_file() and (path.suffix == ".py" or os.access(path, os.X_OK)):
                return path.resolve()
        where = f" (looked for {candidates[0]})" if candidates else " (not on PATH)"
        if written.suffix == ".py":
            hint = "write it there, or name it from this file's folder (./game.py)"
        else:
            hint = "build it first (examples/arena: `cmake --build build/release --target theta_arena_match`)"
        raise ScenarioError(
            f"game {self.name!r}: program {self.program!r} is not an executable file{where}; {hint}",
            "not_found",
        )


_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b")


def _last_error(stderr: str) -> List[str]:
    """What a failed program said last: from its last exception line (a Python traceback's
    "ValueError: ..." and the notes after it, such as the tick a step failed at) to the end, or
    else its last line."""
    lines = stderr.strip().splitlines()
    for i in range(len(lines) - 1, -1, -1):
        if _EXCEPTION_LINE.match(lines[i]):
            return lines[i:][:6]
    return lines[-1:]


def parse_game(source: str, table: Dict[str, Any]) -> GameSpec:
    r = TableReader(source, table, "game")
    game = GameSpec(name=r.get("name", str, required=True), program=r.get("program", str, required=True))
    game.bots = r.get("bots", int, 2)
    if not 1 <= game.bots <= MAX_BOTS:
        raise r.fail("bots", f"{game.bots} is outside 1..{MAX_BOTS}")
    r.finish()
    return game


def check_network(source: str, network: "NetworkSpec", where: str) -> None:
    """A game program takes latency, jitter and loss only: anything else is refused by name."""
    taken = {"preset", "bandwidth_bits", "reorder", "duplicate", "relay"}
    given = [k for k in sorted(taken) if getattr(network, k) not in (None, False)]
    if given:
        names = ", ".join(k.replace("_bits", "").replace("_ms", "") for k in given)
        raise ScenarioError(
            f"{source}: {where}: a game program takes latency, jitter and loss only, not {names}",
            "invalid_argument",
        )


def program_arguments(spec: "ScenarioSpec", transport: str, events: Path, inputs: Path) -> List[str]:
    """The contract's options for this scenario."""
    n = spec.network
    return [
        "--network", transport,
        "--players", str(spec.game.bots),
        "--tick-rate", str(spec.tick_rate),
        "--seconds", repr(spec.duration_ticks / spec.tick_rate),
        "--seed", str(spec.seed),
        "--latency-ms", repr(n.latency_ms or 0.0),
        "--jitter-ms", repr(n.jitter_ms or 0.0),
        "--loss", repr(n.loss or 0.0),
        "--events", str(events),
        "--inputs", str(inputs),
        "--hash-interval", str(spec.outputs["hash_interval"]),
        "--scenario", spec.name,
    ]  # fmt: skip


def _launcher(program: Path) -> List[str]:
    """A Python game (theta_net.prototype) runs under this interpreter, which sees theta_net."""
    return [sys.executable] if program.suffix == ".py" else []


def _run(
    argv: List[str], timeout: float, late: str
) -> Tuple["subprocess.CompletedProcess[str]", Optional[Dict]]:
    """Runs a program of the contract: returns how it ended and its report (the first line of its
    output when that is a JSON object, else None). Raises ScenarioError ``late`` past ``timeout``."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ScenarioError(f"{late} within {timeout:.0f} s", "timeout") from None
    try:
        report = json.loads(done.stdout.split("\n", 1)[0])
    except json.JSONDecodeError:
        report = None
    return done, report if isinstance(report, dict) else None


def _why(done: "subprocess.CompletedProcess[str]") -> str:
    """Why a program gave no report: its last error, or what it printed instead."""
    first = done.stdout.split("\n", 1)[0]
    return " / ".join(_last_error(done.stderr) or [f"printed {first[:200]!r}"])


def replay_program(program: Path, input_log: Path, out: Path, timeout: float = 600.0) -> Dict[str, Any]:
    """Replays a game program's input log with the program (``--replay``), writing the server
    stream to ``out``; returns the program's report. Raises :class:`ScenarioError` when the program
    fails or prints no report (quoting its last error)."""
    argv = [*_launcher(program), str(program), "--replay", str(input_log), "--events", str(out)]
    done, report = _run(argv, timeout, f"{program.name} did not replay {input_log}")
    if done.returncode != 0 or report is None:
        raise ScenarioError(
            f"{program.name} could not replay {input_log} (exit {done.returncode}): {_why(done)}", "io"
        )
    return report


def run_program(spec: "ScenarioSpec", transport: str, out: Optional[Path]) -> Result:
    """Plays the scenario with its game program and evaluates its expectations on the report."""
    tempdir = None
    if out is None:
        tempdir = tempfile.TemporaryDirectory(prefix=f"theta-{spec.name}-")
        out = Path(tempdir.name)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    program = spec.game.resolve(spec.path)
    files = {"events": str(out / "server.jsonl"), "input_log": str(out / "inputs.jsonl")}
    arguments = program_arguments(spec, transport, out / "server.jsonl", out / "inputs.jsonl")
    argv = [*_launcher(program), str(program), *arguments]
    simulated = spec.duration_ticks / spec.tick_rate
    timeout = max(60.0, spec.game.timeout_factor * simulated)
    started = time.perf_counter()
    done, summary = _run(argv, timeout, f"game {spec.game.name!r}: {program.name} did not finish")
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1) or summary is None:
        raise ScenarioError(
            f"game {spec.game.name!r}: {program.name} exited with {done.returncode} "
            f"without a report: {_why(done)}",
            "io",
        )
    checked: List[ExpectationResult] = [
        ExpectationResult(
            "program",
            "game",
            f"{program.name}'s own checks",
            done.returncode == 0,
            "held" if done.returncode == 0 else (done.stdout.strip().splitlines()[-1:] or ["failed"])[0],
        )
    ]

    def output(key: str, name: str) -> str:
        files[key] = str(out / name)
        return files[key]

    end = RunEnd(summary=summary, clients=[], files=files, output=output)
    checked += [make_expectation(e, spec.duration_ticks).evaluate(end) for e in spec.expectations]
    result = Result(
        scenario=spec.name,
        transport=transport,
        passed=all(e.passed for e in checked),
        expectations=checked,
        summary=summary,
        samples=[],
        reconciliations=[],
        out_dir=out,
        files=files,
        wall_seconds=wall,
        simulated_seconds=simulated,
        _tempdir=tempdir,
    )
    if spec.outputs["metrics"]:
        result.write_json(output("metrics", "metrics.json"))
    return result
