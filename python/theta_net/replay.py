"""Event streams: canonical JSONL files of what a session did, and a fast structural diff of two.

An event stream starts with a header line (``"kind": "header"``), then one event per line, each
an object with an integer ``tick``, a string ``kind`` and, when it is about one thing, an
``entity`` or a ``key``; lines are canonical JSON (sorted keys, no spaces; floats as ``repr``
writes them), so identical runs give identical bytes. docs/replay.md specifies the format.

>>> result = diff("golden/server.jsonl", "run/server.jsonl", float_tol=1e-6, ignore=["debug"])
>>> result.equal, result.first_divergent_tick, result.counts["changed"]

Stream ``a`` is the reference: ``missing`` events are in ``a`` only, ``extra`` ones in ``b`` only.
The diff itself runs in C++ with the GIL released; bad input raises :class:`ReplayError` naming
the file and line.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, Iterator, List, Optional, Union

from . import _core
from .errors import ReplayError

PathLike = Union[str, "os.PathLike[str]"]

FORMAT_VERSION: int = _core.replay_format_version()
DIFFERENCE_TYPES = ("missing", "extra", "changed", "reordered", "schema")


@dataclass
class DiffResult:
    """What :func:`diff` found. ``differences`` holds the first ``max_differences`` (each a dict
    with ``type``, ``tick`` and the fields docs/replay.md lists); ``counts`` counts all of them."""

    equal: bool
    first_divergent_tick: Optional[int]
    differences: List[Dict[str, Any]]
    counts: Dict[str, int]
    truncated: bool = False
    events: Dict[str, int] = field(default_factory=dict)
    first_state_hash_divergence: Optional[Dict[str, Any]] = None

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "DiffResult":
        return cls(
            equal=d["equal"],
            first_divergent_tick=d["first_divergent_tick"],
            differences=d["differences"],
            counts=d["counts"],
            truncated=d["truncated"],
            events=d["events"],
            first_state_hash_divergence=d["first_state_hash_divergence"],
        )

    def to_dict(self) -> Dict[str, Any]:
        """The same dict ``theta-net replay diff --json`` prints."""
        return {
            "equal": self.equal,
            "first_divergent_tick": self.first_divergent_tick,
            "differences": self.differences,
            "counts": self.counts,
            "truncated": self.truncated,
            "events": self.events,
            "first_state_hash_divergence": self.first_state_hash_divergence,
        }


def _strings(values: Union[str, Iterable[str], None], what: str) -> List[str]:
    if values is None:
        return []
    if isinstance(values, str):
        return [values]
    out = list(values)
    if not all(isinstance(v, str) for v in out):
        raise ReplayError(f"{what} must be strings", "invalid_argument")
    return out


def diff(
    a: PathLike,
    b: PathLike,
    *,
    float_tol: float = 0.0,
    ignore: Union[str, Iterable[str], None] = (),
    ignore_kinds: Union[str, Iterable[str], None] = (),
    max_differences: int = 1000,
    state_hash_kinds: Iterable[str] = ("state_hash",),
) -> DiffResult:
    """Compares event stream ``b`` with the reference ``a``, structurally and tick by tick.

    ``float_tol``: floats within it are equal (integers always compare exactly).
    ``ignore``: field patterns left out (``"debug"``, ``"stats.ping"``, ``"players[*].ping"``,
    ``"*.wall_ms"``), in events and headers. ``ignore_kinds``: event kinds left out entirely.
    ``max_differences``: how many differences the result keeps (all are counted).
    """
    if max_differences < 0:
        raise ReplayError("max_differences must be >= 0", "invalid_argument")
    text = _core.replay_diff(
        os.fspath(a),
        os.fspath(b),
        float(float_tol),
        _strings(ignore, "ignore"),
        _strings(ignore_kinds, "ignore_kinds"),
        int(max_differences),
        _strings(state_hash_kinds, "state_hash_kinds"),
    )
    return DiffResult.from_dict(json.loads(text))


def canonical_json(value: Any) -> str:
    """The canonical text of a JSON value: what an event line holds (without the newline).
    Equal to ``json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``;
    NaN, infinity and integers beyond 64 bits are refused."""
    return _core.replay_canonical_json(value)


def header_for_this_build(
    scenario: str, world_seed: int, tick_rate: int = 20, role: str = "server"
) -> Dict[str, Any]:
    """A stream header with this build's protocol version and schema hash."""
    return _core.replay_header_for_this_build(scenario, world_seed, tick_rate, role)


class EventWriter:
    """Writes a canonical event stream: to ``path``, or to memory when ``path`` is None
    (then :meth:`getvalue` returns the text). Ticks must not decrease.

    >>> with EventWriter("server.jsonl", header_for_this_build("demo", 42)) as w:
    ...     w.write({"tick": 1, "kind": "spawn", "entity": 7, "pos": [0.5, 64.0, 0.5]})
    """

    def __init__(self, path: Optional[PathLike], header: Dict[str, Any]) -> None:
        self._writer = _core.ReplayEventWriter(header, None if path is None else os.fspath(path))
        self._memory = path is None
        self._text: List[str] = []

    def write(self, event: Dict[str, Any]) -> None:
        self._writer.write(event)

    @property
    def events_written(self) -> int:
        return self._writer.events_written

    def getvalue(self) -> str:
        if not self._memory:
            raise ReplayError("getvalue() is for writers without a path", "state")
        self._text.append(self._writer.take())
        return "".join(self._text)

    def close(self) -> None:
        self._writer.close()

    def __enter__(self) -> "EventWriter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


@dataclass
class RunResult:
    """What :func:`run` did: ticks simulated, inputs applied, events written to ``out``."""

    ticks: int
    inputs: int
    events: int
    out: str


def run(input_log: PathLike, out: PathLike) -> RunResult:
    """Replays an input log (a server's, written by ``LocalGame(input_log=...)``, ``Server`` or
    ``theta-net replay record``) on a headless server and writes its event stream to ``out``.
    The stream is byte-identical to the one the server wrote while the game was played; diff the
    two with :func:`diff` to find where a change of code made them part. Runs without the GIL."""
    summary = _core.replay_input_log(os.fspath(input_log), os.fspath(out))
    return RunResult(
        ticks=summary["ticks"], inputs=summary["inputs"], events=summary["events"], out=os.fspath(out)
    )


def read_header(path: PathLike) -> Dict[str, Any]:
    """The header line of an event stream, checked."""
    return _core.ReplayEventReader(os.fspath(path)).header


def read_events(path: PathLike) -> Iterator[Dict[str, Any]]:
    """The events of a stream after its header, one dict per line, checked as they are read
    (a bad line raises :class:`ReplayError` with the file and line); one line in memory at a time."""
    return iter(_core.ReplayEventReader(os.fspath(path)))


__all__ = [
    "FORMAT_VERSION",
    "DIFFERENCE_TYPES",
    "DiffResult",
    "diff",
    "canonical_json",
    "header_for_this_build",
    "EventWriter",
    "read_header",
    "read_events",
    "RunResult",
    "run",
]
