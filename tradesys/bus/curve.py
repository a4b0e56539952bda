"""ZeroMQ CURVE on the bus (``cluster.bus_security: curve``): encryption, and only allow-listed clients.

Every server socket of a process (each actor's PUB, the engine's order ROUTER, the launcher's control
socket) takes the farm's server key pair; every client socket (SUB, order DEALER, the operator CLIs'
REQ) the farm's client key pair and the server's public key. A ZAP handler in each process lets in only
the allow-listed client public keys. A client without a valid key (no CURVE, or a key not on the list)
fails the handshake and receives nothing; each such handshake is counted (``bus_denied``) and logged.

``enable(keys)`` turns it on for the process (an actor at start, the launcher, an operator CLI);
``secure_server`` / ``secure_client`` are called by the bus classes on every socket they make, and do
nothing while it is off. Keys come from files or the environment (``tradesys/bus/keys.py``) and are
never logged: ``CurveKeys`` does not show its secrets.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass, field

import zmq
from zmq.auth.thread import ThreadAuthenticator
from zmq.utils.monitor import parse_monitor_message

log = logging.getLogger(__name__)

HANDSHAKE_FAILED = (zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
                    | zmq.EVENT_HANDSHAKE_FAILED_AUTH)


@dataclass(frozen=True)
class CurveKeys:
    """Z85-encoded keys (40 ASCII bytes each)."""

    server_public: bytes
    server_secret: bytes = field(repr=False)
    client_public: bytes
    client_secret: bytes = field(repr=False)
    # Client public keys the servers let in (the farm's own client key is always among them).
    allowed: frozenset[bytes] = frozenset()

    def allow_list(self) -> frozenset[bytes]:
        return self.allowed | {self.client_public}


class _AllowList:
    def __init__(self, allowed: frozenset[bytes]):
        self.allowed = allowed

    def callback(self, domain: str, key: bytes) -> bool:
        return key in self.allowed


# The ZAP handler of each ZeroMQ context, kept for the process's life: its inproc endpoint is freed only
# some time after its socket closes, so a handler stopped and started again (a test, a second farm in
# one process) could not bind. What it lets in is ``_ALLOWED``'s keys, swapped by enable and disable.
_AUTHENTICATORS: dict[int, ThreadAuthenticator] = {}
_ALLOWED = _AllowList(frozenset())
_AUTH_LOCK = threading.Lock()


def _authenticate_on(context: zmq.Context) -> None:
    with _AUTH_LOCK:
        if context.underlying not in _AUTHENTICATORS:
            auth = ThreadAuthenticator(context, log=logging.getLogger("tradesys.bus.zap"))
            auth.start()
            auth.configure_curve_callback("*", _ALLOWED)
            _AUTHENTICATORS[context.underlying] = auth


class _Guard:
    """The process's CURVE state: its keys and the handshake watch."""

    def __init__(self, keys: CurveKeys):
        self.keys = keys
        _ALLOWED.allowed = keys.allow_list()
        self._lock = threading.Lock()
        self.denied = 0
        self._monitors: queue.SimpleQueue = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None     # started by the first server socket

    def watch(self, sock: zmq.Socket, name: str) -> None:
        # A plain (not asyncio) PAIR, whatever kind ``sock`` is: the watch thread reads it blocking.
        address = f"inproc://bus-handshakes.{id(sock)}"
        sock.monitor(address, HANDSHAKE_FAILED)
        monitor = zmq.Context.shadow(sock.context.underlying).socket(zmq.PAIR)
        monitor.connect(address)
        self._monitors.put((monitor, name))
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="bus-handshakes", daemon=True)
                self._thread.start()

    def _watch(self) -> None:
        """Count and log failed handshakes on every server socket (a thread: the monitor sockets are its own)."""
        poller, names = zmq.Poller(), {}
        while not self._stop.is_set():
            while not self._monitors.empty():
                monitor, name = self._monitors.get()
                poller.register(monitor, zmq.POLLIN)
                names[monitor] = name
            # Blocks for up to 200 ms (a poller with sockets always waits; the first one is registered
            # before this thread starts): a thread that spun here would hold the GIL from the event loop.
            for monitor, _ in poller.poll(200):
                try:
                    event = parse_monitor_message(monitor.recv_multipart(zmq.NOBLOCK))
                except Exception:    # a socket closed meanwhile, a malformed event: this thread goes on
                    log.debug("unreadable monitor event", exc_info=True)
                    continue
                if event["event"] & HANDSHAKE_FAILED:
                    self.denied += 1
                    log.warning("bus client refused: no valid CURVE key", extra={"fields": {
                        "socket": names[monitor], "peer": (event.get("endpoint") or b"").decode(errors="replace"),
                        "refused": self.denied}})
        for monitor in names:
            monitor.close(0)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        _ALLOWED.allowed = frozenset()


_guard: _Guard | None = None


def enable(keys: CurveKeys) -> None:
    """Turn CURVE on for this process's bus sockets made from now on (idempotent for the same keys)."""
    global _guard
    if _guard is not None and _guard.keys == keys:
        return
    disable()
    _guard = _Guard(keys)


def disable() -> None:
    global _guard
    if _guard is not None:
        _guard.close()
        _guard = None


def enabled() -> bool:
    return _guard is not None


def denied() -> int:
    """Client handshakes refused by this process's server sockets since ``enable``."""
    return _guard.denied if _guard is not None else 0


def secure_server(sock: zmq.Socket, name: str) -> None:
    """Before bind: the server key pair, the ZAP handler of the socket's context, the handshake watch."""
    if _guard is None:
        return
    _authenticate_on(sock.context)
    sock.curve_server = True
    sock.curve_publickey = _guard.keys.server_public
    sock.curve_secretkey = _guard.keys.server_secret
    _guard.watch(sock, name)


def secure_client(sock: zmq.Socket) -> None:
    """Before connect: the client key pair and the server's public key."""
    if _guard is None:
        return
    sock.curve_serverkey = _guard.keys.server_public
    sock.curve_publickey = _guard.keys.client_public
    sock.curve_secretkey = _guard.keys.client_secret
