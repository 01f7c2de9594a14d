"""Entity replication from Python: declare components, and code batches of entity states.

Components are declared like a game's C++ components, with the same quantization::

    from theta_net.replication import Component, EntityCodec, Field

    body = Component("body", [Field.position("x", -256, 256, step_bits=9),
                              Field.position("y", -256, 256, step_bits=9),
                              Field.quaternion("orientation"),
                              Field.boolean("interacting")])
    codec = EntityCodec(body)
    payload = codec.encode(states, baseline)     # bytes: an EntityDelta payload
    states2 = codec.decode(payload, baseline)    # the client's view, exactly

``states`` is a dict of numpy arrays (or a numpy structured array with the same names):
``"entity"`` (uint64 ids), ``"<component>.<field>"`` (a bare ``"<field>"`` works when the schema
has one component) and optionally ``"<component>"`` (bool: which entities have it; all do when
the column is missing). Values are in natural units: fixed fields and positions in blocks,
angles in degrees, quaternions as (n, 4) arrays x, y, z, w, integers and bools as such. With
``raw=True`` every column holds the quantized integer codes instead. ``baseline`` is states in
the same form (what the client holds), or None for full state. decode() returns every column,
absent components as NaN (floats) or 0, with their presence column.

Errors raise :class:`theta_net.ReplicationError`. docs/architecture.md ("Replication")
describes the bitstream; docs/benchmarks.md its figures.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Mapping, Optional, Union

import numpy as np

from . import _core

Field = _core.ReplicationField
Component = _core.ReplicationComponent
Schema = _core.ReplicationSchema

#: The largest EntityDelta payload that keeps a datagram frame within 1,149 bytes.
MAX_ENTITY_PAYLOAD: int = _core.MAX_ENTITY_PAYLOAD

States = Dict[str, np.ndarray]
StatesLike = Union[Mapping[str, Any], np.ndarray]
SchemaLike = Union[Schema, Component, Iterable[Component]]


def component_id(name: str) -> int:
    """A component type's stable 64-bit id: SipHash-2-4 of its name under the all-zero key."""
    return _core.replication_component_id(name)


def reference_schema() -> Schema:
    """The reference game's components: theta.transform, theta.velocity, theta.health and
    theta.player_state."""
    return _core.replication_reference_schema()


class Registry:
    """Collects component declarations; registering the same one twice is harmless, and the
    schema does not depend on the order of registration."""

    def __init__(self) -> None:
        self._components: Dict[str, Component] = {}

    def add(self, component: Component) -> int:
        known = self._components.get(component.name)
        if known is not None and known != component:
            from .errors import ReplicationError

            raise ReplicationError(
                f"component '{component.name}' registered twice with different fields", "invalid_argument"
            )
        self._components[component.name] = component
        return component.id

    def schema(self) -> Schema:
        return Schema(list(self._components.values()))

    def __len__(self) -> int:
        return len(self._components)


def _columns(states: Optional[StatesLike]) -> Optional[Dict[str, Any]]:
    if states is None:
        return None
    if isinstance(states, np.ndarray):
        if states.dtype.names is None:
            raise TypeError("states must be a dict of arrays or a structured array")
        return {name: states[name] for name in states.dtype.names}
    return dict(states)


class EntityCodec:
    """The entity delta bitstream (the payload of an EntityDelta) for one schema."""

    def __init__(self, schema: SchemaLike, *, max_entities: int = 1 << 16) -> None:
        if not isinstance(schema, (Schema, Component)):
            schema = list(schema)
        self._codec = _core.EntityCodec(schema, max_entities)

    @property
    def schema(self) -> Schema:
        return self._codec.schema

    def encode(
        self, states: StatesLike, baseline: Optional[StatesLike] = None, *, raw: bool = False
    ) -> bytes:
        """The payload coding ``states`` against ``baseline`` (None: against nothing)."""
        return self._codec.encode(_columns(states), _columns(baseline), raw)

    def decode(self, data: bytes, baseline: Optional[StatesLike] = None, *, raw: bool = False) -> States:
        """The states a payload codes, against the same ``baseline`` it was encoded with."""
        return self._codec.decode(data, _columns(baseline), raw)

    def quantize(self, states: StatesLike, *, raw: bool = False) -> States:
        """``states`` as a client holds them after decoding: every value on its field's grid."""
        return self._codec.quantize(_columns(states), raw)


def to_structured(states: Mapping[str, np.ndarray]) -> np.ndarray:
    """Turns a dict of columns (as decode() returns) into one numpy structured array."""
    names = list(states)
    n = len(states["entity"])
    dtype = [(name, states[name].dtype, states[name].shape[1:]) for name in names]
    out = np.empty(n, dtype=dtype)
    for name in names:
        out[name] = states[name]
    return out


__all__ = [
    "Field",
    "Component",
    "Schema",
    "Registry",
    "EntityCodec",
    "MAX_ENTITY_PAYLOAD",
    "component_id",
    "reference_schema",
    "to_structured",
]
