"""The shared reconnecting WebSocket session against a real loopback server that drops its clients."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest
from aiohttp import web

from tradesys.aio import wait_until
from tradesys.venue.errors import ConnectivityError
from tradesys.venue.ws import StreamWatchdog, WsSession, backoff_delays


class Server:
    """Sends "tick <n>" every 10 ms to each client, echoes what it receives, and can drop everyone."""

    def __init__(self):
        self.clients: set[web.WebSocketResponse] = set()
        self.received: list[str] = []
        self.connections = 0
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handler(self, request):
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections += 1
        self.clients.add(ws)
        ticker = asyncio.create_task(self._tick(ws))
        try:
            async for msg in ws:
                self.received.append(msg.data)
                await ws.send_str(f"echo {msg.data}")
        finally:
            ticker.cancel()
            self.clients.discard(ws)
        return ws

    async def _tick(self, ws):
        for n in itertools.count():
            await ws.send_str(f"tick {n}")
            await asyncio.sleep(0.01)   # time itself: the server's tick rate

    async def drop_all(self):
        for ws in list(self.clients):
            await ws.close()

    async def start(self):
        app = web.Application()
        app.add_routes([web.get("/ws", self.handler)])
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"ws://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/ws"

    async def stop(self):
        await self.drop_all()
        await self.runner.cleanup()


@pytest.fixture
async def server():
    s = Server()
    await s.start()
    yield s
    await s.stop()


async def test_it_reconnects_and_runs_on_open_again_after_the_server_drops_it(server):
    frames, opens, closes = [], [], []

    async def on_open(session):
        opens.append(time.monotonic())
        await session.send(f"subscribe {len(opens)}")

    session = WsSession("test", server.url, lambda text, recv_ns: frames.append((text, recv_ns)), on_open=on_open,
                        on_close=closes.append, backoff=lambda: backoff_delays(0.05, 0.2))
    await session.start()
    try:
        await wait_until(lambda: any(t.startswith("tick") for t, _ in frames),
                         "a tick frame", timeout=10.0)
        await server.drop_all()
        await wait_until(lambda: len(opens) == 2 and session.connected,
                         "connected again, on_open run twice", timeout=10.0)
        await wait_until(lambda: "echo subscribe 2" in [t for t, _ in frames],
                         "the second subscription echoed", timeout=10.0)
    finally:
        await session.stop()
    assert server.received == ["subscribe 1", "subscribe 2"]   # resubscribed on the new socket
    assert session.counters["connects"] == 2 and session.counters["disconnects"] >= 1 and closes
    assert all(isinstance(ns, int) and ns > 1_600_000_000 * 10**9 for _, ns in frames)


async def test_a_silent_socket_is_replaced_and_a_handler_error_does_not_end_the_stream(server):
    seen = []

    def on_message(text, recv_ns):
        seen.append(text)
        if len(seen) == 3:
            raise ValueError("a bad frame")

    session = WsSession("test", server.url, on_message, silence_s=0.2, backoff=lambda: backoff_delays(0.05, 0.1))
    await session.start()
    try:
        await wait_until(lambda: len(seen) > 5, "more than five frames", timeout=10.0)
        assert session.counters["handler_errors"] == 1
        # The server keeps ticking, so silence never trips: ask for a reconnect as a watchdog would.
        await session.reconnect("stream stale")
        await wait_until(lambda: session.counters["connects"] == 2, "the second connect", timeout=10.0)
    finally:
        await session.stop()


async def test_start_fails_clearly_when_nobody_listens_and_send_refuses_when_down():
    session = WsSession("nowhere", "ws://127.0.0.1:9/ws", lambda t, n: None,
                        backoff=lambda: backoff_delays(0.05, 0.1))
    with pytest.raises(ConnectivityError, match="nowhere: not connected within 0.5 s"):
        await session.start(wait_s=0.5)
    with pytest.raises(ConnectivityError):
        await session.send("x")
    assert session.counters["connect_errors"] >= 1
    await session.stop()


def test_backoff_grows_to_its_cap_with_jitter_below_each_step():
    values = iter([0.0, 1.0, 0.5, 0.0, 0.0, 0.0])
    delays = backoff_delays(0.1, 0.5, factor=2.0, jitter=0.5, rng=lambda: next(values))
    got = [next(delays) for _ in range(6)]
    assert got == pytest.approx([0.1, 0.1, 0.3, 0.5, 0.5, 0.5])


def test_the_watchdog_reports_a_stream_once_per_silence():
    now = [0.0]
    stale = []
    dog = StreamWatchdog(stale.append, clock=lambda: now[0])
    dog.watch("btcusdt@depth", 1.0)
    dog.watch("btcusdt@bookTicker", 5.0)
    now[0] = 1.5
    assert dog.check() == ["btcusdt@depth"] and dog.check() == []
    assert dog.is_stale("btcusdt@depth") and not dog.is_stale("btcusdt@bookTicker")
    assert dog.touch("btcusdt@depth") is True and dog.touch("btcusdt@depth") is False
    now[0] = 6.0
    assert sorted(dog.check()) == ["btcusdt@bookTicker", "btcusdt@depth"] and len(stale) == 3
