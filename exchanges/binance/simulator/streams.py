"""Binance USD-M WebSocket market streams over the simulated exchange.

Paths: ``/public`` (depth, partial depth, bookTicker, trade) and ``/market`` (aggTrade, markPrice, kline);
a stream subscribed on the wrong path is accepted and silent, as on the venue; the legacy root paths carry
only the /public streams, as the venue's have since 2026-04-23. A kline stream pushes its open candle every
250 ms while it changes and once more, with ``x`` true, when it closes; a candle starts with its first trade.
Raw mode (``/ws/<s1>/<s2>``; any suffix is accepted, unknown names are no stream) and combined mode
(``/stream?streams=``, frames wrapped in ``{"stream","data"}``).
Live ``SUBSCRIBE`` / ``UNSUBSCRIBE`` / ``LIST_SUBSCRIPTIONS`` /
``SET_PROPERTY`` / ``GET_PROPERTY`` with the documented error frames.

Depth diffs: book update ids are one sequence across symbols; each stream
name has its own ``pu`` chain; a diff stream sends, every 100/250/500 ms (or
at once for ``@0ms``), the absolute size of every level changed since its
last event (0: removed). Each connection has a bounded send queue: a client that does not read is
disconnected and slows nobody else. A replay (``replay.py``) takes one symbol's diffs over from the market.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import msgspec
from aiohttp import WSMsgType, web

from exchanges.binance.simulator.render import kline_object
from tradesys.aio import cancel_and_wait
from tradesys.sim.candles import INTERVAL_MS, Candle, window_start
from tradesys.sim.exchange import ExchangeEvent
from tradesys.sim.orders import Side

if TYPE_CHECKING:
    from exchanges.binance.simulator.venue import BinanceVenue

log = logging.getLogger(__name__)
_encode = msgspec.json.Encoder().encode
_STREAM = re.compile(
    r"^([a-z0-9]+)@(depth(5|10|20)?|bookTicker|aggTrade|trade|markPrice)(@(0ms|100ms|250ms|500ms|1s))?$")
_KLINE = re.compile(r"^([a-z0-9]+)@kline_([0-9a-zA-Z]+)$")
_PUBLIC = {"depth", "bookTicker", "trade"}
_MARKET = {"aggTrade", "markPrice", "kline"}
KLINE_PUSH_MS = 250   # the venue pushes a changed candle every 250 ms
_METHODS = ("SUBSCRIBE", "UNSUBSCRIBE", "LIST_SUBSCRIPTIONS", "SET_PROPERTY", "GET_PROPERTY")
MAX_INCOMING_PER_SECOND = 10
MAX_STREAMS_PER_CONNECTION = 1024


@dataclass(frozen=True)
class StreamSpec:
    name: str
    symbol: str
    kind: str               # depth | bookTicker | trade | aggTrade | markPrice | kline
    levels: int = 0         # partial depth: 5, 10 or 20; 0 for diffs
    interval_ms: int = 0    # 0: every change at once
    candle: str = ""        # kline: the candle interval ("1m"...)

    @property
    def path(self) -> str:
        return "public" if self.kind in _PUBLIC else "market"


def parse_stream(name: str, symbols: tuple[str, ...]) -> StreamSpec | None:
    """The stream a name denotes, or None for a name that is not a stream we serve."""
    kline = _KLINE.match(name)
    if kline is not None:
        if kline.group(1).upper() not in symbols or kline.group(2) not in INTERVAL_MS:
            return None
        return StreamSpec(name, kline.group(1).upper(), "kline", interval_ms=KLINE_PUSH_MS, candle=kline.group(2))
    match = _STREAM.match(name)
    if match is None or match.group(1).upper() not in symbols:
        return None
    kind, levels, speed = match.group(2), match.group(3), match.group(5)
    if kind.startswith("depth"):
        interval = {"0ms": 0, "100ms": 100, "250ms": 250, "500ms": 500, None: 250}.get(speed)
        if interval is None:
            return None
        return StreamSpec(name, match.group(1).upper(), "depth", int(levels or 0), interval)
    if kind == "markPrice":
        if speed not in (None, "1s"):
            return None
        return StreamSpec(name, match.group(1).upper(), kind, interval_ms=1000 if speed == "1s" else 3000)
    if speed is not None:
        return None
    return StreamSpec(name, match.group(1).upper(), kind)


class Connection:
    def __init__(self, ws: web.WebSocketResponse, path: str, combined: bool, queue_size: int):
        self.ws = ws
        self.path = path            # public | market | root
        self.combined = combined
        self.streams: dict[str, StreamSpec | None] = {}   # as subscribed (None: not a stream we serve)
        self.queue: asyncio.Queue[str] = asyncio.Queue(maxsize=queue_size)
        self.overflowed = False

    def carries(self, spec: StreamSpec) -> bool:
        # Since 2026-04-23 the legacy root path carries only what /public carries (protocol notes 0).
        return (self.path if self.path != "root" else "public") == spec.path

    def send(self, text: str) -> None:
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(text)
        except asyncio.QueueFull:
            self.overflowed = True  # the reader loop closes it


def valid_request_id(value) -> bool:
    """Whether a stream request's ``id`` is one the futures venue answers: an unsigned integer or a string.

    The venue's text says unsigned integer, but the official futures SDKs send UUID strings on
    fstream (docs/protocols/binance-usdm.md, "Stream request ids"); a missing id or any other
    type is refused.
    """
    if isinstance(value, str):
        return True
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


async def run_connection(conn: Connection, on_text, max_seconds: float, counters: dict[str, int],
                         delay_ms=lambda: 0) -> None:
    """Serve one prepared WebSocket until it closes: a writer task drains the send queue, the loop
    answers client frames with ``on_text`` and enforces the venue's rules (10 incoming messages a
    second, the connection's maximum age, closing a client whose queue overflowed)."""
    ws = conn.ws
    writer = asyncio.create_task(_write(conn, delay_ms), name="binance-sim-ws-writer")
    deadline = time.monotonic() + max_seconds
    window, count = int(time.monotonic()), 0
    try:
        while not ws.closed and time.monotonic() < deadline:
            if conn.overflowed:
                counters["slow_consumers_closed"] = counters.get("slow_consumers_closed", 0) + 1
                await ws.close(code=1008, message=b"slow consumer")
                break
            try:
                msg = await ws.receive(timeout=min(1.0, max(0.01, deadline - time.monotonic())))
            except TimeoutError:
                continue
            if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                break
            now = int(time.monotonic())
            window, count = (now, 1) if now != window else (window, count + 1)
            if count > MAX_INCOMING_PER_SECOND:  # the venue disconnects a client over 10 messages a second
                await ws.close(code=1008, message=b"too many messages")
                break
            if msg.type == WSMsgType.TEXT:
                reply = on_text(msg.data)
                if reply is not None:
                    conn.send(reply)
    finally:
        await cancel_and_wait(writer)
        if not ws.closed:
            await ws.close()


