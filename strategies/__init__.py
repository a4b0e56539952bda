"""Bundled strategies, found by kind through ``tradesys.strategy.registry`` (``market_maker``, ``lp_hedger``,
``book_probe``)."""
