"""The Binance keys of a venue config (``exchange.<name>`` with ``venue: binance``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from tradesys.config.schema import VenueConfig


class OrderTransport(Enum):
    rest = "rest"        # REST order entry
    ws_api = "ws_api"    # the WebSocket API (ws-fapi): request/response on one socket


@dataclass
class BinanceConfig(VenueConfig):
    # How orders go out; market data and the private stream are unaffected.
    order_transport: OrderTransport = OrderTransport.rest
