"""Deribit (API v2): the connector (the four interfaces of ``tradesys.venue.base``) over JSON-RPC, and the simulator.

One WebSocket per role: public market data (no auth), order entry (its own
authenticated session, cancel-on-disconnect on it), the private stream
(another authenticated session); start-up recovery over HTTP, signed per
request. See exchanges/deribit/README.md for the venue's quirks.
"""

from __future__ import annotations

from functools import partial

from exchanges.deribit.auth import Credentials
from exchanges.deribit.constants import BOOK_INTERVALS, ENDPOINTS, HEARTBEAT_S, RATE_LIMITS, TOKEN_CHECK_S, Endpoints
from exchanges.deribit.fetcher import DeribitFetcher
from exchanges.deribit.http import DeribitApi, HttpTransport
from exchanges.deribit.oms import DeribitOMS
from exchanges.deribit.pms import DeribitPMS
from exchanges.deribit.rpc import RpcSession
from exchanges.deribit.subscriber import DeribitSubscriber
from tradesys.config.schema import VenueConfig
from tradesys.venue.breaker import Breakers
from tradesys.venue.ratelimit import RateLimiter
from tradesys.venue.registry import VenueParts, VenueSpec

ROLES = ("subscriber", "oms", "pms", "fetcher")


def connect(config: VenueConfig, credentials: Credentials | None, limiter: RateLimiter, endpoints: Endpoints,
            roles: tuple[str, ...] = ROLES, owners: tuple[str, ...] = (), *,
            heartbeat_s: float = HEARTBEAT_S, recorded: bool = False) -> VenueParts:
    """The interface objects for one account (those in ``roles``), sharing ``limiter``; no I/O until ``start``.
    ``owners`` is not needed: labels carry our client order ids as they are. ``recorded``: the endpoints serve
    a recording again (``tradesys.recording.replay``), which answers as the venue did and signs nobody in, so
    the raw channels are read without credentials."""
    parts = dict.fromkeys(ROLES)
    breakers = Breakers("deribit", failures=config.breaker_failures, cool_down_s=config.breaker_cool_down_seconds)
    if "subscriber" in roles:
        if config.depth_update_ms not in BOOK_INTERVALS:
            raise ValueError(f"depth_update_ms {config.depth_update_ms}: Deribit sends books every 100 ms, or every "
                             f"change (0: the raw channel, which needs the client id and secret)")
        interval = BOOK_INTERVALS[config.depth_update_ms]
        if interval == "raw" and credentials is None and not recorded:
            raise ValueError("depth_update_ms 0 (Deribit's raw book channel) needs the client id and client secret")
        # Public data is limited per IP, not from the account's credits; raw books need a signed-in session.
        session = RpcSession("deribit-public", endpoints.ws, credentials=credentials if interval == "raw" else None,
                             heartbeat_s=heartbeat_s)
        public = DeribitApi(HttpTransport(endpoints.rest, None, None, breakers=breakers))
        parts["subscriber"] = DeribitSubscriber(public, endpoints.ws,
                                                stale_after_s=config.stale_book_seconds, heartbeat_s=heartbeat_s,
                                                session=session, interval=interval)
    if "oms" in roles:
        if credentials is None:
            raise ValueError("order entry needs the client id and client secret")
        session = RpcSession("deribit-orders", endpoints.ws, credentials=credentials, limiter=limiter,
                             cancel_on_disconnect=config.cancel_on_disconnect, heartbeat_s=heartbeat_s)
        parts["oms"] = DeribitOMS(DeribitApi(session), session)
    if "pms" in roles:
        if credentials is None:
            raise ValueError("the private stream needs the client id and client secret")
        session = RpcSession("deribit-private", endpoints.ws, credentials=credentials, limiter=limiter,
                             heartbeat_s=heartbeat_s, verify_token_s=TOKEN_CHECK_S)
        parts["pms"] = DeribitPMS(DeribitApi(session), session, account=config.account)
    if "fetcher" in roles:
        parts["fetcher"] = DeribitFetcher(DeribitApi(HttpTransport(endpoints.rest, credentials, limiter,
                                                                   breakers=breakers)),
                                          account=config.account)
    return VenueParts(**parts, breakers=breakers)


VENUE = VenueSpec("deribit", DeribitSubscriber, DeribitOMS, DeribitPMS, DeribitFetcher, connect=connect,
                  replay_connect=partial(connect, recorded=True),
                  environments=ENDPOINTS, sim_endpoints=Endpoints.for_simulator,
                  description="Deribit (JSON-RPC over WebSocket and HTTP; inverse and linear perpetuals)",
                  credentials=Credentials, rate_limits=RATE_LIMITS, simulator="exchanges.deribit.simulator:SIMULATOR")

__all__ = ["VENUE", "DeribitFetcher", "DeribitOMS", "DeribitPMS", "DeribitSubscriber", "connect"]
