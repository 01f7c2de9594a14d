"""Peak memory of a long scenario: two idle players over SimNet for N simulated minutes (20 Hz,
a sample every 5 ticks). Prints the process's peak RSS (getrusage), the wall time and the size
of metrics.json; run one length per process, since peak RSS never goes down.

    .venv/bin/python bench/scenario_memory.py --minutes 1
    .venv/bin/python bench/scenario_memory.py --minutes 60

docs/benchmarks.md ("Scenario memory") has the figures.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from theta_net import Scenario


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.0, help="simulated minutes (default 1)")
    args = parser.parse_args()
    ticks = round(args.minutes * 60 * 20)
    sc = Scenario("idle", duration_ticks=ticks)
    sc.add_player("a")
    sc.add_player("b")
    with tempfile.TemporaryDirectory(prefix="theta-memory-") as tmp:
        started = time.perf_counter()
        result = sc.run(transport="sim", out=tmp)
        wall = time.perf_counter() - started
        metrics = Path(tmp, "metrics.json").stat().st_size
        samples = len(result.samples)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(
        f"{args.minutes:g} simulated min ({ticks} ticks, {samples} samples): peak RSS {peak_mib:.0f} MiB, "
        f"{wall:.1f} s wall, metrics.json {metrics / 2**20:.1f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
