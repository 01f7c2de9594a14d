"""Conflict strategies from Python: declared on tables and fields, refused when they cannot work,
settled by a ConflictResolver in front of a DataHost, with Python merges and the conflict log."""

import pytest

from theta_net import DataError, data

EDITOR = """
[schema]
name = "editor"
version = "1.0"

[[table]]
name = "docs"
conflict = "lww"

[[table.component]]
name = "meta"
fields = [
  { name = "title", type = "string", max = 64 },
  { name = "owner", type = "string", max = 64, conflict = "server" },
  { name = "votes", type = "int", min = 0, max = 1000, conflict = "merge:counter" },
  { name = "tags", type = "string", max = 256, conflict = "merge:set" },
  { name = "speed", type = "fixed", frac_bits = 2, min = -8, max = 8, conflict = "merge:mid" },
]
"""

A, B, C = b"\x01" * 32, b"\x02" * 32, b"\x03" * 32


def test_strategies_declared_in_python_match_the_toml_ones():
    built = data.Schema(
        "editor",
        "1.0",
        [
            data.Table(
                "docs",
                [
                    data.Component(
                        "meta",
                        [
                            data.Field.string("title", max=64),
                            data.Field.string("owner", max=64, conflict="server"),
                            data.Field.int("votes", 0, 1000, conflict="merge:counter"),
                            data.Field.string("tags", max=256, conflict="merge:set"),
                            data.Field.fixed("speed", 2, -8, 8, conflict="merge:mid"),
                        ],
                    )
                ],
                conflict="lww",
            )
        ],
    )
    parsed = data.Schema.from_toml(EDITOR)
    assert built.hash == parsed.hash
    assert built.to_toml() == parsed.to_toml()
    docs = parsed.tables[0]
    assert docs.conflict == "lww"
    assert [f.conflict for f in docs.components[0].fields] == [
        None,
        "server",
        "merge:counter",
        "merge:set",
        "merge:mid",
    ]
    assert docs.conflict_strategy("meta", "title") == "lww"
    assert docs.conflict_strategy("meta", "votes") == "merge:counter"


def test_bad_declarations_are_refused_naming_what_is_wrong():
    with pytest.raises(DataError, match="unknown conflict strategy 'newest'"):
        data.Field.int("n", 0, 9, conflict="newest")
    with pytest.raises(DataError, match="merge:counter.*'name' is string"):
        data.Field.string("name", max=8, conflict="merge:counter")
    with pytest.raises(DataError, match="docs.meta.hp.*the table's strategy"):
        data.Schema(
            "s",
            "1.0",
            [
                data.Table(
                    "docs", [data.Component("meta", [data.Field.int("hp", 0, 9)])], conflict="merge:text"
                )
            ],
        )


def test_a_resolver_settles_concurrent_writes_and_logs_them():
    schema = data.Schema.from_toml(EDITOR)
    host = data.DataHost(schema)
    resolver = data.ConflictResolver(schema)
    assert resolver.missing_merges() == ["mid"]
    resolver.add_merge("mid", lambda base, mine, theirs: (mine + theirs) / 2)
    assert resolver.missing_merges() == []

    def write(author, lamport, base, field, value):
        tx = host.transaction()
        tx.set("docs", 7, "meta", field, value)
        result = resolver.submit(host, tx, author, lamport, base)
        host.flush(0.0)
        return result

    first = write(A, 1, 0, "votes", 10)
    assert first == {"refused": False, "text": "", "version": 1, "conflicts": []}
    write(B, 2, 1, "votes", 13)
    merged = write(C, 2, 1, "votes", 9)
    assert host.get("docs", 7)["meta"]["votes"] == 12
    [event] = merged["conflicts"]
    assert event["kind"] == "conflict" and event["outcome"] == "merged"
    assert (event["base"], event["mine"], event["theirs"], event["result"]) == (10, 9, 13, 12)
    assert event["field"] == "meta.votes" and event["strategy"] == "merge:counter"

    write(A, 3, 3, "owner", "ada")
    refused = write(B, 3, 3, "owner", "bob")
    assert refused["refused"] and "docs.meta.owner of entity 7" in refused["text"]
    assert refused["version"] is None
    assert host.get("docs", 7)["meta"]["owner"] == "ada"

    write(A, 4, 4, "speed", 1.0)
    write(B, 4, 4, "speed", 2.0)
    assert host.get("docs", 7)["meta"]["speed"] == 1.5

    assert [e["strategy"] for e in resolver.conflicts()] == ["merge:counter", "server", "merge:mid"]
    assert [e["version"] for e in resolver.conflicts()] == [3, 5, 6]  # the refusal: the open batch's
    assert [e["version"] for e in resolver.conflicts(from_version=6)] == [6]
    assert resolver.conflicts(table="docs", entity=8) == []
    assert resolver.counts["by_outcome"] == {"merged": 2, "refused": 1}
    assert resolver.stats["refused"] == 1


def test_a_python_merge_that_raises_declines_and_says_why():
    schema = data.Schema.from_toml(EDITOR)
    host = data.DataHost(schema)
    resolver = data.ConflictResolver(schema)

    def broken(base, mine, theirs):
        raise ValueError("no idea")

    resolver.add_merge("mid", broken)
    for author, value in ((A, 1.0), (B, 2.0)):
        tx = host.transaction()
        tx.set("docs", 7, "meta", "speed", value)
        outcome = resolver.submit(host, tx, author, 1, 0)
        host.flush(0.0)
    assert outcome["conflicts"][0]["fallback"] == "declined"
    assert host.get("docs", 7)["meta"]["speed"] == 2.0  # lww: author B's key is larger
    [error] = resolver.take_merge_errors()
    assert "merge 'mid'" in error and "no idea" in error


def test_reference_merges_are_callable_through_the_resolver():
    resolver = data.ConflictResolver(data.Schema.from_toml(EDITOR))
    assert resolver.merge("docs", "meta", "tags", "a\nb", "b\nc", "a\nb\nd") == "b\nc\nd"
    assert resolver.merge("docs", "meta", "votes", 10, 13, 8) == 11
    assert resolver.merge("docs", "meta", "title", "a", "b", "c") is None


def test_a_client_shows_its_pending_counter_write_merged():
    schema = data.Schema.from_toml(EDITOR)
    local = data.LocalData(schema, clients=2)
    with local.transaction() as tx:
        tx.set("docs", 7, "meta", "votes", 10)
    local.step()
    mirror, other = local.clients
    mirror.use_conflict_merges(data.ConflictResolver(schema))
    mine = mirror.transaction()
    mine.set("docs", 7, "meta", "votes", 11)
    mirror.write(mine)
    held = mirror.take_outgoing()  # not delivered: the write stays pending
    with local.transaction() as tx:
        tx.set("docs", 7, "meta", "votes", 13)
    local.step()
    assert mirror.get("docs", 7)["meta"]["votes"] == 14
    assert [kind for kind, _ in held].count("DataWrite") == 1 and mirror.pending_writes == 1
