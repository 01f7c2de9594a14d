"""Prediction statistics that say something: a client's corrections counted per minute and as a
share of the ticks it compared, and the distribution of their magnitudes over the corrections
only (mean, p50, p95, p99, max; in blocks and in ms of walking). The C++ mean over every compared
tick (``reconciliation_error_ms_mean``) is mostly exact matches, so it stays near zero even when a
client corrects often; these figures do not.

Quantiles are nearest-rank (the smallest magnitude with at least q of the corrections at or below
it), so each is a magnitude that occurred and the figures are the same on every machine."""

from __future__ import annotations

import math
from array import array
from typing import Dict

from .rules import WALK_SPEED

QUANTILES = (("p50", 0.50), ("p95", 0.95), ("p99", 0.99))

# The per-client summary keys these statistics add (docs/scenarios.md, "Prediction statistics").
FIGURES = (
    "corrections_per_minute",
    "corrected_tick_share",
    *(
        f"correction_{unit}_{stat}"
        for unit in ("ms", "blocks")
        for stat in ("mean", "p50", "p95", "p99", "max")
    ),
)


def nearest_rank(ordered: "array | list", q: float) -> float:
    """The nearest-rank q-quantile of sorted values (0 when there are none)."""
    if not ordered:
        return 0.0
    return float(ordered[max(0, math.ceil(q * len(ordered)) - 1)])


class CorrectionStats:
    """Every client's correction magnitudes (blocks), kept as 8 bytes each: a client corrects at
    most once per tick, so a scenario of N ticks keeps at most 8 N bytes per client."""

    def __init__(self) -> None:
        self.magnitudes: Dict[str, array] = {}

    def add(self, client: str, error_blocks: float) -> None:
        self.magnitudes.setdefault(client, array("d")).append(error_blocks)

    def figures(self, client: str, states_compared: int, minutes: float) -> Dict[str, float]:
        """The client's statistics: per minute of its time in the game, as a share of the server
        states it compared, and the magnitudes' distribution."""
        ordered = sorted(self.magnitudes.get(client, ()))
        out = {
            "corrections_per_minute": len(ordered) / minutes if minutes > 0 else 0.0,
            "corrected_tick_share": len(ordered) / states_compared if states_compared else 0.0,
        }
        for unit, scale in (("blocks", 1.0), ("ms", 1000.0 / WALK_SPEED)):
            out[f"correction_{unit}_mean"] = (sum(ordered) / len(ordered) * scale) if ordered else 0.0
            for name, q in QUANTILES:
                out[f"correction_{unit}_{name}"] = nearest_rank(ordered, q) * scale
            out[f"correction_{unit}_max"] = (ordered[-1] * scale) if ordered else 0.0
        return out
