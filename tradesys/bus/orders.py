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
import contextlib
import logging
import time

import zmq
import zmq.asyncio
from google.protobuf.message import DecodeError

from tradesys.bus import sockets
from tradesys.bus.errors import BusClosed, NotConnected, RequestTimeout
from tradesys.messages import Header, MessageKind, OrderReply, OrderRequest, RejectReason

log = logging.getLogger(__name__)

_REQUEST = MessageKind.MESSAGE_KIND_ORDER_REQUEST
_REPLY = MessageKind.MESSAGE_KIND_ORDER_REPLY


def _async_socket(context: zmq.Context, kind: int) -> tuple[zmq.asyncio.Socket, zmq.Socket]:
    """An asyncio socket that owns the handle, and a plain shadow for non-blocking sends."""
    owner = zmq.asyncio.Socket(zmq.asyncio.Context.shadow(context.underlying), kind)
    sockets.configure(owner, sndhwm=sockets.ORDER_HWM, rcvhwm=sockets.ORDER_HWM)
    return owner, zmq.Socket.shadow(owner.underlying)


class OrderClient:
    """A strategy's side of the order channel.

    ``request`` sends one OrderRequest and returns the engine's OrderReply.
    Raises NotConnected when no engine took the request within the timeout
    (nothing was sent), RequestTimeout when no reply came (it may have been
    sent), BusClosed when the client was closed while waiting.
    """

    def __init__(self, strategy_id: str, *, timeout: float = 2.0, context: zmq.Context | None = None):
        if not strategy_id:
            raise ValueError("strategy_id must be non-empty: it is the connection's identity")
        self.strategy_id = strategy_id
        self.timeout = timeout
        self._context = context or zmq.Context.instance()
        self._async: zmq.asyncio.Socket | None = None
        self._sock: zmq.Socket | None = None
        self._pending: dict[int, asyncio.Future] = {}
        self._next_id = 0
        self._reader: asyncio.Task | None = None
        self._header = Header(kind=_REQUEST, source=strategy_id, topic=f"req.{strategy_id}")
        self.counters = {"sent": 0, "replies": 0, "timeouts": 0, "not_connected": 0,
                         "unmatched_replies": 0, "malformed": 0}

    def connect(self, endpoint: str) -> None:
        """Connect to the engine's ROUTER; requests queue only once the connection is up."""
        if self._async is None:
            self._async, self._sock = _async_socket(self._context, zmq.DEALER)
            self._async.setsockopt(zmq.ROUTING_ID, self.strategy_id.encode())
            # Without IMMEDIATE a request would wait in a queue for an engine that may never come.
            self._async.setsockopt(zmq.IMMEDIATE, 1)
        self._async.connect(endpoint)

    async def start(self) -> None:
        """Start reading replies (call once, after connect, inside the running loop)."""
        if self._async is None:
            raise NotConnected("connect() before start()")
        if self._reader is None:
            self._reader = asyncio.create_task(self._read_replies(), name=f"order-replies-{self.strategy_id}")

    def next_request_id(self) -> int:
        self._next_id += 1
        return self._next_id

    async def request(self, request: OrderRequest, timeout: float | None = None) -> OrderReply:
        """Send ``request`` (its request_id is assigned when 0) and wait for the reply."""
        if self._reader is None:
            raise NotConnected("start() the client before sending requests")
        if request.strategy_id and request.strategy_id != self.strategy_id:
            raise ValueError(f"request for strategy {request.strategy_id!r} sent on {self.strategy_id!r}'s channel")
        request.strategy_id = self.strategy_id
        if request.request_id == 0:
            request.request_id = self.next_request_id()
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        header = self._header
        header.seq = request.request_id
        header.publish_ts = time.time_ns()
        frames = (header.SerializeToString(), request.SerializeToString())
        future = asyncio.get_running_loop().create_future()
        self._pending[request.request_id] = future
        try:
            await self._send(frames, deadline)
            self.counters["sent"] += 1
            try:
                async with asyncio.timeout_at(asyncio.get_running_loop().time() + max(0.0, deadline - time.monotonic())):
                    return await future
            except TimeoutError:
                self.counters["timeouts"] += 1
                raise RequestTimeout(f"no reply to request {request.request_id} "
                                     f"({request.client_order_id or 'no client order id'})") from None
        finally:
            self._pending.pop(request.request_id, None)

    async def _send(self, frames: tuple[bytes, bytes], deadline: float) -> None:
        while True:
            try:
                self._sock.send_multipart(frames, zmq.NOBLOCK)
                return
            except zmq.Again:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not await self._async.poll(int(remaining * 1000) + 1, zmq.POLLOUT):
                    self.counters["not_connected"] += 1
                    raise NotConnected(f"no order engine connected for {self.strategy_id}; request not sent") from None

    async def _read_replies(self) -> None:
        try:
            while True:
                try:
                    frames = self._sock.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    # Wait for readability only: a cancel here can never swallow a reply.
                    await self._async.poll(None, zmq.POLLIN)
                    continue
                reply = self._parse(frames)
                if reply is None:
                    continue
                future = self._pending.get(reply.request_id)
                if future is None or future.done():
                    self.counters["unmatched_replies"] += 1
                    log.warning("order reply matches no waiting request", extra={"fields": {
                        "strategy": self.strategy_id, "request_id": reply.request_id}})
                    continue
                self.counters["replies"] += 1
                future.set_result(reply)
        except zmq.ZMQError as exc:
            if exc.errno != zmq.ENOTSOCK:
                raise
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(BusClosed(f"order channel of {self.strategy_id} closed"))

    def _parse(self, frames: list[bytes]) -> OrderReply | None:
        try:
            if len(frames) != 2:
                raise DecodeError(f"{len(frames)} frames instead of 2")
            if Header.FromString(frames[0]).kind != _REPLY:
                raise DecodeError("header kind is not ORDER_REPLY")
            return OrderReply.FromString(frames[1])
        except DecodeError as exc:
            self.counters["malformed"] += 1
            log.warning("malformed order reply dropped", extra={"fields": {"strategy": self.strategy_id,
                                                                           "why": str(exc)}})
            return None

    async def close(self) -> None:
        """Stop reading and close the socket; waiting requests fail with BusClosed."""
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        for future in self._pending.values():
            if not future.done():
                future.set_exception(BusClosed(f"order channel of {self.strategy_id} closed"))
        if self._async is not None:
            self._async.close(linger=0)
            self._async = self._sock = None


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
        self._async: zmq.asyncio.Socket | None = None
        self._sock: zmq.Socket | None = None
        self._header = Header(kind=_REPLY, source=name)
        self.endpoint = ""
        self.counters = {"requests": 0, "replies": 0, "malformed": 0, "unroutable": 0, "identity_mismatch": 0}

    def bind(self) -> str:
        self._async, self._sock = _async_socket(self._context, zmq.ROUTER)
        # Fail loudly on a reply to a strategy that is gone, instead of ZeroMQ's silent drop.
        self._async.setsockopt(zmq.ROUTER_MANDATORY, 1)
        self.endpoint = sockets.bind_random_port(self._async, self._host, self._port)
        return self.endpoint

    async def recv(self, timeout: float | None = None) -> ReceivedRequest | None:
        """Wait for the next well-formed request; None when ``timeout`` seconds pass without one.

        Safe to cancel: it only ever waits for readability, and reads without
        awaiting, so a cancelled call never swallows a request.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                frames = self._sock.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
                if remaining == 0.0 or not await self._async.poll(
                        None if remaining is None else int(remaining * 1000) + 1, zmq.POLLIN):
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
            self._sock.send_multipart((identity, header.SerializeToString(), reply.SerializeToString()), zmq.NOBLOCK)
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
        if self._async is not None:
            self._async.close(linger=0)
            self._async = self._sock = None
