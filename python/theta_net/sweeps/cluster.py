"""Where a sweep's runs go: a Dask ``LocalCluster`` of worker processes on this machine by
default, or the scheduler at a given address (``dask-scheduler`` on one host, ``dask-worker
tcp://HOST:8786`` on the others), or a ``distributed.Client`` the caller already holds.

Dask is imported here, on first use, so ``import theta_net`` does not pay for it."""

from __future__ import annotations

import logging
import os
import signal
import threading
from contextlib import contextmanager
from typing import Any, Iterator, Optional

from ..errors import SweepError

# How long to wait for a scheduler to answer before saying it cannot be reached.
CONNECT_TIMEOUT_S = 5


@contextmanager
def dask_client(client: Any = None, workers: Optional[int] = None) -> Iterator[Any]:
    """A ``distributed.Client``: the one given (left open), one connected to the scheduler at the
    address given, or one on a new LocalCluster of `workers` processes (default: the machine's
    cores) listening on 127.0.0.1 only. What this made, it closes."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - bootstrap installs python3-distributed
        raise SweepError(f"sweeps run on Dask, which is not installed: {exc}", "unavailable") from None

    if client is not None and not isinstance(client, str):
        if workers is not None:
            raise SweepError("give workers or a client, not both")
        yield client
        return
    if isinstance(client, str):
        if workers is not None:
            raise SweepError("give workers or a scheduler address, not both")
        try:
            made = Client(client, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as exc:
            raise SweepError(f"cannot reach the Dask scheduler at {client}: {exc}", "unavailable") from None
        try:
            yield made
        finally:
            made.close()
        return
    count = workers if workers is not None else (os.cpu_count() or 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 1024:
        raise SweepError(f"workers: {workers!r} is not a count of 1..1024")
    # One thread per worker process: a run holds the GIL for most of its time. The scheduler's
    # HTTP server (Dask's health and metrics routes; its dashboard needs bokeh) takes any free
    # port on loopback rather than 8787, which another cluster may hold.
    # Ctrl-C at a terminal reaches the whole process group: the workers are started with SIGINT
    # ignored (they inherit it), so only this process hears it and stops the sweep cleanly.
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        cluster = LocalCluster(
            n_workers=count,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.ERROR,
        )
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    try:
        made = Client(cluster)
        try:
            yield made
        finally:
            made.close()
    finally:
        cluster.close()
