#!/usr/bin/env python3
"""Dashboard status benchmark: what the dashboard costs a 64-client server with a page open.

The same game (64 clients over SimNet, 20 Hz) runs twice per round: without a dashboard, and with
a real DashboardServer on loopback, a page connected to its /live WebSocket reading every status,
and every 250 ms of game time the step `theta-net serve --dashboard` takes on the server's thread:
the status built and written as JSON in C++ without the GIL (LocalGame.server_status_json), then
handed to DashboardServer.publish, whose rates, history and page messages are made on the
dashboard's own thread. Reported: the server's tick time (median, mean; the driver's measure) in
both runs and their ratio, and the server-thread time of each status (median, p99) against the
tick time the server spends per 250 ms.

    .venv/bin/python bench/dashboard_status_bench.py [--clients 64] [--seconds 30] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import threading
import time

import websockets

import theta_net
from theta_net.dashboard.server import DashboardServer

INTERVAL = 0.25
LAST_SEQ = re.compile(r'"log_last_seq":(\d+)}$')  # the status JSON's last member


class Page:
    """A dashboard page as a browser keeps it open: connected to /live, reading every message."""

    def __init__(self, url: str) -> None:
        self.statuses = 0
        self._url = url
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._read()), daemon=True)
        self._thread.start()

    async def _read(self) -> None:
        async with websockets.connect(self._url, max_size=None) as socket:
            while not self._stop.is_set():
                try:
                    message = await asyncio.wait_for(socket.recv(), timeout=0.2)
                except asyncio.TimeoutError:
                    continue
                if message.startswith('{"type": "status"'):
                    self.statuses += 1

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def run(clients: int, seconds: float, with_dashboard: bool):
    game = theta_net.LocalGame(network="sim", terrain="hills", seed=9, view_radius=3)
    for i in range(clients):
        game.add_client(f"p{i}", preset="average")
    game.run_until(3.0)  # everyone joined and synced
    dashboard = page = None
    if with_dashboard:
        dashboard = DashboardServer("127.0.0.1", 0)
        dashboard.start()
        page = Page(dashboard.url.replace("http://", "ws://") + "live")
    calls = []
    log_seen = 0
    t = 3.0
    while t < 3.0 + seconds:
        t += INTERVAL
        game.run_until(t)
        if dashboard is not None:
            began = time.perf_counter()
            text = game.server_status_json(log_after=log_seen)
            dashboard.publish(text)
            calls.append(time.perf_counter() - began)
            log_seen = int(LAST_SEQ.search(text).group(1))
    m = game.server_metrics
    shown = 0
    if dashboard is not None:
        time.sleep(0.5)  # the page reads the last status
        shown = page.statuses
        page.close()
        assert len((dashboard.status() or {}).get("clients", [])) == clients
        dashboard.stop()
    game.close()
    return m, calls, shown


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    without, with_, calls, shown = [], [], [], 0
    for _ in range(args.rounds):
        m, _, _ = run(args.clients, args.seconds, False)
        without.append(m)
        m, c, s = run(args.clients, args.seconds, True)
        with_.append(m)
        calls.extend(c)
        shown += s

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
    print(f"page open: it received {shown} of {len(calls)} statuses (a slow reader skips to the newest)")
    print(
        f"tick median   without {tick_off:8.1f} us   with {tick_on:8.1f} us   ratio {tick_on / tick_off:.3f}"
    )
    print(
        f"tick mean     without {mean_off:8.1f} us   with {mean_on:8.1f} us   ratio {mean_on / mean_off:.3f}"
    )
    print(
        f"status (server thread)  median {call_med:8.1f} us   p99 {call_p99:8.1f} us   ({len(calls)} calls)"
    )
    print(
        f"status cost   {100 * call_med / tick_work:.2f}% of the server's tick time "
        f"({ticks_per_status:.1f} ticks, {tick_work / 1e3:.2f} ms per {INTERVAL * 1e3:.0f} ms); "
        f"{100 * call_med / (INTERVAL * 1e6):.3f}% of wall time"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
