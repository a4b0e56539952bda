"""GRVT order signatures: EIP-712 typed data signed with an Ethereum key (``eth-account``).

    domain  {"name": "GRVT Exchange", "version": "0", "chainId": 325 live | 326 testnet | 327 dev}
    Order(uint64 subAccountID, bool isMarket, uint8 timeInForce, bool postOnly, bool reduceOnly,
          OrderLeg[] legs, uint32 nonce, int64 expiration)
    OrderLeg(uint256 assetID, uint64 contractSize, uint64 limitPrice, bool isBuyingContract)

``assetID`` is the instrument's ``instrument_hash``; ``contractSize`` is the
size x 10**base_decimals and ``limitPrice`` the price x 10**9, both exact:
``fixed_point`` is the one place decimals become integers, and it refuses a
value with more digits than the field holds rather than truncating it (the
venue's SDK multiplies floats, which turns "0.29" into 289999999). ccxt's
builder-fee orders sign ``OrderWithBuilderFee``: the same fields with
``address builder, uint32 builderFee`` after ``legs``.

Nonces are unique per signer within the process (``Nonces``); expirations are
nanoseconds since the epoch (the venue caps them at 30 days ahead). Vectors:
shared/protocols/grvt-signing-vectors.json.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from eth_keys import keys
from eth_utils import keccak
from eth_utils.exceptions import ValidationError

PRICE_DECIMALS = 9
TIME_IN_FORCE = {"GOOD_TILL_TIME": 1, "ALL_OR_NONE": 2, "IMMEDIATE_OR_CANCEL": 3, "FILL_OR_KILL": 4,
                 "RETAIL_PRICE_IMPROVEMENT": 5}
MAX_EXPIRATION_NS = 30 * 24 * 3600 * 10**9
_UINT = {"uint8": 2**8, "uint32": 2**32, "uint64": 2**64, "uint256": 2**256}

ORDER_LEG = [{"name": "assetID", "type": "uint256"}, {"name": "contractSize", "type": "uint64"},
             {"name": "limitPrice", "type": "uint64"}, {"name": "isBuyingContract", "type": "bool"}]
_HEAD = [{"name": "subAccountID", "type": "uint64"}, {"name": "isMarket", "type": "bool"},
         {"name": "timeInForce", "type": "uint8"}, {"name": "postOnly", "type": "bool"},
         {"name": "reduceOnly", "type": "bool"}, {"name": "legs", "type": "OrderLeg[]"}]
_TAIL = [{"name": "nonce", "type": "uint32"}, {"name": "expiration", "type": "int64"}]
ORDER_TYPES = {"Order": _HEAD + _TAIL, "OrderLeg": ORDER_LEG}
ORDER_WITH_BUILDER_FEE_TYPES = {
    "OrderWithBuilderFee": _HEAD + [{"name": "builder", "type": "address"}, {"name": "builderFee", "type": "uint32"}]
    + _TAIL, "OrderLeg": ORDER_LEG}


# A main account's authorisation of a builder to charge fees on its orders (ccxt's builder program): the same
# domain; fee rates are the decimal rate x 10**4 (docs/protocols/grvt.md, "Builder fees").
AUTHORIZE_BUILDER_TYPES = {"AuthorizeBuilder": [
    {"name": "mainAccountID", "type": "address"}, {"name": "builderAccountID", "type": "address"},
    {"name": "maxFutureFeeRate", "type": "uint32"}, {"name": "maxSpotFeeRate", "type": "uint32"},
    {"name": "nonce", "type": "uint32"}, {"name": "expiration", "type": "int64"}]}
BUILDER_FEE_DECIMALS = 4

# The edge's wallet login (ccxt signs in with it): the same domain, no order.
WALLET_LOGIN_TYPES = {"WalletLogin": [{"name": "signer", "type": "address"}, {"name": "nonce", "type": "uint32"},
                                      {"name": "expiration", "type": "int64"}]}


class SigningError(ValueError):
    """An order that cannot be signed (or checked) as given: the message says which field and why."""


def domain(chain_id: int) -> dict:
    return {"name": "GRVT Exchange", "version": "0", "chainId": chain_id}


def fixed_point(value: Decimal | str, decimals: int, field: str, *, bits: str = "uint64") -> int:
    """``value`` x 10**decimals as an exact integer; SigningError if it has more decimals, is negative or
    does not fit the field."""
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError):
        raise SigningError(f"{field}: {value!r} is not a decimal number") from None
    if not number.is_finite() or number < 0:
        raise SigningError(f"{field}: {value!r} must be a non-negative number")
    scaled = number.scaleb(decimals)
    if scaled != scaled.to_integral_value():
        raise SigningError(f"{field}: {value} has more than {decimals} decimals")
    out = int(scaled)
    if out >= _UINT[bits]:
        raise SigningError(f"{field}: {value} does not fit a {bits}")
    return out


@dataclass(frozen=True)
class Leg:
    """One leg as signed: the instrument's hash and base decimals, the decimal size and price."""

    asset_id: int
    base_decimals: int
    size: Decimal
    limit_price: Decimal
    is_buying: bool

    def typed(self) -> dict:
        return {"assetID": self.asset_id, "contractSize": fixed_point(self.size, self.base_decimals, "size"),
                "limitPrice": fixed_point(self.limit_price, PRICE_DECIMALS, "limit_price"),
                "isBuyingContract": self.is_buying}


