"""Backtest mode: the configured strategies, in their own StrategyActor and Mini OMS, against the simulator's
matching engine fed by a recording's market data, on a simulated clock (``python run.py mode=backtest
recording=<run dir>``; docs/backtest.md)."""
