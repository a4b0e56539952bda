"""The engine's order table: what rests on a side, what is remembered, what the hot path walks."""

from decimal import Decimal

from tradesys.services.engine.orders import EngineOrder, OrderTable

BUY, SELL = 1, 2


def order(symbol="BTCUSDT", side=BUY, quantity="1", filled="0", strategy="s1") -> EngineOrder:
    return EngineOrder(strategy, symbol, side, Decimal("100"), Decimal(quantity), filled=Decimal(filled))


def test_resting_sums_the_open_part_of_live_orders_on_one_side_of_one_symbol():
    table = OrderTable(keep_final=100)
    table.remember("a", order(quantity="2", filled="0.5"))
    table.remember("b", order(quantity="1"))
    table.remember("c", order(side=SELL, quantity="7"))
    table.remember("d", order(symbol="ETHUSDT", quantity="9"))
    assert table.resting("BTCUSDT", BUY) == Decimal("2.5")
    assert table.resting("BTCUSDT", BUY, exclude="a") == Decimal("1")
    assert table.resting("BTCUSDT", SELL) == Decimal("7")
    assert table.resting("SOLUSDT", BUY) == Decimal(0)


def test_an_order_marked_final_leaves_the_live_walk_without_telling_the_table():
    table = OrderTable(keep_final=100)
    first, second = order(), order(quantity="3")
    table.remember("a", first)
    table.remember("b", second)
    first.final = True                      # as the engine does when a final event arrives
    assert table.resting("BTCUSDT", BUY) == Decimal("3")
    assert [cid for cid, _ in table.live()] == ["b"]
    assert table.get("a") is first and "a" in table     # still remembered for order_states()


def test_final_orders_are_forgotten_oldest_first_past_the_bound_and_live_ones_never():
    table = OrderTable(keep_final=5)
    table.remember("live-0", order())
    for n in range(20):
        done = order()
        done.final = True
        table.remember(f"done-{n}", done)
    assert len(table) == 5
    assert "live-0" in table and "done-0" not in table and "done-19" in table
    assert table.live_count() == 1


def test_the_live_walk_does_not_grow_with_the_orders_that_finished():
    table = OrderTable(keep_final=50_000)
    for n in range(10_000):
        placed = order()
        table.remember(f"o-{n}", placed)
        placed.final = n % 1000 != 0          # ten stay open
    assert table.live_count() == 10
    assert len(table._live) == 10             # the index itself shed the finished ones
    assert table.resting("BTCUSDT", BUY) == Decimal(10)
    assert len(table) == 10_000
