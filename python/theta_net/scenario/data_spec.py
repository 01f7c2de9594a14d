"""A scenario's ``[data]`` table: the application's data tables (a schema file, appended to the
reference game's ``players`` and ``markers``) and the writes clients make through their data
mirrors at given ticks (docs/scenarios.md, "Data"). Writes are checked when the file is read,
against the same C++ schema and value conversions the run uses, so a bad table, component,
field or value fails with the file and key named before anything runs.

A write sets fields of components, ``set = { component = { field = value } }``, which TOML's
dotted keys also spell ``set = { marker.label = "home", marker.x = 1.5 }``; or ``remove = true``
removes the entity. Values are what Python reads back: numbers for int, fixed and float fields,
enum values by name, strings, true/false.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from .. import _core
from ..errors import Error
from .reader import TableReader


@dataclass
class DataWrite:
    """A write one client makes through its data mirror before tick ``at`` is played."""

    at: int
    client: str
    table: str
    entity: int
    set: Optional[Dict[str, Dict[str, Any]]] = None  # {component: {field: value}}
    remove: bool = False


@dataclass
class DataSpec:
    """The application's data schema (None: the reference game's tables alone), the writes, and
    whether clients write as signed commands (``signed = true``: the server checks, orders and
    logs them and settles conflicts by the schema's strategies; docs/collaboration.md)."""

    schema_path: Optional[Path] = None
    schema_text: Optional[str] = None
    writes: List[DataWrite] = field(default_factory=list)
    signed: bool = False


def read_schema(r: TableReader, key: str, path: Path) -> str:
    """The schema file's text, checked: it parses and its tables do not clash with the game's."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise r.fail(key, f"cannot read {path}: {exc.strerror}") from None
    try:
        _core.game_data_schema(text)
    except Error as exc:
        raise r.fail(key, f"{path}: {exc.message}") from None
    return text


def parse_write(
    source: str,
    table: Any,
    where: str,
    joins: Dict[str, int],
    duration: int,
    schema_text: Optional[str],
) -> DataWrite:
    """One entry of ``writes``; ``joins`` maps each player's name to its join tick."""
    if not isinstance(table, dict):
        raise TableReader(source, {}, where).fail(None, f"expected a table, got {table!r}")
    r = TableReader(source, table, where)
    at = r.get("at", int, required=True)
    client = r.get("client", str, required=True)
    if client not in joins:
        raise r.fail("client", f"no player named {client!r}")
    if not joins[client] <= at < duration:
        raise r.fail("at", f"tick {at} is outside {client}'s {joins[client]}..{duration - 1}")
    write = DataWrite(at=at, client=client, table=r.get("table", str, required=True), entity=0)
    write.entity = r.get("entity", int, required=True)
    if not 0 <= write.entity < 2**64:
        raise r.fail("entity", f"{write.entity} is not a 64-bit unsigned integer")
    write.set = r.get("set", dict)
    write.remove = r.get("remove", bool, False)
    if (write.set is None) != write.remove:
        raise r.fail("set", "give set = { component = { field = value } } or remove = true")
    r.finish()
    # The table first (a removal checks only that the table exists and clients may write it),
    # then the fields and values.
    for key, value in (("table", None), ("set", write.set)):
        try:
            _core.check_game_data_write(write.table, write.entity, value, value is None, schema_text)
        except Error as exc:
            raise r.fail(key, exc.message) from None
    return write


def parse_data(
    source: str, table: Dict[str, Any], path: Optional[Path], joins: Dict[str, int], duration: int
) -> DataSpec:
    """The ``[data]`` table; a schema path is relative to the scenario file (or the working
    directory for a scenario built in Python)."""
    r = TableReader(source, table, "data")
    spec = DataSpec()
    schema = r.get("schema", str)
    if schema is not None:
        spec.schema_path = (path.parent if path else Path.cwd()) / schema
        spec.schema_text = read_schema(r, "schema", spec.schema_path)
    spec.signed = r.get("signed", bool, False)
    for i, entry in enumerate(r.get("writes", list, [])):
        spec.writes.append(parse_write(source, entry, f"data.writes[{i}]", joins, duration, spec.schema_text))
    r.finish()
    return spec
