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

import importlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points

log = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class VenueSpec:
    """One venue: the classes implementing the four interfaces of ``exchanges.base``, and ``connect``,
    which builds them for one account: ``connect(config, credentials, limiter, endpoints, roles, owners) ->
    VenueParts`` (``owners``: the strategies the account serves), and ``endpoints_for(config, sim_urls)``,
    the URLs of the configured environment (``sim_urls``: the running simulator's, by role)."""

    name: str
    subscriber: type
    oms: type
    pms: type
    fetcher: type
    connect: Callable[..., VenueParts] | None = None
    endpoints_for: Callable[..., object] | None = None
    simulator: type | None = None
    description: str = ""
    # (api_key, api_secret) -> the venue's credentials object that ``connect`` takes.
    credentials: Callable[[str, str], object] | None = None
    # The account's request budgets before the venue declares its own: name -> (capacity, window seconds).
    rate_limits: Mapping[str, tuple[int, float]] = field(default_factory=dict)
    # How strategies on this venue draw client order ids (``exchanges.ids.ClientOrderIds`` options).
    client_order_ids: Mapping[str, int] = field(default_factory=dict)
    # False: the venue cannot amend an order; strategies cancel and place anew instead of modifying.
    amends: bool = True


class VenueRegistryError(LookupError):
    """A venue that is unknown or whose package does not load; the message says which and why."""


def _load(target: str, where: str) -> VenueSpec:
    module, _, attribute = target.partition(":")
    try:
        spec = getattr(importlib.import_module(module), attribute)
    except Exception as exc:  # a plugin's import error must name the plugin, not surface as itself
        raise VenueRegistryError(f"venue {where}: cannot load {target}: {type(exc).__name__}: {exc}") from exc
    if not isinstance(spec, VenueSpec):
        raise VenueRegistryError(f"venue {where}: {target} is a {type(spec).__name__}, not a VenueSpec")
    return spec


def _plugins() -> dict[str, EntryPoint]:
    found: dict[str, EntryPoint] = {}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        if point.name in BUILTIN:
            log.warning("venue plugin %s (%s) ignored: the name is a built-in venue", point.name, point.value)
            continue
        found.setdefault(point.name, point)
    return found


def venue_names() -> list[str]:
    """Every venue name that can be asked for: built-in first, then plugins, each sorted."""
    return sorted(BUILTIN) + sorted(_plugins())


def get_venue(name: str) -> VenueSpec:
    """The venue called ``name``; VenueRegistryError if there is none or it does not load."""
    if name in BUILTIN:
        spec = _load(BUILTIN[name], f"'{name}' (built in)")
    else:
        point = _plugins().get(name)
        if point is None:
            raise VenueRegistryError(f"unknown venue '{name}'; known: {', '.join(venue_names())}")
        dist = point.dist.name if point.dist is not None else "?"
        spec = _load(point.value, f"'{name}' (package {dist}, entry point {ENTRY_POINT_GROUP})")
    if spec.name != name:
        raise VenueRegistryError(f"venue '{name}' loads a VenueSpec named '{spec.name}'")
    return spec


def venues() -> dict[str, VenueSpec]:
    """Every venue that loads, by name; one that does not is logged and left out."""
    out: dict[str, VenueSpec] = {}
    for name in venue_names():
        try:
            out[name] = get_venue(name)
        except VenueRegistryError as exc:
            log.warning("%s", exc)
    return out
