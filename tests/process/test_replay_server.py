"""The replay server keeps a recording's order on real sockets: a recorded answer goes once the client has
made its request, and a REST answer once the frames received before it have been sent."""

from __future__ import annotations

import asyncio

import aiohttp

from tradesys.recording.replay import RawEvent, ReplayServer


def frame(ts: int, data: str) -> RawEvent:
    return RawEvent(ts, "venue-public", "ws://venue/ws/api/v2", data.encode())


async def test_an_answer_waits_for_its_request_and_a_notification_does_not():
    server = ReplayServer([frame(1, '{"id":1,"result":"subscribed"}'), frame(2, '{"method":"subscription"}'),
                           frame(3, '{"id":2,"result":"pong"}')], hold_s=30)
    host = await server.start()
    try:
        async with aiohttp.ClientSession() as session, session.ws_connect(f"ws://{host}/ws/api/v2") as ws:
            await ws.send_str('{"id":1,"method":"public/subscribe"}')
            assert await ws.receive_str(timeout=10) == '{"id":1,"result":"subscribed"}'
            assert await ws.receive_str(timeout=10) == '{"method":"subscription"}'
            try:        # the answer to request 2 is held while request 2 has not been made (hold_s is 30 s)
                early = await ws.receive_str(timeout=0.5)
            except asyncio.TimeoutError:
                early = None
            assert early is None
            await ws.send_str('{"id":2,"method":"public/test"}')
            assert await ws.receive_str(timeout=10) == '{"id":2,"result":"pong"}'
            await asyncio.wait_for(server.done.wait(), 10)
            assert server.sent == 3
    finally:
        await server.stop()


async def test_a_rest_answer_waits_for_the_frames_received_before_it():
    events = [frame(1, '{"n":1}'), frame(2, '{"n":2}'),
              RawEvent(3, "venue-rest", "http://venue/api/v2/public/get_book?name=X", b'{"book":1}'),
              frame(4, '{"n":4}')]
    server = ReplayServer(events, hold_s=30)
    host = await server.start()
    try:
        async with aiohttp.ClientSession() as session, session.ws_connect(f"ws://{host}/ws/api/v2") as ws:
            await ws.send_str('{"method":"subscribe"}')
            async with session.get(f"http://{host}/api/v2/public/get_book?name=X") as response:
                assert await response.json() == {"book": 1}
            # Answered only after frames 1 and 2 went out; frame 4 only after the answer.
            assert server.sent >= 2
            got = [await ws.receive_str(timeout=10) for _ in range(3)]
            assert got == ['{"n":1}', '{"n":2}', '{"n":4}']
            async with session.get(f"http://{host}/api/v2/public/nothing") as response:
                assert response.status == 404
    finally:
        await server.stop()
