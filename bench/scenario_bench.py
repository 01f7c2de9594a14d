#!/usr/bin/env python3
"""Scenario benchmark: how fast scenarios play. Over SimNet, simulated seconds per wall second of
the whole run as a user runs it (Python driver, game, network, expectations, replay check), the
median of 5 runs per scenario; over QUIC, the wall time of lan_two_player (real time by design:
the figure shows the overhead beyond the scenario's own duration).

    ./dev bench scenario              # or: .venv/bin/python bench/scenario_bench.py [--quic-runs N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from theta_net.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
SIM_SCENARIOS = ["lan_two_player", "ten_clients", "partition", "lossy"]


def timed_runs(name: str, transport: str, runs: int, tmp: Path):
    """Plays scenarios/NAME.toml RUNS times; the last result and the median wall time."""
    scenario = Scenario.load(ROOT / "scenarios" / f"{name}.toml")
    walls = []
    for i in range(runs):
        started = time.perf_counter()
        result = scenario.run(transport=transport, out=tmp / f"{name}-{transport}-{i}")
        walls.append(time.perf_counter() - started)
        assert result.passed, result.table()
    return result, statistics.median(walls)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quic-runs", type=int, default=1)
    args = parser.parse_args()
    print(
        f"{'scenario':<16} {'transport':<9} {'simulated s':>11} {'wall s (median)':>16} "
        f"{'sim s / wall s':>15}  runs"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for name in SIM_SCENARIOS:
            result, wall = timed_runs(name, "sim", args.runs, Path(tmp))
            print(
                f"{name:<16} {'sim':<9} {result.simulated_seconds:>11.1f} {wall:>16.3f} "
                f"{result.simulated_seconds / wall:>14.0f}x  {args.runs}"
            )
        if args.quic_runs < 1:
            return 0
        result, wall = timed_runs("lan_two_player", "quic", args.quic_runs, Path(tmp))
        print(
            f"{'lan_two_player':<16} {'quic':<9} {result.simulated_seconds:>11.1f} {wall:>16.3f} "
            f"{result.simulated_seconds / wall:>14.2f}x  {args.quic_runs}"
        )
        c = result.summary["clients"]
        print(
            f"  quic run: RTT {c['a']['rtt_ms']:.1f}/{c['b']['rtt_ms']:.1f} ms through the relay, "
            f"server tick {result.summary['server']['tick_time_us_mean']:.0f} us mean"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
