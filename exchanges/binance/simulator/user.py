"""The Binance USD-M user data stream: listen keys, ORDER_TRADE_UPDATE, TRADE_LITE, ACCOUNT_UPDATE.

Connections: ``/private/ws?listenKey=<k>[&events=E1/E2]`` (raw frames),
``/private/stream?listenKey=<k>...`` or ``/private/stream`` then
``SUBSCRIBE [<k>]`` (wrapped ``{"stream": <k>, "data": ...}``), and the
legacy ``/ws/<k>``. An unknown key fails the handshake with -1125. When a
key expires its connections get ``listenKeyExpired`` and nothing more for it.

Per accepted request that touches the account: for each order change a
``TRADE_LITE`` (fills only) then its ``ORDER_TRADE_UPDATE``; after them one
``ACCOUNT_UPDATE`` (reason ORDER) when balances or positions changed. Each
funding settlement on a position of the account: one ``ACCOUNT_UPDATE``
(reason FUNDING_FEE, the symbol in ``S``, the new wallet in ``B``).
"""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import TYPE_CHECKING

import msgspec
from aiohttp import web

from exchanges.binance.simulator import errors
from exchanges.binance.simulator.render import money
from exchanges.binance.simulator.streams import Connection, run_connection, valid_request_id
from tradesys.aio import cancel_and_wait
from tradesys.sim.exchange import ExchangeEvent, FundingEvent
from tradesys.sim.orders import ExecType, OrderStatus, OrderType, OrderUpdate, Side, TimeInForce

if TYPE_CHECKING:
    from exchanges.binance.simulator.venue import BinanceVenue

_encode = msgspec.json.Encoder().encode


class UserConnection(Connection):
    def __init__(self, ws: web.WebSocketResponse, combined: bool, queue_size: int):
        super().__init__(ws, "private", combined, queue_size)
        self.keys: dict[str, set[str] | None] = {}   # listen key -> event filter (None: every event)
        self.expired: set[str] = set()


