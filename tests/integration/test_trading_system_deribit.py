"""The trading system end to end on Deribit: its simulator (JSON-RPC over WebSocket and HTTP), the
Deribit connector in every service, and two market makers on the inverse perpetuals (sizes in USD, PnL
in the coin). Real Ray actors, real ZeroMQ sockets, the real simulator on loopback."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.integration.reconcile import assert_every_fill_reconciles
from tradesys.launcher.farm import Farm

pytestmark = pytest.mark.integration
OWNERS = ("mm_btc_perp", "mm_eth_perp")
TIGHT = tuple(f"strategy.{s}.params.{p}=0.05" for s in OWNERS for p in ("half_spread_bps", "requote_bps"))


def printed(value: Decimal) -> Decimal:
    """Deribit prints money as JSON numbers: the shortest float that reads back as the value."""
    return Decimal(repr(float(value)))


async def _filled(farm: Farm, n: int) -> bool:
    return all([(await farm.call(s, "status"))["counters"]["fills"] >= n for s in OWNERS])


async def test_two_market_makers_trade_inverse_perpetuals_and_every_fill_reconciles(ray_cluster, tmp_path):
    async with Farm(tmp_path / "run", "exchange=deribit", f"strategy=[{','.join(OWNERS)}]", *TIGHT) as farm:
        await farm.until("both strategies filled twice", lambda: _filled(farm, 2), timeout=90)
        status = await farm.call("positions-deribit", "summary")
        summaries = await farm.stop_trading()
        venue = await farm.call("sim-deribit", "account_state")
    assert_every_fill_reconciles(summaries, venue, venue_key="deribit", owners=OWNERS, printed=printed,
                                 tolerance=Decimal("1e-15"))
    # Inverse: positions are USD amounts (multiples of the contract), money is in the coin.
    for symbol, contract in (("BTC-PERPETUAL", 10), ("ETH-PERPETUAL", 1)):
        assert Decimal(venue[symbol]["position"]) % contract == 0
    balances = status["ledgers"]["balances"]
    assert set(balances) == {"BTC", "ETH"} and Decimal(balances["BTC"]["total"]) > 0   # the settle coins
