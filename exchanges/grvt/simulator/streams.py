"""GRVT WebSocket streams on the market-data and trade-data hosts: ``/ws/full``, ``/ws/lite`` and the legacy
``/ws`` (its requests carry ``request_id``; ``is_full`` picks the names), docs/protocols/grvt.md 6.

Subscribe (JSON-RPC): ``{"jsonrpc":"2.0","method":"subscribe","params":{"stream","selectors"},"id"}`` ->
``{"jsonrpc":"2.0","result":{"stream","subs","unsubs","num_snapshots","first_sequence_number"},"id",
"method":"subscribe"}``. Feed messages: ``{"stream","selector","sequence_number","prev_sequence_number",
"feed"}``, numbers as strings.

Sequence numbers (spec ``WSSubscribeResult``): every snapshot payload has
sequence number 0; deltas count by one from the subscription's
``first_sequence_number`` (the reply also gives ``latest_sequence_number``,
one less), each ``prev_sequence_number`` the one before. Each subscription's
count starts at its own large base, as a live feed's would.

Market data: ``v1.book.d`` (``<instrument>@<rate>``: a snapshot, then every
``rate`` ms the levels changed since, size "0" removed), ``v1.book.s``
(``<instrument>@<rate>-<depth>``: full snapshots), ``v1.trade``
(``<instrument>@<limit>``), ``v1.mini.s``/``d`` and ``v1.ticker.s``/``d``
(``<instrument>@<rate>``). Trade data (a session cookie on the handshake):
``v1.order``, ``v1.state``, ``v1.fill``, ``v1.position``, ``v1.cancel`` with selector
``<sub_account_id>`` or ``<sub_account_id>-<instrument>``. The fault switch
``skip_depth_updates`` loses book deltas (the sequence breaks).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import WSMsgType, web

from exchanges.grvt import names
from exchanges.grvt.simulator.market_data import trade_object
from exchanges.grvt.simulator.render import fill_object, order_object, position_object, text
from exchanges.grvt.simulator.sessions import ACCOUNT_HEADER, COOKIE
from tradesys.sim.exchange import ExchangeEvent, FillRecord
from tradesys.sim.orders import Side

if TYPE_CHECKING:
    from exchanges.grvt.simulator.venue import GrvtVenue

MARKET_STREAMS = {"v1.book.d": "WSOrderbookLevelsFeedDataV1", "v1.book.s": "WSOrderbookLevelsFeedDataV1",
                  "v1.trade": "WSTradeFeedDataV1", "v1.mini.s": "WSMiniTickerFeedDataV1",
                  "v1.mini.d": "WSMiniTickerFeedDataV1", "v1.ticker.s": "WSTickerFeedDataV1",
                  "v1.ticker.d": "WSTickerFeedDataV1"}
TRADE_STREAMS = {"v1.order": "WSOrderFeedDataV1", "v1.state": "WSOrderStateFeedDataV1",
                 "v1.fill": "WSFillFeedDataV1", "v1.position": "WSPositionsFeedDataV1",
                 "v1.cancel": "WSCancelFeedDataV1"}
RATES_MS = {100, 200, 500, 1000}
SNAPSHOT_FIRST = frozenset({"v1.book.d", "v1.book.s", "v1.mini.d", "v1.mini.s", "v1.ticker.d", "v1.ticker.s"})


@dataclass
class Sub:
    stream: str
    selector: str
    instrument: str | None
    rate_ms: int = 0
    depth: int = 10
    sequence: int = 0
    sent: dict = field(default_factory=dict)        # book: (side, price) -> size last sent
    pending: dict = field(default_factory=dict)
    last_ms: int = 0


class Connection:
    def __init__(self, ws: web.WebSocketResponse, host: str, lite: bool, account: str | None):
        self.ws, self.host, self.lite, self.account = ws, host, lite, account
        self.subs: dict[tuple[str, str], Sub] = {}
        self.legacy_full: bool | None = None

    async def send(self, message: dict) -> None:
        if not self.ws.closed:
            await self.ws.send_str(json.dumps(message, separators=(",", ":")))


class Streams:
    def __init__(self, sim: GrvtVenue):
        self.sim = sim
        self.connections: set[Connection] = set()
        sim.exchange.listeners.append(self._on_event)
        self._queue: asyncio.Queue[tuple[Connection, dict]] = asyncio.Queue(maxsize=100_000)
        self._tasks: list[asyncio.Task] = []
        self._next_base = 1_000_000_000          # each subscription's deltas count from its own base

    def routes(self, host: str) -> list[web.RouteDef]:
        return [web.get("/ws/full", self._handler(host, False)), web.get("/ws/lite", self._handler(host, True)),
                web.get("/ws", self._handler(host, False))]

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._writer(), name="grvt-sim-ws-writer"),
                       asyncio.create_task(self._tick(), name="grvt-sim-ws-tick")]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
        for conn in list(self.connections):
            await conn.ws.close()

    def _handler(self, host: str, lite: bool):
        async def handle(request: web.Request) -> web.WebSocketResponse:
            account = None
            if host == "trade":
                account = self.sim.sessions.account_of(request.cookies.get(COOKIE), request.headers.get(ACCOUNT_HEADER),
                                                       self.sim.now_ms())
                if account is None:
                    raise web.HTTPUnauthorized(text=json.dumps({"code": 1000, "message": "You need to authenticate "
                                                                "prior to using this functionality", "status": 401}),
                                               content_type="application/json")
            ws = web.WebSocketResponse(max_msg_size=1 << 20)
            await ws.prepare(request)
            conn = Connection(ws, host, lite, account)
            self.connections.add(conn)
            try:
                async for msg in ws:
                    if msg.type is WSMsgType.TEXT:
                        await self._request(conn, msg.data)
            finally:
                self.connections.discard(conn)
            return ws
        return handle

    # -- requests ----------------------------------------------------------------------

    async def _request(self, conn: Connection, text_: str) -> None:
        try:
            message = json.loads(text_)
        except ValueError:
            await conn.send({"jsonrpc": "2.0", "error": {"code": 1003, "message": "Request could not be processed "
                                                         "due to malformed syntax"}, "id": None})
            return
        if not isinstance(message, dict):
            return
        legacy = "request_id" in message or "ri" in message
        if legacy:
            if "ri" in message:
                message = names.to_full("WSSubscribeRequestV1Legacy", message)
            conn.legacy_full = bool(message.get("is_full", True))
            method, stream, selectors = message.get("method"), message.get("stream"), message.get("feed") or []
            rid = message.get("request_id")
        else:
            if conn.lite:
                message = names.to_full("JSONRPCRequest", message)
                params = names.to_full("WSSubscribeParams", message.get("params") or {})
            else:
                params = message.get("params") or {}
            method, stream, selectors, rid = message.get("method"), params.get("stream"), \
                params.get("selectors") or [], message.get("id")
        result = self._subscribe(conn, stream, selectors) if method == "subscribe" else \
            self._unsubscribe(conn, stream, selectors) if method == "unsubscribe" else None
        if result is None:
            reply = {"code": 1003, "message": f"unknown method {method!r}"}
            await conn.send({"request_id": rid, **reply} if legacy else {"jsonrpc": "2.0", "error": reply, "id": rid})
            return
        if legacy:
            body = {"request_id": rid, **result}
            await conn.send(body if conn.legacy_full else names.to_lite("WSSubscribeResponseV1Legacy", body))
        else:
            body = {"jsonrpc": "2.0", "result": result, "id": rid, "method": method}
            if conn.lite:
                body = names.to_lite("JSONRPCResponse", body)
                body["r"] = names.to_lite("WSSubscribeResult", result)
            await conn.send(body)
        for selector in result.get("subs", []):
            await self._first(conn, conn.subs[(stream, selector)])

    def _parse(self, conn: Connection, stream: str, selector: str) -> Sub | None:
        if conn.host == "market" and stream in MARKET_STREAMS:
            instrument, _, rest = selector.partition("@")
            if instrument not in self.sim.catalog:
                return None
            if stream == "v1.book.s":
                rate, _, depth = rest.partition("-")
                if not rate.isdigit() or int(rate) not in RATES_MS or depth not in ("10", "50", "100", "500"):
                    return None
                return Sub(stream, selector, instrument, int(rate), int(depth))
            if stream == "v1.trade":
                return Sub(stream, selector, instrument, 0, int(rest) if rest.isdigit() else 50)
            if not rest.isdigit() or int(rest) not in RATES_MS:
                return None
            return Sub(stream, selector, instrument, int(rest))
        if conn.host == "trade" and stream in TRADE_STREAMS:
            sub_account, _, instrument = selector.partition("-")
            if sub_account != self.sim.sub_account_id or (instrument and instrument not in self.sim.catalog):
                return None
            return Sub(stream, selector, instrument or None)
        return None

    def _subscribe(self, conn: Connection, stream, selectors) -> dict:
        subs, snapshots, firsts, latest = [], [], [], []
        for selector in selectors if isinstance(selectors, list) else []:
            sub = self._parse(conn, str(stream), str(selector))
            if sub is None:
                continue
            self._next_base += 1_000_000
            sub.sequence = self._next_base + 1
            conn.subs[(stream, selector)] = sub
            subs.append(selector)
            snapshots.append(1 if stream in SNAPSHOT_FIRST else 0)
            firsts.append(str(sub.sequence))
            latest.append(str(sub.sequence - 1))
        return {"stream": stream, "subs": subs, "unsubs": [], "num_snapshots": snapshots,
                "first_sequence_number": firsts, "latest_sequence_number": latest}

    def _unsubscribe(self, conn: Connection, stream, selectors) -> dict:
        done = [s for s in (selectors or []) if conn.subs.pop((stream, s), None) is not None]
        return {"stream": stream, "unsubs": done}

    # -- feeds -------------------------------------------------------------------------

    def _emit(self, conn: Connection, sub: Sub, feed: dict, *, snapshot: bool = False) -> None:
        if snapshot or sub.stream.endswith(".s"):     # every snapshot payload is numbered 0
            seq = prev = "0"
        else:
            seq, prev = str(sub.sequence), str(sub.sequence - 1)
            sub.sequence += 1
        message = {"stream": sub.stream, "selector": sub.selector, "sequence_number": seq, "feed": feed,
                   "prev_sequence_number": prev}
        lite = conn.lite if conn.legacy_full is None else not conn.legacy_full
        if lite:
            message = names.to_lite(MARKET_STREAMS.get(sub.stream) or TRADE_STREAMS[sub.stream], message)
        try:
            self._queue.put_nowait((conn, message))
        except asyncio.QueueFull:
            pass

    def _levels(self, instrument: str, side: Side, depth: int | None) -> dict:
        book = self.sim.exchange.engines[instrument].book
        return {p: q for p, q in book.levels(side, depth)}

    def _book_feed(self, instrument: str, bids: dict, asks: dict) -> dict:
        i = self.sim.catalog[instrument].instrument

        def levels(side: dict, reverse: bool):
            return [{"price": text(i.price(p)), "size": text(i.qty(q)), "num_orders": 1 if q else 0}
                    for p, q in sorted(side.items(), reverse=reverse)]
        return {"event_time": str(self.sim.now_ns()), "instrument": instrument, "bids": levels(bids, True),
                "asks": levels(asks, False)}

    async def _first(self, conn: Connection, sub: Sub) -> None:
        if sub.stream in ("v1.book.d", "v1.book.s"):
            bids = self._levels(sub.instrument, Side.BUY, None if sub.stream == "v1.book.d" else sub.depth)
            asks = self._levels(sub.instrument, Side.SELL, None if sub.stream == "v1.book.d" else sub.depth)
            sub.sent = {**{(Side.BUY, p): q for p, q in bids.items()}, **{(Side.SELL, p): q for p, q in asks.items()}}
            self._emit(conn, sub, self._book_feed(sub.instrument, bids, asks), snapshot=True)
        elif sub.stream in ("v1.mini.d", "v1.ticker.d", "v1.mini.s", "v1.ticker.s"):
            self._emit(conn, sub, self._ticker(sub), snapshot=True)
        sub.last_ms = self.sim.now_ms()

    def _ticker(self, sub: Sub) -> dict:
        body = {"instrument": sub.instrument}
        return self.sim.market_data.mini(body) if "mini" in sub.stream else self.sim.market_data.ticker(body)

    def _on_event(self, event: ExchangeEvent) -> None:
        if not self.connections:
            return
        sim = self.sim
        for conn in list(self.connections):
            for sub in list(conn.subs.values()):
                if sub.instrument not in (None, event.symbol):
                    continue
                if sub.stream == "v1.book.d":
                    sub.pending.update(event.result.book_changes)
                elif sub.stream == "v1.trade" and event.result.trades:
                    for trade in event.result.trades:
                        self._emit(conn, sub, trade_object(sim, sim.catalog[event.symbol], trade))
                elif conn.account is not None and sub.stream in TRADE_STREAMS:
                    self._private(conn, sub, event)

    def _private(self, conn: Connection, sub: Sub, event: ExchangeEvent) -> None:
        sim, trading = self.sim, self.sim.trading
        entry = sim.catalog[event.symbol]
        mine = [u for u in event.result.updates if u.order.account == sim.account]
        for update in mine:
            record = trading.by_engine.get((event.symbol, update.order.order_id))
            if record is None:
                continue
            if sub.stream == "v1.order":
                self._emit(conn, sub, order_object(sim, record, update.order))
            elif sub.stream == "v1.state":
                order = order_object(sim, record, update.order)
                self._emit(conn, sub, {"order_id": record.order_id, "client_order_id":
                                       record.request["metadata"].get("client_order_id"),
                                       "order_state": order["state"]})
            elif sub.stream == "v1.fill" and update.fill is not None:
                # The fill as the history keeps it, from the event itself (no scan of the history).
                order, fill = update.order, update.fill
                booking = event.bookings[(order.order_id, fill.trade_id)]
                kept = FillRecord(fill.trade_id, order.order_id, event.symbol, order.side, fill.price, fill.quantity,
                                  fill.is_maker, booking.fee, booking.fee_asset, booking.realized_pnl, order.updated_ns)
                self._emit(conn, sub, fill_object(sim, entry, kept, record))
        if sub.stream == "v1.position" and any(u.fill is not None for u in mine):
            account = sim.exchange.accounts[sim.account]
            if event.symbol in account.positions:
                self._emit(conn, sub, position_object(sim, account, entry))

    def _trade_subs(self, stream: str, instrument: str | None):
        for conn in list(self.connections):
            if conn.account is None:
                continue
            for sub in list(conn.subs.values()):
                if sub.stream == stream and sub.instrument in (None, instrument):
                    yield conn, sub

    def on_record(self, record) -> None:
        """An order the venue ended without the matching engine (cancelled on arrival): its order and state."""
        order = order_object(self.sim, record, None)
        for conn, sub in self._trade_subs("v1.order", record.symbol):
            self._emit(conn, sub, order)
        for conn, sub in self._trade_subs("v1.state", record.symbol):
            self._emit(conn, sub, {"order_id": record.order_id, "client_order_id":
                                   record.request["metadata"].get("client_order_id"), "order_state": order["state"]})

    def on_cancel_status(self, client_order_id: str, status: str) -> None:
        """A cancel by client order id that cancelled nothing (spec ``CancelStatusFeed``)."""
        feed = {"sub_account_id": self.sim.sub_account_id, "client_order_id": client_order_id, "order_id": "0x00",
                "reason": "CLIENT_CANCEL", "update_time": str(self.sim.now_ns()), "cancel_status": status}
        for conn, sub in self._trade_subs("v1.cancel", None):
            self._emit(conn, sub, feed)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0.05)
            now = self.sim.now_ms()
            for conn in list(self.connections):
                for sub in list(conn.subs.values()):
                    if not sub.rate_ms or now - sub.last_ms < sub.rate_ms:
                        continue
                    sub.last_ms = now
                    if sub.stream == "v1.book.d":
                        self._delta(conn, sub)
                    elif sub.stream == "v1.book.s":
                        self._emit(conn, sub, self._book_feed(sub.instrument,
                                                              self._levels(sub.instrument, Side.BUY, sub.depth),
                                                              self._levels(sub.instrument, Side.SELL, sub.depth)))
                    elif sub.stream.endswith(".s") or sub.stream.endswith(".d"):
                        self._emit(conn, sub, self._ticker(sub))

    def _delta(self, conn: Connection, sub: Sub) -> None:
        if not sub.pending:
            return
        changes, sub.pending = sub.pending, {}
        out = {k: v for k, v in changes.items() if v or k in sub.sent}
        for key, size in out.items():
            if size:
                sub.sent[key] = size
            else:
                sub.sent.pop(key, None)
        if not out:
            return
        if self.sim.faults.skip_depth_updates > 0:      # fault: this delta is lost, the sequence breaks
            self.sim.faults.skip_depth_updates -= 1
            sub.sequence += 1
            return
        bids = {p: q for (s, p), q in out.items() if s is Side.BUY}
        asks = {p: q for (s, p), q in out.items() if s is Side.SELL}
        self._emit(conn, sub, self._book_feed(sub.instrument, bids, asks))

    async def _writer(self) -> None:
        while True:
            conn, message = await self._queue.get()
            delay = self.sim.faults.delay_ms
            if delay:
                await asyncio.sleep(delay / 1000)
            try:
                await conn.send(message)
            except (ConnectionError, RuntimeError):
                pass
