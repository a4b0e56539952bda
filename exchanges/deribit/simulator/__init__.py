"""The Deribit simulator: the real JSON-RPC protocol (WebSocket and HTTP) over tradesys.sim, on loopback."""

from exchanges.deribit.auth import Credentials
from exchanges.deribit.simulator.catalog import CATALOG, MATCHING
from exchanges.deribit.simulator.server import DeribitSimulator
from tradesys.venue.registry import SimulatorSpec

SIMULATOR = SimulatorSpec(DeribitSimulator, Credentials, CATALOG, matching=MATCHING)

__all__ = ["SIMULATOR", "Credentials", "DeribitSimulator"]
