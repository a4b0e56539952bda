from __future__ import annotations

import pytest

from tradesys.venue.ids import ClientOrderIds, base36


def test_ids_are_unique_short_and_name_their_owner():
    a, b = ClientOrderIds("mm_btc"), ClientOrderIds("mm_btc")
    ids = [a.next() for _ in range(2000)] + [b.next() for _ in range(2000)]
    assert len(set(ids)) == 4000 and max(map(len, ids)) <= 36
    assert {ClientOrderIds.owner(i) for i in ids} == {"mm_btc"}
    assert ClientOrderIds.owner("FqEw6cn0vDhrkmfiwLYPeo") is None   # the venue's own ids are not ours


def test_bad_prefixes_are_refused_at_once():
    with pytest.raises(ValueError, match="letters, digits and _ only"):
        ClientOrderIds("has-dash")
    with pytest.raises(ValueError, match="too long"):
        ClientOrderIds("x" * 30)
    assert base36(0) == "0" and base36(35) == "z" and base36(36) == "10"
