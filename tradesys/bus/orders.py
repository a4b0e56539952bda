"""The order channel: a DEALER per strategy (identity = strategy id) to the engine's ROUTER.

Frames: DEALER -> ROUTER ``[Header, OrderRequest]``; ROUTER -> DEALER
``[Header, OrderReply]`` (the ROUTER sees and adds the identity frame). The
header's ``seq`` is the request id, so a reply is matched to its request and
the round trip is measurable from ``publish_ts``.

Order requests are at-most-once: nothing here resends. A request that times
out may still have reached the engine; the strategy reconciles through the
order events on ``oe.*`` by client order id.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import zmq
from google.protobuf.message import DecodeError

from tradesys.bus import curve, sockets
from tradesys.bus.errors import BusClosed, BusError, NotConnected, RequestTimeout
from tradesys.bus.readiness import SocketWatcher
from tradesys.bus.sockets import NOBLOCK, POLLIN, POLLOUT
from tradesys.messages import Header, MessageKind, OrderReply, OrderRequest, RejectReason

log = logging.getLogger(__name__)

_REQUEST = MessageKind.MESSAGE_KIND_ORDER_REQUEST
_REPLY = MessageKind.MESSAGE_KIND_ORDER_REPLY


def _order_socket(context: zmq.Context, kind: int) -> zmq.Socket:
    return sockets.configure(context.socket(kind), sndhwm=sockets.ORDER_HWM, rcvhwm=sockets.ORDER_HWM)


Outcome = OrderReply | BusError
SWEEP_SECONDS = 0.01
OutcomeCallback = Callable[[Outcome], None]


class OrderClient:
    """A strategy's side of the order channel.

    Two ways to send, one machinery: ``submit`` sends at once and later calls
    back with the outcome (the event-driven path: no task hop per reply);
    ``request`` awaits it. An outcome is the engine's OrderReply, or a
    RequestTimeout (no reply in time: the request may have been executed) or
    BusClosed (the client closed first), delivered exactly once.
    """

    def __init__(self, strategy_id: str, *, timeout: float = 2.0, context: zmq.Context | None = None):
        if not strategy_id:
            raise ValueError("strategy_id must be non-empty: it is the connection's identity")
        self.strategy_id = strategy_id
        self.timeout = timeout
        self._context = context or zmq.Context.instance()
        self._sock: zmq.Socket | None = None
        self.endpoint = ""
        self._watcher: SocketWatcher | None = None
        # request id -> (who wants the outcome, its deadline in loop time, client order id for messages)
        self._pending: dict[int, tuple[OutcomeCallback, float, str]] = {}
        # One timer sweeps every deadline: a timer per request costs more than the request.
        self._sweeper: asyncio.TimerHandle | None = None
        self._next_id = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._header = Header(kind=_REQUEST, source=strategy_id, topic=f"req.{strategy_id}")
        self.counters = {"sent": 0, "replies": 0, "timeouts": 0, "not_connected": 0,
                         "unmatched_replies": 0, "malformed": 0, "self_connected": 0,
                         "callback_errors": 0}

    def connect(self, endpoint: str) -> None:
        """Connect to the engine's ROUTER; requests queue only once the connection is up."""
        if self._sock is None:
            self._sock = _order_socket(self._context, zmq.DEALER)
            curve.secure_client(self._sock)
            self._sock.setsockopt(zmq.ROUTING_ID, self.strategy_id.encode())
            # Without IMMEDIATE a request would wait in a queue for an engine that may never come.
            self._sock.setsockopt(zmq.IMMEDIATE, 1)
            # Replies are read in the event loop's FD callback itself: one wake-up per reply,
            # no reader task in between.
            self._watcher = SocketWatcher(self._sock, on_message=self._on_reply)
        self._sock.connect(endpoint)
        self.endpoint = endpoint

    def follow(self, new: str) -> None:
        """The engine moved (it came back on another node): send to ``new`` from now on. A request sent to
        the old one meanwhile times out, as with any engine that went away, and is reconciled."""
        if self._sock is None or new == self.endpoint:
            return
        self._sock.disconnect(self.endpoint)
        self.connect(new)

    async def start(self) -> None:
        """Start taking replies (call once, after connect, inside the running loop)."""
        if self._sock is None:
            raise NotConnected("connect() before start()")
        self._watcher.attach()
        self._loop = asyncio.get_running_loop()

    def next_request_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def submit(self, request: OrderRequest, on_outcome: OutcomeCallback, timeout: float | None = None) -> int:
        """Send ``request`` now and return its request id; ``on_outcome`` gets the outcome later.

        Raises NotConnected, with nothing sent, when no engine can take it right
        now. ``on_outcome`` runs in the event loop (from the socket callback or
        the timeout timer) and must not block.
        """
        frames = self._prepare(request)
        if not self._try_send(frames):
            self.counters["not_connected"] += 1
            raise NotConnected(f"no order engine connected for {self.strategy_id}; request not sent")
        self._sent(request, on_outcome, timeout)
        return request.request_id

    async def request(self, request: OrderRequest, timeout: float | None = None) -> OrderReply:
        """Send ``request`` (its request_id is assigned when 0) and return the engine's reply.

        Waits up to the timeout for an engine to connect; raises NotConnected
        (nothing sent), RequestTimeout (may have been sent) or BusClosed.
        """
        frames = self._prepare(request)
        deadline = self._loop.time() + (self.timeout if timeout is None else timeout)
        while not self._try_send(frames):
            remaining = deadline - self._loop.time()
            if remaining <= 0 or not await self._watcher.wait(POLLOUT, remaining):
                self.counters["not_connected"] += 1
                raise NotConnected(f"no order engine connected for {self.strategy_id}; request not sent")
        future = self._loop.create_future()
        self._sent(request, lambda outcome: future.done() or future.set_result(outcome),
                   max(0.0, deadline - self._loop.time()))
        try:
            outcome = await future
        finally:
            if not future.done() or future.cancelled():  # the caller gave up: forget the request
                self._pending.pop(request.request_id, None)
        if isinstance(outcome, BusError):
            raise outcome
        return outcome

    def _prepare(self, request: OrderRequest) -> tuple[bytes, bytes]:
        if self._loop is None:
            raise NotConnected("start() the client before sending requests")
        if request.strategy_id and request.strategy_id != self.strategy_id:
            raise ValueError(f"request for strategy {request.strategy_id!r} sent on {self.strategy_id!r}'s channel")
        request.strategy_id = self.strategy_id
        if request.request_id == 0:
            request.request_id = self.next_request_id()
        if request.request_id in self._pending:
            raise ValueError(f"request id {request.request_id} is already waiting for its reply")
        header = self._header
        header.seq = request.request_id
        header.publish_ts = time.time_ns()
        return header.SerializeToString(), request.SerializeToString()

    def _try_send(self, frames: tuple[bytes, bytes]) -> bool:
        try:
            sockets.send_frames(self._sock, frames, NOBLOCK)
        except zmq.Again:
            return False
        return True

    def _sent(self, request: OrderRequest, on_outcome: OutcomeCallback, timeout: float | None) -> None:
        self.counters["sent"] += 1
        deadline = self._loop.time() + (self.timeout if timeout is None else timeout)
        self._pending[request.request_id] = (on_outcome, deadline, request.client_order_id)
        if self._sweeper is None:
            self._sweeper = self._loop.call_later(SWEEP_SECONDS, self._sweep)
        # After the send: the send may have consumed the edge of a reply already here.
        self._watcher.poke()

    def _sweep(self) -> None:
        """Expire overdue requests (deadlines are honoured within SWEEP_SECONDS)."""
        self._sweeper = None
        now = self._loop.time()
        overdue = [request_id for request_id, (_, deadline, _) in self._pending.items() if deadline <= now]
        for request_id in overdue:
            on_outcome, _, client_order_id = self._pending.pop(request_id)
            self.counters["timeouts"] += 1
            self._deliver(on_outcome, RequestTimeout(f"no reply to request {request_id} of {self.strategy_id} "
                                                     f"({client_order_id or 'no client order id'})"))
        if self._pending and self._loop is not None:
            self._sweeper = self._loop.call_later(SWEEP_SECONDS, self._sweep)

    def _deliver(self, on_outcome: OutcomeCallback, outcome: Outcome) -> None:
        # A failing callback must not stop the replies behind it from being read.
        try:
            on_outcome(outcome)
        except Exception:
            self.counters["callback_errors"] += 1
            log.exception("order outcome callback failed", extra={"fields": {"strategy": self.strategy_id}})

    def _on_reply(self, frames: list[bytes]) -> None:
        reply = self._parse(frames)
        if reply is None:
            return
        entry = self._pending.pop(reply.request_id, None)
        if entry is None:
            self.counters["unmatched_replies"] += 1
            log.warning("order reply matches no waiting request", extra={"fields": {
                "strategy": self.strategy_id, "request_id": reply.request_id}})
            return
        self.counters["replies"] += 1
        self._deliver(entry[0], reply)

    async def close(self) -> None:
        """Close the socket; every request still waiting gets BusClosed as its outcome."""
        self._loop = None
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        pending, self._pending = self._pending, {}
        for request_id, (on_outcome, _, _) in pending.items():
            self._deliver(on_outcome, BusClosed(f"order channel of {self.strategy_id} closed before "
                                                f"request {request_id}'s reply"))
        if self._sock is not None:
            self._watcher.detach()
            self._sock.close(linger=0)
            self._sock = self._watcher = None

    def _parse(self, frames: list[bytes]) -> OrderReply | None:
        try:
            if len(frames) != 2:
                raise DecodeError(f"{len(frames)} frames instead of 2")
            header = Header.FromString(frames[0])
            if header.kind == _REQUEST and header.source == self.strategy_id:
                # TCP self-connect: reconnecting to a dead engine's ephemeral port picked that
                # port as the source. Our own request came back; nothing reached an engine.
                self.counters["self_connected"] += 1
                log.error("order channel connected to itself; the engine is down",
                          extra={"fields": {"strategy": self.strategy_id}})
                return None
            if header.kind != _REPLY:
                raise DecodeError("header kind is not ORDER_REPLY")
            return OrderReply.FromString(frames[1])
        except DecodeError as exc:
            self.counters["malformed"] += 1
            log.warning("malformed order reply dropped", extra={"fields": {"strategy": self.strategy_id,
                                                                           "why": str(exc)}})
            return None


