"""Binance USD-M private stream: listen-key lifecycle and user events -> order events, fills, positions, balances.

Lifecycle (protocol notes 7.1): create a key, connect ``/private/ws?listenKey=``,
keep it alive every 20 minutes; when the venue says the key is gone
(``listenKeyExpired``, or ``-1125`` on keep-alive) create a new one and
reconnect. Every drop is reported to the handler as ``on_status(False)``:
events may have been missed, so the owner reconciles through the fetcher.

Events are translated once (``parse.py``) and checked before they reach the
handler: a fill whose trade id was already delivered is dropped (the venue,
or a reconnect, may repeat it), and so is an exact repeat of an order
update; an order update older than one already seen for that order (an
earlier time, a lower cumulative fill, or any update after a final state)
is dropped as out of order, its fill still delivered if new;
position and balance snapshots older than the newest seen are dropped.
``TRADE_LITE`` repeats what ``ORDER_TRADE_UPDATE`` carries and is only counted.
"""

from __future__ import annotations

import asyncio
import logging

import msgspec

from exchanges.binance import messages as m
from exchanges.binance import parse
from exchanges.binance.constants import LISTEN_KEY_KEEPALIVE_S, VENUE
from exchanges.binance.http import BinanceHttp
from tradesys.aio import cancel_and_wait
from tradesys.numeric import parse_scaled
from tradesys.venue.base import AccountHandler, IExchangePMS
from tradesys.venue.errors import AuthError, ExchangeError
from tradesys.venue.memory import BoundedDict
from tradesys.venue.ws import WsSession

log = logging.getLogger(__name__)
FINAL = frozenset({"FILLED", "CANCELED", "EXPIRED", "EXPIRED_IN_MATCH", "REJECTED"})
REMEMBERED = 50_000   # fills and orders kept for duplicate / ordering checks


