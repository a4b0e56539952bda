"""The GRVT keys of a venue config (``exchange.<name>`` with ``venue: grvt``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from tradesys.config.schema import VenueConfig, bounded


@dataclass
class GrvtConfig(VenueConfig):
    venue: str = "grvt"
    # The Ethereum key that signs every order (EIP-712); only from the environment, never printed.
    private_key: Optional[str] = field(default=None, repr=False)
    # The sub-account (trading account) to trade; null: the only one the API key sees.
    sub_account_id: Optional[str] = None
    # endpoint: sim only: the chain the simulator checks order and login signatures on (325: GRVT's
    # production, as a client configured for production signs; 326: testnet). The connector takes it from the
    # simulator, as it takes the URLs.
    sim_chain_id: int = bounded(325, ge=1)
    # How long an order's signature stays valid (the venue takes at most 30 days).
    signature_expiry_seconds: float = bounded(86_400.0, ge=60, le=30 * 86_400 - 60)

    def secret(self) -> str | None:
        return self.api_secret or self.private_key
