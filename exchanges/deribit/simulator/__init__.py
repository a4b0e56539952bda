"""The Deribit simulator: the real JSON-RPC protocol (WebSocket and HTTP) over tradesys.sim, on loopback."""

from exchanges.deribit.auth import Credentials
from exchanges.deribit.simulator.server import DeribitSimulator

__all__ = ["Credentials", "DeribitSimulator"]
