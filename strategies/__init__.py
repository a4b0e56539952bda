"""Bundled strategies. ``KINDS`` maps a config's ``strategy.<id>.kind`` to the class that implements it."""

from strategies.market_maker import MarketMaker

KINDS = {"market_maker": MarketMaker}

__all__ = ["KINDS", "MarketMaker"]
