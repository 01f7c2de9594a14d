"""One run of a sweep, as a Dask task: play the scenario with its grid point and seed applied,
write metrics.json into the run's folder, and give back its row of the sweep's table (also written
to the folder as row.json, so a sweep interrupted before the row reached it still has it).

A run that raises is a row too, with the error in ``error``: one bad grid point does not lose the
sweep. Figures measured on the wall clock go in columns whose names start with ``wall_``; every
other column follows from the scenario, the grid point and the seed (over SimNet), so two runs of
the same sweep give the same table apart from those columns."""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path
from typing import Any, Dict

# Output files a sweep run writes only when asked for its streams (streams=True): the rest of a
# scenario's outputs (metrics.json and the records it holds) are always written.
STREAM_OUTPUTS = ("input_log", "events", "client_events")

# The file in a run's folder that holds its row once the run has finished.
ROW_FILE = "row.json"


def run_task(task: Dict[str, Any]) -> Dict[str, Any]:
    """Runs one task made by :func:`theta_net.sweeps.sweep`; never raises for the run's own
    failures (they are the row's ``error``)."""
    from ..scenario import Scenario
    from ..scenario.spec import parse_table

    row = header(task)
    began = time.perf_counter()
    try:
        table = task["table"]
        if not task["streams"] and "game" not in table:
            outputs = table.setdefault("outputs", {})
            for key in STREAM_OUTPUTS:
                outputs[key] = False
        path = Path(task["path"]) if task["path"] else None
        spec = parse_table(table, task["source"], path)
        result = Scenario.from_spec(spec).run(task["transport"], out=task["out"])
        row["passed"] = bool(result.passed)
        row["error"] = ""
        row["expectations_failed"] = "; ".join(
            f"{e.where}: {e.what} ({e.detail})" for e in result.expectations if not e.passed
        )
        row.update(figures(result.summary, spec.game is not None))
        server = result.summary.get("server", {}) if spec.game is None else {}
        row["wall_tick_time_us_mean"] = server.get("tick_time_us_mean")
        row["wall_tick_time_us_max"] = server.get("tick_time_us_max")
        row["wall_speedup"] = result.speedup if math.isfinite(result.speedup) else None
    except Exception as exc:  # noqa: BLE001 - a run's failure of any kind is its row
        row["passed"] = False
        row["error"] = f"{type(exc).__name__}: {exc}"
    row["wall_seconds"] = time.perf_counter() - began
    write_row(row, Path(task["out"]))
    return row


def write_row(row: Dict[str, Any], folder: Path) -> None:
    """Writes the row as folder/row.json, whole or not at all (a reader never sees half of it)."""
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / (ROW_FILE + ".part")
    partial.write_text(json.dumps(row, sort_keys=True, default=str))
    os.replace(partial, folder / ROW_FILE)


def read_row(folder: Path) -> "Dict[str, Any] | None":
    """The row a finished run left in its folder, or None when it has not finished."""
    try:
        return json.loads((folder / ROW_FILE).read_text())
    except (OSError, ValueError):
        return None


def figures(summary: Dict[str, Any], program: bool) -> Dict[str, Any]:
    """A run's figures as flat columns: each client's numbers as ``<client>.<figure>``, their
    mean over clients as ``all.mean.<figure>``, the server's counts as ``server.<figure>``; a game
    program's report flattened as ``report.<path>``. Wall-clock figures are left to run_task."""
    if program:
        return {f"report.{k}": v for k, v in _flatten(summary).items()}
    out: Dict[str, Any] = {}
    server = summary.get("server", {})
    for key in ("ticks", "clients", "entities"):
        if key in server:
            out[f"server.{key}"] = server[key]
    per_figure: Dict[str, list] = {}
    for name, metrics in summary.get("clients", {}).items():
        for key, value in _flatten(metrics).items():
            out[f"{name}.{key}"] = value
            per_figure.setdefault(key, []).append(value)
    for key, values in per_figure.items():
        out[f"all.mean.{key}"] = sum(values) / len(values)
    return out


def _flatten(value: Any, prefix: str = "") -> Dict[str, Any]:
    """The numbers and booleans in nested dicts, keyed by their dotted path (lists and text are
    left out: they are not figures)."""
    out: Dict[str, Any] = {}
    if isinstance(value, dict):
        for key in sorted(value):
            out.update(_flatten(value[key], f"{prefix}{key}."))
    elif isinstance(value, bool):
        out[prefix[:-1]] = int(value)
    elif isinstance(value, (int, float)):
        out[prefix[:-1]] = value
    return out


def header(task: Dict[str, Any]) -> Dict[str, Any]:
    """The columns that name a run: its id, its grid values and its seed."""
    return {"run": task["run"], **dict(task["values"]), "seed": task["seed"]}


def lost_row(task: Dict[str, Any], error: str) -> Dict[str, Any]:
    """The row of a run that never returned (its workers died, or it could not be scheduled)."""
    return {**header(task), "passed": False, "error": error}
