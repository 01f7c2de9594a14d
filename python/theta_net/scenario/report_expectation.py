"""The ``report`` expectation: a figure of a run's summary within bounds. It reads the reference
game's summary, or the report a game program printed (game_program.py), by a dotted path.
Registered in the expectation registry (expectations.py) on import."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict

from .expectations import NUMBER, Expectation, Key, expectation
from .reader import TableReader
from .result import ExpectationResult

if TYPE_CHECKING:
    from .context import RunEnd


@expectation
class Report(Expectation):
    """A figure of the run's summary within bounds: the reference game's summary, or the report
    a game program printed (game_program.py). ``field`` is a dotted path into it."""

    kind = "report"
    keys = {"field": Key(str, True), "min": Key(NUMBER), "max": Key(NUMBER)}
    holds_when = "the summary's (a game program's report's) field, a dotted path, is within min..max"

    @classmethod
    def check_keys(cls, r: TableReader, params: Dict[str, Any]) -> None:
        if "min" not in params and "max" not in params:
            raise r.fail(None, "give min, max or both")
        if "min" in params and "max" in params and params["min"] > params["max"]:
            raise r.fail("min", f"{params['min']} is above max {params['max']}")

    def what(self) -> str:
        low, high = self.params.get("min"), self.params.get("max")
        bounds = " and ".join(
            ([f">= {low}"] if low is not None else []) + ([f"<= {high}"] if high is not None else [])
        )
        return f"{self.params['field']} {bounds}"

    def evaluate(self, end: "RunEnd") -> ExpectationResult:
        value: Any = end.summary
        walked = []
        for part in self.params["field"].split("."):
            if not isinstance(value, dict) or part not in value:
                has = ", ".join(sorted(value)) if isinstance(value, dict) else type(value).__name__
                where = ".".join(walked) or "the summary"
                return self.result(False, f"no field {part!r} in {where} (it has {has})")
            value = value[part]
            walked.append(part)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return self.result(False, f"{self.params['field']} is {value!r}, not a number")
        low, high = self.params.get("min"), self.params.get("max")
        held = (low is None or value >= low) and (high is None or value <= high)
        return self.result(held, f"{value:,d}" if isinstance(value, int) else f"{value:,.4g}")
