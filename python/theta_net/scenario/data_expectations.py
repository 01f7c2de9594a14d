"""The data layer's and collaboration's expectations (docs/scenarios.md, "Expectations"): a
mirror's sync (`synced`), mirrors equal to the server's store (`converged`), the conflicts the
server settled by strategy (`conflicts`) and the messages it refused a client for its role
(`refused`). Registered in expectations.py's one registry like every kind; `conflicts` and
`refused` read the server's event stream (its `conflict` and `permission_denied` events), so what
they count is what the stream, and a replay of the input log, holds.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional, Set

from .expectations import BY_TICK, CLIENT, THE_CLIENT, Expectation, Key, _ByTick, expectation
from .reader import TableReader
from .result import ExpectationResult

if TYPE_CHECKING:
    from .context import RunEnd, TickContext

OUTCOMES = ("refused", "applied", "dropped", "merged")  # collab::ConflictOutcome's names
COUNT_KEYS = ("count", "at_least", "at_most")


def _not_negative(r: TableReader, key: str, value: Any, players: Set[str], duration: int) -> Any:
    if value < 0:
        raise r.fail(key, f"{value} is negative")
    return value


def _strategy(r: TableReader, key: str, value: Any, players: Set[str], duration: int) -> Any:
    if value not in ("server", "lww") and not (value.startswith("merge:") and len(value) > 6):
        raise r.fail(key, f"{value!r} is not a strategy (server, lww, merge:NAME)")
    return value


def _outcome(r: TableReader, key: str, value: Any, players: Set[str], duration: int) -> Any:
    if value not in OUTCOMES:
        raise r.fail(key, f"{value!r} is not one of {', '.join(OUTCOMES)}")
    return value


COUNT = Key(int, check=_not_negative)


def server_events(end: "RunEnd") -> Iterator[Dict[str, Any]]:
    """The server stream's events (the header line left out)."""
    with open(end.files["events"]) as f:
        next(f, None)
        for line in f:
            yield json.loads(line)


class _Counted(Expectation):
    """Counts events of the server's stream against `count` (exactly), or `at_least` and/or
    `at_most`; none given: at least one."""

    needs_streams = True

    @classmethod
    def check_keys(cls, r: TableReader, params: Dict[str, Any]) -> None:
        if "count" in params and ("at_least" in params or "at_most" in params):
            raise r.fail("count", "give count, or at_least and/or at_most")
        if params.get("at_least", 0) > params.get("at_most", float("inf")):
            raise r.fail("at_least", f"{params['at_least']} is above at_most ({params['at_most']})")

    def bounds(self) -> str:
        p = self.params
        if "count" in p:
            return f"exactly {p['count']}"
        if "at_least" in p and "at_most" in p:
            return f"{p['at_least']} to {p['at_most']}"
        return f"at most {p['at_most']}" if "at_most" in p else f"at least {p.get('at_least', 1)}"

    def holds(self, n: int) -> bool:
        p = self.params
        if "count" in p:
            return n == p["count"]
        return p.get("at_least", 0 if "at_most" in p else 1) <= n <= p.get("at_most", n)


# -- the mirrors ---------------------------------------------------------------------------------


@expectation
class Synced(_ByTick):
    kind = "synced"
    keys = {"client": THE_CLIENT, "by_tick": BY_TICK}
    holds_when = "the client's data mirror finished its sync (it sent ClientReady) by then"

    def what(self) -> str:
        return f"{self.params['client']} has synced its data by tick {self.by}"

    def holds(self, ctx: "TickContext") -> bool:
        return ctx.client(self.params["client"]).data_state == "ready"


@expectation
class Converged(Expectation):
    kind = "converged"
    keys = {"client": CLIENT}
    holds_when = (
        "at the end, the client's data mirror equals the server's store byte for byte (version and "
        "every entity)"
    )

    def what(self) -> str:
        return f"{self.params.get('client', 'every client')} holds the server's data"

    def finish(self, ctx: "TickContext") -> None:
        server = ctx.game.server_data_canonical()
        self.server = (ctx.game.server_data_version, ctx.game.server_data_digest)
        self.mirrors = {}
        for name in self.clients(ctx.clients):
            c = ctx.client(name)
            self.mirrors[name] = (c.data_canonical() == server, c.data_version, c.data_digest, c.data_state)

    def evaluate(self, end: "RunEnd") -> ExpectationResult:
        version, digest = self.server
        bad = {n: m for n, m in self.mirrors.items() if not m[0]}
        if not bad:
            detail = f"version {version}, digest {digest:#018x}"
        else:
            detail = f"server at version {version}; " + "; ".join(
                f"{n}: version {v}, digest {d:#018x}, {state}" for n, (_, v, d, state) in bad.items()
            )
        return self.result(not bad, detail, what=f"{', '.join(self.mirrors)} hold the server's data")


# -- collaboration -------------------------------------------------------------------------------


@expectation
class Conflicts(_Counted):
    kind = "conflicts"
    keys = {
        "strategy": Key(str, check=_strategy),
        "outcome": Key(str, check=_outcome),
        "count": COUNT,
        "at_least": COUNT,
        "at_most": COUNT,
    }
    holds_when = (
        "the server settled `count` (or at_least / at_most; none given: at least 1) conflicts of "
        "the `strategy` (server, lww, merge:NAME; left out: any), with the `outcome` (refused, "
        "applied, dropped, merged; left out: any), by its stream's `conflict` events"
    )

    def what(self) -> str:
        p = self.params
        kind = " ".join(x for x in (p.get("strategy"), p.get("outcome")) if x)
        return f"{self.bounds()} {kind + ' ' if kind else ''}conflicts"

    def evaluate(self, end: "RunEnd") -> ExpectationResult:
        events = [e for e in server_events(end) if e["kind"] == "conflict"]
        chosen = [
            e
            for e in events
            if e["strategy"] == self.params.get("strategy", e["strategy"])
            and e["outcome"] == self.params.get("outcome", e["outcome"])
        ]
        by = Counter(f"{e['strategy']} {e['outcome']}" for e in events)
        detail = f"{len(chosen)}; all: " + (", ".join(f"{k} {v}" for k, v in sorted(by.items())) or "none")
        return self.result(self.holds(len(chosen)), detail)


@expectation
class Refused(_Counted):
    kind = "refused"
    keys = {
        "client": THE_CLIENT,
        "message": Key(str),
        "count": COUNT,
        "at_least": COUNT,
        "at_most": COUNT,
    }
    holds_when = (
        "the server refused the client `count` (or at_least / at_most; none given: at least 1) "
        "messages for its role (`message`, e.g. DataWrite; left out: any), by its stream's "
        "`permission_denied` events; nothing refused was applied"
    )

    def what(self) -> str:
        message = self.params.get("message", "messages")
        return f"{self.params['client']} has {self.bounds()} {message} refused for its role"

    def evaluate(self, end: "RunEnd") -> ExpectationResult:
        entity: Optional[int] = None
        refused: List[Dict[str, Any]] = []
        for e in server_events(end):
            if e["kind"] == "join" and e.get("name") == self.params["client"] and entity is None:
                entity = e["entity"]
            elif e["kind"] == "permission_denied" and entity is not None and e.get("entity") == entity:
                refused.append(e)
        chosen = [e for e in refused if e["message"] == self.params.get("message", e["message"])]
        by = Counter(f"{e['message']} ({e['role']})" for e in refused)
        detail = f"{len(chosen)}; all: " + (", ".join(f"{k} {v}" for k, v in sorted(by.items())) or "none")
        return self.result(self.holds(len(chosen)), detail)
