"""The game's rules as scenarios use them, read from theta_net._core: each is defined once in C++
(sim/rules.hpp, sim/angle.hpp, world/block.hpp, world/terrain_generator.hpp and the protocol
schema's MoveButtons and BlockFace), so a scenario file accepts exactly what the game does."""

from __future__ import annotations

from typing import Dict, Tuple

from .. import _core

TICK_RATES: Tuple[int, ...] = tuple(_core.tick_rates())
GENERATORS: Tuple[str, ...] = tuple(_core.terrain_names())
BLOCK_NAMES: Dict[str, int] = dict(_core.block_names())
MOVES: Tuple[str, ...] = tuple(_core.move_buttons())
FACES: Tuple[str, ...] = tuple(_core.block_faces())
WALK_SPEED: float = _core.walk_speed()  # blocks per second: turns an error distance into milliseconds


def or_list(items) -> str:
    """'20, 30 or 60': a short list for an error message."""
    words = [str(item) for item in items]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
