"""Binance USD-M futures: the connector (four interfaces of ``exchanges.base``) and the simulator."""

from exchanges.binance.fetcher import BinanceFetcher
from exchanges.binance.oms import BinanceOMS
from exchanges.binance.pms import BinancePMS
from exchanges.binance.subscriber import BinanceSubscriber
from exchanges.registry import VenueSpec

VENUE = VenueSpec("binance", BinanceSubscriber, BinanceOMS, BinancePMS, BinanceFetcher,
                  description="Binance USD-M futures (REST, WebSocket streams, WebSocket API)")

__all__ = ["VENUE", "BinanceFetcher", "BinanceOMS", "BinancePMS", "BinanceSubscriber"]
