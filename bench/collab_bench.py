#!/usr/bin/env python3
"""Collaboration layer benchmarks (issue 15's targets), each next to its baseline in the same run:

  latency      write -> confirmation at the writer, 50 ms RTT over SimNet (`theta-net collab
               fuzz`): signed commands against the data layer's unsigned writes, the same seeded
               writes; virtual milliseconds, plus the wall time each run took on this core
  convergence  the property setup (8 writers, 5% loss, 10% reordering, 2% duplication, c0 cut off
               for 10 s, 240 writes over 20 s) for many seeds: how many converged, and the time

The server's throughput (commands verified and applied per second, signed against unsigned) is a
Google Benchmark: build/release/bench/theta_collab_bench.

    .venv/bin/python bench/collab_bench.py [--only latency|convergence] [--runs 1000]

Prints one JSON object per section; docs/benchmarks.md quotes them.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time

from theta_net._core import collab_fuzz

PROPERTY = dict(
    clients=8,
    ops=240,
    loss=0.05,
    reorder=0.10,
    duplicate=0.02,
    partition=(0, 4.0, 10.0),
    duration=20.0,
    step=0.002,
)


def latency(seeds: int) -> dict:
    out = {"section": "latency", "rtt_ms": 50, "clients": 4, "ops": 400, "seeds": seeds}
    for mode, signed in (("signed", True), ("unsigned", False)):
        p50, p99, wall = [], [], []
        for seed in range(1, seeds + 1):
            start = time.perf_counter()
            r = collab_fuzz(4, 400, seed=seed, latency=0.025, signed_commands=signed)
            wall.append(time.perf_counter() - start)
            assert r["converged"], r
            p50.append(r["confirm_latency_ms"]["p50"])
            p99.append(r["confirm_latency_ms"]["p99"])
        out[mode] = {
            "confirm_p50_ms": statistics.median(p50),
            "confirm_p99_ms": statistics.median(p99),
            "run_wall_s_median": round(statistics.median(wall), 4),
        }
    out["p50_ratio_signed_over_unsigned"] = round(
        out["signed"]["confirm_p50_ms"] / out["unsigned"]["confirm_p50_ms"], 3
    )
    out["wall_ratio_signed_over_unsigned"] = round(
        out["signed"]["run_wall_s_median"] / out["unsigned"]["run_wall_s_median"], 2
    )
    return out


def convergence(runs: int) -> dict:
    converged, walls, failed = 0, [], []
    conflicts: dict = {}
    start = time.perf_counter()
    for seed in range(1, runs + 1):
        t = time.perf_counter()
        r = collab_fuzz(seed=seed, **PROPERTY)
        walls.append(time.perf_counter() - t)
        if r["converged"]:
            converged += 1
        else:
            failed.append(seed)
        for name, n in r["conflicts"].items():
            conflicts[name] = conflicts.get(name, 0) + n
    return {
        "section": "convergence",
        "setup": {k: v for k, v in PROPERTY.items()},
        "runs": runs,
        "converged": converged,
        "failed_seeds": failed[:20],
        "total_s": round(time.perf_counter() - start, 2),
        "run_s_median": round(statistics.median(walls), 4),
        "run_s_max": round(max(walls), 4),
        "conflicts_total": conflicts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", choices=["latency", "convergence"])
    parser.add_argument("--runs", type=int, default=1000, help="convergence runs (seeds 1..N)")
    parser.add_argument("--seeds", type=int, default=5, help="latency runs per mode")
    args = parser.parse_args()
    print(json.dumps({"machine": platform.machine(), "python": platform.python_version()}))
    if args.only in (None, "latency"):
        print(json.dumps(latency(args.seeds)), flush=True)
    if args.only in (None, "convergence"):
        print(json.dumps(convergence(args.runs)), flush=True)


if __name__ == "__main__":
    main()
