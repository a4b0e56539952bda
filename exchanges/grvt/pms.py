"""GRVT private streams on the trade-data socket: ``v1.order`` (and ``v1.state``, an order's state alone),
``v1.fill`` and ``v1.position`` of the sub-account, translated once, and ``v1.cancel`` (a cancel that found no
order: counted and logged); balances from the sub-account summary (GRVT streams none), polled.

The socket's handshake carries the session cookie (``ApiSession``, fresh on
every reconnect). A fill whose trade id was already delivered is dropped (a
reconnect may repeat it), and so is an exact repeat of an order update or
one older than what was seen (an earlier update time, less traded, anything
after a final state). Funding: GRVT books it into the position's
``cumulative_realized_funding_payment``; when that moves, the summary is read
at once and reported with ``on_funding`` and then ``on_balance``. Every drop
is ``on_status(False)``: the owner reconciles through the fetcher.
"""

from __future__ import annotations

import asyncio
import logging
import time

import msgspec

from exchanges.grvt import messages as m
from exchanges.grvt import parse
from exchanges.grvt.constants import PRIVATE_STREAMS, VENUE
from exchanges.grvt.fetcher import GrvtFetcher
from exchanges.grvt.ids import ClientIdCodec
from exchanges.grvt.rpc import StreamSession
from tradesys.aio import cancel_and_wait
from tradesys.venue.base import AccountHandler, IExchangePMS
from tradesys.venue.errors import ExchangeError
from tradesys.venue.memory import BoundedDict

log = logging.getLogger(__name__)
REMEMBERED = 50_000
FINAL = frozenset({"FILLED", "CANCELLED", "REJECTED"})


