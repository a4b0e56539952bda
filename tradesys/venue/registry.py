"""Which venues exist: the built-in ones by name, plus third-party packages through an entry point.

A venue is a ``VenueSpec``: its name and its four interface classes (and
its simulator, if it ships one). Built-in venues are listed in ``BUILTIN``
and imported only when asked for. A third-party package ships a venue by
declaring, in its own ``pyproject.toml``::

    [project.entry-points."tradesys.exchanges"]
    myvenue = "myvenue_pkg.venue:VENUE"

where ``VENUE`` is a ``VenueSpec``. A built-in name cannot be taken over by
a plugin (the plugin is refused with a warning), and a plugin that fails to
load is reported with its package and entry point, never silently skipped
when asked for by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from tradesys.config.schema import VenueConfig
from tradesys.plugins import Registry, load_checked

ENTRY_POINT_GROUP = "tradesys.exchanges"
# name -> "module:attribute" of its VenueSpec; imported on first use.
BUILTIN: dict[str, str] = {"binance": "exchanges.binance:VENUE", "deribit": "exchanges.deribit:VENUE",
                           "grvt": "exchanges.grvt:VENUE"}


@dataclass(frozen=True)
class VenueParts:
    """One account's connection to a venue: an instance of each interface asked for (None otherwise)."""

    subscriber: object = None
    oms: object = None
    pms: object = None
    fetcher: object = None
    # The circuit breakers every REST session of these parts shares (None: the venue has none).
    breakers: object = None
    # The account's rate limiter the parts share, when their opener wants it closed with them (``RateLimiter``).
    limiter: object = None


@dataclass(frozen=True)
class VenueSpec:
    """One venue: the classes implementing the four interfaces of ``tradesys.venue.base``, and ``connect``,
    which builds them for one account: ``connect(config, credentials, limiter, endpoints, roles, owners) ->
    VenueParts`` (``owners``: the strategies the account serves), given ``endpoints_for(config, published)``."""

    name: str
    subscriber: type
    oms: type
    pms: type
    fetcher: type
    connect: Callable[..., VenueParts] | None = None
    # The venue's URLs per environment (``live``, ``testnet``: the config's ``endpoint``), and how to build
    # them from what its running simulator publishes (label -> value: ``rest``, ``edge``, ``chain-id``, ...).
    environments: Mapping[str, object] = field(default_factory=dict)
    sim_endpoints: Callable[[Mapping[str, str]], object] | None = None
    # The venue's URLs when one loopback host serves a recording again (``tradesys.recording.replay``):
    # (host:port, its config) -> what ``connect`` takes; None: ``sim_endpoints`` of {"rest": that host}.
    replay_endpoints: Callable[[str, object], object] | None = None
    # ``connect`` for those endpoints, where a recording needs it told (None: ``connect``).
    replay_connect: Callable[..., VenueParts] | None = None
    # "module:attribute" of the venue's SimulatorSpec, imported only by whoever runs the simulator.
    simulator: str | None = None
    description: str = ""
    # (api_key, api_secret) -> the venue's credentials object that ``connect`` takes.
    credentials: Callable[[str, str], object] | None = None
    # The account's request budgets before the venue declares its own: name -> (capacity, window seconds).
    rate_limits: Mapping[str, tuple[int, float]] = field(default_factory=dict)
    # How strategies on this venue draw client order ids (``tradesys.venue.ids.ClientOrderIds`` options).
    client_order_ids: Mapping[str, int] = field(default_factory=dict)
    # False: the venue cannot amend an order; strategies cancel and place anew instead of modifying.
    amends: bool = True
    # The schema of its ``exchange.<name>`` config: VenueConfig, or a subclass with the venue's own keys.
    config: type = VenueConfig


    def endpoints_for(self, config, published: Mapping[str, str] | None = None) -> object:
        """The URLs of the environment ``config.endpoint`` names; for ``sim``, built from what the running
        simulator publishes. ValueError naming what is missing."""
        environment = config.endpoint.value
        if environment == "sim":
            if not published:
                raise ValueError(f"endpoint: sim needs the running {self.name} simulator's URLs "
                                 f"(the launcher starts it)")
            if self.sim_endpoints is None:
                raise ValueError(f"there is no {self.name} simulator")
            return self.sim_endpoints(published)
        if environment not in self.environments:
            raise ValueError(f"{self.name} has no {environment} endpoints; it has {', '.join(self.environments)}")
        return self.environments[environment]


class VenueRegistryError(LookupError):
    """A venue that is unknown or whose package does not load; the message says which and why."""


@dataclass(frozen=True)
class SimulatorSpec:
    """A venue's bundled simulator: its server (a ``tradesys.sim`` front-end speaking the venue's protocol),
    the credentials type the server takes, the symbols it serves (symbol -> instrument), and the venue config
    keys it takes as keyword arguments of its own (config key -> keyword; GRVT: sim_chain_id -> chain_id)."""

    server: type
    credentials: type
    catalog: Mapping[str, object]
    options: Mapping[str, str] = field(default_factory=dict)
    # The venue's matching rules its SimExchange takes (keep_priority_on_decrease: Deribit's), for whoever
    # builds one outside the server (a backtest).
    matching: Mapping[str, object] = field(default_factory=dict)


def _check_venue(name: str, spec: object) -> str | None:
    if not isinstance(spec, VenueSpec):
        return f"is a {type(spec).__name__}, not a VenueSpec"
    if spec.name != name:
        return f"is a VenueSpec named '{spec.name}'"
    return None


REGISTRY: Registry[VenueSpec] = Registry("venue", ENTRY_POINT_GROUP, BUILTIN, _check_venue, VenueRegistryError)


def venue_names() -> list[str]:
    """Every venue name that can be asked for: built-in first, then plugins, each sorted. Imports nothing."""
    return REGISTRY.names()


def get_venue(name: str) -> VenueSpec:
    """The venue called ``name``; VenueRegistryError if there is none or it does not load."""
    return REGISTRY.get(name)


def venues() -> dict[str, VenueSpec]:
    """Every venue that loads, by name; one that does not is logged and left out."""
    return REGISTRY.loaded()


def venue_config(name: str) -> type:
    """The config schema of venue ``name``; VenueConfig for a name that no venue answers to (the launcher
    then says what is missing) or whose package does not load (the error comes when it is asked for)."""
    if name not in venue_names():
        return VenueConfig
    try:
        return get_venue(name).config
    except VenueRegistryError:
        return VenueConfig


def get_simulator(name: str) -> SimulatorSpec:
    """The simulator of venue ``name``, imported now; VenueRegistryError if the venue has none or it does
    not load."""
    venue = get_venue(name)
    if venue.simulator is None:
        raise VenueRegistryError(f"there is no {name} simulator")
    spec = load_checked(venue.simulator, f"the {name} simulator",
                        lambda obj: None if isinstance(obj, SimulatorSpec) else
                        f"is a {type(obj).__name__}, not a SimulatorSpec", VenueRegistryError)
    return spec
