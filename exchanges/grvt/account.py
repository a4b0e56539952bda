"""Which GRVT sub-account (trading account) the connector trades: the configured one, else the only one the
API key sees. Orders are signed for it, and every trade-data call names it. One ``SubAccount`` serves all
the roles of a process, so the venue is asked once."""

from __future__ import annotations

import asyncio

from exchanges.grvt.http import GrvtApi
from tradesys.venue.errors import AuthError


class SubAccount:
    def __init__(self, configured: str | None = None):
        if configured and not configured.isdigit():
            raise ValueError(f"exchange.grvt.sub_account_id: {configured!r} is not a GRVT sub-account id (digits)")
        self._id = configured or None
        self._lock = asyncio.Lock()

    async def id(self, api: GrvtApi) -> str:
        """The sub-account id; asks the venue (through ``api``) the first time when none is configured."""
        if self._id is None:
            async with self._lock:
                if self._id is None:
                    self._id = _the_only(await api.sub_accounts())
        return self._id


def _the_only(found: list[str]) -> str:
    if len(found) == 1:
        return found[0]
    if not found:
        raise AuthError("the GRVT API key sees no sub-account: set exchange.grvt.sub_account_id "
                        "(GRVT_SUB_ACCOUNT_ID)", request="get_sub_accounts")
    raise AuthError(f"the GRVT API key sees {len(found)} sub-accounts: choose one with exchange.grvt.sub_account_id "
                    f"(GRVT_SUB_ACCOUNT_ID)", request="get_sub_accounts")
