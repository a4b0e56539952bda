"""The Binance keys of a venue config (``exchange.<name>`` with ``venue: binance``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Optional

from tradesys.config.schema import VenueConfig, bounded


class OrderTransport(Enum):
    rest = "rest"        # REST order entry
    ws_api = "ws_api"    # the WebSocket API (ws-fapi): request/response on one socket


@dataclass
class BinanceConfig(VenueConfig):
    # How orders go out; market data and the private stream are unaffected.
    order_transport: OrderTransport = OrderTransport.rest
    # endpoint: sim only: a recorded depth stream (a folder of snapshot.json and frames.jsonl, as
    # bench/depth_frames.py writes) the simulator serves for its symbol instead of its own diffs, at
    # sim_replay_rate frames a second (exchanges/binance/simulator/replay.py).
    sim_replay: Optional[str] = None
    sim_replay_rate: float = bounded(1000.0, gt=0)
    # endpoint: sim only: the replay waits for the simulator actor's begin_replay call (a benchmark makes it once
    # every reader is up) instead of starting at the first subscription.
    sim_replay_held: bool = False
