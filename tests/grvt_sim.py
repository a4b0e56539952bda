"""The GRVT simulator and connector as tests use them: one throwaway key, the connector built as
``exchanges.grvt.connect`` builds it and pointed at the simulator's URLs."""

from __future__ import annotations

from exchanges.grvt.simulator import Credentials as SimCredentials
from exchanges.grvt.simulator import GrvtSimulator

API_KEY = "grvt-test-api-key"
PRIVATE_KEY = "0x" + "11" * 32      # a throwaway key (the simulator registers its address as the signer)
SIM_CREDENTIALS = SimCredentials(API_KEY, PRIVATE_KEY)
OWNERS = ("mm", "other")


def simulator(**kwargs) -> GrvtSimulator:
    return GrvtSimulator(credentials=kwargs.pop("credentials", SIM_CREDENTIALS), **kwargs)


def limiter_for_tests(max_wait_s: float = 2.0):
    """A rate limiter with the connector's default budgets, as a connector process holds it."""
    from exchanges.grvt.constants import RATE_LIMITS
    from tradesys.venue.ratelimit import Budget, Limit, LocalBudget, RateLimiter

    return RateLimiter(LocalBudget(Budget([Limit(name, cap, window) for name, (cap, window) in RATE_LIMITS.items()])),
                       max_wait_s=max_wait_s, venue="grvt")


def connector(sim: GrvtSimulator, *, api_key: str = API_KEY, private_key: str = PRIVATE_KEY, limiter=None,
              owners: tuple[str, ...] = OWNERS, roles=None, **config):
    """Subscriber, OMS, PMS and fetcher pointed at the simulator, as ``exchanges.grvt.connect`` builds them."""
    from exchanges.grvt import ROLES, VENUE, connect
    from exchanges.grvt.auth import Credentials
    from exchanges.grvt.config import GrvtConfig

    venue = GrvtConfig(stale_book_seconds=3.0, **config)
    parts = connect(venue, Credentials(api_key, private_key), limiter or limiter_for_tests(),
                    VENUE.endpoints_for(venue, {**sim.urls, **sim.client_settings}), roles=roles or ROLES,
                    owners=owners)
    return parts.subscriber, parts.oms, parts.pms, parts.fetcher


def ids(owner: str = "mm"):
    """Client order ids as a GRVT strategy draws them."""
    from exchanges.grvt.ids import ID_OPTIONS
    from tradesys.venue.ids import ClientOrderIds

    return ClientOrderIds(owner, **ID_OPTIONS)
