"""Which strategy kinds exist: the bundled ones by name, plus third-party packages through an entry point.

A config's ``strategy.<id>.kind`` names one. A package ships its own by
declaring, in its ``pyproject.toml``::

    [project.entry-points."tradesys.strategies"]
    my_kind = "my_pkg.module:MyStrategy"

where ``MyStrategy`` subclasses ``AbstractStrategy``. The rules (built-in
names win, a plugin that does not load is named) are ``tradesys.plugins``'s.
"""

from __future__ import annotations

from tradesys.plugins import Registry
from tradesys.strategy.base import AbstractStrategy

ENTRY_POINT_GROUP = "tradesys.strategies"
# kind -> "module:attribute" of its class; imported on first use.
BUILTIN: dict[str, str] = {"market_maker": "strategies.market_maker:MarketMaker",
                           "lp_hedger": "strategies.lp_hedger:LPHedger",
                           "book_probe": "strategies.book_probe:BookProbe",
                           "top_probe": "strategies.book_probe:TopProbe",
                           "order_probe": "strategies.order_probe:OrderProbe"}


class StrategyRegistryError(LookupError):
    """A strategy kind that is unknown or whose package does not load; the message says which and why."""


def _check(name: str, cls: object) -> str | None:
    if not (isinstance(cls, type) and issubclass(cls, AbstractStrategy)):
        return f"is a {type(cls).__name__ if not isinstance(cls, type) else cls.__name__}, " \
               f"not an AbstractStrategy subclass"
    return None


REGISTRY: Registry[type[AbstractStrategy]] = Registry("strategy kind", ENTRY_POINT_GROUP, BUILTIN, _check,
                                                      StrategyRegistryError)


def strategy_kinds() -> list[str]:
    """Every kind a config may name: built-in first, then plugins, each sorted. Imports nothing."""
    return REGISTRY.names()


def get_strategy(kind: str) -> type[AbstractStrategy]:
    """The class of ``kind``; StrategyRegistryError if there is none or it does not load."""
    return REGISTRY.get(kind)