class ReceivedRequest:
    """One request as the engine receives it."""

    __slots__ = ("identity", "header", "request")

    def __init__(self, identity: bytes, header: Header, request: OrderRequest):
        self.identity = identity
        self.header = header
        self.request = request


class OrderServer:
    """The engine's ROUTER: receives requests from every strategy and replies to each by identity.

    A request whose strategy_id is not its connection's identity, or whose
    body does not parse, is answered with a reject (when it can be matched)
    and counted; ``recv`` never returns it.
    """

    def __init__(self, name: str, *, host: str = sockets.LOOPBACK, port: int = 0,
                 context: zmq.Context | None = None):
        self.name = name
        self._host, self._port = host, port
        self._context = context or zmq.Context.instance()
        self._sock: zmq.Socket | None = None
        self._watcher: SocketWatcher | None = None
        self._header = Header(kind=_REPLY, source=name)
        self.endpoint = ""
        self.counters = {"requests": 0, "replies": 0, "malformed": 0, "unroutable": 0, "identity_mismatch": 0,
                         "handler_errors": 0}
        self._handler: Callable[[ReceivedRequest], OrderReply | None] | None = None

    def bind(self) -> str:
        self._sock = _order_socket(self._context, zmq.ROUTER)
        # Fail loudly on a reply to a strategy that is gone, instead of ZeroMQ's silent drop.
        self._sock.setsockopt(zmq.ROUTER_MANDATORY, 1)
        curve.secure_server(self._sock, f"{self.name} orders")
        self._watcher = SocketWatcher(self._sock)
        self.endpoint = sockets.bind_random_port(self._sock, self._host, self._port)
        return self.endpoint

    def serve(self, handler: Callable[[ReceivedRequest], OrderReply | None]) -> None:
        """Call ``handler`` for every well-formed request, straight from the socket's callback.

        The handler runs synchronously in the event loop (no task hop per request):
        it should decide quickly (risk gate, ack or reject) and hand venue I/O to a
        task. A reply it returns is sent at once; None means it replies later with
        ``reply``. An exception in it is logged, counted and answered with a reject.
        Call inside the running loop; ``recv`` must not be used alongside.
        """
        self._handler = handler
        self._watcher.on_message = self._dispatch
        self._watcher.attach()
        self._watcher.poke()  # requests that arrived before serving began

    def _dispatch(self, frames: list[bytes]) -> None:
        received = self._parse(frames)
        if received is None:
            return
        self.counters["requests"] += 1
        try:
            reply = self._handler(received)
        except Exception:
            self.counters["handler_errors"] += 1
            log.exception("order handler failed", extra={"fields": {
                "engine": self.name, "request_id": received.request.request_id}})
            reply = OrderReply(request_id=received.request.request_id,
                               client_order_id=received.request.client_order_id, accepted=False,
                               reason=RejectReason.REJECT_REASON_VENUE_UNAVAILABLE,
                               detail="engine error while handling the request")
        if reply is not None:
            self.reply(received.identity, reply)

    async def recv(self, timeout: float | None = None) -> ReceivedRequest | None:
        """Wait for the next well-formed request; None when ``timeout`` seconds pass without one.

        Safe to cancel: it only ever waits for readability, and reads without
        awaiting, so a cancelled call never swallows a request.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                frames = sockets.recv_frames(self._sock)
            except zmq.Again:
                remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
                if remaining == 0.0 or not await self._watcher.wait(POLLIN, remaining):
                    return None
                continue
            received = self._parse(frames)
            if received is not None:
                self.counters["requests"] += 1
                return received

    def _parse(self, frames: list[bytes]) -> ReceivedRequest | None:
        if len(frames) != 3:
            return self._malformed(frames[0] if frames else b"", 0, f"{len(frames)} frames instead of 3")
        identity, header_bytes, body = frames
        try:
            header = Header.FromString(header_bytes)
        except DecodeError:
            return self._malformed(identity, 0, "header is not a tradesys Header")
        try:
            request = OrderRequest.FromString(body)
        except DecodeError:
            return self._malformed(identity, header.seq, "body is not an OrderRequest")
        if header.kind != _REQUEST or request.request_id != header.seq:
            return self._malformed(identity, header.seq, "header does not describe this request")
        if request.strategy_id.encode() != identity:
            self.counters["identity_mismatch"] += 1
            self.reply(identity, OrderReply(request_id=request.request_id, client_order_id=request.client_order_id,
                                            accepted=False, reason=RejectReason.REJECT_REASON_INVALID_REQUEST,
                                            detail="strategy_id differs from the connection identity"))
            return None
        return ReceivedRequest(identity, header, request)

    def _malformed(self, identity: bytes, request_id: int, why: str) -> None:
        self.counters["malformed"] += 1
        log.warning("malformed order request", extra={"fields": {"engine": self.name, "why": why,
                                                                 "identity": identity.decode(errors="replace")}})
        if identity and request_id:
            self.reply(identity, OrderReply(request_id=request_id, accepted=False,
                                            reason=RejectReason.REJECT_REASON_INVALID_REQUEST, detail=why))
        return None

    def reply(self, identity: bytes, reply: OrderReply) -> bool:
        """Send a reply to one strategy; False (counted, logged) when that strategy is not connected."""
        header = self._header
        header.seq = reply.request_id
        header.publish_ts = time.time_ns()
        try:
            sockets.send_frames(self._sock, (identity, header.SerializeToString(), reply.SerializeToString()),
                                NOBLOCK)
            self._watcher.poke()
        except zmq.ZMQError as exc:
            if exc.errno not in (zmq.EHOSTUNREACH, zmq.EAGAIN):
                raise
            self.counters["unroutable"] += 1
            log.warning("order reply not deliverable", extra={"fields": {
                "engine": self.name, "strategy": identity.decode(errors="replace"), "request_id": reply.request_id}})
            return False
        self.counters["replies"] += 1
        return True

    def close(self) -> None:
        if self._sock is not None:
            self._watcher.detach()
            self._sock.close(linger=0)
            self._sock = self._watcher = None
