"""One strategy's row of the status screen for one symbol: the touch, its live quotes, position and PnL."""

from __future__ import annotations

from tradesys.messages import Side


def view_row(symbol: str, oms, books, ledger, instrument, mode: str) -> dict:
    """``oms``: the strategy's Mini OMS; ``books``: its market books; ``ledger``: its ledger of ``symbol``;
    ``instrument``: the symbol's Instrument (None before it is known); ``mode``: its kill-switch mode."""
    live = oms.live_orders(symbol)
    bids = [o.price for o in live if o.side == Side.SIDE_BUY and o.price is not None]
    asks = [o.price for o in live if o.side == Side.SIDE_SELL and o.price is not None]
    mid = books.mid(symbol)
    # Money in the settle asset: a coin (inverse contracts) needs more places than a dollar.
    money = ".8f" if ledger.inverse else ".4f"
    bid, ask = books.touch(symbol)
    return {"bid": bid, "ask": ask, "quote_bid": str(max(bids)) if bids else "",
            "quote_ask": str(min(asks)) if asks else "", "position": str(ledger.quantity), "fills": ledger.fills,
            "realized": f"{ledger.realized_pnl:{money}}", "unrealized": f"{ledger.unrealized(mid):{money}}",
            "fees": f"{ledger.fees:{money}}", "currency": instrument.settle if instrument is not None else "",
            "mode": mode}
