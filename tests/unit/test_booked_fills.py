"""Fills in flight: an order's events report fills before the fill messages book them."""

from decimal import Decimal

from tradesys.messages import Side
from tradesys.strategy.booked import BookedFills
from tradesys.strategy.oms import Order

D = Decimal


def order(cid="s-1", side=Side.SIDE_SELL, filled="0", symbol="ETHUSDT") -> Order:
    return Order(cid, symbol, side, D("3000"), D("1"), "hedge", filled=D(filled))


def test_a_fill_reported_by_the_final_event_counts_until_its_fill_books_it():
    booked = BookedFills(keep=100)
    sold = order(filled="0.1")                        # the IOC's FILLED acknowledgement, before the stream's fill
    booked.update(sold)
    assert booked.in_flight("ETHUSDT") == D("-0.1") and booked.unbooked() == ["s-1"]
    booked.fill("s-1", D("0.1"), sold)                # the fill arrives: the ledger has it now
    assert booked.in_flight("ETHUSDT") == 0 and booked.unbooked() == []


def test_partial_fills_in_flight_sum_by_symbol_and_side():
    booked = BookedFills(keep=100)
    sell, buy = order("a", filled="0.3"), order("b", Side.SIDE_BUY, "0.5")
    other = order("c", filled="2", symbol="BTCUSDT")
    for o in (sell, buy, other):
        booked.update(o)
    booked.fill("a", D("0.1"), sell)                  # one of the sell's fills arrived
    assert booked.in_flight("ETHUSDT") == D("0.5") - D("0.2")
    assert booked.in_flight("BTCUSDT") == D("-2") and booked.symbols() == {"ETHUSDT", "BTCUSDT"}


def test_a_fill_before_its_event_leaves_nothing_in_flight():
    booked = BookedFills(keep=100)
    early = order(filled="0")
    booked.fill("s-1", D("0.4"), early)               # the stream's fill beat the acknowledgement
    early.filled = D("0.4")
    booked.update(early)
    assert booked.in_flight("ETHUSDT") == 0


def test_an_adopted_orders_fills_are_taken_as_booked_and_the_memory_is_bounded():
    booked = BookedFills(keep=3)
    booked.recovered("r-1", D("0.7"))
    adopted = order("r-1", filled="0.7")
    booked.update(adopted)
    assert booked.in_flight("ETHUSDT") == 0
    for n in range(5):
        booked.fill(f"x-{n}", D("1"), None)
    assert booked.booked("r-1") == 0 and booked.booked("x-4") == 1   # the oldest forgotten first
