"""A scenario's [data] part (the application's schema and clients' writes at ticks) and the data
expectations `converged` and `synced`: a good file loads and runs, every bad input names the file
and the key, each expectation passes and fails when it should, and the builder does the same."""

from __future__ import annotations

import shutil

import pytest

import theta_net
from theta_net.scenario import Scenario

from conftest import REPO

BOARD = REPO / "scenarios" / "schemas" / "board.toml"

HEAD = (
    "[scenario]\nname='d'\nduration_ticks=120\n"
    "[[players]]\nname='a'\n[[players]]\nname='b'\njoin_tick=10\n"
)


def _scenario(tmp_path, data: str, expect: str = "") -> Scenario:
    shutil.copy(BOARD, tmp_path / "board.toml")
    path = tmp_path / "s.toml"
    path.write_text(HEAD + data + expect)
    return Scenario.load(path)


def test_a_good_data_table_loads_with_its_schema_and_writes(tmp_path):
    sc = _scenario(
        tmp_path,
        "[data]\nschema='board.toml'\nwrites=[\n"
        " {at=40, client='a', table='markers', entity=7, set={marker.label='home', marker.x=1.5}},\n"
        " {at=50, client='b', table='notes', entity=1, set={note={text='hi', votes=3}}},\n"
        " {at=60, client='a', table='markers', entity=7, remove=true},\n]\n",
    )
    data = sc.spec.data
    assert data.schema_path == tmp_path / "board.toml"
    assert "notice_board" in data.schema_text
    assert [(w.at, w.client, w.table, w.entity) for w in data.writes] == [
        (40, "a", "markers", 7),
        (50, "b", "notes", 1),
        (60, "a", "markers", 7),
    ]
    assert data.writes[0].set == {"marker": {"label": "home", "x": 1.5}}  # dotted keys nest
    assert data.writes[2].remove and data.writes[2].set is None


def _write(fields: str) -> str:
    """A [data] table with one write of these fields."""
    return "[data]\nschema='board.toml'\nwrites=[{" + fields + "}]\n"


GOOD = "at=40, client='a', table='notes', entity=1"
VOTE = GOOD + ", set={note.votes=1}"
W0 = "data.writes[0]"
BAD = [
    ("[data]\nschema='nope.toml'\n", "data.schema: cannot read"),
    ("[data]\nschema='s.toml'\n", "data.schema:"),  # a scenario file is no data schema
    ("[data]\nschem='board.toml'\n", "data: unknown key(s) schem"),
    (_write(VOTE.replace("'a'", "'z'")), f"{W0}.client: no player named 'z'"),
    (_write(VOTE.replace("'a'", "'b'").replace("40", "5")), f"{W0}.at: tick 5 is outside b's 10..119"),
    (_write(VOTE.replace("40", "120")), f"{W0}.at: tick 120 is outside"),
    (_write(VOTE.replace("'notes'", "'posts'")), f"{W0}.table: no table 'posts'"),
    (_write(GOOD + ", set={memo.votes=1}"), f"{W0}.set: table 'notes' has no component 'memo'"),
    (_write(GOOD + ", set={note.likes=1}"), f"{W0}.set: notes.note has no field 'likes'"),
    (_write(GOOD + ", set={note.votes='many'}"), f"{W0}.set: notes.note.votes: expected an integer"),
    (_write(GOOD + ", set={note.votes=5000}"), f"{W0}.set: notes.note.votes: field 'votes': 5000 is outside"),
    (_write(GOOD + ", set={note.text='" + "x" * 121 + "'}"), f"{W0}.set: notes.note.text:"),
    (_write(GOOD.replace("'notes'", "'markers'") + ", set={marker.colour='purple'}"), "'purple' is not"),
    (
        _write(GOOD.replace("'notes'", "'players'") + ", set={status.health=99}"),
        f"{W0}.table: the players table is kept by the server",
    ),
    (_write(VOTE + ", remove=true"), f"{W0}.set: give set"),
    (_write(GOOD), f"{W0}.set: give set"),
    (_write(VOTE + ", colour='red'"), f"{W0}: unknown key(s) colour"),
    (_write("client='a', table='notes', entity=1, set={note.votes=1}"), f"{W0}.at: is required"),
    (_write(VOTE.replace("entity=1", "entity=-1")), f"{W0}.entity: -1 is not"),
]