class GrvtPMS(IExchangePMS):
    venue = VENUE

    def __init__(self, fetcher: GrvtFetcher, session: StreamSession, codec: ClientIdCodec, *, account: str = "main",
                 balance_every_s: float = 2.0):
        self.fetcher = fetcher          # REST: the sub-account, its summary
        self.session = session
        self.codec = codec
        self.account = account
        self.balance_every_s = balance_every_s
        self.handler: AccountHandler | None = None
        self._fills = BoundedDict(REMEMBERED)      # (instrument, trade id) -> None
        # order id -> ((update time, traded, final, status), the order as last seen: its legs for v1.state)
        self._orders = BoundedDict(REMEMBERED)
        self._funding: dict[str, str] = {}        # instrument -> cumulative funding last seen
        self._funded: list[str] = []              # instruments whose funding moved, until the next summary
        self._poller: asyncio.Task | None = None
        self._wake = asyncio.Event()
        self._counters = {"events": 0, "order_events": 0, "fills": 0, "positions": 0, "balances": 0, "funding": 0,
                          "duplicate_fills": 0, "duplicate_events": 0, "out_of_order": 0, "malformed": 0,
                          "unknown_state": 0, "balance_errors": 0, "cancels_unmatched": 0,
                          "state_of_unknown_order": 0}
        session.on_feed = self._on_feed
        session.on_subscribed = self._on_subscribed
        session.on_lost = self._on_lost

    @property
    def counters(self) -> dict[str, int]:
        return {**self._counters, "reconnects": self.session.reconnects,
                "subscribe_refused": self.session.counters["refused"]}

    async def start(self, handler: AccountHandler) -> None:
        self.handler = handler
        sub_account = await self.fetcher.sub_account()
        for stream in PRIVATE_STREAMS:
            await self.session.subscribe(stream, [sub_account])
        self.session.ws.on_raw = getattr(handler, "on_raw", None)     # the frames as they arrived, if it keeps them
        await self.session.start()
        self._poller = asyncio.create_task(self._poll_balances(), name="grvt-balances")

    async def stop(self) -> None:
        await cancel_and_wait(self._poller)
        self._poller = None
        await self.session.stop()
        await self.fetcher.close()

    def _on_subscribed(self, stream: str, starts: dict[str, tuple[int, int]]) -> None:
        if stream == PRIVATE_STREAMS[0] and self.handler is not None:
            self.handler.on_status(True, "private streams connected")

    def _on_lost(self, reason: str) -> None:
        if self.handler is not None:
            self.handler.on_status(False, f"private stream lost: {reason}")

    # -- balances ----------------------------------------------------------------------

    async def _poll_balances(self) -> None:
        while True:
            try:
                await self._report_balances()
            except ExchangeError as exc:
                self._counters["balance_errors"] += 1
                log.warning("grvt: account summary failed: %s", exc)
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), self.balance_every_s)
            except TimeoutError:
                pass

    async def _report_balances(self) -> None:
        balances = await self.fetcher.balances()
        now = time.time_ns()
        funded, self._funded = self._funded, []
        settles = {symbol: await self.fetcher.settlement(symbol) for symbol in funded}
        for balance in balances:
            for symbol in [s for s in funded if settles[s] == balance.asset]:
                self._counters["funding"] += 1
                self.handler.on_funding(symbol, balance, now, now)
            self._counters["balances"] += 1
            self.handler.on_balance(balance, now, now)

    # -- feeds -------------------------------------------------------------------------

    def _on_feed(self, frame: m.Frame, recv_ns: int) -> None:
        self._counters["events"] += 1
        stream = frame.stream
        try:
            if stream == "v1.order":
                self._order(m.order_decoder.decode(frame.feed), recv_ns)
            elif stream == "v1.state":
                self._state(m.state_decoder.decode(frame.feed), recv_ns)
            elif stream == "v1.fill":
                self._fill(m.fill_decoder.decode(frame.feed), recv_ns)
            elif stream == "v1.position":
                self._position(m.position_decoder.decode(frame.feed), recv_ns)
            elif stream == "v1.cancel":
                status = m.cancel_status_decoder.decode(frame.feed)
                self._counters["cancels_unmatched"] += 1
                log.info("grvt: a cancel found no order: %s (%s)", self.codec.decode(status.client_order_id),
                         status.cancel_status)
        except (msgspec.ValidationError, msgspec.DecodeError, ValueError) as exc:   # ValueError: a number
            self._counters["malformed"] += 1                                        # too big for our messages
            log.error("grvt: malformed %s frame dropped (%s): %.300s", stream, exc, bytes(frame.feed))
        except ExchangeError as exc:      # an unknown status: someone must see it
            self._counters["unknown_state"] += 1
            log.error("grvt: %s frame not understood (%s): %.300s", stream, exc, bytes(frame.feed))

    def _state(self, feed: m.OrderStateFeed, recv_ns: int) -> None:
        """An order's state alone: an event when the order is known (its legs from ``v1.order``); the
        same update on both streams is one event."""
        seen = self._orders.get(feed.order_id)
        if seen is None:
            self._counters["state_of_unknown_order"] += 1    # its v1.order, or the owner's reconcile, covers it
            return
        self._order(msgspec.structs.replace(seen[1], state=feed.order_state), recv_ns)

    def _order(self, order: m.Order, recv_ns: int) -> None:
        # Checked for news before it is translated: most repeats (v1.state beside v1.order) cost no parse.
        update = parse.sequence(order.state.update_time)
        traded = parse.first_size(order.state.traded_size, "traded_size")
        progress = (update, traded, order.state.status in FINAL, order.state.status)
        seen = self._orders.get(order.order_id)
        if seen is not None:
            before = seen[0]
            if before == progress:
                self._counters["duplicate_events"] += 1
                return
            if before[2] or traded < before[1] or update < before[0]:
                self._counters["out_of_order"] += 1
                return
        event = parse.order_event(order, self.codec)
        self._orders.put(order.order_id, (progress, order))
        self._counters["order_events"] += 1
        self.handler.on_order_event(event, update, recv_ns)

    def _fill(self, item: m.Fill, recv_ns: int) -> None:
        key = (item.instrument, item.trade_id)    # unique by itself (spec); the pair costs nothing
        if key in self._fills:
            self._counters["duplicate_fills"] += 1
            return
        fill = parse.fill(item, self.codec)
        self._fills.put(key, None)
        self._counters["fills"] += 1
        self.handler.on_fill(fill, parse.fill_time_ns(item), recv_ns)

    def _position(self, item: m.Position, recv_ns: int) -> None:
        position = parse.position(item, self.account)
        funding = item.cumulative_realized_funding_payment
        if funding is not None:
            before = self._funding.get(item.instrument)
            self._funding[item.instrument] = funding
            if before is not None and parse.decimal(funding, "funding") != parse.decimal(before, "funding"):
                self._funded.append(item.instrument)
                self._wake.set()           # read the wallet now, while the funding is the change
        self._counters["positions"] += 1
        self.handler.on_position(position, parse.sequence(item.event_time), recv_ns)