def order_message(*, sub_account_id: int | str, is_market: bool, time_in_force: str, post_only: bool,
                  reduce_only: bool, legs: list[Leg], nonce: int, expiration_ns: int | str,
                  builder: str | None = None, builder_fee: int | None = None) -> dict:
    """The typed message of one order (with ``builder`` and ``builder_fee``: ``OrderWithBuilderFee``)."""
    try:
        tif = TIME_IN_FORCE[time_in_force]
    except KeyError:
        raise SigningError(f"time_in_force: {time_in_force!r} is not one of {', '.join(TIME_IN_FORCE)}") from None
    sub_account = int(sub_account_id)
    if not 0 <= sub_account < _UINT["uint64"]:
        raise SigningError(f"sub_account_id: {sub_account_id} does not fit a uint64")
    if not 0 <= int(nonce) < _UINT["uint32"]:
        raise SigningError(f"nonce: {nonce} does not fit a uint32")
    if not legs:
        raise SigningError("legs: an order needs at least one leg")
    message = {"subAccountID": sub_account, "isMarket": bool(is_market), "timeInForce": tif,
               "postOnly": bool(post_only), "reduceOnly": bool(reduce_only), "legs": [leg.typed() for leg in legs],
               "nonce": int(nonce), "expiration": int(expiration_ns)}
    if builder is not None:
        message["builder"] = builder
        message["builderFee"] = int(builder_fee or 0)
    return message


def _signable(chain_id: int, message: dict, types: dict | None = None):
    # eth-account is imported where it is used: it takes half a second to import, and every process that
    # reads the farm's configuration imports this module, while only a verifier (the simulator) needs it.
    from eth_account.messages import encode_typed_data

    if types is None:
        types = ORDER_WITH_BUILDER_FEE_TYPES if "builder" in message else ORDER_TYPES
    return encode_typed_data(domain(chain_id), types, message)


@dataclass(frozen=True)
class Signature:
    signer: str
    r: str
    s: str
    v: int

    def as_json(self, expiration_ns: int, nonce: int, chain_id: int | None = None) -> dict:
        """The order's ``signature`` object (numbers past 2**53 as strings, as the venue sends them)."""
        out = {"signer": self.signer, "r": self.r, "s": self.s, "v": self.v, "expiration": str(expiration_ns),
               "nonce": nonce}
        if chain_id is not None:
            out["chain_id"] = str(chain_id)
        return out


def sign(private_key: str, chain_id: int, message: dict) -> Signature:
    """Sign a typed order message; the key never leaves this call."""
    return Signer(private_key).sign(chain_id, message)


# -- the digest, computed directly ---------------------------------------------------------
# EIP-712 for the order's two fixed types: hashStruct(Order) with its legs, under the domain separator.
# eth-account's ``encode_typed_data`` does the same generically (about three quarters of a signature's
# cost, bench/grvt_md.py); ``digest`` equals it on every vector and on fuzzed orders
# (tests/protocol/test_grvt_signing.py), and the simulator still recovers with eth-account.

def type_string(primary: str, types: dict) -> str:
    def one(name: str) -> str:
        fields = ",".join(f"{field['type']} {field['name']}" for field in types[name])
        return f"{name}({fields})"
    found: set[str] = set()

    def walk(name: str) -> None:         # the struct types a type uses, directly or through another
        for field in types[name]:
            used = field["type"].removesuffix("[]")
            if used in types and used not in found and used != primary:
                found.add(used)
                walk(used)
    walk(primary)
    return one(primary) + "".join(one(n) for n in sorted(found))


