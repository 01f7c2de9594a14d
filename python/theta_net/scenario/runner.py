"""One run of a scenario: builds the LocalGame and its output files, plays the ticks (players join
and act, callbacks run, the game advances, the recorder and the expectations observe), then
summarises, closes the game and evaluates the expectations in their order."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from .. import _core
from ..errors import ScenarioError
from .context import RunEnd, TickContext
from .data_writes import DataWriter
from .editor_spec import ScriptedEditors
from .expectations import make_expectation
from .players import ScriptedPlayers, player_tokens
from .recorder import SampleRecorder
from .result import Result
from .spec import TRANSPORTS, ScenarioSpec
from .summary import summarize
from .telemetry_spec import ScriptedTelemetry


class ScenarioRunner:
    """Plays one scenario once; :meth:`play` returns its Result."""

    def __init__(
        self,
        spec: ScenarioSpec,
        transport: str,
        out: Any,
        progress: bool,
        callbacks: List[Callable[[TickContext], None]],
    ) -> None:
        if transport not in TRANSPORTS:
            raise ScenarioError(
                f"transport {transport!r} is not one of {', '.join(TRANSPORTS)}", "invalid_argument"
            )
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
        self.expectations = [make_expectation(e, spec.duration_ticks) for e in spec.expectations]
        self.game = self._game()
        self.players = ScriptedPlayers(spec, self.game, transport)
        self.ctx = TickContext(self.game, self.players.index, spec.tick_rate)
        self.data = DataWriter(spec.data, self.ctx, {p.name: p.role for p in spec.players})
        self.telemetry = ScriptedTelemetry(spec.telemetry, self.game, self.players.index)
        self.editors = ScriptedEditors(spec.editor, self.game, self.players.index)
        self.recorder = SampleRecorder(
            self.out, spec.tick_rate, spec.outputs["sample_ticks"], spec.duration_ticks
        )
        self.files["samples"] = str(self.recorder.samples_path)
        self.files["reconciliations"] = str(self.recorder.reconciliations_path)

    def _file(self, key: str, name: str) -> str:
        path = str(self.out / name)
        self.files[key] = path
        return path

    def _game(self) -> _core.LocalGame:
        spec, o = self.spec, self.spec.outputs
        streams = any(e.needs_streams for e in self.expectations)
        server_events = self._file("events", "server.jsonl") if o["events"] or streams else None
        input_log = self._file("input_log", "inputs.jsonl") if o["input_log"] or streams else None
        qlog = ""
        if o["qlog"] and self.transport == "quic":
            qlog = self._file("qlog", "qlog")
            Path(qlog).mkdir(exist_ok=True)
        return _core.LocalGame(
            network=self.transport,
            terrain=spec.generator,
            seed=spec.world_seed,
            tick_rate=spec.tick_rate,
            view_radius=spec.view_radius,
            events=server_events,
            input_log=input_log,
            scenario=spec.name,
            hash_interval=o["hash_interval"],
            qlog_dir=qlog,
            net_seed=spec.seed,
            size=spec.size,
            data_schema=spec.data.schema_text,
            signed_commands=spec.data.signed,
            tokens=player_tokens(spec),
            slow_frame_ms=spec.telemetry.slow_frame_ms,
            mobs=spec.mobs,
        )

    def _client_events(self, name: str) -> Optional[str]:
        if not self.spec.outputs["client_events"]:
            return None
        (self.out / "clients").mkdir(exist_ok=True)
        return self._file(f"client:{name}", f"clients/{name}.jsonl")

    def play(self) -> Result:
        spec = self.spec
        started = time.perf_counter()
        try:
            for tick in range(spec.duration_ticks):
                self.ctx.tick = tick
                self.players.join(tick, self._client_events)
                self.players.act(tick)
                self.telemetry.frame(tick)
                self.editors.act(tick)
                self.data.write(tick)
                for callback in self.callbacks:
                    callback(self.ctx)
                self.game.run_until((tick + 1) / spec.tick_rate)
                self.data.observe()
                self.recorder.observe(self.game, self.players.index, tick + 1)
                for e in self.expectations:
                    e.observe(self.ctx, tick + 1)
                if self.progress:
                    _progress(spec.name, tick + 1, spec.duration_ticks, started)
        finally:
            if self.progress:
                sys.stderr.write("\n")
        wall = time.perf_counter() - started
        minutes = {p.name: (spec.duration_ticks - p.join_tick) / spec.tick_rate / 60 for p in spec.players}
        summary = summarize(
            self.game, self.players.index, self.recorder.peaks, self.recorder.corrections, minutes
        )
        for e in self.expectations:
            e.finish(self.ctx)
        self.game.close()
        samples, reconciliations = self.recorder.close()
        end = RunEnd(summary=summary, clients=self.ctx.clients, files=self.files, output=self._file)
        checked = [e.evaluate(end) for e in self.expectations] + self.ctx.checks
        result = Result(
            scenario=spec.name,
            transport=self.transport,
            passed=all(e.passed for e in checked),
            expectations=checked,
            summary=summary,
            samples=samples,
            reconciliations=reconciliations,
            out_dir=self.out,
            files=self.files,
            wall_seconds=wall,
            simulated_seconds=spec.duration_ticks / spec.tick_rate,
            _tempdir=self.tempdir,
        )
        if spec.outputs["metrics"]:
            result.write_json(self._file("metrics", "metrics.json"))
        return result


def _progress(name: str, done: int, total: int, started: float) -> None:
    if done != total and done % max(1, total // 50):
        return
    width = 30
    filled = width * done // total
    elapsed = time.perf_counter() - started
    sys.stderr.write(
        f"\r{name} [{'#' * filled}{'.' * (width - filled)}] tick {done}/{total} " f"{elapsed:5.1f} s"
    )
    sys.stderr.flush()
