"""The run's records, streamed to disk as they are taken: one sample per client every
``sample_ticks`` (samples.jsonl) and one record per correction (reconciliations.jsonl). The
recorder keeps only what the summary needs as it goes (each client's 1-second window of received
bytes, a deque, and its peak rate; each correction's magnitude, 8 bytes), so memory stays flat
however long a scenario runs but for those 8 bytes per correction; the
records are read back lazily (:class:`RecordFile`) when a Result's ``samples`` or
``reconciliations`` are used."""

from __future__ import annotations

import json
from collections import deque
from itertools import islice
from pathlib import Path
from typing import Any, Deque, Dict, Iterator, Sequence, Tuple

from .. import _core
from .corrections import CorrectionStats
from .rules import WALK_SPEED
from .summary import byte_counters

RECONCILIATION_COLUMNS = ["client", "tick", "time_s", "error_blocks", "error_ms", "ticks_replayed", "cause"]
RATE_WINDOW_S = 1.0  # the peak rate is over 1-second windows of samples


_encode = json.JSONEncoder(separators=(",", ":")).encode  # one encoder, not one per record


def _line(record: Dict[str, Any]) -> str:
    return _encode(record) + "\n"


class RecordFile(Sequence):
    """Flat dicts in a JSON-lines file, read back on use: iterating reads the file line by line,
    ``len`` is known without reading, indexing reads up to the record. Equal to a list (or another
    RecordFile) holding the same records."""

    def __init__(self, path: Path, count: int) -> None:
        self.path, self._count = Path(path), count

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Dict[str, Any]]:
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                yield json.loads(line)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return list(self)[i]
        if i < 0:
            i += self._count
        if not 0 <= i < self._count:
            raise IndexError("record index out of range")
        return next(islice(iter(self), i, None))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (RecordFile, list, tuple)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        if self._count <= 10:
            return repr(list(self))
        return f"<RecordFile {self.path}: {self._count} records>"


class SampleRecorder:
    """Takes a run's samples and corrections after every tick and appends them to their files."""

    def __init__(self, out: Path, tick_rate: int, sample_ticks: int, duration_ticks: int) -> None:
        self.tick_rate, self.sample_ticks, self.duration_ticks = tick_rate, sample_ticks, duration_ticks
        self.samples_path = out / "samples.jsonl"
        self.reconciliations_path = out / "reconciliations.jsonl"
        self._samples = open(self.samples_path, "w", encoding="utf-8")
        self._reconciliations = open(self.reconciliations_path, "w", encoding="utf-8")
        self.sample_count = self.reconciliation_count = 0
        self.windows: Dict[str, Deque[Tuple[float, int]]] = {}  # (time, wire bytes received)
        self.peaks: Dict[str, float] = {}  # the highest received rate over any window, bytes/s
        self.corrections = CorrectionStats()  # every correction's magnitude, for its distribution

    def observe(self, game: _core.LocalGame, index: Dict[str, int], tick: int) -> None:
        """After a tick: the corrections since the last tick, and a sample of every client if
        this is a sampling tick (or the last one)."""
        now = tick / self.tick_rate
        for name, i in index.items():
            for r_tick, error, replayed, cause in game.client(i).reconciliations():
                self.corrections.add(name, error)
                self._reconciliations.write(
                    _line(
                        {
                            "client": name,
                            "tick": r_tick,
                            "time_s": now,
                            "error_blocks": error,
                            "error_ms": error / WALK_SPEED * 1000,
                            "ticks_replayed": replayed,
                            "cause": cause,
                        }
                    )
                )
                self.reconciliation_count += 1
        if tick % self.sample_ticks == 0 or tick == self.duration_ticks:
            for name, i in index.items():
                self._samples.write(_line(self._sample(game, name, i, tick, now)))
                self.sample_count += 1

    def _sample(self, game: _core.LocalGame, name: str, i: int, tick: int, now: float) -> Dict[str, Any]:
        m = game.client_metrics(i)
        counted = byte_counters(m)
        self._update_peak(name, now, counted["wire_bytes_received"])
        return {
            "time_s": now,
            "tick": tick,
            "client": name,
            "established": m["established"],
            "rtt_ms": m["rtt_ms"],
            "reconciliations": m["reconciliations"],
            "ticks_replayed": m["ticks_replayed"],
            "reconciliation_error_ms_mean": m["reconciliation_error_ms_mean"],
            "chunks_loaded": m["chunks_loaded"],
            "chunk_diffs": m["chunk_diffs"],
            "entity_updates": m["entity_updates"],
            **counted,
        }

    def _update_peak(self, name: str, now: float, received: int) -> None:
        window = self.windows.setdefault(name, deque())
        window.append((now, received))
        while window and window[0][0] < now - RATE_WINDOW_S - 1e-9:
            window.popleft()
        peak = self.peaks.setdefault(name, 0.0)
        if len(window) > 1 and window[-1][0] - window[0][0] > 0:
            rate = (window[-1][1] - window[0][1]) / (window[-1][0] - window[0][0])
            self.peaks[name] = max(peak, rate)

    def close(self) -> Tuple[RecordFile, RecordFile]:
        """Closes the files; returns the samples and the reconciliations, read back on use."""
        self._samples.close()
        self._reconciliations.close()
        return (
            RecordFile(self.samples_path, self.sample_count),
            RecordFile(self.reconciliations_path, self.reconciliation_count),
        )
