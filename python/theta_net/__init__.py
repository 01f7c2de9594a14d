"""theta_net: netcode toolkit for multiplayer voxel and simulation games.

The compiled core lives in ``theta_net._core``; this package gives it a documented Python API.
"""

from __future__ import annotations

from . import _core, data, errors, protocol, replay, replication, scenario
from ._core import (
    Client,
    KeyPair,
    LocalGame,
    Rng,
    Server,
    crc32c,
    decode_varint,
    encode_varint,
    keep_freed_memory,
    siphash24,
    zigzag_decode,
    zigzag_encode,
)
from .scenario import Scenario
from .sweeps import SweepResult, sweep
from .errors import *  # noqa: F401,F403  (the exception classes, listed in errors.__all__)

__version__: str = _core.__version__


def __getattr__(name: str):
    # theta_net.voxel imports numpy, so it is loaded on first use rather than with the package.
    if name == "voxel":
        import importlib

        return importlib.import_module(".voxel", __name__)
    raise AttributeError(f"module 'theta_net' has no attribute '{name}'")


def build_info() -> dict:
    """How the extension was built (version, build type, sanitizers, compiler, CPU features)."""
    return dict(_core.build_info())


__all__ = [
    "__version__",
    "build_info",
    "data",
    "protocol",
    "replay",
    "replication",
    "scenario",
    "Scenario",
    "sweep",
    "SweepResult",
    "voxel",
    "crc32c",
    "siphash24",
    "encode_varint",
    "decode_varint",
    "zigzag_encode",
    "zigzag_decode",
    "keep_freed_memory",
    "Rng",
    "Server",
    "Client",
    "KeyPair",
    "LocalGame",
]
__all__ += errors.__all__  # noqa: F405 (flake8 cannot see through the star import above)
