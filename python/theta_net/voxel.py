"""Voxel chunks from Python: the C++ chunk codec, chunk diffs and the terrain generator.

Chunks are ``numpy.uint16`` arrays of block ids in ``(Y, Z, X)`` order (x fastest), each side
1..512 and at most 2**20 voxels; a 16x16x16 section is the world's chunk. Arrays are handed to
C++ without a copy when they are C-contiguous uint16 (anything else is refused, or copied once
when only its layout differs), and the GIL is released while coding. Errors raise
:class:`theta_net.CodecError` with the decoder's message. docs/codec.md specifies the bytes.

>>> ids = generate_terrain(seed=1, chunk_pos=(0, 3, 0))
>>> blob = encode(ids)
>>> (decode(blob) == ids).all()
True
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Mapping, Sequence, Tuple, Union

import numpy as np

from . import _core
from .errors import CodecError

PRESETS = ("default", "best")
MODES = ("uniform", "raw", "bitpacked", "runs", "fast", "zstd", "context")
SECTION_SHAPE = (16, 16, 16)

Changes = Union[np.ndarray, Mapping[Any, int], Iterable[Tuple[Any, int]]]


def _ids(ids: Any, what: str = "ids") -> np.ndarray:
    arr = np.asarray(ids)
    if arr.dtype != np.uint16:
        raise CodecError(f"{what} must be a numpy.uint16 array, got {arr.dtype}", "invalid_argument")
    if arr.ndim != 3:
        raise CodecError(
            f"{what} must have 3 dimensions (Y, Z, X), got shape {arr.shape}", "invalid_argument"
        )
    return np.ascontiguousarray(arr)  # no copy when it already is


def encode(ids: np.ndarray, mode: str = "default") -> bytes:
    """A self-describing chunk blob. ``mode`` is a preset (``"default"``: small and fast;
    ``"best"``: smallest) or one mode alone (``"fast"``, ``"zstd"``, ``"context"``, ...). Raw is
    always allowed: a mode that cannot code the box (``"uniform"`` for a box of several ids, a
    palette mode for more than 4,096 distinct ids) or would code it larger gives a raw blob, and
    ``info(blob)["mode"]`` says which mode was used."""
    return _core.voxel_encode(_ids(ids), mode)


def decode(blob: bytes) -> np.ndarray:
    """The ``(Y, Z, X)`` uint16 array of a blob (its shape comes from the blob)."""
    return _core.voxel_decode(blob)


def info(blob: bytes) -> Dict[str, Any]:
    """The blob's header: ``version``, ``mode``, ``shape``, ``crc32c``, ``header_bytes``."""
    return dict(_core.voxel_header(blob))


def _flat_index(key: Any, shape: Sequence[int]) -> int:
    if isinstance(key, (tuple, list)):
        y, z, x = key
        return (int(y) * shape[1] + int(z)) * shape[2] + int(x)
    return int(key)


def encode_diff(base: np.ndarray, changes: Changes, mode: str = "default") -> bytes:
    """A diff that turns ``base`` into the new chunk: ``changes`` is the new array itself, or
    block changes as ``{index: id}`` / ``[(index, id), ...]`` where an index is flat (Y, Z, X
    order) or a ``(y, z, x)`` tuple. The whole chunk is sent instead when that is smaller."""
    base = _ids(base, "base")
    if isinstance(changes, np.ndarray):
        target = _ids(changes, "changes")
        if target.shape != base.shape:
            raise CodecError(
                f"the new array's shape {target.shape} differs from the base's " f"{base.shape}",
                "invalid_argument",
            )
        indices = np.flatnonzero(base != target).astype(np.uint32)
        ids = target.reshape(-1)[indices]
    else:
        pairs = changes.items() if isinstance(changes, Mapping) else changes
        flat = [(_flat_index(k, base.shape), int(v)) for k, v in pairs]
        for index, value in flat:
            if not 0 <= index < base.size:
                raise CodecError(
                    f"change index {index} is outside the {base.size}-voxel chunk", "out_of_range"
                )
            if not 0 <= value <= 0xFFFF:
                raise CodecError(f"block id {value} is not a uint16", "out_of_range")
        indices = np.array([i for i, _ in flat], dtype=np.uint32)
        ids = np.array([v for _, v in flat], dtype=np.uint16)
    return _core.voxel_encode_diff(base, indices, np.ascontiguousarray(ids, dtype=np.uint16), mode)


def apply_diff(base: np.ndarray, diff: bytes) -> np.ndarray:
    """A new array: ``base`` with the diff applied. A diff made for another base is refused
    (``checksum_mismatch``); ``base`` itself is never modified."""
    return _core.voxel_apply_diff(_ids(base, "base"), diff)


def generate_terrain(
    seed: int,
    chunk_pos: Sequence[int] = (0, 0, 0),
    dims: Sequence[int] = SECTION_SHAPE,
    kind: str = "hills",
    sea_level: int = 62,
) -> np.ndarray:
    """Deterministic terrain: the ``dims`` = (Y, Z, X) box whose lowest corner is block
    ``chunk_pos`` x 16, with ``chunk_pos`` = (x, y, z) chunk coordinates. ``kind`` is
    ``"hills"`` (water, caves, ores, trees) or ``"superflat"``. Same seed, same ids everywhere."""
    cx, cy, cz = (int(v) for v in chunk_pos)
    y, z, x = (int(v) for v in dims)
    return _core.voxel_generate_terrain(seed, (cx, cy, cz), (y, z, x), kind, sea_level)


__all__ = [
    "PRESETS",
    "MODES",
    "SECTION_SHAPE",
    "encode",
    "decode",
    "info",
    "encode_diff",
    "apply_diff",
    "generate_terrain",
]
