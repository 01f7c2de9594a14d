"""Signed commands from Python: a CollabHost over a DataHost, and CollabClients over ClientDBs.

Every write a client makes travels as a command signed with its Ed25519 key; the server checks
author, signature, sequence and permission, applies the commands of a step in (Lamport clock,
author key) order, logs them and answers each (docs/collaboration.md)::

    from theta_net import collab, data

    host = data.DataHost(schema)
    server = collab.CollabHost(host)
    db = data.ClientDB(schema)
    seed = bytes(range(32))                      # the client's private Ed25519 seed
    client = collab.CollabClient(db, seed)
    cid = host.add_client(0)
    server.add_client(cid, client.public_key, role="editor")
    db.subscribe(0)
    # carry messages: client.take_outgoing() -> server.on_message(cid, m, now);
    # server.flush(now); server.drain(cid) -> client.on_message(m, now)

``server.log_file()`` is the command log as a file; ``CollabHost(fresh_host).replay(file, now)``
applies it to a fresh DataHost, which then holds the same store, byte for byte.
"""

from __future__ import annotations

from . import _core

CollabHost = _core.CollabHost
CollabClient = _core.CollabClient
public_key = _core.collab_public_key

#: The built-in command kind of a ClientDB write (CommandKind.data_write).
DATA_WRITE: int = _core.collab_data_write
#: Application command kinds start here.
FIRST_APPLICATION_COMMAND: int = _core.collab_first_application_command

__all__ = ["CollabHost", "CollabClient", "public_key", "DATA_WRITE", "FIRST_APPLICATION_COMMAND"]
