"""The configuration schema: one dataclass per config group, registered in Hydra's ConfigStore.

Hydra checks types and (for keys set without ``+``) key names while
composing; ``tradesys.config.validate`` then checks what types cannot:
ranges, keys added with ``+``, secrets that must come from the environment,
and the confirmation that ``endpoint: live`` needs. Ranges are declared here
next to each field (``bounded``), so the schema is the one place to read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Dict, List, Optional

from hydra.core.config_store import ConfigStore

# Field names whose values are credentials: they must be ${oc.env:...} interpolations.
SECRET_FIELDS = frozenset({"api_key", "api_secret", "private_key"})


def bounded(default: Any, *, gt: float | None = None, ge: float | None = None, le: float | None = None):
    """A field with a numeric range, checked at start-up."""
    return field(default=default, metadata={"gt": gt, "ge": ge, "le": le})


class Endpoint(Enum):
    sim = "sim"          # the bundled simulator on loopback
    testnet = "testnet"  # the venue's test environment
    live = "live"        # production: real money; needs confirm_live


class Display(Enum):
    auto = "auto"    # a live table on a terminal, plain lines otherwise
    table = "table"
    lines = "lines"
    off = "off"


class BusSecurity(Enum):
    none = "none"        # plain TCP: one host, or a network only the farm uses
    curve = "curve"      # ZeroMQ CURVE: encrypted, only allow-listed clients (docs/deploy.md)


class Mode(Enum):
    live = "live"            # the farm on Ray: venues (or their simulators), engines, strategies
    backtest = "backtest"    # the strategies against a recording, on a simulated clock (docs/backtest.md)


class LogLevel(Enum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


@dataclass
class PlacementConfig:
    """Which nodes an actor may run on: those carrying all these labels (``ray start --labels k=v``) and
    offering this custom resource (``ray start --resources '{"name": 1}'``). Empty: any node."""

    labels: Dict[str, str] = field(default_factory=dict)
    resource: Optional[str] = None


@dataclass
class VenueConfig:
    """One venue connection (group ``exchange``; each file under ``exchange.<name>``): the keys every venue
    takes. A venue with keys of its own declares a subclass (``VenueSpec.config``, e.g. ``BinanceConfig``);
    ``validate`` types each entry as its venue's class, so a key of another venue is an unknown key."""

    venue: str = "binance"
    endpoint: Endpoint = Endpoint.sim
    # Must be true for endpoint=live: a typo in a config file must not trade real money.
    confirm_live: bool = False
    account: str = "main"
    symbols: List[str] = field(default_factory=list)
    # Credentials: only from the environment, e.g. ${oc.env:BINANCE_API_KEY,null}; never printed.
    api_key: Optional[str] = field(default=None, repr=False)
    api_secret: Optional[str] = field(default=None, repr=False)
    # endpoint: sim only: the seed of the simulator's synthetic market, and how often it steps (seconds).
    sim_seed: int = 7
    sim_step_seconds: float = bounded(0.1, ge=0.001, le=10)
    # Funding every this many seconds instead of the venue's 8 hours (null: the venue's), to watch it happen.
    sim_funding_interval_seconds: Optional[float] = bounded(None, gt=0)
    # The book stream's update interval in ms (each venue takes its own set; its simulator also 0: every change).
    depth_update_ms: int = bounded(100, ge=0, le=1000)
    # The venue cancels our orders if we go silent (Binance countdownCancelAll, Deribit's
    # cancel-on-disconnect, GRVT's cancel_on_disconnect); off only if something else guards the orders.
    cancel_on_disconnect: bool = True
    # Milliseconds of silence after which the venue cancels (Binance's and GRVT's countdown).
    cancel_on_disconnect_ms: int = bounded(10_000, ge=1_000, le=600_000)
    # A book with no update for this long is reported stale (strategies stop quoting on it).
    stale_book_seconds: float = bounded(10.0, gt=0, le=3600)
    # Circuit breakers per REST family (orders, account, market): open after this many consecutive
    # transient failures (5xx, timeouts, connection errors); one probe after the cool-down decides.
    breaker_failures: int = bounded(5, ge=1, le=1000)
    breaker_cool_down_seconds: float = bounded(10.0, gt=0, le=3600)
    # Where this venue's services run on a cluster, instead of cluster.placement.services (empty: that).
    placement: PlacementConfig = field(default_factory=PlacementConfig)

    def secret(self) -> str | None:
        """The secret half of the credentials: the API secret (GRVT: the key that signs orders)."""
        return self.api_secret


