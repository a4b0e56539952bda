"""The position server's exposure alarms, on a real publisher and subscriber (no venue needed for these)."""

from __future__ import annotations

from decimal import Decimal

from tradesys.aio import wait_until
from tradesys.bus import Publisher, Subscriber
from tradesys.config.schema import RiskConfig, VenueConfig
from tradesys.messages import Fill, RiskAction, RiskCommand, Side
from tradesys.numeric import set_decimal
from tradesys.services.position_server import PositionServer, PositionSettings


def fill(trade_id: str, quantity: str, price: str) -> Fill:
    out = Fill(venue="binance", symbol="BTCUSDT", client_order_id="mm-s1-1", trade_id=trade_id, side=Side.SIDE_BUY)
    set_decimal(out.quantity, quantity)
    set_decimal(out.price, price)
    set_decimal(out.fee, "0")
    return out

PROBE = "test-probe"


async def risk_commands(subscriber: Subscriber, wait: float = 1.0) -> list[RiskCommand]:
    got = []
    for envelope in await subscriber.recv_batch(64, timeout=wait):
        message = envelope.message()
        if isinstance(message, RiskCommand) and message.issued_by != PROBE:
            got.append(message)
    return got


async def joined(publisher: Publisher, subscriber: Subscriber) -> None:
    """Publish probes until the subscriber hears one: its subscription has reached the publisher."""
    async def hears():
        publisher.publish_message("risk.probe", RiskCommand(issued_by=PROBE))
        return any(isinstance(e.message(), RiskCommand) for e in await subscriber.recv_batch(16, timeout=0.05))

    await wait_until(hears, "the subscriber joined the publisher")


async def test_an_exposure_breach_switches_the_venue_to_reduce_only_once():
    settings = PositionSettings("binance", VenueConfig(symbols=["BTCUSDT"]), RiskConfig(max_position_notional=1000.0),
                                strategies=("mm",))
    server = PositionServer("positions-test", settings)
    server.publisher = Publisher("positions-test")
    subscriber = Subscriber(["risk."], name="test")
    subscriber.connect(server.publisher.bind())
    try:
        await joined(server.publisher, subscriber)     # a SUB misses what is published before it joins
        server.marks["BTCUSDT"] = Decimal("50000")
        server.on_fill(fill("1", "0.017", "50000"), 0, 0)        # 850: above 80 %, an alert only
        assert server.count["exposure_alerts"] == 1 and server.count["exposure_breaches"] == 0
        assert await risk_commands(subscriber, 0.3) == []
        server.marks["BTCUSDT"] = Decimal("60000")               # 1020: the market took it past the limit
        server._check_exposure("BTCUSDT")
        server._check_exposure("BTCUSDT")                        # still breached: no second command
        commands = await risk_commands(subscriber)
        assert len(commands) == 1
        assert commands[0].action == RiskAction.RISK_ACTION_REDUCE_ONLY and commands[0].venue == "binance"
        assert "notional 1020.00 is above the limit 1000" in commands[0].reason
        assert server.ledgers()["strategies"]["mm"]["BTCUSDT"]["position"] == "0.017"
    finally:
        subscriber.close()
        server.publisher.close()