class BinancePMS(IExchangePMS):
    venue = VENUE

    def __init__(self, http: BinanceHttp, ws_private: str, *, account: str = "main",
                 keepalive_s: float = LISTEN_KEY_KEEPALIVE_S, heartbeat_s: float = 30.0):
        self.http = http
        self.ws_private = ws_private
        self.account = account
        self.keepalive_s = keepalive_s
        self.heartbeat_s = heartbeat_s
        self.handler: AccountHandler | None = None
        self.listen_key = ""
        self._session: WsSession | None = None
        self._keepalive: asyncio.Task | None = None
        self._renewing: asyncio.Task | None = None
        self._fills = BoundedDict(REMEMBERED)        # (symbol, trade id) -> None
        self._orders = BoundedDict(REMEMBERED)       # (symbol, order id) -> (T, filled mantissa, final, signature)
        self._account_seen: dict[str, int] = {}   # symbol or asset -> newest E applied
        self._counters = {"events": 0, "order_events": 0, "fills": 0, "positions": 0, "balances": 0, "funding": 0,
                          "duplicate_fills": 0, "duplicate_events": 0, "out_of_order": 0, "trade_lite": 0,
                          "ignored_events": 0,
                          "malformed": 0, "unknown_state": 0, "key_renewals": 0, "keepalive_errors": 0}

    @property
    def counters(self) -> dict[str, int]:
        out = dict(self._counters)
        if self._session is not None:
            out["reconnects"] = max(0, self._session.counters["connects"] - 1)
        return out

    async def start(self, handler: AccountHandler) -> None:
        self.handler = handler
        await self.http.start()
        self.listen_key = await self.http.new_listen_key()
        self._session = WsSession("binance-private", lambda: f"{self.ws_private}/ws?listenKey={self.listen_key}",
                                  self._on_message, on_open=self._on_open, on_close=self._on_close,
                                  heartbeat_s=self.heartbeat_s, after_failed_connect=self._fresh_key)
        self._session.on_raw = getattr(handler, "on_raw", None)      # the frames as they arrived, if it keeps them
        await self._session.start()
        self._keepalive = asyncio.create_task(self._keep_alive(), name="binance-listen-key")

    async def stop(self) -> None:
        await cancel_and_wait(self._keepalive)
        await cancel_and_wait(self._renewing)
        self._keepalive = self._renewing = None
        if self._session is not None:
            await self._session.stop()
            self._session = None
        # The key is left to expire: the venue gives one key per account, shared by every stream of the
        # account (the engine's and the position server's), so closing it here would cut the others off.
        await self.http.close()

    # -- the key -----------------------------------------------------------------------

    async def _on_open(self, session: WsSession) -> None:
        self.handler.on_status(True, "private stream connected")

    def _on_close(self, reason: str) -> None:
        self.handler.on_status(False, f"private stream lost: {reason}")

    async def _keep_alive(self) -> None:
        while True:
            await asyncio.sleep(self.keepalive_s)
            try:
                await self.http.keep_listen_key()
            except AuthError as exc:   # -1125: the key is gone
                log.warning("binance: listen key refused on keep-alive (%s): renewing", exc)
                await self._renew("keep-alive refused")
            except ExchangeError as exc:
                self._counters["keepalive_errors"] += 1
                log.warning("binance: listen key keep-alive failed: %s", exc)

    async def _fresh_key(self, reason: str) -> None:
        """The stream could not connect: its key may be gone (expired while we were away, or a venue that
        came back without it). Asking for a key returns the same one while it lives, so this is cheap."""
        try:
            key = await self.http.new_listen_key()
        except ExchangeError as exc:
            log.warning("binance: creating a listen key failed after a failed connect: %s", exc)
            return
        if key != self.listen_key:
            self._counters["key_renewals"] += 1
            log.info("binance: new listen key after a failed connect (%s)", reason)
            self.listen_key = key

    async def _renew(self, why: str) -> None:
        """A new listen key and a new connection on it."""
        self._counters["key_renewals"] += 1
        while True:
            try:
                self.listen_key = await self.http.new_listen_key()
                break
            except ExchangeError as exc:
                log.warning("binance: creating a listen key failed (%s): %s", why, exc)
                await asyncio.sleep(1.0)
        log.info("binance: new listen key (%s)", why)
        await self._session.reconnect(f"listen key renewed: {why}")

    # -- events ------------------------------------------------------------------------

    def _on_message(self, text: str, recv_ns: int) -> None:
        self._counters["events"] += 1
        try:
            event = m.user_decoder.decode(text)
        except (msgspec.ValidationError, msgspec.DecodeError):
            self._unknown(text)
            return
        try:
            if type(event) is m.OrderTradeUpdate:
                self._order_update(event, recv_ns)
            elif type(event) is m.AccountUpdate:
                self._account_update(event, recv_ns)
            elif type(event) is m.TradeLite:
                self._counters["trade_lite"] += 1
            else:
                self.handler.on_status(False, "listen key expired")
                if self._renewing is None or self._renewing.done():
                    self._renewing = asyncio.create_task(self._renew("listenKeyExpired"), name="binance-renew-key")
        except (ExchangeError, ValueError) as exc:   # an unknown status, an unreadable or out-of-range number
            self._counters["unknown_state"] += 1
            log.error("binance: user event not understood (%s): %.300s", exc, text)

    def _unknown(self, text: str) -> None:
        try:
            kind = m.any_event_decoder.decode(text).e
        except (msgspec.ValidationError, msgspec.DecodeError):
            self._counters["malformed"] += 1
            log.warning("binance: malformed user event: %.200s", text)
            return
        if kind in ("ORDER_TRADE_UPDATE", "ACCOUNT_UPDATE", "TRADE_LITE", "listenKeyExpired"):
            self._counters["malformed"] += 1   # an event we handle, in a shape we cannot read
            log.error("binance: malformed %s: %.300s", kind, text)
        else:
            self._counters["ignored_events"] += 1   # MARGIN_CALL, ACCOUNT_CONFIG_UPDATE, ...: not ours to act on

    def _order_update(self, event: m.OrderTradeUpdate, recv_ns: int) -> None:
        update = event.o
        venue_ns = event.T * parse.MS
        order_event = parse.order_update_event(update)   # raises for an unknown status: before any state changes
        fill = parse.update_fill(update)
        if fill is not None:
            key = (update.s, update.t)
            if key in self._fills:
                self._counters["duplicate_fills"] += 1
            else:
                self._fills.put(key, None)
                self._counters["fills"] += 1
                self.handler.on_fill(fill, venue_ns, recv_ns)
        order_key = (update.s, update.i)
        filled = parse_scaled(update.z, 18)
        signature = (update.x, update.X, update.z, update.p, update.q)
        seen = self._orders.get(order_key)
        if seen is not None:
            seen_time, seen_filled, seen_final, seen_signature = seen
            if signature == seen_signature:
                self._counters["duplicate_events"] += 1
                return
            if seen_final or filled < seen_filled or update.T < seen_time:
                self._counters["out_of_order"] += 1
                return
        self._orders.put(order_key, (update.T, filled, update.X in FINAL, signature))
        self._counters["order_events"] += 1
        self.handler.on_order_event(order_event, venue_ns, recv_ns)

    def _account_update(self, event: m.AccountUpdate, recv_ns: int) -> None:
        venue_ns = event.T * parse.MS
        for position in parse.account_positions(event, self.account):
            if self._newer(f"P:{position.symbol}", event.E):
                self._counters["positions"] += 1
                self.handler.on_position(position, venue_ns, recv_ns)
        for balance in parse.account_balances(event, self.account):
            if self._newer(f"B:{balance.asset}", event.E):
                if event.a.m == "FUNDING_FEE" and event.a.S:
                    self._counters["funding"] += 1
                    self.handler.on_funding(event.a.S, balance, venue_ns, recv_ns)
                self._counters["balances"] += 1
                self.handler.on_balance(balance, venue_ns, recv_ns)

    def _newer(self, key: str, event_ms: int) -> bool:
        if event_ms < self._account_seen.get(key, 0):
            self._counters["out_of_order"] += 1
            return False
        self._account_seen[key] = event_ms
        return True
