"""What a scenario run gives back: :class:`Result` (the checked expectations, the summary, the
samples and corrections as DataFrame-ready records, the files written) and its metrics.json."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Sequence

from ..errors import ScenarioError
from .recorder import RECONCILIATION_COLUMNS

RECORD_TABLES = ("samples", "reconciliations")


# What json.dumps(value, sort_keys=True, separators=(",", ":")) gives, with one encoder for all
# the records rather than one per call.
_compact = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode


@dataclass
class ExpectationResult:
    """One checked expectation: ``what`` says it in words, ``detail`` what was measured."""

    kind: str
    where: str
    what: str
    passed: bool
    detail: str

    def to_dict(self) -> Dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Result:
    """What a run produced. ``samples`` (one record per client every ``sample_ticks``) and
    ``reconciliations`` (one per correction) are sequences of flat dicts, DataFrame-ready; a run
    streams them to samples.jsonl and reconciliations.jsonl and they are read from there on use."""

    scenario: str
    transport: str
    passed: bool
    expectations: List[ExpectationResult]
    summary: Dict[str, Any]
    samples: Sequence[Dict[str, Any]]
    reconciliations: Sequence[Dict[str, Any]]
    out_dir: Path
    files: Dict[str, str]
    wall_seconds: float
    simulated_seconds: float
    _tempdir: Any = field(default=None, repr=False)  # keeps a temporary out_dir alive

    @property
    def speedup(self) -> float:
        """Simulated seconds per wall second."""
        return self.simulated_seconds / self.wall_seconds if self.wall_seconds > 0 else math.inf

    def dataframe(self, table: str = "samples"):
        """``samples`` or ``reconciliations`` as a pandas DataFrame (needs pandas)."""
        import pandas

        if table not in RECORD_TABLES:
            raise ScenarioError(f"no table {table!r}: samples or reconciliations", "invalid_argument")
        rows = list(getattr(self, table))
        if not rows and table == "reconciliations":
            return pandas.DataFrame(columns=RECONCILIATION_COLUMNS)
        return pandas.DataFrame(rows)

    def _head(self) -> Dict[str, Any]:
        """metrics.json without the record tables."""
        return {
            "scenario": self.scenario,
            "transport": self.transport,
            "passed": self.passed,
            "wall_seconds": round(self.wall_seconds, 3),
            "simulated_seconds": self.simulated_seconds,
            "expectations": [e.to_dict() for e in self.expectations],
            "summary": self.summary,
            "files": self.files,
        }

    def to_dict(self) -> Dict[str, Any]:
        """What metrics.json holds (the records read into lists)."""
        return {**self._head(), **{table: list(getattr(self, table)) for table in RECORD_TABLES}}

    def write_json(self, path: "Path | str") -> None:
        """Writes metrics.json: to_dict() as compact JSON with sorted keys, the records streamed
        one at a time, so a long run's file is written in constant memory."""
        head = self._head()
        with open(path, "w", encoding="utf-8") as f:
            f.write("{")
            for n, key in enumerate(sorted([*head, *RECORD_TABLES])):
                f.write(("," if n else "") + json.dumps(key) + ":")
                if key in RECORD_TABLES:
                    f.write("[")
                    for k, record in enumerate(getattr(self, key)):
                        f.write(("," if k else "") + _compact(record))
                    f.write("]")
                else:
                    f.write(_compact(head[key]))
            f.write("}\n")

    def table(self) -> str:
        """A summary table for a terminal: one row per client, then the expectations."""
        if "clients" not in self.summary:  # a game program's report (game_program.py)
            return self._report_table()
        rows = [
            ("client", "rtt ms", "recon err ms", "corrections", "chunks", "load ms", "peak KB/s", "recv KiB")
        ]
        for name, c in self.summary["clients"].items():
            rows.append(
                (
                    name,
                    f"{c['rtt_ms']:.1f}",
                    f"{c['reconciliation_error_ms_mean']:.2f}",
                    str(c["reconciliations"]),
                    str(c["chunks_loaded"]),
                    f"{c['chunk_load_ms_mean']:.0f}",
                    f"{c['peak_bytes_per_second'] / 1000:.1f}",
                    f"{c['wire_bytes_received'] / 1024:.0f}",
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = [
            "  ".join(v.rjust(w) if i else v.ljust(w) for i, (v, w) in enumerate(zip(r, widths)))
            for r in rows
        ]
        server = self.summary["server"]
        lines.append(
            f"server: {server['ticks']} ticks, tick time {server['tick_time_us_mean']:.0f} us "
            f"mean, {server['entities']} entities; {self.simulated_seconds:.1f} s simulated in "
            f"{self.wall_seconds:.2f} s ({self.speedup:.0f}x)"
        )
        return "\n".join(lines + self._verdict())

    def _report_table(self) -> str:
        """A game program's report: its top-level figures, then the expectations."""
        lines = [
            f"{key}: {value:,.4g}" if isinstance(value, float) else f"{key}: {value}"
            for key, value in self.summary.items()
            if not isinstance(value, (dict, list))
        ]
        lines.append(f"{self.simulated_seconds:.1f} s simulated in {self.wall_seconds:.2f} s")
        return "\n".join(lines + self._verdict())

    def _verdict(self) -> List[str]:
        lines = []
        for e in self.expectations:
            lines.append(f"{'ok  ' if e.passed else 'FAIL'} {e.what}: {e.detail}")
        lines.append(
            f"{self.scenario} over {self.transport}: "
            f"{'passed' if self.passed else 'FAILED'} "
            f"({sum(e.passed for e in self.expectations)}/{len(self.expectations)} expectations)"
        )
        return lines
