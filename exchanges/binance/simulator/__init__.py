"""The Binance USD-M simulator: the real REST protocol over tradesys.sim, on loopback."""

from exchanges.binance.simulator.server import BinanceSimulator, Credentials

__all__ = ["BinanceSimulator", "Credentials"]
