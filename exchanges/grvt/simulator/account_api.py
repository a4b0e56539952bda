"""The trade-data host's account endpoints beyond orders: leverage, the funding account, funding payments.

Funding settlements are recorded as the exchange announces them (``SimExchange.funding_listeners``):
the market data host's ``funding`` history and each sub-account's ``funding_payment_history`` read them.
"""

from __future__ import annotations

from collections import deque
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from exchanges.grvt.simulator import errors as e
from exchanges.grvt.simulator.render import Whole, spot_balance, text
from tradesys.sim.exchange import FundingEvent

if TYPE_CHECKING:
    from exchanges.grvt.simulator.venue import GrvtVenue

FUNDING_KEPT = 10_000
MIN_LEVERAGE, MAX_LEVERAGE = 1, 50
# The simulator's fee tier: tier 1, fees in hundredths of a basis point as the venue's ClientTier states them.
TIER = {"tier": 1, "futures_taker_fee": 45, "futures_maker_fee": -1, "options_taker_fee": 0,
        "options_maker_fee": 0, "spot_taker_fee": 0, "spot_maker_fee": 0}
INVALID_LEVERAGE = e.ApiError(400, 2100, "Invalid initial leverage")


class AccountApi:
    def __init__(self, sim: GrvtVenue):
        self.sim = sim
        self.fundings: deque[FundingEvent] = deque(maxlen=FUNDING_KEPT)
        sim.exchange.funding_listeners.append(self.fundings.append)

    def _account(self, account: str, body: dict):
        if str(body.get("sub_account_id", "")) != self.sim.sub_account_id:
            raise e.FORBIDDEN
        return self.sim.exchange.accounts[account]

    def get_all_initial_leverage(self, account: str, body: dict) -> Whole:
        acct = self._account(account, body)
        return Whole(results=[{"instrument": name, "leverage": str(acct.leverage_of(name)),
                               "min_leverage": str(MIN_LEVERAGE), "max_leverage": str(MAX_LEVERAGE),
                               "margin_type": "CROSS"} for name in self.sim.catalog])

    def set_initial_leverage(self, account: str, body: dict) -> Whole:
        acct = self._account(account, body)
        entry = self.sim.catalog.get(body.get("instrument"))
        if entry is None:
            raise e.UNSUPPORTED_INSTRUMENT
        try:
            leverage = Decimal(str(body.get("leverage")))
        except InvalidOperation:
            raise INVALID_LEVERAGE from None
        if leverage != leverage.to_integral_value() or not MIN_LEVERAGE <= leverage <= MAX_LEVERAGE:
            raise INVALID_LEVERAGE
        acct.leverage[entry.name] = int(leverage)
        return Whole(success=True)

    def funding_account_summary(self, account: str, body: dict) -> Whole:
        """The main account's funding wallet: the simulator keeps every coin in the sub-account, so it is
        empty; the fee tier comes with it (the spec's response carries ``tier`` beside ``result``)."""
        return Whole(result={"main_account_id": self.sim.account_id, "total_equity": "0",
                             "spot_balances": [spot_balance(Decimal(0), Decimal(0))], "vault_investments": [],
                             "total_cash_balance": "0", "total_spot_asset_balance": "0"}, tier=dict(TIER))

    def funding_payment_history(self, account: str, body: dict) -> Whole:
        """The sub-account's funding payments, newest first, between ``start_time`` and ``end_time`` (ns)."""
        self._account(account, body)
        try:
            limit = min(int(body.get("limit") or 500), 1000)
            start, end = int(body.get("start_time") or 0), int(body.get("end_time") or 0)
        except (TypeError, ValueError):
            raise e.MALFORMED from None
        wanted = body.get("instrument")
        out = []
        for n, event in reversed(list(enumerate(self.fundings))):
            if account not in event.received or (wanted and event.symbol != wanted):
                continue
            if event.time_ns < start or (end and event.time_ns > end):
                continue
            out.append({"event_time": str(event.time_ns), "sub_account_id": self.sim.sub_account_id,
                        "instrument": event.symbol, "currency": "USDT", "amount": text(event.received[account]),
                        "tx_id": str(n + 1)})
        return Whole(result=out[:limit], next="")

    def funding_history(self, body: dict, entry) -> Whole:
        """The market data host's ``funding``: the instrument's settlements, newest first (rates in percent,
        JSON numbers, as the spec's example and the protocol notes give them)."""
        try:
            limit = min(int(body.get("limit") or 500), 1000)
            start, end = int(body.get("start_time") or 0), int(body.get("end_time") or 0)
        except (TypeError, ValueError):
            raise e.MALFORMED from None
        hours = max(1, round(entry.market.funding_interval_s / 3600))
        out = [{"instrument": event.symbol, "funding_rate": float(event.rate * 100), "funding_time": str(event.time_ns),
                "mark_price": text(event.mark), "funding_rate_8_h_avg": float(event.rate * 100),
                "funding_interval_hours": hours}
               for event in reversed(self.fundings)
               if event.symbol == entry.name and event.time_ns >= start and (not end or event.time_ns <= end)]
        return Whole(result=out[:limit], next="")


ROUTES = {"/get_all_initial_leverage": "get_all_initial_leverage", "/set_initial_leverage": "set_initial_leverage",
          "/funding_account_summary": "funding_account_summary",
          "/funding_payment_history": "funding_payment_history"}
