"""The data layer from Python: tables you define, a versioned server store, and client mirrors.

Declare a schema in TOML (docs/data.md) or in Python::

    from theta_net import data

    schema = data.Schema("arena", "1.0", [
        data.Table("players", [
            data.Component("health", [data.Field.int("hp", 0, 100, default=100),
                                      data.Field.bool("alive", default=True)]),
            data.Component("name", [data.Field.string("text", max=32)]),
        ]),
    ])

The server side is a :class:`DataHost` (sans-I/O: you give it ``now`` and carry its messages);
a client's mirror is a :class:`ClientDB`. :class:`LocalData` joins one host and several mirrors
in memory, delivering every message in order, which is what notebooks and tests usually want::

    local = data.LocalData(schema, clients=2)
    with local.transaction() as tx:
        tx.update("players", 7, {"health": {"hp": 80}, "name": {"text": "ada"}})
    local.step()
    local.clients[0].get("players", 7)   # {'health': {'hp': 80, 'alive': True}, 'name': {...}}

Tables and fields take ``conflict="lww"`` (or ``"server"``, ``"merge:counter"``, ``"merge:set"``,
``"merge:text"``, ``"merge:<name>"``): how concurrent writes of several authors are settled
(:class:`ConflictResolver`, docs/collaboration.md).

Values are in user units: fixed and float fields as floats, enums by name, bools as bools,
arrays as lists. Errors raise :class:`theta_net.DataError` naming the table, component or field.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Union

from . import _core
from .errors import DataError

Field = _core.DataField
Component = _core.DataComponent
Table = _core.DataTable
Schema = _core.DataSchema
Transaction = _core.DataTransaction
DataHost = _core.DataHost
ClientDB = _core.ClientDB
#: The server's judge of concurrent writes by the schema's conflict strategies, and its log
#: (docs/collaboration.md, "Conflicts").
ConflictResolver = _core.ConflictResolver


#: A batch recording is this magic, then per batch a u32 little-endian length and the payload.
RECORDING_MAGIC = b"theta-batches/1\n"
MAX_RECORDED_BATCH = 8 << 20


def write_batch_recording(path: Union[str, Path], payloads: Sequence[bytes]) -> None:
    """Writes raw batch payloads (a DataHost's, or a soak's ``recorded_batches``) to a file."""
    with open(path, "wb") as out:
        out.write(RECORDING_MAGIC)
        for payload in payloads:
            out.write(len(payload).to_bytes(4, "little"))
            out.write(payload)


def read_batch_recording(path: Union[str, Path]) -> List[bytes]:
    """Reads a batch recording; DataError names what is wrong with a file that is not one."""
    raw = Path(path).read_bytes()
    if not raw.startswith(RECORDING_MAGIC):
        raise DataError(
            f"{path}: not a batch recording (it does not start with {RECORDING_MAGIC!r})", "corrupt"
        )
    batches, at = [], len(RECORDING_MAGIC)
    while at < len(raw):
        if at + 4 > len(raw):
            raise DataError(f"{path}: ends inside the length of batch {len(batches)}", "truncated")
        size = int.from_bytes(raw[at : at + 4], "little")
        at += 4
        if size > MAX_RECORDED_BATCH:
            raise DataError(
                f"{path}: batch {len(batches)} declares {size} bytes (max {MAX_RECORDED_BATCH})",
                "limit_exceeded",
            )
        if at + size > len(raw):
            raise DataError(f"{path}: batch {len(batches)} ends after the file", "truncated")
        batches.append(raw[at : at + size])
        at += size
    return batches


def train_dictionary(samples: Sequence[bytes], size: int = 16384, held_out: Sequence[bytes] = ()) -> dict:
    """Trains a dictionary on ``samples``; measures zstd with and without it on ``held_out``."""
    dictionary = _core.data_train_dictionary(list(samples), size)
    return {
        "dictionary": dictionary,
        "dictionary_bytes": len(dictionary),
        "dictionary_id": _core.data_dictionary_id(dictionary),
        "samples": len(samples),
        "held_out": len(held_out),
        "held_out_bytes": {
            "raw": sum(len(b) for b in held_out),
            "zstd": sum(len(_core.data_pack(b)) for b in held_out),
            "zstd_dictionary": sum(len(_core.data_pack(b, dictionary)) for b in held_out),
        },
    }


def load_schema(path: Union[str, Path]) -> Schema:
    """Reads a schema TOML file."""
    return Schema.from_toml(Path(path).read_text(encoding="utf-8"))


class LocalData:
    """A DataHost and ``clients`` ClientDBs joined in memory.

    ``step(dt)`` moves the shared clock on by ``dt`` seconds, flushes the host's open batch, and
    delivers every queued message both ways, in order, until nothing is left in flight.
    """

    def __init__(self, schema: Schema, clients: int = 1, tables: Sequence[str] = (), **host_config) -> None:
        self.schema = schema
        self.host = DataHost(schema, **host_config)
        self.now = 0.0
        self.clients: List[ClientDB] = []
        self._ids: List[int] = []
        for _ in range(clients):
            self.add_client(tables)

    def add_client(self, tables: Sequence[str] = ()) -> ClientDB:
        """A new mirror that subscribes at once; it syncs at the next step()."""
        db = ClientDB(self.schema, list(tables))
        self._ids.append(self.host.add_client(self.now))
        self.clients.append(db)
        db.subscribe(self.now)
        return db

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """A transaction committed to the host when the block ends without an exception."""
        tx = self.host.transaction()
        yield tx
        self.host.commit(tx)

    def step(self, dt: float = 0.05, max_rounds: int = 1000) -> Optional[int]:
        """Advances the clock, flushes, and delivers until quiet; returns the flushed version."""
        self.now += dt
        version = self.host.flush(self.now)
        for _ in range(max_rounds):
            moved = False
            for client_id, db in zip(self._ids, self.clients):
                for message in db.take_outgoing():
                    self.host.on_message(client_id, message, self.now)
                    moved = True
            self.host.flush(self.now)
            for client_id, db in zip(self._ids, self.clients):
                for message in self.host.drain(client_id):
                    db.on_message(message, self.now)
                    moved = True
                db.handle_timeout(self.now)
            self.host.handle_timeout(self.now)
            if not moved:
                return version
        raise RuntimeError(f"LocalData.step: messages still moving after {max_rounds} rounds")

    def converged(self) -> bool:
        """Whether every mirror holds exactly the host's store."""
        truth = self.host.canonical_bytes()
        return all(db.canonical_bytes() == truth for db in self.clients)


__all__ = [
    "Field",
    "Component",
    "Table",
    "Schema",
    "Transaction",
    "DataHost",
    "ClientDB",
    "ConflictResolver",
    "LocalData",
    "load_schema",
    "write_batch_recording",
    "read_batch_recording",
    "train_dictionary",
]
