"""Scripted game sessions: a scenario (a TOML file in scenarios/, or built in Python) says which
world, which players over which network, what each does and what must hold; :meth:`Scenario.run`
plays it over SimNet (virtual time, deterministic) or real QUIC on loopback and returns a
:class:`Result` with metrics as records (``result.dataframe()``), the checked expectations, and
the files it wrote (metrics.json, samples, input log, event streams, qlog).

>>> result = Scenario.load("scenarios/lan_two_player.toml").run(transport="sim")
>>> result.passed, result.summary["clients"]["a"]["reconciliation_error_ms_mean"]

The package, by concept: spec.py (the file format, :class:`ScenarioSpec`), data_spec.py (its
[data] part: the application's data schema and clients' writes), builder.py (the
:class:`Scenario` builder), runner.py (one run), players.py (scripted players), data_writes.py
(the writes made through the clients' data mirrors), recorder.py
(samples streamed to disk), expectations.py (one class per expectation kind, in one registry),
game_program.py (a [game] scenario played by your own game's program),
summary.py and result.py (what a run gives back), context.py (what callbacks see), rules.py
(the game's rules from theta_net._core). docs/scenarios.md describes the file format.
"""

from __future__ import annotations

from .builder import PlayerScript, Scenario
from .context import TickContext
from .expectations import EXPECTATIONS, Expectation
from .recorder import RECONCILIATION_COLUMNS, RecordFile
from .result import ExpectationResult, Result
from .rules import WALK_SPEED
from .spec import NetworkSpec, ScenarioSpec

__all__ = [
    "Scenario",
    "ScenarioSpec",
    "PlayerScript",
    "TickContext",
    "Result",
    "ExpectationResult",
    "NetworkSpec",
    "Expectation",
    "EXPECTATIONS",
    "RecordFile",
    "RECONCILIATION_COLUMNS",
    "WALK_SPEED",
]
