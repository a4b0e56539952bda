"""A recording's raw frames served again over loopback sockets, so that the production connectors read them
as they read the venue: the same subscriber, parsers and book code, over real HTTP and WebSocket.

``ReplayServer`` serves one venue's recorded connections. A WebSocket client on a recorded stream's path
gets that connection's frames in the order they arrived, from its first message (its subscription) on; a
REST request gets the answers recorded for its path and query, in order (the last again if asked for more).
The two are kept in their recorded order: a frame received after a REST answer waits until that answer has
been served, and an answer waits until the frames received before it have been sent (each wait bounded by
``hold_s``, so a request the replay never makes cannot stall it).
"""

from __future__ import annotations

import asyncio
import bisect
import logging
from collections import defaultdict, deque
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow.compute as pc
from aiohttp import web

from tradesys.recording.reader import RecordingMissingError, read_recording

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RawEvent:
    recv_ts: int
    connection: str
    stream: str          # the URL it was read from
    data: bytes

    @property
    def target(self) -> str:
        """The path (and query) a client asks for to get it again."""
        parts = urlsplit(self.stream)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    @property
    def rest(self) -> bool:
        return self.stream.startswith("http")


def raw_events(root: Path | str, venue: str) -> list[RawEvent]:
    """The venue's recorded raw frames, in the order they arrived."""
    table = read_recording(root, kind="raw_frame", venue=venue)
    if table.num_rows == 0:
        raise RecordingMissingError(f"{root}: no raw frames of {venue} (recording.raw_frames was off, or the "
                                    f"recording has no {venue} market server)")
    table = table.take(pc.sort_indices(table, [("recv_ts", "ascending"), ("seq", "ascending")]))
    return [RawEvent(*row) for row in zip(*(table.column(name).to_pylist()
                                            for name in ("recv_ts", "connection", "stream", "frame")))]


class ReplayServer:
    def __init__(self, events: list[RawEvent], *, hold_s: float = 2.0):
        self.hold_s = hold_s
        self._streams: dict[str, list[RawEvent]] = defaultdict(list)      # WebSocket path -> its frames
        self._answers: dict[str, deque[RawEvent]] = defaultdict(deque)    # REST path?query -> its answers
        for event in events:
            (self._answers[event.target].append if event.rest else self._streams[event.target].append)(event)
        self._rest_times = sorted(e.recv_ts for e in events if e.rest)   # when each REST answer arrived
        self._served: list[int] = []                                     # recv_ts of the answers served
        self._sent_upto: dict[str, int] = {}                             # stream -> recv_ts of its last frame sent
        self._changed = asyncio.Condition()
        self.sent = 0                                                    # frames sent, every stream
        self.done = asyncio.Event()                                      # every stream sent whole
        self._finished: set[str] = set()
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> str:
        """Listen on loopback; return ``host:port``."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        if not self._streams:
            self.done.set()
        return f"127.0.0.1:{self.port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._stream(request)
        answers = self._answers.get(request.path_qs)
        if not answers:
            return web.json_response({"code": -1, "msg": f"nothing recorded for {request.path_qs}"}, status=404)
        answer = answers.popleft() if len(answers) > 1 else answers[0]
        await self._wait(lambda: all(upto >= answer.recv_ts or path in self._finished
                                     for path, upto in self._sent_upto.items()))
        async with self._changed:
            self._served.append(answer.recv_ts)
            self._changed.notify_all()
        return web.Response(body=answer.data, content_type="application/json")

    async def _stream(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        frames = self._streams.get(request.path, [])
        await ws.receive()                      # the client's subscription: then what the venue sent
        self._sent_upto.setdefault(request.path, 0)
        for frame in frames:
            due = bisect.bisect_left(self._rest_times, frame.recv_ts)   # REST answers that arrived before it
            await self._wait(lambda due=due: len(self._served) >= due)
            await ws.send_str(frame.data.decode())
            self.sent += 1
            async with self._changed:
                self._sent_upto[request.path] = frame.recv_ts
                self._changed.notify_all()
        self._finished.add(request.path)
        if self._finished >= set(self._streams):
            self.done.set()
        async for _ in ws:                      # held open: a closed socket would make the client reconnect
            pass
        return ws

    async def _wait(self, ready) -> None:
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(ready), self.hold_s)
            except TimeoutError:
                log.info("replay: went on without the order it waited for (a request the replay does not make)")
