import pytest

from tradesys.bus import topics


def test_builders_make_the_documented_names():
    assert topics.md("binance", "BTCUSDT", "book") == "md.binance.BTCUSDT.book"
    assert topics.oe("binance", "mm1") == "oe.binance.mm1"
    assert topics.hb("recorder") == "hb.recorder"
    assert topics.risk() == "risk.all"


@pytest.mark.parametrize("topic, expected", [
    ("md.binance.BTCUSDT.book", ("binance", "BTCUSDT")),
    ("oe.deribit.mm1", ("deribit", "mm1")),
    ("bal.grvt.USDT", ("grvt", "USDT")),
    ("hb.recorder", ("_", "recorder")),
    ("inv.ETH", ("_", "ETH")),
    ("risk.all", ("all", "_")),
])
def test_partition(topic, expected):
    assert topics.partition(topic) == expected


@pytest.mark.parametrize("bad", ["", "zz.a", "md"])
def test_partition_rejects_unknown_families(bad):
    with pytest.raises(ValueError):
        topics.partition(bad)


def test_a_dot_inside_a_part_is_refused():
    with pytest.raises(ValueError, match="no '.'"):
        topics.md("binance", "BTC.USDT", "book")
