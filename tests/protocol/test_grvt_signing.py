"""GRVT's EIP-712 order signing: equal to every vector and to the official SDK's signature for the same order,
recovered to its signer, and changed by any field; fixed-point conversion exact or refused."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from eth_account import Account
from hypothesis import given, settings
from hypothesis import strategies as st

from exchanges.grvt import signing as g

VECTORS = json.loads((Path(__file__).parents[1] / "fixtures/grvt/signing_vectors.json").read_text())
SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141   # a key is 1 .. order - 1
KEY, SIGNER = VECTORS["private_key"], VECTORS["signer_address"]
CASES = VECTORS["cases"]
SDK_CASES = [c for c in CASES if "grvt-pysdk sign_order" not in c["implementations_not_applicable"]]


def chain_of(case) -> int:
    return case["domain"]["chainId"]


def message_of(case) -> dict:
    order, instruments = case["order_json_as_sent"], case["instruments_used"]
    legs = [g.Leg(int(instruments[leg["instrument"]]["instrument_hash"], 16),
                  instruments[leg["instrument"]]["base_decimals"], Decimal(leg["size"]),
                  Decimal(leg.get("limit_price") or "0"), leg["is_buying_asset"]) for leg in order["legs"]]
    builder = order.get("builder")
    return g.order_message(sub_account_id=order["sub_account_id"], is_market=order["is_market"],
                           time_in_force=order["time_in_force"], post_only=order["post_only"],
                           reduce_only=order["reduce_only"], legs=legs, nonce=order["signature"]["nonce"],
                           expiration_ns=order["signature"]["expiration"], builder=builder,
                           builder_fee=g.fixed_point(order["builder_fee"], 4, "builder_fee") if builder else None)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_every_vector_gives_its_typed_message_digest_and_signature(case):
    message = message_of(case)
    assert message == case["typed_message"]
    types = g.ORDER_WITH_BUILDER_FEE_TYPES if case["primary_type"] == "OrderWithBuilderFee" else g.ORDER_TYPES
    assert g.type_string(case["primary_type"], types) == case["intermediate"]["type_string"]
    assert "0x" + g.digest(chain_of(case), message).hex() == case["intermediate"]["eip712_digest"]
    signature = g.sign(KEY, chain_of(case), message)
    assert (signature.r, signature.s, signature.v) == (case["expected"]["r"], case["expected"]["s"],
                                                        case["expected"]["v"])
    assert signature.signer == SIGNER == g.address_of(KEY) == case["recovered_signer"]
    assert g.recover(chain_of(case), message, signature.r, signature.s, signature.v) == SIGNER
    sent = case["order_json_as_sent"]["signature"]
    assert (sent["r"], sent["s"], sent["v"], sent["chain_id"]) == (signature.r, signature.s, signature.v,
                                                                   str(chain_of(case)))


@pytest.mark.parametrize("case", SDK_CASES, ids=lambda c: c["name"])
def test_the_official_sdk_signs_the_same_order_to_the_same_signature(case):
    from pysdk import grvt_raw_signing as sdk
    from pysdk import grvt_raw_types as types
    from pysdk.grvt_raw_base import GrvtApiConfig
    from pysdk.grvt_raw_env import GrvtEnv

    order = case["order_json_as_sent"]
    sdk_order = types.Order(
        sub_account_id=order["sub_account_id"], time_in_force=types.TimeInForce[order["time_in_force"]],
        legs=[types.OrderLeg(leg["instrument"], leg["size"], leg["is_buying_asset"], leg.get("limit_price") or "0")
              for leg in order["legs"]],
        signature=types.Signature("", "", "", 0, order["signature"]["expiration"], order["signature"]["nonce"]),
        metadata=types.OrderMetadata("1", "0"), is_market=order["is_market"], post_only=order["post_only"],
        reduce_only=order["reduce_only"])
    instruments = {name: types.Instrument(name, info["instrument_hash"], "", "", types.Kind.PERPETUAL, [], None,
                                          info["base_decimals"], 6, "0.1", "0.001", "0", "0")
                   for name, info in case["instruments_used"].items()}
    env = {325: GrvtEnv.PROD, 326: GrvtEnv.TESTNET, 327: GrvtEnv.DEV}[chain_of(case)]
    if env not in sdk.CHAIN_IDS:    # older SDK versions lack production in their table; the signing is the same
        sdk.CHAIN_IDS[env] = chain_of(case)
    signed = sdk.sign_order(sdk_order, GrvtApiConfig(env, None, KEY, None, None), Account.from_key(KEY), instruments)
    ours = g.sign(KEY, chain_of(case), message_of(case))
    assert (signed.signature.r, signed.signature.s, signed.signature.v) == (ours.r, ours.s, ours.v)
    assert signed.signature.signer.lower() == ours.signer.lower()


FIELDS = {"subAccountID": 1, "isMarket": True, "timeInForce": 2, "postOnly": False, "reduceOnly": True,
          "nonce": 7, "expiration": 1}


@pytest.mark.parametrize("field", [*FIELDS, "assetID", "contractSize", "limitPrice", "isBuyingContract", "chain"])
def test_a_signature_is_for_its_order_only(field):
    case = CASES[0]
    message, chain = message_of(case), chain_of(case)
    signature = g.sign(KEY, chain, message)
    changed = json.loads(json.dumps(message))
    if field in FIELDS:
        value = changed[field]
        changed[field] = (not value) if isinstance(value, bool) else value + FIELDS[field]
    elif field == "chain":
        chain = 325
    else:
        value = changed["legs"][0][field]
        changed["legs"][0][field] = (not value) if isinstance(value, bool) else value + 1
    assert g.recover(chain, changed, signature.r, signature.s, signature.v) != SIGNER


def test_the_builder_fee_variant_is_its_own_type():
    message = message_of(CASES[0])
    with_fee = {**message, "builder": "0x" + "22" * 20, "builderFee": 10}
    plain, fee = g.sign(KEY, 326, message), g.sign(KEY, 326, with_fee)
    assert plain.r != fee.r and g.recover(326, with_fee, fee.r, fee.s, fee.v) == SIGNER


@pytest.mark.parametrize("value, decimals, expected", [("0.001", 9, 1_000_000), ("0.29", 9, 290_000_000),
                                                       ("65038.01", 9, 65038010000000), ("10", 0, 10)])
def test_fixed_point_is_exact(value, decimals, expected):
    # 0.29 * 1e9 as floats is 289999999.99999994: the SDK's int(float(...)) gives 289999999.
    assert g.fixed_point(value, decimals, "x") == expected


@pytest.mark.parametrize("value, why", [("0.0000000001", "more than 9 decimals"), ("-1", "non-negative"),
                                        ("nan", "non-negative"), ("lots", "not a decimal"),
                                        ("100000000000", "does not fit")])
def test_fixed_point_refuses_what_it_cannot_hold_exactly(value, why):
    with pytest.raises(g.SigningError, match=why):
        g.fixed_point(value, 9, "size")


@settings(max_examples=100, deadline=None)
@given(st.decimals(min_value=0, max_value=10**9, places=9, allow_nan=False, allow_infinity=False))
def test_fixed_point_round_trips(value):
    assert Decimal(g.fixed_point(value, 9, "x")).scaleb(-9) == value


def test_nonces_are_unique_uint32s():
    nonces = g.Nonces(start=2**32 - 2)
    assert [nonces.next() for _ in range(3)] == [2**32 - 2, 2**32 - 1, 0]
    assert len({g.Nonces().next() for _ in range(50)}) > 40
    with pytest.raises(g.SigningError, match="nonce"):
        g.order_message(sub_account_id=1, is_market=False, time_in_force="GOOD_TILL_TIME", post_only=False,
                        reduce_only=False, legs=[replace(g.Leg(1, 9, Decimal(1), Decimal(1), True))], nonce=2**32,
                        expiration_ns=1)


def test_the_documented_examples_use_the_field_names_the_reference_gives():
    examples = json.loads((Path(__file__).parents[1] / "fixtures/grvt/docs_examples.json").read_text())
    full, lite = (e["message"] for e in examples if "book delta" in e["what"])
    # The lite form is the full one renamed, value for value (docs/protocols/grvt.md 6).
    assert (lite["s"], lite["s1"], lite["sn"], lite["ps"]) == (full["stream"], full["selector"],
                                                                 full["sequence_number"], full["prev_sequence_number"])
    assert lite["f"]["b"][0] == {"p": full["feed"]["bids"][0]["price"], "s": full["feed"]["bids"][0]["size"],
                                 "no": full["feed"]["bids"][0]["num_orders"]}
    assert all(isinstance(full[k], str) for k in ("sequence_number", "prev_sequence_number"))   # past 2**53: strings


@settings(max_examples=200, deadline=None)
@given(sub_account=st.integers(0, 2**64 - 1), legs=st.lists(st.tuples(
           st.integers(0, 2**256 - 1), st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1), st.booleans()),
           min_size=1, max_size=3),
       flags=st.tuples(st.booleans(), st.booleans(), st.booleans()), tif=st.sampled_from(sorted(g.TIME_IN_FORCE)),
       nonce=st.integers(0, 2**32 - 1), expiration=st.integers(0, 2**63 - 1),
       builder=st.one_of(st.none(), st.binary(min_size=20, max_size=20)), fee=st.integers(0, 2**32 - 1))
def test_fuzz_the_direct_digest_equals_eth_accounts_typed_data_hash(sub_account, legs, flags, tif, nonce, expiration,
                                                                    builder, fee):
    from eth_account.messages import encode_typed_data
    from eth_utils import keccak, to_checksum_address

    message = {"subAccountID": sub_account, "isMarket": flags[0], "timeInForce": g.TIME_IN_FORCE[tif],
               "postOnly": flags[1], "reduceOnly": flags[2],
               "legs": [{"assetID": a, "contractSize": c, "limitPrice": p, "isBuyingContract": b}
                        for a, c, p, b in legs],
               "nonce": nonce, "expiration": expiration}
    types = g.ORDER_TYPES
    if builder is not None:
        message |= {"builder": to_checksum_address(builder), "builderFee": fee}
        types = g.ORDER_WITH_BUILDER_FEE_TYPES
    signable = encode_typed_data(g.domain(326), types, message)
    assert g.digest(326, message) == keccak(b"\x19" + signable.version + signable.header + signable.body)


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=1, max_value=SECP256K1_ORDER - 1))
def test_the_address_of_a_key_is_eth_accounts(secret):
    key = f"0x{secret:064x}"
    assert g.address_of(key) == Account.from_key(key).address


@pytest.mark.parametrize("key", ["0x" + "00" * 32, "0x" + "ff" * 32, "0x1234", "", "0x" + "zz" * 32])
def test_a_key_that_is_not_one_is_refused_with_a_value_error_naming_it(key):
    from exchanges.grvt.auth import Credentials

    with pytest.raises(ValueError, match="not a usable Ethereum key"):
        Credentials(api_key="k", private_key=key)
