"""Which actors a configuration asks for.

Per venue: its simulator (``endpoint: sim``) and its MarketServer (when the
venue has a connector); then the Recorder and the strategies. The trading
engine and position server per venue register here as they are built, each
as one ``ActorSpec`` with its settings.
"""

from __future__ import annotations

from dataclasses import dataclass

import importlib
import secrets

from tradesys.actors.recorder import Recorder, RecorderSettings
from tradesys.actors.simulator import SimulatorActor, SimulatorSettings
from tradesys.config import AppConfig, ConfigError, Endpoint, VenueConfig
from tradesys.services.market_server import MarketServer, MarketServerSettings
from tradesys.sim.cli import SIMULATORS
from exchanges.registry import venue_names

# Strategy kind -> actor class. Filled in as strategies are built.
STRATEGY_KINDS: dict[str, type] = {}


@dataclass(frozen=True)
class ActorSpec:
    name: str
    cls: type
    args: tuple = ()


def build_plan(app: AppConfig) -> list[ActorSpec]:
    """Return the actors to create, in start order; ConfigError if the config names something unknown."""
    specs: list[ActorSpec] = []
    connectors = set(venue_names())
    for name, venue in app.exchange.items():
        if venue.endpoint is Endpoint.sim and venue.venue in SIMULATORS:
            specs.append(ActorSpec(f"sim-{name}", SimulatorActor, (_simulator_settings(name, venue),)))
        if venue.venue in connectors and _served(venue):
            specs.append(ActorSpec(f"market-{name}", MarketServer, (MarketServerSettings(name, venue),)))
    if app.recording.enabled:
        rec = app.recording
        specs.append(ActorSpec("recorder", Recorder, (RecorderSettings(
            topics=tuple(rec.topics), directory=rec.directory, max_batch_rows=rec.max_batch_rows,
            max_batch_seconds=rec.max_batch_seconds),)))
    for strategy_id, strategy in app.strategy.items():
        if not strategy.enabled:
            continue
        if strategy.kind not in STRATEGY_KINDS:
            raise ConfigError(f"strategy.{strategy_id}.kind", f"unknown strategy kind {strategy.kind!r}; "
                                                              f"available: {', '.join(STRATEGY_KINDS) or 'none yet'}")
        specs.append(ActorSpec(strategy_id, STRATEGY_KINDS[strategy.kind], (strategy,)))
    if not specs:
        raise ConfigError("recording.enabled", "nothing to run: recording is off and no strategy is configured")
    return specs


def _served(venue: VenueConfig) -> bool:
    return venue.endpoint is not Endpoint.sim or venue.venue in SIMULATORS


def unserved_venues(app: AppConfig) -> list[tuple[str, str]]:
    """(venue key, what is missing) for configured venues that this run cannot serve yet."""
    connectors = set(venue_names())
    out = []
    for name, venue in app.exchange.items():
        if not _served(venue):
            out.append((name, f"endpoint: sim, but there is no {venue.venue} simulator yet"))
        elif venue.venue not in connectors:
            out.append((name, f"there is no {venue.venue} connector yet"))
    return out


def _simulator_settings(name: str, venue: VenueConfig) -> SimulatorSettings:
    """The simulator of a venue with endpoint: sim; its symbols checked against what it serves."""
    module_name, _ = SIMULATORS[venue.venue]
    catalog = importlib.import_module(module_name + ".catalog").CATALOG
    for index, symbol in enumerate(venue.symbols):
        if symbol not in catalog:
            raise ConfigError(f"exchange.{name}.symbols.{index}",
                              f"the {venue.venue} simulator has no {symbol}; it has {', '.join(catalog)}")
    # The venue's own keys when the environment gives them (so its services sign as they would live),
    # else fresh ones for this run.
    key = venue.api_key or secrets.token_hex(32)
    secret = venue.api_secret or secrets.token_hex(32)
    return SimulatorSettings(venue.venue, tuple(venue.symbols) or tuple(catalog), venue.sim_seed, key, secret)
