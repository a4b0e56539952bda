"""One client WebSocket of the Deribit simulator: its send queue, subscriptions, token, heartbeat and
cancel-on-disconnect switch."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from aiohttp import web

from exchanges.deribit.simulator import rpc
from tradesys.aio import cancel_and_wait

if TYPE_CHECKING:
    from exchanges.deribit.simulator.streams import BookState, Channel
    from exchanges.deribit.simulator.venue import DeribitVenue

QUEUE_SIZE = 20_000


class Connection:
    """One client WebSocket: its send queue, subscriptions, token, heartbeat and cancel-on-disconnect."""

    def __init__(self, sim: DeribitVenue, conn_id: int, ws: web.WebSocketResponse):
        self.sim = sim
        self.id = conn_id
        self.ws = ws
        self.queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=QUEUE_SIZE)
        self.channels: dict[str, Channel] = {}
        self.books: dict[str, BookState] = {}
        self.last_sent: dict[str, int] = {}
        self.token: str | None = None
        self.cancel_on_disconnect = False
        self.heartbeat_s: float | None = None
        self.awaiting_test = False
        self.overflowed = False
        self.close_reason: str | None = None
        self._heartbeat_task: asyncio.Task | None = None

    @property
    def account(self) -> str | None:
        """The account the connection's token stands for while it is valid."""
        if self.token is None:
            return None
        try:
            return self.sim.sessions.account_of(self.token, self.sim.now_ms(), self.id)
        except rpc.RpcError:
            return None

    def send(self, frame: bytes) -> None:
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.overflowed = True
            self.close_soon("slow consumer")

    def send_notification(self, channel: str, data) -> None:
        self.send(rpc.notification(channel, data))

    def close_soon(self, reason: str) -> None:
        self.close_reason = reason
        self.send_sentinel()

    def send_sentinel(self) -> None:
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(b"")  # the writer closes on an empty frame

    def set_heartbeat(self, interval: float | None) -> None:
        self.heartbeat_s = interval
        self.awaiting_test = False
        if self._heartbeat_task is not None:
            self._heartbeat_task.cancel()
            self._heartbeat_task = None
        if interval is not None:
            self._heartbeat_task = asyncio.get_running_loop().create_task(self._heartbeats(interval),
                                                                          name=f"deribit-sim-heartbeat-{self.id}")

    def answered_test_request(self) -> None:
        self.awaiting_test = False

    async def _heartbeats(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            if self.awaiting_test:  # no public/test since the last test_request: the venue hangs up
                self.sim.counters["heartbeats_missed"] += 1
                self.close_soon("heartbeat missed")
                return
            self.awaiting_test = True
            self.send(rpc.heartbeat("test_request"))

    async def writer(self) -> None:
        while True:
            frame = await self.queue.get()
            if not frame:
                await self.ws.close(code=1000, message=(self.close_reason or "closed").encode())
                return
            delay = self.sim.faults.delay_ms
            if delay:
                await asyncio.sleep(delay / 1000)
            try:
                await self.ws.send_str(frame.decode())
            except (ConnectionError, RuntimeError):
                return

    async def stop(self) -> None:
        await cancel_and_wait(self._heartbeat_task)
        self._heartbeat_task = None
