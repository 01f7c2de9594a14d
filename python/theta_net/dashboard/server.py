"""The dashboard's web server: the page, its scripts and a live feed on one TCP port, in a thread
of its own, so the game server's loop only hands it the status as JSON text now and then.

- ``GET /`` is the page; ``/dashboard.js`` and ``/dashboard.css`` its files (served from this
  package: no CDN); ``GET /api/status`` the newest status as JSON (the numbers the page shows);
  ``GET /api/log?after=N`` the network log after sequence N.
- ``/live`` is a WebSocket: a ``hello`` with the recent history, then one ``status`` message per
  status the server publishes. A page that reads slowly skips statuses (it always gets the newest)
  instead of queueing them. Messages ``{"type": "action", "action": "resync"|"kick",
  "session_id": N, "token": T}`` ask for an action (``"session": "16 hex digits"`` may name the
  session instead: JavaScript numbers cannot hold every 64-bit id, so every client and log line
  also carries its session as hex in ``session``): it needs an admin token, and is handed to the
  server by the next ``publish`` call.
- Origins: the WebSocket takes pages from the dashboard's own origin only (and clients that send
  no Origin, which are not browsers), so another site open in the same browser cannot drive it.
- Viewing needs no token while the dashboard listens on a loopback address; on any other address
  every request needs ``?token=`` (or ``Authorization: Bearer``) with an admin token.
"""

from __future__ import annotations

import asyncio
import hmac
import http
import ipaddress
import json
import threading
from collections import deque
from importlib import resources
from typing import Any, Deque, Dict, Iterable, List, Optional, Tuple, Union
from urllib.parse import parse_qs, urlsplit

import websockets
import websockets.legacy.server as ws_server

from .history import History
from .rates import add_rates

_FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    "/dashboard.js": ("dashboard.js", "text/javascript; charset=utf-8"),
    "/dashboard.css": ("dashboard.css", "text/css; charset=utf-8"),
}
ACTIONS = ("resync", "kick")


