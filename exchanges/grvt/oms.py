"""GRVT order entry over trade-data REST: create (EIP-712 signed), cancel, cancel-all. No amend.

Every order is checked against the instrument's grid before it is signed
(``round_to_filters`` is the one place that rounds; ``place`` refuses what is
off the grid), then signed over its exact fixed-point fields
(``signing.py``) with a fresh nonce and an expiry ``signature_expiry_s``
ahead. Our client order id travels as the venue's number (``ids.py``).
POST_ONLY is GRVT's ``post_only`` on a good-till-time order; a post-only
that would cross comes back REJECTED (``FAIL_POST_ONLY``) and is raised as
``PostOnlyWouldCross``. GRVT cancels by client order id and answers with an
ack: the OMS reads the order back for its state.

GRVT cannot amend: ``modify`` raises, and the venue says so to strategies
(``VenueSpec.amends``), which cancel and place anew. Cancel-on-disconnect is
the venue's countdown (``cancel_on_disconnect``, per sub-account), re-armed
every few seconds: if this process dies or loses the venue, the venue
cancels every open order of the sub-account when it lapses. ``stop`` leaves
it armed (the engine cancels what it owns first); ``disarm`` ends it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from decimal import Decimal

from exchanges.grvt import messages as m
from exchanges.grvt import parse, signing
from exchanges.grvt.account import SubAccount
from exchanges.grvt.constants import COUNTDOWN_MS, COUNTDOWN_REFRESH_S, SIGNATURE_EXPIRY_S, VENUE
from exchanges.grvt.http import GrvtApi
from exchanges.grvt.ids import ClientIdCodec
from tradesys.aio import cancel_and_wait
from tradesys.messages import OrderEvent, OrderType, Side, TimeInForce
from tradesys.venue.base import IExchangeOMS, ModifySpec, OrderSpec
from tradesys.venue.errors import (
    ExchangeError,
    InvalidOrder,
    InvalidPrice,
    InvalidQuantity,
    PostOnlyWouldCross,
    VenueRejected,
)
from tradesys.venue.grid import Grid, Grids

log = logging.getLogger(__name__)
_TIME_IN_FORCE = {TimeInForce.TIME_IN_FORCE_GTC: "GOOD_TILL_TIME",
                  TimeInForce.TIME_IN_FORCE_POST_ONLY: "GOOD_TILL_TIME",
                  TimeInForce.TIME_IN_FORCE_IOC: "IMMEDIATE_OR_CANCEL", TimeInForce.TIME_IN_FORCE_FOK: "FILL_OR_KILL"}


class GrvtOMS(Grids, IExchangeOMS):
    venue = VENUE

    def __init__(self, api: GrvtApi, signer: signing.Signer, codec: ClientIdCodec, *, chain_id: int,
                 sub_account: SubAccount | None = None, cancel_on_disconnect: bool = True,
                 countdown_ms: int = COUNTDOWN_MS, refresh_s: float = COUNTDOWN_REFRESH_S,
                 signature_expiry_s: float = SIGNATURE_EXPIRY_S, nonces: signing.Nonces | None = None):
        self.api = api
        self.signer = signer
        self.codec = codec
        self.chain_id = chain_id
        self.cancel_on_disconnect = cancel_on_disconnect
        self.countdown_ms = min(max(countdown_ms, 1_000), 300_000)   # the venue's range
        self.refresh_s = refresh_s
        self.signature_expiry_ns = int(signature_expiry_s * 1e9)
        self.nonces = nonces or signing.Nonces()
        self.sub_account_id = ""
        self._sub_account = sub_account or SubAccount()
        self.grids: dict[str, Grid] = {}
        self._specs: dict[str, m.Instrument] = {}
        self._keeper: asyncio.Task | None = None
        self.counters = {"placed": 0, "rejected": 0, "cancelled": 0, "countdown_errors": 0}

    def keep_frames(self, tap) -> None:
        self.api.keep_answers(tap)

    async def start(self) -> None:
        self.sub_account_id = await self._sub_account.id(self.api)
        for info in await self.api.instruments():
            self._specs[info.instrument] = info
            self.grids[info.instrument] = Grid(parse.instrument(info))
        if self.cancel_on_disconnect:
            await self.api.cancel_on_disconnect(self.sub_account_id, self.countdown_ms)
            self._keeper = asyncio.create_task(self._keep_countdown(), name="grvt-countdown")

    async def stop(self) -> None:
        await cancel_and_wait(self._keeper)
        self._keeper = None
        await self.api.close()

    async def disarm(self) -> None:
        """End the venue's countdown (orders then rest unattended)."""
        await cancel_and_wait(self._keeper)
        self._keeper = None
        await self.api.cancel_on_disconnect(self.sub_account_id, 0)

    async def _keep_countdown(self) -> None:
        while True:
            await asyncio.sleep(self.refresh_s)
            try:
                await self.api.cancel_on_disconnect(self.sub_account_id, self.countdown_ms)
            except ExchangeError as exc:
                self.counters["countdown_errors"] += 1
                log.warning("grvt: cancel_on_disconnect failed: %s", exc)

    # -- the signed order --------------------------------------------------------------

    def order_payload(self, order: OrderSpec, now_ns: int | None = None) -> dict:
        """The create-order ``order`` object, signed (full names)."""
        grid = self.grid(order.symbol)
        info = self._specs[order.symbol]
        venue_id = self.codec.encode(order.client_order_id)
        price, quantity = self.round_to_filters(order.symbol, order.side, order.price, order.quantity)
        if quantity != order.quantity or quantity < grid.min_quantity:
            raise InvalidQuantity(f"size {order.quantity} is not a multiple of {grid.lot} of at least "
                                  f"{grid.min_quantity}", request="order")
        is_market = order.type == OrderType.ORDER_TYPE_MARKET
        if order.type == OrderType.ORDER_TYPE_LIMIT:
            if order.price is None or price != order.price or price <= 0:
                raise InvalidPrice(f"price {order.price} is not on the tick {grid.tick}", request="order")
            if not order.reduce_only and price * quantity < grid.min_notional:
                raise InvalidQuantity(f"notional {price * quantity} is below {grid.min_notional}", request="order")
        elif not is_market:
            raise InvalidOrder(f"order type {order.type} is not supported", request="order")
        post_only = order.time_in_force == TimeInForce.TIME_IN_FORCE_POST_ONLY
        tif = "IMMEDIATE_OR_CANCEL" if is_market else _TIME_IN_FORCE.get(order.time_in_force)
        if tif is None:
            raise InvalidOrder(f"time in force {order.time_in_force} is not supported", request="order")
        is_buying = order.side == Side.SIDE_BUY
        limit = Decimal(0) if is_market else price
        nonce = self.nonces.next()
        now_ns = time.time_ns() if now_ns is None else now_ns
        expiration = now_ns + self.signature_expiry_ns
        try:
            leg = signing.Leg(int(info.instrument_hash, 16), info.base_decimals, quantity, limit, is_buying)
            message = signing.order_message(sub_account_id=self.sub_account_id, is_market=is_market,
                                            time_in_force=tif, post_only=post_only, reduce_only=order.reduce_only,
                                            legs=[leg], nonce=nonce, expiration_ns=expiration)
        except signing.SigningError as exc:
            raise InvalidOrder(f"cannot sign the order: {exc}", request="order") from None
        signature = self.signer.sign(self.chain_id, message)
        return {"sub_account_id": self.sub_account_id, "is_market": is_market, "time_in_force": tif,
                "post_only": post_only, "reduce_only": order.reduce_only,
                "legs": [{"instrument": order.symbol, "size": f"{quantity:f}",
                          "limit_price": "0" if is_market else f"{limit:f}", "is_buying_asset": is_buying}],
                "signature": signature.as_json(expiration, nonce, self.chain_id),
                "metadata": {"client_order_id": venue_id, "create_time": str(now_ns)}}

    # -- requests ----------------------------------------------------------------------

    async def place(self, order: OrderSpec) -> OrderEvent:
        payload = self.order_payload(order)
        try:
            answer = await self.api.create_order(payload)
        except ExchangeError:
            self.counters["rejected"] += 1
            raise
        event = parse.order_event(answer, self.codec)
        if answer.state.status == "REJECTED":
            self.counters["rejected"] += 1
            reason = answer.state.reject_reason
            error = PostOnlyWouldCross if reason == "FAIL_POST_ONLY" else VenueRejected
            raise error(f"grvt rejected the order: {reason}", request="create_order", venue_message=reason)
        self.counters["placed"] += 1
        return event

    async def cancel(self, symbol: str, client_order_id: str) -> OrderEvent:
        self.grid(symbol)
        venue_id = self.codec.encode(client_order_id)
        await self.api.cancel_order(self.sub_account_id, venue_id)
        self.counters["cancelled"] += 1
        return parse.order_event(await self.api.order(self.sub_account_id, venue_id), self.codec)

    async def modify(self, change: ModifySpec) -> OrderEvent:
        raise InvalidOrder("GRVT cannot amend an order: cancel it and place a new one", request="modify")

    async def cancel_all(self, symbol: str) -> None:
        self.grid(symbol)
        info = self._specs[symbol]
        await self.api.cancel_all_orders(self.sub_account_id, kind=info.kind, base=info.base, quote=info.quote)
