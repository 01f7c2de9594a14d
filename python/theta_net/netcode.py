"""Generic prediction, reconciliation and lag compensation over your own game state.

:class:`Predictor` keeps a client's inputs and predicted states by tick, compares the server's
state for a tick with its prediction, and on a difference that matters rewinds to the server's
state and replays the inputs recorded since. The state and input are whatever Python objects
your game uses (dicts of numbers or numpy arrays, say); ``step(state, input, tick)`` returns
the next state and must be deterministic. The rewind rules are the C++ core's
(``netcode::Predictor``, the same template the reference game's player prediction uses).

:class:`CorrectionSmoother` hides a correction's snap in what is drawn: the old position stays as
an offset that decays each tick (the reference game's player uses the same rule).

:class:`ComponentInterpolator` draws a replicated component (theta_net.replication.Component)
between server samples, each field by its kind (lerp, angle the short way, slerp, step), and
extrapolates for a bounded time when updates are late.

:class:`InputSchema` declares a game's input like a component (buttons, axes, aim, one-shot
actions) and codes bundles of inputs by field against the previous input. :class:`InputSender`
(the client) keeps the inputs the server has not acknowledged and writes each tick's bundle;
:class:`InputBuffer` (the server) takes bundles and hands each tick its input, repeating the last
one without its one-shot fields when a tick's input did not come in time.

:class:`InputLogWriter` writes a server's input log: the input each player's step ran with, tick
by tick, in the schema's fields (with joins and leaves); :func:`replay_input_log` plays such a log
into your own simulation again, so its server stream can be replayed on any machine.

:func:`first_divergence` and :func:`check_determinism` find the first tick at which a step stops
reproducing recorded states, and which fields differ.

:class:`LagCompensator` records hit volumes per tick on the server and judges a hit-scan at the
tick the shooter saw. See docs/netcode.md.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping, Optional, Sequence

from ._core import netcode as _netcode

LagCompensator = _netcode.LagCompensator
ComponentInterpolator = _netcode.ComponentInterpolator
CorrectionSmoother = _netcode.CorrectionSmoother
InputSchema = _netcode.InputSchema
InputSender = _netcode.InputSender
InputBuffer = _netcode.InputBuffer
InputLogWriter = _netcode.InputLogWriter


def _magnitude(predicted: Any, authoritative: Any) -> float:
    """The largest absolute difference between two values (numbers, sequences, numpy arrays);
    inf when they cannot be compared as numbers and are not equal."""
    import numpy as np

    try:
        a = np.asarray(predicted, dtype=float)
        b = np.asarray(authoritative, dtype=float)
    except (TypeError, ValueError):
        return 0.0 if predicted == authoritative else math.inf
    if a.shape != b.shape:
        return math.inf
    if a.size == 0:
        return 0.0
    difference = float(np.max(np.abs(a - b)))
    # A prediction that has gone to NaN differs from anything (NaN compares false with any
    # threshold, which would hide it).
    return math.inf if math.isnan(difference) else difference


class FieldThresholds:
    """A comparison for states that are mappings of field name to value.

    ``FieldThresholds({"pos": 0.01, "vel": 0.1})(predicted, authoritative)`` returns a dict of
    the fields whose largest absolute difference is over their threshold (``default`` for fields
    not named), field -> difference. An empty dict means the prediction held. A field present
    in only one of the two states differs by infinity.
    """

    def __init__(self, thresholds: Optional[Mapping[str, float]] = None, default: float = 0.0):
        self.thresholds = dict(thresholds or {})
        for name, value in self.thresholds.items():
            if not isinstance(value, (int, float)) or value < 0 or math.isnan(value):
                raise ValueError(f"the threshold of field {name!r} must be a number >= 0, not {value!r}")
        if not isinstance(default, (int, float)) or default < 0 or math.isnan(default):
            raise ValueError(f"the default threshold must be a number >= 0, not {default!r}")
        self.default = float(default)

    def __call__(self, predicted: Mapping[str, Any], authoritative: Mapping[str, Any]) -> dict:
        out = {}
        for name in sorted(set(predicted) | set(authoritative)):
            if name not in predicted or name not in authoritative:
                out[name] = math.inf
                continue
            difference = _magnitude(predicted[name], authoritative[name])
            if difference > self.thresholds.get(name, self.default):
                out[name] = difference
        return out


class Predictor(_netcode.Predictor):
    """Client-side prediction over Python state.

    ``step(state, input, tick) -> state`` advances one tick and returns a new state (it must not
    change the one it is given: the history keeps it). ``compare(predicted, authoritative)``
    returns a diff whose truth says whether to correct; by default :class:`FieldThresholds`
    built from ``thresholds`` (exact comparison when none is given).

    ``predict(tick, input)`` applies an input; ``reconcile(state, tick)`` takes the server's
    state after ``tick`` and returns ``{"tick", "diff", "ticks_replayed", "no_history"}`` when it
    corrected, else None. ``state``, ``tick``, ``acked_tick``, ``state_at(tick)``,
    ``unacknowledged(max)`` (the (tick, input) pairs a client repeats until the server confirms
    them) and ``stats`` read it. An exception raised by ``step`` propagates with a note naming
    the tick, and leaves the predictor as it was.
    """

    def __init__(
        self,
        step: Callable[[Any, Any, int], Any],
        compare: Optional[Callable[[Any, Any], Any]] = None,
        *,
        thresholds: Optional[Mapping[str, float]] = None,
        history: int = 60,
    ):
        if not callable(step):
            raise TypeError(f"step must be callable, not {type(step).__name__}")
        if compare is not None and thresholds is not None:
            raise ValueError("give compare or thresholds, not both")
        if compare is None:
            compare = FieldThresholds(thresholds)
        if history < 1:
            raise ValueError(f"history must be at least 1 tick, not {history}")
        super().__init__(step, compare, history)


def replay_input_log(
    schema: InputSchema,
    target: Any,
    *,
    path: Optional[str] = None,
    text: Optional[str] = None,
    max_ticks: int = 10_000_000,
) -> dict:
    """Plays an input log (the file at ``path``, or its ``text``) written for ``schema`` into
    ``target``, in the order its server did: ``target.join(tick, entity, name)`` and
    ``target.leave(tick, entity, detail)`` after ``tick`` was simulated, ``target.step(tick,
    {entity: input})`` for every tick from 1 to the one before the log's end (inputs in natural
    units), and ``target.record(event)``, when the target has it, for the application's own
    records. Returns {"ticks", "inputs", "joins", "leaves", "ended", "header"}.

    Raises :class:`~theta_net.ReplayError` for a log of another schema or a record no server
    would have written (with the file and line), and whatever the target raises."""
    return _netcode.replay_input_log(schema, target, path, text, max_ticks)


def first_divergence(
    step: Callable[[Any, Any, int], Any],
    initial: Any,
    inputs: Sequence[Any],
    recorded: Sequence[Any],
    *,
    compare: Optional[Callable[[Any, Any], Any]] = None,
    thresholds: Optional[Mapping[str, float]] = None,
    first_tick: int = 1,
) -> Optional[dict]:
    """Replays ``inputs`` (one per tick from ``first_tick``) through ``step`` from ``initial``
    and compares each state with ``recorded`` (the states another run gave for the same ticks).
    Returns ``{"tick", "diff"}`` for the first tick that differs, or None. By default states are
    compared exactly, field by field (:class:`FieldThresholds` with no tolerance)."""
    if compare is not None and thresholds is not None:
        raise ValueError("give compare or thresholds, not both")
    if compare is None:
        compare = FieldThresholds(thresholds)
    return _netcode.first_divergence(step, compare, initial, list(inputs), list(recorded), first_tick)


def check_determinism(
    step: Callable[[Any, Any, int], Any],
    initial: Any,
    inputs: Sequence[Any],
    *,
    runs: int = 2,
    compare: Optional[Callable[[Any, Any], Any]] = None,
    first_tick: int = 1,
) -> Optional[dict]:
    """Runs ``step`` over the same inputs ``runs`` times in this process and returns the first
    divergence from the first run (``{"run", "tick", "diff"}``), or None when every run gave the
    same states. It catches a step that reads anything besides its state, input and tick: an
    unseeded random generator, the clock, a global counter, the order of a set of objects."""
    if runs < 2:
        raise ValueError(f"runs must be at least 2, not {runs}")
    recorded, state = [], initial
    for i, value in enumerate(inputs):
        state = step(state, value, first_tick + i)
        recorded.append(state)
    for run in range(2, runs + 1):
        found = first_divergence(step, initial, inputs, recorded, compare=compare, first_tick=first_tick)
        if found is not None:
            return {"run": run, **found}
    return None


__all__ = [
    "ComponentInterpolator",
    "CorrectionSmoother",
    "FieldThresholds",
    "InputBuffer",
    "InputLogWriter",
    "InputSchema",
    "InputSender",
    "LagCompensator",
    "Predictor",
    "check_determinism",
    "first_divergence",
    "replay_input_log",
]
