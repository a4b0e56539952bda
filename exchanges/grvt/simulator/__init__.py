"""The GRVT simulator: the venue's login, market-data and trade-data REST (full and lite) over tradesys.sim,
verifying EIP-712 order signatures, on loopback."""

from exchanges.grvt.simulator.catalog import CATALOG
from exchanges.grvt.simulator.server import Credentials, GrvtSimulator
from tradesys.venue.registry import SimulatorSpec

# The venue config's sim_chain_id becomes the server's chain_id.
SIMULATOR = SimulatorSpec(GrvtSimulator, Credentials, CATALOG, options={"sim_chain_id": "chain_id"})

__all__ = ["SIMULATOR", "Credentials", "GrvtSimulator"]
