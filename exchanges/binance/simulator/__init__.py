"""The Binance USD-M simulator: the real REST protocol over tradesys.sim, on loopback."""

from exchanges.binance.simulator.catalog import CATALOG
from exchanges.binance.simulator.server import BinanceSimulator, Credentials
from tradesys.venue.registry import SimulatorSpec

SIMULATOR = SimulatorSpec(BinanceSimulator, Credentials, CATALOG,
                          options={"sim_replay": "replay", "sim_replay_rate": "replay_rate",
                                   "sim_replay_held": "replay_held"})

__all__ = ["SIMULATOR", "BinanceSimulator", "Credentials"]
