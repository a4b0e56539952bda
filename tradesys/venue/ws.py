"""A reconnecting WebSocket session and a per-stream staleness watchdog, shared by every venue.

``WsSession`` owns one socket's whole life: connect, run ``on_open`` (where
the owner subscribes or authenticates, so a reconnect resubscribes by
itself), hand every text frame with its receive time to ``on_message``,
ping (aiohttp's heartbeat: a missing pong closes the socket), and on any
close or error reconnect after a jittered exponential backoff that resets
once a connection has lived. It never raises into its owner; the owner
learns of drops through ``on_close`` and counts.

``on_raw``, when set, hears every text frame as it arrived, after ``on_message``: the connection's name,
the URL it came from (without its query, where tokens travel), the text and its receive time. The market
server publishes them for the recorder (``raw.<venue>.<connection>``).

``StreamWatchdog`` tells its owner once when a stream has been silent for
longer than its limit, and again only after the stream has spoken.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterator

import aiohttp

from tradesys.aio import cancel_and_wait
from tradesys.venue.errors import ConnectivityError, ExchangeError

log = logging.getLogger(__name__)


def backoff_delays(initial: float = 0.1, maximum: float = 30.0, factor: float = 2.0, jitter: float = 0.5,
                   rng: Callable[[], float] = random.random) -> Iterator[float]:
    """Endless reconnect delays in seconds: ``initial`` growing by ``factor`` up to ``maximum``, each cut
    by a random fraction up to ``jitter`` so that many clients do not reconnect in step."""
    delay = initial
    while True:
        yield delay * (1.0 - jitter * rng())
        delay = min(delay * factor, maximum)


RawTap = Callable[[str, str, str, int], None]      # (connection, stream, text, receive ns)


class WsSession:
    def __init__(self, name: str, url: str | Callable[[], str], on_message: Callable[[str, int], None], *,
                 on_open: Callable[[WsSession], Awaitable[None]] | None = None,
                 on_close: Callable[[str], None] | None = None, heartbeat_s: float = 30.0,
                 silence_s: float | None = None, max_message_bytes: int = 4 << 20,
                 backoff: Callable[[], Iterator[float]] = backoff_delays, healthy_after_s: float = 5.0,
                 headers: Callable[[], Awaitable[dict[str, str]]] | None = None,
                 after_failed_connect: Callable[[str], Awaitable[None]] | None = None):
        self.name = name
        self._url = url
        self.on_message, self.on_open, self.on_close = on_message, on_open, on_close
        self.heartbeat_s = heartbeat_s
        self.silence_s = silence_s            # no frame at all for this long: reconnect
        self.max_message_bytes = max_message_bytes
        self._backoff = backoff
        self.healthy_after_s = healthy_after_s
        self.headers = headers                # the handshake's headers, asked for before every connect
        # Called with the reason after a connect that failed, before the next try: what the URL carries may
        # have gone stale (a listen key the venue no longer knows).
        self.after_failed_connect = after_failed_connect
        self.on_raw: RawTap | None = None
        self.counters = {"connects": 0, "disconnects": 0, "messages": 0, "handler_errors": 0, "connect_errors": 0}
        self.last_error = ""
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._http: aiohttp.ClientSession | None = None
        self._task: asyncio.Task | None = None
        self._connected = asyncio.Event()
        self._stopping = False

    @property
    def url(self) -> str:
        return self._url() if callable(self._url) else self._url

    @property
    def connected(self) -> bool:
        return self._ws is not None and not self._ws.closed and self._connected.is_set()

    async def start(self, wait_s: float | None = 10.0) -> None:
        """Start the session; with ``wait_s``, wait that long for the first connection and raise
        ConnectivityError if none came (the session keeps trying in the background)."""
        if self._task is None:
            self._stopping = False
            self._http = aiohttp.ClientSession()
            self._task = asyncio.create_task(self._run(), name=f"ws-{self.name}")
        if wait_s is not None:
            await self.wait_connected(wait_s)

    async def wait_connected(self, timeout_s: float) -> None:
        try:
            await asyncio.wait_for(self._connected.wait(), timeout_s)
        except TimeoutError:
            raise ConnectivityError(f"{self.name}: not connected within {timeout_s} s",
                                    request=self._safe_url(), venue_message=self.last_error) from None

    async def send(self, text: str) -> None:
        """Send one text frame; ConnectivityError when the socket is down (nothing was sent)."""
        ws = self._ws
        if ws is None or ws.closed:
            raise ConnectivityError(f"{self.name}: not connected", request=self._safe_url())
        try:
            await ws.send_str(text)
        except (ConnectionError, RuntimeError, aiohttp.ClientError) as exc:
            raise ConnectivityError(f"{self.name}: send failed: {exc}", request=self._safe_url()) from exc

    async def reconnect(self, reason: str) -> None:
        """Close the current socket; the session reconnects (e.g. after a stream went silent)."""
        ws = self._ws
        if ws is not None and not ws.closed:
            self.last_error = reason
            await ws.close()

    async def stop(self) -> None:
        self._stopping = True
        ws = self._ws
        if ws is not None and not ws.closed:
            await ws.close()
        await cancel_and_wait(self._task)
        self._task = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    def _safe_url(self) -> str:
        # Listen keys and tokens travel in URLs: keep the path, never the query.
        return self.url.split("?", 1)[0]

    async def _run(self) -> None:
        delays = self._backoff()
        while not self._stopping:
            opened_at = None
            reason = "closed by the venue"
            try:
                headers = await self.headers() if self.headers is not None else None
                async with self._http.ws_connect(self.url, heartbeat=self.heartbeat_s, autoping=True,
                                                 max_msg_size=self.max_message_bytes, headers=headers) as ws:
                    self._ws = ws
                    self.counters["connects"] += 1
                    if self.on_open is not None:
                        await self.on_open(self)
                    self._connected.set()
                    opened_at = time.monotonic()
                    reason = await self._read(ws)
            except asyncio.CancelledError:
                raise
            except (aiohttp.ClientError, OSError, TimeoutError, ExchangeError) as exc:   # a refused login too
                reason = f"{type(exc).__name__}: {exc}"
                if opened_at is None:
                    self.counters["connect_errors"] += 1
            except Exception as exc:  # an owner's on_open bug: log it, keep the session alive
                log.exception("%s: session failed", self.name)
                reason = f"{type(exc).__name__}: {exc}"
                self.counters["connect_errors"] += 1
            finally:
                was_open = self._connected.is_set()
                self._ws = None
                self._connected.clear()
            self.last_error = reason
            if was_open:
                self.counters["disconnects"] += 1
                log.warning("%s: disconnected: %s", self.name, reason)
                if self.on_close is not None:
                    self.on_close(reason)
            if self._stopping:
                return
            if opened_at is not None and time.monotonic() - opened_at >= self.healthy_after_s:
                delays = self._backoff()  # it lived: start the backoff afresh
            await asyncio.sleep(next(delays))
            if opened_at is None and self.after_failed_connect is not None and not self._stopping:
                try:
                    await self.after_failed_connect(reason)
                except Exception:     # the next connect tries as it is
                    log.exception("%s: after a failed connect", self.name)

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> str:
        on_message, counters, stream = self.on_message, self.counters, self._safe_url()
        while True:
            try:
                msg = await ws.receive(timeout=self.silence_s)
            except TimeoutError:
                return f"no frame for {self.silence_s} s"
            if msg.type is aiohttp.WSMsgType.TEXT:
                counters["messages"] += 1
                received = time.time_ns()
                try:
                    on_message(msg.data, received)
                except Exception:  # one bad frame or handler bug must not end the stream
                    counters["handler_errors"] += 1
                    log.exception("%s: message handler failed", self.name)
                # After the handler: what was parsed from the frame goes out first; a frame the handler
                # refused is kept all the same.
                if self.on_raw is not None:
                    try:
                        self.on_raw(self.name, stream, msg.data, received)
                    except Exception:
                        counters["handler_errors"] += 1
                        log.exception("%s: raw frame handler failed", self.name)
            elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
                return f"closed by the venue (code {ws.close_code})"
            elif msg.type is aiohttp.WSMsgType.ERROR:
                return f"socket error: {ws.exception()}"
            # BINARY, PING, PONG: nothing a JSON venue sends us that we need


class StreamWatchdog:
    """Calls ``on_stale(key)`` once when a watched stream has been silent past its limit."""

    def __init__(self, on_stale: Callable[[str], None], *, clock: Callable[[], float] = time.monotonic,
                 period_s: float = 0.25):
        self.on_stale = on_stale
        self.clock = clock
        self.period_s = period_s
        self._limits: dict[str, float] = {}
        self._last: dict[str, float] = {}
        self._stale: set[str] = set()
        self._task: asyncio.Task | None = None

    def watch(self, key: str, limit_s: float) -> None:
        self._limits[key] = limit_s
        self._last.setdefault(key, self.clock())

    def touch(self, key: str) -> bool:
        """Record a message on ``key``; True when the stream was stale until now."""
        self._last[key] = self.clock()
        if key in self._stale:
            self._stale.discard(key)
            return True
        return False

    def is_stale(self, key: str) -> bool:
        return key in self._stale

    def check(self) -> list[str]:
        """Mark and report the streams that just went stale."""
        now = self.clock()
        newly = [k for k, limit in self._limits.items()
                 if k not in self._stale and now - self._last.get(k, now) > limit]
        for key in newly:
            self._stale.add(key)
            try:
                self.on_stale(key)
            except Exception:
                log.exception("staleness handler failed for %s", key)
        return newly

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="stream-watchdog")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.period_s)
            self.check()
