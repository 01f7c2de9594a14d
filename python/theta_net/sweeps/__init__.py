"""Scenario sweeps on Dask: one scenario played over a grid of settings times seeds, each run an
independent task on a LocalCluster (the default) or on the workers of a scheduler given by
address, gathered into one table (docs/sweeps.md).

>>> result = theta_net.sweep("scenarios/lan_two_player.toml",
...                          grid={"network.latency": ["10ms", "50ms"]}, seeds=2, out="sweeps/lan")
>>> result.table[["network.latency", "seed", "passed"]]

The package, by concept: grid.py (keys, values, the runs and their ids, checked before any run),
task.py (one run as a Dask task, and its row), cluster.py (the Dask client), sweep.py (the
sweep: submit, gather, write the table)."""

from __future__ import annotations

from .grid import Grid, parse_key, parse_value
from .sweep import SweepResult, sweep

__all__ = ["sweep", "SweepResult", "Grid", "parse_key", "parse_value"]
