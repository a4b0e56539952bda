"""Trade-data REST: create, cancel and query orders, fills, positions, account summaries, the cancel-on-
disconnect countdown. Every handler takes the session's account and the request in full names and returns
the ``result`` in full names (the server translates lite requests and answers).

Order checks, in the venue's order: sub-account, order id empty, client order
id, one leg, instrument, time in force, post-only, market/limit price, the
signature (chain id, V, R/S, expiry, the recovered signer against the
registered one and against the signer named, nonce not reused), then the
exchange's own checks (size on the grid, tick, margin, reduce-only).
"""

from __future__ import annotations

import base64
import binascii
import secrets
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from exchanges.grvt.simulator import errors as e
from exchanges.grvt.simulator.builders import Builders
from exchanges.grvt.simulator.render import Whole, fill_object, order_object, position_object, summary_object
from exchanges.grvt.simulator.signatures import Signatures
from tradesys.sim.errors import RejectCode, SimReject
from tradesys.sim.instruments import PrecisionError
from tradesys.sim.orders import OrderType, Side, TimeInForce

if TYPE_CHECKING:
    from exchanges.grvt.simulator.venue import GrvtVenue

_TIF = {"GOOD_TILL_TIME": TimeInForce.GTC, "IMMEDIATE_OR_CANCEL": TimeInForce.IOC, "FILL_OR_KILL": TimeInForce.FOK}


class OrderRecord:
    """What the venue keeps of an order beyond the matching engine: its id, request and rejection."""

    __slots__ = ("order_id", "symbol", "engine_id", "request", "reject_reason", "cancel_reason", "cancelled_on_arrival")

    def __init__(self, order_id: str, symbol: str, engine_id: int | None, request: dict):
        self.order_id, self.symbol, self.engine_id, self.request = order_id, symbol, engine_id, request
        self.reject_reason = "UNSPECIFIED"
        self.cancel_reason = "CLIENT_CANCEL"
        self.cancelled_on_arrival = False


class PendingCancel:
    """A cancel by client order id that found no open order: it waits ``time_to_live_ms`` for the order."""

    __slots__ = ("client_order_id", "deadline_ms")

    def __init__(self, client_order_id: str, deadline_ms: int):
        self.client_order_id, self.deadline_ms = client_order_id, deadline_ms


