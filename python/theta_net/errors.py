"""Exceptions raised by theta_net.

Every error carries ``code``, a stable lower-case name of what went wrong (``"truncated"``,
``"checksum_mismatch"``, ``"unsupported_version"``, ...), and ``message``, which names the field,
offset or value at fault. ``str(error)`` is ``"<code>: <message>"``.
"""

from __future__ import annotations


class Error(Exception):
    """Base class of every theta_net error."""

    def __init__(self, message: str, code: str = "invalid_argument") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message


class CodecError(Error):
    """A voxel chunk blob, chunk diff or entity delta could not be encoded or decoded."""


class ProtocolError(Error):
    """A frame or message broke the wire protocol, or a handshake was refused."""


class TransportError(Error):
    """A QUIC or SimNet connection failed, timed out or was closed."""


class ReplicationError(Error):
    """Entity replication state or a component declaration is invalid."""


class ReplayError(Error):
    """An input log or event stream is malformed or does not match."""


class DataError(Error):
    """A data schema, transaction, value or data-layer message is invalid."""


class ScenarioError(Error):
    """A scenario file or script is invalid."""


class SweepError(Error):
    """A sweep's grid, seeds or cluster is invalid or cannot be reached."""


__all__ = [
    "Error",
    "CodecError",
    "ProtocolError",
    "TransportError",
    "ReplicationError",
    "ReplayError",
    "DataError",
    "ScenarioError",
    "SweepError",
]
