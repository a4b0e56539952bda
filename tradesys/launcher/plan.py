"""Which actors a configuration asks for.

Per venue: its simulator (``endpoint: sim``); and when the venue has a
connector, the account's rate-limit budget, its MarketServer, TradingEngine
and PositionServer. Then the Recorder and the strategy actors (a strategy
config with ``instances: n`` gives n actors). The venue's credentials come
from the environment; for a simulator without them, a key pair is made for
the run and given to the simulator and the services alike.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from tradesys.actors.recorder import Recorder, RecorderSettings
from tradesys.actors.simulator import SimulatorActor, SimulatorSettings
from tradesys.config import AppConfig, ConfigError, Endpoint, VenueConfig
from tradesys.config.schema import StrategyConfig
from tradesys.services.budget import BudgetServer, budget_actor_name
from tradesys.services.market_server import MarketServer, MarketServerSettings
from tradesys.services.position_server import PositionServer, PositionSettings
from tradesys.services.trading_engine import EngineSettings, TradingEngine, engine_actor_name
from tradesys.strategy.actor import StrategyActor, StrategySettings
from tradesys.strategy.base import parse_params
from tradesys.strategy.registry import StrategyRegistryError, get_strategy
from tradesys.venue.registry import VenueRegistryError, get_simulator, get_venue, venue_names

# Stop order, highest first: strategies cancel through their engine, the engine cancels what is left
# while the venue and the budget still answer, the data services stop, the recorder flushes what they
# published, and the simulator goes last.
STOP_STRATEGY, STOP_ENGINE, STOP_SERVICE, STOP_RECORDER, STOP_VENUE = 4, 3, 2, 1, 0


@dataclass(frozen=True)
class ActorSpec:
    name: str
    cls: type
    args: tuple = ()
    stop_stage: int = STOP_SERVICE
    # How often Ray may restart the actor's process after it dies (``supervision.max_restarts.<kind>``); the
    # launcher then starts and wires the new process again, on the same endpoints. Past it, the actor is lost.
    max_restarts: int = 0
    kind: str = ""                  # simulator, market, engine, positions, budget, recorder, strategy
    venue: str | None = None        # the venue key it serves (None: the recorder)
    config_key: str = ""            # a strategy's key under ``strategy`` (its instances share it)


def build_plan(app: AppConfig) -> list[ActorSpec]:
    """Return the actors to create, in start order; ConfigError if the config names something unknown."""
    specs: list[ActorSpec] = []
    budget = app.supervision.max_restarts

    def spec(name: str, cls: type, args: tuple, stage: int, kind: str, venue: str | None,
             config_key: str = "") -> ActorSpec:
        return ActorSpec(name, cls, args, stage, getattr(budget, kind), kind, venue, config_key)

    connectors = set(venue_names())
    strategies = strategy_instances(app)
    raw_frames = app.recording.enabled and app.recording.raw_frames    # every venue connection's frames, recorded
    for name, venue in app.exchange.items():
        # The secret half: an API secret, or the key that signs orders (GRVT).
        key, secret = venue.api_key or "", venue.secret() or ""
        if venue.endpoint is Endpoint.sim and _has_simulator(venue.venue):
            sim = _simulator_settings(name, venue, app.cluster.sim_control_host)
            key, secret = sim.api_key, sim.api_secret
            specs.append(spec(f"sim-{name}", SimulatorActor, (sim,), STOP_VENUE, "simulator", name))
        if venue.venue in connectors and _served(venue):
            traders = tuple(sid for sid, (_, cfg) in strategies.items() if cfg.venue == name)
            specs.append(spec(budget_actor_name(name), BudgetServer, (dict(get_venue(venue.venue).rate_limits),),
                              STOP_RECORDER, "budget", name))
            tops = any(get_strategy(strategies[sid][1].kind).book_view == "top" for sid in traders)
            specs.append(spec(f"market-{name}", MarketServer, (MarketServerSettings(
                name, venue, api_key=key or None, api_secret=secret or None, publish_top=tops,
                raw_frames=raw_frames),), STOP_SERVICE, "market", name))
            if key and secret:
                specs.append(spec(engine_actor_name(name), TradingEngine, (EngineSettings(
                    name, venue, app.risk, traders, key, secret, raw_frames=raw_frames),), STOP_ENGINE, "engine",
                    name))
                specs.append(spec(f"positions-{name}", PositionServer, (PositionSettings(
                    name, venue, app.risk, traders, key, secret, raw_frames=raw_frames),), STOP_SERVICE, "positions",
                    name))
            elif traders:
                raise ConfigError(f"exchange.{name}.api_key", f"strategies trade on {name} but it has no API "
                                                              f"credentials: set its key variables in the environment")
    if app.recording.enabled:
        rec = app.recording
        specs.append(spec("recorder", Recorder, (RecorderSettings(
            topics=tuple(rec.topics), directory=rec.directory, max_batch_rows=rec.max_batch_rows,
            max_batch_seconds=rec.max_batch_seconds, max_file_bytes=int(rec.max_file_mb * 2**20),
            max_file_seconds=rec.max_file_seconds),), STOP_RECORDER, "recorder", None))
    for strategy_id, settings in strategy_settings(app).items():
        specs.append(spec(strategy_id, StrategyActor, (settings,), STOP_STRATEGY, "strategy", settings.venue_key,
                          strategies[strategy_id][0]))
    if not specs:
        raise ConfigError("recording.enabled", "nothing to run: recording is off and no strategy is configured")
    return specs


def strategy_settings(app: AppConfig) -> dict[str, StrategySettings]:
    """Strategy id -> what its StrategyActor runs, its params checked; ConfigError naming a bad key."""
    out = {}
    for strategy_id, (config_id, strategy) in strategy_instances(app).items():
        cls = get_strategy(strategy.kind)
        try:
            params = parse_params(cls.Params, dict(strategy.params), f"strategy.{config_id}.params")
        except ValueError as exc:
            key, _, why = str(exc).partition(": ")
            raise ConfigError(key, why) from None
        venue = app.exchange[strategy.venue]
        for index, symbol in enumerate(strategy.symbols):
            if symbol not in venue.symbols:
                raise ConfigError(f"strategy.{config_id}.symbols.{index}",
                                  f"{symbol} is not among exchange.{strategy.venue}.symbols "
                                  f"({', '.join(venue.symbols)})")
        out[strategy_id] = StrategySettings(strategy_id, strategy.venue, venue.venue, cls, params, strategy)
    return out


def strategy_instances(app: AppConfig) -> dict[str, tuple[str, StrategyConfig]]:
    """Strategy id -> (its config key, config) for every enabled strategy actor to run."""
    out = {}
    for config_id, strategy in app.strategy.items():
        if not strategy.enabled or strategy.venue not in app.exchange:
            continue
        try:
            get_strategy(strategy.kind)   # unknown, or a plugin that does not load: the message says which
        except StrategyRegistryError as exc:
            raise ConfigError(f"strategy.{config_id}.kind", str(exc)) from None
        if not strategy.symbols:
            raise ConfigError(f"strategy.{config_id}.symbols", "a strategy needs at least one symbol")
        if "-" in config_id:
            raise ConfigError(f"strategy.{config_id}", "strategy ids take letters, digits and '_' "
                                                       "(they start every client order id)")
        ids = [config_id] if strategy.instances == 1 else [f"{config_id}_{n}" for n in range(1, strategy.instances + 1)]
        for strategy_id in ids:
            out[strategy_id] = (config_id, strategy)
    return out


def _has_simulator(name: str) -> bool:
    if name not in venue_names():
        return False
    try:
        return get_venue(name).simulator is not None
    except VenueRegistryError:
        return False


def _served(venue: VenueConfig) -> bool:
    return venue.endpoint is not Endpoint.sim or _has_simulator(venue.venue)


def idle_strategies(app: AppConfig) -> list[tuple[str, str]]:
    """(strategy key, venue) of enabled strategies whose venue this run does not select: not started."""
    return [(name, s.venue) for name, s in app.strategy.items() if s.enabled and s.venue not in app.exchange]


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


def _simulator_settings(name: str, venue: VenueConfig, control_host: str) -> SimulatorSettings:
    """The simulator of a venue with endpoint: sim; its symbols checked against what it serves."""
    simulator = get_simulator(venue.venue)
    catalog = simulator.catalog
    for index, symbol in enumerate(venue.symbols):
        if symbol not in catalog:
            raise ConfigError(f"exchange.{name}.symbols.{index}",
                              f"the {venue.venue} simulator has no {symbol}; it has {', '.join(catalog)}")
    # The venue's own keys when the environment gives them (so its services sign as they would live),
    # else fresh ones for this run.
    key = venue.api_key or secrets.token_hex(32)
    secret = venue.secret() or secrets.token_hex(32)   # 32 random bytes: also an Ethereum key
    # A simulator may take options of its own from the venue's config (GRVT: sim_chain_id -> chain_id).
    options = tuple((kwarg, getattr(venue, key)) for key, kwarg in simulator.options.items())
    return SimulatorSettings(venue.venue, tuple(venue.symbols) or tuple(catalog), venue.sim_seed, key, secret,
                             venue.sim_step_seconds, venue.sim_funding_interval_seconds, options, control_host)
