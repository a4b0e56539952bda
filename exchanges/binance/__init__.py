"""Binance USD-M futures: the connector (the four interfaces of ``tradesys.venue.base``) and the simulator."""

from __future__ import annotations

from exchanges.binance.auth import Credentials
from exchanges.binance.config import BinanceConfig, OrderTransport
from exchanges.binance.constants import DEPTH_SPEEDS_MS, ENDPOINTS, RATE_LIMITS, Endpoints
from exchanges.binance.fetcher import BinanceFetcher
from exchanges.binance.http import BinanceHttp
from exchanges.binance.oms import BinanceOMS
from exchanges.binance.pms import BinancePMS
from exchanges.binance.rpc import BinanceWsApi
from exchanges.binance.subscriber import BinanceSubscriber
from tradesys.config.schema import Endpoint
from tradesys.venue.breaker import Breakers
from tradesys.venue.ratelimit import RateLimiter
from tradesys.venue.registry import VenueParts, VenueSpec

ROLES = ("subscriber", "oms", "pms", "fetcher")


def connect(config: BinanceConfig, credentials: Credentials | None, limiter: RateLimiter, endpoints: Endpoints,
            roles: tuple[str, ...] = ROLES, owners: tuple[str, ...] = ()) -> VenueParts:
    """The interface objects for one account (those in ``roles``; the others None), sharing ``limiter``
    (the account's one budget); each has its own HTTP session so that each can be stopped on its own.
    No I/O until their ``start``. ``owners`` is not needed: the venue keeps our client order ids as they are."""
    breakers = Breakers("binance", failures=config.breaker_failures, cool_down_s=config.breaker_cool_down_seconds)
    http = lambda: BinanceHttp(endpoints.rest, credentials, limiter, breakers=breakers)  # noqa: E731
    parts = dict.fromkeys(ROLES)
    if "subscriber" in roles:
        if config.depth_update_ms not in DEPTH_SPEEDS_MS and not (config.endpoint is Endpoint.sim
                                                                   and config.depth_update_ms == 0):
            raise ValueError(f"depth_update_ms {config.depth_update_ms}: Binance streams depth every "
                             f"{', '.join(map(str, DEPTH_SPEEDS_MS))} ms (0 only on the simulator)")
        parts["subscriber"] = BinanceSubscriber(http(), endpoints.ws_public, endpoints.ws_market,
                                                stale_after_s=config.stale_book_seconds,
                                                depth_speed=f"{config.depth_update_ms}ms")
    if "oms" in roles:
        oms_http = http()
        ws_api = None
        if config.order_transport is OrderTransport.ws_api:
            if credentials is None:
                raise ValueError("order_transport: ws_api needs API credentials")
            ws_api = BinanceWsApi(endpoints.ws_api, credentials, limiter, oms_http.now_ms)
        parts["oms"] = BinanceOMS(oms_http, ws_api=ws_api, cancel_on_disconnect=config.cancel_on_disconnect,
                                  countdown_ms=config.cancel_on_disconnect_ms, symbols=config.symbols)
    if "pms" in roles:
        parts["pms"] = BinancePMS(http(), endpoints.ws_private, account=config.account)
    if "fetcher" in roles:
        parts["fetcher"] = BinanceFetcher(http(), account=config.account)
    return VenueParts(**parts, breakers=breakers)


VENUE = VenueSpec("binance", BinanceSubscriber, BinanceOMS, BinancePMS, BinanceFetcher, connect=connect,
                  environments=ENDPOINTS, sim_endpoints=Endpoints.for_simulator,
                  description="Binance USD-M futures (REST, WebSocket streams, WebSocket API)",
                  credentials=Credentials, rate_limits=RATE_LIMITS, simulator="exchanges.binance.simulator:SIMULATOR",
                  config=BinanceConfig)

__all__ = ["VENUE", "BinanceFetcher", "BinanceOMS", "BinancePMS", "BinanceSubscriber", "connect"]
