"""The venue registry: a third-party venue arrives through a real entry point of an installed distribution."""

from __future__ import annotations

import textwrap

import pytest

from tests.plugins import install
from tradesys.venue import base, registry

PLUGIN = '''
from tradesys.venue.base import IExchangeDataFetcher, IExchangeOMS, IExchangePMS, IExchangeSubscriber, VenueSpec


class Subscriber(IExchangeSubscriber):
    venue = "dummyvenue"

    async def start(self, handler): self.handler = handler
    async def subscribe(self, symbols, kinds): self.symbols = list(symbols)
    async def stop(self): pass
    def status(self, symbol): return None
    def book(self, symbol): return None
    @property
    def counters(self): return {"messages": 0}


VENUE = VenueSpec("dummyvenue", Subscriber, IExchangeOMS, IExchangePMS, IExchangeDataFetcher,
                  description="a venue shipped as its own package")
WRONG = "not a spec"
'''


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """A distribution 'dummy-venue' on sys.path, declaring entry points in group tradesys.exchanges."""
    install(tmp_path, monkeypatch, "dummy-venue", textwrap.dedent("""\
        [tradesys.exchanges]
        dummyvenue = dummy_venue_pkg:VENUE
        wrongtype = dummy_venue_pkg:WRONG
        broken = dummy_venue_pkg_missing:VENUE
        binance = dummy_venue_pkg:VENUE
        """), "dummy_venue_pkg", PLUGIN)


def test_a_plugin_venue_is_found_through_its_entry_point(installed):
    spec = base.get_venue("dummyvenue")
    assert spec.name == "dummyvenue" and spec.subscriber.__name__ == "Subscriber"
    assert issubclass(spec.subscriber, base.IExchangeSubscriber)
    assert "dummyvenue" in base.venue_names() and "dummyvenue" in base.venues()


def test_broken_plugins_are_named_in_a_clear_error_and_left_out_of_the_listing(installed, caplog):
    with pytest.raises(base.VenueRegistryError, match=r"'broken' \(package dummy-venue.*ModuleNotFoundError"):
        base.get_venue("broken")
    with pytest.raises(base.VenueRegistryError, match="WRONG is a str, not a VenueSpec"):
        base.get_venue("wrongtype")
    listed = base.venues()
    assert "broken" not in listed and "wrongtype" not in listed
    assert any("broken" in record.getMessage() for record in caplog.records)


def test_a_plugin_cannot_take_a_built_in_name(installed, caplog):
    assert registry.REGISTRY.plugins().get("binance") is None
    assert any("ignored: the name is a built-in venue" in r.getMessage() for r in caplog.records)


def test_an_unknown_venue_lists_the_known_ones():
    with pytest.raises(base.VenueRegistryError, match="unknown venue 'nowhere'; known: binance"):
        base.get_venue("nowhere")


def test_binance_is_built_in_with_its_four_interfaces():
    spec = base.get_venue("binance")
    assert issubclass(spec.subscriber, base.IExchangeSubscriber) and issubclass(spec.oms, base.IExchangeOMS)
    assert issubclass(spec.pms, base.IExchangePMS) and issubclass(spec.fetcher, base.IExchangeDataFetcher)


def test_a_configured_venue_that_nothing_serves_is_named_with_what_is_missing():
    from tradesys.config.schema import AppConfig, Endpoint, VenueConfig
    from tradesys.launcher.plan import unserved_venues

    app = AppConfig(exchange={"kraken": VenueConfig(venue="kraken", endpoint=Endpoint.live),
                              "kraken_sim": VenueConfig(venue="kraken"), "grvt": VenueConfig(venue="grvt")})
    assert unserved_venues(app) == [("kraken", "there is no kraken connector yet"),
                                    ("kraken_sim", "endpoint: sim, but there is no kraken simulator yet")]


def test_every_built_in_venue_has_its_simulator_in_the_same_registry():
    for name in ("binance", "deribit", "grvt"):
        simulator = registry.get_simulator(name)
        assert isinstance(simulator, registry.SimulatorSpec) and simulator.catalog
        assert simulator.server.__module__.startswith(f"exchanges.{name}.simulator")
    assert registry.get_simulator("grvt").options == {"sim_chain_id": "chain_id"}


def test_a_venue_without_a_simulator_says_so(installed):
    with pytest.raises(base.VenueRegistryError, match="there is no dummyvenue simulator"):
        registry.get_simulator("dummyvenue")
