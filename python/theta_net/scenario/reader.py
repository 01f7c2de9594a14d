"""Typed reading of the tables of a scenario file: every error names the file, the key and what
is wrong (``lan.toml: players[1].actions[0].move: 'fly' is not one of ...``)."""

from __future__ import annotations

import re
from typing import Any, Dict, Optional, Tuple

from ..errors import ScenarioError

_DURATION = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(us|ms|s|m)\s*$")


class TableReader:
    """Typed access to one TOML table, naming the file and key in every error."""

    def __init__(self, source: str, table: Dict[str, Any], where: str) -> None:
        self.source, self.table, self.where = source, table, where
        self.used: set = set()

    def fail(self, key: Optional[str], message: str) -> ScenarioError:
        place = f"{self.where}.{key}" if key else self.where
        return ScenarioError(f"{self.source}: {place}: {message}", "invalid_argument")

    def get(self, key: str, kind, default=None, required: bool = False):
        self.used.add(key)
        if key not in self.table:
            if required:
                raise self.fail(key, "is required")
            return default
        value = self.table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds:
            raise self.fail(key, f"expected {kind_name(kind)}, got a boolean")
        if not isinstance(value, kinds):
            raise self.fail(key, f"expected {kind_name(kind)}, got {type(value).__name__} {value!r}")
        return value

    def finish(self, allowed_extra: Tuple[str, ...] = ()) -> None:
        unknown = sorted(set(self.table) - self.used - set(allowed_extra))
        if unknown:
            raise self.fail(None, f"unknown key(s) {', '.join(unknown)}")


def kind_name(kind) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
        bool: "true or false",
    }
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def parse_duration_ms(reader: TableReader, key: str, value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    m = _DURATION.match(str(value))
    if not m:
        raise reader.fail(key, f"{value!r} is not a duration (e.g. 50ms, 1.5s)")
    return float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[m.group(2)]


def parse_percent(reader: TableReader, key: str, value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        fraction = float(value)
    else:
        text = str(value).strip()
        if not text.endswith("%"):
            raise reader.fail(key, f"{value!r} is not a percentage (e.g. 2%)")
        try:
            fraction = float(text[:-1]) / 100
        except ValueError:
            raise reader.fail(key, f"{value!r} is not a percentage (e.g. 2%)") from None
    if not 0 <= fraction <= 1:
        raise reader.fail(key, f"{value!r} is outside 0..100%")
    return fraction


def parse_coords(reader: TableReader, key: str, value: Any) -> Tuple[int, int, int]:
    if not (isinstance(value, list) and len(value) == 3 and all(isinstance(v, int) for v in value)):
        raise reader.fail(key, f"expected [x, y, z] integers, got {value!r}")
    return tuple(value)  # type: ignore[return-value]
