"""Editor events from Python: tool scopes, sending, the server's relay by scope (author set by the
server, gizmo transforms coalesced per tick, a viewer watching but refused when it sends), typed
errors, and the [editor] table of a scenario with the editor_events expectation."""

from __future__ import annotations

import pytest

import theta_net
from theta_net.scenario import Scenario
from theta_net.scenario.spec import parse

from conftest import REPO

TOKENS = {"ed": "editor", "look": "viewer", "play": "player"}


def editors_game() -> theta_net.LocalGame:
    game = theta_net.LocalGame(network="sim", terrain="superflat", seed=5, view_radius=1, tokens=TOKENS)
    for name, token in (("ann", "ed"), ("ben", "ed"), ("vic", "look"), ("pat", "play")):
        game.add_client(name, latency_ms=20, token=token)
    game.client(0).set_tool_scopes(["layout"])  # before the session: sent once established
    game.run_until(2.0)
    game.client(1).set_tool_scopes(["layout", "layout"])
    game.client(2).set_tool_scopes(["*"])
    game.run_until(2.5)
    return game


def test_events_reach_the_others_in_scope_and_a_drag_is_coalesced():
    game = editors_game()
    ann, ben, vic, pat = (game.client(i) for i in range(4))
    assert ben.tool_scopes == ["layout"]
    ann.send_editor_event("selection", "layout", [7, 8])
    for i in range(4):
        ann.send_editor_event("gizmo_transform", "layout", [7], f"x={i}".encode())
    ben.send_editor_event("panel_update", "properties", [7])
    game.run_until(3.5)
    got = ben.editor_events()
    assert [(e["kind"], e["payload"]) for e in got] == [("selection", b""), ("gizmo_transform", b"x=3")]
    assert got[0]["author"] == ann.session_id and got[0]["entities"] == [7, 8]
    assert [e["kind"] for e in vic.editor_events()] == ["selection", "gizmo_transform", "panel_update"]
    assert [e["kind"] for e in ann.editor_events()] == []  # properties is not in its scopes
    assert pat.editor_events() == [] and pat.editor_events_received == {}
    assert vic.editor_events_received == {"gizmo_transform": 1, "panel_update": 1, "selection": 1}
    totals = game.server_editor_totals
    assert totals["editor_events_received"] == 6 and totals["editor_events_coalesced"] == 3
    assert totals["editor_events_delivered"] == 5
    assert game.server_status()["server"]["counters"]["editor_events_delivered"] == 5


def test_a_viewer_watches_but_its_own_events_are_refused_for_its_role():
    game = editors_game()
    game.client(2).send_editor_event("selection", "layout", [1])
    game.run_until(3.5)
    assert [d["message"] for d in game.client(2).permission_denials()] == ["EditorEvent"]
    assert game.client(0).editor_events() == []
    assert game.server_editor_totals["editor_events_received"] == 0


def test_bad_events_are_typed_errors_or_counted_refusals():
    game = editors_game()
    with pytest.raises(theta_net.ProtocolError, match="not an EditorEventKind"):
        game.client(0).send_editor_event("teleport", "layout")
    game.client(0).send_editor_event("selection", "", [1])  # no tool: the server refuses it
    game.run_until(3.5)
    assert game.server_editor_totals["editor_events_refused"] == 1
    assert game.client(1).editor_events() == []
    with pytest.raises(theta_net.Error) as err:
        game.client(0).set_tool_scopes([f"tool{i}" for i in range(65)])
    assert err.value.code == "limit_exceeded"


def test_the_editors_scenario_shows_the_relayed_events(tmp_path):
    result = Scenario.load(REPO / "scenarios" / "editors.toml").run(transport="sim", out=tmp_path)
    assert result.passed, result.table()
    shown = {e.what: e.detail for e in result.expectations if e.kind == "editor_events"}
    assert any(w.startswith("vic received exactly 1 selection") for w in shown), shown


@pytest.mark.parametrize(
    "old, new, message",
    [
        ('kind = "tool_activated"', 'kind = "teleport"', "not one of tool_activated"),
        ('client = "ann", kind = "selection"', 'client = "zed", kind = "selection"', "no player named 'zed'"),
        ('tool = "properties"', 'tool = ""', "is empty"),
        ("per_tick = 3", "per_tick = 0", "outside 1..100"),
        ('vic = ["layout"]', "vic = [1]", "not a list of tool names"),
    ],
)
def test_a_bad_editor_table_names_the_key(old, new, message):
    base = (REPO / "scenarios" / "editors.toml").read_text()
    assert old in base
    with pytest.raises(theta_net.ScenarioError, match=message):
        parse(base.replace(old, new, 1), "editors.toml", REPO / "scenarios" / "editors.toml")
