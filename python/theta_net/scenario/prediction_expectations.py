"""Expectations on a client's prediction: how often it corrected (``corrections``) and how large
its corrections were (``reconciliation_error_ms``), over corrections only (corrections.py). Each
takes one or more limits, and holds when every client concerned is within all of them."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Dict, Tuple

from .expectations import CLIENT, NUMBER, Expectation, ExpectationResult, Key, expectation
from .reader import TableReader
from .rules import WALK_SPEED

if TYPE_CHECKING:
    from .context import RunEnd


class _Limits(Expectation):
    """Every client concerned has summary[figure] <= the limit, for each limit given."""

    limits: ClassVar[Dict[str, Tuple[str, str, str]]]  # key -> (summary figure, words, unit)

    @classmethod
    def check_keys(cls, r: TableReader, params: Dict[str, object]) -> None:
        if not any(key in params for key in cls.limits):
            raise r.fail(None, f"give at least one of {', '.join(cls.limits)}")

    def given(self):
        return [(key, *self.limits[key]) for key in self.limits if key in self.params]

    def what(self) -> str:
        parts = [
            f"{words} <= {self.params[key]:,}{' ' + unit if unit else ''}"
            for key, _, words, unit in self.given()
        ]
        return " and ".join(parts)

    def evaluate(self, end: "RunEnd") -> ExpectationResult:
        ok, details = True, []
        for name in self.clients(end.clients):
            figures = end.summary["clients"][name]
            shown = []
            for key, figure, words, unit in self.given():
                value = figures[figure]
                ok = ok and value <= self.params[key]
                shown.append(f"{words} {value:,.2f}{' ' + unit if unit else ''}")
            details.append(f"{name} " + ", ".join(shown))
        return self.result(ok, "; ".join(details))


@expectation
class ReconciliationError(_Limits):
    kind = "reconciliation_error_ms"
    limits = {
        "max_mean": ("correction_ms_mean", "mean correction", "ms"),
        "max_p50": ("correction_ms_p50", "p50 correction", "ms"),
        "max_p95": ("correction_ms_p95", "p95 correction", "ms"),
        "max_p99": ("correction_ms_p99", "p99 correction", "ms"),
        "max_max": ("correction_ms_max", "largest correction", "ms"),
    }
    keys = {**{k: Key(NUMBER) for k in limits}, "client": CLIENT}
    holds_when = (
        "the size of the client's corrections, over corrections only (a client that never "
        f"corrected has 0): distance / walking speed ({WALK_SPEED:.3f} blocks/s); give one or more"
    )


@expectation
class Corrections(_Limits):
    kind = "corrections"
    limits = {
        "max": ("reconciliations", "corrections", ""),
        "max_per_minute": ("corrections_per_minute", "corrections per minute", ""),
        "max_share": ("corrected_tick_share", "share of ticks corrected", ""),
    }
    keys = {"max": Key(int), "max_per_minute": Key(NUMBER), "max_share": Key(NUMBER), "client": CLIENT}
    holds_when = (
        "rewind-and-replay corrections: their count, per minute in the game, or as a share of "
        "the server states compared (0..1); give one or more"
    )
