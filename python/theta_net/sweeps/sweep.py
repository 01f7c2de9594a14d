"""``theta_net.sweep``: a scenario played over a grid of settings times seeds, each run an
independent Dask task, the rows gathered into one table (a pandas DataFrame and OUT/sweep.csv).

The table is the same whatever the number of workers or the order runs finish in: run ids come
from the grid point and seed, rows are sorted by them, and wall-clock figures are kept to columns
whose names start with ``wall_``."""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from ..errors import SweepError
from .cluster import dask_client
from .grid import Grid, load_table
from .task import ROW_FILE, lost_row, read_row, run_task

LEADING = ("run", "seed", "passed", "error", "expectations_failed")


@dataclass
class SweepResult:
    """What a sweep gave: ``table`` (one row per run, sorted by run id), the counts, and where
    the table and the runs' folders are. ``errors`` counts runs that could not run at all (they
    raised, or their workers died); ``failed`` counts every run that did not pass, those included."""

    scenario: str
    table: Any  # pandas.DataFrame
    runs: int
    passed: int
    failed: int
    errors: int
    out_dir: Path
    csv: Path
    wall_seconds: float
    _tempdir: Any = field(default=None, repr=False)  # keeps a temporary out_dir alive

    def to_json(self) -> Dict[str, Any]:
        """The command line's --json answer."""
        return {"runs": self.runs, "passed": self.passed, "failed": self.failed, "table": str(self.csv)}


class Progress:
    """The rows gathered so far, and on one line of stderr the runs done, failed and the time
    left."""

    def __init__(self, name: str, total: int, enabled: bool) -> None:
        self.name, self.total, self.enabled = name, total, enabled
        self.rows: List[Dict[str, Any]] = []
        self.done = self.failed = 0
        self.began = time.monotonic()

    def update(self, row: Dict[str, Any]) -> None:
        self.rows.append(row)
        self.done += 1
        self.failed += not row.get("passed")
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.began
        left = elapsed / self.done * (self.total - self.done)
        width = 30
        filled = width * self.done // self.total
        sys.stderr.write(
            f"\rsweep {self.name}: [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
            f"runs, {self.failed} failed, ETA {int(left) // 60}:{int(left) % 60:02d} "
        )
        if self.done == self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def sweep(
    scenario: Any,
    grid: Optional[Mapping[str, Sequence[Any]]] = None,
    seeds: Union[int, Sequence[int]] = 1,
    client: Any = None,
    out: "str | Path | None" = None,
    progress: bool = True,
    *,
    workers: Optional[int] = None,
    transport: Optional[str] = None,
    streams: bool = False,
) -> SweepResult:
    """Plays `scenario` (a scenario file's path, or the dict of tables it holds) once per
    combination of the `grid`'s values and per seed. `grid` maps dotted keys of the scenario file
    (``network.latency``, ``players[1].network.jitter``, ``world.view_radius``,
    ``players[0].count``) to the values to try; `seeds` is a count (the scenario's seed and the
    ones after it) or a list. `client`: None for a LocalCluster of `workers` processes (default:
    the machine's cores), a scheduler's address (``tcp://HOST:8786``), or a
    ``distributed.Client``. Each run writes metrics.json (and, with `streams`, its event streams
    and input log) into ``OUT/<run id>/``; the table goes to ``OUT/sweep.csv``. Every grid point
    is checked before any run starts; a run that raises is a row with its error. Ctrl-C cancels
    the runs not finished, writes the finished rows and raises KeyboardInterrupt.

    A LocalCluster starts its workers as new Python processes, which import the caller's main
    module: a script that calls sweep() does so under ``if __name__ == "__main__":``."""
    table, source, path = load_table(scenario)
    checked = Grid(table, dict(grid or {}), seeds, source, path)
    if transport is not None:
        from ..scenario.spec import TRANSPORTS

        if transport not in TRANSPORTS:
            raise SweepError(f"transport {transport!r} is not one of {', '.join(TRANSPORTS)}")
    tempdir = None
    if out is None:
        tempdir = tempfile.TemporaryDirectory(prefix=f"sweep-{checked.name}-")
        out = tempdir.name
    out_dir = Path(out)
    csv = out_dir / "sweep.csv"
    absolute = out_dir.resolve()
    tasks = [checked.task(run, absolute, transport, streams) for run in checked.runs]
    began = time.perf_counter()
    bar = Progress(checked.name, len(tasks), progress)
    with dask_client(client, workers) as dask:  # a bad count or a silent scheduler fails here
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            # A row left by an earlier sweep into the same folder must not pass for this one's.
            for task in tasks:
                (Path(task["out"]) / ROW_FILE).unlink(missing_ok=True)
        except OSError as exc:
            raise SweepError(f"out {str(out_dir)!r}: cannot make the folder: {exc.strerror}", "io") from None
        try:
            rows = _gather(dask, tasks, bar)
        except KeyboardInterrupt:
            write_table(bar.rows, checked.keys, csv)
            raise
    frame = write_table(rows, checked.keys, csv)
    errors = sum(1 for r in rows if r.get("error"))
    passed = sum(1 for r in rows if r.get("passed"))
    return SweepResult(
        scenario=checked.name,
        table=frame,
        runs=len(rows),
        passed=passed,
        failed=len(rows) - passed,
        errors=errors,
        out_dir=out_dir,
        csv=csv,
        wall_seconds=time.perf_counter() - began,
        _tempdir=tempdir,
    )


