"""What per-tick callbacks and expectations see of a running scenario (:class:`TickContext`), and
what expectations see once it has ended (:class:`RunEnd`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List

from .. import _core
from ..errors import ScenarioError
from .result import ExpectationResult


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

    @property
    def clients(self) -> List[str]:
        """The players that have joined, in joining order."""
        return list(self._index)

    def joined(self, name: str) -> bool:
        return name in self._index

    def client_index(self, name: str) -> int:
        """The player's client index in the LocalGame."""
        if name not in self._index:
            raise ScenarioError(f"no player {name!r} has joined yet", "invalid_argument")
        return self._index[name]

    def client(self, name: str) -> _core.GameClientView:
        return self.game.client(self.client_index(name))

    def metrics(self, name: str) -> Dict[str, Any]:
        return self.game.client_metrics(self.client_index(name))

    def check(self, condition: bool, what: str, detail: str = "") -> bool:
        """Records a custom check; a false one fails the run."""
        self.checks.append(
            ExpectationResult(
                "callback", f"tick {self.tick}", what, bool(condition), detail or f"at tick {self.tick}"
            )
        )
        return bool(condition)


@dataclass
class RunEnd:
    """A finished run as expectations evaluate it: the game is closed and its streams complete."""

    summary: Dict[str, Any]  # Result.summary
    clients: List[str]  # the players that joined, in joining order
    files: Dict[str, str]  # what the run wrote, by key (Result.files)
    output: Callable[[str, str], str]  # output(key, file name) -> a new file's path in the run's folder
