"""Bundled strategies. ``KINDS`` maps a config's ``strategy.<id>.kind`` to the class that implements it."""

from strategies.lp_hedger import LPHedger
from strategies.market_maker import MarketMaker

KINDS = {"market_maker": MarketMaker, "lp_hedger": LPHedger}

__all__ = ["KINDS", "LPHedger", "MarketMaker"]
