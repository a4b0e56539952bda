"""An actor made again on another node has new endpoints: a subscriber follows its publisher there, a
strategy's order client its engine (tradesys/launcher/relocate.py)."""

from __future__ import annotations

from tradesys.aio import wait_until
from tradesys.bus import OrderClient, OrderServer, Publisher, Subscriber
from tradesys.messages import Heartbeat, OrderReply, OrderRequest


async def test_a_subscriber_follows_a_moved_publisher_and_stops_reading_the_old_one():
    old, new = Publisher("market-old"), Publisher("market-new")
    old_endpoint, new_endpoint = old.bind(), new.bind()
    sub = Subscriber(["hb."])
    sub.connect(old_endpoint)
    try:
        assert not sub.follow("tcp://127.0.0.1:1", new_endpoint)      # not one it reads: nothing changes
        assert sub.follow(old_endpoint, new_endpoint) and sub.endpoints == [new_endpoint]

        async def from_new():
            old.publish_message("hb.old", Heartbeat(actor="old"))
            new.publish_message("hb.new", Heartbeat(actor="new"))
            return [e.topic for e in await sub.recv_batch(64, timeout=0.1)]

        topics = await wait_until(from_new, "a message from the new publisher", timeout=10, every=0.05)
        assert set(topics) == {"hb.new"}
    finally:
        sub.close()
        old.close()
        new.close()


async def test_an_order_client_follows_its_engine_to_a_new_endpoint():
    replies = []
    old, new = OrderServer("engine-old"), OrderServer("engine-new")
    for server, label in ((old, "old"), (new, "new")):
        server.bind()
        server.serve(lambda received, label=label: replies.append(label) or OrderReply(
            request_id=received.request.request_id, accepted=True))
    client = OrderClient("mm_test", timeout=2)
    client.connect(old.endpoint)
    await client.start()
    try:
        await wait_until(lambda: _sent(client), "a reply from the old engine", timeout=10, every=0.1)
        client.follow(new.endpoint)
        assert client.endpoint == new.endpoint
        replies.clear()
        await wait_until(lambda: _sent(client), "a reply from the new engine", timeout=10, every=0.1)
        assert set(replies) == {"new"}
    finally:
        await client.close()
        old.close()
        new.close()


async def _sent(client: OrderClient) -> bool:
    try:
        return (await client.request(OrderRequest(strategy_id="mm_test", client_order_id="mm_test-1"),
                                     timeout=1)).accepted
    except Exception:        # not connected yet
        return False
