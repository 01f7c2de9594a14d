"""Host migration from Python: a server's store and signed-command state handed to a successor.

A migration bundle (docs/collaboration.md, "Host migration") holds the store at its version, the
command log held in memory, every author's next sequence and last Lamport clock, and the
server's clock. ``export(host, path)`` flushes a ``collab.CollabHost`` and writes its bundle;
``import_into(fresh, path)`` makes a fresh host (same schema) go on from it: the same store
digest and version, the same log, and each author's next command taken where it left off (a
command already taken is refused as a repeat)::

    from theta_net import collab, data, migration

    schema = data.Schema.from_toml(open("board.toml").read())
    old = collab.CollabHost(data.DataHost(schema))
    ...                                       # clients write signed commands
    migration.export(old, "bundle.bin")
    new_host = data.DataHost(schema)
    new = collab.CollabHost(new_host)
    migration.import_into(new, "bundle.bin")  # same digest, version and log

``read(schema, path)`` checks a bundle and returns what it holds. The bundle's decoder is a
border: a truncated, corrupt or foreign file raises ``theta_net.DataError`` naming what was
wrong. The C++ ``session::DataServer`` also moves its sessions (resume tokens, keys, roles) and
sends its clients to the successor; this module covers the state of the sans-I/O hosts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Union

from . import _core

PathLike = Union[str, Path]


def export(host: Any, path: PathLike, now: int = 0) -> Dict[str, Any]:
    """Flush ``host`` (a ``collab.CollabHost``) and write its migration bundle to ``path``."""
    return _core.migration_export(host, str(path), now)


def import_into(host: Any, path: PathLike) -> Dict[str, Any]:
    """Make a fresh ``collab.CollabHost`` go on from the bundle at ``path``."""
    return _core.migration_import(host, str(path))


def read(schema: Any, path: PathLike) -> Dict[str, Any]:
    """The bundle at ``path``, checked against ``schema``, as a dict."""
    return _core.migration_read(schema, str(path))


__all__ = ["export", "import_into", "read"]
