"""A recording's raw frames served again over loopback sockets, so that the production connectors read them
as they read the venue: the same subscriber, parsers and book code, over real HTTP and WebSocket.

``ReplayServer`` serves one venue's recorded connections. A WebSocket client on a recorded stream's path
gets that connection's frames in the order they arrived, from its first message (its subscription) on; a
REST request gets the answers recorded for its path and query, in order (the last again if asked for more).
A recorded answer to a request (``{"id": n, "result": ...}``) waits until the client has a request waiting
for an answer: request ``n`` if it made one, else the oldest one unanswered, to which the answer is
re-addressed (a replay makes no sign-in, whose answer the recording withheld, so the ids that follow it
shift). A stream's first frame waits until the client has named the stream (subscribed to it).
The two are kept in their recorded order: a frame received after a REST answer waits until that answer has
been served, and an answer waits until the frames received before it have been sent (each wait bounded by
``hold_s``, so a request the replay never makes cannot stall it).
"""

from __future__ import annotations

import asyncio
import bisect
import json
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
    """The venue's recorded market-data frames (its market server's), in the order they arrived."""
    table = read_recording(root, kind="raw_frame", venue=venue)
    table = table.filter(pc.starts_with(table.column("source"), "market-"))    # not the account streams
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
        self._served = 0                                                 # REST answers served
        self._next: dict[str, float] = {}            # stream -> recv_ts of its next frame to send (inf: none left)
        self._changed = asyncio.Condition()
        self.sent = 0                                                    # frames sent, every stream
        self.done = asyncio.Event()                                      # every stream sent whole
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
        self.port = self._runner.addresses[0][1]
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
        await self._wait(lambda: all(due > answer.recv_ts for due in self._next.values()))
        async with self._changed:
            self._served += 1
            self._changed.notify_all()
        return web.Response(body=answer.data, content_type="application/json")

    async def _stream(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        frames = self._streams.get(request.path, [])
        asked: list = []                        # the ids of the client's requests so far, in order
        said: list[str] = []                    # the client's messages so far
        reader = asyncio.create_task(self._requests(ws, asked, said), name=f"replay-requests-{request.path}")
        channels: set[str] = set()              # the channels the client has named
        answered: set = set()                   # the ids of its requests answered
        try:
            await self._wait(lambda: bool(said) or reader.done())    # its subscription: then what the venue sent
            for frame in frames:
                async with self._changed:
                    self._next[request.path] = frame.recv_ts
                    self._changed.notify_all()
                due = bisect.bisect_left(self._rest_times, frame.recv_ts)   # REST answers that arrived before it
                await self._wait(lambda due=due: self._served >= due)
                data = frame.data
                reply_to = _reply_id(data)
                if reply_to is not None:        # an answer goes once a request waits for it
                    await self._wait(lambda: any(i not in answered for i in asked))
                    waiting = [i for i in asked if i not in answered]
                    if waiting and reply_to not in waiting:
                        data = _readdressed(data, waiting[0])
                        reply_to = waiting[0]
                    answered.add(reply_to)
                channel = _channel_of(frame.data)
                if channel is not None and channel not in channels:   # a stream's data once it was asked for
                    await self._wait(lambda channel=channel: any(channel in text for text in said))
                    channels.add(channel)
                await ws.send_str(data.decode())
                self.sent += 1
            async with self._changed:
                self._next[request.path] = float("inf")
                self._changed.notify_all()
            if all(self._next.get(path) == float("inf") for path in self._streams):
                self.done.set()
            await reader                        # held open: a closed socket would make the client reconnect
        finally:
            reader.cancel()
        return ws

    async def _requests(self, ws: web.WebSocketResponse, asked: list, said: list[str]) -> None:
        """Note every message the client sends, and the id of each that has one (a request)."""
        async for message in ws:
            if message.type is not web.WSMsgType.TEXT:
                continue
            try:
                request_id = json.loads(message.data).get("id")
            except (ValueError, AttributeError):
                request_id = None
            async with self._changed:
                said.append(message.data)
                if request_id is not None:
                    asked.append(request_id)
                self._changed.notify_all()

    async def _wait(self, ready) -> None:
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(ready), self.hold_s)
            except TimeoutError:
                log.info("replay: went on without the order it waited for (a request the replay does not make)")


def _reply_id(data: bytes):
    """The id a JSON-RPC style answer (``{"id": .., "result"|"error": ..}``) carries, or None for anything else."""
    if b'"id":' not in data:
        return None
    try:
        message = json.loads(data)
    except ValueError:
        return None
    if isinstance(message, dict) and ("result" in message or "error" in message) and message.get("id") is not None:
        return message["id"]
    return None


def _readdressed(data: bytes, request_id) -> bytes:
    """A recorded answer with its ``id`` set to ``request_id`` (the rest as recorded, re-serialised)."""
    message = json.loads(data)
    message["id"] = request_id
    return json.dumps(message, separators=(",", ":")).encode()


def _channel_of(data: bytes) -> str | None:
    """The stream a frame belongs to, as the client named it when it subscribed: a Binance combined stream's
    ``"stream"``, a JSON-RPC notification's ``"channel"``; None for anything else."""
    for key in (b'"stream":"', b'"channel":"'):
        start = data.find(key)
        if start >= 0:
            start += len(key)
            end = data.find(b'"', start)
            return data[start:end].decode() if end > start else None
    return None
