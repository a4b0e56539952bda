"""The builder-fee program: a main account authorises a builder (an address) to add a fee to its orders, up to a
rate it signs (EIP-712 ``AuthorizeBuilder``); orders that name a builder must stay within that authorisation.

ccxt's ``grvt`` joins the program by default: it lists the authorised builders, authorises its own when it is
missing, then signs every order as ``OrderWithBuilderFee`` (docs/protocols/grvt.md, "Builder fees").
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from exchanges.grvt import signing
from exchanges.grvt.simulator import errors as e

if TYPE_CHECKING:
    from exchanges.grvt.simulator.venue import GrvtVenue

FEE_TOO_HIGH = e.ApiError(400, 7500, "Builder Fee exceeds the allowed program limit.")
NEGATIVE_FEE = e.ApiError(400, 7501, "Builder Fee can't be negative.")
NOT_AUTHORIZED = e.ApiError(400, 7504, "Builder is not authorized for the specified user.")
MAX_RATE = Decimal("0.1")      # the simulator's program limit on a builder's rate (10%)


class Builders:
    def __init__(self, sim: GrvtVenue):
        self.sim = sim
        self.authorized: dict[str, tuple[Decimal, Decimal]] = {}   # builder (lower case) -> (futures, spot) rate

    def authorize(self, body: dict) -> dict:
        """``authorize_builder``: check the main account and its signer's signature, then record the rates."""
        sim = self.sim
        try:
            main, builder = str(body["main_account_id"]), str(body["builder_account_id"])
            futures, spot = Decimal(str(body["max_futures_fee_rate"])), Decimal(str(body["max_spot_fee_rate"]))
            sig = body["signature"]
            nonce, expiration = int(sig["nonce"]), int(sig["expiration"])
            v, r, s = int(sig["v"]), str(sig["r"]), str(sig["s"])
        except (KeyError, TypeError, ValueError, InvalidOperation):
            raise e.MALFORMED from None
        if main.lower() != sim.account_id.lower():
            raise e.FORBIDDEN
        if futures < 0 or spot < 0:
            raise NEGATIVE_FEE
        if futures > MAX_RATE or spot > MAX_RATE:
            raise FEE_TOO_HIGH
        chain = sig.get("chain_id")
        if chain not in (None, "") and str(chain) != str(sim.chain_id):
            raise e.BAD_CHAIN
        if expiration <= sim.now_ns():
            raise e.SIGNATURE_EXPIRED
        try:
            message = {"mainAccountID": main, "builderAccountID": builder,
                       "maxFutureFeeRate": _scaled(futures), "maxSpotFeeRate": _scaled(spot),
                       "nonce": nonce, "expiration": expiration}
            recovered = signing.recover(sim.chain_id, message, r, s, v, types=signing.AUTHORIZE_BUILDER_TYPES)
        except (signing.SigningError, ValueError):
            raise e.SIGNATURE_MISMATCH from None
        if recovered.lower() != sim.signer.lower():
            raise e.UNAUTHORIZED_SIGNER
        self.authorized[builder.lower()] = (futures, spot)
        return {"ack": True, "tx_id": "0"}

    def listed(self) -> dict:
        """``get_authorized_builders``: answered as ``{"results": [...]}``, not wrapped in ``result``."""
        # Rates are JSON numbers, as the spec's example and the protocol notes give them (the struct says string).
        return {"results": [{"builder_account_id": builder, "max_futures_fee_rate": float(futures),
                             "max_spot_fee_rate": float(spot)}
                            for builder, (futures, spot) in self.authorized.items()]}

    def check_order(self, order: dict) -> None:
        """An order naming a builder: authorised, and its fee within the authorised futures rate."""
        builder = order.get("builder")
        if not builder:
            return
        try:
            fee = Decimal(str(order.get("builder_fee") or "0"))
        except InvalidOperation:
            raise e.MALFORMED from None
        if fee < 0:
            raise NEGATIVE_FEE
        rates = self.authorized.get(str(builder).lower())
        if rates is None:
            raise NOT_AUTHORIZED
        if fee > rates[0]:
            raise FEE_TOO_HIGH


def _scaled(rate: Decimal) -> int:
    return signing.fixed_point(rate, signing.BUILDER_FEE_DECIMALS, "fee rate", bits="uint32")
