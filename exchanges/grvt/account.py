"""Which GRVT sub-account (trading account) the connector trades: the configured one, else the only one the
API key sees. Orders are signed for it, and every trade-data call names it."""

from __future__ import annotations

from exchanges.errors import AuthError
from exchanges.grvt.http import GrvtApi


async def resolve_sub_account(api: GrvtApi, configured: str | None) -> str:
    if configured:
        if not configured.isdigit():
            raise ValueError(f"exchange.grvt.sub_account_id: {configured!r} is not a GRVT sub-account id (digits)")
        return configured
    found = await api.sub_accounts()
    if len(found) == 1:
        return found[0]
    if not found:
        raise AuthError("the GRVT API key sees no sub-account: set exchange.grvt.sub_account_id "
                        "(GRVT_SUB_ACCOUNT_ID)", request="get_sub_accounts")
    raise AuthError(f"the GRVT API key sees {len(found)} sub-accounts: choose one with exchange.grvt.sub_account_id "
                    f"(GRVT_SUB_ACCOUNT_ID)", request="get_sub_accounts")
