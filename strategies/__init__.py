"""Bundled strategies. ``KINDS`` maps a config's ``strategy.<id>.kind`` to the class that implements it."""

from strategies.book_probe import BookProbe
from strategies.lp_hedger import LPHedger
from strategies.market_maker import MarketMaker

KINDS = {"market_maker": MarketMaker, "lp_hedger": LPHedger, "book_probe": BookProbe}

__all__ = ["KINDS", "BookProbe", "LPHedger", "MarketMaker"]
