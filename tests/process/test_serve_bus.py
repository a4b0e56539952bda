"""An actor reading the bus in the descriptor callback (``serve_bus``): decoded messages reach its handler, and a
handler that raises fails the actor (as a crashed reader task did) instead of being lost in the loop's log."""

from __future__ import annotations

from tradesys.actors.base import ActorBase, serve_bus
from tradesys.aio import wait_until
from tradesys.bus import Publisher, Subscriber
from tradesys.messages import ActorState, Heartbeat


async def test_messages_reach_the_handler_and_a_raising_handler_fails_the_actor():
    publisher, subscriber = Publisher("peer"), Subscriber(("hb.",), name="served")
    actor = ActorBase("reader")
    heard = []

    def handler(envelope, message) -> None:
        heard.append(message.actor)
        if message.actor == "bad":
            raise ValueError("a bug in the handler")

    try:
        subscriber.connect(publisher.bind())
        serve_bus(actor, subscriber, handler)

        async def delivered(name: str) -> bool:
            publisher.publish_message("hb.peer", Heartbeat(actor=name))     # again, until the connection is up
            return name in heard

        await wait_until(lambda: delivered("good"), "a message handed over", timeout=20, every=0.05)
        assert actor.state != ActorState.ACTOR_STATE_FAILED
        await wait_until(lambda: delivered("bad"), "the bad one handed over", timeout=20, every=0.05)
        assert actor.state == ActorState.ACTOR_STATE_FAILED and actor.errors == 1
        assert actor.detail == "reading the bus: ValueError: a bug in the handler"
    finally:
        subscriber.close()
        publisher.close()
