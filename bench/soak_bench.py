"""Soak: 8 players at a high tick rate for a long time (seed 004: "soak tests with 8-peer
sessions at 90 Hz replication cadence"), on SimNet and over QUIC.

Each player walks its own square, round and round, sprinting now and then, on hilly terrain
(view radius 2) over a 50 ms, 5 ms jitter, 1% loss link each way. Every 10 simulated seconds
the bench records the process's resident memory (server and clients run in this process) and the
server's tick time quantiles over its recent ticks. At the end it reports:
- tick time mean, median, p99 and max;
- wire bytes per client per second, both ways;
- corrections per client per minute;
- memory at each minute and its growth over the second half of the run (flat memory is the
  target).

    .venv/bin/python bench/soak_bench.py                        # 90 Hz: 10 min SimNet, 60 s QUIC
    .venv/bin/python bench/soak_bench.py --sim-minutes 1 --quic-seconds 0 --rate 60

docs/benchmarks.md ("Soak") has the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List

from theta_net import Scenario

SQUARE = 6  # half the side of each player's square, in blocks


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def soak_scenario(rate: int, players: int, seconds: float, transport: str) -> Scenario:
    ticks = round(seconds * rate)
    laps = int(seconds / 10) + 2  # a 24-block lap takes about 6 s walking
    table: Dict[str, Any] = {
        "scenario": {
            "name": f"soak_{rate}hz",
            "duration_ticks": ticks,
            "tick_rate": rate,
            "seed": 4,
            "transport": transport,
        },
        "world": {"generator": "hills", "seed": 4, "view_radius": 2},
        "network": {"latency": "50ms", "jitter": "5ms", "loss": "1%"},
        "outputs": {"sample_ticks": rate * 10},
        "players": [],
    }
    for i in range(players):
        cx, cz = (i % 4) * 20 - 30, (i // 4) * 20 - 10
        corners = [
            [cx + SQUARE + 0.5, cz + SQUARE + 0.5],
            [cx - SQUARE + 0.5, cz + SQUARE + 0.5],
            [cx - SQUARE + 0.5, cz - SQUARE + 0.5],
            [cx + SQUARE + 0.5, cz - SQUARE + 0.5],
        ]
        actions = [{"from": rate, "to": ticks, "path": corners * laps}]
        for start in range(rate * (5 + i), ticks - rate, rate * 30):
            actions.append({"from": start, "to": start + rate * 3, "move": ["sprint"]})
        table["players"].append({"name": f"p{i}", "actions": actions})
    return Scenario.from_dict(table, f"soak ({transport}, {rate} Hz)")


def soak(rate: int, players: int, seconds: float, transport: str) -> Dict[str, Any]:
    sc = soak_scenario(rate, players, seconds, transport)
    every = rate * 10
    memory: List[Dict[str, float]] = []
    p99s: List[float] = []

    def sample(ctx) -> None:
        if ctx.tick % every == 0 and ctx.tick > 0:
            memory.append({"time_s": ctx.tick / rate, "rss_mib": rss_mib()})
            p99s.append(ctx.game.server_metrics["tick_time_us_p99"])

    with tempfile.TemporaryDirectory(prefix="theta-soak-") as tmp:
        result = sc.run(transport=transport, out=tmp, on_tick=sample)
        memory.append({"time_s": result.simulated_seconds, "rss_mib": rss_mib()})
        server = dict(result.summary["server"])
        clients = result.summary["clients"]
        minutes = result.simulated_seconds / 60
        received = [c["wire_bytes_received"] / result.simulated_seconds for c in clients.values()]
        sent = [c["wire_bytes_sent"] / result.simulated_seconds for c in clients.values()]
        corrections = [c["reconciliations"] / minutes for c in clients.values()]
        metrics = result.summary
    second_half = [m for m in memory if m["time_s"] >= seconds / 2]
    growth = second_half[-1]["rss_mib"] - second_half[0]["rss_mib"] if len(second_half) > 1 else 0.0
    return {
        "transport": transport,
        "tick_rate": rate,
        "players": players,
        "simulated_s": result.simulated_seconds,
        "wall_s": round(result.wall_seconds, 1),
        "speedup": round(result.speedup, 2),
        "passed": result.passed,
        "ticks": server["ticks"],
        "tick_us_mean": round(server["tick_time_us_mean"], 1),
        "tick_us_max": server["tick_time_us_max"],
        # The server's p99 over its most recent 4,096 ticks, at each 10 s sample: the median and
        # worst of those windows.
        "tick_us_p99_median_window": statistics.median(p99s) if p99s else None,
        "tick_us_p99_worst_window": max(p99s) if p99s else None,
        "client_received_bytes_s_median": round(statistics.median(received)),
        "client_sent_bytes_s_median": round(statistics.median(sent)),
        "corrections_per_min_median": round(statistics.median(corrections), 2),
        "corrections_per_min_max": round(max(corrections), 2),
        "rss_mib_by_minute": [round(m["rss_mib"], 1) for m in memory if round(m["time_s"]) % 60 == 0],
        "rss_mib_first": round(memory[0]["rss_mib"], 1) if memory else None,
        "rss_mib_last": round(memory[-1]["rss_mib"], 1) if memory else None,
        "rss_mib_growth_second_half": round(growth, 1),
        "entities": metrics["server"]["entities"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=90, help="tick rate (default 90)")
    parser.add_argument("--players", type=int, default=8)
    parser.add_argument("--sim-minutes", type=float, default=10.0, help="SimNet run (0: skip)")
    parser.add_argument("--quic-seconds", type=float, default=60.0, help="QUIC run (0: skip)")
    parser.add_argument("--json", action="store_true", help="one JSON object per run")
    args = parser.parse_args()
    runs = []
    if args.sim_minutes > 0:
        runs.append(("sim", args.sim_minutes * 60))
    if args.quic_seconds > 0:
        runs.append(("quic", args.quic_seconds))
    for transport, seconds in runs:
        report = soak(args.rate, args.players, seconds, transport)
        if args.json:
            print(json.dumps(report))
        else:
            print(f"== {transport}, {args.rate} Hz, {args.players} players, {seconds:g} s")
            for key, value in report.items():
                print(f"  {key}: {value}")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
