"""Binance USD-M payloads as msgspec Structs, with the venue's own field names (protocol notes 3, 6, 7, 8).

Only the fields we read are declared; unknown fields are ignored by the
decoder, so a field the venue adds never breaks us. Numbers the venue sends
as strings stay strings here: ``parse.py`` turns them into exact integers.
Stream events are tagged unions on ``e``, so one decode both dispatches and
validates. Structs that are decoded per message are ``gc=False``: they hold
no cycles, and untracked objects keep the cyclic GC off the hot path.
"""

from __future__ import annotations

import msgspec

Level = tuple[str, str]   # [price, quantity]


# -- market streams (section 6) --------------------------------------------------------

class DepthUpdate(msgspec.Struct, tag_field="e", tag="depthUpdate", gc=False):
    E: int
    T: int
    s: str
    U: int
    u: int
    pu: int
    # The level arrays stay JSON text ([["price", "qty"], ...]): read in bulk, and checked, by LevelReader.
    b: msgspec.Raw
    a: msgspec.Raw


class BookTicker(msgspec.Struct, tag_field="e", tag="bookTicker", gc=False):
    u: int
    s: str
    b: str
    B: str
    a: str
    A: str
    T: int = 0
    E: int = 0


class AggTrade(msgspec.Struct, tag_field="e", tag="aggTrade", gc=False):
    E: int
    a: int
    s: str
    p: str
    q: str
    f: int
    l: int  # noqa: E741  (the venue's name)
    T: int
    m: bool


class MarkPriceUpdate(msgspec.Struct, tag_field="e", tag="markPriceUpdate", gc=False):
    E: int
    s: str
    p: str
    i: str = "0"
    P: str = "0"
    r: str = "0"
    T: int = 0


MarketEvent = DepthUpdate | BookTicker | AggTrade | MarkPriceUpdate


class StreamFrame(msgspec.Struct, gc=False):
    """A combined-stream frame: ``{"stream": <name>, "data": <event>}``."""

    stream: str
    data: MarketEvent


class ControlReply(msgspec.Struct):
    """The answer to SUBSCRIBE etc.: ``{"result": ..., "id": n}``, or an error ``{"code", "msg", "id"?}``."""

    id: int | None = None
    result: object = None
    code: int | None = None
    msg: str = ""


# -- REST (section 3) ------------------------------------------------------------------

class DepthSnapshot(msgspec.Struct, gc=False):
    lastUpdateId: int
    bids: list[Level]
    asks: list[Level]
    E: int = 0
    T: int = 0


class ServerTime(msgspec.Struct):
    serverTime: int


class ErrorBody(msgspec.Struct):
    code: int
    msg: str = ""


class SymbolInfo(msgspec.Struct):
    symbol: str
    status: str
    baseAsset: str
    quoteAsset: str
    marginAsset: str
    pricePrecision: int
    quantityPrecision: int
    filters: list[dict]
    contractType: str = "PERPETUAL"
    deliveryDate: int = 0


class ExchangeInfo(msgspec.Struct):
    symbols: list[SymbolInfo]
    rateLimits: list[dict] = []


class Order(msgspec.Struct):
    """The common order object (3.5): new, modify, cancel, query, open orders."""

    orderId: int
    symbol: str
    status: str
    clientOrderId: str
    price: str
    origQty: str
    executedQty: str
    timeInForce: str
    type: str
    side: str
    reduceOnly: bool = False
    avgPrice: str = "0"
    updateTime: int = 0
    time: int = 0


class PositionRisk(msgspec.Struct):
    symbol: str
    positionAmt: str
    entryPrice: str
    markPrice: str
    unRealizedProfit: str
    positionSide: str = "BOTH"
    updateTime: int = 0


class BalanceItem(msgspec.Struct):
    asset: str
    balance: str
    availableBalance: str
    crossUnPnl: str = "0"
    updateTime: int = 0


class UserTrade(msgspec.Struct):
    id: int
    orderId: int
    symbol: str
    side: str
    price: str
    qty: str
    commission: str
    commissionAsset: str
    maker: bool
    time: int
    realizedPnl: str = "0"


class ListenKey(msgspec.Struct):
    listenKey: str


# -- user data stream (section 7) ------------------------------------------------------

class OrderUpdate(msgspec.Struct, gc=False):
    """``ORDER_TRADE_UPDATE.o`` (7.2)."""

    s: str
    c: str
    S: str
    o: str
    f: str
    q: str
    p: str
    x: str
    X: str
    i: int
    l: str  # noqa: E741  (the venue's name: last filled quantity)
    z: str
    L: str
    T: int
    ap: str = "0"
    n: str = "0"
    N: str | None = None
    t: int = 0
    m: bool = False
    R: bool = False
    rp: str = "0"


class OrderTradeUpdate(msgspec.Struct, tag_field="e", tag="ORDER_TRADE_UPDATE", gc=False):
    E: int
    T: int
    o: OrderUpdate


class TradeLite(msgspec.Struct, tag_field="e", tag="TRADE_LITE", gc=False):
    E: int
    T: int
    s: str
    c: str
    S: str
    L: str
    l: str  # noqa: E741
    t: int
    i: int
    m: bool
    q: str = "0"
    p: str = "0"


class BalanceChange(msgspec.Struct, gc=False):
    a: str
    wb: str
    cw: str = "0"
    bc: str = "0"


class PositionChange(msgspec.Struct, gc=False):
    s: str
    pa: str
    ep: str
    up: str = "0"
    cr: str = "0"
    ps: str = "BOTH"


class AccountData(msgspec.Struct, gc=False):
    m: str
    B: list[BalanceChange] = []
    P: list[PositionChange] = []
    S: str = ""          # the symbol of a FUNDING_FEE update


class AccountUpdate(msgspec.Struct, tag_field="e", tag="ACCOUNT_UPDATE", gc=False):
    E: int
    T: int
    a: AccountData


class ListenKeyExpired(msgspec.Struct, tag_field="e", tag="listenKeyExpired"):
    E: int
    listenKey: str = ""


UserEvent = OrderTradeUpdate | TradeLite | AccountUpdate | ListenKeyExpired


class AnyEvent(msgspec.Struct):
    """Just the event type: tells an event we do not handle from a malformed payload."""

    e: str


# -- WebSocket API (section 8) ---------------------------------------------------------

class WsApiError(msgspec.Struct):
    code: int
    msg: str = ""


class WsApiReply(msgspec.Struct):
    id: str | int | None
    status: int
    result: msgspec.Raw = msgspec.Raw(b"null")   # decoded by the caller, as the method's shape
    error: WsApiError | None = None
    rateLimits: list[dict] = []


market_decoder = msgspec.json.Decoder(StreamFrame)
control_decoder = msgspec.json.Decoder(ControlReply)
user_decoder = msgspec.json.Decoder(UserEvent)
any_event_decoder = msgspec.json.Decoder(AnyEvent)
ws_api_decoder = msgspec.json.Decoder(WsApiReply)
