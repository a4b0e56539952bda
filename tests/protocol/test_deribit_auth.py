"""Deribit signing on the published vectors, and the header parser on both clients' field orders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from exchanges.deribit import auth

VECTORS = json.loads((Path(__file__).parents[1] / "fixtures/deribit/signing_vectors.json").read_text())
SECRET = VECTORS["client_secret"]


HTTP_CASES = [c for c in VECTORS["cases"] if c["kind"] == "http"]


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda c: c["name"])
def test_every_vector_signs_to_its_expected_signature(case):
    if case["kind"] == "http":
        payload = auth.http_payload(case["timestamp"], case["nonce"], case["method"], case["uri"], case["body"])
        assert payload.decode() == case["string_to_sign"]
    else:
        payload = auth.client_signature_payload(case["timestamp"], case["nonce"], case["data"])
        assert payload == case["string_to_sign"]
    assert auth.sign(SECRET, payload) == case["expected_signature"]
    assert auth.verify(SECRET, payload, case["expected_signature"].upper())
    assert not auth.verify(SECRET, payload + (b"x" if isinstance(payload, bytes) else "x"), case["expected_signature"])


@pytest.mark.parametrize("case", HTTP_CASES, ids=lambda c: c["name"])
def test_our_header_equals_the_vectors_up_to_field_order(case):
    credentials = auth.Credentials(VECTORS["client_id"], SECRET)
    ours = auth.http_header(credentials, case["timestamp"], case["method"], case["uri"], case["body"],
                            nonce=case["nonce"])
    theirs = case["authorization_header"].removeprefix("Authorization: ")
    assert auth.parse_http_header(ours) == auth.parse_http_header(theirs)
    assert auth.parse_http_header(theirs)["sig"] == case["expected_signature"]


def test_the_documented_auth_request_is_what_we_send():
    case = next(c for c in VECTORS["cases"] if "request" in c)
    credentials = auth.Credentials(VECTORS["client_id"], SECRET)
    params = auth.client_signature_params(credentials, case["timestamp"], nonce=case["nonce"])
    assert params == case["request"]["params"]


@pytest.mark.parametrize("bad", ["Bearer abc", "deri-hmac-sha256 id=a,ts=1", "deri-hmac-sha256 nonsense", ""])
def test_headers_that_are_not_complete_hmac_headers_parse_to_none(bad):
    assert auth.parse_http_header(bad) is None


def test_client_signature_params_verify_and_the_secret_is_never_in_a_repr():
    credentials = auth.Credentials("id", "very-secret-value")
    params = auth.client_signature_params(credentials, 1700000000000, nonce="n1")
    assert auth.verify("very-secret-value", auth.client_signature_payload(1700000000000, "n1", ""), params["signature"])
    assert "very-secret-value" not in repr(credentials)
