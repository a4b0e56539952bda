"""Average-cost ledgers: entry, realised PnL on reductions and flips, fees apart, drift of a book of ledgers."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradesys.messages import Side
from tradesys.positions.ledger import Book, Ledger, notional

pytestmark = pytest.mark.unit
D = Decimal
BUY, SELL = Side.SIDE_BUY, Side.SIDE_SELL


def test_open_add_reduce_close():
    ledger = Ledger("s", "BTCUSDT")
    ledger.apply_fill(BUY, D("100"), D("1"), fee=D("0.02"))
    ledger.apply_fill(BUY, D("110"), D("1"))
    assert (ledger.quantity, ledger.entry_price) == (D("2"), D("105"))
    assert ledger.apply_fill(SELL, D("120"), D("0.5")) == D("7.5")
    assert (ledger.quantity, ledger.entry_price) == (D("1.5"), D("105"))
    ledger.apply_fill(SELL, D("100"), D("1.5"))
    assert (ledger.quantity, ledger.entry_price, ledger.realized_pnl) == (D("0"), D("0"), D("0"))
    assert ledger.fees == D("0.02") and ledger.fills == 4 and ledger.volume == D("4")


def test_short_and_flip():
    ledger = Ledger("s", "X")
    ledger.apply_fill(SELL, D("50"), D("2"))
    assert ledger.unrealized(D("40")) == D("20")
    realized = ledger.apply_fill(BUY, D("45"), D("3"))
    assert realized == D("10")                    # 2 closed at 5 each
    assert (ledger.quantity, ledger.entry_price) == (D("1"), D("45"))   # the rest opened at the fill


def test_bad_fills_are_refused():
    with pytest.raises(ValueError, match="positive"):
        Ledger("s", "X").apply_fill(BUY, D("0"), D("1"))
    with pytest.raises(ValueError, match="positive"):
        Ledger("s", "X").apply_fill(BUY, D("1"), D("-1"))


fills = st.lists(st.tuples(st.sampled_from([BUY, SELL]), st.integers(1, 10_000), st.integers(1, 100)),
                 min_size=1, max_size=40)


@given(fills)
def test_pnl_conserves_cash(trades):
    """Realised + unrealised at a mark equals the cash the fills moved plus the position at that mark."""
    ledger = Ledger("s", "X")
    cash = D(0)
    for side, price, qty in trades:
        ledger.apply_fill(side, D(price), D(qty))
        cash += (-1 if side == BUY else 1) * D(price) * D(qty)
    mark = D(5000)
    assert ledger.realized_pnl + ledger.unrealized(mark) == pytest.approx(cash + ledger.quantity * mark, abs=D("1e-9"))
    assert ledger.quantity == ledger.buys - ledger.sells


def test_book_drift():
    book = Book()
    book.opening["X"] = D("1")
    book.ledger("a", "X").apply_fill(BUY, D("10"), D("2"))
    book.ledger("b", "X").apply_fill(SELL, D("10"), D("0.5"))
    book.venue["X"] = D("2.5")
    assert book.attributed("X") == D("1.5") and book.drift("X") == 0
    book.venue["X"] = D("3")
    assert book.drift("X") == D("0.5")


def test_an_inverse_ledger_books_usd_quantities_and_coin_pnl():
    ledger = Ledger("mm", "BTC-PERPETUAL", inverse=True)
    ledger.apply_fill(Side.SIDE_BUY, Decimal(50000), Decimal(1000))
    ledger.apply_fill(Side.SIDE_BUY, Decimal(60000), Decimal(3000))
    coins = Decimal(1000) / 50000 + Decimal(3000) / 60000
    assert ledger.entry_price == Decimal(4000) / coins and ledger.notional == 4000
    assert ledger.unrealized(Decimal(70000)) == 4000 * (1 / ledger.entry_price - Decimal(1) / 70000)
    realised = ledger.apply_fill(Side.SIDE_SELL, Decimal(40000), Decimal(4000))
    assert realised == 4000 * (1 / (Decimal(4000) / coins) - Decimal(1) / 40000) < 0
    assert ledger.quantity == 0 and ledger.entry_price == 0
    assert notional(Decimal(65000), Decimal(100), inverse=True) == 100
    assert notional(Decimal(65000), Decimal("0.01")) == 650
