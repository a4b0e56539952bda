"""The GRVT simulator: the venue's login, market-data and trade-data REST (full and lite) over tradesys.sim,
verifying EIP-712 order signatures, on loopback."""

from exchanges.grvt.simulator.server import Credentials, GrvtSimulator

__all__ = ["Credentials", "GrvtSimulator"]
