#!/usr/bin/env python3
"""Sweep throughput: a 200-run SimNet sweep (5 latencies x 4 losses x 10 seeds of a 30-second
two-player scenario on hilly terrain, both players walking out) played four ways in the same
run, each writing every run's metrics.json:

- a plain loop in this process (theta_net.sweeps.task.run_task on each run, no Dask): the baseline;
- theta_net.sweep on a LocalCluster of 1 worker process, then of 2;
- theta_net.sweep through a dask-scheduler and two dask-worker processes on 127.0.0.1.

Reports runs per minute, the speed-up over the loop, and the overhead per run against the loop
(the sweep's wall time, cluster start included, minus the loop's, over the runs). Every way must
give the same table apart from its wall_ columns.

    .venv/bin/python bench/sweep_bench.py [--runs-per-point 10] [--rounds 1]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas

import theta_net
from theta_net.sweeps import Grid
from theta_net.sweeps.sweep import write_table
from theta_net.sweeps.task import run_task

SCENARIO = {
    "scenario": {"name": "sweep_bench", "duration_ticks": 600, "tick_rate": 20, "seed": 1},
    "world": {"generator": "hills", "view_radius": 2},
    "network": {"latency": "20ms", "loss": "0%"},
    "players": [
        {"name": "a", "actions": [{"from": 5, "to": 590, "move": ["forward"], "yaw": 90}]},
        {"name": "b", "actions": [{"from": 5, "to": 590, "move": ["left", "jump"]}]},
    ],
}
GRID = {
    "network.latency": ["5ms", "20ms", "50ms", "100ms", "150ms"],
    "network.loss": ["0%", "1%", "2%", "5%"],
}


def plain_loop(out: Path, seeds: int) -> tuple[float, pandas.DataFrame]:
    """The same runs one after another in this process, as a script without Dask would."""
    grid = Grid(SCENARIO, GRID, seeds)
    began = time.perf_counter()
    rows = []
    for run in grid.runs:
        rows.append(run_task(grid.task(run, out, "sim", streams=False)))
    seconds = time.perf_counter() - began
    out.mkdir(parents=True, exist_ok=True)
    return seconds, write_table(rows, list(GRID), out / "sweep.csv")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_scheduler(out: Path, seeds: int) -> tuple[float, pandas.DataFrame]:
    """Starts a dask-scheduler and two dask-worker processes, then times the sweep through them
    (the processes' start is not counted: a cluster is there before a sweep)."""
    from dask.distributed import Client

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    python = [sys.executable, "-m"]
    procs = [
        subprocess.Popen(
            [
                *python,
                "distributed.cli.dask_scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--dashboard-address",
                "127.0.0.1:0",
            ],
            stderr=subprocess.DEVNULL,
        )
    ]
    procs += [
        subprocess.Popen(
            [
                *python,
                "distributed.cli.dask_worker",
                address,
                "--nthreads",
                "1",
                "--host",
                "127.0.0.1",
                "--dashboard-address",
                "127.0.0.1:0",
            ],
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    try:
        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        began = time.perf_counter()
        result = theta_net.sweep(
            SCENARIO, grid=GRID, seeds=seeds, client=address, out=out, progress=False, transport="sim"
        )
        return time.perf_counter() - began, result.table
    finally:
        for p in procs[::-1]:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)


def local(out: Path, seeds: int, workers: int) -> tuple[float, pandas.DataFrame]:
    """theta_net.sweep on a LocalCluster it starts and stops (both counted)."""
    began = time.perf_counter()
    result = theta_net.sweep(
        SCENARIO, grid=GRID, seeds=seeds, workers=workers, out=out, progress=False, transport="sim"
    )
    return time.perf_counter() - began, result.table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs-per-point", type=int, default=10, help="seeds per grid point (20 points)")
    parser.add_argument("--rounds", type=int, default=1, help="repeat every way; medians are reported")
    args = parser.parse_args()
    ways = {
        "plain loop (baseline)": lambda out: plain_loop(out, args.runs_per_point),
        "LocalCluster, 1 worker": lambda out: local(out, args.runs_per_point, 1),
        "LocalCluster, 2 workers": lambda out: local(out, args.runs_per_point, 2),
        "scheduler + 2 dask-worker processes": lambda out: with_scheduler(out, args.runs_per_point),
    }
    runs = 20 * args.runs_per_point
    seconds = {name: [] for name in ways}
    tables = {}
    with tempfile.TemporaryDirectory(prefix="sweep-bench-") as tmp:
        for r in range(args.rounds):
            for k, (name, way) in enumerate(ways.items()):
                took, table = way(Path(tmp) / f"r{r}-w{k}")
                seconds[name].append(took)
                tables[name] = table[[c for c in table.columns if not c.startswith("wall_")]]
                print(f"round {r + 1}: {name}: {took:.1f} s", file=sys.stderr)
    baseline = tables["plain loop (baseline)"]
    for name, table in tables.items():
        pandas.testing.assert_frame_equal(table, baseline, obj=name)
    loop = statistics.median(seconds["plain loop (baseline)"])
    print(
        f"{runs} runs of a {SCENARIO['scenario']['duration_ticks']}-tick two-player SimNet scenario, "
        f"{args.rounds} round(s), medians; every table equal apart from wall_ columns\n"
    )
    print("| way | seconds | runs/min | speed-up over the loop | overhead per run (ms) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name in ways:
        s = statistics.median(seconds[name])
        print(
            f"| {name} | {s:.1f} | {runs / s * 60:.0f} | {loop / s:.2f} | {(s - loop) / runs * 1000:+.0f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
