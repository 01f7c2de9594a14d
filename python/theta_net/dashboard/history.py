"""The recent past of every client, for the page's small plots: a page that opens late still
shows the last minute or so. One sample per status: the server time, RTT, download and upload
rates, kept per session for the newest ``samples`` statuses."""

from __future__ import annotations

from collections import deque
from typing import Any, Deque, Dict, List

SERIES = ("rtt_ms", "down_bps", "up_bps")


class History:
    def __init__(self, samples: int = 120) -> None:
        self._samples = samples
        self._times: Deque[float] = deque(maxlen=samples)
        self._clients: Dict[int, Dict[str, Deque[Any]]] = {}

    def add(self, status: Dict[str, Any]) -> None:
        self._times.append(status["server"]["time_ms"])
        present = set()
        for client in status.get("clients", []):
            sid = client["session_id"]
            present.add(sid)
            series = self._clients.setdefault(
                sid, {name: deque(maxlen=self._samples) for name in ("time_ms",) + SERIES}
            )
            rates = client.get("rates", {})
            series["time_ms"].append(status["server"]["time_ms"])
            series["rtt_ms"].append(client.get("rtt_ms", 0.0))
            series["down_bps"].append(rates.get("down_bps", 0.0))
            series["up_bps"].append(rates.get("up_bps", 0.0))
        for sid in [s for s in self._clients if s not in present]:
            del self._clients[sid]  # gone: a page has no use for the plot of a closed session

    def snapshot(self) -> Dict[str, Dict[str, List[Any]]]:
        """The series of every present client, keyed by session id as 16 hex digits."""
        return {f"{sid:016x}": {k: list(v) for k, v in s.items()} for sid, s in self._clients.items()}
