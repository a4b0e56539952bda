"""One GRVT stream socket (``/ws/full``): JSON-RPC subscriptions and the feed frames they bring.

``StreamSession`` runs a ``WsSession``. On every (re)connect it subscribes
every stream it was asked for, so a reconnect restores them all (the trade
socket's handshake carries the session cookie, fetched fresh each time). A
subscribe reply that leaves a selector out is counted and logged: a stream
we asked for and did not get is never silent. Feed frames go to
``on_feed(frame, recv_ns)``; ``on_subscribed(stream, {selector: (first
sequence number, snapshot payloads)})`` tells the owner a (re)subscription
took, so it can expect a fresh snapshot.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Awaitable, Callable

import msgspec

from exchanges.grvt import messages as m
from tradesys.venue.ws import WsSession

log = logging.getLogger(__name__)


class StreamSession:
    def __init__(self, name: str, url: str, *, headers: Callable[[], Awaitable[dict[str, str]]] | None = None,
                 heartbeat_s: float = 30.0, after_failed_connect: Callable[[str], Awaitable[None]] | None = None):
        self.name = name
        self.on_feed: Callable[[m.Frame, int], None] = lambda frame, recv_ns: None
        self.on_subscribed: Callable[[str, dict[str, tuple[int, int]]], None] = lambda stream, starts: None
        self.on_lost: Callable[[str], None] = lambda reason: None
        self.on_open: Callable[[], None] = lambda: None
        self._wanted: dict[str, list[str]] = {}       # stream -> selectors, in the order asked
        self._pending: dict[int, tuple[str, str, list[str]]] = {}   # request id -> (method, stream, selectors)
        self._ids = itertools.count(1)
        self.counters = {"frames": 0, "malformed": 0, "refused": 0, "errors": 0}
        self.ws = WsSession(name, url, self._on_message, on_open=self._opened, on_close=self._closed,
                            heartbeat_s=heartbeat_s, headers=headers, after_failed_connect=after_failed_connect)

    @property
    def connected(self) -> bool:
        return self.ws.connected

    @property
    def reconnects(self) -> int:
        return max(0, self.ws.counters["connects"] - 1)

    async def start(self, wait_s: float | None = 10.0) -> None:
        await self.ws.start(wait_s)

    async def stop(self) -> None:
        await self.ws.stop()

    async def subscribe(self, stream: str, selectors: list[str]) -> None:
        """Keep ``selectors`` of ``stream`` subscribed (now when connected, and after every reconnect)."""
        known = self._wanted.setdefault(stream, [])
        new = [s for s in selectors if s not in known]
        known.extend(new)
        if new and self.ws.connected:
            await self._send("subscribe", stream, new)

    async def resubscribe(self, stream: str, selector: str) -> None:
        """Unsubscribe and subscribe one selector again: the venue starts it over with a snapshot."""
        await self._send("unsubscribe", stream, [selector])
        await self._send("subscribe", stream, [selector])

    async def _send(self, method: str, stream: str, selectors: list[str]) -> None:
        request_id = next(self._ids)
        self._pending[request_id] = (method, stream, list(selectors))
        await self.ws.send(json.dumps({"jsonrpc": "2.0", "method": method, "id": request_id,
                                       "params": {"stream": stream, "selectors": selectors}}))

    async def _opened(self, ws: WsSession) -> None:
        self._pending.clear()
        self.on_open()
        for stream, selectors in self._wanted.items():
            await self._send("subscribe", stream, selectors)

    def _closed(self, reason: str) -> None:
        self.on_lost(reason)

    def _on_message(self, text: str, recv_ns: int) -> None:
        self.counters["frames"] += 1
        try:
            frame = m.frame_decoder.decode(text)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            self.counters["malformed"] += 1
            log.warning("%s: unreadable frame dropped: %s", self.name, exc)
            return
        if frame.stream is not None and frame.feed:
            self.on_feed(frame, recv_ns)
            return
        pending = self._pending.pop(frame.id, None) if frame.id is not None else None
        if frame.error is not None:
            self.counters["errors"] += 1
            log.error("%s: %s refused: %s %s", self.name, pending[0] if pending else "request",
                      frame.error.code, frame.error.message)
            return
        if pending is None or not frame.result:
            return
        method, stream, asked = pending
        if method != "subscribe":
            return
        try:
            result = m.subscribe_decoder.decode(frame.result)
            firsts = [int(n) for n in result.first_sequence_number]
            snapshots = list(result.num_snapshots)
        except (msgspec.ValidationError, msgspec.DecodeError, ValueError):
            self.counters["malformed"] += 1
            return
        refused = [s for s in asked if s not in result.subs]
        if refused:
            self.counters["refused"] += len(refused)
            log.error("%s: %s not subscribed: %s", self.name, stream, ", ".join(refused))
        if result.subs:
            self.on_subscribed(stream, {s: (firsts[i] if i < len(firsts) else 0,
                                            snapshots[i] if i < len(snapshots) else 1)
                                        for i, s in enumerate(result.subs)})
