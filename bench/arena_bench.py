"""The second game against the reference game, same run: prediction at 100 ms RTT and 2% loss.

Both games play 8 players for 60 simulated seconds over SimNet, 50 ms and 2% loss each way,
at 60 and 90 Hz, with five seeds each:
- the arena (examples/arena, its program theta_arena_match): seeded bots walking to waypoints,
  aiming and firing;
- the reference voxel game: each player walking its own square round and round on hilly terrain
  (the soak bench's players).

Both measure the prediction's error at each server state as time at full speed: the distance
between the predicted and the server's position, over the walking speed (reference, 4.317
blocks/s) or the top speed (arena, 7 blocks/s), in milliseconds. The bench prints the median over
the seeds of each game's mean error and corrections per player-minute (the arena's split into
respawns, teleports it cannot predict, and the rest), and the ratio arena / reference.

    .venv/bin/python bench/arena_bench.py            # after a release build (./dev bench arena)
    .venv/bin/python bench/arena_bench.py --seeds 3 --seconds 30

docs/benchmarks.md ("The second game") has the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List

from theta_net import Scenario

REPO = Path(__file__).resolve().parents[1]
PROGRAM = REPO / "build" / "release" / "examples" / "arena" / "theta_arena_match"
PLAYERS = 8
SQUARE = 6  # half the side of each reference player's square, in blocks


def arena(rate: int, seed: int, seconds: float) -> Dict[str, float]:
    argv = [str(PROGRAM), "--players", str(PLAYERS), "--tick-rate", str(rate), "--seconds", str(seconds)]
    argv += ["--seed", str(seed), "--latency-ms", "50", "--loss", "0.02"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    report = json.loads(done.stdout.split("\n", 1)[0])
    minutes = report["simulated_seconds"] / 60 * PLAYERS
    respawns = sum(p["respawns"] for p in report["players"])
    corrections = sum(p["corrections"] for p in report["players"])
    return {
        "error_ms": report["mean_error_ms"],
        "corrections_per_minute": corrections / minutes,
        "respawns_per_minute": respawns / minutes,
        "other_corrections_per_minute": (corrections - respawns) / minutes,
    }


def reference(rate: int, seed: int, seconds: float) -> Dict[str, float]:
    ticks = round(seconds * rate)
    table: Dict[str, Any] = {
        "scenario": {"name": "reference", "duration_ticks": ticks, "tick_rate": rate, "seed": seed},
        "world": {"generator": "hills", "seed": seed, "view_radius": 2},
        "network": {"latency": "50ms", "loss": "2%"},
        "outputs": {"sample_ticks": rate * 10, "client_events": False},
        "players": [],
    }
    laps = int(seconds / 6) + 2
    for i in range(PLAYERS):
        cx, cz = (i % 4) * 20 - 30, (i // 4) * 20 - 10
        corners = [
            [cx + SQUARE + 0.5, cz + SQUARE + 0.5],
            [cx - SQUARE + 0.5, cz + SQUARE + 0.5],
            [cx - SQUARE + 0.5, cz - SQUARE + 0.5],
            [cx + SQUARE + 0.5, cz - SQUARE + 0.5],
        ]
        table["players"].append(
            {"name": f"p{i}", "actions": [{"from": rate, "to": ticks, "path": corners * laps}]}
        )
    with tempfile.TemporaryDirectory(prefix="theta-arena-bench-") as tmp:
        result = Scenario.from_dict(table, "reference").run(transport="sim", out=tmp)
        clients = result.summary["clients"].values()
        minutes = result.simulated_seconds / 60 * PLAYERS
        return {
            "error_ms": statistics.fmean(c["reconciliation_error_ms_mean"] for c in clients),
            "corrections_per_minute": sum(c["reconciliations"] for c in clients) / minutes,
        }


def median_of(runs: List[Dict[str, float]]) -> Dict[str, float]:
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rates", default="60,90")
    args = parser.parse_args()
    if not PROGRAM.exists():
        print(f"no {PROGRAM}: build it first (./dev bench arena builds it)", file=sys.stderr)
        return 2
    out = {}
    for rate in (int(r) for r in args.rates.split(",")):
        seeds = range(1, args.seeds + 1)
        a = median_of([arena(rate, s, args.seconds) for s in seeds])
        r = median_of([reference(rate, s, args.seconds) for s in seeds])
        out[f"{rate}hz"] = {"arena": a, "reference": r, "error_ratio": a["error_ms"] / r["error_ms"]}
        print(
            f"{rate} Hz, {PLAYERS} players, 100 ms RTT, 2% loss, median of {args.seeds} seeds:\n"
            f"  arena      mean error {a['error_ms']:.4f} ms, corrections {a['corrections_per_minute']:.1f}"
            f"/player-min ({a['respawns_per_minute']:.1f} respawns, "
            f"{a['other_corrections_per_minute']:.1f} other)\n"
            f"  reference  mean error {r['error_ms']:.4f} ms, corrections {r['corrections_per_minute']:.1f}"
            f"/player-min\n"
            f"  arena / reference mean error: {a['error_ms'] / r['error_ms']:.4f}"
        )
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