def _gather(dask: Any, tasks: List[Dict[str, Any]], bar: Progress) -> List[Dict[str, Any]]:
    """Submits every task and collects its row as it finishes. A run whose workers all died
    (Dask retries it elsewhere first) is a row with that error."""
    from dask.distributed import as_completed

    token = uuid.uuid4().hex[:8]  # keys unique on a shared scheduler; they name no result
    by_key = {}
    futures = []
    for task in tasks:
        future = dask.submit(run_task, task, key=f"theta-sweep-{token}-{task['run']}", pure=False)
        by_key[future.key] = task
        futures.append(future)
    gathered = set()

    def take(future) -> None:
        try:
            row = future.result()
        except Exception as exc:  # noqa: BLE001 - KilledWorker, a lost connection, ...
            row = lost_row(by_key[future.key], f"{type(exc).__name__}: {exc}")
        # Only once the row is in hand: a Ctrl-C while fetching it leaves the run to the handler.
        gathered.add(future.key)
        bar.update(row)

    try:
        for future in as_completed(futures):
            take(future)
    except KeyboardInterrupt:
        # Keep every run that has finished: also those as_completed had not handed over yet, and
        # those whose result had not reached this client (their row is in their folder); the rest
        # are cancelled (a run already executing on a worker still finishes there).
        dask.cancel([f for f in futures if not f.done()])
        for future in futures:
            if future.key in gathered:
                continue
            if future.status == "finished":
                take(future)
                continue
            row = read_row(Path(by_key[future.key]["out"]))
            if row is not None:
                gathered.add(future.key)
                bar.update(row)
        raise
    return bar.rows


def write_table(rows: List[Dict[str, Any]], keys: Sequence[str], csv: Path):
    """The rows as a DataFrame sorted by run id, written to csv: the run, the grid's keys, the
    seed, the verdict, the figures (sorted by name), then the wall-clock columns."""
    import pandas

    rows = sorted(rows, key=lambda r: r["run"])
    names: List[str] = []
    for row in rows:
        names += [k for k in row if k not in names]
    first = ["run", *keys, *[k for k in LEADING[1:] if k in names]]
    figures = sorted(k for k in names if k not in first and not k.startswith("wall_"))
    wall = sorted(k for k in names if k.startswith("wall_"))
    frame = pandas.DataFrame(rows, columns=[*first, *figures, *wall])
    frame.to_csv(csv, index=False)
    return frame
