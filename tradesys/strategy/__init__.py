"""The strategy side: ``AbstractStrategy``, its Mini OMS, pre-trade risk, and the actor that hosts it."""

from tradesys.strategy.base import AbstractStrategy, NoParams, StrategyContext, parse_params
from tradesys.strategy.oms import IntentBusy, MiniOMS, Order, State
from tradesys.strategy.risk import PreTradeRejected, StrategyLimits, check_new

__all__ = ["AbstractStrategy", "IntentBusy", "MiniOMS", "NoParams", "Order", "PreTradeRejected", "State",
           "StrategyContext", "StrategyLimits", "check_new", "parse_params"]
