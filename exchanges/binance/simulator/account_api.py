"""Account, balance, position and listen-key endpoints of the Binance simulator."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import TYPE_CHECKING

from exchanges.binance.simulator import errors
from exchanges.binance.simulator.params import Call, instrument_of, instruments_of, int_param
from exchanges.binance.simulator.render import balance_item, money, position_v2, position_v3

if TYPE_CHECKING:
    from exchanges.binance.simulator.venue import BinanceVenue


class AccountApi:
    def __init__(self, sim: BinanceVenue):
        self.sim = sim

    def _marks(self) -> dict[str, Decimal]:
        return {s: self.sim.exchange.mark_price(s) for s in self.sim.symbols}

    def account(self, call: Call, v2: bool) -> dict:
        exchange = self.sim.exchange
        acct = exchange.accounts[call.account]
        marks = self._marks()
        now = self.sim.now_ms()
        wallet = acct.wallet.get("USDT", Decimal(0))
        unrealized = acct.unrealized_pnl(marks)
        position_margin = acct.position_margin(marks)
        order_margin = self.sim.exchange.order_margin(call.account)
        available = acct.available("USDT", marks, order_margin)
        asset = {"asset": "USDT", "walletBalance": money(wallet), "unrealizedProfit": money(unrealized),
                 "marginBalance": money(wallet + unrealized), "maintMargin": money(position_margin / 10),
                 "initialMargin": money(position_margin + order_margin),
                 "positionInitialMargin": money(position_margin), "openOrderInitialMargin": money(order_margin),
                 "crossWalletBalance": money(wallet), "crossUnPnl": money(unrealized),
                 "availableBalance": money(available), "maxWithdrawAmount": money(available), "updateTime": now}
        positions = []
        for symbol in self.sim.symbols:
            position = acct.positions.get(symbol)
            has_orders = bool(exchange.engines[symbol].open_orders(call.account))
            if not v2 and not (position and position.quantity) and not has_orders:
                continue  # v3 lists only symbols with a position or open orders
            quantity = position.quantity if position else Decimal(0)
            notional = quantity * marks[symbol]
            item = {"symbol": symbol, "positionSide": "BOTH", "positionAmt": f"{quantity:f}",
                    "unrealizedProfit": money(position.unrealized_pnl(marks[symbol]) if position else Decimal(0)),
                    "isolatedMargin": "0", "notional": money(notional), "isolatedWallet": "0",
                    "initialMargin": money(abs(notional) / acct.leverage_of(symbol)), "maintMargin": "0",
                    "updateTime": now}
            if v2:
                item.update(leverage=str(acct.leverage_of(symbol)), isolated=False,
                            entryPrice=money(position.entry_price) if position else "0.0", maxNotional="100000000",
                            bidNotional="0", askNotional="0", positionInitialMargin=item["initialMargin"],
                            openOrderInitialMargin="0")
            positions.append(item)
        body = {"totalInitialMargin": money(position_margin + order_margin),
                "totalMaintMargin": money(position_margin / 10), "totalWalletBalance": money(wallet),
                "totalUnrealizedProfit": money(unrealized), "totalMarginBalance": money(wallet + unrealized),
                "totalPositionInitialMargin": money(position_margin),
                "totalOpenOrderInitialMargin": money(order_margin), "totalCrossWalletBalance": money(wallet),
                "totalCrossUnPnl": money(unrealized), "availableBalance": money(available),
                "maxWithdrawAmount": money(available), "assets": [asset], "positions": positions}
        if v2:
            asset["marginAvailable"] = True
            body.update(feeTier=0, feeBurn=False, canTrade=True, canDeposit=True, canWithdraw=True, updateTime=0,
                        multiAssetsMargin=False, tradeGroupId=-1)
        return body

    def balance(self, call: Call) -> list:
        acct = self.sim.exchange.accounts[call.account]
        marks = self._marks()
        available = acct.available("USDT", marks, self.sim.exchange.order_margin(call.account))
        return [balance_item(acct, "USDT", available, acct.unrealized_pnl(marks), self.sim.now_ms())]

    def position_risk(self, call: Call, v2: bool) -> list:
        exchange = self.sim.exchange
        acct = exchange.accounts[call.account]
        instruments, _ = instruments_of(self.sim, call.params)
        now = self.sim.now_ms()
        out = []
        for i in instruments:
            position = acct.position(i.symbol)
            has_orders = bool(exchange.engines[i.symbol].open_orders(call.account))
            if not v2 and not position.quantity and not has_orders:
                continue
            render = position_v2 if v2 else position_v3
            out.append(render(position, i, exchange.mark_price(i.symbol, position.entry_price),
                              acct.leverage_of(i.symbol), now))
        return out

    def commission_rate(self, call: Call) -> dict:
        i = instrument_of(self.sim, call.params)
        return {"symbol": i.symbol, "makerCommissionRate": f"{i.maker_fee:f}",
                "takerCommissionRate": f"{i.taker_fee:f}"}

    def leverage_bracket(self, call: Call):
        instruments, many = instruments_of(self.sim, call.params)
        out = [{"symbol": i.symbol, "notionalCoef": 1.0,
                "brackets": [{"bracket": 1, "initialLeverage": 125, "notionalCap": 50000, "notionalFloor": 0,
                              "maintMarginRatio": 0.004, "cum": 0.0}]} for i in instruments]
        return out if many else out[0]

    def set_leverage(self, call: Call) -> dict:
        i = instrument_of(self.sim, call.params)
        leverage = int_param(call.params, "leverage")
        if not 1 <= leverage <= 125:
            raise errors.invalid("leverage")
        self.sim.exchange.accounts[call.account].leverage[i.symbol] = leverage
        return {"leverage": leverage, "maxNotionalValue": "50000", "symbol": i.symbol}

    # -- listen keys -------------------------------------------------------------------

    def new_listen_key(self, call: Call) -> dict:
        now = self.sim.now_ms()
        live = [k for k, expiry in self.sim.listen_keys.items() if expiry > now]
        key = live[0] if live else secrets.token_urlsafe(48)[:64]
        self.sim.listen_keys[key] = now + 3_600_000  # an active key is returned again and extended
        return {"listenKey": key}

    def keep_listen_key(self, call: Call) -> dict:
        now = self.sim.now_ms()
        live = [k for k, expiry in self.sim.listen_keys.items() if expiry > now]
        if not live:
            raise errors.LISTEN_KEY
        self.sim.listen_keys[live[0]] = now + 3_600_000
        return {"listenKey": live[0]}

    def close_listen_key(self, call: Call) -> dict:
        self.sim.listen_keys.clear()
        return {}
