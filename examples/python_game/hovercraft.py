#!/usr/bin/env python3
"""Hovercraft: a game written entirely in Python (docs/tutorial_python_game.md).

Each player flies a hovercraft on a 40 x 40 rink: thrust along a heading, turn left or right,
drift with a little friction, bounce off the boards. Its state is a replicated component
(position, velocity, heading), its input an input schema (thrust, turn, boost), its step a plain
Python function. theta_net.prototype plays it over a simulated network with prediction and
reconciliation, and `main` makes it a game program that scenario files can run:

    .venv/bin/python examples/python_game/hovercraft.py --players 3 --seconds 20 --latency-ms 40
"""

from __future__ import annotations

import math
import random
import sys
from typing import Any, Dict

from theta_net.netcode import InputSchema
from theta_net.prototype import Game, main
from theta_net.replication import Component, Field

HALF = 20.0  # the rink is 40 x 40 blocks
THRUST = 12.0  # blocks per second squared
BOOST = 2.0  # times the thrust, while boost is held
FRICTION = 0.8  # of the velocity kept per second
TURN = 180.0  # degrees per second


class Hovercraft(Game):
    name = "hovercraft"
    state = Component(
        "hovercraft.Craft",
        [
            Field.fixed("x", 10, -HALF, HALF),  # 1/1024 block
            Field.fixed("y", 10, -HALF, HALF),
            Field.fixed("vx", 10, -30, 30),
            Field.fixed("vy", 10, -30, 30),
            Field.angle("heading", 12),
        ],
    )
    inputs = InputSchema(
        "hovercraft.Input",
        [Field.fixed("thrust", 8, 0, 1), Field.integer("turn", -1, 1), Field.boolean("boost")],
    )

    error_fields = ("x", "y")  # the report's mean_error: the position, in blocks

    def __init__(self, tick_rate: int = 30) -> None:
        self.tick_rate = tick_rate

    def spawn(self, player: int) -> Dict[str, Any]:
        angle = player * 2.4  # spread round the centre
        return {"x": 8 * math.cos(angle), "y": 8 * math.sin(angle), "vx": 0.0, "vy": 0.0, "heading": 0.0}

    def step(self, state: Dict[str, Any], input: Dict[str, Any], tick: int) -> Dict[str, Any]:
        dt = 1.0 / self.tick_rate
        heading = (state["heading"] + input["turn"] * TURN * dt) % 360.0
        push = input["thrust"] * THRUST * (BOOST if input["boost"] else 1.0)
        rad = math.radians(heading)
        keep = FRICTION**dt
        vx = (state["vx"] + push * math.cos(rad) * dt) * keep
        vy = (state["vy"] + push * math.sin(rad) * dt) * keep
        x, y = state["x"] + vx * dt, state["y"] + vy * dt
        if abs(x) > HALF:  # off the boards, back with half the speed
            x, vx = math.copysign(HALF, x), -vx / 2
        if abs(y) > HALF:
            y, vy = math.copysign(HALF, y), -vy / 2
        return {"x": x, "y": y, "vx": vx, "vy": vy, "heading": heading}

    def bot(self, player: int, state: Dict[str, Any], tick: int, rng: random.Random) -> Dict[str, Any]:
        # Steer towards the centre when near the boards, else wander; boost now and then.
        to_centre = math.degrees(math.atan2(-state["y"], -state["x"])) % 360.0
        near_boards = max(abs(state["x"]), abs(state["y"])) > HALF - 6
        wanted = to_centre if near_boards else (state["heading"] + rng.uniform(-40, 40)) % 360.0
        off = (wanted - state["heading"] + 180.0) % 360.0 - 180.0
        return {
            "thrust": 1.0 if rng.random() < 0.8 else 0.0,
            "turn": (off > 5) - (off < -5),
            "boost": rng.random() < 0.1,
        }


if __name__ == "__main__":
    # The game program contract: the scenario runner passes the tick rate (docs/scenarios.md).
    rate = int(sys.argv[sys.argv.index("--tick-rate") + 1]) if "--tick-rate" in sys.argv else 30
    sys.exit(main(Hovercraft(rate)))
