"""Prediction statistics over corrections only: nearest-rank quantiles, per-minute and per-tick
rates, the expectations that check them, and a scenario whose corrections the old mean over every
tick hid."""

from __future__ import annotations

import pytest

from theta_net.errors import ScenarioError
from theta_net.scenario import Scenario
from theta_net.scenario.corrections import FIGURES, CorrectionStats, nearest_rank
from theta_net.scenario.rules import WALK_SPEED


def test_nearest_rank_quantiles_are_sizes_that_occurred():
    values = sorted([0.1 * k for k in range(1, 21)])  # 0.1 .. 2.0
    assert nearest_rank(values, 0.50) == pytest.approx(1.0)  # the 10th of 20
    assert nearest_rank(values, 0.95) == pytest.approx(1.9)  # the 19th
    assert nearest_rank(values, 0.99) == pytest.approx(2.0)
    assert nearest_rank([], 0.95) == 0.0
    assert nearest_rank([3.0], 0.01) == 3.0


def test_figures_are_over_corrections_only():
    stats = CorrectionStats()
    for error in (0.2, 0.2, 0.2, 4.0):
        stats.add("a", error)
    f = stats.figures("a", states_compared=400, minutes=0.5)
    assert set(f) == set(FIGURES)
    assert f["corrections_per_minute"] == 8.0
    assert f["corrected_tick_share"] == 0.01
    assert f["correction_blocks_mean"] == pytest.approx(1.15)
    assert f["correction_blocks_p50"] == pytest.approx(0.2)
    assert f["correction_blocks_p95"] == pytest.approx(4.0) and f["correction_blocks_max"] == pytest.approx(
        4.0
    )
    assert f["correction_ms_p50"] == pytest.approx(0.2 / WALK_SPEED * 1000)
    none = stats.figures("b", states_compared=0, minutes=0.0)
    assert all(v == 0 for v in none.values())


def wall(duration_ticks: int = 600) -> Scenario:
    """A runner walking into blocks the builder places in its lane: it is corrected often."""
    sc = Scenario("wall", duration_ticks=duration_ticks, view_radius=2, latency="60ms")
    sc.add_player("runner").walk(10, duration_ticks - 10, [(5.5, 2.5), (-4.5, 2.5)] * 8)
    builder = sc.add_player("builder")
    for k, tick in enumerate(range(20, duration_ticks - 15, 22)):
        x = [2, -2, 0, 3, -3, 1, -1][k % 7]
        builder.place(tick, (x, 3, 2), block="stone").break_block(tick + 15, (x, 4, 2))
    return sc


def test_a_client_that_corrects_often_shows_it_and_the_old_mean_did_not():
    sc = wall()
    sc.expect("reconciliation_error_ms", client="runner", max_p95=1000)
    sc.expect("corrections", client="runner", max_per_minute=1)  # fails: it corrects far more
    result = sc.run()
    runner = result.summary["clients"]["runner"]
    assert runner["reconciliations"] >= 5
    # Over corrections only, a correction is about a tick of walking; over every tick it is tiny.
    assert runner["correction_ms_mean"] > 5 * runner["reconciliation_error_ms_mean"]
    assert runner["correction_ms_p50"] <= runner["correction_ms_p95"] <= runner["correction_ms_max"]
    assert runner["corrections_per_minute"] == pytest.approx(runner["reconciliations"] / (600 / 20 / 60))
    assert runner["corrected_tick_share"] == pytest.approx(
        runner["reconciliations"] / runner["server_states"]
    )
    sizes, rate = result.expectations
    assert sizes.passed and "p95 correction" in sizes.what
    assert not rate.passed and "corrections per minute" in rate.detail
    # The records agree with the summary: the largest correction is the largest record.
    largest = max(r["error_ms"] for r in result.reconciliations if r["client"] == "runner")
    assert runner["correction_ms_max"] == pytest.approx(largest)


def test_expectations_need_a_limit():
    sc = Scenario("x", duration_ticks=20)
    sc.add_player("a")
    with pytest.raises(ScenarioError, match="give at least one of max_mean, max_p50"):
        sc.expect("reconciliation_error_ms")
    with pytest.raises(ScenarioError, match="give at least one of max, max_per_minute, max_share"):
        sc.expect("corrections", client="a")


def test_a_player_template_makes_named_copies():
    spec = Scenario.from_dict(
        {
            "scenario": {"name": "crowd", "duration_ticks": 40},
            "players": [
                {"name": "bot", "count": 3, "actions": [{"from": 1, "to": 30, "move": ["forward"]}]},
                {"name": "solo"},
            ],
            "expect": [{"kind": "sees_player", "client": "bot3", "player": "solo"}],
        }
    ).spec
    assert [p.name for p in spec.players] == ["bot1", "bot2", "bot3", "solo"]
    one = Scenario.from_dict({"scenario": {"name": "x"}, "players": [{"name": "bot", "count": 1}]}).spec
    assert [p.name for p in one.players] == ["bot1"]  # numbered whenever count is given
    assert spec.players[0].actions is not spec.players[1].actions
    with pytest.raises(ScenarioError, match=r"players\[0\].count: 0 is outside 1..1024"):
        Scenario.from_dict({"scenario": {"name": "x"}, "players": [{"name": "bot", "count": 0}]})
    with pytest.raises(ScenarioError, match="'bot1' is used twice"):
        Scenario.from_dict(
            {"scenario": {"name": "x"}, "players": [{"name": "bot", "count": 2}, {"name": "bot1"}]}
        )
