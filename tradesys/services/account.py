"""One venue account's connection, as the services that trade or book on it open it."""

from __future__ import annotations

from dataclasses import replace

from tradesys import logs
from tradesys.actors.base import Directory
from tradesys.config.schema import Endpoint
from tradesys.services.budget import shared_limiter
from tradesys.venue.base import get_venue
from tradesys.venue.registry import VenueParts


def simulator_urls(directory: Directory, key: str) -> dict[str, str]:
    """What the running simulator of venue ``key`` publishes, by label: its URLs (``rest``, ``edge``, ...) and the
    other settings a client needs (GRVT's ``chain-id``, ``sub-account``); empty when none runs."""
    return {role.removeprefix("sim "): url for role, url in directory.get(f"sim-{key}", {}).items()
            if role.startswith("sim ")}


def connect_account(settings, directory: Directory, roles: tuple[str, ...]) -> VenueParts:
    """The venue parts in ``roles`` for the account of ``settings`` (key, config, api_key, api_secret), on the
    account's shared rate-limit budget, pointed at the simulator when ``endpoint: sim``. No I/O yet."""
    logs.register_secret(settings.api_secret)
    config = settings.config
    spec = get_venue(config.venue)
    sim_urls = simulator_urls(directory, settings.key)
    if config.endpoint is Endpoint.sim and not sim_urls:
        raise RuntimeError(f"exchange.{settings.key}: endpoint sim, but no simulator is running")
    if not (settings.api_key and settings.api_secret):
        raise RuntimeError(f"exchange.{settings.key}: no API credentials "
                           f"(set the venue's key variables in the environment)")
    credentials = spec.credentials(settings.api_key, settings.api_secret)
    # "flatten": the engine's own orders when it closes positions.
    limiter = shared_limiter(settings.key, config.venue)
    parts = spec.connect(config, credentials, limiter, spec.endpoints_for(config, sim_urls), roles=roles,
                         owners=tuple(settings.strategies) + ("flatten",))
    return replace(parts, limiter=limiter)