@dataclass
class StrategyRiskConfig:
    """Pre-trade limits of one strategy, checked in its own process before anything is sent."""

    max_position: float = bounded(1.0, gt=0)        # base units per symbol, absolute
    max_order_size: float = bounded(0.1, gt=0)      # base units per order
    max_open_orders: int = bounded(10, ge=1)
    max_notional: float = bounded(5_000.0, gt=0)    # quote units per order


@dataclass
class PlacementsConfig:
    """Where each kind of actor runs on a Ray cluster (``cluster.placement``); docs/deploy.md."""

    simulator: PlacementConfig = field(default_factory=PlacementConfig)
    # Each venue's budget, market server, engine and position server (exchange.<venue>.placement: one
    # venue's, instead).
    services: PlacementConfig = field(default_factory=PlacementConfig)
    recorder: PlacementConfig = field(default_factory=PlacementConfig)
    strategies: PlacementConfig = field(default_factory=PlacementConfig)
    # A venue's services on one node (market data and order entry without a network hop between them).
    colocate_services: bool = True


@dataclass
class StrategyConfig:
    """One strategy instance (group ``strategy``; each file under ``strategy.<id>``)."""

    kind: str = ""
    venue: str = ""
    symbols: List[str] = field(default_factory=list)
    enabled: bool = True
    # How many actors run this config: 1 runs ``<id>``; n > 1 runs ``<id>_1`` .. ``<id>_n``, each its own
    # strategy with its own sub-ledger.
    instances: int = bounded(1, ge=1, le=256)
    # The kind's own settings, checked against its Params dataclass at start (unknown keys fail).
    params: Dict[str, Any] = field(default_factory=dict)
    risk: StrategyRiskConfig = field(default_factory=StrategyRiskConfig)
    # Seconds an order request may go unanswered before the Mini OMS reconciles it with the engine.
    request_timeout_seconds: float = bounded(5.0, gt=0, le=300)
    # Where its actors may run, instead of cluster.placement.strategies (empty: that).
    placement: PlacementConfig = field(default_factory=PlacementConfig)
    # With instances > 1: true spreads them round-robin over the nodes the placement allows, false packs
    # them onto one.
    spread: bool = False


@dataclass
class RiskConfig:
    """Venue-side risk gate defaults (group ``risk``)."""

    max_order_notional: float = bounded(10_000.0, gt=0)
    max_position_notional: float = bounded(50_000.0, gt=0)
    max_orders_per_second: float = bounded(20.0, gt=0)
    price_band_bps: float = bounded(500.0, gt=0, le=10_000)
    halt_on_stale_book_seconds: float = bounded(5.0, gt=0)
    # A position drift (venue != opening + every strategy's ledger) seen at three checks halts the venue.
    drift_halts: bool = True


@dataclass
class RecordingConfig:
    """The recorder (group ``recording``)."""

    enabled: bool = True
    # Topic prefixes to record; "" records everything.
    topics: List[str] = field(default_factory=lambda: ["md.", "oe.", "pos.", "bal.", "inv.", "risk.", "hb.", "raw."])
    # Every venue connection's frames as they arrived (raw.<venue>.<connection>): the market servers', the
    # engines' (order entry, their account stream, recovery queries) and the position servers'; recorded when
    # "raw." is among the topics. A frame that carries a credential is withheld (services/raw.py).
    raw_frames: bool = True
    directory: str = "recordings"  # relative to the run directory
    max_batch_rows: int = bounded(10_000, ge=1)
    max_batch_seconds: float = bounded(1.0, gt=0, le=3600)
    # A partition's file is closed, and the next one opened, past this size or age.
    max_file_mb: float = bounded(256.0, gt=0)
    max_file_seconds: float = bounded(3600.0, gt=0)


@dataclass
class BacktestLatencyConfig:
    # constant: feed_ms and order_ms always; recorded: drawn from the recorded run's own histograms
    # (its summary.json: wire-to-strategy for the feed, half the order round trip for each order leg).
    model: str = "constant"
    feed_ms: float = bounded(1.0, ge=0, le=60_000)
    order_ms: float = bounded(2.5, ge=0, le=60_000)   # each way: strategy -> venue, venue -> strategy


@dataclass
class BacktestQueueConfig:
    # prob: cancels split ahead/behind by f(x) = x ** power (Rigtorp; hftbacktest's PowerProbQueueModel);
    # risk_averse: cancels are behind us, we advance on trades only.
    model: str = "prob"
    power: float = bounded(3.0, gt=0, le=10)


