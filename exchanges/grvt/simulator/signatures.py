"""The GRVT simulator's check of an order's signature, as the venue makes it: chain id, V, R/S, expiry, the
signer recovered from the EIP-712 message against the registered one and against the signer named, and the
nonce not used before (the last ``NONCES_KEPT`` remembered)."""

from __future__ import annotations

from collections import deque
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from exchanges.grvt import signing
from exchanges.grvt.simulator import errors as e

if TYPE_CHECKING:
    from exchanges.grvt.simulator.venue import GrvtVenue

NONCES_KEPT = 100_000


class Signatures:
    def __init__(self, sim: GrvtVenue):
        self.sim = sim
        self._nonces: deque[tuple[str, int, int]] = deque(maxlen=NONCES_KEPT)
        self._nonce_set: set[tuple[str, int, int]] = set()

    def check(self, order: dict, entry, tif_name: str, is_market: bool, post_only: bool, reduce_only: bool) -> None:
        """Raise the venue's error for the first check the order's signature fails; remember its nonce."""
        sim = self.sim
        sig = order.get("signature") or {}
        chain = sig.get("chain_id")
        if chain not in (None, "") and str(chain) != str(sim.chain_id):
            raise e.BAD_CHAIN
        if sig.get("v") not in (27, 28):
            raise e.BAD_V
        r, s = str(sig.get("r", "")), str(sig.get("s", ""))
        if len(r.removeprefix("0x")) != 64 or len(s.removeprefix("0x")) != 64:
            raise e.BAD_RS
        try:
            expiration, nonce = int(sig.get("expiration")), int(sig.get("nonce"))
        except (TypeError, ValueError):
            raise e.MALFORMED from None
        now = sim.now_ns()
        if expiration <= now:
            raise e.SIGNATURE_EXPIRED
        if expiration > now + signing.MAX_EXPIRATION_NS:
            raise e.EXPIRATION_TOO_FAR
        leg = order["legs"][0]
        try:
            typed_leg = signing.Leg(entry.asset_id, entry.base_decimals, Decimal(str(leg.get("size"))),
                                    Decimal(str(leg.get("limit_price") or "0")), bool(leg.get("is_buying_asset")))
            builder = order.get("builder")
            message = signing.order_message(
                sub_account_id=order["sub_account_id"], is_market=is_market, time_in_force=tif_name,
                post_only=post_only, reduce_only=reduce_only, legs=[typed_leg], nonce=nonce, expiration_ns=expiration,
                builder=builder if builder else None,
                builder_fee=int(Decimal(str(order.get("builder_fee") or 0)) * 10**4) if builder else None)
            recovered = signing.recover(sim.chain_id, message, r, s, int(sig["v"]))
        except (signing.SigningError, InvalidOperation, ValueError):
            raise e.SIGNATURE_MISMATCH from None
        named = str(sig.get("signer", ""))
        if named and named.lower() != recovered.lower():
            raise e.SIGNATURE_MISMATCH
        if recovered.lower() != sim.signer.lower():
            raise e.UNAUTHORIZED_SIGNER
        key = (recovered.lower(), nonce, expiration)
        if key in self._nonce_set:
            raise e.SIGNATURE_MISMATCH   # a replayed signature: the simulator's choice of code
        if len(self._nonces) == self._nonces.maxlen:
            self._nonce_set.discard(self._nonces[0])
        self._nonces.append(key)
        self._nonce_set.add(key)
