"""Binance signing on the documentation's vectors, and verification on raw bytes as clients send them."""

import json
from pathlib import Path
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchanges.binance import auth

VECTORS = json.loads((Path(__file__).parents[1] / "fixtures" / "binance" / "signing_vectors.json").read_text())
SECRET = VECTORS["secret_key"]
CASES = {case["name"]: case for case in VECTORS["cases"]}


@pytest.mark.parametrize("name", sorted(CASES))
def test_documented_vectors(name):
    case = CASES[name]
    signed = case.get("signed_string_exactly") or case["query_string"] + case["request_body"]
    assert auth.sign(SECRET, signed) == case["expected_signature"]


@pytest.mark.parametrize("name", ["doc_example_1_query_string", "doc_example_2_request_body",
                                  "doc_example_3_mixed_clean"])
def test_the_signature_verifies_wherever_the_client_put_it(name):
    case = CASES[name]
    query, body = case["query_string"].encode(), case["request_body"].encode()
    signature = f"signature={case['expected_signature'].upper()}".encode()  # hex case is ignored
    if body:
        body += b"&" + signature
    else:
        query += b"&" + signature
    assert auth.verify(SECRET, query, body)


def test_one_changed_byte_or_a_missing_signature_fails():
    case = CASES["doc_example_1_query_string"]
    good = f"{case['query_string']}&signature={case['expected_signature']}".encode()
    assert auth.verify(SECRET, good, b"")
    for index in range(0, len(good) - 64, 7):
        tampered = bytearray(good)
        tampered[index] ^= 0x01
        assert not auth.verify(SECRET, bytes(tampered), b"")
    assert not auth.verify(SECRET, case["query_string"].encode(), b"")
    assert not auth.verify("another-secret", good, b"")


def test_signed_query_round_trips_through_verify():
    query = auth.signed_query([("symbol", "BTCUSDT"), ("price", "0.2100"), ("timestamp", "1")], SECRET)
    assert query.startswith("symbol=BTCUSDT&price=0.2100&timestamp=1&signature=")
    assert auth.verify(SECRET, query.encode(), b"")


@given(st.lists(st.tuples(st.text(max_size=12), st.text(max_size=24) | st.integers() | st.binary(max_size=8)),
                max_size=8))
def test_query_string_is_urlencode_byte_for_byte(params):
    # The signature covers these bytes: any difference from what the venue's documentation signs would be a -1022.
    assert auth.query_string(params) == urlencode(params)
    assert auth.query_string(dict(params)) == urlencode(dict(params))


def test_query_string_quotes_what_needs_quoting():
    params = [("newClientOrderId", "mm a/b+c:d"), ("batchOrders", '[{"x":"é"}]'), ("price", "1.5~")]
    assert auth.query_string(params) == urlencode(params)
    assert "mm+a%2Fb%2Bc%3Ad" in auth.query_string(params)


def test_split_signature_handles_first_middle_and_last_positions():
    assert auth.split_signature(b"signature=ab&x=1") == (b"x=1", "ab")
    assert auth.split_signature(b"x=1&signature=ab&y=2") == (b"x=1&y=2", "ab")
    assert auth.split_signature(b"x=1&signature=ab") == (b"x=1", "ab")
    assert auth.split_signature(b"x=1&mysignature=ab") == (b"x=1&mysignature=ab", None)


def test_ws_api_payload_is_sorted_without_the_signature():
    params = {"timestamp": 1, "symbol": "BTCUSDT", "apiKey": "k", "signature": "zz", "reduceOnly": False}
    assert auth.ws_payload(params) == "apiKey=k&reduceOnly=false&symbol=BTCUSDT&timestamp=1"
