"""Market data and session methods: time, test, instruments, books, tickers, trades, auth, heartbeats,
subscriptions, cancel-on-disconnect. Each handler takes the call and its params and returns the
``result`` or raises RpcError; private order and account methods are in ``trading.py``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from exchanges.deribit.simulator import params as p
from exchanges.deribit.simulator import render
from exchanges.deribit.simulator.catalog import CURRENCIES, currency_object, instrument_object
from exchanges.deribit.simulator.errors import MUST_BE_WEBSOCKET, UNAUTHORIZED, invalid_arguments, unknown_instrument
from tradesys.sim.orders import Side

if TYPE_CHECKING:
    from exchanges.deribit.simulator.connection import Connection
    from exchanges.deribit.simulator.venue import DeribitVenue

VERSION = "1.2.26"


@dataclass
class Call:
    sim: DeribitVenue
    method: str
    conn: Connection | None          # None over HTTP
    http_account: str | None = None  # HTTP: the account its Authorization header proved

    def account(self, params: dict) -> str:
        """The authenticated account of a private call; raise 13009 when there is none."""
        now = self.sim.now_ms()
        token = params.get("access_token")
        if isinstance(token, str):
            return self.sim.sessions.account_of(token, now, self.conn.id if self.conn else None)
        if self.conn is not None:
            if self.conn.token is None:
                raise UNAUTHORIZED
            return self.sim.sessions.account_of(self.conn.token, now, self.conn.id)
        if self.http_account is None:
            raise UNAUTHORIZED
        return self.http_account

    def ws(self) -> Connection:
        if self.conn is None:
            raise MUST_BE_WEBSOCKET
        return self.conn


def entry_of(sim: DeribitVenue, params: dict, name: str = "instrument_name"):
    instrument = p.text(params, name, required=True)
    entry = sim.catalog.get(instrument)
    if entry is None:
        raise unknown_instrument(instrument)
    return entry


def currency_of(params: dict, *, allow_any: bool = False, required: bool = True) -> str | None:
    currency = p.text(params, "currency", required=required)
    if currency is None:
        return None
    if currency not in CURRENCIES and not (allow_any and currency == "any"):
        raise invalid_arguments("currency", f"must be one of {', '.join(CURRENCIES)}")
    return currency


async def get_time(call: Call, params: dict):
    return call.sim.now_ms()


async def test(call: Call, params: dict):
    if call.conn is not None:
        call.conn.answered_test_request()
    return {"version": VERSION}


async def hello(call: Call, params: dict):
    return {"version": VERSION}


async def get_currencies(call: Call, params: dict):
    return [currency_object(c) for c in CURRENCIES]


async def get_instruments(call: Call, params: dict):
    currency = currency_of(params, allow_any=True, required=False) or "any"
    kind = p.text(params, "kind")
    if kind is not None and kind not in ("future", "option", "spot", "future_combo", "option_combo"):
        raise invalid_arguments("kind", "unknown kind")
    if p.flag(params, "expired", False):
        return []
    return [instrument_object(e) for e in call.sim.catalog.values()
            if currency in ("any", e.currency) and kind in (None, "future")]


async def get_instrument(call: Call, params: dict):
    return instrument_object(entry_of(call.sim, params))


async def get_order_book(call: Call, params: dict):
    sim = call.sim
    entry = entry_of(sim, params)
    depth = p.integer(params, "depth", 20, low=1, high=10_000)
    engine = sim.exchange.engines[entry.name]
    now = sim.now_ms()
    ticker = render.ticker_object(sim, entry, now)
    ticker.pop("estimated_delivery_price")
    return {**ticker, "change_id": engine.update_id,
            "bids": render.book_levels(entry, engine.book.levels(Side.BUY, depth)),
            "asks": render.book_levels(entry, engine.book.levels(Side.SELL, depth))}


async def ticker(call: Call, params: dict):
    return render.ticker_object(call.sim, entry_of(call.sim, params), call.sim.now_ms())


async def get_last_trades_by_instrument(call: Call, params: dict):
    sim = call.sim
    entry = entry_of(sim, params)
    count = p.integer(params, "count", 10, low=1, high=1000)
    mark = sim.exchange.mark_price(entry.name)
    trades = list(sim.exchange.public_trades[entry.name])
    newest_first = p.text(params, "sorting", "desc") != "asc"
    chosen = trades[-count:]
    objects = [render.public_trade_object(entry, t, mark) for t in chosen]
    return {"trades": objects[::-1] if newest_first else objects, "has_more": len(trades) > count}


async def auth(call: Call, params: dict):
    sim = call.sim
    result = sim.sessions.authenticate(params, sim.now_ms(), call.conn.id if call.conn else None)
    if call.conn is not None:
        call.conn.token = result["access_token"]
    return result


async def set_heartbeat(call: Call, params: dict):
    conn = call.ws()
    interval = p.decimal(params, "interval", required=True)
    if interval < call.sim.min_heartbeat_s:
        raise invalid_arguments("interval", f"must be at least {call.sim.min_heartbeat_s}")
    conn.set_heartbeat(float(interval))
    return "ok"


async def disable_heartbeat(call: Call, params: dict):
    call.ws().set_heartbeat(None)
    return "ok"


async def subscribe_public(call: Call, params: dict):
    conn = call.ws()
    return call.sim.channels.subscribe(conn, p.string_list(params, "channels"), authenticated=False)


async def subscribe_private(call: Call, params: dict):
    conn = call.ws()
    call.account(params)
    return call.sim.channels.subscribe(conn, p.string_list(params, "channels"), authenticated=True)


async def unsubscribe(call: Call, params: dict):
    return call.sim.channels.unsubscribe(call.ws(), p.string_list(params, "channels"))


async def unsubscribe_all(call: Call, params: dict):
    conn = call.ws()
    call.sim.channels.unsubscribe(conn, list(conn.channels))
    return "ok"


async def enable_cancel_on_disconnect(call: Call, params: dict):
    account = call.account(params)
    scope = p.text(params, "scope", "connection")
    if scope not in ("connection", "account"):
        raise invalid_arguments("scope", "must be connection or account")
    if scope == "connection":
        call.ws().cancel_on_disconnect = True
    else:
        call.sim.cod_accounts.add(account)
    return "ok"


async def disable_cancel_on_disconnect(call: Call, params: dict):
    account = call.account(params)
    scope = p.text(params, "scope", "connection")
    if scope == "connection":
        call.ws().cancel_on_disconnect = False
    else:
        call.sim.cod_accounts.discard(account)
    return "ok"


async def get_cancel_on_disconnect(call: Call, params: dict):
    account = call.account(params)
    scope = p.text(params, "scope", "connection")
    enabled = call.ws().cancel_on_disconnect if scope == "connection" else account in call.sim.cod_accounts
    return {"scope": scope, "enabled": enabled}


async def logout(call: Call, params: dict):
    conn = call.ws()
    call.account(params)
    conn.close_soon("logout")
    return "ok"


PUBLIC = {
    "public/get_time": get_time, "public/test": test, "public/hello": hello,
    "public/get_currencies": get_currencies, "public/get_instruments": get_instruments,
    "public/get_instrument": get_instrument, "public/get_order_book": get_order_book, "public/ticker": ticker,
    "public/get_last_trades_by_instrument": get_last_trades_by_instrument, "public/auth": auth,
    "public/set_heartbeat": set_heartbeat, "public/disable_heartbeat": disable_heartbeat,
    "public/subscribe": subscribe_public, "public/unsubscribe": unsubscribe,
    "public/unsubscribe_all": unsubscribe_all, "private/subscribe": subscribe_private,
    "private/unsubscribe": unsubscribe, "private/unsubscribe_all": unsubscribe_all,
    "private/enable_cancel_on_disconnect": enable_cancel_on_disconnect,
    "private/disable_cancel_on_disconnect": disable_cancel_on_disconnect,
    "private/get_cancel_on_disconnect": get_cancel_on_disconnect, "private/logout": logout,
}