def _word(value: int) -> bytes:
    return (value % 2**256).to_bytes(32, "big")     # two's complement for the signed int64


_DOMAIN_TYPEHASH = keccak(b"EIP712Domain(string name,string version,uint256 chainId)")
_LEG_TYPEHASH = keccak(type_string("OrderLeg", ORDER_TYPES).encode())
_ORDER_TYPEHASH = keccak(type_string("Order", ORDER_TYPES).encode())
_BUILDER_TYPEHASH = keccak(type_string("OrderWithBuilderFee", ORDER_WITH_BUILDER_FEE_TYPES).encode())
_SEPARATORS: dict[int, bytes] = {}


def _separator(chain_id: int) -> bytes:
    separator = _SEPARATORS.get(chain_id)
    if separator is None:
        separator = _SEPARATORS[chain_id] = keccak(_DOMAIN_TYPEHASH + keccak(b"GRVT Exchange") + keccak(b"0")
                                                   + _word(chain_id))
    return separator


def digest(chain_id: int, message: dict) -> bytes:
    """The 32 bytes an order's signature signs: keccak(0x19 0x01, domain separator, hashStruct(order))."""
    legs = keccak(b"".join(keccak(_LEG_TYPEHASH + _word(leg["assetID"]) + _word(leg["contractSize"])
                                  + _word(leg["limitPrice"]) + _word(int(leg["isBuyingContract"])))
                           for leg in message["legs"]))
    head = (_word(message["subAccountID"]) + _word(int(message["isMarket"])) + _word(message["timeInForce"])
            + _word(int(message["postOnly"])) + _word(int(message["reduceOnly"])) + legs)
    tail = _word(message["nonce"]) + _word(message["expiration"])
    if "builder" in message:
        builder = bytes.fromhex(message["builder"].removeprefix("0x"))
        if len(builder) != 20:
            raise SigningError(f"builder: {message['builder']!r} is not a 20-byte address")
        struct = keccak(_BUILDER_TYPEHASH + head + builder.rjust(32, b"\0") + _word(message["builderFee"]) + tail)
    else:
        struct = keccak(_ORDER_TYPEHASH + head + tail)
    return keccak(b"\x19\x01" + _separator(chain_id) + struct)


class Signer:
    """One key, parsed once: the connector signs every order with it. ``eth-account``'s sign parses the
    key (deriving its public key) on every call and hashes the typed data generically; here the digest is
    computed directly (``digest``) and signed with the parsed key (``eth-keys``, the library
    ``eth-account`` signs with): the same signature bytes, a fraction of the time."""

    def __init__(self, private_key: str):
        self._key = keys.PrivateKey(bytes.fromhex(private_key.removeprefix("0x")))
        self.address = self._key.public_key.to_checksum_address()

    def sign(self, chain_id: int, message: dict) -> Signature:
        signed = self._key.sign_msg_hash(digest(chain_id, message))
        return Signature(self.address, f"0x{signed.r:064x}", f"0x{signed.s:064x}", signed.v + 27)

    def __repr__(self) -> str:
        return f"Signer({self.address})"


def recover(chain_id: int, message: dict, r: str, s: str, v: int, types: dict | None = None) -> str:
    """The address that signed ``message`` (an order unless ``types`` says otherwise), checksummed;
    SigningError for a malformed signature."""
    from eth_account import Account

    try:
        return Account.recover_message(_signable(chain_id, message, types), vrs=(int(v), int(r, 16), int(s, 16)))
    except (ValueError, TypeError) as exc:
        raise SigningError(f"signature: not recoverable ({exc})") from None


def address_of(private_key: str) -> str:
    """The checksummed address of a hex private key (0x optional); ValueError for one that is not a key."""
    try:
        return keys.PrivateKey(bytes.fromhex(private_key.removeprefix("0x"))).public_key.to_checksum_address()
    except ValidationError as exc:       # eth-keys' own, not a ValueError: out of range, or not 32 bytes
        raise ValueError(f"not a private key: {exc}") from None


class Nonces:
    """uint32 nonces, unique within this process: a random start, then counting up (wrapping)."""

    def __init__(self, start: int | None = None):
        self._next = secrets.randbelow(2**32) if start is None else start
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            value = self._next
            self._next = (self._next + 1) % 2**32
            return value
