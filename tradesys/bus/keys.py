"""The bus's CURVE keys: made once by ``python -m tradesys.bus.keys DIR``, read from files or the environment.

A key directory holds ``server.key_secret`` and ``client.key_secret`` (ZeroMQ certificate files: the
public and the secret key; mode 600) and, optionally, ``allowed/*.key``: public certificates of more
clients to let in (an operator's machine with a key pair of its own). The environment may give the two
secret keys instead (``TRADESYS_BUS_SERVER_SECRET``, ``TRADESYS_BUS_CLIENT_SECRET``, Z85); their public
halves are derived. Nothing here prints or logs a secret key.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path

import zmq
import zmq.auth

from tradesys.bus.curve import CurveKeys

SERVER_ENV = "TRADESYS_BUS_SERVER_SECRET"
CLIENT_ENV = "TRADESYS_BUS_CLIENT_SECRET"
HOW = (f"make a key directory with `python -m tradesys.bus.keys DIR` and set cluster.bus_keys=DIR, or set "
       f"{SERVER_ENV} and {CLIENT_ENV}")


class BusKeyError(Exception):
    """Keys that are missing or unusable; the message names the fix and never shows a key."""


def _pair_from_secret(secret: bytes, what: str) -> tuple[bytes, bytes]:
    try:
        return zmq.curve_public(secret), secret
    except (ValueError, zmq.ZMQError):
        raise BusKeyError(f"{what} is not a Z85 CURVE secret key (40 characters): {HOW}") from None


def _pair_from_file(path: Path) -> tuple[bytes, bytes]:
    if not path.is_file():
        raise BusKeyError(f"no {path.name} in {path.parent}: {HOW}")
    try:
        public, secret = zmq.auth.load_certificate(path)
    except (OSError, ValueError) as exc:
        raise BusKeyError(f"{path} is not a ZeroMQ secret certificate ({type(exc).__name__}): {HOW}") from None
    if not secret:
        raise BusKeyError(f"{path} holds no secret key: {HOW}")
    if zmq.curve_public(secret) != public:
        raise BusKeyError(f"{path}: its public key is not the one of its secret key: {HOW}")
    return public, secret


def load_keys(directory: str | None, environ: Mapping[str, str] = os.environ) -> CurveKeys:
    """The farm's keys: the environment's secrets when both are set, else the key directory's files."""
    allowed: set[bytes] = set()
    if environ.get(SERVER_ENV) and environ.get(CLIENT_ENV):
        server = _pair_from_secret(environ[SERVER_ENV].encode(), SERVER_ENV)
        client = _pair_from_secret(environ[CLIENT_ENV].encode(), CLIENT_ENV)
    elif directory:
        root = Path(directory).expanduser()
        if not root.is_dir():
            raise BusKeyError(f"cluster.bus_keys: {root} is not a directory: {HOW}")
        server = _pair_from_file(root / "server.key_secret")
        client = _pair_from_file(root / "client.key_secret")
        for cert in sorted((root / "allowed").glob("*.key")) if (root / "allowed").is_dir() else ():
            try:
                allowed.add(zmq.auth.load_certificate(cert)[0])
            except (OSError, ValueError) as exc:
                raise BusKeyError(f"{cert} is not a ZeroMQ public certificate ({type(exc).__name__})") from None
    else:
        raise BusKeyError(f"cluster.bus_security is curve but there are no keys: {HOW}")
    return CurveKeys(server[0], server[1], client[0], client[1], frozenset(allowed))


def generate(directory: Path) -> list[Path]:
    """Write a server and a client key pair into ``directory`` (made, mode 700); refuse to overwrite."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    made = []
    for name in ("server", "client"):
        if (directory / f"{name}.key_secret").exists():
            raise BusKeyError(f"{directory / (name + '.key_secret')} exists: keys are not overwritten")
    for name in ("server", "client"):
        public, secret = zmq.auth.create_certificates(directory, name)
        Path(secret).chmod(0o600)
        made += [Path(public), Path(secret)]
    (directory / "allowed").mkdir(exist_ok=True)
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tradesys.bus.keys",
        description="Make the bus's CURVE key pairs (server and client) in a directory, for cluster.bus_keys. "
                    "Copy the directory to the machine that runs run.py; put other clients' public "
                    "certificates (*.key) in its allowed/ folder.")
    parser.add_argument("directory", type=Path, help="where to write them (made if missing; never overwritten)")
    args = parser.parse_args(argv)
    try:
        made = generate(args.directory)
    except (BusKeyError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in made:
        print(f"wrote {path}")
    print(f"use it: python run.py cluster.bus_security=curve cluster.bus_keys={args.directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
