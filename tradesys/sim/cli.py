"""``python -m tradesys.sim <venue>``: run a venue simulator on loopback until Ctrl-C or SIGTERM.

Prints one labelled line per value a client needs: every endpoint it serves
(``rest http://127.0.0.1:41234``), the credentials it accepts, then the
venue's other client settings (GRVT: ``chain-id``, ``sub-account``) and the
symbols; then logs in JSON to stderr. The same options for every venue; GRVT
takes ``--private-key`` instead of a secret, and ``--chain-id``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys

from tradesys import logs
from tradesys.venue.registry import VenueRegistryError, get_simulator, venue_names


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m tradesys.sim",
                                description="Run an exchange simulator that speaks the venue's real protocol.")
    p.add_argument("venue", choices=venue_names(), help="which venue's protocol to serve")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    p.add_argument("--control-host", default="127.0.0.1",
                   help="address of the fault switches' own port (default: loopback, whatever --host is)")
    p.add_argument("--port", type=int, default=0, help="port to bind; 0 (default) picks a free one")
    p.add_argument("--seed", type=int, default=7, help="seed of the synthetic market (default 7)")
    p.add_argument("--symbols", default="", help="comma-separated symbols (default: all the simulator has)")
    p.add_argument("--api-key", default=None, help="API key to accept (Deribit: the client id; default: generated "
                                                   "and printed)")
    p.add_argument("--api-secret", default=None, help="API secret to accept (Deribit: the client secret; default: "
                                                      "generated and printed)")
    p.add_argument("--private-key", default=None, help="GRVT: the signer's Ethereum private key (0x + 64 hex) whose "
                                                        "EIP-712 order signatures it accepts (default: generated)")
    p.add_argument("--chain-id", type=int, default=None,
                   help="GRVT: the chain id its EIP-712 signatures are checked on (default 325, production, as a "
                        "client configured for production signs; 326 for testnet)")
    p.add_argument("--ed25519-public-key", default=None, metavar="PEM_FILE",
                   help="Binance: an Ed25519 public key (PEM) registered for the API key; enables session.logon "
                        "and Ed25519-signed requests on the WS API")
    p.add_argument("--balance", default="100000", help="starting balance of the account: Binance USDT; Deribit "
                                                       "USDC, and the same worth of BTC and ETH")
    p.add_argument("--funding-interval", type=float, default=None, metavar="SECONDS",
                   help="seconds between funding settlements (default: the venue's, 8 h)")
    p.add_argument("--faults", default="{}", help='fault switches as JSON, e.g. \'{"delay_ms": 200}\' '
                                                   "(see docs/simulator.md); also settable at run time")
    return p


class _Refused(Exception):
    """A command line the simulator cannot serve: the message is printed and the exit code is 2."""


async def serve(args: argparse.Namespace, out=sys.stdout) -> int:
    try:
        spec = get_simulator(args.venue)
        kwargs, given = _settings(args, spec.credentials)
        simulator = spec.server(**kwargs)
    except (_Refused, ValueError, VenueRegistryError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.venue == "grvt":
        secret_lines = [f"private-key {'(given)' if given else simulator.credentials.private_key}",
                        f"signer {simulator.signer}"]
    else:   # a secret the user chose is not echoed; a generated test secret must be, or nobody could use it
        secret_lines = [f"api-secret {'(given)' if given else simulator.credentials.api_secret}"]
    return await _run(simulator, args, secret_lines, out)


def _settings(args: argparse.Namespace, credentials: type) -> tuple[dict, bool]:
    """The simulator's keyword arguments, and whether the credentials were given; _Refused for a bad line."""
    try:
        faults = json.loads(args.faults)
    except ValueError as exc:
        raise _Refused(f"--faults is not JSON: {exc}") from None
    kwargs = {"seed": args.seed, "balance": args.balance, "faults": faults}
    if args.funding_interval is not None:
        kwargs["funding_interval_s"] = args.funding_interval
    if args.symbols:
        kwargs["symbols"] = tuple(s.strip() for s in args.symbols.split(",") if s.strip())
    # The secret half: GRVT's signing key, every other venue's API secret.
    grvt = args.venue == "grvt"
    flag, secret, other = ("--private-key", args.private_key, "--api-secret") if grvt else \
        ("--api-secret", args.api_secret, "--private-key")
    if (args.api_secret if grvt else args.private_key) is not None:
        raise _Refused(f"the {args.venue} simulator takes --api-key and {flag} (no {other})")
    given = args.api_key is not None or secret is not None
    if given:
        if not (args.api_key and secret):
            raise _Refused(f"give both --api-key and {flag}, or neither")
        logs.register_secret(secret)
        kwargs["credentials"] = credentials(args.api_key, secret)
    if args.chain_id is not None:
        if not grvt:
            raise _Refused("--chain-id is for the grvt simulator")
        if args.chain_id <= 0:
            raise _Refused(f"--chain-id must be a positive integer, not {args.chain_id}")
        kwargs["chain_id"] = args.chain_id
    if args.ed25519_public_key is not None:
        if args.venue != "binance":
            raise _Refused("--ed25519-public-key is for the binance simulator")
        if not given:
            raise _Refused("--ed25519-public-key needs --api-key and --api-secret")
        try:
            with open(args.ed25519_public_key) as pem:
                public_key = pem.read()
        except OSError as exc:
            raise _Refused(f"--ed25519-public-key: {exc}") from None
        kwargs["credentials"] = credentials(args.api_key, secret, public_key)
    return kwargs, given


async def _run(simulator, args: argparse.Namespace, secret_lines: list[str], out) -> int:
    # Handlers first: whoever reads the printed URLs may stop us at once, and must get a clean stop.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        simulator.control_host = args.control_host
        urls = await simulator.start(args.host, args.port)
    except ValueError as exc:  # a bad fault switch
        print(f"error: {exc}", file=sys.stderr)
        await simulator.stop()
        return 2
    except OSError as exc:     # an address this machine does not have, a port in use
        print(f"error: cannot bind ({exc.strerror or exc}): check --host, --port and --control-host", file=sys.stderr)
        await simulator.stop()
        return 2
    for role, url in urls.items():
        print(f"{role} {url}", file=out)
    print(f"api-key {simulator.credentials.api_key}", file=out)
    for line in secret_lines:
        print(line, file=out)
    for label, value in simulator.client_settings.items():
        print(f"{label} {value}", file=out)
    print(f"symbols {','.join(simulator.symbols)}", file=out, flush=True)
    try:
        await stop.wait()
    finally:
        await simulator.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logs.setup(f"sim-{args.venue}", None, "INFO", console=False)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logs.JsonFormatter(f"sim-{args.venue}"))
    handler.addFilter(logs.RedactionFilter())
    logging.getLogger().addHandler(handler)
    return asyncio.run(serve(args))
