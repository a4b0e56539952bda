"""The position server's last reads at stop ask again while the venue's error is transient (a 5xx, a throttle)
and give up at once on a refusal: a fill the stream missed is found there or nowhere."""

from __future__ import annotations

import pytest

from tradesys.services.position_server import patiently
from tradesys.venue.errors import RateLimited, VenueRejected, VenueUnavailable


class Venue:
    def __init__(self, *errors: Exception):
        self.errors = list(errors)
        self.calls = 0

    async def fills(self):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return ["fill-44"]


async def test_transient_errors_are_asked_through():
    venue = Venue(VenueUnavailable("500"), RateLimited("too_many_requests", retry_after_s=0.0),
                  VenueUnavailable("503"))
    assert await patiently(venue.fills, 4) == ["fill-44"]
    assert venue.calls == 4


async def test_the_last_transient_error_is_raised_after_the_attempts():
    venue = Venue(*(VenueUnavailable(f"500 #{n}") for n in range(5)))
    with pytest.raises(VenueUnavailable, match="#2"):
        await patiently(venue.fills, 3)
    assert venue.calls == 3


async def test_a_refusal_is_not_asked_again():
    venue = Venue(VenueRejected("unknown symbol"))
    with pytest.raises(VenueRejected):
        await patiently(venue.fills, 4)
    assert venue.calls == 1
