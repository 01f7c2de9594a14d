"""A game written in Python, played over a simulated network with prediction and reconciliation:
for prototyping a game's rules before writing them in C++ (docs/tutorial_python_game.md).

You write a :class:`Game`: the player's state as a replicated component (its fields and their
quantization), the input as an :class:`~theta_net.netcode.InputSchema`, ``spawn``, a
deterministic ``step(state, input, tick)`` and a ``bot`` that plays. :func:`play` runs a server
and one client per bot over SimNet with the toolkit's wire messages and rules (the ``match``
module says how); the server keeps an input log, and replaying it through ``step`` at the end
finds a step that is not deterministic, with its first divergent tick and field.

:func:`replay` plays an input log again (from this machine or another) through the game's step,
writing the server stream again; :func:`main` is the scenario runner's game program contract
(docs/scenarios.md, "Your own game"), so a Python game plays in scenario files and replays its
golden input logs.
"""

from .game import Game, MatchConfig
from .log_replay import first_difference, replay
from .match import play
from .program import main
from .server import ServerSimulation

__all__ = ["Game", "MatchConfig", "ServerSimulation", "first_difference", "main", "play", "replay"]
