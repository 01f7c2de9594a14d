"""The game's rules are defined once in C++ and exported by theta_net._core; the game, the replay
runner and the scenario schema accept exactly what they say."""

from __future__ import annotations

import pytest

import theta_net
from theta_net import _core
from theta_net.scenario import Scenario, rules


def test_tick_rates_are_the_ones_the_game_accepts():
    assert _core.tick_rates() == [20, 30, 60, 90]
    for rate in _core.tick_rates():
        theta_net.LocalGame(tick_rate=rate).close()
    with pytest.raises(theta_net.Error, match="tick_rate must be 20, 30, 60 or 90"):
        theta_net.LocalGame(tick_rate=25)
    with pytest.raises(theta_net.ScenarioError, match="25 is not 20, 30, 60 or 90"):
        Scenario("rate", tick_rate=25)


def test_terrain_names_are_the_generators():
    assert _core.terrain_names() == ["superflat", "hills"]
    for name in _core.terrain_names():
        theta_net.LocalGame(terrain=name).close()
    with pytest.raises(theta_net.ScenarioError, match="terrain 'moon' is not superflat or hills"):
        theta_net.LocalGame(terrain="moon")
    assert rules.GENERATORS == tuple(_core.terrain_names())


def test_move_buttons_are_the_schemas_bits_and_intents_take_each():
    buttons = _core.move_buttons()
    assert list(buttons) == ["forward", "back", "left", "right", "jump", "sneak", "sprint"]
    assert sorted(buttons.values()) == [1 << i for i in range(7)]
    game = theta_net.LocalGame(view_radius=1)
    a = game.add_client("a")
    game.run_until(1.0)
    for name in buttons:
        game.client(a).intent(move=[name])
    with pytest.raises(theta_net.Error, match="unknown move 'fly'"):
        game.client(a).intent(move=["fly"])
    for face in _core.block_faces():
        game.client(a).intent(place=(0, 3, 2), face=face)
    game.close()


def test_angles_convert_both_ways_and_the_game_uses_the_conversion():
    assert _core.yaw_from_degrees(90) == 16384
    assert _core.yaw_from_degrees(-90) == 49152  # wraps
    assert _core.yaw_from_degrees(360) == 0
    assert _core.pitch_from_degrees(-90) == -16384 and _core.pitch_from_degrees(120) == 16384  # clamped
    for degrees in (0.0, 30.0, 123.75, 359.0):
        assert _core.degrees_from_yaw(_core.yaw_from_degrees(degrees)) == pytest.approx(
            degrees, abs=360 / 65536
        )
    assert _core.degrees_from_pitch(_core.pitch_from_degrees(-45)) == pytest.approx(-45)
    game = theta_net.LocalGame(view_radius=1)
    a = game.add_client("a")
    game.run_until(1.0)
    game.client(a).intent(yaw=123.75)
    game.run_until(1.5)
    assert game.client(a).player["yaw"] == _core.yaw_from_degrees(123.75)
    game.close()


def test_walk_speed_is_the_simulations():
    assert _core.walk_speed() == pytest.approx(4.317, abs=1e-4)
    assert rules.WALK_SPEED == _core.walk_speed()
    assert rules.BLOCK_NAMES == _core.block_names() and rules.BLOCK_NAMES["planks"] == 14
