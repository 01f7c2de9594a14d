"""The transport layer from Python: QUIC and TCP endpoints, the deterministic SimNet and the UDP
and TCP relays.

Every endpoint has ``send(conn, lane, data)``, ``poll(timeout)`` (the GIL is released while it
waits), ``events()``, ``close(conn, code, reason)``, ``stats(conn)`` and ``connections()``.
Errors raise :class:`theta_net.TransportError`. See docs/transport.md.
"""

from __future__ import annotations

import re

from ._core import (
    CLOSE_PROTOCOL_ERROR,
    CLOSE_SHUTDOWN,
    MAX_DATAGRAM_MESSAGE,
    Event,
    EventKind,
    Http3Client,
    Http3Response,
    Lane,
    LinkConfig,
    QuicClient,
    ThreadedQuicClient,
    QuicServer,
    SimEndpoint,
    SimNet,
    TcpClient,
    TcpRelay,
    TcpServer,
    UdpRelay,
)

_DURATION = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(us|ms|s|m)?\s*$")
_RATE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(bit|kbit|mbit|gbit|bps|kbps|mbps|gbps)?\s*$", re.I)


def parse_duration(text: str) -> float:
    """'50ms', '1.5s', '200us', '2m' -> seconds; a bare number is milliseconds (as in netem)."""
    m = _DURATION.match(str(text))
    if not m:
        raise ValueError(f"bad duration {text!r} (e.g. 50ms, 1s, 200us)")
    scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, None: 1e-3}[m.group(2)]
    return float(m.group(1)) * scale


def parse_percent(text: str) -> float:
    """'1%' -> 0.01; a bare number is a percentage too ('0.5' -> 0.005)."""
    value = float(str(text).strip().rstrip("%"))
    if not 0 <= value <= 100:
        raise ValueError(f"bad percentage {text!r}")
    return value / 100.0


def parse_rate(text: str) -> int:
    """tc's units: '1mbit' -> 1,000,000 bits/s; 'bps' units are bytes per second ('1mbps' = 8 Mbit/s)."""
    m = _RATE.match(str(text))
    if not m:
        raise ValueError(f"bad rate {text!r} (e.g. 1mbit, 500kbit)")
    unit = (m.group(2) or "bit").lower()
    scale = {
        "bit": 1,
        "kbit": 1e3,
        "mbit": 1e6,
        "gbit": 1e9,
        "bps": 8,
        "kbps": 8e3,
        "mbps": 8e6,
        "gbps": 8e9,
    }[unit]
    return int(float(m.group(1)) * scale)


__all__ = [
    "CLOSE_PROTOCOL_ERROR",
    "CLOSE_SHUTDOWN",
    "MAX_DATAGRAM_MESSAGE",
    "Event",
    "EventKind",
    "Http3Client",
    "Http3Response",
    "Lane",
    "LinkConfig",
    "QuicClient",
    "ThreadedQuicClient",
    "QuicServer",
    "SimEndpoint",
    "SimNet",
    "TcpClient",
    "TcpRelay",
    "TcpServer",
    "UdpRelay",
    "parse_duration",
    "parse_percent",
    "parse_rate",
]
