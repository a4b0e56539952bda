"""An engine's kill switch and what it does to the account: cancel every order the engine owns (at stop,
and at ``flatten``), and close each position with reduce-only market orders (``flatten``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from tradesys.messages import OrderType, RiskCommand, Side
from tradesys.risk import KillSwitch, Mode
from tradesys.services.engine.stream import AccountStream
from tradesys.venue.base import OrderSpec
from tradesys.venue.errors import ExchangeError, UnknownOrder
from tradesys.venue.ids import ClientOrderIds

log = logging.getLogger(__name__)

CANCEL_AT_ONCE = 10        # cancels in flight together when the engine cancels many orders


class KillDesk:
    """``oms`` is set once the venue is connected; ``spawn(coro, name)`` runs an owned task; ``fault()``
    counts an error on the actor; ``said(detail)`` sets the actor's status detail."""

    def __init__(self, kill_switch: KillSwitch, account: AccountStream, client_order_ids: dict,
                 spawn: Callable, fault: Callable[[], None], said: Callable[[str], None]):
        self.kill_switch = kill_switch
        self.account = account
        self.client_order_ids = client_order_ids
        self.spawn = spawn
        self.fault = fault
        self.said = said
        self.oms = None
        self.flattening: asyncio.Task | None = None
        self.count = {"cancelled_on_stop": 0, "flatten_orders": 0, "kill_switch_changes": 0}

    def on_risk(self, command: RiskCommand) -> None:
        mode = self.kill_switch.apply(command)
        if mode is None:
            return
        self.count["kill_switch_changes"] += 1
        log.warning("kill switch", extra={"fields": {"mode": mode.name.lower(), "reason": command.reason,
                                                     "issued_by": command.issued_by}})
        self.said(f"kill switch {mode.name.lower()}: {command.reason}" if mode is not Mode.NORMAL else "")
        if mode is Mode.FLATTEN and (self.flattening is None or self.flattening.done()):
            self.flattening = self.spawn(self._flatten(command.reason), "flatten")

    async def cancel_where(self, predicate) -> int:
        """Cancel every live order matching ``predicate``, up to CANCEL_AT_ONCE at a time (a venue that does not
        answer costs one wait, not one per order); return how many cancels failed (other than gone)."""
        gate = asyncio.Semaphore(CANCEL_AT_ONCE)

        async def cancel(cid: str, order) -> bool:
            async with gate:
                try:
                    event = await self.oms.cancel(order.symbol, cid)
                    self.account.apply(event, source="ack")
                except UnknownOrder:
                    pass            # already final at the venue; its events say how
                except ExchangeError as exc:
                    log.warning("cancel failed", extra={"fields": {"client_order_id": cid, "error": str(exc)}})
                    return False
                return True

        wanted = [(cid, order) for cid, order in self.account.orders.live() if not order.final and predicate(order)]
        done = await asyncio.gather(*(cancel(cid, order) for cid, order in wanted))
        return done.count(False)

    async def cancel_owned(self, why: str) -> None:
        before = self.account.orders.live_count()
        failed = await self.cancel_where(lambda o: True)
        if failed:
            # A last resort on the symbols where a cancel failed: the venue's cancel-all on the account, every
            # symbol at once (a venue that does not answer costs one wait).
            symbols = sorted({o.symbol for _, o in self.account.orders.live()})
            results = await asyncio.gather(*(self.oms.cancel_all(s) for s in symbols), return_exceptions=True)
            for symbol, result in zip(symbols, results):
                if isinstance(result, ExchangeError):
                    self.fault()
                    log.error("cancel-all failed: orders may remain", extra={"fields": {"symbol": symbol,
                                                                                         "error": str(result)}})
                elif isinstance(result, BaseException):
                    raise result
        self.count["cancelled_on_stop"] += before
        log.info("cancelled owned orders", extra={"fields": {"why": why, "orders": before, "failed": failed}})

    async def _flatten(self, reason: str) -> None:
        await self.cancel_owned(f"flatten: {reason}")
        for symbol, quantity in list(self.account.positions.items()):
            if quantity == 0 or symbol not in self.account.instruments:
                continue
            side = Side.SIDE_SELL if quantity > 0 else Side.SIDE_BUY
            _, size = self.oms.round_to_filters(symbol, side, None, abs(quantity))
            if size <= 0:
                continue
            cid = ClientOrderIds("flatten", **self.client_order_ids).next()
            spec = OrderSpec(symbol, cid, side, size, type=OrderType.ORDER_TYPE_MARKET, reduce_only=True)
            try:
                await self.oms.place(spec)
                self.count["flatten_orders"] += 1
            except ExchangeError as exc:
                self.fault()
                log.error("flatten order failed", extra={"fields": {"symbol": symbol, "error": str(exc)}})
