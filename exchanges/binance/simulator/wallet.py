"""The spot host's wallet endpoints (``/sapi``) that a futures client calls, over the simulated account.

ccxt's ``binanceusdm`` loads currencies whenever keys are set: ``GET
/sapi/v1/capital/config/getall`` and ``GET /sapi/v1/margin/allPairs``
(docs/protocols/binance-usdm.md, "The spot host").
The simulated account holds its money in the USD-M futures wallet, so every
coin's spot balance is zero; the coins are the assets of the simulated
symbols, each on its usual withdrawal network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from exchanges.binance.simulator.params import Call

if TYPE_CHECKING:
    from exchanges.binance.simulator.venue import BinanceVenue

# coin -> (name, network, network name, withdraw fee, withdraw min, confirmations, address pattern)
_COINS = {
    "USDT": ("TetherUS", "ETH", "Ethereum (ERC20)", "1.5", "3", 6, "^(0x)[0-9A-Fa-f]{40}$"),
    "BTC": ("Bitcoin", "BTC", "Bitcoin", "0.00001", "0.0001", 1,
            "^[13][a-km-zA-HJ-NP-Z1-9]{25,34}$|^(bc1)[0-9A-Za-z]{39,59}$"),
    "ETH": ("Ethereum", "ETH", "Ethereum (ERC20)", "0.0008", "0.001", 6, "^(0x)[0-9A-Fa-f]{40}$"),
}
_PAIR_ID_BASE = 351637150141315861   # pair ids are large integers (JSON numbers) on the venue
_OTHER = ("{coin}", "BSC", "BNB Smart Chain (BEP20)", "1", "2", 15, "^(0x)[0-9A-Fa-f]{40}$")


class Wallet:
    def __init__(self, sim: BinanceVenue):
        self.sim = sim

    def coins(self) -> list[str]:
        """The settlement asset first, then every simulated symbol's base asset, once each."""
        out: list[str] = []
        for entry in self.sim.catalog.values():
            for coin in (entry.instrument.settle, entry.instrument.base):
                if coin not in out:
                    out.append(coin)
        return out

    def capital_config_getall(self, call: Call) -> list[dict]:
        """All Coins' Information: one object per coin, the venue's field names and JSON types."""
        return [_coin(coin) for coin in self.coins()]

    def margin_all_pairs(self, call: Call) -> list[dict]:
        """Get All Cross Margin Pairs: the spot pair of every simulated symbol (``symbol`` narrows to one)."""
        pairs = [{"base": e.instrument.base, "id": _PAIR_ID_BASE + n, "isBuyAllowed": True, "isMarginTrade": True,
                  "isSellAllowed": True, "quote": e.instrument.quote, "symbol": symbol}
                 for n, (symbol, e) in enumerate(self.sim.catalog.items())]
        wanted = call.params.get("symbol")
        return [p for p in pairs if p["symbol"] == wanted] if wanted else pairs


def _coin(coin: str) -> dict:
    name, network, network_name, fee, minimum, confirmations, pattern = _COINS.get(coin, _OTHER)
    name = name.format(coin=coin)
    return {
        "coin": coin, "depositAllEnable": True, "withdrawAllEnable": True, "name": name,
        "free": "0", "locked": "0", "freeze": "0", "withdrawing": "0", "ipoing": "0", "ipoable": "0",
        "storage": "0", "isLegalMoney": False, "trading": True,
        "networkList": [{
            "network": network, "coin": coin, "withdrawIntegerMultiple": "0.00000001", "isDefault": True,
            "depositEnable": True, "withdrawEnable": True, "depositDesc": "", "withdrawDesc": "",
            "specialTips": "", "specialWithdrawTips": "", "name": network_name, "resetAddressStatus": False,
            "addressRegex": pattern, "memoRegex": "", "withdrawFee": fee, "withdrawMin": minimum,
            "withdrawMax": "9999999999", "withdrawInternalMin": "0.00000001", "depositDust": "0.00000001",
            "minConfirm": confirmations, "unLockConfirm": 0, "sameAddress": False, "withdrawTag": False,
            "estimatedArrivalTime": 5, "busy": False, "contractAddressUrl": "", "contractAddress": "",
            "denomination": 1,
        }],
    }
