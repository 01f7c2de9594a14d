"""``theta-net sweep SCENARIO --grid KEY=V1,V2 --seeds N --out DIR``: plays a scenario file once
per combination of the grid's values and per seed, on a Dask LocalCluster of --workers processes
or on the workers of the scheduler at --scheduler, and writes one row per run to DIR/sweep.csv
(docs/sweeps.md). Exit code 0 when every run ran (expectations may fail), 1 when a run could not
run, 2 for bad arguments (a grid key that does not exist, a value of the wrong type, a scheduler
that cannot be reached: all found before any run starts)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Dict, List

from ..errors import SweepError
from ..scenario.spec import TRANSPORTS
from ..sweeps import parse_value, sweep


def parse_grid(items: List[str]) -> Dict[str, List[Any]]:
    """["network.loss=0,0.02", ...] -> {"network.loss": [0, 0.02]}; a value is a TOML literal
    when it is one (3, 0.5, true) and text otherwise (50ms, 2%)."""
    grid: Dict[str, List[Any]] = {}
    for item in items:
        key, sep, values = item.partition("=")
        key = key.strip()
        if not sep or not key or not values.strip():
            raise SweepError(f"--grid {item!r}: expected KEY=V1,V2,... (e.g. network.latency=20ms,50ms)")
        if key in grid:
            raise SweepError(f"--grid {key}: given twice")
        grid[key] = [parse_value(v.strip()) for v in values.split(",")]
    return grid


def run(args: argparse.Namespace) -> int:
    if args.workers is not None and args.scheduler is not None:
        raise SweepError("give --workers or --scheduler, not both")
    progress = args.progress if args.progress is not None else sys.stderr.isatty()
    result = sweep(
        args.scenario,
        grid=parse_grid(args.grid or []),
        seeds=args.seeds,
        client=args.scheduler,
        out=args.out,
        progress=progress,
        workers=args.workers,
        transport=args.transport,
        streams=args.streams,
    )
    if args.json:
        print(json.dumps(result.to_json()))
    else:
        print(
            f"theta-net sweep: {result.scenario}: {result.runs} runs, {result.passed} passed, "
            f"{result.failed} failed ({result.errors} could not run) in {result.wall_seconds:.1f} s "
            f"-> {result.csv}"
        )
        for _, row in result.table[result.table["error"].fillna("") != ""].head(10).iterrows():
            print(f"  {row['run']}: {row['error']}")
    return 1 if result.errors else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sweep",
        help="play a scenario over a grid of settings and seeds on Dask",
        description=__doc__.split("\n\n")[0].replace("``", ""),
    )
    parser.add_argument("scenario", help="a scenario file (scenarios/*.toml)")
    parser.add_argument(
        "--grid",
        action="append",
        metavar="KEY=V1,V2,...",
        help="a scenario key by its dotted path and the values to try (repeatable); e.g. "
        "network.latency=20ms,50ms, players[1].network.loss=0,0.02, players[0].count=2,4",
    )
    parser.add_argument("--seeds", type=int, default=1, help="seeds per grid point (default 1)")
    parser.add_argument("--workers", type=int, help="local worker processes (default: the cores)")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="a running dask-scheduler")
    parser.add_argument("--out", metavar="DIR", required=True, help="where sweep.csv and the runs go")
    parser.add_argument("--transport", choices=TRANSPORTS, help="override the scenario's transport")
    parser.add_argument("--streams", action="store_true", help="keep each run's event streams and input log")
    parser.add_argument("--json", action="store_true", help="print the counts and the table's path as JSON")
    parser.add_argument(
        "--progress",
        action="store_true",
        default=None,
        help="a progress bar (default: when stderr is a terminal)",
    )
    parser.add_argument("--no-progress", dest="progress", action="store_false")
    parser.set_defaults(func=run)
