"""A run's data writes (``[data].writes``): each is made through its client's data mirror before
its tick is played. A write the mirror cannot take (it has not finished its sync, or has too many
unconfirmed writes) or that the server refuses fails the run as a check naming the write, except
the refusals a scenario is about: a write by a role that may not write (a viewer's, refused as
permission_denied: the `refused` expectation counts them) and a signed write refused as a
conflict (a `server` strategy field: the `conflicts` expectation counts them). Those are kept in
:attr:`DataWriter.expected_refusals`."""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from .. import protocol
from ..errors import Error
from .context import TickContext
from .data_spec import DataSpec, DataWrite


# How a signed write refused by a `server` strategy conflict reads in the mirror.
CONFLICT_REFUSAL = "not_allowed: conflict: "


def _what(w: DataWrite) -> str:
    change = "removes" if w.remove else "writes"
    return f"{w.client} {change} {w.table}[{w.entity}] at tick {w.at}"


class DataWriter:
    """Makes the scenario's writes at their ticks and reports those that fail."""

    def __init__(self, spec: DataSpec, ctx: TickContext, roles: Dict[str, Optional[str]]) -> None:
        self.ctx = ctx
        # Players whose role may not write: their refusals are what a scenario expects.
        self.may_not_write = {n for n, r in roles.items() if r and not protocol.role_may_send(r, "DataWrite")}
        self.expected_refusals: List[Tuple[str, DataWrite, str]] = []  # (client, write, reason)
        self.by_tick: Dict[int, List[DataWrite]] = {}
        for w in spec.writes:
            self.by_tick.setdefault(w.at, []).append(w)
        self.writers = sorted({w.client for w in spec.writes})
        self.sent: Dict[Tuple[str, int], DataWrite] = {}  # (client, write id) -> its write

    def write(self, tick: int) -> None:
        """Makes the writes of this tick (before it is played)."""
        for w in self.by_tick.get(tick, []):
            try:
                write_id = self.ctx.client(w.client).data_write(w.table, w.entity, w.set, w.remove)
            except Error as exc:
                self.ctx.check(False, _what(w), f"not written: {exc.message}")
                continue
            self.sent[(w.client, write_id)] = w

    def observe(self) -> None:
        """After a tick: writes the server refused since the last call fail the run."""
        for name in self.writers:
            if not self.ctx.joined(name):
                continue
            for write_id, reason in self.ctx.client(name).data_refused_writes():
                w = self.sent.get((name, write_id))
                if w and (name in self.may_not_write or reason.startswith(CONFLICT_REFUSAL)):
                    self.expected_refusals.append((name, w, reason))
                    continue
                what = _what(w) if w else f"{name}'s write {write_id}"
                self.ctx.check(False, what, f"refused by the server: {reason}")
