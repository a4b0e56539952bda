"""The GRVT simulator: the venue's login, market-data and trade-data REST (full and lite) over tradesys.sim,
verifying EIP-712 order signatures, on loopback."""

from exchanges.grvt.simulator.server import Credentials, GrvtSimulator

# The venue config's keys this simulator takes, and the keyword each becomes (the launcher reads this).
SIM_OPTIONS = {"sim_chain_id": "chain_id"}

__all__ = ["SIM_OPTIONS", "Credentials", "GrvtSimulator"]