@dataclass
class BacktestConfig:
    """``mode=backtest`` (docs/backtest.md); ``recording=<dir>`` on the command line sets ``recording``."""

    recording: Optional[str] = None       # a run directory, or its recordings directory
    latency: BacktestLatencyConfig = field(default_factory=BacktestLatencyConfig)
    queue: BacktestQueueConfig = field(default_factory=BacktestQueueConfig)
    maker_fee: Optional[float] = None     # null: the venue's rate (its simulator's catalog)
    taker_fee: Optional[float] = None
    balance: float = bounded(1_000_000.0, gt=0)   # each strategy's starting balance in each settle asset
    seed: int = 0                         # latency draws; the same seed, recording and config: the same result
    # Simulated seconds the strategies keep running after the recording's last message (their last
    # answers and the cancels of their stop arrive in it).
    drain_seconds: float = bounded(5.0, ge=0, le=3600)


@dataclass
class ClusterConfig:
    """Where the actors run (group ``cluster``)."""

    # null: start a fresh local Ray; "auto" or "host:port": join that cluster.
    address: Optional[str] = None
    num_cpus: int = bounded(2, ge=1)
    dashboard: bool = False
    namespace: str = "tradesys"
    # Address the bus binds on: 127.0.0.1 on one host, "auto" (the node's address) across hosts.
    bus_host: str = "127.0.0.1"
    # Address of the simulators' fault switches (they can drop every connection): loopback unless you say.
    sim_control_host: str = "127.0.0.1"
    placement: PlacementsConfig = field(default_factory=PlacementsConfig)
    bus_security: BusSecurity = BusSecurity.none
    # With curve: a directory made by `python -m tradesys.bus.keys DIR` (or the TRADESYS_BUS_*_SECRET
    # environment variables instead).
    bus_keys: Optional[str] = None


@dataclass
class StatusConfig:
    """The live status screen and heartbeats."""

    refresh_seconds: float = bounded(1.0, gt=0, le=60)
    heartbeat_seconds: float = bounded(1.0, gt=0, le=60)
    # An actor whose last heartbeat is older than this many intervals turns red.
    heartbeat_missing_after: float = bounded(3.0, ge=1)
    display: Display = Display.auto
    # Prometheus metrics of every actor's heartbeat counters: null off, 0 an OS-chosen port.
    metrics_port: Optional[int] = bounded(None, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"


@dataclass
class RestartBudget:
    """How many times each kind of actor may be restarted over a run. Past it, the actor is lost: its venue
    is halted (a strategy: that strategy alone is retired) and the run goes on with the rest."""

    simulator: int = bounded(3, ge=0, le=1000)
    market: int = bounded(5, ge=0, le=1000)
    engine: int = bounded(3, ge=0, le=1000)
    positions: int = bounded(3, ge=0, le=1000)
    budget: int = bounded(3, ge=0, le=1000)
    recorder: int = bounded(3, ge=0, le=1000)
    strategy: int = bounded(3, ge=0, le=1000)


@dataclass
class SupervisionConfig:
    """The launcher's restarts of dead actors."""

    max_restarts: RestartBudget = field(default_factory=RestartBudget)
    # The first restart waits this long after the death is seen; each further one twice as long as the last.
    backoff_seconds: float = bounded(0.5, ge=0, le=60)
    backoff_max_seconds: float = bounded(15.0, ge=0, le=600)


@dataclass
class AppConfig:
    """The root of the configuration (conf/config.yaml)."""

    # Each entry is typed as its venue's config class by ``validate`` (the classes differ per venue).
    exchange: Dict[str, Any] = field(default_factory=dict)
    strategy: Dict[str, StrategyConfig] = field(default_factory=dict)
    risk: RiskConfig = field(default_factory=RiskConfig)
    recording: RecordingConfig = field(default_factory=RecordingConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    status: StatusConfig = field(default_factory=StatusConfig)
    supervision: SupervisionConfig = field(default_factory=SupervisionConfig)
    mode: Mode = Mode.live
    backtest: BacktestConfig = field(default_factory=BacktestConfig)
    # How long to run: e.g. 30s, 5m, 1h; null runs until Ctrl-C or SIGTERM.
    duration: Optional[str] = None
    log_level: LogLevel = LogLevel.INFO


def register() -> None:
    """Register the schema as ``tradesys_schema`` (conf/config.yaml lists it first), and each venue's config
    class as ``venue_schema/<venue>`` (each conf/exchange file lists its venue's first, so Hydra types it)."""
    from tradesys.sweep.conf import LauncherConf  # Hydra's launcher of -m: sweeps on Ray
    from tradesys.venue.registry import venue_config, venue_names  # the registry imports this module

    store = ConfigStore.instance()
    store.store(name="tradesys_schema", node=AppConfig)
    store.store(group="hydra/launcher", name="tradesys_ray", node=LauncherConf, provider="tradesys")
    for name in venue_names():
        store.store(group="venue_schema", name=name, node=venue_config(name))
