"""Collaboration in scenarios: players' roles, [data] signed, and the expectations `conflicts`
(by strategy and outcome) and `refused` (a client's messages refused for its role). Bad keys name
the file and the key; a small signed game over SimNet meets conflicts of several strategies and a
viewer's refusals, each expectation passes and fails when it should, the builder does the same,
and scenarios/editors.toml holds every expectation."""

from __future__ import annotations

import shutil

import pytest

import theta_net
from theta_net.scenario import Scenario

from conftest import REPO

SCHEMA = REPO / "scenarios" / "schemas" / "editors.toml"

HEAD = (
    "[scenario]\nname='c'\nduration_ticks=140\nseed=3\n"
    "[network]\nlatency='40ms'\nloss='5%'\n"
    "[[players]]\nname='a'\nrole='editor'\n[[players]]\nname='b'\n[[players]]\nname='v'\nrole='viewer'\n"
    "[data]\nschema='editors.toml'\nsigned=true\nwrites=[\n"
    " {at=30, client='a', table='docs', entity=1, set={meta={title='t', votes=1, owner='a'}}},\n"
    " {at=70, client='a', table='docs', entity=1, set={meta.title='A', meta.votes=2}},\n"
    " {at=70, client='b', table='docs', entity=1, set={meta.title='B', meta.votes=3}},\n"
    " {at=71, client='b', table='docs', entity=1, set={meta.owner='b'}},\n"
    " {at=71, client='a', table='docs', entity=1, set={meta.owner='aa'}},\n"
    " {at=80, client='v', table='docs', entity=1, set={meta.title='V'}},\n"
    "]\n"
)


def _scenario(tmp_path, expect: str, head: str = HEAD) -> Scenario:
    shutil.copy(SCHEMA, tmp_path / "editors.toml")
    path = tmp_path / "s.toml"
    path.write_text(head + expect)
    return Scenario.load(path)


BAD = [
    ("[[expect]]\nkind='conflicts'\nstrategy='last'\n", "expect[0].strategy: 'last' is not a strategy"),
    ("[[expect]]\nkind='conflicts'\noutcome='won'\n", "expect[0].outcome: 'won' is not one of"),
    ("[[expect]]\nkind='conflicts'\ncount=1\nat_least=1\n", "expect[0].count: give count, or at_least"),
    ("[[expect]]\nkind='conflicts'\nat_least=3\nat_most=2\n", "expect[0].at_least: 3 is above at_most"),
    ("[[expect]]\nkind='conflicts'\nat_most=-1\n", "expect[0].at_most: -1 is negative"),
    ("[[expect]]\nkind='refused'\n", "expect[0].client: is required"),
    ("[[expect]]\nkind='refused'\nclient='z'\n", "expect[0].client: no player named 'z'"),
]


@pytest.mark.parametrize("expect,message", BAD)
def test_a_bad_collaboration_expectation_names_its_key(tmp_path, expect, message):
    with pytest.raises(theta_net.ScenarioError) as err:
        _scenario(tmp_path, expect)
    assert message in str(err.value)
    assert "s.toml" in str(err.value)


def test_a_role_must_be_a_role(tmp_path):
    with pytest.raises(theta_net.ScenarioError) as err:
        _scenario(tmp_path, "", HEAD.replace("role='viewer'", "role='guest'"))
    assert "players[2].role: 'guest' is not one of viewer, player, editor, admin" in str(err.value)


def test_a_signed_game_meets_conflicts_and_refuses_the_viewer(tmp_path):
    sc = _scenario(
        tmp_path,
        "[[expect]]\nkind='conflicts'\nstrategy='lww'\noutcome='applied'\ncount=1\n"
        "[[expect]]\nkind='conflicts'\nstrategy='merge:counter'\n"
        "[[expect]]\nkind='conflicts'\nstrategy='server'\noutcome='refused'\ncount=1\n"
        "[[expect]]\nkind='refused'\nclient='v'\nmessage='DataWrite'\ncount=1\n"
        "[[expect]]\nkind='refused'\nclient='a'\nat_most=0\n"
        "[[expect]]\nkind='converged'\n"
        "[[expect]]\nkind='streams_match'\n",
    )
    assert [p.role for p in sc.spec.players] == ["editor", None, "viewer"]
    assert sc.spec.data.signed
    result = sc.run(out=tmp_path / "run")
    assert result.passed, result.table()
    details = {e.what: e.detail for e in result.expectations}
    assert details["exactly 1 lww applied conflicts"].startswith("1; all: ")
    assert details["v has exactly 1 DataWrite refused for its role"] == "1; all: DataWrite (viewer) 1"


def test_the_counts_fail_when_they_do_not_hold(tmp_path):
    sc = _scenario(
        tmp_path,
        "[[expect]]\nkind='conflicts'\nstrategy='merge:text'\n"  # nobody wrote the body
        "[[expect]]\nkind='refused'\nclient='v'\ncount=2\n",
    )
    result = sc.run(out=tmp_path / "run")
    assert not result.passed
    assert [e.passed for e in result.expectations] == [False, False]
    assert result.expectations[0].detail.startswith("0; all: ")
    assert result.expectations[1].detail == "1; all: DataWrite (viewer) 1"


def test_the_builder_takes_roles_signing_and_the_new_kinds(tmp_path):
    shutil.copy(SCHEMA, tmp_path / "editors.toml")
    sc = Scenario("built", duration_ticks=100, seed=5)
    sc.add_player("a", role="editor")
    sc.add_player("v", role="viewer")
    sc.data(tmp_path / "editors.toml", signed=True)
    sc.write(30, "a", "rooms", 1, set={"room": {"name": "hall"}})
    sc.write(40, "v", "rooms", 1, set={"room": {"capacity": 9}})
    sc.expect("refused", client="v", count=1).expect("conflicts", at_most=0).expect_converged()
    result = sc.run()
    assert result.passed, result.table()


def test_the_editors_scenario_holds_every_expectation():
    result = Scenario.load(REPO / "scenarios" / "editors.toml").run(transport="sim")
    assert result.passed, result.table()
    kinds = {e.kind for e in result.expectations}
    assert {"conflicts", "refused", "converged", "streams_match"} <= kinds


def test_the_editors_scenario_over_quic_through_the_relay(tmp_path):
    """The same game over real QUIC on loopback (the lossy links through the UDP relay): signed
    commands, conflicts and refusals hold; the counts depend on timing, so only their kinds are
    required (each expectation's at_least)."""
    result = Scenario.load(REPO / "scenarios" / "editors.toml").run(transport="quic", out=tmp_path)
    assert result.passed, result.table()
    assert (tmp_path / "server.jsonl").read_text().count('"kind":"conflict"') >= 5
