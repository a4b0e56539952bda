"""GRVT's documented error codes classified by code (docs/protocols/grvt.md 4), and every one the spec lists
for create_order lands in the shared tree."""

from __future__ import annotations

import pytest

from exchanges.grvt import names
from exchanges.grvt.errors import classify
from tradesys.venue.errors import (
    AuthError,
    DuplicateClientOrderId,
    ExchangeError,
    InvalidPrice,
    InvalidQuantity,
    RateLimited,
    ReduceOnlyRejected,
    UnknownOrder,
    VenueUnavailable,
    is_transient,
)


@pytest.mark.parametrize("status, code, kind", [
    (401, 1000, AuthError), (403, 2000, AuthError), (403, 2002, AuthError), (429, 1006, RateLimited),
    (429, 2090, RateLimited), (500, 1002, VenueUnavailable), (503, 1009, VenueUnavailable),
    (400, 2012, DuplicateClientOrderId), (400, 2064, InvalidPrice), (400, 2065, InvalidQuantity),
    (400, 2401, ReduceOnlyRejected), (404, 1004, UnknownOrder),
])
def test_codes_map_to_the_shared_tree(status, code, kind):
    error = classify(status, code, "m", request="/full/v1/create_order")
    assert isinstance(error, kind) and error.code == code and "/full/v1/create_order" in str(error)


def test_every_documented_create_order_error_is_classified_and_only_outages_are_transient():
    for code, status, message in names.rpc("Trading", "/create_order")["errors"]:
        error = classify(status, code, message)
        assert isinstance(error, ExchangeError)
        assert is_transient(error) == (status >= 500 or status == 429), (code, status)