async def _write(conn: Connection, delay_ms) -> None:
    while True:
        text = await conn.queue.get()
        delay = delay_ms()
        if delay:  # fault: a slow venue
            await asyncio.sleep(delay / 1000)
        try:
            await conn.ws.send_str(text)
        except (ConnectionError, RuntimeError):
            return


@dataclass
class _DiffState:
    prev_u: int
    first_u: int = 0
    last_u: int = 0
    last_t: int = 0
    changes: dict[tuple[Side, int], int] = field(default_factory=dict)
    last_sent_ms: int = 0


@dataclass
class _KlineState:
    candle: Candle
    changed: bool = False


class StreamHub:
    def __init__(self, sim: BinanceVenue, *, queue_size: int = 10_000, ping_seconds: float = 180.0,
                 max_connection_seconds: float = 24 * 3600.0):
        self.sim = sim
        self.queue_size = queue_size
        self.ping_seconds = ping_seconds
        self.max_connection_seconds = max_connection_seconds
        self.subscribers: dict[str, set[Connection]] = {}
        self.specs: dict[str, StreamSpec] = {}
        self._diffs: dict[str, _DiffState] = {}
        self._last_sent: dict[str, int] = {}    # stream -> when it last sent (ms), timed streams
        self._partial_u: dict[str, int] = {}    # partial-depth stream -> the update id it last sent
        self._last_bbo: dict[str, tuple] = {}
        self._klines: dict[str, _KlineState] = {}   # kline stream -> its open candle
        self._agg_id = 3_141_966_230
        self.connections: set[Connection] = set()
        self.counters = {"connections": 0, "slow_consumers_closed": 0, "frames": 0, "bad_requests": 0}
        sim.exchange.listeners.append(self._on_event)
        self._ticker: asyncio.Task | None = None
        self.replay = None                       # a DepthReplay (replay.py): its symbol's diffs come from a file

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/public/ws{tail:.*}", self._raw("public")),
                web.get("/market/ws{tail:.*}", self._raw("market")),
                web.get("/ws{tail:.*}", self._raw("root")),
                web.get("/public/stream", self._combined("public")),
                web.get("/market/stream", self._combined("market")),
                web.get("/stream", self._combined("root"))]

    async def start(self) -> None:
        self._ticker = asyncio.create_task(self._tick(), name="binance-sim-streams")

    async def stop(self) -> None:
        await cancel_and_wait(self._ticker)
        if self.replay is not None:
            await self.replay.close()
        for conn in list(self.connections):
            await conn.ws.close()

    # -- connections -------------------------------------------------------------------

    def _raw(self, path: str):
        async def handler(request: web.Request):
            names = [n for n in request.match_info["tail"].split("/") if n]
            return await self._serve(request, path, False, names)
        return handler

    def _combined(self, path: str):
        async def handler(request: web.Request):
            names = [n for n in request.query.get("streams", "").split("/") if n]
            return await self._serve(request, path, True, names)
        return handler

    async def _serve(self, request: web.Request, path: str, combined: bool, names: list[str]):
        if path == "root" and len(names) == 1 and names[0] in self.sim.listen_keys:
            return await self.sim.users.serve_legacy(request, names[0])  # pre-2026 /ws/<listenKey>
        ws = web.WebSocketResponse(heartbeat=self.ping_seconds, max_msg_size=1 << 16)
        await ws.prepare(request)
        conn = Connection(ws, path, combined, self.queue_size)
        self.connections.add(conn)
        self.counters["connections"] += 1
        # Unknown names in the path are "no initial stream" (ccxt opens /ws/0 and subscribes later).
        self._subscribe(conn, [n for n in names if parse_stream(n, self.sim.symbols) is not None])
        try:
            await run_connection(conn, lambda text: self._control(conn, text), self.max_connection_seconds,
                                 self.counters, lambda: self.sim.faults.delay_ms)
        finally:
            self._unsubscribe(conn, list(conn.streams))
            self.connections.discard(conn)
        return ws

    def _control(self, conn: Connection, text: str) -> str | None:
        """Answer one client request (protocol notes 1.4); None when there is nothing to send."""
        try:
            request = json.loads(text)
        except ValueError as exc:
            self.counters["bad_requests"] += 1
            return json.dumps({"code": 3, "msg": f"Invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"})
        if not isinstance(request, dict):
            return json.dumps({"code": 3, "msg": "Invalid JSON: expected an object"})
        request_id = request.get("id")
        if "method" not in request:
            return json.dumps({"code": 2, "msg": "Invalid request: missing field `method` at line 1 column 1"})
        method = request["method"]
        if method not in _METHODS:
            return json.dumps({"code": 2, "msg": f"Invalid request: unknown variant `{method}`, expected one of "
                                                 f"{', '.join(f'`{m}`' for m in _METHODS)} at line 1 column 1"})
        if not valid_request_id(request_id):
            return json.dumps({"code": 2, "msg": "Invalid request: request ID must be an unsigned integer"})
        params = request.get("params", [])
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
                return json.dumps({"code": 2, "msg": "Invalid request: invalid parameters"})
            if method == "SUBSCRIBE":
                if len(conn.streams) + len(params) > MAX_STREAMS_PER_CONNECTION:
                    return json.dumps({"code": 2, "msg": "Invalid request: too many parameters"})
                self._subscribe(conn, params)
            else:
                self._unsubscribe(conn, params)
            return json.dumps({"result": None, "id": request_id})
        if method == "LIST_SUBSCRIPTIONS":
            return json.dumps({"result": list(conn.streams), "id": request_id})
        if not isinstance(params, list) or not params or not isinstance(params[0], str):
            return json.dumps({"code": 2, "msg": "Invalid request: property name must be a string"})
        if params[0] != "combined":
            return json.dumps({"code": 0, "msg": "Unknown property"})
        if method == "GET_PROPERTY":
            return json.dumps({"result": conn.combined, "id": request_id})
        if len(params) != 2 or not isinstance(params[1], bool):
            return json.dumps({"code": 1, "msg": "Invalid value type: expected Boolean"})
        conn.combined = params[1]
        return json.dumps({"result": None, "id": request_id})

    def _subscribe(self, conn: Connection, names: list[str]) -> None:
        for name in names:
            spec = parse_stream(name, self.sim.symbols)
            conn.streams[name] = spec
            if spec is None:
                continue
            self.specs[name] = spec
            self.subscribers.setdefault(name, set()).add(conn)
            if spec.kind == "depth" and spec.levels == 0 and name not in self._diffs:
                # A new diff stream chains on from the newest change already in the book.
                self._diffs[name] = _DiffState(prev_u=self.sim.exchange.engines[spec.symbol].update_id)
                if self.replay is not None and spec.symbol == self.replay.symbol and not self.replay.held:
                    self.replay.begin(self.replayed)

    def _unsubscribe(self, conn: Connection, names: list[str]) -> None:
        for name in names:
            conn.streams.pop(name, None)
            subscribers = self.subscribers.get(name)
            if subscribers is not None:
                subscribers.discard(conn)
                if not subscribers:
                    del self.subscribers[name]
                    self._diffs.pop(name, None)
                    self._klines.pop(name, None)

    def _publish(self, spec: StreamSpec, payload: dict) -> None:
        raw = _encode(payload).decode()
        wrapped = None
        for conn in self.subscribers.get(spec.name, ()):
            if not conn.carries(spec):
                continue  # subscribed on the wrong path: silent, as on the venue
            if conn.combined:
                if wrapped is None:
                    wrapped = f'{{"stream":"{spec.name}","data":{raw}}}'
                conn.send(wrapped)
            else:
                conn.send(raw)
            self.counters["frames"] += 1

    # -- events ------------------------------------------------------------------------

    def _on_event(self, event: ExchangeEvent) -> None:
        if not self.subscribers:
            return
        result = event.result
        symbol = event.symbol
        now = self.sim.now_ms()
        if result.book_changes and not (self.replay is not None and symbol == self.replay.symbol):
            for name, state in self._diffs.items():
                spec = self.specs[name]
                if spec.symbol != symbol:
                    continue
                if not state.changes:
                    state.first_u = result.first_update_id
                state.changes.update(result.book_changes)
                state.last_u = result.last_update_id
                state.last_t = now
                if spec.interval_ms == 0:
                    self._send_diff(spec, state, now)
            self._book_ticker(symbol, now)
        if result.trades:
            self._trades(event, now)

    def replayed(self, frame: str, event: str) -> None:
        """One replayed frame to every subscriber of its symbol's diff streams (raw ones get the event)."""
        for name in [n for n in self._diffs if self.specs[n].symbol == self.replay.symbol]:
            for conn in self.subscribers.get(name, ()):
                if conn.carries(self.specs[name]):
                    conn.send(frame if conn.combined else event)
                    self.counters["frames"] += 1

    def _send_diff(self, spec: StreamSpec, state: _DiffState, now: int) -> None:
        instrument = self.sim.exchange.instruments[spec.symbol]
        bids = sorted((p, q) for (side, p), q in state.changes.items() if side is Side.BUY)
        asks = sorted((p, q) for (side, p), q in state.changes.items() if side is Side.SELL)
        payload = {"e": "depthUpdate", "E": now, "T": state.last_t, "s": spec.symbol, "U": state.first_u,
                   "u": state.last_u, "pu": state.prev_u,
                   "b": [[instrument.price_text(p), instrument.qty_text(q)] for p, q in bids],
                   "a": [[instrument.price_text(p), instrument.qty_text(q)] for p, q in asks]}
        state.prev_u = state.last_u
        state.changes = {}
        state.last_sent_ms = now
        if self.sim.faults.skip_depth_updates > 0:  # fault: lose this event, so the pu chain shows a gap
            self.sim.faults.skip_depth_updates -= 1
            return
        self._publish(spec, payload)

    def _book_ticker(self, symbol: str, now: int) -> None:
        engine = self.sim.exchange.engines[symbol]
        bid, ask = engine.book.best(Side.BUY), engine.book.best(Side.SELL)
        top = (bid.price if bid else None, bid.total if bid else 0, ask.price if ask else None, ask.total if ask else 0)
        if self._last_bbo.get(symbol) == top:
            return
        self._last_bbo[symbol] = top
        instrument = self.sim.exchange.instruments[symbol]
        payload = None
        for name, spec in self.specs.items():
            if spec.kind != "bookTicker" or spec.symbol != symbol or name not in self.subscribers:
                continue
            if payload is None:
                payload = {"e": "bookTicker", "u": engine.update_id, "s": symbol,
                           "b": instrument.price_text(top[0] or 0), "B": instrument.qty_text(top[1]),
                           "a": instrument.price_text(top[2] or 0), "A": instrument.qty_text(top[3]), "T": now,
                           "E": now}
            self._publish(spec, payload)

    def _trades(self, event: ExchangeEvent, now: int) -> None:
        symbol = event.symbol
        wanted = {spec.kind: spec for name, spec in self.specs.items()
                  if spec.symbol == symbol and spec.kind in ("trade", "aggTrade") and name in self.subscribers}
        for name, spec in self.specs.items():
            if spec.kind == "kline" and spec.symbol == symbol and name in self.subscribers:
                self._fold_kline(spec, event.result.trades, now)
        if not wanted:
            return
        instrument = self.sim.exchange.instruments[symbol]
        groups: dict[tuple[int, int], list] = {}
        for trade in event.result.trades:
            if "trade" in wanted:
                self._publish(wanted["trade"], {
                    "e": "trade", "E": now, "T": trade.time_ns // 1_000_000, "s": symbol, "t": trade.trade_id,
                    "p": instrument.price_text(trade.price), "q": instrument.qty_text(trade.quantity), "X": "MARKET",
                    "m": trade.taker_side is Side.SELL})
            groups.setdefault((trade.taker_order_id, trade.price), []).append(trade)
        if "aggTrade" in wanted:
            for (_, price), trades in groups.items():
                self._agg_id += 1
                quantity = instrument.qty_text(sum(t.quantity for t in trades))
                self._publish(wanted["aggTrade"], {
                    "e": "aggTrade", "E": now, "a": self._agg_id, "s": symbol, "p": instrument.price_text(price),
                    "q": quantity, "nq": quantity, "f": trades[0].trade_id, "l": trades[-1].trade_id,
                    "T": trades[0].time_ns // 1_000_000, "m": trades[0].taker_side is Side.SELL})

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0.05)
            now = self.sim.now_ms()
            for name, spec in list(self.specs.items()):
                if name not in self.subscribers:
                    continue
                if spec.kind == "depth" and spec.levels == 0:      # a diff stream (@0ms: sent at each change)
                    state = self._diffs.get(name)
                    if spec.interval_ms and state and state.changes and now - state.last_sent_ms >= spec.interval_ms:
                        self._send_diff(spec, state, now)
                elif spec.kind == "depth" and now - self._last_sent.get(name, 0) >= spec.interval_ms:
                    self._last_sent[name] = now
                    self._partial(spec, now)
                elif spec.kind == "markPrice" and now - self._last_sent.get(name, 0) >= spec.interval_ms:
                    self._last_sent[name] = now
                    self._mark_price(spec, now)
                elif spec.kind == "kline" and now - self._last_sent.get(name, 0) >= spec.interval_ms:
                    self._last_sent[name] = now
                    state = self._klines.get(name)
                    if state is not None and now > state.candle.close_ms:
                        self._send_kline(spec, state, now, closed=True)
                    elif state is not None and state.changed:
                        self._send_kline(spec, state, now, closed=False)

    def _partial(self, spec: StreamSpec, now: int) -> None:
        instrument = self.sim.exchange.instruments[spec.symbol]
        engine = self.sim.exchange.engines[spec.symbol]
        u = engine.update_id
        prev = self._partial_u.get(spec.name, u)
        self._partial_u[spec.name] = u
        level = lambda side: [[instrument.price_text(p), instrument.qty_text(q)]  # noqa: E731
                              for p, q in engine.book.levels(side, spec.levels)]
        self._publish(spec, {"e": "depthUpdate", "E": now, "T": now, "s": spec.symbol, "U": prev, "u": u, "pu": prev,
                             "b": level(Side.BUY), "a": level(Side.SELL)})

    def _mark_price(self, spec: StreamSpec, now: int) -> None:
        settings = self.sim.catalog[spec.symbol].market
        interval = int(settings.funding_interval_s * 1000)
        mark = f"{self.sim.exchange.mark_price(spec.symbol):f}"
        self._publish(spec, {"e": "markPriceUpdate", "E": now, "s": spec.symbol, "p": mark, "P": mark, "i": mark,
                             "r": f"{settings.funding_rate:f}", "T": now - now % interval + interval})

    def _fold_kline(self, spec: StreamSpec, trades, now: int) -> None:
        width = INTERVAL_MS[spec.candle]
        for trade in trades:
            opened = window_start(trade.time_ns // 1_000_000, width)
            state = self._klines.get(spec.name)
            if state is not None and opened > state.candle.open_ms:
                self._send_kline(spec, state, now, closed=True)  # the window ended before the tick saw it
                state = None
            if state is None:
                state = self._klines[spec.name] = _KlineState(Candle(opened, width))
            state.candle.add(trade)
            state.changed = True

    def _send_kline(self, spec: StreamSpec, state: _KlineState, now: int, *, closed: bool) -> None:
        instrument = self.sim.exchange.instruments[spec.symbol]
        state.changed = False
        if closed:
            del self._klines[spec.name]   # the next candle starts with its first trade, as on the venue
        self._publish(spec, {"e": "kline", "E": now, "s": spec.symbol,
                             "k": kline_object(state.candle, instrument, spec.candle, closed)})
