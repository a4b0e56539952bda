"""GRVT's login answer read apart from any socket: the session cookie and the venue's clock."""

from email.utils import formatdate

import pytest

from exchanges.grvt.auth import clock_offset, cookie_of
from tradesys.venue.errors import ProtocolError

NOW = 1_764_000_000.0


def test_the_cookie_and_its_gmt_expiry_are_read():
    token, expires = cookie_of([f"gravity=abc123; Path=/; Expires={formatdate(NOW + 3600, usegmt=True)}; Secure"])
    assert token == "abc123" and expires == NOW + 3600


def test_a_cookie_whose_expiry_is_not_a_date_is_a_protocol_error():
    with pytest.raises(ProtocolError, match="not a date"):
        cookie_of(["gravity=abc123; Expires=soon"])


@pytest.mark.parametrize(("date", "offset"), [
    (formatdate(NOW + 600, usegmt=True), 600.0),          # the venue ten minutes ahead of us
    (formatdate(NOW - 3600, usegmt=True), -3600.0),       # an hour behind
    (formatdate(NOW + 1, usegmt=True), 0.0),              # within the header's resolution: left alone
    ("", 0.0),                                            # no Date header
    ("yesterday", 0.0),                                   # unreadable
])
def test_the_venues_clock_offset_comes_from_the_answers_date(date, offset):
    assert clock_offset(date, NOW) == offset
