"""The parts a TradingEngine (``tradesys.services.trading_engine``) wires: its order table (``orders``), the
account's private stream (``stream``), the market watch behind the risk gate (``market``), the kill switch
with its cancels and flatten (``kill``), and the strategies' requests (``requests``)."""