class DashboardError(Exception):
    """The dashboard could not start (its address is taken or invalid)."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_address(text: str) -> Tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6) as the --dashboard option takes it."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise ValueError(f"dashboard address {text!r} is not HOST:PORT")
    return host.strip("[]"), int(port)


class DashboardServer:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        admin_tokens: Iterable[str] = (),
        log_capacity: int = 2000,
        history_samples: int = 120,
    ) -> None:
        self.host = host
        self.port = port
        self._admin_tokens = [t for t in admin_tokens if t]
        self._view_needs_token = not is_loopback(host)
        self._lock = threading.Lock()
        self._status: Optional[Dict[str, Any]] = None  # the newest, with rates
        self._status_json = "null"
        self._log: Deque[Dict[str, Any]] = deque(maxlen=log_capacity)
        self._history = History(history_samples)
        self._actions: List[Dict[str, Any]] = []
        self._updates = 0
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._server: Optional[ws_server.WebSocketServer] = None
        self._wakers: set = set()  # one asyncio.Event per live page
        self._stopped: Optional[asyncio.Event] = None
        self._pending: Union[None, str, Dict[str, Any]] = None  # published, not yet processed
        self._latest_message: Optional[str] = None  # the newest status, as pages get it

    # ---- the serve loop's side (any thread) ----------------------------------------------

    def start(self) -> None:
        """Binds and starts serving; ``port`` tells the port (useful with 0)."""
        ready = threading.Event()
        failure: List[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._open())
            except OSError as e:
                failure.append(e)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_until_complete(self._run())
            loop.close()

        self._thread = threading.Thread(target=run, name="theta-net-dashboard", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise DashboardError(f"dashboard cannot listen on {self.host}:{self.port}: {failure[0]}")

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def publish(self, status: Union[str, Dict[str, Any]]) -> List[Dict[str, Any]]:
        """Hands the server's newest status (its JSON text, as ``_core.serve`` and
        ``LocalGame.server_status_json`` make it, or that text read into a dict) to the pages;
        returns the actions asked for since the last call (each ``{"action", "session_id",
        "reason"}``). Cheap: reading it, the rates and the pages' JSON are done on the
        dashboard's thread."""
        with self._lock:
            self._pending = status
            actions, self._actions = self._actions, []
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._take_pending)
        return actions

    def status(self) -> Optional[Dict[str, Any]]:
        with self._lock:
            return self._status

    def stop(self) -> None:
        if self._loop is not None and self._stopped is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)
        if self._thread is not None:
            self._thread.join(timeout=5)

    # ---- the dashboard's thread ----------------------------------------------------------

    async def _open(self) -> None:
        self._stopped = asyncio.Event()
        self._server = await websockets.serve(
            self._live,
            self.host,
            self.port,
            process_request=self._http,
            origins=None,  # checked in _http, which knows the port it bound
            max_size=64 * 1024,
            compression=None,
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _run(self) -> None:
        assert self._stopped is not None and self._server is not None
        await self._stopped.wait()
        self._server.close()
        await self._server.wait_closed()

    def _own_origins(self) -> List[str]:
        hosts = {self.host}
        if is_loopback(self.host):
            hosts |= {"127.0.0.1", "localhost", "[::1]"}
        return [f"http://{h if ':' not in h or h.startswith('[') else f'[{h}]'}:{self.port}" for h in hosts]

    def _token_ok(self, token: Optional[str]) -> bool:
        return token is not None and any(hmac.compare_digest(token, t) for t in self._admin_tokens)

    @staticmethod
    def _request_token(path: str, headers) -> Optional[str]:
        query = parse_qs(urlsplit(path).query)
        if "token" in query:
            return query["token"][0]
        auth = headers.get("Authorization", "")
        return auth[7:] if auth.startswith("Bearer ") else None

    async def _http(self, path: str, headers):
        if self._view_needs_token and not self._token_ok(self._request_token(path, headers)):
            return _response(http.HTTPStatus.UNAUTHORIZED, "an admin token is needed (?token=)\n")
        route = urlsplit(path).path
        if route == "/live":
            origin = headers.get("Origin")
            if origin is not None and origin not in self._own_origins():
                return _response(http.HTTPStatus.FORBIDDEN, f"origin {origin} may not use this dashboard\n")
            return None  # go on with the WebSocket handshake
        if route in _FILES:
            name, kind = _FILES[route]
            body = resources.files(__package__).joinpath("static", name).read_bytes()
            return _response(http.HTTPStatus.OK, body, kind)
        if route == "/favicon.ico":
            return http.HTTPStatus.NO_CONTENT, [("Content-Length", "0")], b""
        if route == "/api/status":
            with self._lock:
                text = self._status_json
            return _response(http.HTTPStatus.OK, text, "application/json")
        if route == "/api/log":
            query = parse_qs(urlsplit(path).query)
            try:
                after = int(query.get("after", ["0"])[0])
            except ValueError:
                return _response(http.HTTPStatus.BAD_REQUEST, "after must be an integer\n")
            with self._lock:
                entries = [e for e in self._log if e["seq"] > after]
            return _response(http.HTTPStatus.OK, json.dumps(entries), "application/json")
        return _response(http.HTTPStatus.NOT_FOUND, f"no page at {route}\n")

    def _take_pending(self) -> None:
        with self._lock:
            status, self._pending = self._pending, None
        if status is None:
            return
        if isinstance(status, str):
            status = json.loads(status)
        with self._lock:
            previous = self._status
        add_rates(status, previous)
        self._history.add(status)
        self._updates += 1
        status["update"] = self._updates
        status_json = json.dumps(status)
        text = '{"type": "status", "status": ' + status_json + "}"  # the status, dumped once
        with self._lock:
            known = self._log[-1]["seq"] if self._log else 0
            self._log.extend(e for e in status.get("log", []) if e["seq"] > known)
            self._status = status
            self._status_json = status_json
            self._latest_message = text
        for waker in self._wakers:
            waker.set()

    async def _live(self, socket: ws_server.WebSocketServerProtocol, path: str) -> None:
        waker = asyncio.Event()
        self._wakers.add(waker)
        try:
            with self._lock:
                hello = {
                    "type": "hello",
                    "actions_need_token": True,
                    "admin_configured": bool(self._admin_tokens),
                    "history": self._history.snapshot(),
                    "log": list(self._log),
                }
            await socket.send(json.dumps(hello))
            waker.set()
            reader = asyncio.ensure_future(self._read_actions(socket))
            while not reader.done():
                woke = asyncio.ensure_future(waker.wait())
                await asyncio.wait({woke, reader}, return_when=asyncio.FIRST_COMPLETED)
                woke.cancel()
                if waker.is_set():
                    waker.clear()
                    if self._latest_message is not None:
                        await socket.send(self._latest_message)
        except websockets.ConnectionClosed:
            pass
        finally:
            self._wakers.discard(waker)

    async def _read_actions(self, socket: ws_server.WebSocketServerProtocol) -> None:
        async for raw in socket:
            reply = self._action(raw)
            await socket.send(json.dumps(reply))

    def _action(self, raw) -> Dict[str, Any]:
        """Checks one action request from a page; queues it for the server when it is valid."""
        try:
            request = json.loads(raw)
        except (TypeError, ValueError):
            return {"type": "action_result", "ok": False, "error": "not JSON"}
        if not isinstance(request, dict) or request.get("type") != "action":
            return {"type": "action_result", "ok": False, "error": "expected {type: action, ...}"}
        answer = {"type": "action_result", "ok": False, "request": request.get("id")}
        action, session_id = request.get("action"), request.get("session_id")
        if session_id is None and isinstance(request.get("session"), str):
            try:
                session_id = int(request["session"], 16)
            except ValueError:
                return {**answer, "error": f"session {request['session']!r} is not hex digits"}
        if action not in ACTIONS:
            return {**answer, "error": f"unknown action {action!r} (one of {', '.join(ACTIONS)})"}
        if not isinstance(session_id, int) or isinstance(session_id, bool):
            return {**answer, "error": "name the client by session_id (an integer) or session (hex)"}
        if not self._admin_tokens:
            return {**answer, "error": "this server has no admin token (--admin-token): actions are off"}
        if not self._token_ok(request.get("token") if isinstance(request.get("token"), str) else None):
            return {**answer, "error": "a valid admin token is needed for actions"}
        with self._lock:
            known = self._status is not None and any(
                c["session_id"] == session_id for c in self._status.get("clients", [])
            )
            if not known:
                return {**answer, "error": f"no connected client has session {session_id:x}"}
            reason = request.get("reason")
            self._actions.append(
                {
                    "action": action,
                    "session_id": session_id,
                    "reason": reason if isinstance(reason, str) else "by an admin on the dashboard",
                }
            )
        return {**answer, "ok": True}


def _response(status: http.HTTPStatus, body, kind: str = "text/plain; charset=utf-8"):
    data = body.encode() if isinstance(body, str) else body
    headers = [
        ("Content-Type", kind),
        ("Content-Length", str(len(data))),
        ("Cache-Control", "no-store"),
        ("X-Content-Type-Options", "nosniff"),
        # Scripts and styles only from this server (no CDN, no inline script).
        ("Content-Security-Policy", "default-src 'self'; img-src 'self' data:"),
    ]
    return status, headers, data
