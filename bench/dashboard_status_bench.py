#!/usr/bin/env python3
"""Dashboard status benchmark: what building the server's status and converting it to the
dashboard's dict costs, with 64 clients over SimNet. The same game runs twice per round, once
without a status and once with LocalGame.server_status() every 250 ms of game time (as
`theta-net serve --dashboard` asks for it: build without the GIL, then the dict). Reported: the
server's tick time (median, mean; the driver's measure) in both runs and their ratio, and the
status call's wall time (median, p99) against the tick time the server spends per 250 ms.

    .venv/bin/python bench/dashboard_status_bench.py [--clients 64] [--seconds 30] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import theta_net

INTERVAL = 0.25


def run(clients: int, seconds: float, with_status: bool):
    game = theta_net.LocalGame(network="sim", terrain="hills", seed=9, view_radius=3)
    for i in range(clients):
        game.add_client(f"p{i}", preset="average")
    game.run_until(3.0)  # everyone joined and synced
    start = game.server_metrics["ticks_timed"]
    calls = []
    log_seen = 0
    t = 3.0
    while t < 3.0 + seconds:
        t += INTERVAL
        game.run_until(t)
        if with_status:
            began = time.perf_counter()
            status = game.server_status(log_after=log_seen)
            calls.append(time.perf_counter() - began)
            log_seen = status["log_last_seq"]
            assert len(status["clients"]) == clients
    m = game.server_metrics
    game.close()
    return m, m["ticks_timed"] - start, calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    without, with_, calls = [], [], []
    for _ in range(args.rounds):
        m, _ticks, _ = run(args.clients, args.seconds, False)
        without.append(m)
        m, _ticks, c = run(args.clients, args.seconds, True)
        with_.append(m)
        calls.extend(c)

    def med(ms, key):
        return statistics.median(x[key] for x in ms)

    tick_off, tick_on = med(without, "tick_time_us_median"), med(with_, "tick_time_us_median")
    mean_off, mean_on = med(without, "tick_time_us_mean"), med(with_, "tick_time_us_mean")
    calls.sort()
    call_med = statistics.median(calls) * 1e6
    call_p99 = calls[min(len(calls) - 1, int(0.99 * len(calls)))] * 1e6
    ticks_per_status = INTERVAL * with_[0]["tick"] / (3.0 + args.seconds)  # ~5 at 20 Hz
    tick_work = ticks_per_status * mean_on  # server tick time per status interval, us
    print(f"{args.clients} clients over SimNet, {args.seconds:.0f} s of game, {args.rounds} rounds")
    print(
        f"tick median   without {tick_off:8.1f} us   with {tick_on:8.1f} us   ratio {tick_on / tick_off:.3f}"
    )
    print(
        f"tick mean     without {mean_off:8.1f} us   with {mean_on:8.1f} us   ratio {mean_on / mean_off:.3f}"
    )
    print(f"status call   median {call_med:8.1f} us   p99 {call_p99:8.1f} us   ({len(calls)} calls)")
    print(
        f"status cost   {100 * call_med / tick_work:.2f}% of the server's tick time "
        f"({ticks_per_status:.1f} ticks, {tick_work / 1e3:.2f} ms per {INTERVAL * 1e3:.0f} ms); "
        f"{100 * call_med / (INTERVAL * 1e6):.3f}% of wall time"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