class UserStreams:
    def __init__(self, sim: BinanceVenue, *, queue_size: int = 10_000, max_connection_seconds: float = 86_400):
        self.sim = sim
        self.queue_size = queue_size
        self.max_connection_seconds = max_connection_seconds
        self.connections: set[UserConnection] = set()
        self.counters = {"connections": 0, "events": 0}
        sim.exchange.listeners.append(self._on_event)
        sim.exchange.funding_listeners.append(self._on_funding)
        self._expiry: asyncio.Task | None = None

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/private/ws", self._private(False)), web.get("/private/stream", self._private(True))]

    async def start(self) -> None:
        self._expiry = asyncio.create_task(self._watch_expiry(), name="binance-sim-listen-keys")

    async def stop(self) -> None:
        await cancel_and_wait(self._expiry)
        for conn in list(self.connections):
            await conn.ws.close()

    # -- connections -------------------------------------------------------------------

    def _private(self, combined: bool):
        async def handler(request: web.Request):
            keys = request.query.getall("listenKey", [])
            filters = request.query.getall("events", [])
            wanted = {k: (set(filters[i].split("/")) if i < len(filters) else None) for i, k in enumerate(keys)}
            return await self._serve(request, combined, wanted)
        return handler

    async def serve_legacy(self, request: web.Request, key: str):
        return await self._serve(request, False, {key: None})

    async def _serve(self, request: web.Request, combined: bool, wanted: dict[str, set[str] | None]):
        now = self.sim.now_ms()
        if any(self.sim.listen_keys.get(k, 0) <= now for k in wanted):
            error = errors.LISTEN_KEY
            return web.json_response(error.body(), status=error.status)
        ws = web.WebSocketResponse(heartbeat=180.0, max_msg_size=1 << 16)
        await ws.prepare(request)
        conn = UserConnection(ws, combined, self.queue_size)
        conn.keys.update(wanted)
        self.connections.add(conn)
        self.counters["connections"] += 1
        try:
            await run_connection(conn, lambda text: self._control(conn, text), self.max_connection_seconds,
                                 self.counters, lambda: self.sim.faults.delay_ms)
        finally:
            self.connections.discard(conn)
        return ws

    def _control(self, conn: UserConnection, text: str) -> str | None:
        try:
            request = json.loads(text)
        except ValueError as exc:
            return json.dumps({"code": 3, "msg": f"Invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"})
        request_id = request.get("id") if isinstance(request, dict) else None
        if not valid_request_id(request_id):
            return json.dumps({"code": 2, "msg": "Invalid request: request ID must be an unsigned integer"})
        method, params = request.get("method"), request.get("params", [])
        if method == "SUBSCRIBE" and isinstance(params, list):
            now = self.sim.now_ms()
            for key in params:
                if isinstance(key, str) and self.sim.listen_keys.get(key, 0) > now:
                    conn.keys.setdefault(key, None)
            return json.dumps({"result": None, "id": request_id})
        if method == "UNSUBSCRIBE" and isinstance(params, list):
            for key in params:
                conn.keys.pop(key, None)
            return json.dumps({"result": None, "id": request_id})
        if method == "LIST_SUBSCRIPTIONS":
            return json.dumps({"result": list(conn.keys), "id": request_id})
        return json.dumps({"code": 2, "msg": f"Invalid request: unknown variant `{method}`"})

    def _deliver(self, payload: dict) -> None:
        raw = _encode(payload).decode()
        event = payload["e"]
        for conn in self.connections:
            for key, events in conn.keys.items():
                if key in conn.expired or (events is not None and event not in events):
                    continue
                conn.send(f'{{"stream":"{key}","data":{raw}}}' if conn.combined else raw)
                self.counters["events"] += 1

    async def _watch_expiry(self) -> None:
        while True:
            await asyncio.sleep(0.2)
            now = self.sim.now_ms()
            for conn in self.connections:
                for key in conn.keys:
                    if key not in conn.expired and self.sim.listen_keys.get(key, 0) <= now:
                        conn.expired.add(key)
                        raw = _encode({"e": "listenKeyExpired", "E": now, "listenKey": key}).decode()
                        conn.send(f'{{"stream":"{key}","data":{raw}}}' if conn.combined else raw)

    # -- events ------------------------------------------------------------------------

    def _on_event(self, event: ExchangeEvent) -> None:
        if not self.connections:
            return
        account = self.sim.account
        now = self.sim.now_ms()
        for update in event.result.updates:
            if update.order.account != account:
                continue
            if update.fill is not None:
                self._deliver(self._trade_lite(update, now))
            self._deliver(self._order_update(event, update, now))
        if account in event.accounts:
            self._deliver(self._account_update(event.symbol, now))

    def _order_update(self, event: ExchangeEvent, update: OrderUpdate, now: int) -> dict:
        order, fill = update.order, update.fill
        instrument = self.sim.exchange.instruments[order.symbol]
        booking = event.bookings.get((order.order_id, fill.trade_id)) if fill else None
        avg = (Decimal(order.cum_quote) / order.filled).scaleb(-instrument.price_scale) if order.filled else None
        bids, asks = self._open_notional(order.symbol)
        return {"e": "ORDER_TRADE_UPDATE", "T": order.updated_ns // 1_000_000, "E": now, "o": {
            "s": order.symbol, "c": order.client_order_id, "S": order.side.value, "o": order.type.value,
            "f": order.time_in_force.value if order.type is OrderType.LIMIT else "GTC",
            "q": instrument.qty_text(order.quantity),
            "p": instrument.price_text(order.price if order.type is OrderType.LIMIT else 0),
            "ap": f"{avg:f}" if avg is not None else "0", "sp": "0", "x": update.exec_type.value,
            "X": order.status.value, "i": order.order_id, "l": instrument.qty_text(fill.quantity if fill else 0),
            "z": instrument.qty_text(order.filled), "L": instrument.price_text(fill.price) if fill else "0",
            "n": money(booking.fee) if booking else "0", "N": instrument.settle,
            "T": order.updated_ns // 1_000_000, "t": fill.trade_id if fill else 0, "b": money(bids),
            "a": money(asks), "m": bool(fill and fill.is_maker), "R": order.reduce_only, "wt": "CONTRACT_PRICE",
            "ot": order.type.value, "ps": "BOTH", "cp": False, "rp": money(booking.realized_pnl) if booking else "0",
            "pP": False, "si": 0, "ss": 0, "V": order.stp_mode.value, "pm": "NONE", "gtd": 0,
            "er": _expiry_reason(update)}}

    def _trade_lite(self, update: OrderUpdate, now: int) -> dict:
        order, fill = update.order, update.fill
        instrument = self.sim.exchange.instruments[order.symbol]
        return {"e": "TRADE_LITE", "E": now, "T": order.updated_ns // 1_000_000, "s": order.symbol,
                "q": instrument.qty_text(order.quantity),
                "p": instrument.price_text(order.price if order.type is OrderType.LIMIT else 0), "m": fill.is_maker,
                "c": order.client_order_id, "S": order.side.value, "L": instrument.price_text(fill.price),
                "l": instrument.qty_text(fill.quantity), "t": fill.trade_id, "i": order.order_id}

    def _account_update(self, symbol: str, now: int) -> dict:
        exchange = self.sim.exchange
        account = exchange.accounts[self.sim.account]
        position = account.position(symbol)
        wallet = money(account.wallet.get("USDT", Decimal(0)))
        mark = exchange.mark_price(symbol, position.entry_price)
        return {"e": "ACCOUNT_UPDATE", "T": now, "E": now, "a": {
            "B": [{"a": "USDT", "wb": wallet, "cw": wallet, "bc": "0"}],
            "P": [{"s": symbol, "pa": f"{position.quantity:f}", "ep": money(position.entry_price),
                   "cr": money(position.realized_pnl), "up": money(position.unrealized_pnl(mark)), "mt": "cross",
                   "iw": "0", "ps": "BOTH", "ma": "USDT", "bep": f"{position.entry_price:f}"}],
            "m": "ORDER"}}

    def _on_funding(self, event: FundingEvent) -> None:
        """Funding on a cross position: ``B`` with the settle asset only, no ``P`` (protocol notes 7.4)."""
        if not self.connections or self.sim.account not in event.received:
            return
        settle = self.sim.exchange.instruments[event.symbol].settle
        wallet = money(self.sim.exchange.accounts[self.sim.account].wallet.get(settle, Decimal(0)))
        now = self.sim.now_ms()
        self._deliver({"e": "ACCOUNT_UPDATE", "T": now, "E": now, "a": {
            "B": [{"a": settle, "wb": wallet, "cw": wallet, "bc": "0"}], "P": [], "m": "FUNDING_FEE",
            "S": event.symbol}})

    def _open_notional(self, symbol: str) -> tuple[Decimal, Decimal]:
        instrument = self.sim.exchange.instruments[symbol]
        bids = asks = Decimal(0)
        for order in self.sim.exchange.engines[symbol].open_orders(self.sim.account):
            notional = instrument.notional(order.price, order.remaining)
            if order.side is Side.BUY:
                bids += notional
            else:
                asks += notional
        return bids, asks


def _expiry_reason(update: OrderUpdate) -> str:
    """The ``er`` code: 1 self-trade prevention, 2 IOC remainder, 9 market order not completely filled."""
    order = update.order
    if update.exec_type is not ExecType.EXPIRED:
        return "0"
    if order.status is OrderStatus.EXPIRED_IN_MATCH:
        return "1"
    if order.type is OrderType.MARKET:
        return "9"
    return "2" if order.time_in_force is TimeInForce.IOC else "0"
