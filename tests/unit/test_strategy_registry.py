"""The strategy registry: bundled kinds by name, third-party kinds through a real entry point of an installed
distribution, and a clear error for a kind that is unknown or does not load."""

from __future__ import annotations

import textwrap

import pytest

from tests.plugins import install
from tradesys.config.errors import ConfigError
from tradesys.config.load import load
from tradesys.launcher.plan import build_plan
from tradesys.strategy import registry
from tradesys.strategy.base import AbstractStrategy

PLUGIN = '''
from tradesys.strategy.base import AbstractStrategy


class Idle(AbstractStrategy):
    """Quotes nothing."""


NOT_A_STRATEGY = dict
'''


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """A distribution 'idle-strategy' on sys.path, declaring entry points in group tradesys.strategies."""
    install(tmp_path, monkeypatch, "idle-strategy", textwrap.dedent("""\
        [tradesys.strategies]
        idle = idle_strategy_pkg:Idle
        wrongtype = idle_strategy_pkg:NOT_A_STRATEGY
        broken = idle_strategy_pkg_missing:Idle
        market_maker = idle_strategy_pkg:Idle
        """), "idle_strategy_pkg", PLUGIN)


def test_the_bundled_kinds_are_found_by_name():
    bundled = ["book_probe", "lp_hedger", "market_maker", "order_probe", "top_probe"]
    assert registry.strategy_kinds()[:5] == bundled
    for kind in bundled:
        assert issubclass(registry.get_strategy(kind), AbstractStrategy)


def test_a_plugin_kind_is_found_through_its_entry_point(installed, caplog):
    assert registry.get_strategy("idle").__name__ == "Idle"
    assert "idle" in registry.strategy_kinds()
    # A plugin cannot take a bundled name.
    assert registry.get_strategy("market_maker").__name__ == "MarketMaker"
    assert any("ignored: the name is a built-in strategy kind" in r.getMessage() for r in caplog.records)


def test_a_broken_or_wrong_plugin_is_named(installed):
    with pytest.raises(registry.StrategyRegistryError, match=r"'broken' \(package idle-strategy.*ModuleNotFound"):
        registry.get_strategy("broken")
    with pytest.raises(registry.StrategyRegistryError, match="NOT_A_STRATEGY is a dict, not an AbstractStrategy"):
        registry.get_strategy("wrongtype")


def test_a_config_naming_an_unknown_or_broken_kind_is_a_config_error(installed):
    _, app = load(["strategy.mm_btc.kind=nothing_here"])
    with pytest.raises(ConfigError, match=r"strategy.mm_btc.kind.*unknown strategy kind 'nothing_here'; "
                                          r"known: book_probe, lp_hedger, market_maker"):
        build_plan(app)
    _, app = load(["strategy.mm_btc.kind=broken"])
    with pytest.raises(ConfigError, match=r"strategy.mm_btc.kind.*cannot load idle_strategy_pkg_missing:Idle"):
        build_plan(app)


def test_a_plugin_kind_is_planned_like_a_bundled_one(installed):
    _, app = load(["strategy=[probe]", "strategy.probe.kind=idle"])
    planned = {spec.name: spec for spec in build_plan(app)}
    assert planned["probe"].args[0].strategy_class.__name__ == "Idle"
