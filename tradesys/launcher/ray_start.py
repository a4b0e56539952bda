"""Start a local Ray, or join a cluster (``cluster.address``), failing with one line that names the fix.

Joining a cluster uses Ray's token authentication (run.py sets ``RAY_AUTH_MODE=token`` before Ray is
imported, unless the environment sets another mode): the token comes from ``RAY_AUTH_TOKEN``, the file
``RAY_AUTH_TOKEN_PATH`` names, or ``~/.ray/auth_token``, where cluster.yaml puts it. An address that does
not answer is found out by a plain TCP connect first, so a typo costs seconds, not Ray's long connect
timeout.
"""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path

import ray

from tradesys.config import ClusterConfig

CONNECT_TIMEOUT_S = 5.0
DEFAULT_RAY_PORT = 6379


class RayStartError(Exception):
    """Ray could not be started or joined; the message is one line that says what to do."""


def token_source() -> str | None:
    """Where Ray will read the cluster's token from, or None when there is none."""
    if os.environ.get("RAY_AUTH_TOKEN"):
        return "RAY_AUTH_TOKEN"
    path = os.environ.get("RAY_AUTH_TOKEN_PATH")
    if path:
        return path if Path(path).is_file() and Path(path).stat().st_size else None
    default = Path("~/.ray/auth_token").expanduser()
    return str(default) if default.is_file() and default.stat().st_size else None


def head_of(address: str) -> tuple[str, int] | None:
    """(host, port) of an explicit ``host:port`` address ("auto" has none)."""
    if address == "auto":
        return None
    host, _, port = address.rpartition(":")
    if not host:
        return address, DEFAULT_RAY_PORT
    try:
        return host, int(port)
    except ValueError:
        raise RayStartError(f"cluster.address {address!r} is not host:port (e.g. 10.0.0.10:6379) or auto") \
            from None


def check_reachable(address: str) -> None:
    head = head_of(address)
    if head is None:
        return
    try:
        socket.create_connection(head, timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        raise RayStartError(f"cannot reach the Ray head at {head[0]}:{head[1]} ({exc.strerror or exc}): check "
                            f"cluster.address and that `ray start --head` runs there with that port open "
                            f"(docs/deploy.md)") from None


def start_ray(cluster: ClusterConfig) -> None:
    """ray.init as ``cluster`` says; RayStartError with the fix when it cannot."""
    kwargs = dict(namespace=cluster.namespace, include_dashboard=cluster.dashboard, log_to_driver=False,
                  logging_level=logging.WARNING, configure_logging=False)
    if not cluster.address:
        ray.init(address="local", num_cpus=cluster.num_cpus, **kwargs)
        return
    if os.environ.get("RAY_AUTH_MODE", "token") == "token" and token_source() is None:
        raise RayStartError("no Ray auth token to join the cluster with: copy the cluster's token to "
                            "~/.ray/auth_token (cluster.yaml's file_mounts do) or set RAY_AUTH_TOKEN "
                            "(docs/deploy.md)")
    check_reachable(cluster.address)
    try:
        ray.init(address=cluster.address, **kwargs)
    except ConnectionError as exc:
        # The head answered on its port (checked above), so what refused us is most likely the token.
        raise RayStartError(f"the Ray cluster at {cluster.address} did not let this machine in ({_first_line(exc)}): "
                            f"most likely its token is not the cluster's; use the token the cluster was started "
                            f"with, in ~/.ray/auth_token or RAY_AUTH_TOKEN (docs/deploy.md)") from None
    except Exception as exc:
        if "auth" in f"{type(exc).__name__} {exc}".lower() or "token" in str(exc).lower():
            raise RayStartError(f"the Ray cluster at {cluster.address} refused this machine's auth token "
                                f"({_first_line(exc)}): use the token the cluster was started with "
                                f"(docs/deploy.md)") from None
        raise


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
