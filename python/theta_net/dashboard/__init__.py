"""The live dashboard of a running theta_net server (docs/dashboard.md): a page served by the
server's own process that shows its clients, their sync, conflicts and the network log, updated
over a WebSocket, with buttons to resync or kick a client."""

from .server import DashboardError, DashboardServer, parse_address

__all__ = ["DashboardError", "DashboardServer", "parse_address"]