class Trading:
    def __init__(self, sim: GrvtVenue):
        self.sim = sim
        self.records: dict[str, OrderRecord] = {}                  # order id -> record
        self.by_engine: dict[tuple[str, int], OrderRecord] = {}
        self.pending_cancels: dict[str, PendingCancel] = {}          # client order id -> its waiting cancel
        self.signatures = Signatures(sim)
        self.builders = Builders(sim)

    # -- create ------------------------------------------------------------------------

    def create_order(self, account: str, body: dict) -> dict:
        order, entry, client_order_id = self._checked_order(account, body)
        waiting = self.pending_cancels.pop(client_order_id, None)
        if waiting is not None and waiting.deadline_ms > self.sim.now_ms():
            # Its cancel came first (time of flight): the order is cancelled on arrival, never matched.
            record = OrderRecord("0x" + secrets.token_hex(16), entry.name, None, order)
            record.cancelled_on_arrival = True
            self.records[record.order_id] = record
            self.sim.streams.on_record(record)
            return order_object(self.sim, record, None)
        return self._place(account, order, entry, client_order_id)

    def _checked_order(self, account: str, body: dict) -> tuple[dict, object, str]:
        """The order of a create_order body, its catalog entry and client order id; the venue's error for
        the first thing wrong with it, in the venue's order of checks."""
        order = body.get("order")
        if not isinstance(order, dict):
            raise e.MALFORMED
        sim = self.sim
        if str(order.get("sub_account_id", "")) != sim.sub_account_id:
            raise e.WRONG_SUB_ACCOUNT
        if order.get("order_id") not in (None, "", "0", "0x00"):
            raise e.ORDER_ID_GIVEN
        metadata = order.get("metadata") or {}
        client_order_id = str(metadata.get("client_order_id") or "")
        if not client_order_id or client_order_id == "0":
            raise e.NO_CLIENT_ORDER_ID
        if not _is_uint64(client_order_id):
            raise e.MALFORMED      # the venue's client order id is a number (spec OrderMetadata)
        legs = order.get("legs") or []
        if not legs:
            raise e.NO_LEG
        if len(legs) != 1:
            raise e.ONE_LEG
        entry = sim.catalog.get(legs[0].get("instrument"))
        if entry is None:
            raise e.UNSUPPORTED_INSTRUMENT
        tif_name = order.get("time_in_force")
        if tif_name not in _TIF:
            raise e.BAD_TIME_IN_FORCE
        post_only, reduce_only, is_market = (bool(order.get(k)) for k in ("post_only", "reduce_only", "is_market"))
        if post_only and tif_name != "GOOD_TILL_TIME":
            raise e.POST_ONLY_TIF
        price_text = legs[0].get("limit_price")
        if is_market and price_text not in (None, "", "0"):
            raise e.MARKET_WITH_PRICE
        if not is_market and price_text in (None, "", "0"):
            raise e.LIMIT_WITHOUT_PRICE
        self.signatures.check(order, entry, tif_name, is_market, post_only, reduce_only)
        self.builders.check_order(order)
        # Unique among the sub-account's open orders (all instruments): a scan of what is open, not of history.
        if any(o.client_order_id == client_order_id for engine in sim.exchange.engines.values()
               for o in engine.open_orders(account)):
            raise e.CLIENT_ORDER_ID_OVERLAP
        return order, entry, client_order_id

    def _place(self, account: str, order: dict, entry, client_order_id: str) -> dict:
        """A checked order onto the matching engine; its order object as the venue answers."""
        sim, leg, is_market = self.sim, order["legs"][0], bool(order.get("is_market"))
        try:
            size = Decimal(str(leg.get("size")))
            limit = None if is_market else Decimal(str(leg.get("limit_price")))
        except (InvalidOperation, ValueError):
            raise e.MALFORMED from None
        try:
            quantity = entry.instrument.qty_of(size)
        except PrecisionError:
            raise e.from_reject(RejectCode.QUANTITY_NOT_ON_STEP) from None
        try:
            price = 0 if limit is None else entry.instrument.price_of(limit)
        except PrecisionError:
            raise e.from_reject(RejectCode.PRICE_NOT_ON_TICK) from None
        side = Side.BUY if leg.get("is_buying_asset") else Side.SELL
        tif = TimeInForce.GTX if order.get("post_only") else _TIF[order["time_in_force"]]
        order_id = "0x" + secrets.token_hex(16)
        # Known before matching: the stream events the order causes already name it.
        engine_id = sim.exchange.next_order_id(entry.name)
        record = OrderRecord(order_id, entry.name, engine_id, order)
        self.records[order_id] = record
        self.by_engine[(entry.name, engine_id)] = record
        try:
            placed = sim.exchange.place(account, entry.name, side, OrderType.MARKET if is_market else OrderType.LIMIT,
                                        quantity, price=price, time_in_force=tif, client_order_id=client_order_id,
                                        reduce_only=bool(order.get("reduce_only")))
        except SimReject as exc:
            del self.by_engine[(entry.name, engine_id)]
            record.engine_id = None
            if exc.code in e.REJECTED_ORDERS:   # a post-only that would cross: the order exists, REJECTED
                record.reject_reason = e.REJECTED_ORDERS[exc.code]
                return order_object(sim, record, None)
            del self.records[order_id]
            raise e.from_reject(exc.code) from None
        sim.trim_records()
        return order_object(sim, record, sim.exchange.order(account, entry.name, order_id=placed.order_id))

    # -- cancel ------------------------------------------------------------------------

    def _is_open(self, record: OrderRecord) -> bool:
        if record.engine_id is None:
            return False
        return any(o.order_id == record.engine_id for o in
                   self.sim.exchange.engines[record.symbol].open_orders(self.sim.account))

    def _find(self, body: dict) -> OrderRecord:
        order_id, client_order_id = body.get("order_id"), body.get("client_order_id")
        if order_id not in (None, "", "0", "0x00"):
            record = self.records.get(str(order_id))
        else:
            candidates = [r for r in self.records.values()
                          if str(r.request["metadata"].get("client_order_id")) == str(client_order_id)]
            open_ones = [r for r in candidates if self._is_open(r)]
            record = (open_ones or candidates or [None])[-1]
        if record is None:
            raise e.NOT_FOUND
        return record

    def cancel_order(self, account: str, body: dict) -> dict:
        """By ``order_id`` (1004 when unknown), or by ``client_order_id``: an order of that id not open yet
        is waited for ``time_to_live_ms`` (default 100, rounded down to 100 ms, at most 5 s); a second cancel
        inside that window is dropped; both end on ``v1.cancel``."""
        self._sub_account(body)
        by_order = body.get("order_id") not in (None, "", "0", "0x00")
        client_order_id = str(body.get("client_order_id") or "")
        if not by_order and client_order_id in ("", "0"):
            raise e.MALFORMED
        record = self._find(body) if by_order else self._open_record(client_order_id)
        if record is not None and self._is_open(record):
            record.cancel_reason = "CLIENT_CANCEL"
            self.sim.exchange.cancel(account, record.symbol, order_id=record.engine_id)
            return {"ack": True}
        if by_order:
            return {"ack": True}          # known, already final: nothing to do
        try:
            ttl = min(max(int(body.get("time_to_live_ms") or 0), 0) // 100 * 100, 5000) or 100
        except (TypeError, ValueError):
            raise e.MALFORMED from None
        now = self.sim.now_ms()
        waiting = self.pending_cancels.get(client_order_id)
        if waiting is not None and waiting.deadline_ms > now:
            self.sim.streams.on_cancel_status(client_order_id, "DROPPED_DUPLICATE")
        else:
            self.pending_cancels[client_order_id] = PendingCancel(client_order_id, now + ttl)
        return {"ack": True}

    def expire_cancels(self, now_ms: int) -> int:
        """Cancels whose order never came: each reported EXPIRED on ``v1.cancel``."""
        lapsed = [c for c in self.pending_cancels.values() if c.deadline_ms <= now_ms]
        for cancel in lapsed:
            del self.pending_cancels[cancel.client_order_id]
            self.sim.streams.on_cancel_status(cancel.client_order_id, "EXPIRED")
        return len(lapsed)

    def _open_record(self, client_order_id: str) -> OrderRecord | None:
        for symbol, engine in self.sim.exchange.engines.items():
            for order in engine.open_orders(self.sim.account):
                if order.client_order_id == client_order_id:
                    return self.by_engine.get((symbol, order.order_id))
        return None

    def cancel_all_orders(self, account: str, body: dict) -> dict:
        """Every open order of the sub-account, or those matching the ``kind``, ``base`` and ``quote`` filters."""
        self._sub_account(body)
        kinds, bases, quotes = (body.get(k) or [] for k in ("kind", "base", "quote"))
        if any(not isinstance(f, list) for f in (kinds, bases, quotes)):
            raise e.MALFORMED
        symbols = [s for s, x in self.sim.catalog.items() if (not kinds or "PERPETUAL" in kinds)
                   and (not bases or x.instrument.base in bases) and (not quotes or x.instrument.quote in quotes)]
        self.cancel_everything(account, "CLIENT_BULK_CANCEL", symbols)
        return {"ack": True}

    def cancel_everything(self, account: str, reason: str, symbols=None) -> int:
        count = 0
        for symbol, engine in self.sim.exchange.engines.items():
            if symbols is not None and symbol not in symbols:
                continue
            for order in list(engine.open_orders(account)):
                record = self.by_engine.get((symbol, order.order_id))
                if record is not None:
                    record.cancel_reason = reason
                self.sim.exchange.cancel(account, symbol, order_id=order.order_id)
                count += 1
        return count

    # -- queries -----------------------------------------------------------------------

    def _sub_account(self, body: dict) -> None:
        if str(body.get("sub_account_id", "")) != self.sim.sub_account_id:
            raise e.WRONG_SUB_ACCOUNT

    def order(self, account: str, body: dict) -> dict:
        self._sub_account(body)
        record = self._find(body)
        return order_object(self.sim, record, self._engine_order(account, record))

    def _engine_order(self, account: str, record: OrderRecord):
        if record.engine_id is None:
            return None
        return self.sim.exchange.order(account, record.symbol, order_id=record.engine_id)

    def open_orders(self, account: str, body: dict) -> list[dict]:
        self._sub_account(body)
        out = []
        for symbol, engine in self.sim.exchange.engines.items():
            for order in engine.open_orders(account):
                record = self.by_engine.get((symbol, order.order_id))
                if record is not None:
                    out.append(order_object(self.sim, record, order.snapshot()))
        return out

    def order_history(self, account: str, body: dict) -> Whole:
        """Newest first, one page (``next`` is the spec's cursor: empty, there is no second page here)."""
        self._sub_account(body)
        limit = int(body.get("limit") or 500)
        records = list(self.records.values())[-limit:]
        return Whole(result=[order_object(self.sim, r, self._engine_order(account, r)) for r in reversed(records)],
                     next="")

    def fill_history(self, account: str, body: dict) -> Whole:
        """Newest first, ``limit`` (at most 1000) a page; ``next`` is the cursor of the page after (empty when
        there is none), a key of the last fill given, so fills that arrive meanwhile do not shift the pages."""
        self._sub_account(body)
        try:
            limit = min(int(body.get("limit") or 500), 1000)
            start = int(body.get("start_time") or 0)
            end = int(body.get("end_time") or 2**63)
            after = _cursor_key(str(body.get("cursor") or ""))
        except (TypeError, ValueError, binascii.Error):
            raise e.MALFORMED from None
        out = []
        for symbol, entry in self.sim.catalog.items():
            for fill in self.sim.exchange.fills(account, symbol):
                if start <= fill.time_ns <= end:
                    out.append((fill.time_ns, symbol, fill.trade_id, entry, fill))
        out.sort(key=lambda row: row[:3], reverse=True)
        if after is not None:
            out = [row for row in out if row[:3] < after]
        page = out[:limit]
        more = len(out) > limit
        cursor = _cursor_of(page[-1][:3]) if more else ""
        return Whole(result=[fill_object(self.sim, entry, fill, self.by_engine.get((symbol, fill.order_id)))
                             for _, symbol, _, entry, fill in page], next=cursor)

    def positions(self, account: str, body: dict) -> list[dict]:
        self._sub_account(body)
        acct = self.sim.exchange.accounts[account]
        return [position_object(self.sim, acct, self.sim.catalog[s]) for s, p in acct.positions.items()
                if p.quantity and s in self.sim.catalog]

    def account_summary(self, account: str, body: dict) -> dict:
        self._sub_account(body)
        return summary_object(self.sim, self.sim.exchange.accounts[account])

    def aggregated_account_summary(self, account: str, body: dict) -> dict:
        summary = summary_object(self.sim, self.sim.exchange.accounts[account])
        return {"main_account_id": self.sim.account_id, "total_equity": summary["total_equity"],
                "spot_balances": summary["spot_balances"], "vault_investments": [],
                "total_sub_account_balance": summary["spot_balances"][0]["balance"],
                "total_sub_account_equity": summary["total_equity"], "total_vault_investments_balance": "0",
                "total_sub_account_available_balance": summary["available_balance"],
                "total_usd_notional_invested": "0"}

    def get_sub_accounts(self, account: str, body: dict) -> dict:
        return {"sub_account_ids": [self.sim.sub_account_id]}

    def cancel_on_disconnect(self, account: str, body: dict) -> dict:
        self._sub_account(body)
        try:
            countdown = int(body.get("countdown_time", 1000))
        except (TypeError, ValueError):
            raise e.MALFORMED from None
        if countdown < 0 or countdown > 300_000:
            raise e.MALFORMED
        if countdown < 1000:
            self.sim.countdown_ms = None          # 0 (or below a second): the countdown ends
        else:
            self.sim.countdown_ms = self.sim.now_ms() + countdown // 1000 * 1000
        return {"ack": True}

    def get_authorized_builders(self, account: str, body: dict) -> dict:
        return self.builders.listed()

    def authorize_builder(self, account: str, body: dict) -> dict:
        return self.builders.authorize(body)


def _cursor_of(key: tuple[int, str, int]) -> str:
    return base64.urlsafe_b64encode(":".join(map(str, key)).encode()).decode()


def _cursor_key(cursor: str) -> tuple[int, str, int] | None:
    """The (time, instrument, trade) key a cursor stands for; ValueError for one this venue did not give."""
    if not cursor:
        return None
    time_ns, symbol, trade = base64.urlsafe_b64decode(cursor.encode()).decode().split(":")
    return int(time_ns), symbol, int(trade)


def _is_uint64(text: str) -> bool:
    return text.isascii() and text.isdigit() and int(text) < 2**64


ROUTES = {"/create_order": "create_order", "/cancel_order": "cancel_order", "/cancel_all_orders": "cancel_all_orders",
          "/order": "order", "/open_orders": "open_orders", "/order_history": "order_history",
          "/fill_history": "fill_history", "/positions": "positions", "/account_summary": "account_summary",
          "/aggregated_account_summary": "aggregated_account_summary", "/get_sub_accounts": "get_sub_accounts",
          "/cancel_on_disconnect": "cancel_on_disconnect", "/get_authorized_builders": "get_authorized_builders",
          "/authorize_builder": "authorize_builder"}