@pytest.mark.parametrize("data,message", BAD, ids=[m for _, m in BAD])
def test_bad_data_tables_name_the_file_and_the_key(tmp_path, data, message):
    with pytest.raises(theta_net.ScenarioError) as info:
        _scenario(tmp_path, data)
    assert str(tmp_path / "s.toml") in str(info.value)
    assert message in str(info.value)


def test_a_schema_whose_table_clashes_with_the_games_is_refused(tmp_path):
    (tmp_path / "mine.toml").write_text(
        BOARD.read_text().replace('name = "notes"', 'name = "markers"').replace("notice_board", "mine")
    )
    path = tmp_path / "s.toml"
    path.write_text(HEAD + "[data]\nschema='mine.toml'\n")
    with pytest.raises(theta_net.ScenarioError, match=r"data\.schema: .*'markers'"):
        Scenario.load(path)


def _board(duration_ticks: int = 200) -> Scenario:
    sc = Scenario("board", duration_ticks=duration_ticks)
    sc.add_player("a")
    sc.add_player("b", latency="30ms")
    return sc.data(schema=BOARD)


def test_writes_reach_every_mirror_and_converged_and_synced_hold():
    sc = _board()
    sc.write(at=60, client="b", table="notes", entity=1, set={"note": {"text": "hello", "votes": 3}})
    sc.write(at=80, client="a", table="markers", entity=7, set={"marker": {"label": "here", "x": 1.5}})
    sc.expect_synced("b", by_tick=40).expect_converged()
    rows = {}

    @sc.on_tick
    def read(ctx):
        if ctx.tick == 199:
            rows["notes"] = ctx.client("a").data_rows("notes")
            rows["markers"] = ctx.client("b").data_rows("markers")
            rows["players"] = ctx.game.server_data_rows("players")

    result = sc.run(transport="sim")
    assert result.passed, result.table()
    assert rows["notes"] == [{"id": 1, "note": {"text": "hello", "author": "", "pinned": False, "votes": 3}}]
    assert rows["markers"][0]["marker"]["label"] == "here" and rows["markers"][0]["marker"]["x"] == 1.5
    assert {r["status"]["name"] for r in rows["players"]} == {"a", "b"}
    kinds = {e.kind: e for e in result.expectations}
    assert kinds["converged"].passed and "version" in kinds["converged"].detail
    assert kinds["synced"].passed and kinds["synced"].detail.startswith("first at tick")


def test_converged_fails_for_a_mirror_cut_off_at_the_end():
    sc = Scenario("cut", duration_ticks=200)
    sc.add_player("a")
    sc.add_player("b").disconnect(100, 100)  # cut off from tick 100 to the end
    sc.write(at=150, client="a", table="markers", entity=1, set={"marker": {"label": "late"}})
    sc.expect_converged()
    result = sc.run(transport="sim")
    converged = next(e for e in result.expectations if e.kind == "converged")
    assert not converged.passed and not result.passed
    assert "b: version" in converged.detail and "a: version" not in converged.detail


def test_synced_fails_when_the_sync_cannot_finish_by_then():
    sc = Scenario("slow", duration_ticks=60)
    sc.add_player("a", latency="200ms")
    sc.expect_synced("a", by_tick=3)
    result = sc.run(transport="sim")
    synced = next(e for e in result.expectations if e.kind == "synced")
    assert not synced.passed
    assert synced.detail.startswith("first at tick") and int(synced.detail.split()[-1]) > 3


def test_a_write_the_mirror_cannot_take_yet_fails_the_run_naming_it():
    sc = Scenario("early", duration_ticks=40)
    sc.add_player("a", latency="100ms")
    sc.write(at=0, client="a", table="markers", entity=1, set={"marker": {"label": "too soon"}})
    result = sc.run(transport="sim")
    assert not result.passed
    check = next(e for e in result.expectations if e.kind == "callback")
    assert "a writes markers[1] at tick 0" in check.what and "not written" in check.detail


def test_the_builder_checks_writes_like_a_file():
    sc = _board()
    with pytest.raises(theta_net.ScenarioError, match="no player named 'c'"):
        sc.write(at=10, client="c", table="notes", entity=1, set={"note": {"votes": 1}})
    with pytest.raises(theta_net.ScenarioError, match="has no field 'likes'"):
        sc.write(at=10, client="a", table="notes", entity=1, set={"note": {"likes": 1}})
    plain = Scenario("plain", duration_ticks=50)
    plain.add_player("a")
    with pytest.raises(theta_net.ScenarioError, match="no table 'notes'"):
        plain.write(at=10, client="a", table="notes", entity=1, set={"note": {"votes": 1}})
