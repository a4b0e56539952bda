"""GRVT: the connector (the four interfaces of ``tradesys.venue.base``) and the simulator.

Market data (REST and the ``v1.book.d`` / ``v1.ticker.s`` / ``v1.trade``
streams) needs no key. Trading needs the API key (a session cookie from the
edge's login) and the private key that signs every order (EIP-712). Order
entry is REST; orders, fills and positions stream on the trade-data socket;
start-up recovery is REST. Client order ids travel as the venue's numbers
(``ids.py``). See exchanges/grvt/README.md for the venue's quirks.
"""

from __future__ import annotations

from exchanges.grvt.account import SubAccount
from exchanges.grvt.auth import ApiSession, Credentials
from exchanges.grvt.config import GrvtConfig
from exchanges.grvt.constants import ENDPOINTS, RATE_LIMITS, Endpoints
from exchanges.grvt.fetcher import GrvtFetcher
from exchanges.grvt.http import GrvtApi, Hosts
from exchanges.grvt.ids import ID_OPTIONS, ClientIdCodec
from exchanges.grvt.oms import GrvtOMS
from exchanges.grvt.pms import GrvtPMS
from exchanges.grvt.rpc import StreamSession
from exchanges.grvt.signing import Signer
from exchanges.grvt.subscriber import GrvtSubscriber
from tradesys.venue.breaker import Breakers
from tradesys.venue.ratelimit import RateLimiter
from tradesys.venue.registry import VenueParts, VenueSpec

BOOK_RATES_MS = (100, 200, 500, 1000)
ROLES = ("subscriber", "oms", "pms", "fetcher")


def connect(config: GrvtConfig, credentials: Credentials | None, limiter: RateLimiter, endpoints: Endpoints,
            roles: tuple[str, ...] = ROLES, owners: tuple[str, ...] = ()) -> VenueParts:
    """The interface objects for one account (those in ``roles``), sharing ``limiter``; no I/O until ``start``.
    ``owners``: the strategies whose client order ids come back from the venue as its numbers."""
    hosts = Hosts(endpoints.market_data, endpoints.trade_data)
    codec = ClientIdCodec(owners)
    parts = dict.fromkeys(ROLES)
    breakers = Breakers("grvt", failures=config.breaker_failures, cool_down_s=config.breaker_cool_down_seconds)

    # The account's one login for every role built here: one cookie per process, not one per role.
    login = ApiSession(endpoints.edge, credentials) if credentials is not None else None
    sub_account = SubAccount(config.sub_account_id)      # likewise: asked of the venue once, when not configured

    def session() -> ApiSession:
        if login is None:
            raise ValueError("GRVT trading needs the API key and the private key (GRVT_API_KEY, GRVT_PRIVATE_KEY)")
        return login

    def api() -> GrvtApi:
        return GrvtApi(hosts, session(), limiter, breakers=breakers)

    def fetcher() -> GrvtFetcher:
        return GrvtFetcher(api(), codec, sub_account=sub_account, account=config.account)

    if "subscriber" in roles:
        if config.depth_update_ms not in BOOK_RATES_MS:
            raise ValueError(f"depth_update_ms {config.depth_update_ms}: GRVT streams book deltas every "
                             f"{', '.join(map(str, BOOK_RATES_MS))} ms")
        parts["subscriber"] = GrvtSubscriber(GrvtApi(hosts, None, None, breakers=breakers), StreamSession("grvt-market",
                                             endpoints.ws_market_data), stale_after_s=config.stale_book_seconds,
                                             book_rate_ms=config.depth_update_ms)
    if "oms" in roles:
        parts["oms"] = GrvtOMS(api(), Signer(credentials.private_key), codec,
                               chain_id=endpoints.chain_id, sub_account=sub_account,
                               cancel_on_disconnect=config.cancel_on_disconnect,
                               countdown_ms=config.cancel_on_disconnect_ms,
                               signature_expiry_s=config.signature_expiry_seconds)
    if "pms" in roles:
        account_login = session()

        async def refused_login(reason: str) -> None:
            if "401" in reason:      # the venue no longer knows the session (it came back without it): log in again
                account_login.refused()

        parts["pms"] = GrvtPMS(fetcher(), StreamSession("grvt-private", endpoints.ws_trade_data,
                                                        headers=account_login.headers,
                                                        after_failed_connect=refused_login), codec,
                               account=config.account)
    if "fetcher" in roles:
        parts["fetcher"] = fetcher()
    return VenueParts(**parts, breakers=breakers)


VENUE = VenueSpec("grvt", GrvtSubscriber, GrvtOMS, GrvtPMS, GrvtFetcher, connect=connect,
                  environments=ENDPOINTS, sim_endpoints=Endpoints.for_simulator,
                  replay_endpoints=Endpoints.for_replay,
                  description="GRVT (REST with EIP-712 signed orders, WebSocket streams; USDT perpetuals)",
                  credentials=Credentials, rate_limits=RATE_LIMITS, client_order_ids=ID_OPTIONS, amends=False,
                  simulator="exchanges.grvt.simulator:SIMULATOR", config=GrvtConfig)

__all__ = ["VENUE", "GrvtFetcher", "GrvtOMS", "GrvtPMS", "GrvtSubscriber", "connect"]
